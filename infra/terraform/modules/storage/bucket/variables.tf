variable "name" {
  description = "Globally unique bucket name."
  type        = string
}

variable "kms_key_arn" {
  description = "Customer managed KMS key for SSE-KMS; null means SSE-S3 (access-log targets only)."
  type        = string
  default     = null
}

variable "access_logs_bucket" {
  description = "Bucket that receives the S3 server access logs of this bucket; null for an access-log target."
  type        = string
  default     = null
}

variable "access_log_target" {
  description = "This bucket receives server access logs: it is not logged itself and must use SSE-S3 (kms_key_arn = null)."
  type        = bool
  default     = false
  validation {
    condition     = !var.access_log_target || (var.kms_key_arn == null && var.access_logs_bucket == null)
    error_message = "An access-log target uses SSE-S3 and has no access logs of its own."
  }
}

variable "expiration_days" {
  description = "Days after which current object versions expire; null keeps them (and only removes expired delete markers)."
  type        = number
  default     = null
}

variable "noncurrent_version_days" {
  description = "Days after which noncurrent object versions are deleted."
  type        = number
  default     = 7
}

variable "abort_multipart_days" {
  description = "Days after which incomplete multipart uploads are aborted."
  type        = number
  default     = 2
}

variable "extra_policy_json" {
  description = "Further bucket policy statements (a policy document JSON) merged with the TLS-only statement."
  type        = string
  default     = null
}

variable "force_destroy" {
  description = "Allow terraform destroy of a non-empty bucket (dev and tests only)."
  type        = bool
  default     = false
}

variable "object_lock_days" {
  description = "Object Lock default retention in days (governance mode); null leaves Object Lock off."
  type        = number
  default     = null
}
