variable "name" {
  default = "default-nb"
}

variable "internet" {
  default = "Disabled"
}

resource "aws_iam_role" "exec" {
  name = "${var.name}-role"
  assume_role_policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = "sts:AssumeRole", Principal = { Service = "sagemaker.amazonaws.com" } }]
  })
}

resource "aws_sagemaker_notebook_instance" "nb" {
  name                   = var.name
  role_arn               = aws_iam_role.exec.arn
  instance_type          = "ml.t3.medium"
  direct_internet_access = var.internet
  root_access            = "Disabled"
}

output "notebook_name" {
  value = aws_sagemaker_notebook_instance.nb.name
}

output "role_arn" {
  value = aws_iam_role.exec.arn
}
