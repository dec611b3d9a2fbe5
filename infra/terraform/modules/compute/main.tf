# EMR Serverless: Spark 4 on demand, in the private subnets, stopped when idle, capped in size.

resource "aws_emrserverless_application" "this" {
  name          = "${var.name_prefix}-spark"
  release_label = var.release_label
  type          = "SPARK"
  architecture  = "X86_64"

  maximum_capacity {
    cpu    = var.max_cpu
    memory = var.max_memory
    disk   = var.max_disk
  }

  auto_start_configuration {
    enabled = true
  }

  auto_stop_configuration {
    enabled              = true
    idle_timeout_minutes = var.idle_timeout_minutes
  }

  network_configuration {
    subnet_ids         = var.private_subnet_ids
    security_group_ids = [var.security_group_id]
  }
}

resource "aws_cloudwatch_log_group" "jobs" {
  name              = "/eventlake/${var.name_prefix}/emr-serverless"
  retention_in_days = var.log_retention_days
  kms_key_id        = var.kms_key_arn
}

# --- job execution role ------------------------------------------------------------------------

data "aws_iam_policy_document" "assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["emr-serverless.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [var.account_id]
    }
    condition {
      test     = "ArnLike"
      variable = "aws:SourceArn"
      values   = ["arn:aws:emr-serverless:${var.region}:${var.account_id}:/applications/*"]
    }
  }
}

resource "aws_iam_role" "job" {
  name               = "${var.name_prefix}-emr-job"
  assume_role_policy = data.aws_iam_policy_document.assume.json
  # Ceiling of every workload role; CI may only create roles that carry it.
  permissions_boundary = var.permissions_boundary_arn
}

data "aws_iam_policy_document" "job" {
  statement {
    sid       = "ListProjectBuckets"
    actions   = ["s3:ListBucket", "s3:GetBucketLocation"]
    resources = [var.bucket_arns["raw"], var.bucket_arns["lake"], var.bucket_arns["artifacts"]]
  }

  statement {
    sid       = "ReadRawLogs"
    actions   = ["s3:GetObject"]
    resources = ["${var.bucket_arns["raw"]}/raw/*"]
  }

  statement {
    sid = "ReadWriteLake"
    actions = [
      "s3:GetObject",
      "s3:PutObject",
      "s3:DeleteObject",
      "s3:AbortMultipartUpload",
    ]
    resources = ["${var.bucket_arns["lake"]}/lake/*"]
  }

  statement {
    sid       = "ReadReleases"
    actions   = ["s3:GetObject"]
    resources = ["${var.bucket_arns["artifacts"]}/releases/*"]
  }

  statement {
    sid = "WriteModelsAndMlflowArtifacts"
    actions = [
      "s3:GetObject",
      "s3:PutObject",
      "s3:AbortMultipartUpload",
    ]
    resources = [
      "${var.bucket_arns["artifacts"]}/models/*",
      "${var.bucket_arns["artifacts"]}/mlflow/*",
    ]
  }

  # OpenLineage events of the jobs (lineage.transport: bucket), one object per event, read
  # back by the run report's lineage section where the ETL writes its own page (a job with
  # deltalake installed; EMR's archive has none, and there the MWAA task writes the page).
  statement {
    sid       = "WriteLineageEvents"
    actions   = ["s3:PutObject", "s3:GetObject"]
    resources = ["${var.bucket_arns["artifacts"]}/lineage/*"]
  }

  statement {
    sid = "UseProjectKey"
    actions = [
      "kms:Decrypt",
      "kms:Encrypt",
      "kms:GenerateDataKey",
      "kms:DescribeKey",
    ]
    resources = [var.kms_key_arn]
  }

  # The job runs log here through monitoringConfiguration.cloudWatchLoggingConfiguration.
  statement {
    sid = "WriteJobLogs"
    actions = [
      "logs:CreateLogStream",
      "logs:PutLogEvents",
      "logs:DescribeLogStreams",
    ]
    resources = [
      aws_cloudwatch_log_group.jobs.arn,
      "${aws_cloudwatch_log_group.jobs.arn}:*",
    ]
  }

  statement {
    sid = "DeltaLogStore"
    actions = [
      "dynamodb:GetItem",
      "dynamodb:PutItem",
      "dynamodb:Query",
      "dynamodb:DescribeTable",
      "dynamodb:UpdateItem",
    ]
    resources = [var.delta_log_table_arn]
  }

  statement {
    sid       = "ReadIpHashKey"
    actions   = ["secretsmanager:GetSecretValue"]
    resources = [var.ip_hash_secret_arn]
  }

  statement {
    sid       = "FindJobLogGroup"
    actions   = ["logs:DescribeLogGroups"]
    resources = ["arn:aws:logs:${var.region}:${var.account_id}:log-group:*"]
  }

  dynamic "statement" {
    for_each = var.mlflow_tracking_server_arn == "" ? [] : [var.mlflow_tracking_server_arn]
    content {
      sid       = "TrackRunsAndRegisterModels"
      actions   = ["sagemaker-mlflow:*"]
      resources = [statement.value]
    }
  }
}

resource "aws_iam_role_policy" "job" {
  name   = "eventlake-job"
  role   = aws_iam_role.job.id
  policy = data.aws_iam_policy_document.job.json
}
