# A root module calling a local module twice with different inputs, and a remote one.
module "ml" {
  source   = "./modules/notebook"
  name     = "ml-nb"
  internet = "Enabled"
}

module "safe" {
  source   = "./modules/notebook"
  name     = "safe-nb"
  internet = "Disabled"
}

module "teams" {
  source   = "./modules/notebook"
  for_each = toset(["blue"])
  name     = "team-${each.key}"
  internet = "Enabled"
}

module "vpc" {
  source  = "terraform-aws-modules/vpc/aws"
  version = "5.0.0"
}

resource "aws_sagemaker_model" "m" {
  name               = "uses-${module.ml.notebook_name}"
  execution_role_arn = module.ml.role_arn
  primary_container {
    image = "123.dkr.ecr.us-east-1.amazonaws.com/m:1"
  }
}
