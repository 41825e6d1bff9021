"""Render REPORT.md and a self-contained report.html from one results.json (nothing else, but
where each backend keeps a scenario's source: the claims table links it, see _source_of)."""

from __future__ import annotations

import base64
import html
import io
import json
import os
from pathlib import Path
from typing import Any

from tabulate import tabulate

from suite.backend import as_expected

SYMBOL = {"holds": "✓", "refuted": "✗", "n/a": "–", "error": "⚠", "timeout": "⏱",
          "inconclusive": "≈"}
LEGEND = ("✓ holds · ✗ refuted · – n/a · ⚠ error · ⏱ timeout · ≈ inconclusive (a timing claim "
          "measured while other processes loaded the machine); ˢ = a substitute stood in for a "
          "primitive the library lacks (named in the note); "
          "**bold** = differs from the backend's declared expectation. "
          "§ = the article's section; subject: G = said of goroutines, T = said of OS threads, "
          "* = said of every runtime")


def _fmt_evidence(ev: dict[str, Any]) -> str:
    parts = []
    for k, v in ev.items():
        if isinstance(v, dict):
            v = "{" + ", ".join(f"{ik}: {iv}" for ik, iv in v.items()) + "}"
        elif isinstance(v, float):
            v = f"{v:,.4g}"
        elif isinstance(v, str):
            v = " ".join(v.split())  # a multi-line message (a crash's stderr) stays on its note's line
            if len(v) > 160:
                v = v[:160] + "…"
        parts.append(f"{k}={v}")
    return "; ".join(parts)


def _source_of(backend: str, scenario: str) -> str | None:
    """The repository path of the file that runs `scenario` on `backend` (suite.catalogue's
    lookup), or None where the backend does not load here; once per pair."""
    key = (backend, scenario)
    if key not in _SOURCES:
        from suite import backend as backends
        from suite import catalogue

        try:
            _SOURCES[key] = catalogue.source_of(backends.load(backend), scenario)
        except Exception:  # noqa: BLE001 - a backend that does not load here links nothing
            _SOURCES[key] = None
    return _SOURCES[key]


_SOURCES: dict[tuple[str, str], str | None] = {}


def _scenario_cell(r: dict, backend: str, source_base: str) -> str:
    """' [scenario](its source file)' for a cell: which program measured it, on this backend."""
    scenario = next((run["scenario"] for run in r.get("runs") or [] if run.get("scenario")), None)
    if scenario is None:
        return ""
    src = r.get("source") or _source_of(backend, scenario)
    return f" [{scenario}]({source_base}{src})" if src else f" {scenario}"


def _matrix(results: dict, source_base: str = "") -> tuple[list[str], list[list[str]], list[str]]:
    """The claims x backends table: each cell is the verdict's symbol, its note and the scenario
    that measured it, linked to the backend's source file (paths from the repository root,
    prefixed by `source_base`: the way from the report's folder to the root)."""
    backends = list(results.get("backends") or {})
    by = {(r["id"], r["backend"]): r for r in results.get("claims", [])}
    ids = list(dict.fromkeys(r["id"] for r in results.get("claims", [])))
    first: dict[str, dict] = {}
    for r in results.get("claims", []):
        first.setdefault(r["id"], r)
    notes: list[str] = []
    rows = []
    for cid in ids:
        c = first[cid]  # section and statement: absent from results.json written before they were added
        row = [f"`{cid}`", c.get("section", ""), c.get("statement", ""), c.get("subject", "")]
        for b in backends:
            r = by.get((cid, b))
            if r is None:
                row.append(SYMBOL["n/a"])  # not run on this backend: a dash, like n/a
                continue
            subs = r.get("substitutions") or []
            notes.append(f"{b}, {cid}: {r['observed']}"
                         + (f" (expected {r['expected']})" if not as_expected(r["observed"], r["expected"]) else "")
                         + f" — {_fmt_evidence(r.get('evidence') or {})}"
                         + _profile_note(r)
                         + (f" Substitution: {'; '.join(subs)}." if subs else "")
                         + (f" Expectation: {' '.join(r['expected_reason'].split())}"
                            if r.get("expected_reason") else ""))
            cell = f"{SYMBOL.get(r['observed'], '?')}{'ˢ' if subs else ''}[^{len(notes)}]"
            cell = f"**{cell}**" if not as_expected(r["observed"], r["expected"]) else cell
            cell += _scenario_cell(r, b, source_base)
            # a claim measured against another backend says which one in its cell
            row.append(f"{cell} vs {r['reference']}" if r.get("reference") else cell)
        rows.append(row)
    return ["claim", "§", "the article says", "subject", *backends], rows, notes


def _profile_note(r: dict) -> str:
    """Where the run's sizes differ from the criterion's (the quick profile), say so."""
    diffs = []
    for run in r.get("runs") or []:
        full = run.get("full_params") or {}
        changed = {k: v for k, v in (run.get("params") or {}).items() if k in full and full[k] != v}
        if changed and run.get("rep", 0) == 0:  # sampled runs: the first sample says it
            text = ", ".join(f"{k}={v:,} (criterion {full[k]:,})" for k, v in changed.items())
            if text not in diffs:
                diffs.append(text)
    return f" Quick profile: {'; '.join(diffs)}." if diffs else ""


def claims_matrix_md(results: dict, source_base: str = "") -> str:
    headers, rows, notes = _matrix(results, source_base)
    if not rows:
        return "(no claims were run)"
    table = tabulate(rows, headers=headers, tablefmt="github")
    foot = "\n".join(f"[^{i}]: {n}" for i, n in enumerate(notes, 1))
    return f"{table}\n\n{LEGEND}\n\n{foot}"


def claims_summary_md(results: dict) -> str:
    counts: dict[str, dict[str, int]] = {}
    for r in results.get("claims", []):
        c = counts.setdefault(r["backend"], {})
        c[r["observed"]] = c.get(r["observed"], 0) + 1
        if not as_expected(r["observed"], r["expected"]):
            c["unexpected"] = c.get("unexpected", 0) + 1
    if not counts:
        return ""
    cols = ["holds", "refuted", "n/a", "error", "timeout", "unexpected"]
    rows = [[b, *[c.get(k, 0) for k in cols]] for b, c in counts.items()]
    return tabulate(rows, headers=["claims on", *cols], tablefmt="github")


def environment_md(results: dict) -> str:
    env = results.get("environment", {})
    keys = ("cpu", "cores", "governor", "kernel", "python", "go", "cc", "commit", "max_map_count",
            "started", "wall_seconds", "complete")
    rows = [(k, "–" if env.get(k) is None else env.get(k)) for k in keys]
    brows = [(n, i.get("kind"), "yes" if i.get("available") else "no", i.get("version") or i.get("reason"))
             for n, i in (results.get("backends") or {}).items()]
    # a backend's own note: when to pick it (native-small's mode, say)
    notes = [f"- `{n}`: {i['note']}" for n, i in (results.get("backends") or {}).items() if i.get("note")]
    return (tabulate(rows, headers=["environment", ""], tablefmt="github") + "\n\n"
            + tabulate(brows, headers=["backend", "kind", "available", "version / reason"], tablefmt="github")
            + ("\n\n" + "\n".join(notes) if notes else ""))


def benchmarks_md(results: dict) -> str:
    from reports import benchtables

    return benchtables.markdown(results)


def findings_md(results: dict) -> str:
    """Per backend, how many of the claims said of goroutines (G, *) and of threads (T) hold;
    then every goroutine claim that a goroutine runtime (real Go, native) does not hold, with
    its evidence: the places where the article and a real runtime disagree."""
    claims = results.get("claims", [])
    if not claims:
        return ""
    kinds = {n: (i or {}).get("kind") for n, i in (results.get("backends") or {}).items()}
    def holding(backend: str, subjects: tuple[str, ...]) -> str:
        rs = [r for r in claims if r["backend"] == backend and r.get("subject") in subjects]
        return f"{sum(r['observed'] == 'holds' for r in rs)} of {len(rs)}" if rs else "–"

    rows = [[b, kinds.get(b) or "", holding(b, ("G", "*")), holding(b, ("T",))]
            for b in dict.fromkeys(r["backend"] for r in claims)]
    table = tabulate(rows, headers=["backend", "kind", "goroutine claims (G, *) that hold",
                                    "thread claims (T) that hold"], tablefmt="github")
    odd = [r for r in claims if kinds.get(r["backend"]) == "goroutine" and r.get("subject") in ("G", "*")
           and r["observed"] != "holds"]
    if not odd:
        return table + "\n\nEvery goroutine claim holds on every goroutine runtime in this run."
    lines = [table, "", "Goroutine claims a goroutine runtime does not hold in this run:", ""]
    for r in odd:
        said = f" (§{r['section']}: {r['statement']})" if r.get("statement") else ""
        why = f" {' '.join(r['expected_reason'].split())}" if r.get("expected_reason") else ""
        lines.append(f"- `{r['id']}`{said} on **{r['backend']}**: {r['observed']} — "
                     f"{_fmt_evidence(r.get('evidence') or {})}.{why}")
    return "\n".join(lines)


def report_md(results: dict, history: dict | None = None, source_base: str = "") -> str:
    parts = ["# Goroutine claims: conformance and benchmark report", "",
             "Every claim of the article, run on every backend; each cell links to the measured "
             "evidence. Reproduce any cell with the command in results.json (`claims[].command`). "
             "Each claim's criterion, scenario and source file per backend are in the claims "
             "catalogue, CLAIMS.md at the root of the repository.", "",
             "## What the claims say", "", findings_md(results), "",
             "## Environment", "", environment_md(results), "",
             "## Claims × backends", "", claims_matrix_md(results, source_base), ""]
    if results.get("benchmarks"):
        from reports import benchtables

        parts[4:4] = ["## At a glance", "", benchtables.glance(results), "", claims_summary_md(results), "",
                      "### Summary score", "", summary_score_md(results), ""]
    if results.get("benchmarks"):
        parts += ["## Benchmarks", "", benchmarks_md(results), ""]
    if history:
        parts += ["## History on this machine", "", history_md(history), ""]
    return "\n".join(parts)


def _png(fig: Any) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
    return buf.getvalue()


def report_html(results: dict, pngs: dict[str, bytes] | None = None, md: str | None = None,
                history: dict | None = None) -> str:
    """A self-contained page: the Markdown report's tables as HTML, charts inlined as PNG.
    `pngs` receives each chart's PNG bytes by name (write_all saves them beside the page);
    `md` is the Markdown report when the caller has it already."""
    from reports import charts

    body = _md_to_html(report_md(results, history) if md is None else md)
    body += timeline_html(history) if history else ""
    figs = charts.figures(results) + (charts.history_figures(history) if history else [])
    imgs = []
    for name, fig in figs:
        png = _png(fig)
        if pngs is not None:
            pngs[name] = png
        uri = "data:image/png;base64," + base64.b64encode(png).decode()
        imgs.append(f'<figure><img alt="{html.escape(name)}" src="{uri}"></figure>')
    style = ("body{font:14px/1.45 system-ui,sans-serif;max-width:1200px;margin:2em auto;padding:0 1em;color:#222}"
             "table{border-collapse:collapse;margin:1em 0;font-size:13px}td,th{border:1px solid #ccc;"
             "padding:3px 7px;text-align:left;vertical-align:top}th{background:#f3f3f3}"
             "code{background:#f6f6f6;padding:0 3px}figure{margin:1.5em 0}img{max-width:100%}"
             ".ok{color:#1a7f37;font-weight:bold}.no{color:#c62828;font-weight:bold}.err{color:#b26a00}"
             ".notes{font-size:12px;color:#444}h2{border-bottom:1px solid #ddd;padding-bottom:.2em}"
             + TIMELINE_STYLE)
    charts_html = ("<h2>Charts</h2>" + "".join(imgs)) if imgs else ""
    return (f"<!doctype html><html lang=en><meta charset=utf-8><title>Goroutine claims report</title>"
            f"<style>{style}</style><body>{body}{charts_html}</body></html>")


def _md_to_html(md: str) -> str:
    """Just enough Markdown for our own report: headings, github tables, paragraphs, notes."""
    out, table = [], []
    import re

    def inline(s: str) -> str:
        s = html.escape(s)
        s = re.sub(r"\*\*(.+?)\*\*", r"<b>\1</b>", s)
        s = re.sub(r"`([^`]+)`", r"<code>\1</code>", s)
        s = re.sub(r"\[([^\]^][^\]]*)\]\(([^)\s]+)\)", r'<a href="\2">\1</a>', s)  # a link
        s = re.sub(r"\[\^(\d+)\]", r'<sup><a href="#n\1" id="r\1">\1</a></sup>', s)
        for sym, cls in (("✓", "ok"), ("✗", "no"), ("⚠", "err"), ("⏱", "err")):
            s = s.replace(sym, f'<span class={cls}>{sym}</span>')
        return s

    def flush() -> None:
        if table:
            cells = [[c.strip() for c in r.strip().strip("|").split("|")] for r in table if not set(r) <= set("|-: ")]
            head, *rows = cells
            out.append("<table><tr>" + "".join(f"<th>{inline(c)}</th>" for c in head) + "</tr>"
                       + "".join("<tr>" + "".join(f"<td>{inline(c)}</td>" for c in r) + "</tr>" for r in rows)
                       + "</table>")
            table.clear()

    for line in md.splitlines():
        if line.startswith("|"):
            table.append(line)
            continue
        flush()
        if line.startswith("#"):
            level = len(line) - len(line.lstrip("#"))
            out.append(f"<h{level}>{inline(line[level:].strip())}</h{level}>")
        elif m := re.match(r"\[\^(\d+)\]: (.*)", line):
            out.append(f'<p class=notes id="n{m[1]}"><a href="#r{m[1]}">{m[1]}</a>. {inline(m[2])}</p>')
        elif line.strip():
            out.append(f"<p>{inline(line)}</p>")
    flush()
    return "\n".join(out)


def files(results: dict, out: Path, history: dict | None = None) -> dict[Path, str | bytes]:
    """Every file of the report, rendered in memory: REPORT.md, report.html and the charts;
    `history` (suite.history.view) adds the trends, the verdict timelines and the changes."""
    pngs: dict[str, bytes] = {}
    from suite.backend import REPO

    md = report_md(results, history, os.path.relpath(REPO, out.resolve()) + "/")
    page = report_html(results, pngs, md, history)
    return {out / "REPORT.md": md, out / "report.html": page,
            **{out / f"{name}.png": png for name, png in pngs.items()}}


def write_all(results: dict, out: Path, extra: dict[Path, str | bytes] | None = None,
              history: dict | None = None) -> None:
    """The report (and `extra` files such as results.json) written all or nothing."""
    from suite import atomicio

    out.mkdir(parents=True, exist_ok=True)
    atomicio.write_all({**(extra or {}), **files(results, out, history)})


# --- summary score, history (trends, timelines, changes) ----------------------------------

REFERENCE = "go"  # the summary score is each backend's speed relative to real Go


def summary_scores(results: dict) -> dict[str, dict[str, Any]]:
    """Per backend: the geometric mean of its ratios to Go over the benchmarks both ran at one
    size (a whole-run figure at a smaller size, the tables' †, is left out), with the geometric
    standard deviation and the min-max of those ratios. Higher is slower; Go is 1."""
    import math

    from reports.benchtables import is_whole_run

    ok = [r for r in results.get("benchmarks", []) if r.get("status") == "ok" and r.get("median")]
    ref = {r["name"]: r for r in ok if r["backend"] == REFERENCE}
    ratios: dict[str, list[float]] = {}
    for r in ok:
        g = ref.get(r["name"])
        if g is None or r["backend"] == REFERENCE:
            continue
        if is_whole_run(r.get("unit", "")) and r.get("params") != g.get("params"):
            continue
        if r.get("at_n") != g.get("at_n"):  # parked memory: compared at one size only
            continue
        ratios.setdefault(r["backend"], []).append(r["median"] / g["median"])
    out = {}
    for b, xs in ratios.items():
        logs = [math.log(x) for x in xs]
        mean = sum(logs) / len(logs)
        sd = math.sqrt(sum((v - mean) ** 2 for v in logs) / (len(logs) - 1)) if len(logs) > 1 else 0.0
        out[b] = {"geomean": math.exp(mean), "gsd": math.exp(sd), "min": min(xs), "max": max(xs),
                  "n": len(xs)}
    return out


def summary_score_md(results: dict) -> str:
    scores = summary_scores(results)
    if not scores:
        return f"(no summary score: no benchmark ran on both {REFERENCE} and another backend at one size)"
    rows = [[b, f"{s['geomean']:,.3g}×", f"{s['gsd']:.2f}", f"{s['min']:,.3g}× – {s['max']:,.3g}×", s["n"]]
            for b, s in sorted(scores.items(), key=lambda kv: kv[1]["geomean"])]
    return (tabulate(rows, headers=["backend", f"geomean ratio to {REFERENCE}", "geometric sd", "min – max",
                                    "benchmarks"], tablefmt="github")
            + f"\n\nEach backend's median over {REFERENCE}'s on every benchmark both ran at one size "
            "(times, and bytes per parked unit), combined by geometric mean: lower is better, 1× = on a par "
            "with Go. The geometric standard deviation and the range say how much the ratios differ "
            "between benchmarks.")


def history_md(view: dict) -> str:
    """The changes found on this machine, then each benchmark's medians over the commits."""
    from suite.history import sparkline

    commits = view.get("commits") or []
    lines = [f"Machine `{view['machine']}` ({view['label']}): {len(commits)} commit(s) recorded, "
             f"oldest first: {' '.join(f'`{c}`' for c in commits)}.", ""]
    found = view.get("changes") or []
    if found:
        rows = []
        for c in found:
            what = (f"{c['before']:,.4g} → {c['after']:,.4g} {c['unit']} (×{c['ratio']:.2f}, p={c['p']:.1g})"
                    if c.get("ratio") is not None else f"{c['before']} → {c['after']}")
            rows.append([c["name"], c["backend"], f"`{c['commit']}`", what,
                         "**regression**" if c["regression"] else "improvement"])
        lines += [tabulate(rows, headers=["benchmark / claim", "backend", "from commit", "change", ""],
                           tablefmt="github"), ""]
    else:
        lines += ["No change found across these commits (see `python -m suite history regressions`).", ""]
    rows = []
    for key, pts in sorted((view.get("bench") or {}).items()):
        if pts:
            name, backend = key.split("|", 1)
            rows.append([name, backend, pts[0]["unit"], len(pts), f"{pts[-1]['median']:,.4g}",
                         sparkline([p["median"] for p in pts])])
    if rows:
        lines.append(tabulate(rows, headers=["benchmark", "backend", "unit", "commits", "last", "trend (log)"],
                              tablefmt="github"))
    return "\n".join(lines)


TIMELINE_STYLE = (".tl td{padding:0;border:1px solid #fff;width:14px;height:14px}.tl th{font-weight:normal;"
                  "background:none;border:none;text-align:right;padding:0 6px}"
                  ".v-holds{background:#4caf50}.v-refuted{background:#e53935}.v-na{background:#bdbdbd}"
                  ".v-error,.v-timeout{background:#fb8c00}.v-inconclusive{background:#fff59d}"
                  ".v-none{background:#f5f5f5}.tl .unexp{outline:2px solid #222;outline-offset:-2px}")


def timeline_html(view: dict) -> str:
    """Per claim and backend, a row of colored cells, one per commit (as wpt.fyi shows a test's
    results over runs); a black frame marks a verdict that differs from the expectation."""
    commits = view.get("commits") or []
    series = view.get("claims") or {}
    if not series or not commits:
        return ""
    rows = []
    for key in sorted(series):
        claim, backend = key.split("|", 1)
        by = {p["commit"]: p for p in series[key]}
        cells = []
        for c in commits:
            p = by.get(c)
            v = p["observed"] if p else "none"
            unexp = " unexp" if p and p.get("expected") and not as_expected(p["observed"], p["expected"]) else ""
            tip = html.escape(f"{c}: {v}" + (f" (expected {p['expected']})" if unexp else ""))
            cells.append(f'<td class="v-{html.escape(v.replace("/", ""))}{unexp}" title="{tip}"></td>')
        rows.append(f"<tr><th><code>{html.escape(claim)}</code> {html.escape(backend)}</th>{''.join(cells)}</tr>")
    return ("<h2>Verdict timeline</h2><p>One row per claim and backend, one cell per commit (oldest "
            "left): green holds, red refuted, grey n/a, orange error or timeout, yellow inconclusive, "
            "blank not run; a black frame = differs from the backend's expectation. Hover a cell for "
            f"its commit.</p><table class=tl>{''.join(rows)}</table>")


if __name__ == "__main__":  # python -m reports.render DIR
    import sys

    d = Path(sys.argv[1] if len(sys.argv) > 1 else "reports/latest")
    write_all(json.loads((d / "results.json").read_text()), d)
