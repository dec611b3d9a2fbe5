# terraform plan -var-file=envs/prod.tfvars (after init with envs/prod.s3.tfbackend).
environment       = "prod"
region            = "eu-west-1"
azs               = ["eu-west-1a", "eu-west-1b"]
vpc_cidr          = "10.41.0.0/16"
github_repository = "eventlake/eventlake"
# prod deploys only from jobs in the protected GitHub environment "prod".
github_environment = "prod"
# Replace with the bootstrap outputs.
state_bucket      = "eventlake-tfstate-210987654321"
state_kms_key_arn = "arn:aws:kms:eu-west-1:210987654321:key/00000000-0000-0000-0000-000000000000"

interface_endpoint_subnet_count = 2
emr_max_cpu                     = "32 vCPU"
emr_max_memory                  = "128 GB"
mwaa_environment_class          = "mw1.small"
mwaa_max_workers                = 3
log_retention_days              = 365
