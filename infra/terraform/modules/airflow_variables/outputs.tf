output "parameter_arns" {
  description = "ARNs of all the parameters, by Airflow Variable name."
  value = merge(
    { for k, p in aws_ssm_parameter.managed : k => p.arn },
    { for k, p in aws_ssm_parameter.deploy_managed : k => p.arn },
  )
}

output "prefix" {
  description = "SSM path of the Airflow Variables."
  value       = var.prefix
}
