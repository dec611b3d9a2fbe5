output "deploy_role_arn" {
  description = "Role for main-branch (or environment) deploys: terraform apply and releases."
  value       = aws_iam_role.deploy.arn
}

output "plan_role_arn" {
  description = "Read-only role for terraform plan on pull requests."
  value       = aws_iam_role.plan.arn
}

output "oidc_provider_arn" {
  description = "GitHub OIDC provider ARN."
  value       = local.oidc_provider_arn
}
