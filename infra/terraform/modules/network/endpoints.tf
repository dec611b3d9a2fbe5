# Endpoints instead of a NAT gateway: traffic to AWS APIs never leaves the AWS network, and there
# is no path to the internet at all. Each endpoint has a policy where the service supports one.

locals {
  # Endpoints that take a custom policy, with the one IAM service prefix each may be used for.
  # ECR stays on the default policy because image layers are pulled by AWS-owned principals;
  # MWAA's own endpoints (airflow.*) do not take one.
  endpoint_action_prefix = {
    "sts"            = "sts"
    "logs"           = "logs"
    "kms"            = "kms"
    "monitoring"     = "cloudwatch"
    "sqs"            = "sqs"
    "ssm"            = "ssm"
    "sns"            = "sns"
    "emr-serverless" = "emr-serverless"
    "sagemaker.api"  = "sagemaker"
    "experiments"    = "sagemaker-mlflow"
    "secretsmanager" = "secretsmanager"
  }

  interface_services = {
    for suffix in var.interface_endpoints : suffix => "com.amazonaws.${var.region}.${suffix}"
  }
  all_interface_services = merge(
    local.interface_services,
    var.enable_mlflow_endpoint ? { experiments = "aws.sagemaker.${var.region}.experiments" } : {},
  )
  endpoint_subnet_ids = slice(aws_subnet.private[*].id, 0, var.interface_endpoint_subnet_count)
}

data "aws_iam_policy_document" "s3_endpoint" {
  # checkov:skip=CKV_AWS_283:Resources pin it to the project's buckets (this account's principals only) and ECR's layer bucket, fetched by AWS-signed URLs.
  statement {
    sid     = "ProjectBucketsOnly"
    actions = ["s3:*"]
    resources = flatten([
      for arn in var.bucket_arns : [arn, "${arn}/*"]
    ])
    principals {
      type        = "AWS"
      identifiers = ["*"]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:PrincipalAccount"
      values   = [var.account_id]
    }
  }

  statement {
    sid       = "EcrImageLayers"
    actions   = ["s3:GetObject"]
    resources = ["arn:aws:s3:::prod-${var.region}-starport-layer-bucket/*"]
    principals {
      type        = "AWS"
      identifiers = ["*"]
    }
  }
}

resource "aws_vpc_endpoint" "s3" {
  vpc_id            = aws_vpc.this.id
  service_name      = "com.amazonaws.${var.region}.s3"
  vpc_endpoint_type = "Gateway"
  route_table_ids   = [aws_route_table.private.id]
  policy            = data.aws_iam_policy_document.s3_endpoint.json
  tags              = { Name = "${var.name_prefix}-s3" }
}

# DynamoDB for Delta's S3DynamoDBLogStore (the EMR jobs' commits): a gateway endpoint, free like
# S3's, admitting this account's principals on the project's tables only.
data "aws_iam_policy_document" "dynamodb_endpoint" {
  statement {
    sid       = "ProjectTablesOnly"
    actions   = ["dynamodb:*"]
    resources = var.dynamodb_table_arns
    principals {
      type        = "AWS"
      identifiers = ["*"]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:PrincipalAccount"
      values   = [var.account_id]
    }
  }
}

resource "aws_vpc_endpoint" "dynamodb" {
  vpc_id            = aws_vpc.this.id
  service_name      = "com.amazonaws.${var.region}.dynamodb"
  vpc_endpoint_type = "Gateway"
  route_table_ids   = [aws_route_table.private.id]
  policy            = data.aws_iam_policy_document.dynamodb_endpoint.json
  tags              = { Name = "${var.name_prefix}-dynamodb" }
}

data "aws_iam_policy_document" "interface_endpoint" {
  # checkov:skip=CKV_AWS_109:Endpoint policy: one service's actions, this account's principals only; IAM scopes the resources.
  # checkov:skip=CKV_AWS_111:Endpoint policy: one service's actions, this account's principals only; IAM scopes the resources.
  # checkov:skip=CKV_AWS_356:Endpoint policy: one service's actions, this account's principals only; IAM scopes the resources.
  for_each = {
    for key, prefix in local.endpoint_action_prefix : key => prefix
    if contains(keys(local.all_interface_services), key)
  }
  statement {
    sid       = "ThisAccountThisServiceOnly"
    actions   = ["${each.value}:*"]
    resources = ["*"]
    principals {
      type        = "AWS"
      identifiers = ["*"]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:PrincipalAccount"
      values   = [var.account_id]
    }
  }
}

resource "aws_vpc_endpoint" "interface" {
  for_each            = local.all_interface_services
  vpc_id              = aws_vpc.this.id
  service_name        = each.value
  vpc_endpoint_type   = "Interface"
  private_dns_enabled = true
  subnet_ids          = local.endpoint_subnet_ids
  security_group_ids  = [aws_security_group.endpoints.id]
  policy = (
    contains(keys(local.endpoint_action_prefix), each.key)
    ? data.aws_iam_policy_document.interface_endpoint[each.key].json
    : null
  )
  tags = { Name = "${var.name_prefix}-${each.key}" }
}
