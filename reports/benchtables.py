"""Benchmark tables for REPORT.md: per benchmark, each backend's median ± stdev, relative to the
fastest (hyperfine's "Relative", fastest = 1.00), sample count and the size it ran at."""

from __future__ import annotations

from tabulate import tabulate


def _size(params: dict | None) -> str:
    if not params:
        return ""
    return ", ".join(f"{k}={v:,}" if isinstance(v, int) else f"{k}={v}" for k, v in params.items()
                     if k not in ("procs", "read_pct"))


def _num(x: float) -> str:
    """4 significant digits with thousands separators, no exponent."""
    return f"{x:,.0f}" if abs(x) >= 1000 else f"{x:.4g}"


def spec_size(recs: list[dict]) -> dict | None:
    """The largest size any backend ran: the spec's size (slow runtimes run smaller ones)."""
    sized = [r for r in recs if r.get("params")]
    if not sized:
        return None
    return max(sized, key=lambda r: sum(v for v in r["params"].values() if isinstance(v, int)))["params"]


def is_whole_run(unit: str) -> bool:
    """A whole-run figure (ms for all of skynet) compares at one size only; a per-op or per-unit
    one compares across sizes."""
    return not unit.startswith(("ns/", "B/"))


def _short(warning: str) -> str:
    return warning if len(warning) <= 70 else warning[:69] + "…"


def markdown(results: dict) -> str:
    by_name: dict[str, list[dict]] = {}
    for r in results.get("benchmarks", []):
        by_name.setdefault(r["name"], []).append(r)
    meta = results.get("bench_meta", {})
    out = [f"pyperf mode `{meta.get('mode', '?')}` ({' '.join(meta.get('pyperf_args', []))}); values are "
           "measured inside each backend with its own clock. Lower is better. The `command` column "
           "reproduces the row; `bench.txt` beside this report is readable by `benchstat -col /backend`."]
    per_call = {r["backend"]: " ".join(r["pyperf_args_extra"]) for r in results.get("benchmarks", [])
                if r.get("pyperf_args_extra")}
    if per_call:
        out[0] += (f" {', '.join(sorted(per_call))} start a process per call (a JVM), so pyperf takes "
                   f"one call per value and no warm-up value (`{next(iter(per_call.values()))}`).")
    noisy = [r for r in results.get("benchmarks", []) if r.get("warnings")]
    if noisy:
        out.append(f"\n**Noise warning:** pyperf flagged {len(noisy)} of {len(results['benchmarks'])} results "
                   "(standard deviation ≥ 10% of the mean, outliers, or too few samples for 1% "
                   "precision; the `pyperf warnings` column says which). Compare ratios measured in "
                   "one run, or rerun with `--rigorous`.")
    for name, recs in by_name.items():
        ok = [r for r in recs if r.get("status") == "ok"]
        best = min((r["median"] for r in ok), default=None)
        # a per-op figure compares across sizes; a whole-run figure (ms/op of a tree) only at one size
        if ok and not ok[0]["unit"].startswith(("ns/", "B/")):
            ref = spec_size(ok)
            comparable = {id(r) for r in ok if r.get("params") == ref}
            best = min((r["median"] for r in ok if id(r) in comparable), default=None)
        else:
            comparable = {id(r) for r in ok}
        rows = []
        for r in sorted(recs, key=lambda r: (r.get("status") != "ok", r.get("median") or 0)):
            if r.get("status") == "ok":
                spread = f"± {_num(r['stdev'])}" if r.get("stdev") else ""
                at = f" (at n={r['at_n']:,})" if r.get("at_n") else ""
                # figures of a fresh process's call kept beside the timing (Echo: bytes_per_conn)
                extra = "".join(f"; {k} {_num(v)}" for k, v in (r.get("extra") or {}).items()
                                if isinstance(v, (int, float)))
                rows.append([r["backend"], f"{_num(r['median'])} {r['unit']} {spread}{at}{extra}",
                             f"{r['median'] / best:,.2f}" if best and id(r) in comparable else "other size",
                             r.get("n"),
                             _size(r.get("params")) if not r.get("at_n") else "",
                             _short((r.get("warnings") or [""])[0]), f"`{r.get('command', '')}`"])
            else:
                rows.append([r["backend"], f"{r.get('status')}: {(r.get('message') or '')[:140]}", "", "", "", "",
                             f"`{r.get('command', '')}`"])
        out += ["", f"### {name}", "",
                tabulate(rows, headers=["backend", "median", "relative", "n", "size", "pyperf warnings", "command"],
                         tablefmt="github")]
        if name == "BenchmarkParkedMemory":
            out += ["", _memory_series(recs)]
    return "\n".join(out)


def _memory_series(recs: list[dict]) -> str:
    sizes = sorted({s["n"] for r in recs for s in r.get("series", [])})
    rows = []
    for r in recs:
        cells = {s["n"]: (f"{s['median']:,.0f} B" if "median" in s else
                          f"skipped ({s['message']})" if s.get("status") == "skipped" else
                          f"{s.get('status')}: reached {s.get('reached')}; {(s.get('message') or '')[:60]}")
                 for s in r.get("series", [])}
        rows.append([r["backend"], *[cells.get(n, "") for n in sizes]])
    shared = sorted({f"n={s['n']:,}" for r in recs for s in r.get("series", []) if s.get("reused_from")},
                    key=lambda t: int(t[2:].replace(",", "")))
    note = ("" if not shared else
            f"\n\nAt {', '.join(shared)} the first sample is the run the claims made of the same "
            "program with the same size in this run (`reused_from` in results.json names the claim).")
    return "Resident bytes per parked unit by count:\n\n" + tabulate(
        rows, headers=["backend", *[f"n={n:,}" for n in sizes]], tablefmt="github") + note


def glance(results: dict) -> str:
    """One row per benchmark, one column per backend: the median, fastest in bold, and each
    backend's factor to the fastest — the table a reader looks at first."""
    recs = [r for r in results.get("benchmarks", []) if r.get("status") == "ok"]
    backends = list(dict.fromkeys(r["backend"] for r in results.get("benchmarks", [])))
    names = list(dict.fromkeys(r["name"] for r in results.get("benchmarks", [])))
    rows = []
    for n in names:
        by = {r["backend"]: r for r in recs if r["name"] == n}
        if not by:
            continue
        unit = next(iter(by.values()))["unit"]
        whole_run = is_whole_run(unit)
        ref = spec_size(list(by.values())) if whole_run else None
        best = min(r["median"] for r in by.values() if not whole_run or r.get("params") == ref)
        row = [f"{n.removeprefix('Benchmark')} ({unit})"]
        for b in backends:
            r = by.get(b)
            if r is None:
                row.append("–")
                continue
            cell = _num(r["median"])
            if whole_run and r.get("params") != ref:
                cell += " †"
            elif r["median"] == best:
                cell = f"**{cell}**"
            else:
                cell = f"{cell} ({r['median'] / best:,.1f}×)"
            row.append(cell)
        rows.append(row)
    if not rows:
        return ""
    return (tabulate(rows, headers=["benchmark", *backends], tablefmt="github")
            + "\n\nFastest in bold; (k×) = times the fastest. † ran at a smaller size than the spec's "
            "(a Python runtime at the full size would take minutes per sample); see its table.")
