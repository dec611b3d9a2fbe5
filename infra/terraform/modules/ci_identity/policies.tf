# What CI may do. The plan role reads configuration (never data) and the state; the deploy role
# also applies Terraform for this environment's resources and publishes a release.

locals {
  bucket_patterns = [for p in var.bucket_name_patterns : "arn:aws:s3:::${p}"]
  project_roles   = "arn:aws:iam::${var.account_id}:role/${var.name_prefix}-*"
  log_groups      = "arn:aws:logs:${var.region}:${var.account_id}:log-group:/eventlake/${var.name_prefix}/*"
  state_objects   = "arn:aws:s3:::${var.state_bucket}/${var.state_key_prefix}*"
}

# --- read: shared by both roles ---------------------------------------------------------------

data "aws_iam_policy_document" "read" {
  # checkov:skip=CKV_AWS_356:Describe/List/Get of configuration metadata has no resource-level scoping in EC2, IAM listing and the service APIs below.
  # checkov:skip=CKV_AWS_111:Read-only statements; no write action is granted on "*".
  statement {
    sid = "ReadConfiguration"
    actions = [
      "ec2:Describe*",
      "iam:GetRole",
      "iam:GetRolePolicy",
      "iam:ListRolePolicies",
      "iam:ListAttachedRolePolicies",
      "iam:GetOpenIDConnectProvider",
      "kms:DescribeKey",
      "kms:GetKeyPolicy",
      "kms:GetKeyRotationStatus",
      "kms:ListAliases",
      "kms:ListResourceTags",
      "logs:DescribeLogGroups",
      "logs:ListTagsForResource",
      "logs:ListTagsLogGroup",
      "sns:GetTopicAttributes",
      "sns:GetSubscriptionAttributes",
      "sns:ListSubscriptionsByTopic",
      "sns:ListTagsForResource",
      "ssm:DescribeParameters",
      "ssm:ListTagsForResource",
      "airflow:GetEnvironment",
      "airflow:ListTagsForResource",
      "emr-serverless:GetApplication",
      "emr-serverless:ListTagsForResource",
      "sagemaker:DescribeMlflowTrackingServer",
      "sagemaker:ListTags",
      "sts:GetCallerIdentity",
    ]
    resources = ["*"]
  }

  statement {
    sid = "ReadBucketConfiguration"
    actions = [
      "s3:ListBucket",
      "s3:GetBucket*",
      "s3:GetEncryptionConfiguration",
      "s3:GetLifecycleConfiguration",
      "s3:GetReplicationConfiguration",
      "s3:GetAccelerateConfiguration",
      "s3:GetIntelligentTieringConfiguration",
      "s3:GetInventoryConfiguration",
      "s3:GetAnalyticsConfiguration",
      "s3:GetMetricsConfiguration",
    ]
    resources = local.bucket_patterns
  }

  statement {
    sid       = "ReadManagedObjects"
    actions   = ["s3:GetObject", "s3:GetObjectTagging"]
    resources = ["${var.bucket_arns["dags"]}/requirements.txt"]
  }

  statement {
    sid       = "ReadAirflowVariables"
    actions   = ["ssm:GetParameter", "ssm:GetParameters"]
    resources = ["arn:aws:ssm:${var.region}:${var.account_id}:parameter${var.variables_prefix}/*"]
  }

  statement {
    sid       = "DecryptManagedConfiguration"
    actions   = ["kms:Decrypt"]
    resources = [var.kms_key_arn]
    condition {
      test     = "StringEquals"
      variable = "kms:ViaService"
      values   = ["ssm.${var.region}.amazonaws.com", "s3.${var.region}.amazonaws.com"]
    }
  }

  statement {
    sid       = "ReadState"
    actions   = ["s3:ListBucket"]
    resources = ["arn:aws:s3:::${var.state_bucket}"]
  }

  statement {
    sid       = "ReadStateObjects"
    actions   = ["s3:GetObject"]
    resources = [local.state_objects]
  }

  statement {
    sid       = "StateLock"
    actions   = ["s3:PutObject", "s3:DeleteObject"]
    resources = ["arn:aws:s3:::${var.state_bucket}/${var.state_key_prefix}*.tflock"]
  }

  statement {
    sid       = "UseStateKey"
    actions   = ["kms:Decrypt", "kms:GenerateDataKey", "kms:DescribeKey"]
    resources = [var.state_kms_key_arn]
  }
}

resource "aws_iam_role_policy" "plan_read" {
  name   = "terraform-plan"
  role   = aws_iam_role.plan.id
  policy = data.aws_iam_policy_document.read.json
}

resource "aws_iam_role_policy" "deploy_read" {
  name   = "terraform-read"
  role   = aws_iam_role.deploy.id
  policy = data.aws_iam_policy_document.read.json
}

# --- write: deploy role only ------------------------------------------------------------------

data "aws_iam_policy_document" "deploy" {
  # checkov:skip=CKV_AWS_356:Creating VPC resources and KMS keys cannot be scoped to ARNs that do not exist yet; both are region-pinned.
  # checkov:skip=CKV_AWS_111:Same: create calls of EC2 and KMS take no resource ARN; region-pinned.
  # checkov:skip=CKV_AWS_109:kms:PutKeyPolicy is limited to this region; keys are created by this role.
  statement {
    sid = "ManageNetwork"
    actions = [
      "ec2:CreateVpc", "ec2:DeleteVpc", "ec2:ModifyVpcAttribute",
      "ec2:CreateSubnet", "ec2:DeleteSubnet", "ec2:ModifySubnetAttribute",
      "ec2:CreateRouteTable", "ec2:DeleteRouteTable", "ec2:AssociateRouteTable",
      "ec2:DisassociateRouteTable", "ec2:CreateSecurityGroup", "ec2:DeleteSecurityGroup",
      "ec2:AuthorizeSecurityGroupIngress", "ec2:AuthorizeSecurityGroupEgress",
      "ec2:RevokeSecurityGroupIngress", "ec2:RevokeSecurityGroupEgress",
      "ec2:ModifySecurityGroupRules", "ec2:UpdateSecurityGroupRuleDescriptionsIngress",
      "ec2:UpdateSecurityGroupRuleDescriptionsEgress", "ec2:CreateVpcEndpoint",
      "ec2:ModifyVpcEndpoint", "ec2:DeleteVpcEndpoints", "ec2:CreateFlowLogs",
      "ec2:DeleteFlowLogs", "ec2:CreateTags", "ec2:DeleteTags",
      "ec2:CreateNetworkInterface", "ec2:DeleteNetworkInterface",
      "ec2:CreateNetworkInterfacePermission",
    ]
    resources = ["*"]
    condition {
      test     = "StringEquals"
      variable = "aws:RequestedRegion"
      values   = [var.region]
    }
  }

  statement {
    sid = "ManageKeys"
    actions = [
      "kms:CreateKey", "kms:CreateAlias", "kms:DeleteAlias", "kms:UpdateAlias",
      "kms:TagResource", "kms:UntagResource", "kms:PutKeyPolicy", "kms:EnableKeyRotation",
      "kms:UpdateKeyDescription", "kms:ScheduleKeyDeletion",
    ]
    resources = ["*"]
    condition {
      test     = "StringEquals"
      variable = "aws:RequestedRegion"
      values   = [var.region]
    }
  }

  statement {
    sid       = "GrantProjectKeyToManagedServices"
    actions   = ["kms:CreateGrant"]
    resources = [var.kms_key_arn]
    condition {
      test     = "Bool"
      variable = "kms:GrantIsForAWSResource"
      values   = ["true"]
    }
  }

  statement {
    sid       = "UseProjectKey"
    actions   = ["kms:Encrypt", "kms:GenerateDataKey", "kms:Decrypt"]
    resources = [var.kms_key_arn]
  }

  statement {
    sid = "ManageBuckets"
    actions = [
      "s3:CreateBucket", "s3:DeleteBucket", "s3:PutBucket*", "s3:DeleteBucketPolicy",
      "s3:PutEncryptionConfiguration", "s3:PutLifecycleConfiguration",
    ]
    resources = local.bucket_patterns
  }

  statement {
    sid = "PublishRelease"
    actions = [
      "s3:PutObject",
      "s3:DeleteObject",
      "s3:GetObject",
    ]
    resources = [
      "${var.bucket_arns["dags"]}/dags/*",
      "${var.bucket_arns["dags"]}/requirements.txt",
      "${var.bucket_arns["dags"]}/plugins.zip",
      "${var.bucket_arns["artifacts"]}/releases/*",
    ]
  }

  statement {
    sid       = "WriteReleaseVariable"
    actions   = ["ssm:PutParameter"]
    resources = [var.release_parameter_arn]
  }

  statement {
    sid = "ManageAirflowVariables"
    actions = [
      "ssm:PutParameter", "ssm:DeleteParameter", "ssm:AddTagsToResource",
      "ssm:RemoveTagsFromResource",
    ]
    resources = ["arn:aws:ssm:${var.region}:${var.account_id}:parameter${var.variables_prefix}/*"]
  }

  statement {
    sid = "ManageWorkloadRoles"
    actions = [
      "iam:CreateRole", "iam:DeleteRole", "iam:UpdateRole", "iam:UpdateAssumeRolePolicy",
      "iam:TagRole", "iam:UntagRole", "iam:PutRolePolicy", "iam:DeleteRolePolicy",
      "iam:ListInstanceProfilesForRole",
    ]
    resources = [local.project_roles]
  }

  statement {
    sid       = "PassWorkloadRoles"
    actions   = ["iam:PassRole"]
    resources = [local.project_roles]
    condition {
      test     = "StringEquals"
      variable = "iam:PassedToService"
      values = [
        "airflow.amazonaws.com", "emr-serverless.amazonaws.com", "sagemaker.amazonaws.com",
        "vpc-flow-logs.amazonaws.com",
      ]
    }
  }

  statement {
    sid       = "ServiceLinkedRoles"
    actions   = ["iam:CreateServiceLinkedRole"]
    resources = ["arn:aws:iam::${var.account_id}:role/aws-service-role/*"]
    condition {
      test     = "StringEquals"
      variable = "iam:AWSServiceName"
      values   = ["airflow.amazonaws.com", "ops.emr-serverless.amazonaws.com"]
    }
  }

  statement {
    sid = "ManageLogGroups"
    actions = [
      "logs:CreateLogGroup", "logs:DeleteLogGroup", "logs:PutRetentionPolicy",
      "logs:AssociateKmsKey", "logs:DisassociateKmsKey", "logs:TagResource",
      "logs:UntagResource", "logs:TagLogGroup", "logs:UntagLogGroup",
    ]
    resources = [local.log_groups, "${local.log_groups}:*"]
  }

  statement {
    sid = "ManageTopic"
    actions = [
      "sns:CreateTopic", "sns:DeleteTopic", "sns:SetTopicAttributes", "sns:TagResource",
      "sns:UntagResource", "sns:Subscribe", "sns:Unsubscribe",
    ]
    resources = ["arn:aws:sns:${var.region}:${var.account_id}:${var.name_prefix}-*"]
  }

  statement {
    sid = "ManageAirflow"
    actions = [
      "airflow:CreateEnvironment", "airflow:UpdateEnvironment", "airflow:DeleteEnvironment",
      "airflow:TagResource", "airflow:UntagResource",
    ]
    resources = ["arn:aws:airflow:${var.region}:${var.account_id}:environment/${var.name_prefix}*"]
  }

  statement {
    sid = "ManageSparkApplication"
    actions = [
      "emr-serverless:CreateApplication", "emr-serverless:UpdateApplication",
      "emr-serverless:DeleteApplication", "emr-serverless:StopApplication",
      "emr-serverless:TagResource", "emr-serverless:UntagResource",
    ]
    resources = ["arn:aws:emr-serverless:${var.region}:${var.account_id}:/applications/*"]
  }

  statement {
    sid = "ManageMlflow"
    actions = [
      "sagemaker:CreateMlflowTrackingServer", "sagemaker:UpdateMlflowTrackingServer",
      "sagemaker:DeleteMlflowTrackingServer", "sagemaker:AddTags", "sagemaker:DeleteTags",
    ]
    resources = ["arn:aws:sagemaker:${var.region}:${var.account_id}:mlflow-tracking-server/${var.name_prefix}-*"]
  }

  statement {
    sid       = "WriteState"
    actions   = ["s3:PutObject"]
    resources = [local.state_objects]
  }

  # The deploy role must not widen its own rights or the plan role's: CI identity changes are
  # applied by an administrator (infra/README.md, "Bootstrap").
  statement {
    sid    = "NoSelfEscalation"
    effect = "Deny"
    actions = [
      "iam:PutRolePolicy", "iam:DeleteRolePolicy", "iam:AttachRolePolicy",
      "iam:DetachRolePolicy", "iam:UpdateAssumeRolePolicy", "iam:DeleteRole",
      "iam:PutRolePermissionsBoundary", "iam:DeleteRolePermissionsBoundary",
    ]
    resources = [aws_iam_role.deploy.arn, aws_iam_role.plan.arn]
  }
}

resource "aws_iam_role_policy" "deploy" {
  name   = "terraform-apply-and-release"
  role   = aws_iam_role.deploy.id
  policy = data.aws_iam_policy_document.deploy.json
}
