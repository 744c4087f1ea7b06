"""AWS discovery: the AI estate of one or more AWS accounts as assets and relationships.

See docs/aws.md (what is read, permissions, coverage gaps) and docs/aws-assets.md (the asset
contract shared with the rules and the IaC mapping).
"""

from __future__ import annotations

from aispm.discover.aws.collector import AwsCollector
from aispm.discover.aws.session import AwsOptions

__all__ = ["AwsCollector", "AwsOptions"]
