variable "environment" {
  description = "Environment name: dev, prod (or a test name)."
  type        = string
}

variable "region" {
  description = "AWS region."
  type        = string
}

variable "allowed_account_ids" {
  description = "Guard against applying to the wrong account; null allows any."
  type        = list(string)
  default     = null
}

variable "azs" {
  description = "Two availability zones."
  type        = list(string)
}

variable "vpc_cidr" {
  description = "VPC CIDR."
  type        = string
  default     = "10.40.0.0/16"
}

variable "github_repository" {
  description = "owner/name of the GitHub repository CI runs in."
  type        = string
}

variable "github_environment" {
  description = "GitHub environment the deploy role trusts; null trusts refs/heads/main."
  type        = string
  default     = null
}

variable "create_oidc_provider" {
  description = "Create the account's GitHub OIDC provider."
  type        = bool
  default     = true
}

variable "oidc_provider_arn" {
  description = "Existing GitHub OIDC provider, when create_oidc_provider is false."
  type        = string
  default     = null
}

variable "state_bucket" {
  description = "Terraform state bucket (from infra/terraform/bootstrap)."
  type        = string
}

variable "state_kms_key_arn" {
  description = "KMS key of the state bucket (from infra/terraform/bootstrap)."
  type        = string
}

variable "alert_emails" {
  description = "E-mail subscribers of the failure topic (DAG failures, failed EMR job runs, MWAA scheduler heartbeat); plan warns when empty in prod."
  type        = list(string)
  default     = []
}

variable "enable_network_endpoints" {
  description = "Create the interface VPC endpoints (off only in the moto test root)."
  type        = bool
  default     = true
}

variable "interface_endpoint_subnet_count" {
  description = "Subnets per interface endpoint: 1 (cheaper) or 2 (AZ-redundant)."
  type        = number
  default     = 2
}

variable "enable_compute" {
  description = "Create the EMR Serverless application (off only in the moto test root)."
  type        = bool
  default     = true
}

variable "enable_orchestration" {
  description = "Create the MWAA environment (off only in the moto test root)."
  type        = bool
  default     = true
}

variable "enable_registry" {
  description = "Create the SageMaker MLflow tracking server (off only in the moto test root)."
  type        = bool
  default     = true
}

variable "emr_max_cpu" {
  description = "EMR Serverless maximum vCPU."
  type        = string
  default     = "16 vCPU"
}

variable "emr_max_memory" {
  description = "EMR Serverless maximum memory."
  type        = string
  default     = "64 GB"
}

variable "mwaa_environment_class" {
  description = "MWAA environment class."
  type        = string
  default     = "mw1.small"
}

variable "mwaa_max_workers" {
  description = "MWAA maximum workers."
  type        = number
  default     = 2
}

variable "airflow_version" {
  description = "MWAA Airflow 3 version."
  type        = string
  default     = "3.0.6"
}

variable "log_retention_days" {
  description = "Retention of the project's CloudWatch log groups."
  type        = number
  default     = 365
}

variable "force_destroy_buckets" {
  description = "Allow destroying non-empty buckets (dev and tests only)."
  type        = bool
  default     = false
}

variable "operator_principal_arns" {
  description = "Principals allowed to assume the operator role (MFA required); empty: any principal of this account that IAM allows."
  type        = list(string)
  default     = []
}
