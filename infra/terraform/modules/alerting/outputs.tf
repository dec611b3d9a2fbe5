output "topic_arn" {
  description = "ARN of the pipeline-failure topic."
  value       = aws_sns_topic.failures.arn
}
