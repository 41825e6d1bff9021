"""Run claims on backends: each scenario in its own worker process, bounded by a timeout.

The runner is the only place that starts scenario processes; the CLI, the pytest tests and the
benchmarks all come through here, so "what ran, with which params, how long, what it said" is
recorded the same way everywhere.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass, field
from typing import Any, Callable

from suite import backend as backends
from suite.claims import Claim, Run, Samples
from suite.scenarios import CPUS_ENV, cpus
from suite.worker import MARK


@dataclass
class RunResult:
    status: str  # ok, n/a, error, timeout
    observables: dict[str, Any] | None = None
    message: str | None = None
    params: dict[str, Any] = field(default_factory=dict)
    seconds: float = 0.0
    interference: float | None = None  # share of the machine's CPUs other processes used


# Verdicts under load. A timing verdict, or one that needs units running at once on different
# CPUs (a lost update), is only as good as the machine was quiet: while a scenario runs, the
# runner counts the CPU time every other process took (the machine's busy time from /proc/stat
# minus the worker's own, from its rusage) as a share of all CPUs. Above LOAD_LIMIT the
# measurement is repeated; if the machine stays busy the claim is `inconclusive` with the share
# as its reason, never a verdict the load produced.
LOAD_LIMIT = 0.15
LOAD_RETRIES = 2


def _machine_busy_s() -> float | None:
    try:
        with open("/proc/stat") as f:
            v = [int(x) for x in f.readline().split()[1:9]]
    except (OSError, ValueError):
        return None
    user, nice, system, _idle, _iowait, irq, softirq, steal = v
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


def _children_cpu_s() -> float:
    import resource

    ru = resource.getrusage(resource.RUSAGE_CHILDREN)  # reaped workers and their children
    return ru.ru_utime + ru.ru_stime


class LoadMeter:
    """Others' CPU share of the machine between start and share()."""

    def __init__(self) -> None:
        self.t0, self.busy0, self.own0 = time.monotonic(), _machine_busy_s(), _children_cpu_s()

    def share(self) -> float | None:
        wall, busy = time.monotonic() - self.t0, _machine_busy_s()
        if busy is None or self.busy0 is None or wall < 0.05:
            return None  # too short to read: /proc/stat counts in 10 ms ticks
        others = (busy - self.busy0) - (_children_cpu_s() - self.own0)
        return max(0.0, others) / (wall * (os.cpu_count() or 1))


def run_scenario(backend: str, scenario: str, params: dict[str, Any], timeout: float) -> RunResult:
    """One scenario in a fresh `python -m suite.worker` process; never blocks past timeout."""
    cmd = [sys.executable, "-m", "suite.worker", backend, scenario, json.dumps(params)]
    env = {**os.environ, CPUS_ENV: str(cpus())}  # one CPU count for every backend
    t0 = time.monotonic()
    load = LoadMeter()
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout,
                              stdin=subprocess.DEVNULL, env=env)
    except subprocess.TimeoutExpired:
        return RunResult("timeout", message=f"{scenario} did not finish within {timeout:.0f} s",
                         params=params, seconds=time.monotonic() - t0)
    took = time.monotonic() - t0
    share = load.share()
    tail = " | ".join((proc.stderr.strip().splitlines() or ["(nothing on stderr)"])[-3:])
    if proc.returncode < 0:  # killed: a crash inside native code, the OOM killer, a user's kill
        sig = _signal_name(-proc.returncode)
        return RunResult("error", message=f"worker killed by {sig}: {tail}", params=params,
                         seconds=took)
    for line in reversed(proc.stdout.splitlines()):
        if line.startswith(MARK):
            try:
                res = json.loads(line[len(MARK):])
                return RunResult(res["status"], res.get("observables"), res.get("message"),
                                 res.get("params", params), took, share)
            except (ValueError, KeyError, TypeError) as e:
                return RunResult("error", message=f"worker printed a malformed result line "
                                 f"({type(e).__name__}: {e}): {line[:120]!r}", params=params,
                                 seconds=took)
    return RunResult("error", message=f"worker exited with status {proc.returncode} and no "
                     f"result line: {tail}", params=params, seconds=took)


def _signal_name(num: int) -> str:
    import signal

    try:
        return signal.Signals(num).name
    except ValueError:
        return f"signal {num}"


def claim_command(backend: str, claim_id: str) -> str:
    return f"python -m suite run --backends {backend} --claims {claim_id}"


def expectation(b: Any, claim_id: str, reference: str | None = None) -> tuple[str, str]:
    """A backend's declared verdict for a claim. A claim judged against a fallback reference
    (not the first of its ``references``) looks up ``"<claim id>@<reference>"`` first: the
    verdict against CPython's threads need not be the verdict against a Java thread pool."""
    table = getattr(b, "expectations", {})
    exp = table.get(f"{claim_id}@{reference}") if reference else None
    exp = exp or table.get(claim_id)
    return (exp.verdict, exp.reason) if exp else ("holds", "")


class SharedRuns:
    """The measurements one `python -m suite run` shares between the claims and benchmarks that
    ask for the same thing.

    Four claims read the RSS of 100,000 parked units on each backend (stack.initial-size,
    scale.hundreds-of-thousands, scale.thread-thousands, memory.100k-goroutines), the
    ParkedMemory benchmark reads it again at 100k and 1M, and server.memory-tenth's reference is
    the Java thread-pool server's own run of that claim. The same program with the same params on
    the same backend is one measurement: it runs once, and each later use records which claim or
    benchmark measured it (`reused_from`). The n-th repetition of a request is its own
    measurement (`nth`), so a benchmark's second sample is never its first again. Timing runs are
    never shared (`evaluate` passes them by), nor the runs of a claim that needs parallel
    execution: such a claim re-measures under load and its samples must be its own. With
    `claim_runs=False` only references are shared (the claim tests: each measures its own claim).
    """

    def __init__(self, available: dict[str, Any] | None = None, claim_runs: bool = True):
        self.available = available or {}
        self.claim_runs = claim_runs
        self._done: dict[tuple[str, str, str, int], tuple[RunResult, str]] = {}

    def run(self, backend: str, scenario: str, params: dict[str, Any], timeout: float, *,
            by: str, nth: int = 0) -> tuple[RunResult, str | None]:
        """The result, and the claim or benchmark that measured it first (None: measured now)."""
        key = (backend, scenario, json.dumps(params, sort_keys=True, default=str), nth)
        if key in self._done:
            return self._done[key]
        res = run_scenario(backend, scenario, params, timeout)
        self._done[key] = (res, by)  # a failure too: the same program would fail the same way
        return res, None

    def reference(self, name: str, run: Run, params: dict, timeout: float, by: str) -> RunResult | None:
        if name not in self.available:
            return None
        return self.run(name, run.scenario, params, timeout, by=by)[0]


def evaluate(claim: Claim, name: str, b: Any, *, quick: bool = False,
             shared: SharedRuns | None = None, timeout: float | None = None) -> dict[str, Any]:
    """Run every scenario of one claim on one backend and apply the claim's check; a claim that
    needs a quiet machine (timing, or parallel execution) measured while other processes took
    more than LOAD_LIMIT of the machine is measured again, and is `inconclusive` if the machine
    never went quiet."""
    record = _evaluate_once(claim, name, b, quick=quick, shared=shared, timeout=timeout)
    if not claim.needs_quiet_machine:
        return record
    for attempt in range(LOAD_RETRIES + 1):
        busiest = max((r.get("interference") or 0.0 for r in record["runs"]), default=0.0)
        if busiest <= LOAD_LIMIT or record["observed"] in ("error", "timeout", "n/a"):
            if attempt:
                record["remeasured_under_load"] = attempt
            return record
        if attempt < LOAD_RETRIES:
            record = _evaluate_once(claim, name, b, quick=quick, shared=shared, timeout=timeout)
    record["evidence"] = {
        "reason": f"other processes used {busiest:.0%} of the CPUs while it was measured "
                  f"(limit {LOAD_LIMIT:.0%}), in {LOAD_RETRIES + 1} attempts: the machine was "
                  "busy, so no verdict",
        "verdict_under_load": record["observed"], **(record.get("evidence") or {})}
    record["observed"] = "inconclusive"
    return record


def _evaluate_once(claim: Claim, name: str, b: Any, *, quick: bool = False,
                   shared: SharedRuns | None = None, timeout: float | None = None) -> dict[str, Any]:
    limit = min(claim.timeout, timeout) if timeout else claim.timeout
    expected, reason = expectation(b, claim.id)
    record: dict[str, Any] = {"id": claim.id, "backend": name, "subject": claim.subject,
                              "section": claim.section, "statement": claim.statement,
                              "criterion": claim.observable,
                              "expected": expected, "expected_reason": reason or None,
                              "command": claim_command(name, claim.id), "runs": []}
    observed: dict[str, Any] = {}
    for run in claim.runs:
        params = dict(run.params)
        if quick and run.quick_params:
            params = dict(run.quick_params)
        samples: dict[str, list[dict]] = {}
        # The suite owns repetition: the same plan for every backend, variants alternated
        # A/B/A/B so a drift of the machine falls on both sides of a ratio alike.
        for rep, (variant, over) in run.schedule():
            reused_from = None
            if shared is not None and shared.claim_runs and not claim.needs_quiet_machine:
                res, reused_from = shared.run(name, run.scenario, {**params, **over}, limit,
                                              by=claim.id, nth=rep)
            else:
                res = run_scenario(name, run.scenario, {**params, **over}, limit)
            record["runs"].append({"key": run.key, "scenario": run.scenario, "params": res.params,
                                   **({"variant": variant, "rep": rep} if run.sampled else {}),
                                   **({"full_params": run.params} if params != run.params else {}),
                                   **({"reused_from": reused_from} if reused_from else {}),
                                   "status": res.status, "seconds": round(res.seconds, 3),
                                   **({"interference": round(res.interference, 3)}
                                      if res.interference is not None else {}),
                                   **({"message": res.message} if res.message else {})})
            if res.status != "ok":
                record.update(observed=res.status, evidence={"reason": res.message})
                return record
            samples.setdefault(variant, []).append(res.observables or {})
            for sub in (res.observables or {}).get("substitutions") or []:
                if sub not in record.setdefault("substitutions", []):
                    record["substitutions"].append(sub)
        observed[run.key] = Samples(samples) if run.sampled else samples[""][0]
    if claim.references and shared is not None:
        run = claim.runs[0]
        params = dict(run.quick_params if quick and run.quick_params else run.params)
        found = {}
        for ref_name in claim.references:  # in the claim's order: the first one is judged against
            res = shared.reference(ref_name, run, params, limit, by=claim.id)
            if res is not None and res.status == "ok":
                found[ref_name] = res.observables or {}
        if found:
            observed["refs"] = found
            record["reference"] = next(iter(found))
            if record["reference"] != claim.references[0]:  # a fallback: its own expectation
                exp, why = expectation(b, claim.id, record["reference"])
                record.update(expected=exp, expected_reason=why or None,
                              reference_fallback=f"{claim.references[0]} unavailable")
            if record["reference"] == name:  # the comparison point measured against itself
                record.update(observed="n/a", evidence={
                    "reason": f"{name} is this claim's reference (the article's comparison point): "
                              "the others are measured against it"})
                return record
    try:
        verdict, evidence = claim.check(observed)
    except Exception as e:  # a check that cannot read the observables is the backend's error
        verdict, evidence = "error", {"reason": f"check failed: {type(e).__name__}: {e}",
                                      "observables": observed}
    record.update(observed=verdict, evidence=evidence)
    return record


def available_backends(names: list[str]) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    """Load backends; return (usable ones, info for every one incl. the unavailable)."""
    usable, info = {}, {}
    for n in names:
        try:
            b = backends.load(n)
            ok = b.available()
        except backends.UnknownBackend:
            raise
        except Exception as e:  # a backend that cannot even load is unavailable, with the reason
            info[n] = {"kind": None, "available": False, "version": None, "reason": f"{type(e).__name__}: {e}"}
            continue
        version = None
        if ok is True:
            try:
                version = b.version()
            except Exception as e:
                version = f"unknown ({e})"
            usable[n] = b
        info[n] = {"kind": b.kind, "available": ok is True, "version": version,
                   "reason": None if ok is True else str(ok),
                   **({"note": b.note} if getattr(b, "note", None) else {})}
    return usable, info


def run_claims(claims: list[Claim], names: list[str], progress: Callable[[str], None] | None = None,
               quick: bool = False, records: list[dict] | None = None,
               timeout: float | None = None, shared: SharedRuns | None = None) -> tuple[dict, list[dict]]:
    """Every claim on every backend. Records are appended to `records` as they finish, so an
    interrupted run keeps what it measured; `timeout` caps every scenario run; `shared` is the
    run's store of measurements (one is made if none is given)."""
    usable, info = available_backends(names)
    if shared is None:
        shared = SharedRuns()
    # references may come from any backend, selected or not
    shared.available = {**available_backends(backends.names())[0], **shared.available}
    records = [] if records is None else records
    total = len(claims) * len(names)
    i = 0
    for n in names:
        for c in claims:
            i += 1
            t0 = time.monotonic()
            if n not in usable:
                rec = {"id": c.id, "backend": n, "subject": c.subject, "expected": "n/a",
                       "expected_reason": None, "observed": "n/a", "command": claim_command(n, c.id),
                       "evidence": {"reason": f"backend unavailable: {info[n]['reason']}"}, "runs": []}
            else:
                rec = evaluate(c, n, usable[n], quick=quick, shared=shared, timeout=timeout)
            records.append(rec)
            if progress:
                mark = "" if backends.as_expected(rec["observed"], rec["expected"]) else f"  (expected {rec['expected']})"
                progress(f"[{i:3d}/{total}] {n:<9} {c.id:<30} {rec['observed']:<8} "
                         f"{time.monotonic() - t0:6.1f}s{mark}")
    return info, records
