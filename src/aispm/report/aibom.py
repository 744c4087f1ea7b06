"""The AI bill of materials: a scan's AI inventory as CycloneDX 1.6 (JSON or XML).

Built with cyclonedx-python-lib.  What goes in:

* models (``model``) and model files (``model_artifact``) as ``machine-learning-model``
  components — model files with their sha256, licence and, in JSON, a ``modelCard`` from their
  provenance (task, architecture, datasets, base model ...);
* datasets (``dataset`` assets and the datasets model cards name) as ``data`` components;
* AI services, model endpoints and remote MCP servers as ``services``;
* AI dependencies (``package`` assets with ``ai``) as ``library`` components with their purl, and
  AI frameworks found in code without a manifest entry as ``library`` components;
* agents and repositories as ``application`` components;
* the ``dependencies`` graph from the inventory's relationships, where an edge from a source
  file is attributed to the repository that contains it.

cyclonedx-python-lib 11 does not model ``modelCard`` or component ``data`` yet (both are TODOs in
its source), so the JSON output adds them to the serialised document by ``bom-ref``; the XML
output carries the same facts as ``aispm:*`` properties only.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from typing import Any
from urllib.parse import unquote

from cyclonedx.model import HashAlgorithm, HashType, Property, XsUri
from cyclonedx.model.bom import Bom
from cyclonedx.model.component import Component, ComponentType
from cyclonedx.model.contact import OrganizationalEntity
from cyclonedx.model.dependency import Dependable
from cyclonedx.model.license import DisjunctiveLicense, LicenseExpression
from cyclonedx.model.service import Service
from cyclonedx.output import make_outputter
from cyclonedx.output.json import JsonV1Dot6
from cyclonedx.schema import OutputFormat, SchemaVersion
from packageurl import PackageURL

import aispm
from aispm.core.ids import urn
from aispm.core.model import Asset, AssetKind, RelationKind, ScanResult

BOM_FORMATS = ("cyclonedx-json", "cyclonedx-xml")
_PURL_PREFIX = "urn:aispm:package:package:"
_SERVICE_KINDS = (AssetKind.AI_SERVICE, AssetKind.MODEL_ENDPOINT)
_CARD_PROPERTIES = (
    "base_model",
    "library_name",
    "hub_repo",
    "revision",
    "name_or_path",
    "transformers_version",
    "model_card",
)


def render_bom(result: ScanResult, fmt: str = "cyclonedx-json") -> str:
    """The AI-BOM of a scan in ``cyclonedx-json`` or ``cyclonedx-xml``."""
    if fmt not in BOM_FORMATS:
        raise ValueError(f"unknown BOM format {fmt!r}; use one of: {', '.join(BOM_FORMATS)}")
    builder = _Builder(result)
    bom = builder.build()
    if fmt == "cyclonedx-xml":
        return (
            str(make_outputter(bom, OutputFormat.XML, SchemaVersion.V1_6).output_as_string(indent=2)) + "\n"
        )
    document = json.loads(JsonV1Dot6(bom).output_as_string())
    _add_model_cards(document, builder.model_cards, builder.dataset_data)
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


class _Builder:
    """Turns one scan's inventory into a :class:`Bom` (plus the JSON-only additions)."""

    def __init__(self, result: ScanResult) -> None:
        self.result = result
        self.inventory = result.inventory
        self.nodes: dict[str, Dependable] = {}
        """bom-ref (asset id) -> component or service in the BOM."""
        self.model_cards: dict[str, dict[str, Any]] = {}
        self.dataset_data: dict[str, dict[str, Any]] = {}
        self.extra_edges: list[tuple[str, str]] = []
        """Model file -> dataset named by its model card."""
        self.bom = Bom()

    def build(self) -> Bom:
        tool = Component(name="aispm", type=ComponentType.APPLICATION, version=aispm.__version__)
        self.bom.metadata.tools.components.add(tool)
        self.bom.metadata.component = Component(
            name=self.result.target or "aispm scan",
            type=ComponentType.APPLICATION,
            bom_ref=urn("bom", "scan", self.result.scan_id or self.result.target),
            properties=[Property(name="aispm:scan_id", value=self.result.scan_id or "")],
        )
        for asset in sorted(self.inventory.assets, key=lambda a: (a.kind.value, a.id)):
            self._add(asset)
        self._dependencies()
        return self.bom

    # -- nodes -------------------------------------------------------------------------------------

    def _add(self, asset: Asset) -> None:
        kind = asset.kind
        if kind in (AssetKind.MODEL, AssetKind.MODEL_ARTIFACT):
            self._component(asset, self._model(asset))
        elif kind is AssetKind.DATASET:
            self._dataset(asset.id, asset.name, _props(asset))
        elif kind in _SERVICE_KINDS or (kind is AssetKind.MCP_SERVER and asset.properties.get("url")):
            self._service(asset)
        elif kind is AssetKind.PACKAGE and asset.properties.get("ai"):
            self._component(asset, self._package(asset))
        elif kind is AssetKind.AI_FRAMEWORK:
            self._component(asset, _library(asset, asset.name, None, None))
        elif kind in (AssetKind.AGENT, AssetKind.REPOSITORY, AssetKind.MCP_SERVER):
            self._component(
                asset,
                Component(
                    name=asset.name,
                    type=ComponentType.APPLICATION,
                    bom_ref=asset.id,
                    properties=_props(asset),
                ),
            )

    def _component(self, asset: Asset, component: Component) -> None:
        self.bom.components.add(component)
        self.nodes[asset.id] = component

    def _model(self, asset: Asset) -> Component:
        props = asset.properties
        provenance = props.get("provenance") if isinstance(props.get("provenance"), dict) else {}
        assert isinstance(provenance, dict)
        hashes = []
        sha = props.get("sha256")
        if isinstance(sha, str) and len(sha) == 64:
            hashes.append(HashType(alg=HashAlgorithm.SHA_256, content=sha))
        version = props.get("revision") or provenance.get("revision")
        purl = _hub_purl(asset, provenance)
        license_ = provenance.get("license")
        component = Component(
            name=asset.name,
            type=ComponentType.MACHINE_LEARNING_MODEL,
            bom_ref=asset.id,
            group=_organisation(props.get("provider")) if asset.kind is AssetKind.MODEL else None,
            version=str(version) if version else None,
            hashes=hashes,
            licenses=[_license(license_)] if isinstance(license_, str) and license_ else None,
            purl=purl,
            properties=_props(asset) + _card_props(provenance),
        )
        if asset.kind is AssetKind.MODEL_ARTIFACT:
            self.model_cards[asset.id] = self._model_card(asset.id, provenance)
        return component

    def _model_card(self, ref: str, provenance: Mapping[str, Any]) -> dict[str, Any]:
        parameters: dict[str, Any] = {}
        if provenance.get("pipeline_tag"):
            parameters["task"] = str(provenance["pipeline_tag"])
        if provenance.get("model_type"):
            parameters["architectureFamily"] = str(provenance["model_type"])
        architectures = provenance.get("architectures") or []
        if architectures:
            parameters["modelArchitecture"] = str(architectures[0])
        datasets = []
        for name in provenance.get("datasets") or []:
            data_ref = urn("dataset", "dataset", "huggingface", str(name))
            self._dataset(data_ref, str(name), [Property(name="aispm:source", value="model card")])
            datasets.append({"ref": data_ref})
            self.extra_edges.append((ref, data_ref))
        if datasets:
            parameters["datasets"] = datasets
        card: dict[str, Any] = {"bom-ref": f"{ref}#model-card"}
        if parameters:
            card["modelParameters"] = parameters
        card_props = [{"name": p.name, "value": p.value} for p in _card_props(provenance)]
        if card_props:
            card["properties"] = card_props
        return card

    def _dataset(self, ref: str, name: str, properties: list[Property]) -> None:
        if ref in self.nodes:
            return
        component = Component(name=name, type=ComponentType.DATA, bom_ref=ref, properties=properties)
        self.bom.components.add(component)
        self.nodes[ref] = component
        self.dataset_data[ref] = {"type": "dataset", "name": name}

    def _service(self, asset: Asset) -> None:
        props = asset.properties
        url = props.get("url")
        vendor = _organisation(props.get("vendor")) or _organisation(asset.provider)
        service = Service(
            name=asset.name,
            bom_ref=asset.id,
            provider=OrganizationalEntity(name=str(vendor)) if vendor else None,
            endpoints=[XsUri(str(url))] if isinstance(url, str) and url else None,
            properties=_props(asset),
        )
        self.bom.services.add(service)
        self.nodes[asset.id] = service

    def _package(self, asset: Asset) -> Component:
        props = asset.properties
        purl_text = unquote(asset.id.removeprefix(_PURL_PREFIX)) if asset.id.startswith(_PURL_PREFIX) else ""
        try:
            purl = PackageURL.from_string(purl_text) if purl_text else None
        except ValueError:
            purl = None
        name = str(props.get("name") or asset.name)
        version = props.get("version")
        return _library(asset, name, str(version) if version else None, purl)

    # -- dependencies ------------------------------------------------------------------------------

    def _owner(self, asset_id: str) -> str | None:
        """The BOM node an edge from ``asset_id`` belongs to: itself, or the repository holding
        the source file it comes from."""
        if asset_id in self.nodes:
            return asset_id
        for rel in self.inventory.incoming(asset_id, RelationKind.CONTAINS):
            if rel.source in self.nodes:
                return rel.source
        return None

    def _dependencies(self) -> None:
        edges: dict[str, set[str]] = {}
        for rel in self.inventory.relationships:
            owner = self._owner(rel.source)
            if owner is None or rel.target not in self.nodes or owner == rel.target:
                continue
            edges.setdefault(owner, set()).add(rel.target)
        for source, target in self.extra_edges:
            edges.setdefault(source, set()).add(target)
        for source in sorted(edges):
            self.bom.register_dependency(self.nodes[source], [self.nodes[t] for t in sorted(edges[source])])
        reached = {t for targets in edges.values() for t in targets}
        tops = [self.nodes[ref] for ref in sorted(self.nodes) if ref not in reached]
        root = self.bom.metadata.component
        if root is not None:
            self.bom.register_dependency(root, tops)  # the scan holds what nothing else does


def _library(asset: Asset, name: str, version: str | None, purl: PackageURL | None) -> Component:
    return Component(
        name=name,
        type=ComponentType.LIBRARY,
        bom_ref=asset.id,
        version=version,
        purl=purl,
        properties=_props(asset),
    )


def _hub_purl(asset: Asset, provenance: Mapping[str, Any]) -> PackageURL | None:
    """``pkg:huggingface/org/name@revision`` for hub models with a known repository."""
    props = asset.properties
    repo = provenance.get("hub_repo")
    revision = provenance.get("revision")
    if asset.kind is AssetKind.MODEL and str(props.get("provider")) == "huggingface":
        repo, revision = props.get("model"), props.get("revision")
    if not isinstance(repo, str) or "/" not in repo:
        return None
    namespace, _, name = repo.partition("/")
    return PackageURL(
        type="huggingface", namespace=namespace, name=name, version=str(revision) if revision else None
    )


def _license(text: str) -> DisjunctiveLicense | LicenseExpression:
    if " " in text and any(op in text for op in (" AND ", " OR ", " WITH ")):
        return LicenseExpression(text)
    return DisjunctiveLicense(name=text)


_NO_ORGANISATION = frozenset({"", "local", "unknown"})
"""Providers that name no organisation: run locally, or an SDK discovery could not tell."""

_SKIPPED_PROPERTIES = frozenset({"scan", "provenance", "calls", "vulnerabilities", "secrets", "env_keys"})

_REPEATED_PROPERTIES = {"from_env_vars": "from_env"}
"""List properties written as one ``aispm:<name>`` property per entry (CycloneDX allows a name
more than once): the environment variables a model's name or an endpoint's URL is read from."""


def _organisation(provider: object) -> str | None:
    """The organisation a provider slug names, else ``None`` (local, unknown or missing)."""
    text = str(provider or "")
    return None if text.lower() in _NO_ORGANISATION else text


def _props(asset: Asset) -> list[Property]:
    """Scalar properties of the asset as ``aispm:*`` properties (bulky and secret-bearing ones
    left out; the scan report has them), plus the entries of the lists in
    :data:`_REPEATED_PROPERTIES`."""
    out = [Property(name="aispm:kind", value=asset.kind.value)]
    if asset.location is not None and str(asset.location):
        out.append(Property(name="aispm:location", value=str(asset.location)))
    for key, value in sorted(asset.properties.items()):
        repeated = _REPEATED_PROPERTIES.get(key)
        if repeated is not None and isinstance(value, list):
            out.extend(Property(name=f"aispm:{repeated}", value=str(v)) for v in value if v)
            continue
        if key in _SKIPPED_PROPERTIES or isinstance(value, dict | list) or value is None:
            continue
        out.append(Property(name=f"aispm:{key}", value=str(value)))
    scan = asset.properties.get("scan")
    if isinstance(scan, dict) and scan.get("verdict"):
        out.append(Property(name="aispm:scan_verdict", value=str(scan["verdict"])))
    return out


def _card_props(provenance: Mapping[str, Any]) -> list[Property]:
    out = []
    for key in _CARD_PROPERTIES:
        value = provenance.get(key)
        values = value if isinstance(value, list) else [value]
        for item in values:
            if isinstance(item, str | int) and str(item):
                out.append(Property(name=f"aispm:{key}", value=str(item)))
    signature = provenance.get("signature")
    if isinstance(signature, dict) and signature.get("status"):
        out.append(Property(name="aispm:signature", value=str(signature["status"])))
    return out


def _add_model_cards(
    document: dict[str, Any], cards: Mapping[str, dict[str, Any]], data: Mapping[str, dict[str, Any]]
) -> None:
    """Add ``modelCard`` and ``data`` to the serialised components, by bom-ref."""
    for component in _walk_components(document.get("components") or []):
        ref = str(component.get("bom-ref") or "")
        if ref in cards:
            component["modelCard"] = cards[ref]
        if ref in data:
            component["data"] = [data[ref]]


def _walk_components(components: Iterable[Any]) -> Iterator[dict[str, Any]]:
    for component in components:
        if isinstance(component, dict):
            yield component
            yield from _walk_components(component.get("components") or [])


__all__ = ["BOM_FORMATS", "render_bom"]
