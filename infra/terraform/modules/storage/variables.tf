variable "name_prefix" {
  description = "Prefix of every resource name, e.g. eventlake-dev."
  type        = string
}

variable "account_id" {
  description = "AWS account id: makes bucket names globally unique and scopes the key policy."
  type        = string
}

variable "region" {
  description = "AWS region of the deployment."
  type        = string
}

variable "lake_noncurrent_version_days" {
  description = "Days to keep noncurrent versions in the lake bucket (files that `eventlake maintain` VACUUMed stay this long as noncurrent versions)."
  type        = number
  default     = 3
}

variable "noncurrent_version_days" {
  description = "Days to keep noncurrent versions in the other buckets."
  type        = number
  default     = 30
}

variable "access_log_retention_days" {
  description = "Days to keep S3 server access logs."
  type        = number
  default     = 365
}

variable "force_destroy" {
  description = "Allow terraform destroy of non-empty buckets (dev and tests only)."
  type        = bool
  default     = false
}

variable "raw_object_lock_days" {
  description = "Object Lock retention (governance mode) of the raw bucket, in days."
  type        = number
  default     = 30
}
