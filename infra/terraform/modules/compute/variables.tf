variable "name_prefix" {
  description = "Prefix of every resource name, e.g. eventlake-dev."
  type        = string
}

variable "region" {
  description = "AWS region."
  type        = string
}

variable "account_id" {
  description = "AWS account id."
  type        = string
}

variable "release_label" {
  description = "EMR release: emr-spark-8.0.0 ships Spark 4.0.2 and Delta 4.0.0, matching pyproject.toml."
  type        = string
  default     = "emr-spark-8.0.0"
}

variable "private_subnet_ids" {
  description = "Private subnets the workers' ENIs are placed in."
  type        = list(string)
}

variable "security_group_id" {
  description = "Security group of the workers."
  type        = string
}

variable "max_cpu" {
  description = "Maximum vCPU of all workers of the application together."
  type        = string
  default     = "16 vCPU"
}

variable "max_memory" {
  description = "Maximum memory of all workers together."
  type        = string
  default     = "64 GB"
}

variable "max_disk" {
  description = "Maximum disk of all workers together."
  type        = string
  default     = "400 GB"
}

variable "idle_timeout_minutes" {
  description = "Auto-stop after this many idle minutes."
  type        = number
  default     = 15
}

variable "kms_key_arn" {
  description = "Project key (bucket objects and the job log group)."
  type        = string
}

variable "bucket_arns" {
  description = "Bucket ARNs by role (raw, lake, artifacts)."
  type        = map(string)
}

variable "mlflow_tracking_server_arn" {
  description = "ARN of the MLflow tracking server the training job logs to; empty when there is none."
  type        = string
  default     = ""
}

variable "log_retention_days" {
  description = "Retention of the job log group."
  type        = number
  default     = 365
}

variable "permissions_boundary_arn" {
  description = "Permissions boundary of the module's IAM roles (modules/workload_boundary)."
  type        = string
}

variable "delta_log_table_arn" {
  description = "DynamoDB table of Delta's S3DynamoDBLogStore (modules/storage)."
  type        = string
}

variable "ip_hash_secret_arn" {
  description = "Secret holding the ip_hash key (modules/storage); the job reads it at start."
  type        = string
}
