"""Who can reach what, and the reverse."""

from __future__ import annotations

import pytest

from aispm.paths.access import reach_of, resolve, who_can_reach
from aispm.paths.graph import build_graph

from .estate import build


def test_who_can_reach_training_data() -> None:
    ag = build_graph(build())
    chains = who_can_reach(ag, resolve(ag, "arn:aws:s3:::training-data"))
    by = {(ag.assets[c.holder].name, c.holder_type): c for c in chains}
    assert ("train-role", "role") in by and by[("train-role", "role")].action == "read"
    public = by[("infer url", "public")]
    assert [k for _, k, _ in public.hops] == ["exposes", "runs_as", "can_read"]
    assert ("aws key", "leaked_key") in by
    assert ("agent-role", "role") not in by


def test_negative_private_bucket_reached_by_nobody_public() -> None:
    ag = build_graph(build(public_url=False, leak=False))
    chains = who_can_reach(ag, resolve(ag, "training-data"))
    assert not [c for c in chains if c.holder_type in ("public", "leaked_key")]


def test_reverse_identity_reach() -> None:
    ag = build_graph(build())
    reached = {ag.assets[c.holder].name: c.action for c in reach_of(ag, resolve(ag, "infer-role"))}
    # the most access reached: s3:* and sagemaker:* change the data and the model
    assert reached["training-data"] == "change"
    assert reached["churn"] == "change"
    assert "agent-role" not in reached and "support-bot" not in reached


def test_resolve_errors() -> None:
    ag = build_graph(build())
    with pytest.raises(LookupError, match="no asset"):
        resolve(ag, "nope")
    with pytest.raises(LookupError, match="names 2 assets"):
        resolve(ag, "infer")
