"""The shared work plan: what every backend's scenario does, decided by one seed, and the digests
that prove two backends did the same work.

Design
------
A verdict that differs between backends must come from the runtimes, not from the programs. So
every choice a scenario makes (which op a worker does next, which key it reads, which slot it
writes) comes from SplitMix64 seeded from the catalogue, computed the same way in C
(native/scenarios/plan.h), Go (impls/golang/src/plan.go) and Python (this module, which the
Python backends import). Op arrays are built before the timed section.

Each scenario listed in ``DIGESTS`` returns, besides its observables:

* ``plan_digest``: a digest of the work done, one ``term(seed, w, i, v)`` per unit of work
  (worker or trial ``w``, op or unit ``i``, outcome ``v``), added modulo 2**64. Addition makes it
  independent of the order in which workers ran, so it is deterministic under any scheduler.
* ``state_digest``: a digest of the final state where that is deterministic (counters, tables
  written by commutative increments, sums).

Digests are 16 lowercase hex digits. ``python -m suite parity`` runs each scenario small on every
backend and compares the digests with each other and with ``expected()`` below, the reference:
a backend that agrees did the same work as the spec says. ``trace`` (rw scenarios) returns the
first ops of each worker as ``R<key>``/``W<key>`` strings for a side-by-side diff.

The rules per scenario are in ``expected()``; a backend author reads them there. Everything a
scenario needs to know (workers, table size, read-section length, op mix, seed, warm-up) is a
param of the catalogue (suite/scenarios.py), never a constant of a backend.
"""

from __future__ import annotations

from typing import Any, Callable

MASK = (1 << 64) - 1
GOLDEN = 0x9E3779B97F4A7C15
READ, WRITE = 0, 1


def mix(x: int) -> int:
    """SplitMix64: one step of the generator from state x (Vigna's finaliser of x + golden)."""
    z = (x + GOLDEN) & MASK
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
    return z ^ (z >> 31)


def draw(seed: int, w: int, i: int) -> int:
    """The random word of op i of worker w (w < 2**24, i < 2**40)."""
    return mix((seed ^ (w << 40) ^ i) & MASK)


def term(seed: int, w: int, i: int, v: int) -> int:
    """One unit of work's contribution to a digest: worker/trial w, op/unit i, outcome v."""
    return mix(draw(seed, w, i) ^ (v & MASK))


def hexd(x: int) -> str:
    return f"{x & MASK:016x}"


def total(terms: Any) -> str:
    """Order-independent combination: the sum modulo 2**64, as hex."""
    acc = 0
    for t in terms:
        acc = (acc + t) & MASK
    return hexd(acc)


# ---- the op plans shared by the rw scenarios ---------------------------------------------------

def ops_each(total_ops: int, workers: int) -> int:
    """Ops per worker: the total rounded up to a multiple of workers."""
    return -(-total_ops // workers)


def rw_op(seed: int, w: int, i: int, read_pct: int, keys: int) -> tuple[int, int]:
    """rw_vs_mutex: (READ or WRITE, key). A read when r % 100 < read_pct."""
    r = draw(seed, w, i)
    return (READ if r % 100 < read_pct else WRITE), (r >> 32) % keys


def writer_op(seed: int, w: int, i: int, write_pct: int, slots: int) -> tuple[int, int]:
    """rw_writer_exclusive: (READ or WRITE, slot). A write when r % 100 < write_pct."""
    r = draw(seed, w, i)
    return (WRITE if r % 100 < write_pct else READ), (r >> 32) % slots


def plan_ops(op: Callable[..., tuple[int, int]], seed: int, w: int, n: int, pct: int,
             keys: int) -> list[tuple[int, int]]:
    """Worker w's op array, built before the timed section."""
    return [op(seed, w, i, pct, keys) for i in range(n)]


def read_section(table: list[int], key: int, chain: int) -> int:
    """rw_vs_mutex's read: `chain` dependent loads over the table, starting at key."""
    h, size = key, len(table)
    for k in range(chain):
        h = (h * 31 + table[(h + k) % size]) & MASK
    return h


def trace_of(ops: list[tuple[int, int]], k: int) -> list[str]:
    return [("R" if kind == READ else "W") + str(key) for kind, key in ops[:k]]


def table_digest(seed: int, table: list[int]) -> str:
    return total(term(seed, 0, j, v) for j, v in enumerate(table))


def seq_digest(seed: int, count: int, w: int = 0, v: int = 0) -> str:
    """Units 0..count-1 of worker w each done once with outcome v (spawn, waitgroup)."""
    return total(term(seed, w, i, v) for i in range(count))


# ---- the reference: what every backend must return ---------------------------------------------

# The plan-driven scenarios: the op rule, which params give the total ops, the rule's percent
# and the key count, and the table's start (rw_vs_mutex's words start at their index,
# rw_writer_exclusive's slot counters at 0). Writes add 1 to their key.
OP_PLANS: dict[str, tuple[Callable[..., tuple[int, int]], str, str, str, Callable[[int], list[int]]]] = {
    "rw_vs_mutex": (rw_op, "n", "read_pct", "table", lambda keys: list(range(keys))),
    "rw_writer_exclusive": (writer_op, "ops", "write_pct", "slots", lambda keys: [0] * keys),
}


def worker_plans(scenario: str, p: dict[str, Any], k: int | None = None) -> list[list[tuple[int, int]]]:
    """Each worker's op array of a plan-driven scenario (its first k ops if k is given)."""
    op, total_key, pct_key, keys_key, _ = OP_PLANS[scenario]
    each = ops_each(p[total_key], p["workers"]) if k is None else k
    return [plan_ops(op, p["seed"], w, each, p[pct_key], p[keys_key]) for w in range(p["workers"])]


def _op_plan(scenario: str, p: dict[str, Any]) -> dict[str, str]:
    seed, table = p["seed"], OP_PLANS[scenario][4](p[OP_PLANS[scenario][3]])
    plan = []
    for w, ops in enumerate(worker_plans(scenario, p)):
        for i, (kind, key) in enumerate(ops):
            plan.append(term(seed, w, i, kind << 32 | key))
            if kind == WRITE:
                table[key] += 1
    return {"plan_digest": total(plan), "state_digest": table_digest(seed, table)}


def _per_trial_units(p: dict[str, Any], units_key: str, v: int) -> str:
    return total(term(p["seed"], t, u, v) for t in range(p["trials"]) for u in range(p[units_key]))


def _counter_trials(p: dict[str, Any], units_key: str, final: int) -> str:
    return total(term(p["seed"], t, p[units_key], final) for t in range(p["trials"]))


def _pool(p: dict[str, Any]) -> dict[str, str]:
    jobs, seed = p["jobs"], p["seed"]
    squares = [j * j for j in range(1, jobs + 1)]
    return {"plan_digest": total(term(seed, 0, 0, r) for r in squares),
            "state_digest": hexd(term(seed, 0, 1, sum(squares)))}


def echo_message(seed: int, c: int, r: int, size: int) -> bytes:
    """echo_rtt: message r of client c, `size` bytes of draw(seed, c, r) little-endian, repeated."""
    word = draw(seed, c, r).to_bytes(8, "little")
    return (word * (size // 8 + 1))[:size]


def _skynet_total(leaves: int) -> int:
    return leaves * (leaves - 1) // 2


EXPECTED: dict[str, Callable[[dict[str, Any]], dict[str, str]]] = {
    # op plans from draw(): every op, key and slot; the table/slot counts are the state
    "rw_vs_mutex": lambda p: _op_plan("rw_vs_mutex", p),
    "rw_writer_exclusive": lambda p: _op_plan("rw_writer_exclusive", p),
    # unit u of trial t adds term(seed, t, u, increments) once it is done (under its lock, or
    # atomically); the final counter of each trial is term(seed, t, units, counter)
    "mutex_counter": lambda p: {
        "plan_digest": _per_trial_units(p, "units", p["increments"]),
        "state_digest": _counter_trials(p, "units", p["units"] * p["increments"])},
    "atomic_counter": lambda p: {
        "plan_digest": _per_trial_units(p, "units", 1),
        "state_digest": _counter_trials(p, "units", p["units"])},
    # racy: each unit stores its term in a slot of its own (the digest itself never races)
    "racy_counter": lambda p: {"plan_digest": _per_trial_units(p, "units", p["increments"])},
    # the CAS-loop counter, then the same counter after a CAS with the stale old value units-1
    "atomic_cas": lambda p: {"state_digest": total(
        [term(p["seed"], 0, 0, p["units"]), term(p["seed"], 0, 1, p["units"])])},
    # single-counter benchmarks: the counter after the timed section (the warm-up excluded)
    "mutex_uncontended": lambda p: {"state_digest": hexd(term(p["seed"], 0, 0, p["n"]))},
    "atomic_add": lambda p: {"state_digest": hexd(term(p["seed"], 0, 0, p["n"]))},
    "once": lambda p: {"state_digest": hexd(term(p["seed"], 0, 0, 1))},  # init ran once
    # contended: unit u does n // units Lock/++/Unlock and adds term(seed, 0, u, n // units)
    "mutex_contended": lambda p: {
        "plan_digest": total(term(p["seed"], 0, u, p["n"] // p["units"]) for u in range(p["units"])),
        "state_digest": hexd(term(p["seed"], 0, 0, p["n"] // p["units"] * p["units"]))},
    # counters k = 0 mutex (n), 1 atomic (n), 2 contended mutex, 3 contended atomic (2 units of
    # n // 2 each)
    "atomic_vs_mutex": lambda p: {"state_digest": total(
        term(p["seed"], 0, k, c) for k, c in enumerate(
            [p["n"], p["n"], p["n"] // 2 * 2, p["n"] // 2 * 2]))},
    # Once: caller c of trial t adds term(seed, t, c, 1) after Do; init count per trial
    "once_runs_once": lambda p: {
        "plan_digest": _per_trial_units(p, "callers", 1),
        "state_digest": _counter_trials(p, "callers", 1)},
    "once_waits": lambda p: {
        "plan_digest": _per_trial_units(p, "callers", 1),
        "state_digest": _counter_trials(p, "callers", 1)},
    # pools: the consumer adds term(seed, 0, 0, result) per result; the total as state
    "pool_result": _pool,
    "pool_bounded": _pool,
    "worker_pool": lambda p: {"state_digest": hexd(term(
        p["seed"], 0, 1, sum(j * j for j in range(1, p["jobs"] + 1))))},
    "skynet": lambda p: {"state_digest": hexd(term(p["seed"], 0, 0, _skynet_total(p["leaves"])))},
    # ping-pong: the server returns ball + 1, so after n // 2 rounds the client holds n // 2
    "pingpong_chan": lambda p: {"state_digest": hexd(term(p["seed"], 0, 0, p["n"] // 2))},
    # yield ping-pong: each side counts its n // 2 turns
    "pingpong_yield": lambda p: {"state_digest": total(
        [term(p["seed"], 0, 0, p["n"] // 2), term(p["seed"], 0, 1, p["n"] // 2)])},
    # WaitGroup: right after Wait, worker w of trial t counts term(seed, t, w, 1) if its flag
    # is set (0 otherwise): an early return shows in the digest
    "wg_waits_all": lambda p: {"plan_digest": _per_trial_units(p, "n", 1)},
    "wg_add_before": lambda p: {"plan_digest": _per_trial_units(p, "n", 1)},
    # Add inside: counted once every worker has finished (not at Wait's return)
    "wg_add_inside": lambda p: {"plan_digest": _per_trial_units(p, "n", 1)},
    # the three units of each trial, from the ids they appended
    "completion_order": lambda p: {"plan_digest": total(
        term(p["seed"], t, u, 1) for t in range(p["trials"]) for u in range(3))},
    # the two units of each trial that finished within the bound
    "consistent_order": lambda p: {"plan_digest": total(
        term(p["seed"], t, u, 1) for t in range(p["trials"]) for u in range(2))},
    # spawners: units 0..n-1 spawned and waited for (counted by the spawner, after timing)
    "spawn": lambda p: {"plan_digest": seq_digest(p["seed"], p["n"])},
    "waitgroup": lambda p: {"plan_digest": seq_digest(p["seed"], p["n"])},
    "spawn_empty_wait": lambda p: {"plan_digest": seq_digest(p["seed"], p["n"])},
    # client c's round trip r carries draw(seed, c, r); the outcome is msg_bytes when the whole
    # reply matched, else 0 (so the digest proves which round trips came back right)
    "echo_rtt": lambda p: {"plan_digest": total(
        term(p["seed"], c, r, p["msg_bytes"]) for c in range(p["conns"]) for r in range(p["rounds"]))},
}
DIGESTS = tuple(EXPECTED)


def expected(scenario: str, params: dict[str, Any]) -> dict[str, str]:
    """The digests the spec requires for a scenario at validated params."""
    return EXPECTED[scenario](params)
