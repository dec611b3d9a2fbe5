# The interface the deploy step and the DAG rely on (see infra/README.md, "Outputs").

output "raw_bucket" {
  description = "See modules/eventlake/outputs.tf."
  value       = module.eventlake.raw_bucket
}

output "lake_bucket" {
  description = "See modules/eventlake/outputs.tf."
  value       = module.eventlake.lake_bucket
}

output "artifacts_bucket" {
  description = "See modules/eventlake/outputs.tf."
  value       = module.eventlake.artifacts_bucket
}

output "dags_bucket" {
  description = "See modules/eventlake/outputs.tf."
  value       = module.eventlake.dags_bucket
}

output "access_logs_bucket" {
  description = "See modules/eventlake/outputs.tf."
  value       = module.eventlake.access_logs_bucket
}

output "kms_key_arn" {
  description = "See modules/eventlake/outputs.tf."
  value       = module.eventlake.kms_key_arn
}

output "emr_application_id" {
  description = "See modules/eventlake/outputs.tf."
  value       = module.eventlake.emr_application_id
}

output "emr_job_role_arn" {
  description = "See modules/eventlake/outputs.tf."
  value       = module.eventlake.emr_job_role_arn
}

output "emr_log_group" {
  description = "See modules/eventlake/outputs.tf."
  value       = module.eventlake.emr_log_group
}

output "mwaa_environment_name" {
  description = "See modules/eventlake/outputs.tf."
  value       = module.eventlake.mwaa_environment_name
}

output "mwaa_execution_role_arn" {
  description = "See modules/eventlake/outputs.tf."
  value       = module.eventlake.mwaa_execution_role_arn
}

output "mlflow_tracking_server_arn" {
  description = "See modules/eventlake/outputs.tf."
  value       = module.eventlake.mlflow_tracking_server_arn
}

output "mlflow_tracking_server_url" {
  description = "See modules/eventlake/outputs.tf."
  value       = module.eventlake.mlflow_tracking_server_url
}

output "sns_topic_arn" {
  description = "See modules/eventlake/outputs.tf."
  value       = module.eventlake.sns_topic_arn
}

output "deploy_role_arn" {
  description = "See modules/eventlake/outputs.tf."
  value       = module.eventlake.deploy_role_arn
}

output "plan_role_arn" {
  description = "See modules/eventlake/outputs.tf."
  value       = module.eventlake.plan_role_arn
}

output "region" {
  description = "See modules/eventlake/outputs.tf."
  value       = module.eventlake.region
}

output "airflow_variables_prefix" {
  description = "See modules/eventlake/outputs.tf."
  value       = module.eventlake.airflow_variables_prefix
}

output "release_parameter_name" {
  description = "See modules/eventlake/outputs.tf."
  value       = module.eventlake.release_parameter_name
}

output "operator_role_arn" {
  description = "See modules/eventlake/outputs.tf."
  value       = module.eventlake.operator_role_arn
}

output "delta_log_table" {
  description = "See modules/eventlake/outputs.tf."
  value       = module.eventlake.delta_log_table
}

output "ip_hash_secret_arn" {
  description = "See modules/eventlake/outputs.tf."
  value       = module.eventlake.ip_hash_secret_arn
}
