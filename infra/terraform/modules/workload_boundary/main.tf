# The permissions boundary of every role this configuration creates (EMR job, MWAA execution,
# MLflow server, VPC flow logs, operator). A boundary is a ceiling: a role's rights are its own policies
# intersected with this document. The CI deploy role may create and edit roles only when they
# carry this boundary (modules/ci_identity), and may not change the boundary itself, so nothing
# CI applies can give a workload role rights beyond what is listed here: project buckets, the
# project key, project log groups, Variables, the failure topic, the Spark application, the
# MLflow server, the Delta log table, the IP hash key (read only) and the Airflow UI login of
# this environment. No IAM, no KMS administration, nothing in other accounts
# except MWAA's own Celery queue.

locals {
  buckets = [for p in var.bucket_name_patterns : "arn:aws:s3:::${p}"]
  objects = [for p in var.bucket_name_patterns : "arn:aws:s3:::${p}/*"]
  log_groups = [
    "arn:aws:logs:${var.region}:${var.account_id}:log-group:/eventlake/${var.name_prefix}/*",
    "arn:aws:logs:${var.region}:${var.account_id}:log-group:airflow-${var.name_prefix}-*",
  ]
  log_resources = concat(local.log_groups, [for g in local.log_groups : "${g}:*"])
}

data "aws_iam_policy_document" "boundary" {
  # checkov:skip=CKV_AWS_356:cloudwatch:PutMetricData, s3:GetAccountPublicAccessBlock and logs:DescribeLogGroups support no resource-level scoping; the metric namespace is pinned.
  # checkov:skip=CKV_AWS_111:cloudwatch:PutMetricData has no resource scope; the statement pins its namespace with cloudwatch:namespace.
  statement {
    sid       = "ProjectBuckets"
    actions   = ["s3:ListBucket", "s3:GetBucketLocation", "s3:GetBucket*"]
    resources = local.buckets
  }

  statement {
    sid = "ProjectObjects"
    actions = [
      "s3:GetObject", "s3:GetObjectVersion", "s3:GetObjectAttributes", "s3:GetObjectTagging",
      "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload",
    ]
    resources = local.objects
  }

  statement {
    sid       = "ProjectKey"
    actions   = ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey", "kms:GenerateDataKey*", "kms:DescribeKey"]
    resources = [var.kms_key_arn]
  }

  statement {
    sid = "ProjectLogGroups"
    actions = [
      "logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams",
      "logs:GetLogEvents", "logs:GetLogRecord", "logs:GetLogGroupFields", "logs:GetQueryResults",
    ]
    resources = local.log_resources
  }

  statement {
    sid       = "FindLogGroups"
    actions   = ["logs:DescribeLogGroups"]
    resources = ["arn:aws:logs:${var.region}:${var.account_id}:log-group:*"]
  }

  statement {
    sid       = "AirflowVariables"
    actions   = ["ssm:GetParameter", "ssm:GetParameters"]
    resources = ["arn:aws:ssm:${var.region}:${var.account_id}:parameter${var.variables_prefix}/*"]
  }

  statement {
    sid       = "FailureTopic"
    actions   = ["sns:Publish"]
    resources = ["arn:aws:sns:${var.region}:${var.account_id}:${var.name_prefix}-*"]
  }

  statement {
    sid = "SparkApplication"
    actions = [
      "emr-serverless:StartApplication", "emr-serverless:GetApplication",
      "emr-serverless:StartJobRun", "emr-serverless:GetJobRun", "emr-serverless:ListJobRuns",
      "emr-serverless:CancelJobRun", "emr-serverless:GetDashboardForJobRun",
    ]
    resources = [
      "arn:aws:emr-serverless:${var.region}:${var.account_id}:/applications/*",
    ]
  }

  statement {
    sid       = "PassWorkloadRoles"
    actions   = ["iam:PassRole"]
    resources = ["arn:aws:iam::${var.account_id}:role/${var.name_prefix}-*"]
    condition {
      test     = "StringEquals"
      variable = "iam:PassedToService"
      values   = ["emr-serverless.amazonaws.com"]
    }
  }

  statement {
    sid       = "MlflowServer"
    actions   = ["sagemaker-mlflow:*"]
    resources = ["arn:aws:sagemaker:${var.region}:${var.account_id}:mlflow-tracking-server/${var.name_prefix}-*"]
  }

  statement {
    sid = "DeltaLogStore"
    actions = [
      "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query", "dynamodb:DescribeTable",
      "dynamodb:UpdateItem",
    ]
    resources = ["arn:aws:dynamodb:${var.region}:${var.account_id}:table/${var.name_prefix}-delta-log"]
  }

  statement {
    sid       = "IpHashKey"
    actions   = ["secretsmanager:GetSecretValue"]
    resources = ["arn:aws:secretsmanager:${var.region}:${var.account_id}:secret:${var.name_prefix}-ip-hash-key-*"]
  }

  statement {
    sid       = "AirflowEnvironment"
    actions   = ["airflow:PublishMetrics", "airflow:CreateWebLoginToken", "airflow:GetEnvironment"]
    resources = ["arn:aws:airflow:${var.region}:${var.account_id}:environment/${var.name_prefix}"]
  }

  statement {
    sid = "MwaaCeleryQueue"
    actions = [
      "sqs:ChangeMessageVisibility", "sqs:DeleteMessage", "sqs:GetQueueAttributes",
      "sqs:GetQueueUrl", "sqs:ReceiveMessage", "sqs:SendMessage",
    ]
    # The queue lives in an MWAA-owned account, hence the account wildcard.
    resources = ["arn:aws:sqs:${var.region}:*:airflow-celery-*"]
  }

  statement {
    sid       = "AccountPublicAccessBlock"
    actions   = ["s3:GetAccountPublicAccessBlock"]
    resources = ["*"]
  }

  statement {
    sid       = "AirflowMetrics"
    actions   = ["cloudwatch:PutMetricData"]
    resources = ["*"]
    condition {
      test     = "StringEquals"
      variable = "cloudwatch:namespace"
      values   = ["AmazonMWAA"]
    }
  }
}

resource "aws_iam_policy" "boundary" {
  name        = "${var.name_prefix}-workload-boundary"
  description = "Permissions boundary of every eventlake ${var.name_prefix} workload role."
  policy      = data.aws_iam_policy_document.boundary.json
}
