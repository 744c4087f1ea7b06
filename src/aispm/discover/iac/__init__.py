"""Infrastructure as code: Terraform (``.tf`` and plan JSON) and CloudFormation → cloud AI assets.

Public API::

    from aispm.discover.iac import iac_analyzers
    analyzers = iac_analyzers()      # FileAnalyzers for the repository collector

Assets are shaped like the live collectors' (ids ``urn(provider, resource_type, address)``,
properties named as the cloud API returns them, provider defaults applied) and carry
``iac: {file, line, address, engine, type}``.  See docs/iac-kubernetes.md.
"""

from __future__ import annotations

from aispm.discover.code.base import FileAnalyzer
from aispm.discover.iac.analyzers import CloudFormationAnalyzer, TerraformAnalyzer, TerraformPlanAnalyzer


def iac_analyzers() -> list[FileAnalyzer]:
    """The analyzers of Terraform, Terraform plan and CloudFormation files."""
    return [TerraformAnalyzer(), TerraformPlanAnalyzer(), CloudFormationAnalyzer()]


__all__ = [
    "CloudFormationAnalyzer",
    "TerraformAnalyzer",
    "TerraformPlanAnalyzer",
    "iac_analyzers",
    "iac_and_manifest_analyzers",
]


def iac_and_manifest_analyzers() -> list[FileAnalyzer]:
    """IaC analyzers plus Kubernetes manifests and Helm charts (what a repository scan adds)."""
    from aispm.discover.kubernetes import manifest_analyzers

    return [*iac_analyzers(), *manifest_analyzers()]
