terraform {
  required_version = ">= 1.10"
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.80, < 6.0"
    }
  }

  # Partial configuration: bucket, region and kms_key_id come from backend.hcl (see
  # backend.hcl.example and infra/README.md). S3-native locking, no DynamoDB table.
  backend "s3" {
    key          = "eventlake/prod/terraform.tfstate"
    encrypt      = true
    use_lockfile = true
  }
}
