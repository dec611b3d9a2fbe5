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
      "iam:GetPolicy",
      "iam:GetPolicyVersion",
      "iam:ListPolicyVersions",
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
      "dynamodb:DescribeTable",
      "dynamodb:DescribeTimeToLive",
      "dynamodb:DescribeContinuousBackups",
      "dynamodb:ListTagsOfResource",
      "secretsmanager:DescribeSecret",
      "secretsmanager:GetResourcePolicy",
      "cloudwatch:DescribeAlarms",
      "cloudwatch:ListTagsForResource",
      "events:DescribeRule",
      "events:ListTargetsByRule",
      "events:ListTagsForResource",
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

  # The objects Terraform itself manages (modules/orchestration): a plan refreshes them with
  # HeadObject (s3:GetObject) and GetObjectTagging.
  statement {
    sid     = "ReadManagedObjects"
    actions = ["s3:GetObject", "s3:GetObjectTagging"]
    resources = [
      "${var.bucket_arns["dags"]}/requirements.txt",
      "${var.bucket_arns["dags"]}/plugins.zip",
    ]
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

  # Plans run with -lock=false: the plan role writes nothing, not even the lock file.
  statement {
    sid       = "UseStateKey"
    actions   = ["kms:Decrypt", "kms:DescribeKey"]
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
# Every write is scoped to this environment: by name (buckets, roles, log groups, parameters,
# topic, Airflow, MLflow), or, for KMS and EC2 whose ARNs hold random ids, by the tags that the
# provider's default_tags stamp on every resource: aws:RequestTag on create, aws:ResourceTag on
# modify and delete. IAM roles may only be created and edited with the workload boundary.

locals {
  # Tag-on-create: CreateTags only inside these calls (ec2:CreateAction).
  ec2_creates = [
    "CreateVpc", "CreateSubnet", "CreateRouteTable", "CreateSecurityGroup", "CreateVpcEndpoint",
    "CreateFlowLogs", "AuthorizeSecurityGroupIngress", "AuthorizeSecurityGroupEgress",
  ]
  vpc_arn = "arn:aws:ec2:${var.region}:${var.account_id}:vpc/${var.vpc_id}"
}

data "aws_iam_policy_document" "deploy" {
  # checkov:skip=CKV_AWS_356:EC2 and KMS creates take no resource ARN; each "*" statement carries an aws:RequestTag or aws:ResourceTag condition on the project and environment tags (tests/infra/test_hcl_structure.py).
  # checkov:skip=CKV_AWS_111:Same: every write on "*" is conditioned on the project and environment tags.
  # checkov:skip=CKV_AWS_109:kms:PutKeyPolicy applies only to keys tagged with this project and environment, and never to the state key (explicit deny).
  statement {
    sid = "CreateTaggedNetwork"
    actions = [
      "ec2:CreateVpc", "ec2:CreateSubnet", "ec2:CreateRouteTable", "ec2:CreateSecurityGroup",
      "ec2:CreateVpcEndpoint", "ec2:CreateFlowLogs", "ec2:AuthorizeSecurityGroupIngress",
      "ec2:AuthorizeSecurityGroupEgress",
    ]
    resources = ["*"]
    condition {
      test     = "StringEquals"
      variable = "aws:RequestTag/project"
      values   = [var.project_tag]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:RequestTag/environment"
      values   = [var.environment]
    }
  }

  statement {
    sid       = "TagOnCreate"
    actions   = ["ec2:CreateTags"]
    resources = ["*"]
    condition {
      test     = "StringEquals"
      variable = "ec2:CreateAction"
      values   = local.ec2_creates
    }
    condition {
      test     = "StringEquals"
      variable = "aws:RequestTag/project"
      values   = [var.project_tag]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:RequestTag/environment"
      values   = [var.environment]
    }
  }

  statement {
    sid = "ManageTaggedNetwork"
    actions = [
      "ec2:DeleteVpc", "ec2:ModifyVpcAttribute", "ec2:DeleteSubnet", "ec2:ModifySubnetAttribute",
      "ec2:DeleteRouteTable", "ec2:AssociateRouteTable", "ec2:DisassociateRouteTable",
      "ec2:DeleteSecurityGroup", "ec2:AuthorizeSecurityGroupIngress",
      "ec2:AuthorizeSecurityGroupEgress", "ec2:RevokeSecurityGroupIngress",
      "ec2:RevokeSecurityGroupEgress", "ec2:ModifySecurityGroupRules",
      "ec2:UpdateSecurityGroupRuleDescriptionsIngress",
      "ec2:UpdateSecurityGroupRuleDescriptionsEgress", "ec2:CreateVpcEndpoint",
      "ec2:ModifyVpcEndpoint", "ec2:DeleteVpcEndpoints", "ec2:DeleteFlowLogs",
      "ec2:CreateTags", "ec2:DeleteTags", "ec2:CreateNetworkInterface",
      "ec2:CreateNetworkInterfacePermission", "ec2:DeleteNetworkInterface",
    ]
    resources = ["*"]
    condition {
      test     = "StringEquals"
      variable = "aws:ResourceTag/project"
      values   = [var.project_tag]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:ResourceTag/environment"
      values   = [var.environment]
    }
  }

  # The VPC's default security group is created untagged by AWS; Terraform tags it and empties
  # its rules: only in this environment's VPC.
  statement {
    sid       = "AdoptDefaultSecurityGroup"
    actions   = ["ec2:CreateTags", "ec2:RevokeSecurityGroupIngress", "ec2:RevokeSecurityGroupEgress"]
    resources = ["arn:aws:ec2:${var.region}:${var.account_id}:security-group/*"]
    condition {
      test     = "ArnEquals"
      variable = "ec2:Vpc"
      values   = [local.vpc_arn]
    }
  }

  # A new ENI has no tags; its subnet and security group must pass ManageTaggedNetwork.
  statement {
    sid       = "ServiceNetworkInterfaces"
    actions   = ["ec2:CreateNetworkInterface", "ec2:CreateNetworkInterfacePermission"]
    resources = ["arn:aws:ec2:${var.region}:${var.account_id}:network-interface/*"]
  }

  statement {
    sid       = "CreateTaggedKeys"
    actions   = ["kms:CreateKey", "kms:TagResource"]
    resources = ["*"]
    condition {
      test     = "StringEquals"
      variable = "aws:RequestTag/project"
      values   = [var.project_tag]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:RequestTag/environment"
      values   = [var.environment]
    }
  }

  statement {
    sid = "ManageTaggedKeys"
    actions = [
      "kms:CreateAlias", "kms:DeleteAlias", "kms:UpdateAlias", "kms:TagResource",
      "kms:UntagResource", "kms:PutKeyPolicy", "kms:EnableKeyRotation",
      "kms:UpdateKeyDescription", "kms:ScheduleKeyDeletion",
    ]
    resources = ["*"]
    condition {
      test     = "StringEquals"
      variable = "aws:ResourceTag/project"
      values   = [var.project_tag]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:ResourceTag/environment"
      values   = [var.environment]
    }
  }

  statement {
    sid       = "ProjectKeyAlias"
    actions   = ["kms:CreateAlias", "kms:DeleteAlias", "kms:UpdateAlias"]
    resources = ["arn:aws:kms:${var.region}:${var.account_id}:alias/${var.name_prefix}"]
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

  # S3 bucket ARNs are names, so bucket configuration is scoped by name. Tags cannot scope it
  # with this provider: hashicorp/aws 5.x tags a bucket after CreateBucket (PutBucketTagging),
  # and aws:ResourceTag only applies to general purpose buckets with ABAC switched on
  # (PutBucketAbac), which the 5.x provider cannot manage. The account-level public access
  # block (bootstrap) keeps every bucket private whatever the bucket-level block says.
  statement {
    sid = "ManageBuckets"
    actions = [
      "s3:CreateBucket", "s3:DeleteBucket", "s3:PutBucketPolicy", "s3:DeleteBucketPolicy",
      "s3:PutBucketPublicAccessBlock", "s3:PutBucketOwnershipControls", "s3:PutBucketVersioning",
      "s3:PutBucketLogging", "s3:PutBucketTagging", "s3:PutBucketNotification",
      "s3:PutEncryptionConfiguration", "s3:PutLifecycleConfiguration",
      "s3:PutReplicationConfiguration", "s3:PutBucketObjectLockConfiguration",
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

  # Roles are created and their policies written only with the workload boundary attached.
  statement {
    sid = "BoundedWorkloadRoles"
    actions = [
      "iam:CreateRole", "iam:PutRolePolicy", "iam:AttachRolePolicy", "iam:DeleteRolePolicy",
      "iam:DetachRolePolicy",
    ]
    resources = [local.project_roles]
    condition {
      test     = "StringEquals"
      variable = "iam:PermissionsBoundary"
      values   = [var.permissions_boundary_arn]
    }
  }

  # These actions take no iam:PermissionsBoundary key; the denies below keep them off the CI
  # roles, and every other eventlake-<env>-* role carries the boundary.
  statement {
    sid = "ManageWorkloadRoles"
    actions = [
      "iam:DeleteRole", "iam:UpdateRole", "iam:UpdateAssumeRolePolicy", "iam:TagRole",
      "iam:UntagRole", "iam:ListInstanceProfilesForRole",
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

  # Also what `eventlake deploy` needs to point MWAA at new requirements.txt and plugins.zip
  # object versions: UpdateEnvironment and GetEnvironment on this one environment.
  statement {
    sid = "ManageAirflow"
    actions = [
      "airflow:CreateEnvironment", "airflow:UpdateEnvironment", "airflow:GetEnvironment",
      "airflow:DeleteEnvironment", "airflow:TagResource", "airflow:UntagResource",
    ]
    resources = ["arn:aws:airflow:${var.region}:${var.account_id}:environment/${var.name_prefix}"]
  }

  statement {
    sid = "ManageDeltaLogTable"
    actions = [
      "dynamodb:CreateTable", "dynamodb:DeleteTable", "dynamodb:UpdateTable",
      "dynamodb:UpdateTimeToLive", "dynamodb:UpdateContinuousBackups", "dynamodb:TagResource",
      "dynamodb:UntagResource",
    ]
    resources = ["arn:aws:dynamodb:${var.region}:${var.account_id}:table/${var.name_prefix}-*"]
  }

  # The secret's container only: its value is put by an operator and never read by CI.
  statement {
    sid = "ManageSecretContainer"
    actions = [
      "secretsmanager:CreateSecret", "secretsmanager:DeleteSecret", "secretsmanager:UpdateSecret",
      "secretsmanager:TagResource", "secretsmanager:UntagResource",
    ]
    resources = ["arn:aws:secretsmanager:${var.region}:${var.account_id}:secret:${var.name_prefix}-*"]
  }

  statement {
    sid = "ManageAlarmsAndRules"
    actions = [
      "cloudwatch:PutMetricAlarm", "cloudwatch:DeleteAlarms", "cloudwatch:TagResource",
      "cloudwatch:UntagResource", "events:PutRule", "events:DeleteRule", "events:PutTargets",
      "events:RemoveTargets", "events:TagResource", "events:UntagResource",
    ]
    resources = [
      "arn:aws:cloudwatch:${var.region}:${var.account_id}:alarm:${var.name_prefix}-*",
      "arn:aws:events:${var.region}:${var.account_id}:rule/${var.name_prefix}-*",
    ]
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

  statement {
    sid       = "StateLock"
    actions   = ["s3:PutObject", "s3:DeleteObject"]
    resources = ["arn:aws:s3:::${var.state_bucket}/${var.state_key_prefix}*.tflock"]
  }

  statement {
    sid       = "EncryptState"
    actions   = ["kms:GenerateDataKey"]
    resources = [var.state_kms_key_arn]
  }

  # --- explicit denies: no allow above, present or future, can override these ---------------

  # The deploy role must not widen its own rights or the plan role's: CI identity changes are
  # applied by an administrator (infra/README.md, "Threat model").
  statement {
    sid    = "NoSelfEscalation"
    effect = "Deny"
    actions = [
      "iam:PutRolePolicy", "iam:DeleteRolePolicy", "iam:AttachRolePolicy",
      "iam:DetachRolePolicy", "iam:UpdateAssumeRolePolicy", "iam:DeleteRole",
      "iam:PutRolePermissionsBoundary", "iam:DeleteRolePermissionsBoundary", "iam:TagRole",
      "iam:UntagRole", "iam:UpdateRole",
    ]
    resources = [aws_iam_role.deploy.arn, aws_iam_role.plan.arn]
  }

  statement {
    sid    = "NoRoleWithoutBoundary"
    effect = "Deny"
    actions = [
      "iam:CreateRole", "iam:PutRolePolicy", "iam:AttachRolePolicy", "iam:DeleteRolePolicy",
      "iam:DetachRolePolicy", "iam:PutRolePermissionsBoundary",
    ]
    resources = ["*"]
    condition {
      test     = "StringNotEquals"
      variable = "iam:PermissionsBoundary"
      values   = [var.permissions_boundary_arn]
    }
  }

  statement {
    sid       = "BoundaryStays"
    effect    = "Deny"
    actions   = ["iam:DeleteRolePermissionsBoundary"]
    resources = ["*"]
  }

  statement {
    sid    = "BoundaryIsAdministratorOwned"
    effect = "Deny"
    actions = [
      "iam:CreatePolicyVersion", "iam:DeletePolicy", "iam:DeletePolicyVersion",
      "iam:SetDefaultPolicyVersion", "iam:TagPolicy", "iam:UntagPolicy",
    ]
    resources = [var.permissions_boundary_arn]
  }

  statement {
    sid    = "StateKeyIsAdministratorOwned"
    effect = "Deny"
    actions = [
      "kms:PutKeyPolicy", "kms:ScheduleKeyDeletion", "kms:DisableKey", "kms:DisableKeyRotation",
      "kms:CreateGrant", "kms:RevokeGrant", "kms:RetireGrant", "kms:TagResource",
      "kms:UntagResource", "kms:UpdateKeyDescription", "kms:CreateAlias", "kms:DeleteAlias",
      "kms:UpdateAlias",
    ]
    resources = [var.state_kms_key_arn]
  }

  statement {
    sid    = "StateBucketIsAdministratorOwned"
    effect = "Deny"
    actions = [
      "s3:PutBucketPolicy", "s3:DeleteBucketPolicy", "s3:PutBucketPublicAccessBlock",
      "s3:PutBucketVersioning", "s3:PutEncryptionConfiguration", "s3:PutLifecycleConfiguration",
      "s3:PutBucketOwnershipControls", "s3:PutBucketAcl", "s3:DeleteBucket",
      "s3:PutBucketObjectLockConfiguration", "s3:PutReplicationConfiguration",
    ]
    resources = ["arn:aws:s3:::${var.state_bucket}"]
  }

  # CreateKey with tags needs kms:TagResource on the new, untagged key. No key that already
  # carries another project's tag can be re-tagged into this environment.
  statement {
    sid       = "NoRetaggingForeignKeys"
    effect    = "Deny"
    actions   = ["kms:TagResource", "kms:UntagResource"]
    resources = ["*"]
    condition {
      test     = "StringNotEqualsIfExists"
      variable = "aws:ResourceTag/project"
      values   = [var.project_tag]
    }
  }

  statement {
    sid       = "NoSecretValues"
    effect    = "Deny"
    actions   = ["secretsmanager:GetSecretValue", "secretsmanager:PutSecretValue"]
    resources = ["*"]
  }

  statement {
    sid       = "AccountPublicAccessBlockIsAdministratorOwned"
    effect    = "Deny"
    actions   = ["s3:PutAccountPublicAccessBlock"]
    resources = ["*"]
  }
}

resource "aws_iam_role_policy" "deploy" {
  name   = "terraform-apply-and-release"
  role   = aws_iam_role.deploy.id
  policy = data.aws_iam_policy_document.deploy.json
}
