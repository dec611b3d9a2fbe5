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

variable "enable_emr_alarm" {
  description = "Create the EventBridge rule for failed EMR Serverless job runs."
  type        = bool
  default     = false
}

variable "emr_application_id" {
  description = "EMR Serverless application whose failed job runs are sent to the topic."
  type        = string
  default     = null
}

variable "enable_mwaa_alarm" {
  description = "Create the MWAA scheduler heartbeat alarm."
  type        = bool
  default     = false
}

variable "mwaa_environment_name" {
  description = "MWAA environment whose scheduler heartbeat is watched."
  type        = string
  default     = null
}
