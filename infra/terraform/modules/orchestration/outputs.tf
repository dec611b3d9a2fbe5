output "environment_name" {
  description = "MWAA environment name."
  value       = aws_mwaa_environment.this.name
}

output "execution_role_arn" {
  description = "MWAA execution role ARN."
  value       = aws_iam_role.execution.arn
}

output "webserver_url" {
  description = "Private URL of the Airflow UI (reachable from inside the VPC only)."
  value       = aws_mwaa_environment.this.webserver_url
}

output "operator_role_arn" {
  description = "Role an operator assumes to open the private Airflow UI (airflow:CreateWebLoginToken)."
  value       = aws_iam_role.operator.arn
}
