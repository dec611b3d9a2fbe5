# A VPC with two private subnets and no route to the internet: no internet gateway, no NAT.
# AWS APIs are reached through VPC endpoints (endpoints.tf).

resource "aws_vpc" "this" {
  cidr_block           = var.cidr_block
  enable_dns_support   = true
  enable_dns_hostnames = true # required by interface endpoints with private DNS
  tags                 = { Name = var.name_prefix }
}

# The default security group of the VPC: no rules at all, so it denies everything.
resource "aws_default_security_group" "this" {
  vpc_id = aws_vpc.this.id
  tags   = { Name = "${var.name_prefix}-default-deny" }
}

resource "aws_subnet" "private" {
  count                   = 2
  vpc_id                  = aws_vpc.this.id
  availability_zone       = var.azs[count.index]
  cidr_block              = cidrsubnet(var.cidr_block, 4, count.index)
  map_public_ip_on_launch = false
  tags                    = { Name = "${var.name_prefix}-private-${var.azs[count.index]}", tier = "private" }
}

# Only the implicit local route, plus the S3 gateway endpoint's prefix-list route.
resource "aws_route_table" "private" {
  vpc_id = aws_vpc.this.id
  tags   = { Name = "${var.name_prefix}-private" }
}

resource "aws_route_table_association" "private" {
  count          = 2
  subnet_id      = aws_subnet.private[count.index].id
  route_table_id = aws_route_table.private.id
}

# --- flow logs -------------------------------------------------------------------------------

resource "aws_cloudwatch_log_group" "flow_logs" {
  name              = "/eventlake/${var.name_prefix}/vpc-flow-logs"
  retention_in_days = var.log_retention_days
  kms_key_id        = var.kms_key_arn
}

data "aws_iam_policy_document" "flow_logs_assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["vpc-flow-logs.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [var.account_id]
    }
  }
}

resource "aws_iam_role" "flow_logs" {
  name               = "${var.name_prefix}-vpc-flow-logs"
  assume_role_policy = data.aws_iam_policy_document.flow_logs_assume.json
  # Ceiling of every workload role; CI may only create roles that carry it.
  permissions_boundary = var.permissions_boundary_arn
}

data "aws_iam_policy_document" "flow_logs" {
  statement {
    sid = "WriteFlowLogGroup"
    actions = [
      "logs:CreateLogStream",
      "logs:PutLogEvents",
      "logs:DescribeLogStreams",
    ]
    resources = [
      aws_cloudwatch_log_group.flow_logs.arn,
      "${aws_cloudwatch_log_group.flow_logs.arn}:*",
    ]
  }
}

resource "aws_iam_role_policy" "flow_logs" {
  name   = "write-flow-logs"
  role   = aws_iam_role.flow_logs.id
  policy = data.aws_iam_policy_document.flow_logs.json
}

resource "aws_flow_log" "this" {
  vpc_id          = aws_vpc.this.id
  traffic_type    = "ALL"
  log_destination = aws_cloudwatch_log_group.flow_logs.arn
  iam_role_arn    = aws_iam_role.flow_logs.arn
}

# --- security groups of the workloads ---------------------------------------------------------

resource "aws_security_group" "endpoints" {
  name        = "${var.name_prefix}-endpoints"
  description = "Interface VPC endpoints: HTTPS from the workloads only"
  vpc_id      = aws_vpc.this.id
}

resource "aws_security_group" "emr" {
  # checkov:skip=CKV2_AWS_5:Attached by modules/compute (EMR Serverless network_configuration), outside this module.
  name        = "${var.name_prefix}-emr-serverless"
  description = "EMR Serverless workers: HTTPS egress to VPC endpoints and S3 only"
  vpc_id      = aws_vpc.this.id
}

resource "aws_security_group" "mwaa" {
  # checkov:skip=CKV2_AWS_5:Attached by modules/orchestration (MWAA network_configuration), outside this module.
  name        = "${var.name_prefix}-mwaa"
  description = "MWAA: self-referencing (workers, scheduler, metadata DB endpoint) and HTTPS to endpoints"
  vpc_id      = aws_vpc.this.id
}

locals {
  workload_sgs = {
    emr  = aws_security_group.emr.id
    mwaa = aws_security_group.mwaa.id
  }
}

resource "aws_vpc_security_group_ingress_rule" "endpoints_from_workloads" {
  for_each                     = local.workload_sgs
  security_group_id            = aws_security_group.endpoints.id
  description                  = "HTTPS from ${each.key}"
  ip_protocol                  = "tcp"
  from_port                    = 443
  to_port                      = 443
  referenced_security_group_id = each.value
}

resource "aws_vpc_security_group_egress_rule" "workloads_to_endpoints" {
  for_each                     = local.workload_sgs
  security_group_id            = each.value
  description                  = "HTTPS to the interface endpoints"
  ip_protocol                  = "tcp"
  from_port                    = 443
  to_port                      = 443
  referenced_security_group_id = aws_security_group.endpoints.id
}

resource "aws_vpc_security_group_egress_rule" "workloads_to_s3" {
  for_each          = local.workload_sgs
  security_group_id = each.value
  description       = "HTTPS to S3 through the gateway endpoint"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  prefix_list_id    = aws_vpc_endpoint.s3.prefix_list_id
}

resource "aws_vpc_security_group_egress_rule" "emr_to_dynamodb" {
  security_group_id = aws_security_group.emr.id
  description       = "HTTPS to DynamoDB (Delta's log store) through the gateway endpoint"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  prefix_list_id    = aws_vpc_endpoint.dynamodb.prefix_list_id
}

resource "aws_vpc_security_group_ingress_rule" "mwaa_self" {
  # checkov:skip=CKV_AWS_24:The source is the MWAA security group itself, not 0.0.0.0/0.
  # checkov:skip=CKV_AWS_25:The source is the MWAA security group itself, not 0.0.0.0/0.
  # checkov:skip=CKV_AWS_260:The source is the MWAA security group itself, not 0.0.0.0/0.
  security_group_id            = aws_security_group.mwaa.id
  description                  = "MWAA components and its managed endpoints (TCP) talk to each other"
  ip_protocol                  = "tcp"
  from_port                    = 0
  to_port                      = 65535
  referenced_security_group_id = aws_security_group.mwaa.id
}

resource "aws_vpc_security_group_egress_rule" "mwaa_self" {
  security_group_id            = aws_security_group.mwaa.id
  description                  = "MWAA components and its managed endpoints (TCP) talk to each other"
  ip_protocol                  = "tcp"
  from_port                    = 0
  to_port                      = 65535
  referenced_security_group_id = aws_security_group.mwaa.id
}
