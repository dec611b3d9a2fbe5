variable "name_prefix" {
  description = "Prefix of every resource name, e.g. eventlake-dev."
  type        = string
}

variable "region" {
  description = "AWS region; builds the VPC endpoint service names."
  type        = string
}

variable "account_id" {
  description = "AWS account id; endpoint policies admit only this account's principals."
  type        = string
}

variable "cidr_block" {
  description = "VPC CIDR."
  type        = string
  default     = "10.40.0.0/16"
}

variable "azs" {
  description = "Two availability zones for the private subnets (MWAA needs two)."
  type        = list(string)
  validation {
    condition     = length(var.azs) == 2
    error_message = "Give exactly two availability zones."
  }
}

variable "kms_key_arn" {
  description = "Key that encrypts the flow log group."
  type        = string
}

variable "bucket_arns" {
  description = "The project's bucket ARNs; the S3 gateway endpoint reaches only these (and ECR's layer bucket)."
  type        = list(string)
}

variable "dynamodb_table_arns" {
  description = "The project's DynamoDB table ARNs (Delta's log store); the DynamoDB gateway endpoint reaches only these."
  type        = list(string)
}

variable "interface_endpoints" {
  description = "Interface endpoints to create, by service suffix (com.amazonaws.<region>.<suffix>)."
  type        = set(string)
  nullable    = false
  default = [
    "sts", "logs", "kms", "monitoring", "sqs", "ecr.api", "ecr.dkr", "ssm", "sns",
    "emr-serverless", "airflow.api", "airflow.env", "airflow.ops", "sagemaker.api",
    "secretsmanager",
  ]
}

variable "enable_mlflow_endpoint" {
  description = "Create the SageMaker MLflow (experiments) interface endpoint."
  type        = bool
  default     = true
}

variable "interface_endpoint_subnet_count" {
  description = "In how many of the two private subnets each interface endpoint gets an ENI (1 halves the hourly cost; 2 survives an AZ outage)."
  type        = number
  default     = 2
  validation {
    condition     = contains([1, 2], var.interface_endpoint_subnet_count)
    error_message = "Use 1 or 2."
  }
}

variable "log_retention_days" {
  description = "Retention of the flow log group."
  type        = number
  default     = 365
}

variable "permissions_boundary_arn" {
  description = "Permissions boundary of the module's IAM roles (modules/workload_boundary)."
  type        = string
}
