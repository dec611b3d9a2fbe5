provider "aws" {
  region              = var.region
  allowed_account_ids = var.allowed_account_ids

  default_tags {
    tags = {
      project     = "eventlake"
      environment = var.environment
      managed_by  = "terraform"
    }
  }
}
