"""count / for_each / dynamic, local modules and CloudFormation conditions: expanded, located, judged."""

from __future__ import annotations

from pathlib import Path

import pytest

from aispm.core.ids import urn
from aispm.core.model import Asset, Inventory
from aispm.discover.code.collector import RepositoryCollector
from aispm.discover.iac import iac_analyzers
from aispm.posture import evaluate, load_policy

FIXTURES = Path(__file__).parent / "eval_fixtures"
NB = "sagemaker:notebook-instance"


@pytest.fixture(scope="module")
def inventory() -> Inventory:
    return RepositoryCollector(FIXTURES, iac_analyzers()).collect()


@pytest.fixture(scope="module")
def failed(inventory: Inventory) -> set[tuple[str, str]]:
    findings, _ = evaluate(inventory, load_policy(None))
    return {(f.rule_id, f.asset_id) for f in findings if f.status == "fail"}


def _asset(inventory: Inventory, resource_type: str, address: str) -> Asset:
    asset = inventory.get(urn("aws", resource_type, address))
    assert asset is not None, address
    return asset


def _addresses(inventory: Inventory, prefix: str) -> set[str]:
    return {
        str(a.properties["iac"]["address"])
        for a in inventory.assets
        if isinstance(a.properties.get("iac"), dict)
        and str(a.properties["iac"]["address"]).startswith(prefix)
    }


def test_for_each_over_a_map_variable(inventory: Inventory, failed: set[tuple[str, str]]) -> None:
    research = _asset(inventory, NB, 'tf:tf_expand/aws_sagemaker_notebook_instance.nb["research"]')
    prod = _asset(inventory, NB, 'tf:tf_expand/aws_sagemaker_notebook_instance.nb["prod"]')
    assert research.name == "nb-research" and research.properties["DirectInternetAccess"] == "Enabled"
    assert prod.name == "nb-prod" and prod.properties["DirectInternetAccess"] == "Disabled"
    assert research.location is not None and (research.location.path, research.location.line) == (
        "tf_expand/main.tf",
        37,
    )
    assert ("AISPM-AWS-001", research.id) in failed
    assert ("AISPM-AWS-001", prod.id) not in failed  # negative control: the other instance
    role = _asset(inventory, "iam:role", "tf:tf_expand/aws_iam_role.nb[0]")
    assert role.name == "nb-role-0"
    assert (research.id, "runs_as", role.id) in {r.key for r in inventory.relationships}


def test_for_each_over_toset_and_count(inventory: Inventory, failed: set[tuple[str, str]]) -> None:
    base = "tf:tf_expand/aws_sagemaker_notebook_instance."
    assert _addresses(inventory, base + "team") == {base + 'team["alpha"]', base + 'team["beta"]'}
    assert _addresses(inventory, base + "sized") == {base + f"sized[{i}]" for i in range(3)}
    assert _addresses(inventory, base + "off") == set()  # count = 0 creates nothing
    first = _asset(inventory, NB, base + "replica[0]")
    second = _asset(inventory, NB, base + "replica[1]")
    assert first.name == "replica-0" and second.name == "replica-1"
    assert ("AISPM-AWS-001", first.id) in failed  # count.index == 0 ? "Enabled" : "Disabled"
    assert ("AISPM-AWS-001", second.id) not in failed


def test_unknown_count_is_one_unexpanded_instance(inventory: Inventory, failed: set[tuple[str, str]]) -> None:
    nb = _asset(inventory, NB, "tf:tf_expand/aws_sagemaker_notebook_instance.unknown")
    assert nb.properties["iac"]["expanded"] is False
    assert ("AISPM-AWS-001", nb.id) in failed  # still judged, not dropped
    warnings = [w for w in inventory.warnings if "aws_sagemaker_notebook_instance.unknown" in w.message]
    assert len(warnings) == 1 and str(warnings[0].location) == "tf_expand/main.tf:80"
    assert warnings[0].kind == "info"  # the file was read; only this count is unknown
    expanded = _asset(inventory, NB, 'tf:tf_expand/aws_sagemaker_notebook_instance.nb["prod"]')
    assert "expanded" not in expanded.properties["iac"]


def test_dynamic_blocks_expand(inventory: Inventory, failed: set[tuple[str, str]]) -> None:
    weak = _asset(inventory, "bedrock:guardrail", "tf:tf_expand/aws_bedrock_guardrail.dyn_weak")
    strong = _asset(inventory, "bedrock:guardrail", "tf:tf_expand/aws_bedrock_guardrail.dyn_strong")
    assert weak.properties["contentPolicy"] == {
        "filters": [{"type": "HATE", "inputStrength": "HIGH", "outputStrength": "HIGH"}]
    }
    assert strong.properties["contentPolicy"]["filters"][1] == {
        "type": "PROMPT_ATTACK",
        "inputStrength": "HIGH",
        "outputStrength": "NONE",
    }
    assert ("AISPM-AWS-024", weak.id) in failed
    assert ("AISPM-AWS-024", strong.id) not in failed


def test_local_modules_take_the_callers_inputs(inventory: Inventory, failed: set[tuple[str, str]]) -> None:
    ml = _asset(inventory, NB, "tf:tf_modules/module.ml.aws_sagemaker_notebook_instance.nb")
    safe = _asset(inventory, NB, "tf:tf_modules/module.safe.aws_sagemaker_notebook_instance.nb")
    team = _asset(inventory, NB, 'tf:tf_modules/module.teams["blue"].aws_sagemaker_notebook_instance.nb')
    prod = _asset(inventory, NB, "tf:tf_modules/envs/prod/module.prod.aws_sagemaker_notebook_instance.nb")
    assert (ml.name, safe.name, team.name, prod.name) == ("ml-nb", "safe-nb", "team-blue", "prod-nb")
    assert ml.location is not None and (ml.location.path, ml.location.line) == (
        "tf_modules/modules/notebook/main.tf",
        17,
    )
    assert ("AISPM-AWS-001", ml.id) in failed and ("AISPM-AWS-001", team.id) in failed
    assert ("AISPM-AWS-001", safe.id) not in failed and ("AISPM-AWS-001", prod.id) not in failed
    # the module directory is read through its callers only, not again with its defaults
    assert _addresses(inventory, "tf:tf_modules/modules/") == set()
    role = _asset(inventory, "iam:role", "tf:tf_modules/module.ml.aws_iam_role.exec")
    assert role.name == "ml-nb-role"
    keys = {r.key for r in inventory.relationships}
    assert (ml.id, "runs_as", role.id) in keys


def test_module_outputs_resolve_in_the_caller(inventory: Inventory) -> None:
    model = _asset(inventory, "sagemaker:model", "tf:tf_modules/aws_sagemaker_model.m")
    assert model.name == "uses-ml-nb"  # module.ml.notebook_name
    role = urn("aws", "iam:role", "tf:tf_modules/module.ml.aws_iam_role.exec")
    assert (model.id, "runs_as", role) in {r.key for r in inventory.relationships}  # module.ml.role_arn


def test_remote_modules_are_not_followed(inventory: Inventory) -> None:
    remote = [w for w in inventory.warnings if "module.vpc" in w.message]
    assert len(remote) == 1 and remote[0].kind == "info"
    assert str(remote[0].location) == "tf_modules/main.tf:21"


def test_cloudformation_conditions(inventory: Inventory, failed: set[tuple[str, str]]) -> None:
    open_nb = _asset(inventory, NB, "cfn:cfn/conditions.yaml/OpenNotebook")
    closed = _asset(inventory, NB, "cfn:cfn/conditions.yaml/ClosedNotebook")
    assert open_nb.properties["DirectInternetAccess"] == "Enabled"  # IsProd false with Env=dev
    assert closed.properties["DirectInternetAccess"] == "Disabled"  # Or(Not(IsProd), IsProd)
    assert closed.properties["RootAccess"] == "Disabled"  # And(IsDev, IsProd) is false
    assert "KmsKeyId" not in closed.properties  # AWS::NoValue removes the property
    assert closed.properties["Tags"] == [{"Key": "env", "Value": "dev"}]  # and the list item
    assert ("AISPM-AWS-001", open_nb.id) in failed
    assert ("AISPM-AWS-001", closed.id) not in failed
    # Condition: IsProd is false: the resource is not created
    assert inventory.get(urn("aws", NB, "cfn:cfn/conditions.yaml/ProdOnlyNotebook")) is None
    # a parameter without a default leaves the condition unknown
    unknown = _asset(inventory, NB, "cfn:cfn/conditions.yaml/UnknownNotebook")
    assert unknown.properties["DirectInternetAccess"] == "${Fn::If}"


def test_evaluator_collections_and_comparisons() -> None:
    from aispm.discover.iac.hcl_eval import MISSING, Evaluator, resource_refs

    ev = Evaluator(lambda ref: {"var.n": ["b", "a", "b"], "var.env": "prod"}.get(ref, MISSING))
    assert ev.value("${toset(var.n)}") == ["a", "b"]
    assert ev.value("${length(var.n)}") == 3
    assert ev.value('${var.env == "prod" ? 1 : 0}') == 1
    assert ev.value('${var.env != "prod"}') is False
    assert ev.value("${length(var.unknown)}") == "${length(var.unknown)}"
    assert ev.value("${var.unknown == 1}") == "${var.unknown == 1}"
    assert resource_refs('aws_iam_role.r[0].arn, aws_s3_bucket.b["logs"].id') == [
        "aws_iam_role.r[0]",
        'aws_s3_bucket.b["logs"]',
    ]
