# The aws_ssm_association tests/test_clients.py applies against the server mode.
# The provider comes from a local filesystem mirror (never the network); STS is
# skipped, and SSM points at the endpoint given in TF_VAR_endpoint.
terraform {
  required_providers {
    aws = { source = "hashicorp/aws" }
  }
}
variable "endpoint" { type = string }
variable "max_errors" {
  type    = string
  default = "1"
}
provider "aws" {
  region                      = "eu-west-1"
  access_key                  = "testing"
  secret_key                  = "testing"
  skip_credentials_validation = true
  skip_requesting_account_id  = true
  skip_metadata_api_check     = true
  skip_region_validation      = true
  endpoints {
    ssm = var.endpoint
    sts = var.endpoint
  }
}
resource "aws_ssm_association" "web" {
  name                = "AWS-RunShellScript"
  association_name    = "tf-web"
  schedule_expression = "rate(1 day)"
  max_concurrency     = "2"
  max_errors          = var.max_errors
  parameters = {
    commands = "echo hi"
  }
  targets {
    key    = "tag:role"
    values = ["web"]
  }
}
output "id" { value = aws_ssm_association.web.association_id }
