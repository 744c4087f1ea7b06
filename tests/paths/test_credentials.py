"""Access follows the credential: a leaked key gives what its scope gives, ``contains`` passes on
the access held over the container, and read access moves only into what is contained."""

from __future__ import annotations

from typing import Any

import pytest

from aispm.core.ids import urn
from aispm.core.model import Asset, AssetKind, Finding, Inventory, RelationKind, Severity
from aispm.paths.access import who_can_reach
from aispm.paths.graph import AttackGraph, build_from_inventory
from aispm.paths.search import AttackPath, find_paths
from aispm.paths.traverse import CHANGE, INVOKE, READ, credential_level

REPO = urn("code", "repository", "r")
CI = urn("code", "source_file", "r", "ci.yml")
TF = urn("code", "source_file", "r", "infra/main.tf")
MODEL = urn("code", "model_artifact", "r", "model.pt")
TOKEN = urn("secret", "secret", "github", "t1")
ROLE = urn("aws", "iam:role", "arn:aws:iam::1:role/deployer")


def repo_estate(**token: Any) -> Inventory:
    """A repository with a model file and Terraform deploying an admin role; a GitHub token
    (``token`` properties) leaked in its CI file."""
    inv = Inventory()
    inv.add(Asset(REPO, AssetKind.REPOSITORY, "r", "local", source="code"))
    inv.add(Asset(CI, AssetKind.SOURCE_FILE, "ci.yml", "local", source="code"))
    inv.add(Asset(TF, AssetKind.SOURCE_FILE, "infra/main.tf", "local", source="code"))
    inv.add(Asset(MODEL, AssetKind.MODEL_ARTIFACT, "model.pt", "local", source="code"))
    props = {"provider": "github", "secret_type": "github_token", **token}
    inv.add(Asset(TOKEN, AssetKind.SECRET, "gh token", "github", properties=props, source="code"))
    inv.add(
        Asset(
            ROLE,
            AssetKind.IDENTITY,
            "deployer",
            "aws",
            properties={"resource_type": "iam:role", "ai_permissions": {"admin": [{"action": "*"}]}},
            source="iac",
        )
    )
    for source, kind, target in (
        (REPO, RelationKind.CONTAINS, CI),
        (REPO, RelationKind.CONTAINS, TF),
        (REPO, RelationKind.CONTAINS, MODEL),
        (CI, RelationKind.CONTAINS, TOKEN),
        (TF, RelationKind.DEPLOYS, ROLE),
    ):
        inv.relate(source, kind, target)
    return inv


def to(ag: AttackGraph, paths: list[AttackPath], asset_id: str) -> list[AttackPath]:
    return [p for p in paths if ag.ids[p.jewel.node] == asset_id]


def names(ag: AttackGraph, path: AttackPath) -> list[str]:
    return [ag.assets[n].name for n in path.nodes]


def test_write_token_changes_what_the_repository_contains() -> None:
    ag = build_from_inventory(repo_estate())
    paths = find_paths(ag)
    (model,) = to(ag, paths, MODEL)
    assert names(ag, model) == ["gh token", "r", "model.pt"]
    assert [(s.kind, s.action) for s in model.steps] == [("grants", "change"), ("contains", "change")]
    assert model.action == "change"
    assert {"AML.T0018", "AML.T0010"} <= set(model.techniques)  # backdoor / supply chain
    (role,) = to(ag, paths, ROLE)
    assert [s.kind for s in role.steps] == ["grants", "contains", "deploys"]


def test_negative_read_only_token_only_reads() -> None:
    ag = build_from_inventory(repo_estate(access="read"))
    paths = find_paths(ag)
    (model,) = to(ag, paths, MODEL)
    assert [(s.kind, s.action) for s in model.steps] == [("grants", "read"), ("contains", "read")]
    assert model.action == "read"
    assert "AML.T0018" not in model.techniques and "AML.T0035" in model.techniques
    # reading the Terraform does not deploy it
    assert to(ag, paths, ROLE) == []


@pytest.mark.parametrize(
    ("scopes", "action"),
    [(["repo"], "change"), (["write:packages"], "change"), (["read:org", "read:packages"], "read")],
)
def test_scopes_decide_when_known(scopes: list[str], action: str) -> None:
    ag = build_from_inventory(repo_estate(scopes=scopes))
    (model,) = to(ag, find_paths(ag), MODEL)
    assert model.action == action
    assert bool(to(ag, find_paths(ag), ROLE)) is (action == "change")


def test_a_key_read_is_a_key_held() -> None:
    """A read-only token reads a write token committed in the repository, and uses it."""
    inv = repo_estate(access="read")
    app = urn("code", "source_file", "r", "app.py")
    second = urn("secret", "secret", "github", "t2")
    inv.add(Asset(app, AssetKind.SOURCE_FILE, "app.py", "local", source="code"))
    inv.add(
        Asset(
            second, AssetKind.SECRET, "bot token", "github", properties={"provider": "github"}, source="code"
        )
    )
    inv.relate(REPO, RelationKind.CONTAINS, app)
    inv.relate(app, RelationKind.CONTAINS, second)
    ag = build_from_inventory(inv)
    paths = [p for p in find_paths(ag) if ag.assets[p.entry.node].name == "gh token"]
    by_action = {p.action: p for p in to(ag, paths, MODEL)}
    assert names(ag, by_action["read"]) == ["gh token", "r", "model.pt"]
    changing = by_action["change"]  # longer, so a lower score, but it changes the model
    assert names(ag, changing) == ["gh token", "r", "app.py", "bot token", "r", "model.pt"]
    assert changing.score < by_action["read"].score


def test_who_can_reach_follows_the_credential() -> None:
    ag = build_from_inventory(repo_estate(access="read"))
    role, model = ag.node(ROLE), ag.node(MODEL)
    assert role is not None and model is not None
    assert not [c for c in who_can_reach(ag, role) if c.holder_type == "leaked_key"]
    (key,) = [c for c in who_can_reach(ag, model) if c.holder_type == "leaked_key"]
    assert key.action == "read"
    ag = build_from_inventory(repo_estate())
    (key,) = [c for c in who_can_reach(ag, model) if c.holder_type == "leaked_key"]
    assert key.action == "change"
    assert [c.holder_type for c in who_can_reach(ag, role)] == ["leaked_key"]


def hub_estate(**token: Any) -> Inventory:
    hub = urn("code", "ai_service", "huggingface")
    weights = urn("model", "model_artifact", "huggingface", "acme/churn")
    key = urn("secret", "secret", "huggingface", "h1")
    inv = Inventory()
    inv.add(
        Asset(hub, AssetKind.AI_SERVICE, "Hugging Face", "huggingface", properties={"vendor": "huggingface"})
    )
    inv.add(Asset(weights, AssetKind.MODEL_ARTIFACT, "acme/churn", "huggingface"))
    props = {"provider": "huggingface", "secret_type": "huggingface_token", **token}
    inv.add(Asset(key, AssetKind.SECRET, "hf token", "huggingface", properties=props))
    inv.relate(hub, RelationKind.CONTAINS, weights)
    return inv


@pytest.mark.parametrize(
    ("token", "action"), [({}, "change"), ({"access": "write"}, "change"), ({"access": "read"}, "read")]
)
def test_hugging_face_token(token: dict[str, Any], action: str) -> None:
    ag = build_from_inventory(hub_estate(**token))
    (path,) = find_paths(ag)
    assert [s.kind for s in path.steps] == ["grants", "contains"]
    assert path.action == action


def test_credential_levels_from_data() -> None:
    assert credential_level({"provider": "github", "secret_type": "github_token"}) == CHANGE
    assert credential_level({"provider": "anthropic", "secret_type": "anthropic_api_key"}) == INVOKE
    assert credential_level({"provider": "anthropic", "secret_type": "anthropic_admin_key"}) == CHANGE
    assert credential_level({"provider": "groq", "secret_type": "groq_api_key"}) == INVOKE
    assert credential_level({"provider": "openai", "secret_type": "openai_project_key"}) == CHANGE
    assert credential_level({"provider": "generic", "secret_type": "password"}) == CHANGE
    assert credential_level({"provider": "github", "access": "read"}) == READ
    assert credential_level({"provider": "github", "scopes": []}) == READ
    assert credential_level({"provider": "gitlab", "scopes": ["read_api", "api"]}) == CHANGE
    assert credential_level({"provider": "github", "access": "nonsense"}) == CHANGE  # ignored


def bucket_estate(exposure: str) -> tuple[AttackGraph, list[AttackPath]]:
    bucket = urn("aws", "s3:bucket", "arn:aws:s3:::models")
    weights = urn("aws", "model_artifact", "s3://models/m.pt")
    inv = Inventory()
    inv.add(Asset(bucket, AssetKind.DATA_STORE, "models", "aws", properties={"resource_type": "s3:bucket"}))
    inv.add(Asset(weights, AssetKind.MODEL_ARTIFACT, "m.pt", "aws"))
    inv.relate(bucket, RelationKind.CONTAINS, weights)
    finding = Finding(
        "AISPM-AWS-043",
        bucket,
        Severity.HIGH,
        f"bucket models is {exposure} by anyone",
        evidence={
            "exposure": [{"principal": "*", "access": "read"}]
            + ([{"principal": "*", "access": "write"}] if exposure == "writable" else [])
        },
        discriminator=exposure,
    )
    ag = build_from_inventory(inv, [finding])
    return ag, find_paths(ag)


def test_public_bucket_gives_what_its_policy_opens() -> None:
    _, (path,) = bucket_estate("readable")
    assert path.entry.rule == "public-bucket" and path.entry.access == "read"
    assert path.action == "read"
    _, (path,) = bucket_estate("writable")
    assert path.entry.access == "change" and path.action == "change"
    assert "AML.T0018" in path.techniques
