"""Entry points, crown jewels, ranked paths with score parts, ATLAS tags, toxic combinations."""

from __future__ import annotations

from aispm.paths.graph import AttackGraph, build_graph
from aispm.paths.rules import crown_jewels, entry_points
from aispm.paths.search import AttackPath, find_paths
from aispm.paths.toxic import escalated_findings

from .estate import build


def names(ag: AttackGraph, path: AttackPath) -> list[str]:
    return [ag.assets[n].name for n in path.nodes]


def test_entry_points_and_crown_jewels_come_from_rules() -> None:
    ag = build_graph(build())
    entries = {ag.assets[n].name: m.rule for n, m in entry_points(ag).items()}
    assert entries["infer url"] == "public-function-url"
    assert entries["aws key"] == "leaked-credential"
    jewels = {ag.assets[n].name: m for n, m in crown_jewels(ag).items()}
    assert jewels["training-data"].rule == "training-data"
    assert jewels["training-data"].weight == 10  # 8 + personal data
    assert "model-artifacts" not in jewels  # written by training, not read: not training data
    assert jewels["model.tar.gz"].rule == "model-artifact"
    assert jewels["infer-role"].rule == "privileged-identity"


def test_public_url_to_training_data_with_score_parts() -> None:
    ag = build_graph(build())
    (path,) = [
        p for p in find_paths(ag) if p.entry.rule == "public-function-url" and p.jewel.rule == "training-data"
    ]
    assert names(ag, path) == ["infer url", "infer", "infer-role", "training-data"]
    # infer-role may s3:* : the path that can change (poison) the data; the read path of the same
    # score is dominated and not listed twice
    assert [s.kind for s in path.steps] == ["exposes", "runs_as", "can_write"]
    assert [s.action for s in path.steps] == ["invoke", "change", "change"]
    assert path.action == "change"
    assert path.score == round(1.0 * 1.0 * 0.9 * 0.9 * 10, 3)
    assert "AML.T0040" in path.techniques and "AML.T0020" in path.techniques
    assert path.steps[1].findings[0].rule_id == "AISPM-AWS-040"


def test_leaked_key_to_training_data_through_assume_role() -> None:
    ag = build_graph(build())
    path = next(
        p for p in find_paths(ag) if p.entry.rule == "leaked-credential" and p.jewel.rule == "training-data"
    )
    # train-role has s3:GetObject and s3:PutObject on the data
    assert [s.kind for s in path.steps] == ["grants", "same_as", "can_assume", "can_write"]
    assert path.action == "change"
    assert "AML.T0055" in path.techniques


def test_paths_are_ranked() -> None:
    scores = [p.score for p in find_paths(build_graph(build()))]
    assert scores == sorted(scores, reverse=True)


def test_toxic_combination_raises_both_findings() -> None:
    paths = find_paths(build_graph(build()))
    raised = {f.rule_id: f for f in escalated_findings(paths)}
    assert set(raised) == {"AISPM-AWS-044", "AISPM-AWS-040"}
    assert raised["AISPM-AWS-044"].severity.value == "critical"
    assert raised["AISPM-AWS-044"].evidence["original_severity"] == "medium"
    assert "public-inference-broad-role" in raised["AISPM-AWS-040"].evidence["escalated_by"][0]


def test_negative_private_url_has_no_public_path() -> None:
    ag = build_graph(build(public_url=False))
    assert not any(p.entry.public for p in find_paths(ag))
    assert escalated_findings(find_paths(ag)) == []


def test_negative_narrow_role_reaches_no_data_from_the_url() -> None:
    ag = build_graph(build(broad_role=False))
    assert not [p for p in find_paths(ag) if p.entry.rule == "public-function-url"]


def test_negative_nothing_leaked_and_nothing_public() -> None:
    assert find_paths(build_graph(build(public_url=False, leak=False))) == []


def test_depth_limit_prunes_long_paths() -> None:
    ag = build_graph(build())
    assert all(len(p.steps) <= 2 for p in find_paths(ag, max_depth=2))
    assert not any(p.entry.rule == "leaked-credential" for p in find_paths(ag, max_depth=3))


def test_one_path_per_pair_unless_a_lower_score_gives_more_access() -> None:
    ag = build_graph(build())
    paths = find_paths(ag)
    pairs: dict[tuple[int, int], list[AttackPath]] = {}
    for p in paths:
        pairs.setdefault((p.entry.node, p.jewel.node), []).append(p)
    churn = next(i for i, a in enumerate(ag.assets) if a.name == "churn" and a.kind.value == "model")
    url = next(i for i, a in enumerate(ag.assets) if a.name == "infer url")
    # invoking the model is easier (can_invoke 0.9) than changing it (can_modify 0.8): both kept
    assert sorted((p.action, p.score) for p in pairs[(url, churn)]) == [("change", 5.76), ("invoke", 6.48)]
    for group in pairs.values():
        for a in group:
            assert not any(b is not a and b.score >= a.score and b.action == a.action for b in group)
