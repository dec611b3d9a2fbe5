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

variable "airflow_version" {
  description = "An Airflow 3 version that MWAA offers."
  type        = string
  default     = "3.0.6"
  validation {
    condition     = startswith(var.airflow_version, "3.")
    error_message = "The DAG is written for Airflow 3."
  }
}

variable "lineage_namespace" {
  description = "OpenLineage namespace of Airflow's own events: the jobs' lineage.namespace (src/eventlake/conf/base.yaml), so the parent a job names is found under it."
  type        = string
  default     = "eventlake"
}

variable "environment_class" {
  description = "MWAA environment class."
  type        = string
  default     = "mw1.small"
}

variable "max_workers" {
  description = "Maximum number of workers."
  type        = number
  default     = 2
}

variable "subnet_ids" {
  description = "The two private subnets."
  type        = list(string)
}

variable "security_group_id" {
  description = "MWAA security group."
  type        = string
}

variable "kms_key_arn" {
  description = "Project key (MWAA metadata and logs, buckets, SSM parameters, SNS)."
  type        = string
}

variable "bucket_arns" {
  description = "Bucket ARNs by role (raw, lake, artifacts, dags)."
  type        = map(string)
}

variable "emr_application_arn" {
  description = "EMR Serverless application the DAG submits jobs to."
  type        = string
}

variable "emr_job_role_arn" {
  description = "Execution role passed to the EMR Serverless job runs."
  type        = string
}

variable "sns_topic_arn" {
  description = "Topic of the failure callback."
  type        = string
}

variable "mlflow_tracking_server_arn" {
  description = "MLflow tracking server the DAG may query (model promotion); empty when there is none."
  type        = string
  default     = ""
}

variable "variables_prefix" {
  description = "SSM path of the Airflow Variables (see modules/airflow_variables)."
  type        = string
}

variable "variable_parameter_arns" {
  description = "ARNs of the SSM parameters holding the Airflow Variables."
  type        = list(string)
}

variable "permissions_boundary_arn" {
  description = "Permissions boundary of the module's IAM roles (modules/workload_boundary)."
  type        = string
}

variable "operator_principal_arns" {
  description = "Principals that may assume the operator role (with MFA); empty trusts this account's principals that IAM allows to assume it."
  type        = list(string)
  default     = []
}
