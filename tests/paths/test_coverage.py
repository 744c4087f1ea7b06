"""Path search covers every entry point within a bounded budget, and matches brute force."""

from __future__ import annotations

import heapq
import math
import random
from collections import defaultdict

import pytest

from aispm.core.ids import urn
from aispm.core.model import Asset, AssetKind, Inventory, Location, RelationKind
from aispm.paths.graph import AttackGraph, build_from_inventory
from aispm.paths.rules import marks
from aispm.paths.search import find_paths
from aispm.paths.traverse import Mover, level_of


def url_estate(entries: int, datasets: int) -> AttackGraph:
    """``entries`` public function URLs, each reaching one knowledge base in three steps, and one
    hub URL reaching every knowledge base in two (so the hub is the nearest entry of all)."""
    inv = Inventory()

    def add(kind: AssetKind, name: str, rtype: str = "", **props: object) -> str:
        asset_id = urn("aws", kind.value, name)
        properties = {"resource_type": rtype, **props} if rtype else dict(props)
        inv.add(Asset(asset_id, kind, name, "aws", Location(uri=name), properties, source="aws"))
        return asset_id

    kbs = [add(AssetKind.DATASET, f"kb{i}") for i in range(datasets)]
    hub = add(AssetKind.MODEL_ENDPOINT, "hub-url", "lambda:function-url", AuthType="NONE")
    hub_fn = add(AssetKind.WORKLOAD, "hub-fn")
    inv.relate(hub, RelationKind.EXPOSES, hub_fn)
    for kb in kbs:
        inv.relate(hub_fn, RelationKind.READS, kb)
    for i in range(entries):
        url = add(AssetKind.MODEL_ENDPOINT, f"url{i}", "lambda:function-url", AuthType="NONE")
        fn = add(AssetKind.WORKLOAD, f"fn{i}")
        endpoint = add(AssetKind.MODEL_ENDPOINT, f"ep{i}")
        inv.relate(url, RelationKind.EXPOSES, fn)
        inv.relate(fn, RelationKind.INVOKES, endpoint)
        inv.relate(endpoint, RelationKind.READS, kbs[i % datasets])
    return build_from_inventory(inv)


def test_every_entry_point_gets_a_path_beyond_fifty() -> None:
    ag = url_estate(entries=120, datasets=7)
    paths = find_paths(ag)
    entries, jewels = marks(ag)
    assert len(entries) == 121 and len(jewels) == 7
    assert {p.entry.node for p in paths} == set(entries)
    # each knowledge base: the hub first, then the others that reach it (3 steps: 1 x 0.8 x 0.8)
    for kb in jewels:
        scores = sorted((p.score for p in paths if p.jewel.node == kb), reverse=True)
        assert scores[0] == round(0.8 * 7, 3) and set(scores[1:]) == {round(0.8 * 0.8 * 7, 3)}


def test_budget_per_jewel_and_global_cap() -> None:
    ag = url_estate(entries=120, datasets=3)
    paths = find_paths(ag, per_jewel=2)
    entries, jewels = marks(ag)
    # forward: at most 2 entry points per jewel and level; backward: one path per entry point
    assert len(paths) <= 2 * 3 * len(jewels) + len(entries)
    capped = find_paths(ag, per_jewel=2, max_paths=10)
    assert [p.score for p in capped] == [p.score for p in paths[:10]]
    assert len(find_paths(ag, limit=5)) == 5


def test_max_depth_still_bounds_paths() -> None:
    ag = url_estate(entries=60, datasets=4)
    paths = find_paths(ag, max_depth=2)
    assert paths and all(len(p.steps) <= 2 for p in paths)
    assert {ag.assets[p.entry.node].name for p in paths} == {"hub-url"}


def random_estate(seed: int) -> AttackGraph:
    """A random estate of leaked keys (some read-only), repositories, files, workloads, roles,
    endpoints, datasets and model files joined by random relationships."""
    rnd = random.Random(seed)
    inv = Inventory()
    ids: dict[AssetKind, list[str]] = defaultdict(list)
    plan = {
        AssetKind.SECRET: 8,
        AssetKind.REPOSITORY: 3,
        AssetKind.SOURCE_FILE: 10,
        AssetKind.WORKLOAD: 8,
        AssetKind.IDENTITY: 6,
        AssetKind.MODEL_ENDPOINT: 5,
        AssetKind.DATASET: 6,
        AssetKind.MODEL_ARTIFACT: 6,
    }
    for kind, count in plan.items():
        for i in range(count):
            asset_id = urn("t", kind.value, str(i))
            props: dict[str, object] = {}
            if kind == AssetKind.SECRET:
                props = {"provider": "github", "access": rnd.choice(["read", "change", "change"])}
            inv.add(Asset(asset_id, kind, f"{kind.value}{i}", "local", properties=props, source="code"))
            ids[kind].append(asset_id)
    wiring = [
        (AssetKind.REPOSITORY, RelationKind.CONTAINS, AssetKind.SOURCE_FILE),
        (AssetKind.REPOSITORY, RelationKind.CONTAINS, AssetKind.MODEL_ARTIFACT),
        (AssetKind.SOURCE_FILE, RelationKind.CONTAINS, AssetKind.SECRET),
        (AssetKind.SOURCE_FILE, RelationKind.DEPLOYS, AssetKind.WORKLOAD),
        (AssetKind.SOURCE_FILE, RelationKind.LOADS, AssetKind.MODEL_ARTIFACT),
        (AssetKind.WORKLOAD, RelationKind.RUNS_AS, AssetKind.IDENTITY),
        (AssetKind.WORKLOAD, RelationKind.READS, AssetKind.DATASET),
        (AssetKind.WORKLOAD, RelationKind.WRITES, AssetKind.DATASET),
        (AssetKind.WORKLOAD, RelationKind.INVOKES, AssetKind.MODEL_ENDPOINT),
        (AssetKind.IDENTITY, RelationKind.CAN_ASSUME, AssetKind.IDENTITY),
        (AssetKind.MODEL_ENDPOINT, RelationKind.READS, AssetKind.DATASET),
        (AssetKind.WORKLOAD, RelationKind.STORES, AssetKind.MODEL_ARTIFACT),
    ]
    for _ in range(70):
        src_kind, rel, dst_kind = rnd.choice(wiring)
        src, dst = rnd.choice(ids[src_kind]), rnd.choice(ids[dst_kind])
        if src != dst:
            inv.relate(src, rel, dst)
    return build_from_inventory(inv)


def brute_force(ag: AttackGraph) -> dict[tuple[int, int], float]:
    """(entry point, crown jewel) -> best score, one unbounded Dijkstra per entry point."""
    entries, jewels = marks(ag)
    mover = Mover(ag)
    best: dict[tuple[int, int], float] = {}
    for entry, mark in entries.items():
        start = (entry, mover.held(entry, level_of(mark.access)))
        dist = {start: -math.log(mark.weight)}
        heap = [(dist[start], start)]
        while heap:
            cost, (node, held) = heapq.heappop(heap)
            if cost > dist[(node, held)]:
                continue
            if node in jewels and node != entry:
                score = math.exp(-cost) * jewels[node].weight
                best[(entry, node)] = max(best.get((entry, node), 0.0), score)
            for nxt, _, ease, _, level in mover.forward(node, held):
                state = (nxt, mover.held(nxt, level))
                if cost - math.log(ease) < dist.get(state, math.inf) - 1e-12:
                    dist[state] = cost - math.log(ease)
                    heapq.heappush(heap, (dist[state], state))
    return best


@pytest.mark.parametrize("seed", range(12))
def test_matches_brute_force(seed: int) -> None:
    ag = random_estate(seed)
    k = 2
    truth = brute_force(ag)
    paths = find_paths(ag, max_depth=100, per_jewel=k, max_paths=None)
    got: dict[tuple[int, int], float] = {}
    for p in paths:
        key = (p.entry.node, p.jewel.node)
        got[key] = max(got.get(key, 0.0), p.ease * p.jewel.weight)
    assert set(got) <= set(truth)
    for key, score in got.items():
        assert score <= truth[key] + 1e-9
    entries, jewels = marks(ag)
    # every entry point: its best crown jewel
    for entry in entries:
        want = max((s for (e, _), s in truth.items() if e == entry), default=None)
        have = max((s for (e, _), s in got.items() if e == entry), default=None)
        assert (want is None) == (have is None)
        if want is not None and have is not None:
            assert math.isclose(want, have)
    # every crown jewel: its k easiest entry points
    for jewel in jewels:
        want_k = sorted((s for (_, j), s in truth.items() if j == jewel), reverse=True)[:k]
        have_k = sorted((s for (_, j), s in got.items() if j == jewel), reverse=True)[:k]
        assert len(want_k) == len(have_k)
        assert all(math.isclose(a, b) for a, b in zip(want_k, have_k, strict=True))
