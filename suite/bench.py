"""Benchmarks: the timing scenarios repeated by pyperf in worker processes, plus parked memory.

One name per workload, the same on every backend (Go's benchmark naming: BenchmarkSpawn).
For each (benchmark, backend) the orchestrator starts ``python -m suite.bench_worker``, which
hands the timing to pyperf: pyperf spawns its own worker processes, calibrates loops, and
records values (seconds per op, measured with the backend's own clock). Only if that fails is
the scenario run once through the runner, whose bounded worker says n/a / error / timeout.
Slow runtimes get smaller sizes (``by_kind``); the size used is in every record and in the
report.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from statistics import median
from typing import Any, Callable

from suite import runner

KIND_SLOW = ("os-thread", "coroutine", "greenlet")  # Python runtimes: spawn is µs, not ns


@dataclass(frozen=True)
class Bench:
    name: str  # "Spawn" -> BenchmarkSpawn
    scenario: str
    params: dict[str, Any]
    ops: str | None  # the param counting the ops of one call (inner loops); None = one op per call
    unit: str = "ns/op"
    # a second param the ops are multiplied by (Echo: ops = conns*rounds round trips). pyperf's
    # inner loops take `ops` alone (bench_worker), so _pyperf divides its values by this one
    ops_times: str | None = None
    # observables of a fresh process's call kept beside the timing (Echo: bytes_per_conn)
    extra: tuple[str, ...] = ()
    seconds_key: str = "seconds"  # which observable is the timed section
    by_kind: dict[str, dict[str, Any]] = field(default_factory=dict)
    doc: str = ""

    @property
    def full_name(self) -> str:
        return f"Benchmark{self.name}"

    def params_for(self, kind: str) -> dict[str, Any]:
        return {**self.params, **self.by_kind.get(kind, {})}

    def inner_loops(self, params: dict[str, Any]) -> int:
        """Ops in one call (pyperf's inner loops): the `ops` param, times `ops_times` if set."""
        n = params[self.ops] if self.ops else 1
        return n * params[self.ops_times] if self.ops_times else n


def _slow(**p: Any) -> dict[str, dict[str, Any]]:
    return {k: p for k in KIND_SLOW}


BENCHMARKS: tuple[Bench, ...] = (
    Bench("Spawn", "spawn", {"n": 1_000_000, "procs": 2}, "n", by_kind=_slow(n=5_000),
          doc="spawn + run an empty unit + complete, ns per unit"),
    Bench("Yield", "pingpong_yield", {"n": 1_000_000}, "n", by_kind=_slow(n=20_000),
          doc="two units yielding to each other at one processor, ns per switch"),
    Bench("ChanPingPong", "pingpong_chan", {"n": 1_000_000}, "n", by_kind=_slow(n=20_000),
          doc="one-way message over an unbuffered channel (or nearest equivalent), ns"),
    Bench("MutexUncontended", "mutex_uncontended", {"n": 2_000_000}, "n", by_kind=_slow(n=200_000),
          doc="Lock+Unlock by one unit, ns per pair"),
    Bench("MutexContended", "mutex_contended", {"n": 1_000_000, "units": 2, "procs": 2}, "n",
          by_kind=_slow(n=100_000, units=2, procs=2), doc="two units at 2 Ps hammering one Mutex, ns per Lock+Unlock"),
    Bench("AtomicAdd", "atomic_add", {"n": 2_000_000}, "n", by_kind=_slow(n=200_000),
          doc="atomic add by one unit, ns per add"),
    Bench("RWMutexReadHeavy", "rw_vs_mutex", {"n": 200_000, "read_pct": 95, "procs": 2, "rw": 1}, "n",
          by_kind=_slow(n=10_000, read_pct=95, procs=2, rw=1),
          doc="the plan's ops, 95% reads of 256 dependent loads, under RWMutex, ns per op"),
    Bench("WaitGroup", "waitgroup", {"n": 100_000}, "n", by_kind=_slow(n=2_000),
          doc="fan-out/fan-in of 100k units with a WaitGroup, ns per unit"),
    # 20M: 5 ms a call at Go's 0.24 ns, where 2M made pyperf start 128 Go processes per value
    Bench("Once", "once", {"n": 20_000_000}, "n", by_kind=_slow(n=200_000),
          doc="once.Do after the first call (fast path), ns per call"),
    Bench("WorkerPool", "worker_pool", {"workers": 8, "jobs": 100_000}, "jobs", by_kind=_slow(workers=8, jobs=20_000),
          doc="8 workers squaring 100k jobs through channels, ns per job"),
    Bench("Skynet", "skynet", {"leaves": 1_000_000}, None, unit="ms/op",
          by_kind={**_slow(leaves=10_000), "os-thread": {"leaves": 1_000},
                   "virtual-thread": {"leaves": 100_000}},  # 1M: ~13 s a call on the JVM
          doc="skynet: 1M leaves, 10 children per level summed through channels, ms per tree"),
    # BenchmarkEcho: 5,000 loopback round trips of 64 bytes per call at every c, the same sizes
    # on every kind (a round trip costs tens of µs everywhere); ns per round trip
    *(Bench(f"Echo{c}", "echo_rtt", {"conns": c, "rounds": 5_000 // c, "msg_bytes": 64}, "rounds",
            ops_times="conns", extra=("bytes_per_conn",),
            doc=f"{c} client units each doing request/response round trips of 64 bytes with their "
                f"own server unit over loopback TCP, all at once; ns per round trip")
      for c in (1, 100, 1000)),
)
MEMORY = "ParkedMemory"
MEMORY_SIZES = (10_000, 100_000, 1_000_000)
BY_NAME = {b.name: b for b in BENCHMARKS}
ALL_NAMES = [b.name for b in BENCHMARKS] + [MEMORY]

# pyperf sampling per mode: processes x values (+1 warm-up each). "default" is tox -e bench's,
# 4 values a benchmark so that eight backends fit the main job in 12 minutes on 2 cores (see
# README); "rigorous" is pyperf's own --rigorous.
MODES = {"fast": ["--processes", "3", "--values", "2", "--min-time", "0.05"],
         "default": ["--processes", "2", "--values", "2", "--min-time", "0.05"],
         "rigorous": ["--rigorous"]}
PYPERF_TIMEOUT_S = 600  # one benchmark on one backend, all its pyperf processes
INHERIT = ["GOROSUITE_BACKENDS", "PYTHONPATH", "XDG_CACHE_HOME", "GOCACHE", "GOMAXPROCS", "CC",
           "VIRTUAL_ENV", "LD_LIBRARY_PATH"]


class UnknownBench(ValueError):
    pass


def select(names: list[str] | None) -> list[str]:
    if not names:
        return list(ALL_NAMES)
    out = []
    for n in names:
        short = n.removeprefix("Benchmark")
        if short not in ALL_NAMES:
            raise UnknownBench(f"unknown benchmark {n!r}; accepted: {', '.join(ALL_NAMES)}")
        out.append(short)
    return out


def command(backend: str, name: str, mode: str) -> str:
    flag = {"fast": " --fast", "rigorous": " --rigorous"}.get(mode, "")
    return f"python -m suite run --claims none --backends {backend} --bench {name}{flag}"


def _pyperf(b: Bench, backend: str, kind: str, mode: str, out: Path,
            loops: int | None = None) -> dict[str, Any]:
    """pyperf's values for one benchmark on one backend. The first call of pyperf's first worker
    process is a fresh process's call, as a probe would be: its observables give the `extra`
    figures, so nothing runs twice. Only when pyperf fails does the runner run the scenario once
    more, for the status and message a scenario run gives (n/a, error, timeout)."""
    import pyperf
    from pyperf._cli import format_checks

    path = out / "pyperf" / f"{b.full_name}-{backend}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.unlink(missing_ok=True)
    first = path.with_name(f".{path.stem}.first-call.json")
    first.unlink(missing_ok=True)
    inherit = ",".join(v for v in INHERIT if v in os.environ)
    # one process per call (`loops` set): a first value is as cold as any other, so pyperf's
    # warm-up value would be a call thrown away
    per_call = ["--loops", str(loops), "--warmups", "0"] if loops else []
    cmd = [sys.executable, "-m", "suite.bench_worker", "--bench", b.name, "--backend", backend,
           "--kind", kind, "--first-call", str(first), *MODES[mode], *per_call,
           "--quiet", "-o", str(path)]
    if inherit:
        cmd.append(f"--inherit-environ={inherit}")
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=PYPERF_TIMEOUT_S,
                              stdin=subprocess.DEVNULL)
        failed = proc.returncode != 0 or not path.exists()
    except subprocess.TimeoutExpired:
        proc, failed = None, True
    try:
        observables = json.loads(first.read_text()) if first.exists() else {}
    finally:
        first.unlink(missing_ok=True)
    if failed:
        probe = runner.run_scenario(backend, b.scenario, b.params_for(kind), timeout=600)
        if probe.status != "ok":
            return {"status": probe.status, "message": probe.message}
        if proc is None:
            return {"status": "timeout", "message": f"pyperf did not finish within {PYPERF_TIMEOUT_S} s"}
        tail = " | ".join((proc.stderr or proc.stdout).strip().splitlines()[-3:])
        return {"status": "error", "message": f"pyperf worker failed ({proc.returncode}): {tail}"}
    bench = pyperf.Benchmark.load(str(path))
    scale = 1e3 if b.unit == "ms/op" else 1e9
    values = [v * scale for v in bench.get_values()]
    return {"status": "ok", "values": [round(v, 3) for v in values], "median": round(median(values), 3),
            "stdev": round(bench.stdev() * scale, 3) if len(values) > 1 else 0.0, "n": len(values),
            "warnings": [w.lstrip("* ").strip() for w in format_checks(bench) if w.startswith("* ")],
            "pyperf_json": str(path.relative_to(out)), **({"pyperf_args_extra": per_call} if per_call else {}),
            **({"extra": {k: observables.get(k) for k in b.extra}} if b.extra else {})}


def _memory(backend: str, mode: str, progress: Callable[[str], None],
            shared: runner.SharedRuns) -> dict[str, Any]:
    # default: one sample a size; at 100k and 1M it is the claims' run of the same program
    # (SharedRuns). Two samples at 100k differed by < 0.5% on every backend but java-virtual,
    # whose heap-held stacks moved 2.4% (36% at 10k): `--rigorous` takes three
    repeats = 3 if mode == "rigorous" else 1
    series, failed = [], None
    for n in MEMORY_SIZES:
        if failed:
            series.append({"n": n, "status": "skipped", "message": f"not attempted: failed at n={failed}"})
            continue
        vals, last, reused = [], None, []
        for i in range(repeats if n < 1_000_000 else 1):
            # the claims' runs of `parked` at 100k and 1M are this benchmark's first samples there
            res, by = shared.run(backend, "parked", {"n": n}, 600, by=f"Benchmark{MEMORY}", nth=i)
            last = res
            reused.append(by)
            if res.status != "ok":
                break
            o = res.observables or {}
            if o.get("error") or o.get("reached", 0) < n:
                break
            vals.append(o["rss_per_unit"])
        o = (last.observables or {}) if last else {}
        entry = {"n": n, "status": last.status if last else "error", "values": [round(v, 1) for v in vals]}
        if any(reused):
            entry["reused_from"] = reused
        if vals and len(vals) == (repeats if n < 1_000_000 else 1):
            entry.update(median=round(median(vals), 1))
        else:
            failed = n
            entry.update(status="failed" if last and last.status == "ok" else entry["status"],
                         reached=o.get("reached"), message=o.get("error") or (last.message if last else None))
        series.append(entry)
        progress(f"      {backend:<9} parked n={n:>9,}: {entry.get('median', entry.get('message'))}")
    done = [s for s in series if "median" in s]
    if not done:
        return {"status": "error", "message": series[0].get("message"), "series": series}
    top = done[-1]
    return {"status": "ok", "median": top["median"], "values": top["values"], "n": len(top["values"]),
            "at_n": top["n"], "series": series, "stdev": 0.0, "warnings": []}


def run(names: list[str], backends: list[str], mode: str, out: Path,
        progress: Callable[[str], None], records: list[dict] | None = None,
        shared: runner.SharedRuns | None = None) -> tuple[list[dict], dict]:
    """Every benchmark on every backend; records are appended to `records` as they finish (an
    interrupted run keeps what it measured); `shared` holds the claims' measurements of this run."""
    usable, info = runner.available_backends(backends)
    records = [] if records is None else records
    shared = shared if shared is not None else runner.SharedRuns()
    for name in names:
        for be in backends:
            if be not in usable:
                records.append({"name": f"Benchmark{name}", "backend": be, "status": "n/a",
                                "message": f"backend unavailable: {info[be]['reason']}"})
                continue
            kind = usable[be].kind
            rec: dict[str, Any] = {"name": f"Benchmark{name}", "backend": be, "command": command(be, name, mode)}
            if name == MEMORY:
                rec.update(unit="B/unit", params={"sizes": list(MEMORY_SIZES)}, **_memory(be, mode, progress, shared))
            else:
                b = BY_NAME[name]
                rec.update(unit=b.unit, params=b.params_for(kind))
                # a backend whose every call starts a process that dwarfs a short timed section
                # (a JVM: ~0.3 s) says so with `bench_loops`: pyperf would otherwise calibrate
                # many calls per value and time mostly process starts
                rec.update(_pyperf(b, be, kind, mode, out, getattr(usable[be], "bench_loops", None)))
            records.append(rec)
            shown = f"{rec['median']:,.1f} {rec['unit']}" if rec.get("status") == "ok" else \
                f"{rec['status']}: {(rec.get('message') or '')[:80]}"
            progress(f"[bench] Benchmark{name:<18} {be:<9} {shown}")
    return records, meta_of(mode)


def meta_of(mode: str) -> dict[str, Any]:
    return {"mode": mode, "pyperf_args": MODES[mode]}


def text_export(records: list[dict]) -> str:
    """Go benchmark format, one line per value: `benchstat -col /backend bench.txt` reads it."""
    lines = []
    for r in records:
        if r.get("status") != "ok":
            continue
        for v in r["values"]:
            lines.append(f"{r['name']}/backend={r['backend']} 1 {v} {r['unit']}")
    return "\n".join(lines) + "\n"


def load(path: str | Path) -> dict:
    return json.loads(Path(path).read_text())
