# MWAA on Airflow 3: private web server, all logs on, DAGs and requirements from the DAG bucket,
# Airflow Variables from SSM Parameter Store (no restart needed when the deploy step changes one).

locals {
  env_name = var.name_prefix
}

# MWAA refuses to create an environment whose requirements file does not exist. Terraform puts
# a placeholder; the deploy step overwrites it with the real file.
resource "aws_s3_object" "requirements" {
  bucket       = element(split(":::", var.bucket_arns["dags"]), 1)
  key          = "requirements.txt"
  content      = "# Replaced by the deploy step (see infra/README.md).\n"
  content_type = "text/plain"
  kms_key_id   = var.kms_key_arn

  lifecycle {
    ignore_changes = [content, etag, metadata, tags]
  }
}

# Same for plugins.zip (the wheels requirements.txt installs from, with no index): an empty zip
# until the deploy step uploads the release's and sets the object version.
resource "aws_s3_object" "plugins" {
  bucket         = element(split(":::", var.bucket_arns["dags"]), 1)
  key            = "plugins.zip"
  content_base64 = "UEsFBgAAAAAAAAAAAAAAAAAAAAAAAA==" # an empty zip archive
  content_type   = "application/zip"
  kms_key_id     = var.kms_key_arn

  lifecycle {
    ignore_changes = [content_base64, etag, metadata, tags]
  }
}

resource "aws_mwaa_environment" "this" {
  name                  = local.env_name
  airflow_version       = var.airflow_version
  environment_class     = var.environment_class
  max_workers           = var.max_workers
  execution_role_arn    = aws_iam_role.execution.arn
  kms_key               = var.kms_key_arn
  source_bucket_arn     = var.bucket_arns["dags"]
  dag_s3_path           = "dags/"
  requirements_s3_path  = aws_s3_object.requirements.key
  plugins_s3_path       = aws_s3_object.plugins.key
  webserver_access_mode = "PRIVATE_ONLY"
  # The environment is created on the placeholders' versions (the bucket is versioned), so it
  # never reads an object version nobody chose. requirements.txt installs with --no-index from
  # the wheels of plugins.zip, unpacked at /usr/local/airflow/plugins.
  requirements_s3_object_version = aws_s3_object.requirements.version_id
  plugins_s3_object_version      = aws_s3_object.plugins.version_id

  lifecycle {
    # `eventlake deploy` uploads requirements.txt and plugins.zip and points the environment at
    # the new object versions (airflow:UpdateEnvironment); Terraform leaves them alone.
    ignore_changes = [requirements_s3_object_version, plugins_s3_object_version]
  }

  airflow_configuration_options = {
    "secrets.backend" = "airflow.providers.amazon.aws.secrets.systems_manager.SystemsManagerParameterStoreBackend"
    "secrets.backend_kwargs" = jsonencode({
      variables_prefix   = var.variables_prefix
      connections_prefix = null # connections come from the environment (IAM role), not SSM
      config_prefix      = null
    })
    "core.load_examples" = "False"
    # Airflow's OpenLineage provider (2.6.1 with openlineage-python 1.37.0 in MWAA 3.0.6's
    # constraints) is disabled without a transport, and then its macros name no parent for the
    # jobs. That client has no S3 transport (its file transport writes a local file, which an
    # MWAA container loses) and no lineage server is deployed, so the events go to the console
    # transport: one JSON line per event in the task's log (task runs) or the scheduler's log
    # (DAG runs), both in CloudWatch Logs. The jobs' own events are objects under
    # s3://<artifacts>/lineage/; their parent facets name these runs (same namespace).
    "openlineage.transport" = jsonencode({ type = "console" })
    "openlineage.namespace" = var.lineage_namespace
  }

  network_configuration {
    subnet_ids         = var.subnet_ids
    security_group_ids = [var.security_group_id]
  }

  logging_configuration {
    dag_processing_logs {
      enabled   = true
      log_level = "INFO"
    }
    scheduler_logs {
      enabled   = true
      log_level = "INFO"
    }
    task_logs {
      enabled   = true
      log_level = "INFO"
    }
    webserver_logs {
      enabled   = true
      log_level = "WARNING"
    }
    worker_logs {
      enabled   = true
      log_level = "INFO"
    }
  }

  depends_on = [aws_iam_role_policy.execution]
}

# --- execution role ----------------------------------------------------------------------------

data "aws_iam_policy_document" "assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["airflow.amazonaws.com", "airflow-env.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [var.account_id]
    }
  }
}

resource "aws_iam_role" "execution" {
  name               = "${var.name_prefix}-mwaa"
  assume_role_policy = data.aws_iam_policy_document.assume.json
  # Ceiling of every workload role; CI may only create roles that carry it.
  permissions_boundary = var.permissions_boundary_arn
}

data "aws_iam_policy_document" "execution" {
  # checkov:skip=CKV_AWS_356:cloudwatch:PutMetricData and s3:GetAccountPublicAccessBlock support no resource-level scoping.
  # checkov:skip=CKV_AWS_111:cloudwatch:PutMetricData supports no resource-level scoping; its namespace is pinned to AmazonMWAA.
  statement {
    sid       = "PublishEnvironmentMetrics"
    actions   = ["airflow:PublishMetrics"]
    resources = ["arn:aws:airflow:${var.region}:${var.account_id}:environment/${local.env_name}"]
  }

  statement {
    sid       = "AccountLevelReadWithoutResourceScope"
    actions   = ["s3:GetAccountPublicAccessBlock"]
    resources = ["*"]
  }

  statement {
    sid       = "PublishAirflowMetrics"
    actions   = ["cloudwatch:PutMetricData"]
    resources = ["*"]
    condition {
      test     = "StringEquals"
      variable = "cloudwatch:namespace"
      values   = ["AmazonMWAA"]
    }
  }

  statement {
    sid       = "ReadDagBucket"
    actions   = ["s3:GetObject*", "s3:GetBucket*", "s3:ListBucket"]
    resources = [var.bucket_arns["dags"], "${var.bucket_arns["dags"]}/*"]
  }

  statement {
    sid       = "ListDataBuckets"
    actions   = ["s3:ListBucket", "s3:GetBucketLocation"]
    resources = [var.bucket_arns["raw"], var.bucket_arns["lake"], var.bucket_arns["artifacts"]]
  }

  # lineage/*: the run report's lineage section reads the runs' events back.
  statement {
    sid     = "ReadDataForSensorsAndReports"
    actions = ["s3:GetObject"]
    resources = [
      "${var.bucket_arns["raw"]}/raw/*",
      "${var.bucket_arns["lake"]}/lake/*",
      "${var.bucket_arns["artifacts"]}/releases/*",
      "${var.bucket_arns["artifacts"]}/models/*",
      "${var.bucket_arns["artifacts"]}/lineage/*",
    ]
  }

  # promotion_outcome and the monitor task's post_execute write the day's run report again,
  # with its training section (quality/report.py, put_object); pages and index: reports/.
  statement {
    sid       = "WriteRunReports"
    actions   = ["s3:PutObject"]
    resources = ["${var.bucket_arns["artifacts"]}/reports/*"]
  }

  statement {
    sid = "WriteAirflowLogs"
    actions = [
      "logs:CreateLogStream",
      "logs:CreateLogGroup",
      "logs:PutLogEvents",
      "logs:GetLogEvents",
      "logs:GetLogRecord",
      "logs:GetLogGroupFields",
      "logs:GetQueryResults",
    ]
    resources = ["arn:aws:logs:${var.region}:${var.account_id}:log-group:airflow-${local.env_name}-*"]
  }

  statement {
    sid       = "FindLogGroups"
    actions   = ["logs:DescribeLogGroups"]
    resources = ["arn:aws:logs:${var.region}:${var.account_id}:log-group:*"]
  }

  statement {
    sid = "CeleryQueue"
    actions = [
      "sqs:ChangeMessageVisibility",
      "sqs:DeleteMessage",
      "sqs:GetQueueAttributes",
      "sqs:GetQueueUrl",
      "sqs:ReceiveMessage",
      "sqs:SendMessage",
    ]
    # The queue lives in an MWAA-owned account, hence the account wildcard.
    resources = ["arn:aws:sqs:${var.region}:*:airflow-celery-*"]
  }

  statement {
    sid       = "UseProjectKey"
    actions   = ["kms:Decrypt", "kms:DescribeKey", "kms:GenerateDataKey*", "kms:Encrypt"]
    resources = [var.kms_key_arn]
  }

  statement {
    sid       = "ReadAirflowVariables"
    actions   = ["ssm:GetParameter", "ssm:GetParameters"]
    resources = var.variable_parameter_arns
  }

  statement {
    sid = "RunSparkJobs"
    actions = [
      "emr-serverless:StartApplication",
      "emr-serverless:GetApplication",
      "emr-serverless:StartJobRun",
      "emr-serverless:GetJobRun",
      "emr-serverless:ListJobRuns",
      "emr-serverless:CancelJobRun",
      "emr-serverless:GetDashboardForJobRun",
    ]
    resources = [var.emr_application_arn, "${var.emr_application_arn}/jobruns/*"]
  }

  statement {
    sid       = "PassJobRole"
    actions   = ["iam:PassRole"]
    resources = [var.emr_job_role_arn]
    condition {
      test     = "StringEquals"
      variable = "iam:PassedToService"
      values   = ["emr-serverless.amazonaws.com"]
    }
  }

  statement {
    sid       = "PublishFailures"
    actions   = ["sns:Publish"]
    resources = [var.sns_topic_arn]
  }

  dynamic "statement" {
    for_each = var.mlflow_tracking_server_arn == "" ? [] : [var.mlflow_tracking_server_arn]
    content {
      sid       = "QueryModelRegistry"
      actions   = ["sagemaker-mlflow:*"]
      resources = [statement.value]
    }
  }
}

resource "aws_iam_role_policy" "execution" {
  name   = "eventlake-mwaa"
  role   = aws_iam_role.execution.id
  policy = data.aws_iam_policy_document.execution.json
}

# --- operator access to the private Airflow UI -------------------------------------------------
# An operator (a person with MFA, in this account) assumes this role, asks MWAA for a web login
# token and opens the UI through a network path into the VPC (infra/README.md, "Operators").

data "aws_iam_policy_document" "operator_trust" {
  statement {
    sid     = "AccountPrincipalsWithMfa"
    actions = ["sts:AssumeRole"]
    principals {
      type        = "AWS"
      identifiers = length(var.operator_principal_arns) > 0 ? var.operator_principal_arns : ["arn:aws:iam::${var.account_id}:root"]
    }
    condition {
      test     = "Bool"
      variable = "aws:MultiFactorAuthPresent"
      values   = ["true"]
    }
  }
}

resource "aws_iam_role" "operator" {
  name                 = "${var.name_prefix}-operator"
  assume_role_policy   = data.aws_iam_policy_document.operator_trust.json
  max_session_duration = 3600
  permissions_boundary = var.permissions_boundary_arn
}

data "aws_iam_policy_document" "operator" {
  statement {
    sid       = "OpenAirflowUi"
    actions   = ["airflow:CreateWebLoginToken", "airflow:GetEnvironment"]
    resources = ["arn:aws:airflow:${var.region}:${var.account_id}:environment/${local.env_name}"]
  }
}

resource "aws_iam_role_policy" "operator" {
  name   = "open-airflow-ui"
  role   = aws_iam_role.operator.id
  policy = data.aws_iam_policy_document.operator.json
}
