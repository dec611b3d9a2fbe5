locals {
  names = {
    raw       = "${var.name_prefix}-raw-${var.account_id}"
    lake      = "${var.name_prefix}-lake-${var.account_id}"
    artifacts = "${var.name_prefix}-artifacts-${var.account_id}"
    # MWAA wants its source bucket named airflow-*.
    dags        = "airflow-${var.name_prefix}-dags-${var.account_id}"
    access_logs = "${var.name_prefix}-access-logs-${var.account_id}"
  }
}

# --- access logs: the target of S3 server access logging -------------------------------------
# S3 server access logging cannot deliver to an SSE-KMS bucket, so this one bucket uses SSE-S3.

data "aws_iam_policy_document" "access_log_delivery" {
  statement {
    sid       = "S3ServerAccessLogDelivery"
    effect    = "Allow"
    actions   = ["s3:PutObject"]
    resources = ["arn:aws:s3:::${local.names.access_logs}/*"]
    principals {
      type        = "Service"
      identifiers = ["logging.s3.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [var.account_id]
    }
    condition {
      test     = "ArnLike"
      variable = "aws:SourceArn"
      values   = ["arn:aws:s3:::${var.name_prefix}-*", "arn:aws:s3:::airflow-${var.name_prefix}-*"]
    }
  }
}

module "access_logs" {
  source                  = "./bucket"
  name                    = local.names.access_logs
  kms_key_arn             = null # SSE-S3: the only encryption S3 log delivery writes to
  access_logs_bucket      = null # the target itself
  access_log_target       = true
  expiration_days         = var.access_log_retention_days
  noncurrent_version_days = 7
  extra_policy_json       = data.aws_iam_policy_document.access_log_delivery.json
  force_destroy           = var.force_destroy
}

# State written when the access-log bucket had its own resources here.
moved {
  from = aws_s3_bucket.access_logs
  to   = module.access_logs.aws_s3_bucket.this
}

moved {
  from = aws_s3_bucket_ownership_controls.access_logs
  to   = module.access_logs.aws_s3_bucket_ownership_controls.this
}

moved {
  from = aws_s3_bucket_public_access_block.access_logs
  to   = module.access_logs.aws_s3_bucket_public_access_block.this
}

moved {
  from = aws_s3_bucket_server_side_encryption_configuration.access_logs
  to   = module.access_logs.aws_s3_bucket_server_side_encryption_configuration.this
}

moved {
  from = aws_s3_bucket_versioning.access_logs
  to   = module.access_logs.aws_s3_bucket_versioning.this
}

moved {
  from = aws_s3_bucket_lifecycle_configuration.access_logs
  to   = module.access_logs.aws_s3_bucket_lifecycle_configuration.this
}

moved {
  from = aws_s3_bucket_policy.access_logs
  to   = module.access_logs.aws_s3_bucket_policy.this
}

# --- data buckets ------------------------------------------------------------------------------

module "raw" {
  # S3 checks the target bucket policy when logging is switched on.
  depends_on              = [module.access_logs]
  source                  = "./bucket"
  name                    = local.names.raw
  kms_key_arn             = aws_kms_key.this.arn
  access_logs_bucket      = module.access_logs.name
  noncurrent_version_days = var.noncurrent_version_days
  force_destroy           = var.force_destroy
  # Raw is the only input the lake cannot be rebuilt without: no version of a raw file can be
  # deleted or overwritten for this many days, by the pipeline, CI or a mistake.
  object_lock_days = var.raw_object_lock_days
}

module "lake" {
  # S3 checks the target bucket policy when logging is switched on.
  depends_on         = [module.access_logs]
  source             = "./bucket"
  name               = local.names.lake
  kms_key_arn        = aws_kms_key.this.arn
  access_logs_bucket = module.access_logs.name
  # Delta never deletes a data file by itself: `eventlake maintain` runs OPTIMIZE and VACUUM,
  # which removes the files no retained table version needs. S3 keeps what VACUUM deleted as
  # noncurrent versions for noncurrent_version_days (a guard against a bad deploy); the bucket's
  # lifecycle rule (bucket/main.tf) then expires them for good.
  noncurrent_version_days = var.lake_noncurrent_version_days
  force_destroy           = var.force_destroy
}

module "artifacts" {
  # S3 checks the target bucket policy when logging is switched on.
  depends_on              = [module.access_logs]
  source                  = "./bucket"
  name                    = local.names.artifacts
  kms_key_arn             = aws_kms_key.this.arn
  access_logs_bucket      = module.access_logs.name
  noncurrent_version_days = var.noncurrent_version_days
  force_destroy           = var.force_destroy
}

module "dags" {
  # S3 checks the target bucket policy when logging is switched on.
  depends_on              = [module.access_logs]
  source                  = "./bucket"
  name                    = local.names.dags
  kms_key_arn             = aws_kms_key.this.arn
  access_logs_bucket      = module.access_logs.name
  noncurrent_version_days = var.noncurrent_version_days
  force_destroy           = var.force_destroy
}

# --- Delta's commit log store: mutual exclusion for concurrent writers on S3 -------------------
# S3DynamoDBLogStore (io.delta:delta-storage-s3-dynamodb) writes one item per commit attempt;
# the conditional put on (tablePath, fileName) lets one driver win version N. Items expire by
# TTL on expireTime, set by the log store once the commit file is safely in S3.

resource "aws_dynamodb_table" "delta_log" {
  name                        = "${var.name_prefix}-delta-log"
  billing_mode                = "PAY_PER_REQUEST"
  hash_key                    = "tablePath"
  range_key                   = "fileName"
  deletion_protection_enabled = !var.force_destroy

  attribute {
    name = "tablePath"
    type = "S"
  }

  attribute {
    name = "fileName"
    type = "S"
  }

  ttl {
    attribute_name = "expireTime"
    enabled        = true
  }

  point_in_time_recovery {
    enabled = true
  }

  server_side_encryption {
    enabled     = true
    kms_key_arn = aws_kms_key.this.arn
  }
}

# --- the key of the keyed IP hash --------------------------------------------------------------
# Terraform creates the secret, never its value: a value made by Terraform would sit in the state
# (a data source) or be read back on every refresh (GetSecretValue), and the state and the
# refresh are readable through the plan role by anyone who opens a pull request. An operator
# puts the value once (infra/README.md, "IP hash key").

resource "aws_secretsmanager_secret" "ip_hash_key" {
  # checkov:skip=CKV2_AWS_57:Rotating the key changes every ip_hash and breaks joins across days; rotation is a deliberate operator step (infra/README.md).
  name                    = "${var.name_prefix}-ip-hash-key"
  description             = "HMAC-SHA256 key of the ip_hash column (eventlake ETL)."
  kms_key_id              = aws_kms_key.this.arn
  recovery_window_in_days = var.force_destroy ? 0 : 30
}
