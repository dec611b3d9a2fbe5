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

variable "github_repository" {
  description = "owner/name of the GitHub repository allowed to assume the roles."
  type        = string
  validation {
    condition     = can(regex("^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$", var.github_repository))
    error_message = "Use owner/name, without wildcards."
  }
}

variable "github_environment" {
  description = "If set, the deploy role trusts only jobs of this GitHub environment (its protection rules then gate deploys); else only refs/heads/main."
  type        = string
  default     = null
}

variable "create_oidc_provider" {
  description = "Create the account's GitHub OIDC provider (one per account: false in the second environment of a shared account)."
  type        = bool
  default     = true
}

variable "oidc_provider_arn" {
  description = "Existing GitHub OIDC provider ARN, when create_oidc_provider is false."
  type        = string
  default     = null
}

variable "kms_key_arn" {
  description = "Project key."
  type        = string
}

variable "bucket_arns" {
  description = "Bucket ARNs by role (raw, lake, artifacts, dags, access_logs)."
  type        = map(string)
}

variable "bucket_name_patterns" {
  description = "Name patterns of the environment's buckets (for bucket management by terraform apply)."
  type        = list(string)
}

variable "variables_prefix" {
  description = "SSM path of the Airflow Variables."
  type        = string
}

variable "release_parameter_arn" {
  description = "SSM parameter the deploy step writes the release URI to."
  type        = string
}

variable "state_bucket" {
  description = "Terraform state bucket."
  type        = string
}

variable "state_key_prefix" {
  description = "Prefix of this environment's state objects in the state bucket."
  type        = string
}

variable "state_kms_key_arn" {
  description = "KMS key of the state bucket."
  type        = string
}

variable "environment" {
  description = "Environment name; the value of the environment tag that default_tags stamps."
  type        = string
}

variable "project_tag" {
  description = "Value of the project tag that default_tags stamps on every resource."
  type        = string
  default     = "eventlake"
}

variable "permissions_boundary_arn" {
  description = "Workload permissions boundary (modules/workload_boundary): every role the deploy role creates or edits must carry it."
  type        = string
}

variable "vpc_id" {
  description = "This environment's VPC (scopes the adoption of its default security group)."
  type        = string
}
