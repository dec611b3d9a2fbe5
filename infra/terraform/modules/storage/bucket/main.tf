# Every S3 bucket of this code base, and the one place its TLS-only bucket policy is written:
# public access blocked, owner-enforced, versioned, lifecycle-managed, reachable over TLS only;
# SSE-KMS with the given key and server access logs to the given bucket, except for the
# access-log targets themselves (access_log_target = true, kms_key_arn and access_logs_bucket
# null: S3 log delivery only writes to SSE-S3 buckets, and a log target logging into itself
# would loop).

resource "aws_s3_bucket" "this" {
  # checkov:skip=CKV_AWS_145:SSE-S3 only for the access-log targets (kms_key_arn = null), because S3 log delivery writes only to SSE-S3 buckets; tests/infra checks every other bucket passes a KMS key.
  # checkov:skip=CKV_AWS_18:Only the access-log targets (access_log_target = true) are not logged, as logging into themselves would loop; tests/infra checks every other bucket is logged.
  # checkov:skip=CKV_AWS_144:Protected in-region instead of replicated: every bucket is versioned, and raw, the one input nothing can rebuild, also has Object Lock (storage/main.tf).
  # checkov:skip=CKV2_AWS_62:No consumer for event notifications; the DAG polls with S3KeySensor.
  bucket              = var.name
  force_destroy       = var.force_destroy
  object_lock_enabled = var.object_lock_days != null
}

# Governance-mode retention: no object version can be deleted or overwritten for
# object_lock_days, except by a principal granted s3:BypassGovernanceRetention (no role of this
# project has it; an administrator does, for an erasure request).
resource "aws_s3_bucket_object_lock_configuration" "this" {
  count  = var.object_lock_days == null ? 0 : 1
  bucket = aws_s3_bucket.this.id
  rule {
    default_retention {
      mode = "GOVERNANCE"
      days = var.object_lock_days
    }
  }
  depends_on = [aws_s3_bucket_versioning.this]
}

resource "aws_s3_bucket_ownership_controls" "this" {
  bucket = aws_s3_bucket.this.id
  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_public_access_block" "this" {
  bucket                  = aws_s3_bucket.this.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_server_side_encryption_configuration" "this" {
  bucket = aws_s3_bucket.this.id
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm     = var.kms_key_arn == null ? "AES256" : "aws:kms"
      kms_master_key_id = var.kms_key_arn
    }
    bucket_key_enabled = var.kms_key_arn != null
  }
}

resource "aws_s3_bucket_versioning" "this" {
  bucket = aws_s3_bucket.this.id
  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_lifecycle_configuration" "this" {
  bucket = aws_s3_bucket.this.id

  rule {
    id     = "expire-noncurrent-and-abort-multipart"
    status = "Enabled"
    filter {
      prefix = ""
    }

    noncurrent_version_expiration {
      noncurrent_days = var.noncurrent_version_days
    }

    abort_incomplete_multipart_upload {
      days_after_initiation = var.abort_multipart_days
    }

    dynamic "expiration" {
      for_each = var.expiration_days == null ? [true] : []
      content {
        expired_object_delete_marker = true
      }
    }

    dynamic "expiration" {
      for_each = var.expiration_days == null ? [] : [var.expiration_days]
      content {
        days = expiration.value
      }
    }
  }

  depends_on = [aws_s3_bucket_versioning.this]
}

resource "aws_s3_bucket_logging" "this" {
  count         = var.access_log_target ? 0 : 1
  bucket        = aws_s3_bucket.this.id
  target_bucket = var.access_logs_bucket
  target_prefix = "s3/${var.name}/"
}

data "aws_iam_policy_document" "tls_only" {
  source_policy_documents = var.extra_policy_json == null ? [] : [var.extra_policy_json]

  statement {
    sid     = "DenyInsecureTransport"
    effect  = "Deny"
    actions = ["s3:*"]
    resources = [
      aws_s3_bucket.this.arn,
      "${aws_s3_bucket.this.arn}/*",
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

resource "aws_s3_bucket_policy" "this" {
  bucket = aws_s3_bucket.this.id
  policy = data.aws_iam_policy_document.tls_only.json

  # The public access block must exist first, or a policy with a "*" principal is refused.
  depends_on = [aws_s3_bucket_public_access_block.this]
}
