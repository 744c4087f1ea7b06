"""The shared vocabulary of aispm: assets, relationships, rules and findings. No I/O here."""

from aispm.core.model import (
    Asset,
    AssetKind,
    Finding,
    Inventory,
    Location,
    RelationKind,
    Relationship,
    RuleMeta,
    ScanWarning,
    Severity,
)

__all__ = [
    "Asset",
    "AssetKind",
    "Finding",
    "Inventory",
    "Location",
    "RelationKind",
    "Relationship",
    "RuleMeta",
    "ScanWarning",
    "Severity",
]
