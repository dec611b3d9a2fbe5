# Airflow Variables for the DAG in aws mode, read by MWAA through Airflow's SSM Parameter Store
# secrets backend: the variable <name> is the parameter <prefix>/<name>.

resource "aws_ssm_parameter" "managed" {
  for_each = var.values
  name     = "${var.prefix}/${each.key}"
  type     = "SecureString"
  key_id   = var.kms_key_arn
  value    = each.value
}

resource "aws_ssm_parameter" "deploy_managed" {
  for_each = var.deploy_managed
  name     = "${var.prefix}/${each.key}"
  type     = "SecureString"
  key_id   = var.kms_key_arn
  value    = each.value

  lifecycle {
    # The deploy step overwrites the value (`aws ssm put-parameter --overwrite`) on every release.
    ignore_changes = [value]
  }
}
