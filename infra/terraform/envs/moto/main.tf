# Test root: the same modules against moto's server mode, without the services moto does not
# emulate (MWAA, EMR Serverless, SageMaker MLflow, interface endpoints). Used by
# tests/infra/test_moto_apply.py; never applied to AWS (the provider only talks to var.endpoint).

terraform {
  required_version = ">= 1.10"
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.80, < 6.0"
    }
  }
}

variable "endpoint" {
  description = "moto server URL, e.g. http://127.0.0.1:5000."
  type        = string
}

provider "aws" {
  region                      = "us-east-1"
  access_key                  = "testing"
  secret_key                  = "testing"
  skip_credentials_validation = true
  skip_metadata_api_check     = true
  skip_region_validation      = true
  s3_use_path_style           = true

  endpoints {
    dynamodb       = var.endpoint
    ec2            = var.endpoint
    iam            = var.endpoint
    kms            = var.endpoint
    logs           = var.endpoint
    s3             = var.endpoint
    secretsmanager = var.endpoint
    sns            = var.endpoint
    ssm            = var.endpoint
    sts            = var.endpoint
  }
}

module "eventlake" {
  source = "../../modules/eventlake"

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
}
