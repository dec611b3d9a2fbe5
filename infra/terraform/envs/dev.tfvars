# terraform plan -var-file=envs/dev.tfvars (after init with envs/dev.s3.tfbackend).
environment       = "dev"
region            = "eu-west-1"
azs               = ["eu-west-1a", "eu-west-1b"]
vpc_cidr          = "10.40.0.0/16"
github_repository = "eventlake/eventlake"
# dev deploys on every push to main.
github_environment = null
# Replace with the bootstrap outputs.
state_bucket      = "eventlake-tfstate-123456789012"
state_kms_key_arn = "arn:aws:kms:eu-west-1:123456789012:key/00000000-0000-0000-0000-000000000000"

# Cheaper dev: one ENI per interface endpoint, smaller Spark cap, shorter log retention.
interface_endpoint_subnet_count = 1
emr_max_cpu                     = "8 vCPU"
emr_max_memory                  = "32 GB"
mwaa_environment_class          = "mw1.small"
mwaa_max_workers                = 1
log_retention_days              = 365
