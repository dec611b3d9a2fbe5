# One-time, per account: the Terraform state bucket and its key. Applied by an administrator
# with local state (see infra/README.md, "Bootstrap the state"); the environment roots then use
# it as their S3 backend with S3-native locking (use_lockfile).

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

resource "aws_s3_bucket" "state" {
  # checkov:skip=CKV_AWS_144:State is versioned in-region with 90 days of noncurrent versions; a regional outage stops applies but loses no state.
  # checkov:skip=CKV2_AWS_62:No consumer for state change notifications.
  bucket = "eventlake-tfstate-${local.account_id}"

  lifecycle {
    prevent_destroy = true
  }
}

resource "aws_s3_bucket_ownership_controls" "state" {
  bucket = aws_s3_bucket.state.id
  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_public_access_block" "state" {
  bucket                  = aws_s3_bucket.state.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_versioning" "state" {
  bucket = aws_s3_bucket.state.id
  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "state" {
  bucket = aws_s3_bucket.state.id
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm     = "aws:kms"
      kms_master_key_id = aws_kms_key.state.arn
    }
    bucket_key_enabled = true
  }
}

resource "aws_s3_bucket_lifecycle_configuration" "state" {
  bucket = aws_s3_bucket.state.id
  rule {
    id     = "keep-90-days-of-state-history"
    status = "Enabled"
    filter {
      prefix = ""
    }
    noncurrent_version_expiration {
      noncurrent_days = 90
    }
    abort_incomplete_multipart_upload {
      days_after_initiation = 2
    }
  }
  depends_on = [aws_s3_bucket_versioning.state]
}

data "aws_iam_policy_document" "state_bucket" {
  statement {
    sid     = "DenyInsecureTransport"
    effect  = "Deny"
    actions = ["s3:*"]
    resources = [
      aws_s3_bucket.state.arn,
      "${aws_s3_bucket.state.arn}/*",
    ]
    principals {
      type        = "AWS"
      identifiers = ["*"]
    }
    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }
}

resource "aws_s3_bucket_policy" "state" {
  bucket     = aws_s3_bucket.state.id
  policy     = data.aws_iam_policy_document.state_bucket.json
  depends_on = [aws_s3_bucket_public_access_block.state]
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
# S3 server access logging delivers only to SSE-S3 buckets, so this one bucket uses SSE-S3.

resource "aws_s3_bucket" "state_logs" {
  # checkov:skip=CKV_AWS_145:S3 server access logging only delivers to SSE-S3 buckets.
  # checkov:skip=CKV_AWS_18:This is the access log target; logging it into itself would loop.
  # checkov:skip=CKV_AWS_144:Access logs are an in-region audit record; a second region adds cost, not evidence.
  # checkov:skip=CKV2_AWS_62:No consumer for event notifications on access logs.
  bucket = "eventlake-tfstate-logs-${local.account_id}"
}

resource "aws_s3_bucket_ownership_controls" "state_logs" {
  bucket = aws_s3_bucket.state_logs.id
  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_public_access_block" "state_logs" {
  bucket                  = aws_s3_bucket.state_logs.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_server_side_encryption_configuration" "state_logs" {
  bucket = aws_s3_bucket.state_logs.id
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm = "AES256"
    }
  }
}

resource "aws_s3_bucket_versioning" "state_logs" {
  bucket = aws_s3_bucket.state_logs.id
  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_lifecycle_configuration" "state_logs" {
  bucket = aws_s3_bucket.state_logs.id
  rule {
    id     = "expire-logs"
    status = "Enabled"
    filter {
      prefix = ""
    }
    expiration {
      days = 365
    }
    noncurrent_version_expiration {
      noncurrent_days = 7
    }
    abort_incomplete_multipart_upload {
      days_after_initiation = 2
    }
  }
  depends_on = [aws_s3_bucket_versioning.state_logs]
}

data "aws_iam_policy_document" "state_log_delivery" {
  statement {
    sid       = "S3ServerAccessLogDelivery"
    actions   = ["s3:PutObject"]
    resources = ["${aws_s3_bucket.state_logs.arn}/*"]
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
      values   = [aws_s3_bucket.state.arn]
    }
  }
}

data "aws_iam_policy_document" "state_logs" {
  source_policy_documents = [data.aws_iam_policy_document.state_log_delivery.json]

  statement {
    sid     = "DenyInsecureTransport"
    effect  = "Deny"
    actions = ["s3:*"]
    resources = [
      aws_s3_bucket.state_logs.arn,
      "${aws_s3_bucket.state_logs.arn}/*",
    ]
    principals {
      type        = "AWS"
      identifiers = ["*"]
    }
    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }
}

resource "aws_s3_bucket_policy" "state_logs" {
  bucket     = aws_s3_bucket.state_logs.id
  policy     = data.aws_iam_policy_document.state_logs.json
  depends_on = [aws_s3_bucket_public_access_block.state_logs]
}

resource "aws_s3_bucket_logging" "state" {
  bucket        = aws_s3_bucket.state.id
  target_bucket = aws_s3_bucket.state_logs.id
  target_prefix = "s3/${aws_s3_bucket.state.id}/"
  depends_on    = [aws_s3_bucket_policy.state_logs]
}

output "state_bucket" {
  description = "Put in envs/<env>/backend.hcl (bucket) and terraform.tfvars (state_bucket)."
  value       = aws_s3_bucket.state.id
}

output "state_kms_key_arn" {
  description = "Put in envs/<env>/backend.hcl (kms_key_id) and terraform.tfvars (state_kms_key_arn)."
  value       = aws_kms_key.state.arn
}
