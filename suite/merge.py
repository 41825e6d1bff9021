"""`python -m suite merge A.json B.json ... -o DIR`: one report with a machine axis.

Inputs are results.json files (or folders holding one): whole runs and `--shard K/N` runs, from
one or several machines. They are grouped by machine fingerprint (suite.history.fingerprint:
CPU, cores, kernel, compilers, runtime versions). Within a machine:

* the runs must share one commit (runs of several commits are history, not a merge);
* either one whole run, or shards of one selection (same N, same selection digest), each K at
  most once. A missing shard is allowed but said: the machine's results are marked incomplete;
* the shards' records are concatenated and put back in the unsharded run's order (backend-major
  for claims, benchmark-major for benchmarks, as runner and bench produce them), so the merged
  matrix is cell for cell the one an unsharded run gives.

Written: DIR/machines/<fingerprint>/ holds each machine's merged results.json with its ordinary
report (REPORT.md, report.html: every cell's evidence); DIR/REPORT.md and DIR/report.html are
the machine axis: the machines, the verdicts that differ between them, the summary score and the
ratios to Go per machine, and each machine's matrix; DIR/merged.json has what they were made of.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

from tabulate import tabulate

from suite import history
from suite.backend import as_expected
from suite.history import HistoryError


class MergeError(ValueError):
    pass


def _load(paths: list[str]) -> list[tuple[str, dict]]:
    out = []
    for p in paths:
        try:
            res = history.load_results(p)
        except HistoryError as e:
            raise MergeError(str(e)) from None
        s = res.get("shard")
        if s is not None and not (isinstance(s, dict) and isinstance(s.get("index"), int)
                                  and isinstance(s.get("count"), int) and 1 <= s["index"] <= s["count"]):
            raise MergeError(f"{p}: its `shard` is not {{index: K, count: N}} with 1 <= K <= N "
                             "(a hand-edited results.json?)")
        out.append((p, res))
    return out


def group(loaded: list[tuple[str, dict]]) -> dict[str, list[tuple[str, dict]]]:
    groups: dict[str, list[tuple[str, dict]]] = {}
    for path, res in loaded:
        groups.setdefault(history.fingerprint(res.get("environment") or {})[0], []).append((path, res))
    return groups


def merge_machine(runs: list[tuple[str, dict]]) -> dict:
    """One machine's runs (a whole run, or shards of one) as one schema-1 results dict."""
    commits = {(r.get("environment") or {}).get("commit") for _, r in runs}
    if len(commits) > 1:
        raise MergeError(f"{runs[0][0]} and the other runs of its machine have commits "
                         f"{', '.join(sorted(map(str, commits)))}; accepted: one commit per machine "
                         "(compare commits with `python -m suite history`)")
    whole = [p for p, r in runs if not r.get("shard")]
    if whole and len(runs) > 1:
        raise MergeError(f"{whole[0]} is a whole run and {len(runs) - 1} other run(s) come from the "
                         "same machine and commit; accepted: one whole run, or the shards of one run")
    if whole:
        return runs[0][1]
    first = runs[0][1]["shard"]
    seen: dict[int, str] = {}
    for p, r in runs:
        s = r["shard"]
        if (s.get("count"), s.get("selection")) != (first.get("count"), first.get("selection")):
            raise MergeError(f"{p} is shard {s.get('index')}/{s.get('count')} of another selection than "
                             f"{runs[0][0]}; accepted: shards run with the same --claims, --bench and N")
        if s["index"] in seen:
            raise MergeError(f"{p} and {seen[s['index']]} are both shard {s['index']}/{s['count']}; "
                             "accepted: each shard once")
        seen[s["index"]] = p
    missing = sorted(set(range(1, first["count"] + 1)) - set(seen))
    base = runs[0][1]
    envs = [r.get("environment") or {} for _, r in runs]
    env = {**envs[0], "started": min(e.get("started") or "" for e in envs),
           "wall_seconds": round(sum(e.get("wall_seconds") or 0 for e in envs), 1),
           "complete": all(e.get("complete") for e in envs) and not missing}
    backends: dict[str, Any] = {}
    for _, r in runs:
        for name, info in (r.get("backends") or {}).items():
            backends.setdefault(name, info)
    border = {b: i for i, b in enumerate(backends)}
    corder = {c: i for i, c in enumerate(first.get("order", {}).get("claims") or [])}
    korder = {f"Benchmark{b}": i for i, b in enumerate(first.get("order", {}).get("bench") or [])}
    claims = sorted((c for _, r in runs for c in r.get("claims") or []),
                    key=lambda c: (border.get(c["backend"], len(border)), corder.get(c["id"], len(corder))))
    benches = sorted((b for _, r in runs for b in r.get("benchmarks") or []),
                     key=lambda b: (korder.get(b["name"], len(korder)), border.get(b["backend"], len(border))))
    merged = {k: v for k, v in base.items() if k != "shard"}
    merged.update(environment=env, backends=backends, claims=claims, benchmarks=benches,
                  merged_shards={"count": first["count"], "present": sorted(seen), "missing": missing,
                                 "selection": first.get("selection")})
    meta = next((r["bench_meta"] for _, r in runs if r.get("bench_meta")), None)
    if meta:  # the shards that ran no benchmark have none
        merged["bench_meta"] = meta
    return merged


# --- the machine-axis report ---------------------------------------------------------------

def _cells(results: dict) -> tuple[list[str], list[list[str]]]:
    """The matrix without its footnotes (their evidence is in the machine's own report)."""
    from reports import render

    headers, rows, _ = render._matrix(results)
    return headers, [[re.sub(r"\[\^\d+\]", "", c) for c in row] for row in rows]


def machine_axis_md(machines: dict[str, dict]) -> str:
    from reports import render

    labels = {m: history.fingerprint(r.get("environment") or {})[1] for m, r in machines.items()}
    short = {m: f"`{m[:7]}`" for m in machines}
    parts = ["# Goroutine claims: merged report", "",
             f"{len(machines)} machine(s). Each machine's full report, with every cell's evidence, is "
             "in machines/<fingerprint>/report.html beside this page.", "", "## Machines", ""]
    rows = []
    for m, r in machines.items():
        env, ms = r.get("environment") or {}, r.get("merged_shards")
        shards = ("whole run" if not ms else f"{len(ms['present'])} of {ms['count']} shards"
                  + (f" (missing {', '.join(map(str, ms['missing']))})" if ms["missing"] else ""))
        rows.append([short[m], labels[m], env.get("commit") or "?", shards,
                     "yes" if env.get("complete") else "no", len(r.get("claims") or []),
                     len(r.get("benchmarks") or [])])
    parts += [tabulate(rows, headers=["machine", "label", "commit", "shards", "complete", "claim cells",
                                      "benchmarks"], tablefmt="github"), ""]
    if len(machines) > 1:
        parts += ["## Verdicts that differ between machines", "", _differences_md(machines, short), ""]
    parts += ["## Summary score per machine", "", _scores_md(machines, short), "",
              "## Ratios to Go per machine", "", _ratios_md(machines, short), ""]
    for m, r in machines.items():
        headers, cells = _cells(r)
        parts += [f"## Machine {short[m]}: {labels[m]}", ""]
        parts += [tabulate(cells, headers=headers, tablefmt="github") if cells else "(no claims were run)", ""]
    parts += [render.LEGEND, ""]
    return "\n".join(parts)


def _differences_md(machines: dict[str, dict], short: dict[str, str]) -> str:
    from reports import render

    by: dict[tuple[str, str], dict[str, dict]] = {}
    for m, r in machines.items():
        for c in r.get("claims") or []:
            by.setdefault((c["id"], c["backend"]), {})[m] = c
    rows = []
    for (cid, backend), per in by.items():
        if len({c["observed"] for c in per.values()}) > 1:
            cells = []
            for m in machines:
                c = per.get(m)
                text = "" if c is None else f"{render.SYMBOL.get(c['observed'], '?')} {c['observed']}"
                cells.append(f"**{text}**" if c and not as_expected(c["observed"], c["expected"]) else text)
            rows.append([f"`{cid}`", backend, *cells])
    if not rows:
        return "Every claim that ran on more than one machine has the same verdict on each."
    return (tabulate(rows, headers=["claim", "backend", *short.values()], tablefmt="github")
            + "\n\n**bold** = differs from the backend's declared expectation.")


def _scores_md(machines: dict[str, dict], short: dict[str, str]) -> str:
    from reports import render

    scores = {m: render.summary_scores(r) for m, r in machines.items()}
    backends = sorted({b for s in scores.values() for b in s})
    if not backends:
        return f"(no summary score: no benchmark ran on both {render.REFERENCE} and another backend)"
    rows = [[b, *[(f"{s[b]['geomean']:,.3g}× (gsd {s[b]['gsd']:.2f}, {s[b]['min']:,.3g}–{s[b]['max']:,.3g}×, "
                   f"n={s[b]['n']})") if b in s else "–" for s in scores.values()]] for b in backends]
    return (tabulate(rows, headers=["backend", *short.values()], tablefmt="github")
            + f"\n\nGeometric mean of each backend's ratios to {render.REFERENCE} over the benchmarks both "
            "ran at one size, with the geometric standard deviation, the range and the count.")


def _ratios_md(machines: dict[str, dict], short: dict[str, str]) -> str:
    from reports import render
    from reports.benchtables import is_whole_run

    table: dict[tuple[str, str], dict[str, str]] = {}
    for m, r in machines.items():
        ok = [b for b in r.get("benchmarks") or [] if b.get("status") == "ok" and b.get("median")]
        ref = {b["name"]: b for b in ok if b["backend"] == render.REFERENCE}
        for b in ok:
            g = ref.get(b["name"])
            if g and b["backend"] != render.REFERENCE:
                comparable = b.get("params") == g.get("params") or not is_whole_run(b.get("unit", ""))
                table.setdefault((b["name"], b["backend"]), {})[m] = \
                    f"{b['median'] / g['median']:,.3g}×" + ("" if comparable else " †")
    if not table:
        return f"(no benchmark ran on both {render.REFERENCE} and another backend)"
    rows = [[n.removeprefix("Benchmark"), b, *[per.get(m, "–") for m in machines]]
            for (n, b), per in sorted(table.items())]
    return (tabulate(rows, headers=["benchmark", "backend", *short.values()], tablefmt="github")
            + f"\n\nmedian / {render.REFERENCE}'s median on the same machine in the same run; † = at "
            "a different size than Go's (not comparable).")


def _pyperf_files(runs: list[tuple[str, dict]], into: Path) -> dict[Path, bytes]:
    """Each benchmark's pyperf JSON, from its shard's folder to the same relative path under
    the machine's folder (the records' `pyperf_json` stays true)."""
    files = {}
    for path, results in runs:
        folder = Path(path) if Path(path).is_dir() else Path(path).parent
        for b in results.get("benchmarks") or []:
            rel = b.get("pyperf_json")
            if rel and (folder / rel).is_file():
                (into / rel).parent.mkdir(parents=True, exist_ok=True)
                files[into / rel] = (folder / rel).read_bytes()
    return files


STYLE = ("body{font:14px/1.45 system-ui,sans-serif;max-width:1200px;margin:2em auto;padding:0 1em;color:#222}"
         "table{border-collapse:collapse;margin:1em 0;font-size:13px}td,th{border:1px solid #ccc;"
         "padding:3px 7px;text-align:left}th{background:#f3f3f3}code{background:#f6f6f6;padding:0 3px}"
         ".ok{color:#1a7f37;font-weight:bold}.no{color:#c62828;font-weight:bold}.err{color:#b26a00}")


def main(paths: list[str], out: Path) -> int:
    from reports import render
    from suite import atomicio

    groups = group(_load(paths))
    machines = {m: merge_machine(runs) for m, runs in groups.items()}
    try:
        for m, results in machines.items():
            d = out / "machines" / m
            extra: dict[Path, str | bytes] = {d / "results.json": json.dumps(results, indent=1, default=str)}
            extra.update(_pyperf_files(groups[m], d))
            if results.get("benchmarks"):
                from suite import bench

                extra[d / "bench.txt"] = bench.text_export(results["benchmarks"])
            render.write_all(results, d, extra)
        md = machine_axis_md(machines)
        page = (f"<!doctype html><html lang=en><meta charset=utf-8><title>Goroutine claims: merged report"
                f"</title><style>{STYLE}</style><body>{render._md_to_html(md)}</body></html>")
        summary = {"schema": "merged-1", "inputs": paths,
                   "machines": {m: {"label": history.fingerprint(r.get("environment") or {})[1],
                                    "commit": (r.get("environment") or {}).get("commit"),
                                    "shards": r.get("merged_shards"),
                                    "results": f"machines/{m}/results.json"} for m, r in machines.items()}}
        atomicio.write_all({out / "REPORT.md": md, out / "report.html": page,
                            out / "merged.json": json.dumps(summary, indent=1)})
    except atomicio.OutputError as e:
        raise MergeError(str(e)) from None
    except OSError as e:
        raise MergeError(f"cannot write the merged report in {out}: {e.strerror or e}") from None
    for m, r in machines.items():
        ms = r.get("merged_shards")
        if ms and ms["missing"]:
            print(f"warning: machine {m}: shard(s) {', '.join(map(str, ms['missing']))} of {ms['count']} "
                  "missing; its results are marked incomplete", file=sys.stderr)
    print(f"merged {len(paths)} file(s) from {len(machines)} machine(s) into {out / 'REPORT.md'}, "
          f"{out / 'report.html'} and {out / 'machines'}/")
    return 0
