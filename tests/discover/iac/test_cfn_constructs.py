"""CloudFormation shapes found in public templates: long preambles, imported values, split and
select.  Templates are minimal ones written for each case."""

from __future__ import annotations

from pathlib import Path

from aispm.core.model import Inventory
from aispm.discover.code.collector import RepositoryCollector
from aispm.discover.iac import iac_analyzers
from aispm.posture import evaluate, load_policy


def _scan(tmp_path: Path, name: str, text: str) -> Inventory:
    (tmp_path / name).write_text(text)
    return RepositoryCollector(tmp_path, iac_analyzers()).collect()


def test_a_template_without_format_version_and_a_long_preamble_is_read(tmp_path: Path) -> None:
    regions = "".join(
        f"    region-{i}:\n      image: arn:aws:sagemaker:region-{i}:000000000000:image/x\n"
        for i in range(80)
    )
    template = (
        "Description: notebook\nParameters:\n  Name: {Type: String, Default: nb}\n"
        f"Mappings:\n  RegionMap:\n{regions}"
        "Resources:\n  Notebook:\n    Type: AWS::SageMaker::NotebookInstance\n"
        "    Properties: {NotebookInstanceName: !Ref Name, InstanceType: ml.t3.medium, RoleArn: r}\n"
    )
    assert len(template.split("Resources:")[0]) > 4096
    inventory = _scan(tmp_path, "notebook.yaml", template)
    assert [a.name for a in inventory.assets if a.kind.value == "notebook"] == ["nb"]


def test_a_yaml_file_that_is_not_a_template_is_left_alone(tmp_path: Path) -> None:
    inventory = _scan(tmp_path, "config.yaml", "Resources:\n  cpu: 2\nType: AWS::like but not a template\n")
    assert not [w for w in inventory.warnings if w.source == "cloudformation"]


def test_imported_and_split_values(tmp_path: Path) -> None:
    template = """\
AWSTemplateFormatVersion: "2010-09-09"
Parameters:
  Stack: {Type: String, Default: ml-prod-eu}
Resources:
  Notebook:
    Type: AWS::SageMaker::NotebookInstance
    Properties:
      NotebookInstanceName: !Select [0, !Split ["-", !Ref Stack]]
      InstanceType: ml.t3.medium
      RoleArn: arn:aws:iam::000000000000:role/r
      DirectInternetAccess: !ImportValue NetworkStack-InternetMode
"""
    inventory = _scan(tmp_path, "nb.yaml", template)
    notebook = next(a for a in inventory.assets if a.kind.value == "notebook")
    assert notebook.name == "ml"
    findings, _ = evaluate(inventory, load_policy(None))
    assert [f.status for f in findings if f.rule_id == "AISPM-AWS-001"] == ["unknown"]
