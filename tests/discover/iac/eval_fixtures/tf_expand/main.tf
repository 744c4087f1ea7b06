# count / for_each / dynamic: each instance is its own asset with its own settings.
variable "notebooks" {
  default = {
    research = { internet = "Enabled" }
    prod     = { internet = "Disabled" }
  }
}

variable "replicas" {
  default = 2
}

variable "weak_filters" {
  default = [{ type = "HATE", strength = "HIGH" }]
}

variable "strong_filters" {
  default = [
    { type = "HATE", strength = "HIGH" },
    { type = "PROMPT_ATTACK", strength = "HIGH" },
  ]
}

locals {
  teams = ["alpha", "beta", "alpha"]
}

resource "aws_iam_role" "nb" {
  count = 1
  name  = "nb-role-${count.index}"
  assume_role_policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = "sts:AssumeRole", Principal = { Service = "sagemaker.amazonaws.com" } }]
  })
}

resource "aws_sagemaker_notebook_instance" "nb" {
  for_each               = var.notebooks
  name                   = "nb-${each.key}"
  role_arn               = aws_iam_role.nb[0].arn
  instance_type          = "ml.t3.medium"
  direct_internet_access = each.value.internet
  root_access            = "Disabled"
}

resource "aws_sagemaker_notebook_instance" "team" {
  for_each               = toset(local.teams)
  name                   = "team-${each.value}"
  role_arn               = aws_iam_role.nb[0].arn
  instance_type          = "ml.t3.medium"
  direct_internet_access = "Disabled"
  root_access            = "Disabled"
}

resource "aws_sagemaker_notebook_instance" "replica" {
  count                  = var.replicas
  name                   = "replica-${count.index}"
  role_arn               = aws_iam_role.nb[0].arn
  instance_type          = "ml.t3.medium"
  direct_internet_access = count.index == 0 ? "Enabled" : "Disabled"
  root_access            = "Disabled"
}

resource "aws_sagemaker_notebook_instance" "sized" {
  count                  = length(["a", "b", "c"])
  name                   = "sized-${count.index}"
  role_arn               = aws_iam_role.nb[0].arn
  instance_type          = "ml.t3.medium"
  direct_internet_access = "Disabled"
  root_access            = "Disabled"
}

resource "aws_sagemaker_notebook_instance" "off" {
  count         = 0
  name          = "never-created"
  role_arn      = aws_iam_role.nb[0].arn
  instance_type = "ml.t3.medium"
}

resource "aws_sagemaker_notebook_instance" "unknown" {
  count         = var.undeclared
  name          = "unknown-nb"
  role_arn      = aws_iam_role.nb[0].arn
  instance_type = "ml.t3.medium"
}

resource "aws_bedrock_guardrail" "dyn_weak" {
  name                      = "dyn-weak"
  blocked_input_messaging   = "no"
  blocked_outputs_messaging = "no"
  content_policy_config {
    dynamic "filters_config" {
      for_each = var.weak_filters
      content {
        type            = filters_config.value.type
        input_strength  = filters_config.value.strength
        output_strength = filters_config.value.strength
      }
    }
  }
}

resource "aws_bedrock_guardrail" "dyn_strong" {
  name                      = "dyn-strong"
  blocked_input_messaging   = "no"
  blocked_outputs_messaging = "no"
  content_policy_config {
    dynamic "filters_config" {
      for_each = var.strong_filters
      iterator = f
      content {
        type            = f.value["type"]
        input_strength  = f.value.strength
        output_strength = f.value.type == "PROMPT_ATTACK" ? "NONE" : f.value.strength
      }
    }
  }
}
