variable "name_prefix" {
  description = "Prefix of every resource name, e.g. eventlake-dev."
  type        = string
}

variable "account_id" {
  description = "AWS account id."
  type        = string
}

variable "kms_key_arn" {
  description = "Project key that encrypts the topic."
  type        = string
}

variable "email_subscribers" {
  description = "E-mail addresses subscribed to pipeline failures (each must confirm)."
  type        = list(string)
  default     = []
}
