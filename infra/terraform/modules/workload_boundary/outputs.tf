output "arn" {
  description = "ARN of the workload permissions boundary (set as permissions_boundary on every role)."
  value       = aws_iam_policy.boundary.arn
}
