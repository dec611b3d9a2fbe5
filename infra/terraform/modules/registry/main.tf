# SageMaker managed MLflow: tracking and the model registry, artifacts in our own bucket.
# Clients (the Spark jobs, the DAG) use the server ARN as MLFLOW_TRACKING_URI with the
# sagemaker-mlflow plugin, which signs requests with the caller's IAM role (SigV4).

resource "aws_sagemaker_mlflow_tracking_server" "this" {
  tracking_server_name            = "${var.name_prefix}-mlflow"
  artifact_store_uri              = "s3://${var.artifacts_bucket}/mlflow"
  role_arn                        = aws_iam_role.server.arn
  mlflow_version                  = var.mlflow_version
  tracking_server_size            = var.tracking_server_size
  automatic_model_registration    = false
  weekly_maintenance_window_start = "Sun:02:00"

  depends_on = [aws_iam_role_policy.server]
}

data "aws_iam_policy_document" "assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["sagemaker.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [var.account_id]
    }
  }
}

resource "aws_iam_role" "server" {
  name               = "${var.name_prefix}-mlflow"
  assume_role_policy = data.aws_iam_policy_document.assume.json
  # Ceiling of every workload role; CI may only create roles that carry it.
  permissions_boundary = var.permissions_boundary_arn
}

data "aws_iam_policy_document" "server" {
  statement {
    sid       = "ListArtifactStore"
    actions   = ["s3:ListBucket", "s3:GetBucketLocation"]
    resources = [var.artifacts_bucket_arn]
    condition {
      test     = "StringLike"
      variable = "s3:prefix"
      values   = ["mlflow/*", "mlflow"]
    }
  }

  statement {
    sid = "ReadWriteArtifactStore"
    actions = [
      "s3:GetObject",
      "s3:PutObject",
      "s3:DeleteObject",
      "s3:AbortMultipartUpload",
    ]
    resources = ["${var.artifacts_bucket_arn}/mlflow/*"]
  }

  statement {
    sid       = "UseProjectKey"
    actions   = ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey", "kms:DescribeKey"]
    resources = [var.kms_key_arn]
  }
}

resource "aws_iam_role_policy" "server" {
  name   = "mlflow-artifact-store"
  role   = aws_iam_role.server.id
  policy = data.aws_iam_policy_document.server.json
}
