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

variable "kms_key_arn" {
  description = "Project key."
  type        = string
}

variable "bucket_name_patterns" {
  description = "Name patterns of the environment's buckets."
  type        = list(string)
}

variable "variables_prefix" {
  description = "SSM path of the Airflow Variables."
  type        = string
}
