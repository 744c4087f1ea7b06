"""Where a model file comes from: model card, config, Hugging Face cache layout and signature.

Read from side files next to the model — never from the model itself, and nothing is executed:
the model card's YAML front matter goes through ``yaml.safe_load``, ``config.json`` through
``json.loads``, both with size bounds.  Signatures in the OpenSSF model-signing format (Sigstore
bundles, ``model.sig`` or ``<file>.sig``) are verified offline with the ``model-signing`` library
when the caller trusts a public key; without a key (or for keyless Sigstore signatures, whose
verification needs the network) the signature is reported as present but unverified.
"""

from __future__ import annotations

import errno
import json
import re
import stat
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any, NamedTuple

from aispm.data import load_yaml

_HF_COMMIT = re.compile(r"^[0-9a-f]{40}$")

SIGNATURE_ABSENT = "absent"
SIGNATURE_VERIFIED = "verified"
SIGNATURE_INVALID = "invalid"
SIGNATURE_UNVERIFIED = "unverified"


class _Config(NamedTuple):
    """``data/model_provenance.yaml``: the side files looked for and their size limits."""

    card_names: tuple[str, ...]
    config_names: tuple[str, ...]
    directory_signatures: tuple[str, ...]
    file_signature_suffix: str
    max_card: int
    max_config: int
    max_signature: int
    max_list: int


@cache
def _config() -> _Config:
    data: dict[str, Any] = load_yaml("model_provenance.yaml")
    return _Config(
        card_names=tuple(data["model_card_names"]),
        config_names=tuple(data["config_names"]),
        directory_signatures=tuple(data["directory_signature_names"]),
        file_signature_suffix=str(data["file_signature_suffix"]),
        max_card=int(data["max_card_bytes"]),
        max_config=int(data["max_config_bytes"]),
        max_signature=int(data["max_signature_bytes"]),
        max_list=int(data["max_list_entries"]),
    )


@cache
def _front_matter() -> re.Pattern[str]:
    """A model card's YAML front matter (compiled when the first card is read)."""
    return re.compile(r"\A\ufeff?---[ \t]*\r?\n(.*?)\r?\n---[ \t]*(\r?\n|\Z)", re.DOTALL)


@dataclass(frozen=True, slots=True)
class Signature:
    """A model-signing signature next to the model and what checking it showed."""

    status: str
    """``absent`` | ``verified`` | ``invalid`` | ``unverified`` (present, not checked)."""
    path: str | None = None
    """The signature file's name (relative to the model's folder)."""
    kind: str | None = None
    """``key`` (a public-key signature), ``certificate``, ``sigstore`` (keyless) or None."""
    detail: str = ""

    def to_json(self) -> dict[str, Any]:
        return {"status": self.status, "path": self.path, "kind": self.kind, "detail": self.detail}


@dataclass(frozen=True, slots=True)
class Provenance:
    """What side files and the path say about a model file's origin."""

    license: str | None = None
    base_model: tuple[str, ...] = ()
    datasets: tuple[str, ...] = ()
    library_name: str | None = None
    pipeline_tag: str | None = None
    hub_repo: str | None = None
    """``org/name`` on the Hugging Face Hub, from the cache layout or the config's _name_or_path."""
    revision: str | None = None
    """The commit of a Hugging Face cache snapshot."""
    name_or_path: str | None = None
    architectures: tuple[str, ...] = ()
    model_type: str | None = None
    transformers_version: str | None = None
    model_card: str | None = None
    """Name of the model card that was read, if any."""
    config: str | None = None
    signature: Signature = field(default_factory=lambda: Signature(SIGNATURE_ABSENT))
    notes: tuple[str, ...] = ()
    """Side files that could not be read, and why."""

    @property
    def source_known(self) -> bool:
        """Whether anything names where the model comes from."""
        return bool(self.model_card or self.hub_repo or self.base_model or self.name_or_path)

    def to_json(self) -> dict[str, Any]:
        return {
            "license": self.license,
            "base_model": list(self.base_model),
            "datasets": list(self.datasets),
            "library_name": self.library_name,
            "pipeline_tag": self.pipeline_tag,
            "hub_repo": self.hub_repo,
            "revision": self.revision,
            "name_or_path": self.name_or_path,
            "architectures": list(self.architectures),
            "model_type": self.model_type,
            "transformers_version": self.transformers_version,
            "model_card": self.model_card,
            "config": self.config,
            "signature": self.signature.to_json(),
            "source_known": self.source_known,
            "notes": list(self.notes),
        }


class SideFiles:
    """The model card and config of each folder, read once for all the model files in it (one
    instance per scan: a later scan reads them again)."""

    def __init__(self) -> None:
        self._folders: dict[Path, _Sides] = {}
        self._signatures: dict[Path, tuple[Path, Path] | None] = {}

    def of(self, folder: Path) -> _Sides:
        sides = self._folders.get(folder)
        if sides is None:
            sides = self._folders[folder] = _read_sides(folder)
        return sides

    def folder_signature(self, folder: Path) -> tuple[Path, Path] | None:
        if folder not in self._signatures:
            self._signatures[folder] = _folder_signature(folder)
        return self._signatures[folder]


class _Sides:
    """What a folder's model card and config say (the same for every model file in it)."""

    __slots__ = ("facts", "hub_repo", "notes")

    def __init__(self, facts: dict[str, Any], hub_repo: str | None, notes: tuple[str, ...]) -> None:
        self.facts = facts
        """The :class:`Provenance` fields that come from the card and config alone."""
        self.hub_repo = hub_repo
        """The config's ``_name_or_path`` when it names a Hub repository."""
        self.notes = notes


def _read_sides(folder: Path) -> _Sides:
    notes: list[str] = []
    card, card_name = _model_card(folder, notes)
    config, config_name = _model_config(folder, notes)
    name_or_path = _text(config.get("_name_or_path"))
    limit = _config().max_list
    facts = {
        "license": _license(card.get("license"), card.get("license_name")),
        "base_model": _texts(card.get("base_model"), limit),
        "datasets": _texts(card.get("datasets"), limit),
        "library_name": _text(card.get("library_name")),
        "pipeline_tag": _text(card.get("pipeline_tag")),
        "name_or_path": name_or_path,
        "architectures": _texts(config.get("architectures"), limit),
        "model_type": _text(config.get("model_type")),
        "transformers_version": _text(config.get("transformers_version")),
        "model_card": card_name,
        "config": config_name,
    }
    hub_repo = name_or_path if name_or_path and _looks_like_hub_id(name_or_path) else None
    return _Sides(facts, hub_repo, tuple(notes))


def read_provenance(
    model: Path, *, trusted_keys: Sequence[Path] = (), side_files: SideFiles | None = None
) -> Provenance:
    """Provenance of the model file (or model directory) ``model`` from the files beside it.

    ``trusted_keys`` are PEM public keys a model-signing signature is verified against;
    ``side_files`` shares the reading of model cards and configs between the files of a folder.
    """
    kind = _kind(model)
    folder = model if kind == "dir" else model.parent
    sides = side_files.of(folder) if side_files is not None else _read_sides(folder)
    hub_repo, revision = hf_cache_origin(model)
    return Provenance(
        **sides.facts,
        hub_repo=hub_repo if hub_repo is not None else sides.hub_repo,
        revision=revision,
        signature=_check_signature(model, kind, trusted_keys, side_files),
        notes=sides.notes,
    )


def hf_cache_origin(path: Path) -> tuple[str | None, str | None]:
    """``(org/name, commit)`` when ``path`` lies in a Hugging Face cache snapshot
    (``models--org--name/snapshots/<commit>/...``), else ``(None, None)``."""
    parts = path.parts
    for index, part in enumerate(parts[:-2]):
        if not part.startswith("models--") or parts[index + 1] != "snapshots":
            continue
        repo = part.removeprefix("models--").replace("--", "/")
        commit = parts[index + 2]
        return repo or None, commit if _HF_COMMIT.match(commit) else None
    return None, None


# -- model card and config ------------------------------------------------------------------------


def _model_card(folder: Path, notes: list[str]) -> tuple[dict[str, Any], str | None]:
    for name in _config().card_names:
        text = _side_text(folder / name, _config().max_card, notes)
        if text is None:
            continue
        match = _front_matter().match(text)
        if match is None:
            return {}, name  # a card without metadata still documents the model
        import yaml  # only for a card with front matter

        try:
            data = yaml.safe_load(match.group(1))
        except yaml.YAMLError as exc:
            notes.append(f"{name}: front matter is not valid YAML ({_first_line(exc)})")
            return {}, name
        return (data if isinstance(data, dict) else {}), name
    return {}, None


def _model_config(folder: Path, notes: list[str]) -> tuple[dict[str, Any], str | None]:
    for name in _config().config_names:
        text = _side_text(folder / name, _config().max_config, notes)
        if text is None:
            continue
        try:
            data = json.loads(text)
        except (ValueError, RecursionError) as exc:
            notes.append(f"{name}: not valid JSON ({_first_line(exc)})")
            return {}, None
        return (data if isinstance(data, dict) else {}), name
    return {}, None


def _side_text(path: Path, limit: int, notes: list[str]) -> str | None:
    """The text of a regular side file, or None when absent, too large or unreadable."""
    try:
        if path.is_symlink() and not path.resolve().is_relative_to(path.parent.resolve()):
            notes.append(f"{path.name}: symlink out of the model folder, not read")
            return None
        if not path.is_file():
            return None
        size = path.stat().st_size
        if size > limit:
            notes.append(f"{path.name}: {size:,} bytes, larger than the {limit:,}-byte limit, not read")
            return None
        return path.read_bytes().decode("utf-8", errors="replace")
    except OSError as exc:
        notes.append(f"{path.name}: cannot read ({exc.strerror or exc})")
        return None


def _license(value: object, name: object) -> str | None:
    text = _text(value)
    if text and text.lower() == "other" and _text(name):
        return f"other:{_text(name)}"
    return text


def _text(value: object) -> str | None:
    if isinstance(value, str | int | float) and not isinstance(value, bool):
        text = str(value).strip()
        return text[:200] or None
    return None


def _texts(value: object, limit: int) -> tuple[str, ...]:
    items = value if isinstance(value, list) else [value]
    out = [t for t in (_text(item) for item in items[:limit]) if t]
    return tuple(dict.fromkeys(out))


def _looks_like_hub_id(text: str) -> bool:
    return re.fullmatch(r"[A-Za-z0-9][\w.-]*/[\w.-]+", text) is not None and not text.startswith((".", "/"))


def _first_line(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


# -- signatures ------------------------------------------------------------------------------------


def _find_signature(model: Path, kind: str | None, side_files: SideFiles | None) -> tuple[Path, Path] | None:
    """``(signature file, signed path)`` of ``model`` (whose :func:`_kind` is ``kind``): ``<file>.sig``
    signs the file, ``model.sig`` its folder.  ``side_files`` remembers each folder's signature for
    the other files in it."""
    if kind == "file":
        own = model.with_name(model.name + _config().file_signature_suffix)
        if own.is_file():
            return own, model
    folder = model if kind == "dir" else model.parent
    if side_files is not None:
        return side_files.folder_signature(folder)
    return _folder_signature(folder)


def _kind(path: Path) -> str | None:
    """``file``, ``dir`` or None, from one ``stat`` (errors as ``Path.is_file``/``is_dir`` treat
    them: a missing path is neither, other errors are raised)."""
    try:
        mode = path.stat().st_mode
    except OSError as exc:
        if exc.errno not in (errno.ENOENT, errno.ENOTDIR, errno.EBADF, errno.ELOOP):
            raise
        return None
    except ValueError:
        return None
    return "file" if stat.S_ISREG(mode) else "dir" if stat.S_ISDIR(mode) else None


def _folder_signature(folder: Path) -> tuple[Path, Path] | None:
    for name in _config().directory_signatures:
        if (folder / name).is_file():
            return folder / name, folder
    return None


def check_signature(model: Path, trusted_keys: Sequence[Path] = ()) -> Signature:
    """Find the signature of ``model`` and verify it against each trusted public key."""
    return _check_signature(model, _kind(model), trusted_keys, None)


def _check_signature(
    model: Path, kind: str | None, trusted_keys: Sequence[Path], side_files: SideFiles | None
) -> Signature:
    found = _find_signature(model, kind, side_files)
    if found is None:
        return Signature(SIGNATURE_ABSENT)
    sig_path, signed = found
    name = sig_path.name
    try:
        size = sig_path.stat().st_size
        if size > _config().max_signature:
            return Signature(SIGNATURE_INVALID, name, None, f"signature file is {size:,} bytes: not a bundle")
        bundle = json.loads(sig_path.read_bytes())
    except (OSError, ValueError, RecursionError) as exc:
        return Signature(SIGNATURE_INVALID, name, None, f"not a readable Sigstore bundle: {_first_line(exc)}")
    kind = _bundle_kind(bundle)
    if kind is None:
        return Signature(SIGNATURE_INVALID, name, None, "not a Sigstore bundle (no verificationMaterial)")
    if kind == "sigstore":
        return Signature(
            SIGNATURE_UNVERIFIED,
            name,
            kind,
            "keyless Sigstore signature: verifying it needs the signer's identity and the Sigstore "
            "trust root (network); check with `model_signing verify sigstore`",
        )
    if not trusted_keys:
        return Signature(
            SIGNATURE_UNVERIFIED, name, kind, "no trusted public key given (--signing-key), not verified"
        )
    if kind == "certificate":
        return Signature(
            SIGNATURE_UNVERIFIED,
            name,
            kind,
            "certificate signatures need the CA chain; verify with model_signing",
        )
    failures = []
    for key in trusted_keys:
        error = _verify_with_key(signed, sig_path, key)
        if error is None:
            return Signature(SIGNATURE_VERIFIED, name, kind, f"verified with {key.name}")
        failures.append(f"{key.name}: {error}")
    return Signature(SIGNATURE_INVALID, name, kind, "; ".join(failures)[:1000])


def _bundle_kind(bundle: object) -> str | None:
    if not isinstance(bundle, dict):
        return None
    material = bundle.get("verificationMaterial")
    if not isinstance(material, dict):
        return None
    if "publicKey" in material:
        return "key"
    if material.get("tlogEntries"):
        return "sigstore"
    if "certificate" in material or "x509CertificateChain" in material:
        return "certificate"
    return None


def _verify_with_key(signed: Path, sig_path: Path, key: Path) -> str | None:
    """None when the signature over ``signed`` verifies with ``key``, else why not."""
    import model_signing  # heavy (sigstore, cryptography): only when a signature is present

    ignored = [sig_path.relative_to(signed)] if signed.is_dir() else []
    try:
        hashing = model_signing.hashing.Config().set_ignored_paths(  # type: ignore[no-untyped-call]
            paths=ignored, ignore_git_paths=True
        )
        verifier = model_signing.verifying.Config()  # type: ignore[no-untyped-call]
        verifier.use_elliptic_key_verifier(public_key=key).set_hashing_config(hashing).verify(
            signed, sig_path
        )
    except Exception as exc:  # the library raises ValueError and crypto errors alike
        return _first_line(exc)[:400]
    return None
