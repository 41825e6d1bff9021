"""`--shard K/N`: a deterministic share of a run's claims and benchmarks.

The run's selection (the claims and benchmarks it would run unsharded) becomes one sorted list
of ids, `bench:<name>` and `claim:<id>`; item i goes to shard (i mod N) + 1. Round-robin over a
sorted list rather than a hash of each id: the shards partition the work exactly and their
sizes differ by one at most, and because each kind is contiguous in the sorted list, every shard
gets its share of the (slow) benchmarks too. Every shard must be given the same selection
(--claims, --bench); the selection's digest is recorded with the shard so that `merge` can tell
shards of one run from shards of different ones.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass


class ShardError(ValueError):
    pass


@dataclass(frozen=True)
class Shard:
    index: int  # 1-based
    count: int


def parse(text: str) -> Shard:
    m = re.fullmatch(r"\s*(\d+)\s*/\s*(\d+)\s*", text or "")
    if not m or not 1 <= int(m[1]) <= int(m[2]):
        raise ShardError(f"--shard {text!r} is not a shard; accepted: K/N with 1 <= K <= N (e.g. 2/3)")
    return Shard(int(m[1]), int(m[2]))


def items(claim_ids: list[str], bench_names: list[str]) -> list[str]:
    return sorted([f"claim:{c}" for c in claim_ids] + [f"bench:{b}" for b in bench_names])


def select(shard: Shard, claim_ids: list[str], bench_names: list[str]) -> tuple[list[str], list[str], dict]:
    """(claim ids, benchmark names) of this shard, each in the order given, and the record
    results.json keeps under "shard"."""
    every = items(claim_ids, bench_names)
    mine = {x for i, x in enumerate(every) if i % shard.count == shard.index - 1}
    record = {"index": shard.index, "count": shard.count, "items": sorted(mine),
              "selection": hashlib.sha256("\n".join(every).encode()).hexdigest()[:16],
              # the unsharded run's order, which `merge` restores
              "order": {"claims": list(claim_ids), "bench": list(bench_names)}}
    return ([c for c in claim_ids if f"claim:{c}" in mine],
            [b for b in bench_names if f"bench:{b}" in mine], record)
