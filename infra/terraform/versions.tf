terraform {
  required_version = ">= 1.10"
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.80, < 6.0"
    }
  }

  # Partial configuration: the key comes from envs/<env>.s3.tfbackend, bucket, region and
  # kms_key_id from the bootstrap outputs (infra/README.md). S3-native locking, no DynamoDB.
  backend "s3" {
    encrypt      = true
    use_lockfile = true
  }
}
