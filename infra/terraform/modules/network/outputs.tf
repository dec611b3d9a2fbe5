output "vpc_id" {
  description = "VPC id."
  value       = aws_vpc.this.id
}

output "private_subnet_ids" {
  description = "The two private subnets (no route to the internet)."
  value       = aws_subnet.private[*].id
}

output "emr_security_group_id" {
  description = "Security group of the EMR Serverless workers."
  value       = aws_security_group.emr.id
}

output "mwaa_security_group_id" {
  description = "Security group of the MWAA environment."
  value       = aws_security_group.mwaa.id
}

output "flow_log_group" {
  description = "CloudWatch log group of the VPC flow logs."
  value       = aws_cloudwatch_log_group.flow_logs.name
}
