output "tracking_server_arn" {
  description = "Tracking server ARN: the MLFLOW_TRACKING_URI for clients with the sagemaker-mlflow plugin."
  value       = aws_sagemaker_mlflow_tracking_server.this.arn
}

output "tracking_server_url" {
  description = "Tracking server URL (UI and REST, SigV4-authenticated)."
  value       = aws_sagemaker_mlflow_tracking_server.this.tracking_server_url
}
