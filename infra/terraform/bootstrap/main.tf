# One-time, per account: the Terraform state bucket and its key. Applied by an administrator
# with local state (see infra/README.md, "Bootstrap the state"); the root infra/terraform then
# uses it as its S3 backend with S3-native locking (use_lockfile).

terraform {
  required_version = ">= 1.10"
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.80, < 6.0"
    }
  }
}

variable "region" {
  description = "AWS region of the state bucket."
  type        = string
  default     = "eu-west-1"
}

provider "aws" {
  region = var.region
  default_tags {
    tags = { project = "eventlake", managed_by = "terraform-bootstrap" }
  }
}

data "aws_caller_identity" "current" {}

locals {
  account_id = data.aws_caller_identity.current.account_id
}

data "aws_iam_policy_document" "state_key" {
  # checkov:skip=CKV_AWS_109:Key policy: "*" resource means this key only.
  # checkov:skip=CKV_AWS_111:Key policy: "*" resource means this key only.
  # checkov:skip=CKV_AWS_356:Key policy: "*" resource means this key only.
  statement {
    sid       = "AccountAdministersKeyThroughIam"
    actions   = ["kms:*"]
    resources = ["*"]
    principals {
      type        = "AWS"
      identifiers = ["arn:aws:iam::${local.account_id}:root"]
    }
  }
}

resource "aws_kms_key" "state" {
  description             = "eventlake Terraform state"
  enable_key_rotation     = true
  deletion_window_in_days = 30
  policy                  = data.aws_iam_policy_document.state_key.json
}

resource "aws_kms_alias" "state" {
  name          = "alias/eventlake-tfstate"
  target_key_id = aws_kms_key.state.key_id
}

locals {
  state_bucket      = "eventlake-tfstate-${local.account_id}"
  state_logs_bucket = "eventlake-tfstate-logs-${local.account_id}"
}

# Nobody deletes the state bucket, Terraform included: an administrator who really means it
# removes this statement first. (A module cannot carry prevent_destroy for one caller only.)
data "aws_iam_policy_document" "state_not_deletable" {
  statement {
    sid       = "DenyStateBucketDeletion"
    effect    = "Deny"
    actions   = ["s3:DeleteBucket"]
    resources = ["arn:aws:s3:::${local.state_bucket}"]
    principals {
      type        = "AWS"
      identifiers = ["*"]
    }
  }
}

module "state" {
  source                  = "../modules/storage/bucket"
  depends_on              = [module.state_logs]
  name                    = local.state_bucket
  kms_key_arn             = aws_kms_key.state.arn
  access_logs_bucket      = module.state_logs.name
  noncurrent_version_days = 90 # state history
  extra_policy_json       = data.aws_iam_policy_document.state_not_deletable.json
}

# Every bucket of the account stays private, whatever a bucket-level setting says: the CI deploy
# role may set bucket public access blocks on its own buckets, never this one (explicit deny).
resource "aws_s3_account_public_access_block" "this" {
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

# --- server access logs of the state bucket ---------------------------------------------------

data "aws_iam_policy_document" "state_log_delivery" {
  statement {
    sid       = "S3ServerAccessLogDelivery"
    actions   = ["s3:PutObject"]
    resources = ["arn:aws:s3:::${local.state_logs_bucket}/*"]
    principals {
      type        = "Service"
      identifiers = ["logging.s3.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }
    condition {
      test     = "ArnLike"
      variable = "aws:SourceArn"
      values   = ["arn:aws:s3:::${local.state_bucket}"]
    }
  }
}

module "state_logs" {
  source                  = "../modules/storage/bucket"
  name                    = local.state_logs_bucket
  kms_key_arn             = null # SSE-S3: the only encryption S3 log delivery writes to
  access_logs_bucket      = null # the target itself
  access_log_target       = true
  expiration_days         = 365
  noncurrent_version_days = 7
  extra_policy_json       = data.aws_iam_policy_document.state_log_delivery.json
}

# State written when these buckets had their own resources here.

moved {
  from = aws_s3_bucket.state
  to   = module.state.aws_s3_bucket.this
}

moved {
  from = aws_s3_bucket_ownership_controls.state
  to   = module.state.aws_s3_bucket_ownership_controls.this
}

moved {
  from = aws_s3_bucket_public_access_block.state
  to   = module.state.aws_s3_bucket_public_access_block.this
}

moved {
  from = aws_s3_bucket_versioning.state
  to   = module.state.aws_s3_bucket_versioning.this
}

moved {
  from = aws_s3_bucket_server_side_encryption_configuration.state
  to   = module.state.aws_s3_bucket_server_side_encryption_configuration.this
}

moved {
  from = aws_s3_bucket_lifecycle_configuration.state
  to   = module.state.aws_s3_bucket_lifecycle_configuration.this
}

moved {
  from = aws_s3_bucket_policy.state
  to   = module.state.aws_s3_bucket_policy.this
}

moved {
  from = aws_s3_bucket.state_logs
  to   = module.state_logs.aws_s3_bucket.this
}

moved {
  from = aws_s3_bucket_ownership_controls.state_logs
  to   = module.state_logs.aws_s3_bucket_ownership_controls.this
}

moved {
  from = aws_s3_bucket_public_access_block.state_logs
  to   = module.state_logs.aws_s3_bucket_public_access_block.this
}

moved {
  from = aws_s3_bucket_versioning.state_logs
  to   = module.state_logs.aws_s3_bucket_versioning.this
}

moved {
  from = aws_s3_bucket_server_side_encryption_configuration.state_logs
  to   = module.state_logs.aws_s3_bucket_server_side_encryption_configuration.this
}

moved {
  from = aws_s3_bucket_lifecycle_configuration.state_logs
  to   = module.state_logs.aws_s3_bucket_lifecycle_configuration.this
}

moved {
  from = aws_s3_bucket_policy.state_logs
  to   = module.state_logs.aws_s3_bucket_policy.this
}

moved {
  from = aws_s3_bucket_logging.state
  to   = module.state.aws_s3_bucket_logging.this[0]
}

output "state_bucket" {
  description = "-backend-config=bucket=... at init, and state_bucket in envs/<env>.tfvars."
  value       = module.state.name
}

output "state_kms_key_arn" {
  description = "-backend-config=kms_key_id=... at init, and state_kms_key_arn in envs/<env>.tfvars."
  value       = aws_kms_key.state.arn
}
