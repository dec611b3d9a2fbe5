# The interface `eventlake deploy` and the DAG rely on (infra/README.md, "Outputs").

output "region" {
  description = "AWS region."
  value       = var.region
}

output "raw_bucket" {
  description = "Raw logs bucket (s3://<raw_bucket>/raw/dt=YYYY-MM-DD/)."
  value       = module.storage.buckets["raw"]
}

output "lake_bucket" {
  description = "Delta lake bucket (s3://<lake_bucket>/lake/...)."
  value       = module.storage.buckets["lake"]
}

output "artifacts_bucket" {
  description = "Artifacts bucket (models/, releases/, mlflow/)."
  value       = module.storage.buckets["artifacts"]
}

output "dags_bucket" {
  description = "MWAA source bucket (dags/, requirements.txt)."
  value       = module.storage.buckets["dags"]
}

output "access_logs_bucket" {
  description = "S3 server access logs bucket."
  value       = module.storage.buckets["access_logs"]
}

output "kms_key_arn" {
  description = "Customer managed key of the environment."
  value       = module.storage.kms_key_arn
}

output "emr_application_id" {
  description = "EMR Serverless application id."
  value       = var.enable_compute ? module.compute[0].application_id : null
}

output "emr_job_role_arn" {
  description = "EMR Serverless job execution role."
  value       = var.enable_compute ? module.compute[0].job_role_arn : null
}

output "emr_log_group" {
  description = "CloudWatch log group for the job runs."
  value       = var.enable_compute ? module.compute[0].log_group : null
}

output "mwaa_environment_name" {
  description = "MWAA environment name."
  value       = length(module.orchestration) > 0 ? module.orchestration[0].environment_name : null
}

output "mwaa_execution_role_arn" {
  description = "MWAA execution role."
  value       = length(module.orchestration) > 0 ? module.orchestration[0].execution_role_arn : null
}

output "mlflow_tracking_server_arn" {
  description = "MLflow tracking server ARN (MLFLOW_TRACKING_URI with sagemaker-mlflow)."
  value       = var.enable_registry ? module.registry[0].tracking_server_arn : null
}

output "mlflow_tracking_server_url" {
  description = "MLflow tracking server URL."
  value       = var.enable_registry ? module.registry[0].tracking_server_url : null
}

output "sns_topic_arn" {
  description = "Pipeline failure topic."
  value       = module.alerting.topic_arn
}

output "deploy_role_arn" {
  description = "GitHub OIDC deploy role."
  value       = module.ci_identity.deploy_role_arn
}

output "plan_role_arn" {
  description = "GitHub OIDC plan role (pull requests, read-only)."
  value       = module.ci_identity.plan_role_arn
}

output "airflow_variables_prefix" {
  description = "SSM path of the Airflow Variables."
  value       = module.airflow_variables.prefix
}

output "release_parameter_name" {
  description = "SSM parameter the deploy step writes s3://<artifacts>/releases/<sha> to."
  value       = "${module.airflow_variables.prefix}/eventlake_release_uri"
}

output "operator_role_arn" {
  description = "Role an operator assumes to open the private Airflow UI."
  value       = length(module.orchestration) > 0 ? module.orchestration[0].operator_role_arn : null
}

output "delta_log_table" {
  description = "DynamoDB table of Delta's S3DynamoDBLogStore."
  value       = module.storage.delta_log_table
}

output "ip_hash_secret_arn" {
  description = "Secret of the ip_hash key; its value is put by an operator."
  value       = module.storage.ip_hash_secret_arn
}
