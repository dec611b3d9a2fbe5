# One customer managed key per environment for buckets, logs, the SNS topic and SSM parameters.
# Access is granted through IAM policies (the root statement delegates to IAM); the only
# service principals named here are CloudWatch Logs, which cannot use IAM grants for log group
# encryption, and EventBridge and CloudWatch alarms, which publish to the encrypted topic.

data "aws_iam_policy_document" "key_policy" {
  # checkov:skip=CKV_AWS_109:Key policy: "*" resource means this key only.
  # checkov:skip=CKV_AWS_111:Key policy: "*" resource means this key only.
  # checkov:skip=CKV_AWS_356:Key policy: "*" resource means this key only.
  statement {
    sid       = "AccountAdministersKeyThroughIam"
    effect    = "Allow"
    actions   = ["kms:*"]
    resources = ["*"]
    principals {
      type        = "AWS"
      identifiers = ["arn:aws:iam::${var.account_id}:root"]
    }
  }

  statement {
    sid    = "CloudWatchLogsEncryptsProjectLogGroups"
    effect = "Allow"
    actions = [
      "kms:Encrypt*",
      "kms:Decrypt*",
      "kms:ReEncrypt*",
      "kms:GenerateDataKey*",
      "kms:Describe*",
    ]
    resources = ["*"]
    principals {
      type        = "Service"
      identifiers = ["logs.${var.region}.amazonaws.com"]
    }
    condition {
      test     = "ArnLike"
      variable = "kms:EncryptionContext:aws:logs:arn"
      values   = ["arn:aws:logs:${var.region}:${var.account_id}:log-group:*"]
    }
  }

  # EventBridge rules and CloudWatch alarms publish to the KMS-encrypted failure topic.
  statement {
    sid       = "AlarmsAndRulesPublishToEncryptedTopic"
    effect    = "Allow"
    actions   = ["kms:Decrypt", "kms:GenerateDataKey*"]
    resources = ["*"]
    principals {
      type        = "Service"
      identifiers = ["events.amazonaws.com", "cloudwatch.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [var.account_id]
    }
  }
}

resource "aws_kms_key" "this" {
  description             = "${var.name_prefix}: buckets, logs, topic and parameters"
  enable_key_rotation     = true
  deletion_window_in_days = 30
  policy                  = data.aws_iam_policy_document.key_policy.json
}

resource "aws_kms_alias" "this" {
  name          = "alias/${var.name_prefix}"
  target_key_id = aws_kms_key.this.key_id
}
