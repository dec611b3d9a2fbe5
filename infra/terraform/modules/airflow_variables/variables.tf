variable "prefix" {
  description = "SSM path under which the Airflow Variables live, e.g. /eventlake/dev/variables."
  type        = string
}

variable "kms_key_arn" {
  description = "Key that encrypts the SecureString parameters."
  type        = string
}

variable "values" {
  description = "Airflow Variables managed by Terraform, by name."
  type        = map(string)
}

variable "deploy_managed" {
  description = "Airflow Variables whose value the deploy step writes (Terraform creates them with a placeholder and then leaves the value alone)."
  type        = map(string)
  default     = {}
}
