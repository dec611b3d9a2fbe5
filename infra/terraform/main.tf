# The one root of every environment: storage -> boundary -> network -> alerting, registry,
# compute -> Airflow Variables -> orchestration -> CI identity. An environment is a tfvars file
# and a backend config (envs/<env>.tfvars, envs/<env>.s3.tfbackend); feature flags leave out
# what a test backend cannot emulate (envs/moto.tfvars).

data "aws_caller_identity" "current" {}

locals {
  name_prefix      = "eventlake-${var.environment}"
  account_id       = data.aws_caller_identity.current.account_id
  variables_prefix = "/eventlake/${var.environment}/variables"
  disabled         = "disabled"
}

module "storage" {
  source        = "./modules/storage"
  name_prefix   = local.name_prefix
  account_id    = local.account_id
  region        = var.region
  force_destroy = var.force_destroy_buckets
}

module "workload_boundary" {
  source               = "./modules/workload_boundary"
  name_prefix          = local.name_prefix
  region               = var.region
  account_id           = local.account_id
  kms_key_arn          = module.storage.kms_key_arn
  bucket_name_patterns = module.storage.bucket_name_patterns
  variables_prefix     = local.variables_prefix
}

module "network" {
  source                          = "./modules/network"
  name_prefix                     = local.name_prefix
  region                          = var.region
  account_id                      = local.account_id
  cidr_block                      = var.vpc_cidr
  azs                             = var.azs
  kms_key_arn                     = module.storage.kms_key_arn
  bucket_arns                     = values(module.storage.bucket_arns)
  dynamodb_table_arns             = [module.storage.delta_log_table_arn]
  interface_endpoints             = var.enable_network_endpoints ? null : []
  enable_mlflow_endpoint          = var.enable_network_endpoints && var.enable_registry
  interface_endpoint_subnet_count = var.interface_endpoint_subnet_count
  log_retention_days              = var.log_retention_days
  permissions_boundary_arn        = module.workload_boundary.arn
}

module "alerting" {
  source            = "./modules/alerting"
  name_prefix       = local.name_prefix
  account_id        = local.account_id
  kms_key_arn       = module.storage.kms_key_arn
  email_subscribers = var.alert_emails
  # Static names and flags only: the alarms must not make alerting wait for what uses its topic.
  enable_emr_alarm      = var.enable_compute
  emr_application_id    = var.enable_compute ? module.compute[0].application_id : null
  enable_mwaa_alarm     = var.enable_orchestration && var.enable_compute
  mwaa_environment_name = local.name_prefix
}

module "registry" {
  count                    = var.enable_registry ? 1 : 0
  source                   = "./modules/registry"
  name_prefix              = local.name_prefix
  account_id               = local.account_id
  artifacts_bucket         = module.storage.buckets["artifacts"]
  artifacts_bucket_arn     = module.storage.bucket_arns["artifacts"]
  kms_key_arn              = module.storage.kms_key_arn
  permissions_boundary_arn = module.workload_boundary.arn
}

locals {
  mlflow_tracking_server_arn = var.enable_registry ? module.registry[0].tracking_server_arn : ""
}

module "compute" {
  count                      = var.enable_compute ? 1 : 0
  source                     = "./modules/compute"
  name_prefix                = local.name_prefix
  region                     = var.region
  account_id                 = local.account_id
  private_subnet_ids         = module.network.private_subnet_ids
  security_group_id          = module.network.emr_security_group_id
  max_cpu                    = var.emr_max_cpu
  max_memory                 = var.emr_max_memory
  kms_key_arn                = module.storage.kms_key_arn
  bucket_arns                = module.storage.bucket_arns
  mlflow_tracking_server_arn = local.mlflow_tracking_server_arn
  log_retention_days         = var.log_retention_days
  delta_log_table_arn        = module.storage.delta_log_table_arn
  ip_hash_secret_arn         = module.storage.ip_hash_secret_arn
  permissions_boundary_arn   = module.workload_boundary.arn
}

module "airflow_variables" {
  source      = "./modules/airflow_variables"
  prefix      = local.variables_prefix
  kms_key_arn = module.storage.kms_key_arn
  values = {
    eventlake_target              = "aws"
    eventlake_emr_application_id  = var.enable_compute ? module.compute[0].application_id : local.disabled
    eventlake_emr_job_role_arn    = var.enable_compute ? module.compute[0].job_role_arn : local.disabled
    eventlake_emr_log_group       = var.enable_compute ? module.compute[0].log_group : local.disabled
    eventlake_raw_uri             = "s3://${module.storage.buckets["raw"]}/raw"
    eventlake_lake_uri            = "s3://${module.storage.buckets["lake"]}/lake"
    eventlake_artifacts_uri       = "s3://${module.storage.buckets["artifacts"]}"
    eventlake_mlflow_tracking_uri = var.enable_registry ? local.mlflow_tracking_server_arn : local.disabled
    eventlake_sns_topic_arn       = module.alerting.topic_arn
    eventlake_delta_log_table     = module.storage.delta_log_table
    eventlake_ip_hash_secret_arn  = module.storage.ip_hash_secret_arn
  }
  deploy_managed = {
    # Until the first deploy writes s3://<artifacts>/releases/<sha>, the DAG sees this value.
    eventlake_release_uri = "s3://${module.storage.buckets["artifacts"]}/releases/none"
  }
}

module "orchestration" {
  count                      = var.enable_orchestration && var.enable_compute ? 1 : 0
  source                     = "./modules/orchestration"
  name_prefix                = local.name_prefix
  region                     = var.region
  account_id                 = local.account_id
  airflow_version            = var.airflow_version
  environment_class          = var.mwaa_environment_class
  max_workers                = var.mwaa_max_workers
  subnet_ids                 = module.network.private_subnet_ids
  security_group_id          = module.network.mwaa_security_group_id
  kms_key_arn                = module.storage.kms_key_arn
  bucket_arns                = module.storage.bucket_arns
  emr_application_arn        = module.compute[0].application_arn
  emr_job_role_arn           = module.compute[0].job_role_arn
  sns_topic_arn              = module.alerting.topic_arn
  mlflow_tracking_server_arn = local.mlflow_tracking_server_arn
  variables_prefix           = local.variables_prefix
  variable_parameter_arns    = values(module.airflow_variables.parameter_arns)
  operator_principal_arns    = var.operator_principal_arns
  permissions_boundary_arn   = module.workload_boundary.arn
}

module "ci_identity" {
  source                   = "./modules/ci_identity"
  name_prefix              = local.name_prefix
  region                   = var.region
  account_id               = local.account_id
  github_repository        = var.github_repository
  github_environment       = var.github_environment
  create_oidc_provider     = var.create_oidc_provider
  oidc_provider_arn        = var.oidc_provider_arn
  kms_key_arn              = module.storage.kms_key_arn
  bucket_arns              = module.storage.bucket_arns
  bucket_name_patterns     = module.storage.bucket_name_patterns
  variables_prefix         = local.variables_prefix
  release_parameter_arn    = module.airflow_variables.parameter_arns["eventlake_release_uri"]
  state_bucket             = var.state_bucket
  state_key_prefix         = "eventlake/${var.environment}/"
  state_kms_key_arn        = var.state_kms_key_arn
  environment              = var.environment
  permissions_boundary_arn = module.workload_boundary.arn
  vpc_id                   = module.network.vpc_id
}

# A prod failure nobody hears about is the failure mode this warns against: plan and apply print
# a warning (they do not stop) while the failure topic has no subscriber in prod.
check "prod_failures_reach_someone" {
  assert {
    condition     = var.environment != "prod" || length(var.alert_emails) > 0
    error_message = "alert_emails is empty in prod: nobody is subscribed to the failure topic, EMR job failures or the MWAA heartbeat alarm. Set alert_emails in the prod tfvars."
  }
}

# State written when this root was modules/eventlake under envs/dev and envs/prod.

moved {
  from = module.eventlake.module.storage
  to   = module.storage
}

moved {
  from = module.eventlake.module.workload_boundary
  to   = module.workload_boundary
}

moved {
  from = module.eventlake.module.network
  to   = module.network
}

moved {
  from = module.eventlake.module.alerting
  to   = module.alerting
}

moved {
  from = module.eventlake.module.registry
  to   = module.registry
}

moved {
  from = module.eventlake.module.compute
  to   = module.compute
}

moved {
  from = module.eventlake.module.airflow_variables
  to   = module.airflow_variables
}

moved {
  from = module.eventlake.module.orchestration
  to   = module.orchestration
}

moved {
  from = module.eventlake.module.ci_identity
  to   = module.ci_identity
}
