"""Provenance from real side files: model cards, configs, the HF cache layout and model-signing
signatures made in the test with the library's own signer (offline, key-based)."""

from __future__ import annotations

import json
from pathlib import Path

import model_signing
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from aispm.artifacts.provenance import check_signature, hf_cache_origin, read_provenance

CARD = """---
license: apache-2.0
base_model: meta-llama/Llama-3.1-8B
datasets:
  - squad
  - acme/support-tickets
library_name: transformers
pipeline_tag: text-classification
---
# A model
"""
COMMIT = "0123456789abcdef0123456789abcdef01234567"


def _weights(folder: Path, name: str = "model.safetensors") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    header = json.dumps({"w": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}}).encode()
    path = folder / name
    path.write_bytes(len(header).to_bytes(8, "little") + header + bytes(4))
    return path


def test_model_card_and_config(tmp_path: Path) -> None:
    model = _weights(tmp_path / "m")
    (tmp_path / "m" / "README.md").write_text(CARD)
    (tmp_path / "m" / "config.json").write_text(
        json.dumps(
            {
                "_name_or_path": "acme/ticket-classifier",
                "architectures": ["BertForSequenceClassification"],
                "model_type": "bert",
                "transformers_version": "4.44.0",
            }
        )
    )
    prov = read_provenance(model)
    assert prov.license == "apache-2.0"
    assert prov.base_model == ("meta-llama/Llama-3.1-8B",)
    assert prov.datasets == ("squad", "acme/support-tickets")
    assert prov.library_name == "transformers" and prov.pipeline_tag == "text-classification"
    assert prov.hub_repo == "acme/ticket-classifier" and prov.revision is None
    assert prov.architectures == ("BertForSequenceClassification",)
    assert prov.transformers_version == "4.44.0" and prov.model_type == "bert"
    assert prov.model_card == "README.md" and prov.config == "config.json"
    assert prov.source_known and prov.signature.status == "absent"
    assert json.loads(json.dumps(prov.to_json()))["license"] == "apache-2.0"


def test_bare_file_has_unknown_source(tmp_path: Path) -> None:
    prov = read_provenance(_weights(tmp_path))
    assert not prov.source_known and prov.model_card is None and prov.license is None


def test_hf_cache_layout_gives_repo_and_commit(tmp_path: Path) -> None:
    snapshot = tmp_path / "hub" / "models--acme--tiny-bert" / "snapshots" / COMMIT
    model = _weights(snapshot)
    assert hf_cache_origin(model) == ("acme/tiny-bert", COMMIT)
    prov = read_provenance(model)
    assert prov.hub_repo == "acme/tiny-bert" and prov.revision == COMMIT and prov.source_known
    # a branch name in place of the commit is not taken as a revision
    assert hf_cache_origin(tmp_path / "models--a--b" / "snapshots" / "main" / "x.bin") == ("a/b", None)
    assert hf_cache_origin(tmp_path / "plain" / "x.bin") == (None, None)


def test_hostile_side_files_are_bounded_and_never_executed(tmp_path: Path) -> None:
    model = _weights(tmp_path)
    canary = tmp_path / "canary"
    (tmp_path / "README.md").write_text(
        f"---\nlicense: !!python/object/apply:os.system ['touch {canary}']\n---\n"
    )
    (tmp_path / "config.json").write_text("[" * 100_000)
    prov = read_provenance(model)
    assert not canary.exists()
    assert prov.license is None and prov.model_card == "README.md"
    assert any("README.md" in n for n in prov.notes) and any("config.json" in n for n in prov.notes)
    (tmp_path / "README.md").write_text("---\nlicense: mit\n---\n" + "x" * 300_000)
    big = read_provenance(model)
    assert big.model_card is None and any("larger than" in n for n in big.notes)


def test_card_without_front_matter_still_counts_as_a_card(tmp_path: Path) -> None:
    model = _weights(tmp_path)
    (tmp_path / "README.md").write_text("# Just prose\n")
    prov = read_provenance(model)
    assert prov.model_card == "README.md" and prov.license is None and prov.source_known


@pytest.fixture(scope="module")
def keys(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    folder = tmp_path_factory.mktemp("keys")
    pairs = []
    for name in ("signer", "other"):
        key = ec.generate_private_key(ec.SECP256R1())
        private = folder / f"{name}.pem"
        public = folder / f"{name}.pub.pem"
        private.write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
        )
        public.write_bytes(
            key.public_key().public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            )
        )
        pairs.append((private, public))
    return pairs[0][0], pairs[0][1], pairs[1][1]


def _sign_folder(folder: Path, private: Path) -> Path:
    sig = folder / "model.sig"
    hashing = model_signing.hashing.Config().set_ignored_paths(paths=[Path("model.sig")])
    model_signing.signing.Config().use_elliptic_key_signer(private_key=private).set_hashing_config(
        hashing
    ).sign(folder, sig)
    return sig


def test_signature_verifies_then_breaks_when_a_file_changes(
    tmp_path: Path, keys: tuple[Path, Path, Path]
) -> None:
    private, public, other = keys
    model = _weights(tmp_path / "m")
    (tmp_path / "m" / "README.md").write_text(CARD)
    _sign_folder(tmp_path / "m", private)

    ok = check_signature(model, [public])
    assert (ok.status, ok.kind, ok.path) == ("verified", "key", "model.sig")
    assert check_signature(model, []).status == "unverified"
    wrong = check_signature(model, [other])
    assert wrong.status == "invalid"

    model.write_bytes(model.read_bytes()[:-1] + b"\x01")  # one weight byte changed
    broken = check_signature(model, [public])
    assert broken.status == "invalid" and "model.safetensors" in broken.detail
    assert read_provenance(model, trusted_keys=[public]).signature.status == "invalid"


def test_added_file_breaks_the_folder_signature(tmp_path: Path, keys: tuple[Path, Path, Path]) -> None:
    private, public, _ = keys
    model = _weights(tmp_path / "m")
    _sign_folder(tmp_path / "m", private)
    (tmp_path / "m" / "extra.pkl").write_bytes(b"\x80\x04N.")
    assert check_signature(model, [public]).status == "invalid"


def test_file_signature_and_garbage_signatures(tmp_path: Path, keys: tuple[Path, Path, Path]) -> None:
    private, public, _ = keys
    model = _weights(tmp_path)
    model_signing.signing.Config().use_elliptic_key_signer(private_key=private).sign(
        model, model.with_name(model.name + ".sig")
    )
    assert check_signature(model, [public]).status == "verified"

    other = _weights(tmp_path / "g", "w.safetensors")
    (tmp_path / "g" / "w.safetensors.sig").write_text("not json")
    assert check_signature(other, [public]).status == "invalid"
    (tmp_path / "g" / "w.safetensors.sig").write_text(
        json.dumps({"verificationMaterial": {"tlogEntries": [1]}})
    )
    keyless = check_signature(other, [public])
    assert keyless.status == "unverified" and keyless.kind == "sigstore" and "network" in keyless.detail
