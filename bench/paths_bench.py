"""Attack-path speed: an inventory with N relationships (default 1,000,000), graph build time,
path-analysis time and peak memory.

    .venv/bin/python bench/paths_bench.py                      # 1,000,000 relationships
    .venv/bin/python bench/paths_bench.py --relationships 100000
    taskset -c 0,1 .venv/bin/python bench/paths_bench.py       # on 2 cores

The estate is a synthetic multi-account AWS + repository + agent inventory: per unit a function
URL exposing a Lambda that runs as a role, reads and writes buckets and invokes an endpoint, a
Terraform file deploying the Lambda, roles assuming roles, training jobs reading buckets and
agents with tools (10 relationships per unit).  2 % of function URLs are public, 1 % of roles
are admin-like (a finding of AISPM-AWS-040), 2 % of buckets hold training data.
"""

from __future__ import annotations

import argparse
import random
import resource
import sys
import time

from aispm.core.ids import urn
from aispm.core.model import (
    Asset,
    AssetKind,
    Finding,
    Inventory,
    Location,
    RelationKind,
    Relationship,
    Severity,
)


def aws(rtype: str, kind: AssetKind, arn: str, name: str, **props: object) -> Asset:
    return Asset(
        urn("aws", rtype, arn),
        kind,
        name,
        "aws",
        Location(uri=arn),
        {"arn": arn, "resource_type": rtype, **props},
        source="aws",
    )


def generate(relationships: int, seed: int = 7) -> tuple[Inventory, list[Finding]]:
    """An inventory with exactly ``relationships`` relationships (10 per unit)."""
    rnd = random.Random(seed)
    units = relationships // 10
    n_roles, n_buckets, n_endpoints = max(units // 5, 2), max(units // 10, 2), max(units // 20, 2)
    inv = Inventory()
    findings: list[Finding] = []
    roles = [
        aws("iam:role", AssetKind.IDENTITY, f"arn:aws:iam::1:role/r{i}", f"r{i}") for i in range(n_roles)
    ]
    buckets = [
        aws("s3:bucket", AssetKind.DATA_STORE, f"arn:aws:s3:::b{i}", f"b{i}", pii=(i % 50 == 0))
        for i in range(n_buckets)
    ]
    endpoints = [
        aws("sagemaker:endpoint", AssetKind.MODEL_ENDPOINT, f"arn:aws:sagemaker:r:1:endpoint/e{i}", f"e{i}")
        for i in range(n_endpoints)
    ]
    for asset in (*roles, *buckets, *endpoints):
        inv.add(asset)
    for i, role in enumerate(roles):
        if i % 100 == 0:
            findings.append(Finding("AISPM-AWS-040", role.id, Severity.MEDIUM, "broad"))
    repo = urn("code", "repository", "r")
    inv.add(Asset(repo, AssetKind.REPOSITORY, "r", "local", source="code"))
    rel = inv.add_relationship
    for i in range(units):
        fn_arn = f"arn:aws:lambda:r:1:function:f{i}"
        url = aws(
            "lambda:function-url",
            AssetKind.MODEL_ENDPOINT,
            fn_arn + "/url",
            f"u{i}",
            AuthType="NONE" if i % 50 == 0 else "AWS_IAM",
        )
        fn = aws("lambda:function", AssetKind.WORKLOAD, fn_arn, f"f{i}", FunctionName=f"f{i}")
        tf = urn("code", "source_file", "r", f"infra/f{i}.tf")
        job = aws(
            "sagemaker:training-job", AssetKind.PIPELINE, f"arn:aws:sagemaker:r:1:training-job/j{i}", f"j{i}"
        )
        agent = urn("code", "agent", "r", f"a{i % max(units // 10, 1)}")
        tool = urn("code", "tool", "r", f"t{i}")
        inv.add(url)
        inv.add(fn)
        inv.add(job)
        inv.add(Asset(tf, AssetKind.SOURCE_FILE, f"f{i}.tf", "local", source="code"))
        inv.add(Asset(agent, AssetKind.AGENT, "agent", "local", source="code"))
        inv.add(
            Asset(
                tool,
                AssetKind.TOOL,
                f"t{i}",
                "local",
                properties={"capabilities": ["network"]},
                source="code",
            )
        )
        role = roles[rnd.randrange(n_roles)].id
        rel(Relationship(url.id, RelationKind.EXPOSES, fn.id))
        rel(Relationship(fn.id, RelationKind.RUNS_AS, role))
        rel(Relationship(fn.id, RelationKind.READS, buckets[rnd.randrange(n_buckets)].id))
        rel(Relationship(fn.id, RelationKind.WRITES, buckets[rnd.randrange(n_buckets)].id))
        rel(Relationship(fn.id, RelationKind.INVOKES, endpoints[rnd.randrange(n_endpoints)].id))
        rel(Relationship(tf, RelationKind.DEPLOYS, fn.id))
        rel(Relationship(repo, RelationKind.CONTAINS, tf))
        rel(Relationship(role, RelationKind.CAN_ASSUME, roles[(i * 7919 + 1) % n_roles].id))
        rel(Relationship(job.id, RelationKind.READS, buckets[i % n_buckets].id))
        rel(Relationship(agent, RelationKind.HAS_TOOL, tool))
        if i % 50 == 0:
            findings.append(Finding("AISPM-AWS-044", url.id, Severity.MEDIUM, "public"))
    return inv, findings


def peak_mb() -> float:
    """Peak resident memory of this process (ru_maxrss is KiB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--relationships", type=int, default=1_000_000)
    parser.add_argument("--max-depth", type=int, default=6)
    args = parser.parse_args(argv)

    from aispm.paths.access import who_can_reach
    from aispm.paths.blast import blast_radius
    from aispm.paths.graph import build_from_inventory
    from aispm.paths.search import find_paths

    t0 = time.perf_counter()
    inv, findings = generate(args.relationships)
    t1 = time.perf_counter()
    c1 = time.process_time()
    print(
        f"inventory: {len(inv):,} assets, {len(inv.relationships):,} relationships, "
        f"{len(findings):,} findings; generated in {t1 - t0:.1f} s; peak {peak_mb():,.0f} MB"
    )
    ag = build_from_inventory(inv, findings)
    t2 = time.perf_counter()
    print(
        f"graph build: {t2 - t1:.1f} s ({ag.graph.number_of_nodes():,} nodes, "
        f"{ag.graph.number_of_edges():,} edges incl. joins); peak {peak_mb():,.0f} MB"
    )
    paths = find_paths(ag, max_depth=args.max_depth)
    t3 = time.perf_counter()
    c3 = time.process_time()
    top = paths[0].score if paths else 0
    print(
        f"path analysis: {t3 - t2:.1f} s ({len(paths):,} paths, best score {top}); peak {peak_mb():,.0f} MB"
    )
    target = ag.node(urn("aws", "s3:bucket", "arn:aws:s3:::b0"))
    assert target is not None
    chains = who_can_reach(ag, target, max_depth=4)
    t4 = time.perf_counter()
    print(f"access (who can reach b0, depth 4): {t4 - t3:.1f} s ({len(chains):,} holders)")
    agents = blast_radius(ag, max_depth=3)
    t5 = time.perf_counter()
    print(f"agent blast radius: {t5 - t4:.1f} s ({len(agents):,} agents)")
    print(
        f"total build + paths: {t3 - t1:.1f} s wall, {c3 - c1:.1f} s CPU (goal < 30 s); "
        f"peak memory {peak_mb():,.0f} MB (goal < 4096 MB)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
