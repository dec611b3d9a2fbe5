# Test environment: the same root against moto's server mode, without the services moto does
# not emulate (MWAA, EMR Serverless, SageMaker MLflow, interface endpoints). Used by
# tests/infra/test_moto_apply.py, which adds a provider override pointing every endpoint at a
# moto server on loopback and a local backend; never applied to AWS.
environment              = "moto"
region                   = "us-east-1"
azs                      = ["us-east-1a", "us-east-1b"]
github_repository        = "eventlake/eventlake"
state_bucket             = "eventlake-tfstate-123456789012"
state_kms_key_arn        = "arn:aws:kms:us-east-1:123456789012:key/00000000-0000-0000-0000-000000000000"
enable_network_endpoints = false
enable_compute           = false
enable_orchestration     = false
enable_registry          = false
force_destroy_buckets    = true
