"""`python -m suite` — list, run, compare, report.

    python -m suite list [--claim ID]
    python -m suite run [--backends a,b] [--claims id,...] [--bench name,...|none] [--fast|--rigorous] [-o DIR]
                        [--shard K/N] [--history DB | --no-history]
    python -m suite merge A.json B.json ... -o DIR
    python -m suite history [--bench ..] [--claim ..] [--backend ..] [--machine ..] [--history DB]
    python -m suite history import results.json...
    python -m suite history regressions [--fail-on-regression] [--min-effect PCT]
    python -m suite compare OLD.json NEW.json [--threshold PCT] [--gate GATE.toml]
    python -m suite gate RESULTS.json --gate GATE.toml
    python -m suite report DIR
    python -m suite parity [--backends a,b] [--scenarios x,y] [--trace K]
    python -m suite catalogue [--check]

Bad input exits with status 2 and one line naming what is accepted.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import sys
import time
from pathlib import Path

from tabulate import tabulate

from suite import backend as backends
from suite import claims as spec
from suite import environment, history, runner
from suite import shard as sharding

DEFAULT_OUT = "reports/latest"
SCHEMA = 1


class UsageError(ValueError):
    pass


def _csv(value: str | None, what: str) -> list[str] | None:
    if value is None:
        return None
    items = [v.strip() for v in value.split(",") if v.strip()]
    if not items:
        raise UsageError(f"--{what} is empty; give a comma-separated list (see `python -m suite list`)")
    return items


def _backend_names(arg: str | None) -> list[str]:
    names = _csv(arg, "backends") or backends.names()
    for n in names:
        if n not in backends.names():
            raise UsageError(f"unknown backend {n!r}; accepted: {', '.join(backends.names())}")
    return names


def cmd_list(a: argparse.Namespace) -> int:
    if a.claim:
        return _list_claim(spec.select([a.claim])[0])
    rows = [(c.id, c.section, c.subject, c.statement) for c in spec.CLAIMS]
    print(tabulate(rows, headers=["claim", "§", "subject", "statement"], tablefmt="github"))
    print()
    _, info = runner.available_backends(backends.names())
    brow = [(n, i["kind"], "yes" if i["available"] else "no", i["version"] or i["reason"]) for n, i in info.items()]
    print(tabulate(brow, headers=["backend", "kind", "available", "version / reason"], tablefmt="github"))
    return 0


def _list_claim(c: spec.Claim) -> int:
    """One claim: what it says, its criterion, and each run's scenario, params and the file
    that implements it on every backend (CLAIMS.md has the same, for every claim)."""
    from suite import catalogue, scenarios

    print(f"{c.id} (§{c.section}, subject {c.subject}): {c.statement}")
    print(f"criterion: {c.observable}")
    backends_ = catalogue.loaded_backends()
    for run in c.runs:
        print(f"\nscenario {run.scenario} (run {run.key!r}): {catalogue.run_params_text(run)}")
        print(f"  params with defaults: {scenarios.validate(run.scenario, run.params)}")
        rows = [(n, catalogue.source_of(b, run.scenario) or "-") for n, b in sorted(backends_.items())]
        print(tabulate(rows, headers=["backend", "source"], tablefmt="plain"))
    return 0


def _progress(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def cmd_run(a: argparse.Namespace) -> int:
    from reports import render  # the report builder reads only results.json
    from suite import atomicio

    names = _backend_names(a.backends)
    claims = [] if a.claims == "none" else spec.select(_csv(a.claims, "claims"))
    bench_names = None
    if a.bench != "none":
        from suite import bench
        bench_names = bench.select(None if a.bench == "all" else _csv(a.bench, "bench"))
    if a.timeout is not None and not 1 <= a.timeout <= 3600:
        raise UsageError(f"--timeout {a.timeout:g} is out of range; accepted: 1 <= seconds <= 3600")
    shard_record = None
    if a.shard is not None:
        ids, bench_names, shard_record = sharding.select(
            sharding.parse(a.shard), [c.id for c in claims], bench_names or [])
        claims = [c for c in claims if c.id in ids]
        bench_names = bench_names or None
    out = Path(a.output)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise UsageError(f"cannot create the output folder {out}: {e.strerror or e}") from None
    # the history lives beside the output folder unless named: reports/latest -> reports/history.sqlite
    # (a test's run in a temporary folder never lands in the project's history)
    # checked before anything runs: a corrupt database fails the run at once, not after an hour
    a.history = a.history or str(out.parent / Path(history.DEFAULT_PATH).name)
    hist = None if a.no_history else history.History(a.history)
    env = environment.collect()
    t0 = time.monotonic()
    results: dict = {"schema": SCHEMA, "environment": env, "backends": {}, "claims": [], "benchmarks": []}
    results["claims_profile"] = "full" if a.rigorous else "quick"
    mode = "rigorous" if a.rigorous else "fast" if a.fast else "default"
    env["complete"] = False  # until every claim and benchmark has run
    interrupted = False
    try:
        results["backends"] = runner.available_backends(names)[1]
        shared = runner.SharedRuns()  # one measurement per (backend, scenario, params) in this run
        if claims:
            runner.run_claims(claims, names, progress=_progress, quick=not a.rigorous,
                              records=results["claims"], timeout=a.timeout, shared=shared)
        if bench_names:
            from suite import bench
            results["bench_meta"] = bench.meta_of(mode)
            bench.run(bench_names, names, mode, out, _progress, records=results["benchmarks"],
                      shared=shared)
        env["complete"] = True
    except KeyboardInterrupt:  # Ctrl-C: keep what was measured, say it is partial
        interrupted = True
        print("\ninterrupted: writing the results so far (complete: false)", file=sys.stderr)
    env["wall_seconds"] = round(time.monotonic() - t0, 1)
    if shard_record:
        results["shard"] = shard_record
    machine, label = history.fingerprint(env)
    results["machine"] = {"fingerprint": machine, "label": label}
    trend, history_failed = None, None
    if hist is not None:
        try:
            hist.record(results, source=str(out / "results.json"))
            trend = history.view(hist, machine)
        except (sqlite3.Error, history.HistoryError) as e:
            history_failed = f"error: could not record the run in {a.history}: {e}"
    path = out / "results.json"
    extra: dict[Path, str | bytes] = {path: json.dumps(results, indent=1, default=str)}
    if bench_names:
        from suite import bench
        extra[out / "bench.txt"] = bench.text_export(results["benchmarks"])
    try:
        render.write_all(results, out, extra, history=trend)
    except atomicio.OutputError as e:
        raise UsageError(str(e)) from None
    if history_failed:
        print(history_failed, file=sys.stderr)
        return 2
    if interrupted:
        print(f"wrote the partial results to {path}", file=sys.stderr)
        return 130
    print(render.claims_matrix_md(results), flush=True)
    print(f"\nwrote {path}, {out / 'REPORT.md'}, {out / 'report.html'} in {env['wall_seconds']} s")
    mismatches = [r for r in results["claims"] if not backends.as_expected(r["observed"], r["expected"])]
    if mismatches:
        print(f"{len(mismatches)} claim result(s) differ from their expectation:", file=sys.stderr)
        for r in mismatches:
            print(f"  {r['backend']} {r['id']}: expected {r['expected']}, observed {r['observed']}",
                  file=sys.stderr)
    return 0


def cmd_merge(a: argparse.Namespace) -> int:
    from suite import merge

    return merge.main(a.results, Path(a.output))


def cmd_history(a: argparse.Namespace) -> int:
    filters = (_csv(getattr(a, "bench", None), "bench"), _csv(getattr(a, "claim", None), "claim"),
               _csv(getattr(a, "backend", None), "backend"), getattr(a, "machine", None))
    if a.action == "import":
        return history.import_main(a.history, a.files)
    if a.action == "regressions":
        return history.regressions_main(a.history, *filters, a.min_effect, a.fail_on_regression)
    return history.trends_main(a.history, *filters)


def cmd_compare(a: argparse.Namespace) -> int:
    from suite import compare

    return compare.main(a.old, a.new, a.threshold, a.gate)


def cmd_gate(a: argparse.Namespace) -> int:
    from suite import compare

    return compare.gate_main(a.results, a.gate)


def cmd_report(a: argparse.Namespace) -> int:
    from reports import render

    d = Path(a.dir)
    path = d / "results.json" if d.is_dir() else d
    if not path.exists():
        raise UsageError(f"no results.json at {path}; run `python -m suite run -o DIR` first")
    from suite import atomicio
    try:
        results = json.loads(path.read_text())
    except ValueError as e:
        raise UsageError(f"{path} is not a results.json ({e}); give the results.json "
                         "written by `python -m suite run`") from None
    if not isinstance(results, dict) or results.get("schema") != SCHEMA:
        raise UsageError(f"{path} is not a schema-{SCHEMA} results.json; give the results.json "
                         "written by `python -m suite run`")
    trend = None
    if a.history:  # the history sections, for the machine this results.json ran on
        h = history.existing(a.history)
        trend = history.view(h, history.fingerprint(results.get("environment") or {})[0])
    try:
        render.write_all(results, path.parent, history=trend)
    except atomicio.OutputError as e:
        raise UsageError(str(e)) from None
    print(f"wrote {path.parent / 'REPORT.md'} and {path.parent / 'report.html'}")
    return 0


def cmd_parity(a: argparse.Namespace) -> int:
    from suite import parity

    names = _backend_names(a.backends)
    scen = parity.select_scenarios(_csv(a.scenarios, "scenarios"))
    if not 0 <= a.trace <= 64:
        raise UsageError(f"--trace {a.trace} is out of range; accepted: 0 <= K <= 64")
    return parity.run(names, scen, a.trace)


def cmd_catalogue(a: argparse.Namespace) -> int:
    from suite import catalogue

    return catalogue.main(check=a.check)


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m suite", description=__doc__.split("\n")[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    ls = sub.add_parser("list", help="the claims and the backends with their availability")
    ls.add_argument("--claim", help="one claim: its criterion, scenarios, params and each backend's file")
    ls.set_defaults(fn=cmd_list)
    r = sub.add_parser("run", help="run claims and benchmarks, write results.json and the reports")
    r.add_argument("--backends", help="comma-separated backend names (default: all installed)")
    r.add_argument("--claims", help="comma-separated claim ids (default: all; 'none' for benchmarks only)")
    r.add_argument("--bench", default="all",
                   help="comma-separated benchmark names, 'all' or 'none' (default: all)")
    speed = r.add_mutually_exclusive_group()
    speed.add_argument("--fast", action="store_true", help="fewer benchmark samples (pyperf --fast)")
    speed.add_argument("--rigorous", action="store_true",
                       help="release quality: CLAIMS.md's full trial counts and pyperf --rigorous")
    r.add_argument("-o", "--output", default=DEFAULT_OUT, help=f"output directory (default {DEFAULT_OUT})")
    r.add_argument("--timeout", type=float, help="cap every scenario run at this many seconds "
                   "(default: each claim's own bound, 300-600 s)")
    r.add_argument("--shard", metavar="K/N", help="run only shard K of N of the selected claims and "
                   "benchmarks (round-robin over their sorted ids); `merge` joins the shards")
    hist = r.add_mutually_exclusive_group()
    hist.add_argument("--history", help="record the run in this SQLite history (default: "
                      f"history.sqlite beside the output folder, {history.DEFAULT_PATH} for the default)")
    hist.add_argument("--no-history", action="store_true", help="do not record the run")
    r.set_defaults(fn=cmd_run)
    m = sub.add_parser("merge", help="merge results.json files (shards, machines) into one report "
                       "with a machine axis")
    m.add_argument("results", nargs="+", help="results.json files or folders holding one")
    m.add_argument("-o", "--output", required=True, help="output directory")
    m.set_defaults(fn=cmd_merge)
    filters = argparse.ArgumentParser(add_help=False)
    for flag, what in (("--bench", "benchmark names"), ("--claim", "claim ids"), ("--backend", "backends")):
        filters.add_argument(flag, default=argparse.SUPPRESS, help=f"comma-separated {what}")
    filters.add_argument("--machine", default=argparse.SUPPRESS,
                         help="a machine fingerprint (or its start) or part of its label")
    filters.add_argument("--history", default=argparse.SUPPRESS,
                         help=f"the history database (default {history.DEFAULT_PATH})")
    h = sub.add_parser("history", parents=[filters], help="trends of the recorded runs; `import` "
                       "old results.json; `regressions` finds where figures and verdicts changed")
    h.set_defaults(fn=cmd_history, action=None)
    hsub = h.add_subparsers(dest="action")
    imp = hsub.add_parser("import", parents=[filters], help="record results.json files in the history")
    imp.add_argument("files", nargs="+")
    reg = hsub.add_parser("regressions", parents=[filters], help="change points per benchmark x backend "
                          "x machine and verdict flips; --fail-on-regression exits 1 on one")
    reg.add_argument("--fail-on-regression", action="store_true", help="exit 1 if a regression is found")
    reg.add_argument("--min-effect", type=float, default=history.MIN_EFFECT_PCT,
                     help=f"smallest change in %% that counts (default {history.MIN_EFFECT_PCT:g})")
    c = sub.add_parser("compare", help="compare two results.json; non-zero exit on a significant regression")
    c.add_argument("old")
    c.add_argument("new")
    c.add_argument("--threshold", type=float, default=10.0, help="slowdown %% that fails the gate (default 10)")
    c.add_argument("--gate", help="gate file with per-benchmark thresholds and same-run ratio limits")
    c.set_defaults(fn=cmd_compare)
    g = sub.add_parser("gate", help="check same-run ratios of one results.json against a gate file")
    g.add_argument("results")
    g.add_argument("--gate", required=True, help="gate file (TOML) with [[ratio]] entries")
    g.set_defaults(fn=cmd_gate)
    rep = sub.add_parser("report", help="re-render REPORT.md and report.html from a results.json")
    rep.add_argument("dir")
    rep.add_argument("--history", help="add the trends, timelines and changes of this history database")
    rep.set_defaults(fn=cmd_report)
    par = sub.add_parser("parity", help="run every scenario small on every backend and compare "
                         "the work-plan digests (exit 1 on a disagreement)")
    par.add_argument("--backends", help="comma-separated backend names (default: all installed)")
    par.add_argument("--scenarios", help="comma-separated scenarios (default: every one with digests)")
    par.add_argument("--trace", type=int, default=0,
                     help="show the first K ops per worker of the plan-driven scenarios side by side")
    par.set_defaults(fn=cmd_parity)
    cat = sub.add_parser("catalogue", help="write CLAIMS.md from suite/claims.py (--check: fail if stale)")
    cat.add_argument("--check", action="store_true", help="exit 1 if CLAIMS.md is not up to date")
    cat.set_defaults(fn=cmd_catalogue)
    return p


def main(argv: list[str] | None = None) -> int:
    a = parser().parse_args(argv)
    if not hasattr(a, "history"):  # `history`'s --history may come before or after its action
        a.history = history.DEFAULT_PATH
    try:
        return a.fn(a)
    except (UsageError, backends.UnknownBackend, spec.UnknownClaim, ValueError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
