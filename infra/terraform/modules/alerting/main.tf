# Pipeline failures: the DAG's failure callback publishes here.

resource "aws_sns_topic" "failures" {
  name              = "${var.name_prefix}-pipeline-failures"
  kms_master_key_id = var.kms_key_arn
}

data "aws_iam_policy_document" "topic" {
  statement {
    sid       = "ThisAccountPublishes"
    actions   = ["sns:Publish"]
    resources = [aws_sns_topic.failures.arn]
    principals {
      type        = "AWS"
      identifiers = ["arn:aws:iam::${var.account_id}:root"]
    }
  }

  statement {
    sid       = "AlarmsAndRulesPublish"
    actions   = ["sns:Publish"]
    resources = [aws_sns_topic.failures.arn]
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

  statement {
    sid       = "DenyInsecureTransport"
    effect    = "Deny"
    actions   = ["sns:Publish"]
    resources = [aws_sns_topic.failures.arn]
    principals {
      type        = "AWS"
      identifiers = ["*"]
    }
    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }
}

resource "aws_sns_topic_policy" "failures" {
  arn    = aws_sns_topic.failures.arn
  policy = data.aws_iam_policy_document.topic.json
}

resource "aws_sns_topic_subscription" "email" {
  for_each  = toset(var.email_subscribers)
  topic_arn = aws_sns_topic.failures.arn
  protocol  = "email"
  endpoint  = each.value
}

# --- operations alarms: EMR job failures and the MWAA scheduler heartbeat ----------------------

resource "aws_cloudwatch_event_rule" "emr_job_failed" {
  count       = var.enable_emr_alarm ? 1 : 0
  name        = "${var.name_prefix}-emr-job-failed"
  description = "An EMR Serverless job run of ${var.name_prefix} failed."
  event_pattern = jsonencode({
    source        = ["aws.emr-serverless"]
    "detail-type" = ["EMR Serverless Job Run State Change"]
    detail = {
      applicationId = [var.emr_application_id]
      state         = ["FAILED"]
    }
  })
}

resource "aws_cloudwatch_event_target" "emr_job_failed" {
  count = var.enable_emr_alarm ? 1 : 0
  rule  = aws_cloudwatch_event_rule.emr_job_failed[0].name
  arn   = aws_sns_topic.failures.arn
}

resource "aws_cloudwatch_metric_alarm" "scheduler_heartbeat" {
  count               = var.enable_mwaa_alarm ? 1 : 0
  alarm_name          = "${var.name_prefix}-mwaa-scheduler-heartbeat"
  alarm_description   = "The MWAA scheduler of ${var.name_prefix} sent no heartbeat for 15 minutes."
  namespace           = "AmazonMWAA"
  metric_name         = "SchedulerHeartbeat"
  dimensions          = { Function = "Scheduler", Environment = var.mwaa_environment_name }
  statistic           = "Sum"
  period              = 300
  evaluation_periods  = 3
  threshold           = 1
  comparison_operator = "LessThanThreshold"
  treat_missing_data  = "breaching"
  alarm_actions       = [aws_sns_topic.failures.arn]
  ok_actions          = [aws_sns_topic.failures.arn]
}
