variable "name_prefix" {
  description = "Prefix of every resource name, e.g. eventlake-dev."
  type        = string
}

variable "account_id" {
  description = "AWS account id."
  type        = string
}

variable "artifacts_bucket" {
  description = "Name of the artifacts bucket; MLflow artifacts go under mlflow/."
  type        = string
}

variable "artifacts_bucket_arn" {
  description = "ARN of the artifacts bucket."
  type        = string
}

variable "kms_key_arn" {
  description = "Project key that encrypts the artifacts bucket."
  type        = string
}

variable "mlflow_version" {
  description = "MLflow version of the managed tracking server (client: mlflow 3.x in pyproject.toml)."
  type        = string
  default     = "3.0"
}

variable "tracking_server_size" {
  description = "Small, Medium or Large."
  type        = string
  default     = "Small"
}

variable "permissions_boundary_arn" {
  description = "Permissions boundary of the module's IAM roles (modules/workload_boundary)."
  type        = string
}
