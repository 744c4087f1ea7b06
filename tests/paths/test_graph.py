"""The graph of one scan joins repository, Terraform, live AWS and Kubernetes assets."""

from __future__ import annotations

from aispm.paths.graph import AttackGraph, build_graph

from .estate import ACCOUNT, build


def edge_names(ag: AttackGraph) -> set[tuple[str, str, str]]:
    return {(ag.assets[u].name, k, ag.assets[v].name) for u, v, k in ag.graph.edges(keys=True)}


def test_nodes_are_integers_and_every_asset_is_one() -> None:
    result = build()
    ag = build_graph(result)
    assert sorted(ag.graph.nodes) == list(range(len(result.inventory)))
    assert all(ag.node(a.id) is not None for a in result.inventory.assets)


def test_inventory_edges_keep_their_kind() -> None:
    edges = edge_names(build_graph(build()))
    assert ("infer url", "exposes", "infer") in edges
    assert ("infer", "runs_as", "infer-role") in edges
    assert ("support", "has_tool", "run_shell") in edges


def test_leaked_keys_grant_the_account_and_the_provider() -> None:
    edges = edge_names(build_graph(build()))
    assert ("aws key", "grants", ACCOUNT) in edges
    assert ("openai key", "grants", "OpenAI") in edges
    assert (ACCOUNT, "same_as", f"arn:aws:iam::{ACCOUNT}:root") in edges


def test_terraform_lambda_joins_the_live_lambda() -> None:
    ag = build_graph(build())
    same = [(ag.assets[u], ag.assets[v]) for u, v, k in ag.graph.edges(keys=True) if k == "same_as"]
    assert any({a.source, b.source} == {"aws", "iac"} and a.name == "infer" for a, b in same)
    assert ("infra/main.tf", "deploys", "infer") in edge_names(ag)


def test_model_file_in_bucket_serves_the_model() -> None:
    edges = edge_names(build_graph(build()))
    assert ("model-artifacts", "contains", "model.tar.gz") in edges
    assert ("model.tar.gz", "serves", "churn") in edges


def test_permission_edges_from_policies() -> None:
    edges = edge_names(build_graph(build()))
    assert ("infer-role", "can_write", "training-data") in edges
    assert ("train-role", "can_read", "training-data") in edges
    assert ("agent-role", "can_read", "training-data") not in edges


def test_findings_sit_on_their_nodes() -> None:
    ag = build_graph(build())
    role = next(i for i, a in enumerate(ag.assets) if a.name == "infer-role")
    assert ag.finding_ids(role) == ["AISPM-AWS-040"]


def test_without_joins_no_cross_source_edges() -> None:
    ag = build_graph(build(), joins=False)
    assert not any(k in ("grants", "same_as", "serves") for _, _, k in ag.graph.edges(keys=True))


def test_github_token_grants_the_repository_and_reaches_its_model_files() -> None:
    from aispm.core.ids import urn
    from aispm.core.model import Asset, AssetKind, Inventory, RelationKind
    from aispm.paths.graph import build_from_inventory
    from aispm.paths.search import find_paths

    inv = Inventory()
    repo, file = urn("code", "repository", "r"), urn("code", "source_file", "r", "ci.yml")
    token, model = urn("secret", "secret", "github", "x"), urn("code", "model_artifact", "r", "m.pt")
    inv.add(Asset(repo, AssetKind.REPOSITORY, "r", "local", source="code"))
    inv.add(Asset(file, AssetKind.SOURCE_FILE, "ci.yml", "local", source="code"))
    inv.add(Asset(token, AssetKind.SECRET, "gh", "github", properties={"provider": "github"}, source="code"))
    inv.add(Asset(model, AssetKind.MODEL_ARTIFACT, "m.pt", "local", source="code"))
    inv.relate(repo, RelationKind.CONTAINS, file)
    inv.relate(file, RelationKind.CONTAINS, token)
    inv.relate(repo, RelationKind.CONTAINS, model)
    ag = build_from_inventory(inv)
    (path,) = find_paths(ag)
    assert [ag.assets[n].name for n in path.nodes] == ["gh", "r", "m.pt"]
    # negative control: an OpenAI key in the same place opens no repository
    inv2 = Inventory.of([a for a in inv.assets if a.id != token])
    inv2.add(Asset(token, AssetKind.SECRET, "oa", "openai", properties={"provider": "openai"}, source="code"))
    assert find_paths(build_from_inventory(inv2)) == []
