output "kms_key_arn" {
  description = "ARN of the environment's customer managed key."
  value       = aws_kms_key.this.arn
}

output "buckets" {
  description = "Bucket names by role: raw, lake, artifacts, dags, access_logs."
  value = {
    raw         = module.raw.name
    lake        = module.lake.name
    artifacts   = module.artifacts.name
    dags        = module.dags.name
    access_logs = module.access_logs.name
  }
}

output "bucket_arns" {
  description = "Bucket ARNs by role: raw, lake, artifacts, dags, access_logs."
  value = {
    raw         = module.raw.arn
    lake        = module.lake.arn
    artifacts   = module.artifacts.arn
    dags        = module.dags.arn
    access_logs = module.access_logs.arn
  }
}

output "bucket_name_patterns" {
  description = "Name patterns that cover every bucket of this environment (for CI identities)."
  value       = ["${var.name_prefix}-*", "airflow-${var.name_prefix}-*"]
}

output "delta_log_table" {
  description = "DynamoDB table of Delta's S3DynamoDBLogStore."
  value       = aws_dynamodb_table.delta_log.name
}

output "delta_log_table_arn" {
  description = "ARN of the Delta log store table."
  value       = aws_dynamodb_table.delta_log.arn
}

output "ip_hash_secret_arn" {
  description = "Secrets Manager secret holding the ip_hash key (value put by an operator)."
  value       = aws_secretsmanager_secret.ip_hash_key.arn
}
