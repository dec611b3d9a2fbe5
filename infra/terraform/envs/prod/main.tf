module "eventlake" {
  source = "../../modules/eventlake"

  environment                     = var.environment
  region                          = var.region
  azs                             = var.azs
  vpc_cidr                        = var.vpc_cidr
  github_repository               = var.github_repository
  github_environment              = var.github_environment
  create_oidc_provider            = var.create_oidc_provider
  oidc_provider_arn               = var.oidc_provider_arn
  state_bucket                    = var.state_bucket
  state_kms_key_arn               = var.state_kms_key_arn
  alert_emails                    = var.alert_emails
  operator_principal_arns         = var.operator_principal_arns
  interface_endpoint_subnet_count = var.interface_endpoint_subnet_count
  emr_max_cpu                     = var.emr_max_cpu
  emr_max_memory                  = var.emr_max_memory
  mwaa_environment_class          = var.mwaa_environment_class
  mwaa_max_workers                = var.mwaa_max_workers
  log_retention_days              = var.log_retention_days
}
