output "application_id" {
  description = "EMR Serverless application id."
  value       = aws_emrserverless_application.this.id
}

output "application_arn" {
  description = "EMR Serverless application ARN."
  value       = aws_emrserverless_application.this.arn
}

output "job_role_arn" {
  description = "Execution role of the Spark jobs."
  value       = aws_iam_role.job.arn
}

output "log_group" {
  description = "CloudWatch log group the job runs log to (monitoringConfiguration.cloudWatchLoggingConfiguration)."
  value       = aws_cloudwatch_log_group.jobs.name
}
