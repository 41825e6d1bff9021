"""Charts for report.html (matplotlib, Agg): ns per op per backend on a log scale, and resident
bytes per parked unit against the number of units."""

from __future__ import annotations

from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

COLORS = {"native": "#1b9e77", "go": "#00add8", "threading": "#d95f02", "asyncio": "#7570b3",
          "gevent": "#e7298a"}


def _color(backend: str) -> str:
    return COLORS.get(backend, "#666666")


def figures(results: dict) -> list[tuple[str, Any]]:
    figs = []
    timing = [r for r in results.get("benchmarks", []) if r.get("status") == "ok" and r.get("unit") != "B/unit"]
    if timing:
        figs.append(("benchmarks", _timing(timing)))
    memory = [r for r in results.get("benchmarks", []) if r.get("unit") == "B/unit" and r.get("series")]
    if memory:
        figs.append(("parked_memory", _memory(memory)))
    return figs


def _timing(recs: list[dict]):
    from matplotlib.patches import Patch

    from reports.benchtables import is_whole_run, spec_size

    names = list(dict.fromkeys(r["name"] for r in recs))
    backends = list(dict.fromkeys(r["backend"] for r in recs))
    fig, ax = plt.subplots(figsize=(12, 0.55 * len(names) * max(1, len(backends)) / 2 + 1.5))
    h = 0.8 / len(backends)
    smaller = False
    for i, n in enumerate(names):
        group = [r for r in recs if r["name"] == n]
        spec = spec_size(group) if is_whole_run(group[0]["unit"]) else None
        for j, b in enumerate(backends):
            r = next((r for r in group if r["backend"] == b), None)
            if r is None:
                continue
            # hatched (the tables' †): a whole-run time at a smaller size than the spec's
            other = spec is not None and r.get("params") != spec
            smaller = smaller or other
            ax.barh(i + j * h, r["median"], height=h, color=_color(b),
                    hatch="///" if other else None, edgecolor="white" if other else None)
    handles = [Patch(color=_color(b), label=b) for b in backends]
    if smaller:
        handles.append(Patch(facecolor="#999999", hatch="///", edgecolor="white",
                             label="† smaller size: not comparable"))
    ax.set_yticks([i + 0.4 - h / 2 for i in range(len(names))])
    ax.set_yticklabels([f"{n.removeprefix('Benchmark')} ({next(r['unit'] for r in recs if r['name'] == n)})"
                        for n in names])
    ax.invert_yaxis()
    ax.set_xscale("log")
    ax.set_xlabel("median per op, log scale (lower is better)")
    ax.set_title("Benchmarks by backend")
    ax.grid(axis="x", which="both", alpha=0.3)
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1))  # outside: bars reach both ends
    fig.tight_layout()
    return fig


def _memory(recs: list[dict]):
    fig, ax = plt.subplots(figsize=(8, 4.5))
    for r in recs:
        pts = [(s["n"], s["median"]) for s in r["series"] if "median" in s]
        if pts:
            ax.plot(*zip(*pts, strict=True), marker="o", label=r["backend"], color=_color(r["backend"]))
        fails = [s for s in r["series"] if s.get("status") == "failed"]
        for s in fails:
            reached = f"{s['reached']:,}" if s.get("reached") else "?"
            ax.annotate(f"{r['backend']}: stopped at {reached}", (pts[-1] if pts else (s["n"], 1)),
                        textcoords="offset points", xytext=(5, 5), fontsize=8, color=_color(r["backend"]))
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("parked units")
    ax.set_ylabel("resident bytes per unit")
    ax.set_title("Memory per parked unit")
    ax.grid(which="both", alpha=0.3)
    ax.legend()
    fig.tight_layout()
    return fig
