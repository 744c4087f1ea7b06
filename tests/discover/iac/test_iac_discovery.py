"""Terraform, plan JSON and CloudFormation become live-shaped assets with defaults and references."""

from __future__ import annotations

from aispm.core.ids import urn
from aispm.core.model import AssetKind, Inventory, RelationKind
from aispm.discover.iac.hcl_eval import MISSING, Evaluator


def _id(resource_type: str, address: str) -> str:
    return urn("aws", resource_type, address)


NB_BAD = _id("sagemaker:notebook-instance", "tf:aws_tf/aws_sagemaker_notebook_instance.bad")
NB_GOOD = _id("sagemaker:notebook-instance", "tf:aws_tf/aws_sagemaker_notebook_instance.good")
ROLE = _id("iam:role", "tf:aws_tf/aws_iam_role.sagemaker")


def test_terraform_defaults_variables_and_locals(iac_inventory: Inventory) -> None:
    nb = iac_inventory.get(NB_BAD)
    assert nb is not None and nb.kind is AssetKind.NOTEBOOK
    p = nb.properties
    assert nb.name == "ai-dev-nb"  # local built from a variable default
    assert p["DirectInternetAccess"] == "Enabled"  # from var.internet's default
    assert p["RootAccess"] == "Enabled"  # provider default
    assert p["InstanceMetadataServiceConfiguration"] == {"MinimumInstanceMetadataServiceVersion": "1"}
    assert p["resource_type"] == "sagemaker:notebook-instance"
    assert p["iac"] == {
        "file": "aws_tf/main.tf",
        "line": 2,
        "address": "tf:aws_tf/aws_sagemaker_notebook_instance.bad",
        "engine": "terraform",
        "type": "aws_sagemaker_notebook_instance",
    }
    assert nb.location is not None and (nb.location.path, nb.location.line) == ("aws_tf/main.tf", 2)
    good = iac_inventory.get(NB_GOOD)
    assert good is not None
    assert good.properties["RootAccess"] == "Disabled"
    assert good.properties["SecurityGroups"] == ["sg-1"]
    assert good.properties["InstanceMetadataServiceConfiguration"] == {
        "MinimumInstanceMetadataServiceVersion": "2"
    }


def test_references_become_relationships(iac_inventory: Inventory) -> None:
    assert (NB_BAD, "runs_as", ROLE) in {r.key for r in iac_inventory.relationships}
    kms = _id("kms:key", "tf:aws_tf/aws_kms_key.ai")
    assert (NB_GOOD, "uses", kms) in {r.key for r in iac_inventory.relationships}
    ep = _id("sagemaker:endpoint", "tf:aws_tf/aws_sagemaker_endpoint.ep")
    ec = _id("sagemaker:endpoint-config", "tf:aws_tf/aws_sagemaker_endpoint_configuration.ec")
    model = _id("sagemaker:model", "tf:aws_tf/aws_sagemaker_model.m")
    keys = {r.key for r in iac_inventory.relationships}
    assert (ep, "uses", ec) in keys and (ec, "deploys", model) in keys
    assert iac_inventory.get(ep).properties["EndpointConfigName"] == "ec"  # type: ignore[union-attr]


def test_iam_role_policies_folded_like_live(iac_inventory: Inventory) -> None:
    role = iac_inventory.get(ROLE)
    assert role is not None and role.kind is AssetKind.IDENTITY
    doc = role.properties["AssumeRolePolicyDocument"]
    assert doc["Statement"][0]["Principal"] == {"Service": "sagemaker.amazonaws.com"}
    assert role.properties["attached_policies"] == [
        {
            "PolicyArn": "arn:aws:iam::aws:policy/AmazonSageMakerFullAccess",
            "PolicyName": "AmazonSageMakerFullAccess",
            "document": None,
        }
    ]
    inline = role.properties["inline_policies"]
    assert inline[0]["PolicyName"] == "pass"
    assert inline[0]["document"]["Statement"][0] == {
        "Effect": "Allow",
        "Action": ["iam:PassRole"],
        "Resource": ["*"],
    }
    # a role no AI resource uses and no AI service may assume is not inventoried
    assert iac_inventory.get(_id("iam:role", "tf:aws_tf/aws_iam_role.unrelated")) is None


def test_bedrock_names_are_camel_case(iac_inventory: Inventory) -> None:
    g = iac_inventory.get(_id("bedrock:guardrail", "tf:aws_tf/aws_bedrock_guardrail.weak"))
    assert g is not None and g.kind is AssetKind.GUARDRAIL
    assert g.properties["contentPolicy"] == {
        "filters": [{"type": "HATE", "inputStrength": "HIGH", "outputStrength": "HIGH"}]
    }
    agent = iac_inventory.get(_id("bedrock:agent", "tf:aws_tf/aws_bedrockagent_agent.agent"))
    assert agent is not None and agent.properties["idleSessionTTLInSeconds"] == 3600
    cfn = iac_inventory.get(_id("bedrock:guardrail", "cfn:aws_cfn/template.json/Guard"))
    assert cfn is not None
    assert cfn.properties["contentPolicy"]["filters"][0]["type"] == "PROMPT_ATTACK"
    assert cfn.location is not None and cfn.location.line == 4


def test_cloudformation_short_tags_parameters_and_getatt(iac_inventory: Inventory) -> None:
    nb = iac_inventory.get(_id("sagemaker:notebook-instance", "cfn:aws_cfn/template.yaml/Notebook"))
    assert nb is not None
    assert nb.properties["DirectInternetAccess"] == "Enabled"  # !Ref parameter default
    assert nb.properties["RootAccess"] == "Enabled"  # provider default
    role = _id("iam:role", "cfn:aws_cfn/template.yaml/Role")
    model = _id("sagemaker:model", "cfn:aws_cfn/template.yaml/Model")
    keys = {r.key for r in iac_inventory.relationships}
    assert (nb.id, "runs_as", role) in keys and (model, "runs_as", role) in keys  # !GetAtt and !Sub
    m = iac_inventory.get(model)
    assert (
        m is not None
        and m.properties["PrimaryContainer"]["Image"] == "123.dkr.ecr.us-east-1.amazonaws.com/m:1"
    )
    r = iac_inventory.get(role)
    assert r is not None and r.properties["AssumeRolePolicyDocument"]["Version"] == "2012-10-17"  # not a date


def test_plan_json(iac_inventory: Inventory) -> None:
    nb = iac_inventory.get(
        _id("sagemaker:notebook-instance", "tfplan:plan/plan.json/aws_sagemaker_notebook_instance.nb")
    )
    assert nb is not None
    assert nb.properties["RootAccess"] == "Disabled" and nb.properties["DirectInternetAccess"] == "Enabled"
    role = _id("iam:role", "tfplan:plan/plan.json/aws_iam_role.r")
    assert (nb.id, "runs_as", role) in {r.key for r in iac_inventory.relationships}


def test_azure_and_gcp_shapes(iac_inventory: Inventory) -> None:
    oai = iac_inventory.get(
        urn("azure", "Microsoft.CognitiveServices/accounts", "tf:azure_tf/azurerm_cognitive_account.openai")
    )
    assert oai is not None
    assert oai.properties["disableLocalAuth"] is False and oai.properties["publicNetworkAccess"] == "Enabled"
    good = iac_inventory.get(
        urn("azure", "Microsoft.CognitiveServices/accounts", "tf:azure_tf/azurerm_cognitive_account.hardened")
    )
    assert good is not None and good.properties["disableLocalAuth"] is True
    assert good.properties["publicNetworkAccess"] == "Disabled"
    # only OpenAI / AI Services accounts are AI assets
    assert (
        iac_inventory.get(
            urn(
                "azure",
                "Microsoft.CognitiveServices/accounts",
                "tf:azure_tf/azurerm_cognitive_account.speech",
            )
        )
        is None
    )
    dep = urn(
        "azure",
        "Microsoft.CognitiveServices/accounts/deployments",
        "tf:azure_tf/azurerm_cognitive_deployment.nofilter",
    )
    assert (oai.id, "contains", dep) in {r.key for r in iac_inventory.relationships}
    wb = iac_inventory.get(
        urn("gcp", "notebooks.googleapis.com/Instance", "tf:gcp_tf/google_workbench_instance.open")
    )
    assert wb is not None and wb.properties["gceSetup"]["disablePublicIp"] is False


def test_malformed_files_become_warnings(iac_inventory: Inventory) -> None:
    where = {str(w.location) for w in iac_inventory.warnings}
    assert {"broken/bad.tf", "broken/bad.yaml"} <= where


def test_file_deploys_its_resources(iac_inventory: Inventory) -> None:
    deploys = [r for r in iac_inventory.relationships if r.kind is RelationKind.DEPLOYS]
    assert any(r.target == NB_BAD and r.source.endswith("aws_tf/main.tf") for r in deploys)


def test_evaluator_is_safe_subset() -> None:
    ev = Evaluator(lambda ref: {"var.on": True}.get(ref, MISSING))
    assert ev.value('"${var.on ? "A" : "B"}"') == "A"
    assert ev.value('${file("/etc/passwd")}') == '${file("/etc/passwd")}'  # functions are not run
    assert ev.value('"x-${aws_s3_bucket.b.arn}"') == "x-${aws_s3_bucket.b.arn}"
    assert ev.refs == ["aws_s3_bucket.b"]
