"""HCL constructs common in public Terraform modules: for expressions, logical operators, Terraform's
pure functions, references through locals and module arguments, the AWS Cloud Control provider.

Each fixture is a minimal module written for the construct it exercises.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from aispm.core.ids import urn
from aispm.core.model import Asset, Inventory, RelationKind
from aispm.discover.code.collector import RepositoryCollector
from aispm.discover.iac import iac_analyzers
from aispm.discover.iac.hcl_eval import MISSING, Evaluator
from aispm.posture import evaluate, load_policy

NB = "sagemaker:notebook-instance"


def _scan(tmp_path: Path, files: dict[str, str]) -> Inventory:
    for rel, text in files.items():
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return RepositoryCollector(tmp_path, iac_analyzers()).collect()


def _by_address(inventory: Inventory, suffix: str) -> Asset:
    found = [
        a
        for a in inventory.assets
        if isinstance(a.properties.get("iac"), dict) and str(a.properties["iac"]["address"]).endswith(suffix)
    ]
    assert len(found) == 1, [a.properties.get("iac") for a in inventory.assets]
    return found[0]


def _addresses(inventory: Inventory) -> set[str]:
    return {
        str(a.properties["iac"]["address"]).split("/", 1)[1]
        for a in inventory.assets
        if isinstance(a.properties.get("iac"), dict)
    }


@pytest.mark.parametrize(
    ("expr", "expected"),
    [
        ("var.on && !var.off ? 1 : 0", 1),
        ("var.off || length(var.names) > 2", True),
        ('[for n in var.names : upper(n) if n != "b"]', ["A", "C"]),
        ("{for i, n in var.names : n => i}", {"a": 0, "b": 1, "c": 2}),
        ("{for o in var.objs : o.kind => o.name...}", {"x": ["one", "two"], "y": ["three"]}),
        ('lookup(var.cfg, "missing", "fallback")', "fallback"),
        ('lookup(var.cfg, "mode", "fallback")', "Disabled"),
        ("merge(var.cfg, {extra = 1})", {"mode": "Disabled", "extra": 1}),
        ('coalesce(var.nothing, "", "first")', "first"),
        ("try(var.cfg.absent, var.cfg.mode)", "Disabled"),
        ('format("%s-%03d", "nb", 7)', "nb-007"),
        ('concat(var.names, ["d"])[3]', "d"),
        ("var.objs[*].name", ["one", "two", "three"]),
        ("element(var.names, 4)", "b"),
        ('contains(var.names, "c")', True),
        ('jsondecode("{\\"a\\": [1, 2]}").a[1]', 2),
        ("2 * (3 + 4) - 10 / 5", 12),
        ('replace("a-b-c", "-", "_")', "a_b_c"),
        ("one([])", None),
    ],
)
def test_expressions(expr: str, expected: object) -> None:
    values = {
        "var.on": True,
        "var.off": False,
        "var.names": ["a", "b", "c"],
        "var.objs": [
            {"kind": "x", "name": "one"},
            {"kind": "x", "name": "two"},
            {"kind": "y", "name": "three"},
        ],
        "var.cfg": {"mode": "Disabled"},
        "var.nothing": None,
    }
    assert Evaluator(lambda ref: values.get(ref, MISSING)).value("${" + expr + "}") == expected


def test_unknowns_stay_unknown_and_effects_are_not_evaluated() -> None:
    ev = Evaluator(lambda ref: {"var.on": True}.get(ref, MISSING))
    assert ev.value("${var.missing && var.on}") == "${var.missing && var.on}"
    assert ev.value("${var.missing && false}") is False  # decided without the unknown operand
    assert ev.value("${[for x in var.missing : x]}") == "${[for x in var.missing : x]}"
    assert ev.value('${templatefile("t.tpl", {})}') == '${templatefile("t.tpl", {})}'
    assert ev.value("${timestamp()}") == "${timestamp()}"
    assert ev.value("${aws_iam_role.r.arn}") == "${aws_iam_role.r.arn}"
    assert ev.refs == ["aws_iam_role.r"]


def test_heredoc_indentation_and_escapes() -> None:
    ev = Evaluator(lambda ref: {"var.dim": 8}.get(ref, MISSING))
    heredoc = '"<<-EOT\n    {\n      "d": ${var.dim}, "n": "\\n"\n    }\n  EOT"'  # as python-hcl2 gives it
    assert ev.value(heredoc) == '{\n  "d": 8, "n": "\\n"\n}\n'  # indentation cut, no escapes read
    assert ev.value('"literal $${x} and \\u00e9"') == "literal ${x} and é"


def test_for_each_from_a_for_expression_over_an_empty_default_creates_nothing(tmp_path: Path) -> None:
    inventory = _scan(
        tmp_path,
        {
            "main.tf": """
variable "notebooks" { default = [] }
variable "studio" { default = null }
locals { defaults = { internet = "Enabled" } }
resource "aws_sagemaker_notebook_instance" "nb" {
  for_each               = { for n in var.notebooks : n.name => n }
  name                   = each.key
  role_arn               = "arn:aws:iam::111111111111:role/r"
  instance_type          = "ml.t3.medium"
  direct_internet_access = lookup(each.value, "internet", local.defaults["internet"])
}
resource "aws_sagemaker_domain" "studio" {
  count       = var.studio != null ? 1 : 0
  domain_name = "d"
  auth_mode   = "IAM"
  vpc_id      = "vpc-1"
  subnet_ids  = ["subnet-1"]
  default_user_settings { execution_role = "arn:aws:iam::111111111111:role/r" }
}
""",
            "live/main.tf": """
module "ml" {
  source    = "../"
  notebooks = [{ name = "research", internet = "Disabled" }, { name = "scratch" }]
}
""",
        },
    )
    assert not [w for w in inventory.warnings if "cannot be evaluated" in w.message]
    research = _by_address(inventory, 'module.ml.aws_sagemaker_notebook_instance.nb["research"]')
    scratch = _by_address(inventory, 'module.ml.aws_sagemaker_notebook_instance.nb["scratch"]')
    assert research.properties["DirectInternetAccess"] == "Disabled"
    assert scratch.properties["DirectInternetAccess"] == "Enabled"  # the module's own default
    assert not [a for a in _addresses(inventory) if "aws_sagemaker_domain" in a]  # count = 0


def test_references_through_locals_and_module_arguments(tmp_path: Path) -> None:
    inventory = _scan(
        tmp_path,
        {
            "root/main.tf": """
resource "aws_kms_key" "k" { description = "notebook key" }
resource "aws_iam_role" "exec" {
  name               = "exec"
  assume_role_policy = jsonencode({ Statement = [{ Effect = "Allow", Action = "sts:AssumeRole",
                                    Principal = { Service = "sagemaker.amazonaws.com" } }] })
}
locals { key_arn = var.key_arn != null ? var.key_arn : aws_kms_key.k.arn }
variable "key_arn" { default = null }
module "nb" {
  source   = "./nb"
  role_arn = aws_iam_role.exec.arn
  kms_key  = local.key_arn
}
""",
            "root/nb/main.tf": """
variable "role_arn" {}
variable "kms_key" {}
resource "aws_sagemaker_notebook_instance" "this" {
  name                   = "nb"
  role_arn               = var.role_arn
  kms_key_id             = var.kms_key
  instance_type          = "ml.t3.medium"
  direct_internet_access = "Disabled"
}
""",
        },
    )
    nb = _by_address(inventory, "module.nb.aws_sagemaker_notebook_instance.this")
    role = _by_address(inventory, "root/aws_iam_role.exec")
    key = _by_address(inventory, "root/aws_kms_key.k")
    assert {r.target for r in inventory.outgoing(nb.id, RelationKind.RUNS_AS)} == {role.id}
    assert {r.target for r in inventory.outgoing(nb.id, RelationKind.USES)} == {key.id}
    assert nb.properties["KmsKeyId"] == "${aws_kms_key.k.arn}"
    findings, _ = evaluate(inventory, load_policy(None))
    assert not [f for f in findings if f.rule_id == "AISPM-AWS-004" and f.asset_id == nb.id]  # a key is set


def test_aws_cloud_control_provider_resources(tmp_path: Path) -> None:
    inventory = _scan(
        tmp_path,
        {
            "main.tf": """
resource "awscc_sagemaker_notebook_instance" "nb" {
  notebook_instance_name = "cc-notebook"
  instance_type          = "ml.t3.medium"
  role_arn               = awscc_iam_role.exec.arn
  root_access            = "Disabled"
}
resource "awscc_iam_role" "exec" {
  role_name = "cc-exec"
  assume_role_policy_document = jsonencode({ Statement = [{ Effect = "Allow", Action = "sts:AssumeRole",
                                             Principal = { Service = "sagemaker.amazonaws.com" } }] })
  policies = [{ policy_name = "all", policy_document = jsonencode({ Statement = [{ Effect = "Allow",
                                                       Action = "*", Resource = "*" }] }) }]
}
resource "awscc_bedrock_guardrail" "g" {
  name                      = "cc-guardrail"
  blocked_input_messaging   = "no"
  blocked_outputs_messaging = "no"
  content_policy_config = {
    filters_config = [{ type = "PROMPT_ATTACK", input_strength = "HIGH", output_strength = "NONE" }]
  }
}
""",
        },
    )
    nb = inventory.get(urn("aws", NB, "tf:./awscc_sagemaker_notebook_instance.nb"))
    assert nb is not None and nb.name == "cc-notebook"
    assert nb.properties["RootAccess"] == "Disabled"
    assert nb.properties["DirectInternetAccess"] == "Enabled"  # provider default
    role = _by_address(inventory, "awscc_iam_role.exec")
    assert role.name == "cc-exec"
    assert role.properties["inline_policies"][0]["document"]["Statement"][0]["Action"] == "*"
    assert {r.target for r in inventory.outgoing(nb.id, RelationKind.RUNS_AS)} == {role.id}
    guardrail = _by_address(inventory, "awscc_bedrock_guardrail.g")
    assert guardrail.properties["contentPolicy"]["filters"][0]["inputStrength"] == "HIGH"


def test_values_left_to_apply_time_make_rules_unknown_not_failed(tmp_path: Path) -> None:
    inventory = _scan(
        tmp_path,
        {
            "main.tf": """
variable "internet" {}
variable "local_auth" {}
resource "aws_sagemaker_notebook_instance" "nb" {
  name                   = "nb"
  role_arn               = "arn:aws:iam::111111111111:role/r"
  instance_type          = "ml.t3.medium"
  direct_internet_access = var.internet
}
resource "azurerm_cognitive_account" "oai" {
  name                = "oai"
  kind                = "OpenAI"
  sku_name            = "S0"
  location            = "westeurope"
  resource_group_name = "rg"
  local_auth_enabled  = var.local_auth
}
""",
        },
    )
    findings, _ = evaluate(inventory, load_policy(None))
    status = {f.rule_id: f.status for f in findings if f.rule_id in ("AISPM-AWS-001", "AISPM-AZURE-001")}
    assert status == {"AISPM-AWS-001": "unknown", "AISPM-AZURE-001": "unknown"}


def test_legacy_index_and_splat_references_keep_the_relationship(tmp_path: Path) -> None:
    inventory = _scan(
        tmp_path,
        {
            "main.tf": """
resource "aws_sagemaker_model" "m" {
  count              = 2
  name               = "m${count.index}"
  execution_role_arn = "arn:aws:iam::111111111111:role/r"
  primary_container { image = "111111111111.dkr.ecr.us-east-1.amazonaws.com/x:1" }
}
resource "aws_sagemaker_endpoint_configuration" "ec" {
  name = "ec"
  production_variants {
    variant_name = "a"
    model_name   = aws_sagemaker_model.m.0.name
    instance_type = "ml.m5.large"
    initial_instance_count = 2
  }
}
""",
        },
    )
    config = _by_address(inventory, "aws_sagemaker_endpoint_configuration.ec")
    assert config.properties["ProductionVariants"][0]["ModelName"] == "m0"
    models = {r.target for r in inventory.outgoing(config.id, RelationKind.DEPLOYS)}
    assert _by_address(inventory, "aws_sagemaker_model.m[0]").id in models


def test_policies_read_with_file_and_templatefile_stay_inside_the_tree(tmp_path: Path) -> None:
    trust = (
        '{"Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",'
        ' "Principal": {"Service": "sagemaker.amazonaws.com"}}]}'
    )
    (tmp_path / "outside.json").write_text(trust)  # would make the role an AI role if it were read
    inventory = _scan(
        tmp_path / "repo",
        {
            "iam/trust.json": trust,
            "iam/access.json.tpl": '{"Statement": [{"Effect": "Allow", "Action": "${action}",'
            ' "Resource": "*"}]}',
            "main.tf": """
resource "aws_iam_role" "exec" {
  name               = "exec"
  assume_role_policy = file("${path.module}/iam/trust.json")
}
resource "aws_iam_role_policy" "access" {
  role   = aws_iam_role.exec.id
  policy = templatefile("iam/access.json.tpl", { action = "s3:*" })
}
resource "aws_iam_role" "escape" {
  name               = "escape"
  assume_role_policy = file("../outside.json")
}
""",
        },
    )
    role = _by_address(inventory, "aws_iam_role.exec")
    assert role.properties["AssumeRolePolicyDocument"]["Statement"][0]["Principal"]["Service"] == (
        "sagemaker.amazonaws.com"
    )
    assert role.properties["inline_policies"][0]["document"]["Statement"][0]["Action"] == "s3:*"
    assert not [a for a in inventory.assets if a.name == "escape"]  # its trust policy stayed unknown
