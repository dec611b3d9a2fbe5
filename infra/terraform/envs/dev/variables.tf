variable "environment" {
  description = "Environment name."
  type        = string
}

variable "region" {
  description = "AWS region."
  type        = string
}

variable "allowed_account_ids" {
  description = "Guard against applying to the wrong account; empty allows any."
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
}

variable "github_repository" {
  description = "owner/name of the GitHub repository."
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
  description = "Terraform state bucket (bootstrap output state_bucket)."
  type        = string
}

variable "state_kms_key_arn" {
  description = "State bucket key (bootstrap output state_kms_key_arn)."
  type        = string
}

variable "alert_emails" {
  description = "E-mail subscribers of the failure topic."
  type        = list(string)
  default     = []
}

variable "interface_endpoint_subnet_count" {
  description = "Subnets per interface endpoint: 1 or 2."
  type        = number
  default     = 2
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

variable "log_retention_days" {
  description = "CloudWatch log retention."
  type        = number
  default     = 365
}

variable "operator_principal_arns" {
  description = "Principals allowed to assume the operator role (MFA required)."
  type        = list(string)
  default     = []
}
