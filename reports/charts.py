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


def history_figures(view: dict) -> list[tuple[str, Any]]:
    """One small trend chart per benchmark (median per commit, one line per backend, log
    scale), with each change the history found marked at its commit: red up, green down."""
    series = view.get("bench") or {}
    commits = view.get("commits") or []
    names = sorted({key.split("|", 1)[0] for key, pts in series.items() if pts})
    if not names or len(commits) < 2:
        return []
    pos = {c: i for i, c in enumerate(commits)}
    cols = min(3, len(names))
    rows = (len(names) + cols - 1) // cols
    fig, axes = plt.subplots(rows, cols, figsize=(4.2 * cols, 2.8 * rows), squeeze=False)
    for ax, name in zip(axes.flat, names, strict=False):
        unit = ""
        for key, pts in sorted(series.items()):
            bench, backend = key.split("|", 1)
            if bench != name or not pts:
                continue
            unit = pts[0]["unit"]
            ax.plot([pos[p["commit"]] for p in pts], [p["median"] for p in pts], marker=".",
                    label=backend, color=_color(backend.split(" [")[0]))
        for c in view.get("changes") or []:
            if c["name"] == name and c.get("ratio") is not None and c["commit"] in pos:
                ax.plot([pos[c["commit"]]], [c["after"]], marker="^" if c["regression"] else "v",
                        markersize=9, color="#c62828" if c["regression"] else "#1a7f37", linestyle="none")
        ax.set_title(f"{name.removeprefix('Benchmark')} ({unit})", fontsize=9)
        ax.set_yscale("log")
        ax.set_xticks(range(len(commits)))
        ax.set_xticklabels([c[:7] for c in commits], rotation=60, fontsize=6)
        ax.tick_params(axis="y", labelsize=7)
        ax.grid(alpha=0.3)
    for ax in list(axes.flat)[len(names):]:
        ax.axis("off")
    handles, labels = [], []
    for ax in axes.flat:
        for h, label in zip(*ax.get_legend_handles_labels(), strict=True):
            if label not in labels:
                handles.append(h)
                labels.append(label)
    fig.legend(handles, labels, loc="upper right", fontsize=8)
    fig.suptitle("Trends on this machine (median per commit, log scale; ▲ regression, ▼ improvement)",
                 fontsize=10)
    fig.tight_layout(rect=(0, 0, 0.92, 0.96))
    return [("trends", fig)]
