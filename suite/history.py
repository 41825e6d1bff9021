"""Run history in SQLite: every `suite run` is recorded, trends and regressions are read back.

    python -m suite history [--bench N,..] [--claim ID,..] [--backend B,..] [--machine M] [--history DB]
    python -m suite history import results.json...
    python -m suite history regressions [--fail-on-regression] [--min-effect PCT]

The pieces
----------
A *run* is one results.json: its commit, its start time and the machine it ran on. A *machine*
is a fingerprint: a stable hash (12 hex digits of SHA-256) over the facts environment.py records
that decide what a figure means — CPU model, cores, architecture, kernel, C compiler, Go and
Python versions — plus a readable label. The backends' own version strings are left out on
purpose: they come from the code under test (and from which backends a shard ran), so two shards
of one machine would otherwise get two fingerprints. Figures are compared only within a machine.

Schema (PRAGMA user_version = SCHEMA):

    machines(id TEXT PK, label, facts JSON)
    runs(id INTEGER PK, commit_id, started, machine -> machines, complete, source, digest UNIQUE,
         shard, recorded)
    benchmarks(run -> runs, name, backend, unit, status, median, stdev, n, vals JSON, params JSON)
    claims(run -> runs, claim, backend, observed, expected)

`digest` is the SHA-256 of the results' canonical JSON: importing one file twice records it once.
Migrations: MIGRATIONS[v] takes a database from user_version v to v + 1; opening applies the
missing ones in order, each in the same transaction as its user_version bump, so a database is
always at one version. A database newer than this code is refused, never downgraded.

Invariants
----------
* A run and all its rows are written in one transaction (BEGIN IMMEDIATE ... COMMIT): a process
  killed mid-write leaves the previous state (SQLite's journal rolls the rest back on next open).
* A run interrupted by Ctrl-C is recorded with complete = 0 (what it measured is real); a run
  killed outright records nothing, since recording is its last step.
* A file that is not our database (garbage, another program's SQLite, a failed integrity check)
  raises HistoryError with one line and is never written to: the check runs before any write.

Trends and regressions
----------------------
Per (machine, benchmark, backend) the runs are grouped by commit, commits ordered by their first
run's start time. A commit's samples are the pyperf values of its runs (the median alone when a
record has no values). At every commit boundary the samples of up to WINDOW commits before are
compared with those of up to WINDOW commits after by a Mann-Whitney rank test (normal
approximation with tie correction). Why a rank test rather than asv's step detection: we have
repeated samples per commit, and a rank test uses them directly, assumes no distribution (timings
are skewed with a long right tail) and needs no penalty tuned to the noise level. Why a minimum
effect: samples within one run are not independent of the machine's state, so with many samples a
tiny shift between two runs is "significant"; a change is reported only when p < ALPHA *and* the
median moved by at least `min_effect` *and* by at least twice the run-to-run noise the windows
show (the largest distance of a commit's median from its window's median, either side). A single
run on one side of a boundary cannot be told from an outlier run, so the floor carries the edges:
on series of 6 commits x 9 samples with a run-wide offset of +-4% and 5% jitter (run medians
spread over +-8%), a floor of 10% fired on 11 of 1,000 noise-only series, 12% on 3, 15% on none,
while a 1.3x step was found at its commit in 1,000 of 1,000 (suite/tests/test_history.py). Hence
the default of 15%; a quieter machine can pass a smaller --min-effect. Adjacent boundaries that both pass (the
windows overlap the step) are one change, placed where the mean log of the commit medians steps most.
Higher is worse for every unit we record (ns/op, ms/op, B/unit): up is a regression, down an
improvement. A verdict flip is a commit whose verdict differs from the previous commit's
(inconclusive verdicts, which say the machine was busy, are skipped); a flip to a verdict that
differs from the backend's expectation is a regression.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
import sqlite3
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from statistics import median
from typing import Any, Iterable

DEFAULT_PATH = "reports/history.sqlite"
SCHEMA = 1
RESULTS_SCHEMA = 1  # the results.json schema this module reads
FINGERPRINT_FACTS = ("cpu", "cores", "machine", "kernel", "cc", "go", "python")
WINDOW = 3  # commits on each side of a boundary
ALPHA = 0.01
MIN_EFFECT_PCT = 15.0


class HistoryError(ValueError):
    """A history database or input that cannot be used; the message is one line."""


# --- machines ------------------------------------------------------------------------------

def fingerprint(env: dict) -> tuple[str, str]:
    """(stable id, readable label) of the machine an environment dict describes."""
    facts = {k: env.get(k) for k in FINGERPRINT_FACTS}
    digest = hashlib.sha256(json.dumps(facts, sort_keys=True).encode()).hexdigest()[:12]
    label = (f"{facts['cpu'] or '?'} x{facts['cores'] or '?'} · {facts['kernel'] or '?'} · "
             f"{facts['go'] or 'no go'} · py{facts['python'] or '?'}")
    return digest, label


# --- schema and opening --------------------------------------------------------------------

def _v0_to_v1(db: sqlite3.Connection) -> None:
    db.execute("CREATE TABLE machines (id TEXT PRIMARY KEY, label TEXT NOT NULL, facts TEXT NOT NULL)")
    db.execute("CREATE TABLE runs (id INTEGER PRIMARY KEY, commit_id TEXT NOT NULL, started TEXT NOT NULL,"
               " machine TEXT NOT NULL REFERENCES machines(id), complete INTEGER NOT NULL,"
               " source TEXT, digest TEXT NOT NULL UNIQUE, shard TEXT, recorded TEXT NOT NULL)")
    db.execute("CREATE TABLE benchmarks (run INTEGER NOT NULL REFERENCES runs(id), name TEXT NOT NULL,"
               " backend TEXT NOT NULL, unit TEXT, status TEXT NOT NULL, median REAL, stdev REAL,"
               " n INTEGER, vals TEXT, params TEXT)")
    db.execute("CREATE TABLE claims (run INTEGER NOT NULL REFERENCES runs(id), claim TEXT NOT NULL,"
               " backend TEXT NOT NULL, observed TEXT NOT NULL, expected TEXT)")
    db.execute("CREATE INDEX runs_by_machine ON runs(machine, started)")
    db.execute("CREATE INDEX bench_by_run ON benchmarks(run)")
    db.execute("CREATE INDEX claims_by_run ON claims(run)")


MIGRATIONS = [_v0_to_v1]  # MIGRATIONS[v]: user_version v -> v + 1


class History:
    """An open, checked history database."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise HistoryError(f"cannot create the folder of {self.path}: {e.strerror or e}") from None
        try:
            self.db = sqlite3.connect(str(self.path), timeout=30, isolation_level=None)
            self._check()
            self._migrate()
        except sqlite3.DatabaseError as e:
            raise HistoryError(f"{self.path} is not a usable history database ({e}); it was left "
                               "as it is: give another --history PATH, or --no-history") from None

    def _check(self) -> None:
        ok = self.db.execute("PRAGMA quick_check").fetchone()[0]  # garbage raises DatabaseError here
        if ok != "ok":
            raise sqlite3.DatabaseError(f"integrity check: {ok}")
        version = self.db.execute("PRAGMA user_version").fetchone()[0]
        tables = {r[0] for r in self.db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        if version == 0 and tables:
            raise sqlite3.DatabaseError(f"an SQLite file with other tables ({', '.join(sorted(tables))})")
        if version > SCHEMA:
            raise sqlite3.DatabaseError(f"history schema {version} is newer than this suite's "
                                        f"(accepted: up to {SCHEMA})")

    def _migrate(self) -> None:
        """Each step reads the version under the write lock: two shards opening a new database
        at once create its tables once."""
        while True:
            self.db.execute("BEGIN IMMEDIATE")
            try:
                v = self.db.execute("PRAGMA user_version").fetchone()[0]
                if v >= len(MIGRATIONS):
                    self.db.execute("COMMIT")
                    return
                MIGRATIONS[v](self.db)
                self.db.execute(f"PRAGMA user_version = {v + 1}")
                self.db.execute("COMMIT")
            except BaseException:
                self.db.execute("ROLLBACK")
                raise

    def close(self) -> None:
        self.db.close()

    # --- writing ---------------------------------------------------------------------------

    def record(self, results: dict, source: str | None = None) -> int | None:
        """Record one results.json (a dict) in one transaction; the run id, or None if this
        exact results was recorded before."""
        check_results(results, source or "results")
        env = results.get("environment") or {}
        digest = hashlib.sha256(json.dumps(results, sort_keys=True, default=str).encode()).hexdigest()
        mid, label = fingerprint(env)
        shard = results.get("shard")
        self.db.execute("BEGIN IMMEDIATE")
        try:
            if self.db.execute("SELECT 1 FROM runs WHERE digest=?", (digest,)).fetchone():
                self.db.execute("ROLLBACK")
                return None
            self.db.execute("INSERT OR IGNORE INTO machines VALUES (?,?,?)",
                            (mid, label, json.dumps({k: env.get(k) for k in FINGERPRINT_FACTS})))
            cur = self.db.execute(
                "INSERT INTO runs (commit_id, started, machine, complete, source, digest, shard, recorded)"
                " VALUES (?,?,?,?,?,?,?,?)",
                (env.get("commit") or "unknown", env.get("started") or "", mid,
                 1 if env.get("complete") else 0, source, digest,
                 f"{shard['index']}/{shard['count']}" if isinstance(shard, dict) else None,
                 dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")))
            run = cur.lastrowid
            self._insert_rows(run, results)
            self.db.execute("COMMIT")
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        return run

    def _insert_rows(self, run: int, results: dict) -> None:
        self.db.executemany(
            "INSERT INTO benchmarks VALUES (?,?,?,?,?,?,?,?,?,?)",
            [(run, b["name"], b["backend"], b.get("unit"), b.get("status") or "?", b.get("median"),
              b.get("stdev"), b.get("n"), json.dumps(b.get("values")), json.dumps(b.get("params")))
             for b in results.get("benchmarks") or []])
        self.db.executemany(
            "INSERT INTO claims VALUES (?,?,?,?,?)",
            [(run, c["id"], c["backend"], c.get("observed") or "?", c.get("expected"))
             for c in results.get("claims") or []])

    # --- reading ---------------------------------------------------------------------------

    def machines(self) -> dict[str, str]:
        return dict(self.db.execute("SELECT id, label FROM machines ORDER BY label"))

    def commits(self, machine: str) -> list[str]:
        """A machine's commits in the order of their first run."""
        return [r[0] for r in self.db.execute(
            "SELECT commit_id FROM runs WHERE machine=? GROUP BY commit_id ORDER BY MIN(started), MIN(id)",
            (machine,))]

    def bench_series(self, machine: str) -> dict[tuple[str, str], list[Point]]:
        """(benchmark, backend) -> one Point per commit with an ok figure, in commit order.
        A benchmark whose size (params) changed over the history is one series per size, the
        size in the backend's label ("native [n=1,000]"): a new workload is not a regression."""
        order = {c: i for i, c in enumerate(self.commits(machine))}
        rows = self.db.execute(
            "SELECT b.name, b.backend, b.params, b.unit, b.median, b.vals, r.commit_id FROM benchmarks b "
            "JOIN runs r ON r.id = b.run WHERE r.machine=? AND b.status='ok' AND b.median IS NOT NULL "
            "ORDER BY r.started, r.id", (machine,)).fetchall()
        sizes: dict[tuple[str, str], set[str]] = defaultdict(set)
        for name, backend, params, *_ in rows:
            sizes[(name, backend)].add(params or "null")
        pooled: dict[tuple[str, str], dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
        units: dict[tuple[str, str], str] = {}
        for name, backend, params, unit, med, vals, commit in rows:
            if len(sizes[(name, backend)]) > 1:
                backend = f"{backend} [{_size(params)}]"
            values = json.loads(vals) if vals else None
            pooled[(name, backend)][commit].extend(values if values else [med])
            units[(name, backend)] = unit or ""
        return {key: [Point(c, order[c], vs, median(vs), units[key])
                      for c, vs in sorted(by.items(), key=lambda kv: order[kv[0]])]
                for key, by in pooled.items()}

    def claim_series(self, machine: str) -> dict[tuple[str, str], list[tuple[str, str, str | None]]]:
        """(claim, backend) -> (commit, observed, expected) per commit, the commit's last run."""
        order = {c: i for i, c in enumerate(self.commits(machine))}
        last: dict[tuple[str, str], dict[str, tuple[str, str | None]]] = defaultdict(dict)
        for claim, backend, observed, expected, commit in self.db.execute(
                "SELECT c.claim, c.backend, c.observed, c.expected, r.commit_id FROM claims c "
                "JOIN runs r ON r.id = c.run WHERE r.machine=? ORDER BY r.started, r.id", (machine,)):
            last[(claim, backend)][commit] = (observed, expected)
        return {key: [(c, *v) for c, v in sorted(by.items(), key=lambda kv: order[kv[0]])]
                for key, by in last.items()}


def _size(params_json: str | None) -> str:
    params = json.loads(params_json) if params_json else None
    if not isinstance(params, dict) or not params:
        return "no size"
    return ", ".join(f"{k}={v:,}" if isinstance(v, int) else f"{k}={v}" for k, v in sorted(params.items()))


@dataclass
class Point:
    commit: str
    index: int  # the commit's position on the machine's axis
    values: list[float]
    median: float
    unit: str


def open_history(path: str | Path) -> History:
    return History(path)


def check_results(results: Any, where: str) -> None:
    if not isinstance(results, dict) or results.get("schema") != RESULTS_SCHEMA:
        got = results.get("schema") if isinstance(results, dict) else type(results).__name__
        raise HistoryError(f"{where}: not a results.json of schema {RESULTS_SCHEMA} (schema {got!r}); "
                           "accepted: a results.json written by `python -m suite run`")
    for key, need in (("benchmarks", ("name", "backend")), ("claims", ("id", "backend"))):
        recs = results.get(key, [])
        if not isinstance(recs, list) or any(not isinstance(r, dict) or any(k not in r for k in need)
                                             for r in recs):
            raise HistoryError(f"{where}: `{key}` must be a list of records with {' and '.join(need)}; "
                               "accepted: a results.json written by `python -m suite run`")


def load_results(path: str) -> dict:
    p = Path(path)
    if p.is_dir():
        p = p / "results.json"
    try:
        data = json.loads(p.read_text())
    except OSError as e:
        raise HistoryError(f"{p}: {e.strerror or e}; accepted: a results.json written by `python -m suite run`") from None
    except ValueError as e:
        raise HistoryError(f"{p}: not JSON ({e}); accepted: a results.json written by `python -m suite run`") from None
    check_results(data, str(p))
    return data


# --- change points -------------------------------------------------------------------------

def mann_whitney_p(a: list[float], b: list[float]) -> float:
    """Two-sided p of the Mann-Whitney U test, normal approximation with tie correction and
    continuity correction. 1.0 when either side is empty or every value is tied."""
    n1, n2 = len(a), len(b)
    if not n1 or not n2:
        return 1.0
    pooled = sorted([(v, 0) for v in a] + [(v, 1) for v in b])
    ranks = [0.0] * len(pooled)
    ties = 0.0
    i = 0
    while i < len(pooled):  # average ranks over runs of equal values
        j = i
        while j + 1 < len(pooled) and pooled[j + 1][0] == pooled[i][0]:
            j += 1
        for k in range(i, j + 1):
            ranks[k] = (i + j) / 2 + 1
        t = j - i + 1
        ties += t ** 3 - t
        i = j + 1
    r1 = sum(r for r, (_, side) in zip(ranks, pooled, strict=True) if side == 0)
    u = r1 - n1 * (n1 + 1) / 2
    n = n1 + n2
    var = n1 * n2 / 12 * ((n + 1) - ties / (n * (n - 1))) if n > 1 else 0.0
    if var <= 0:
        return 1.0
    z = (abs(u - n1 * n2 / 2) - 0.5) / math.sqrt(var)
    return math.erfc(max(z, 0.0) / math.sqrt(2))


@dataclass
class Change:
    machine: str
    name: str  # benchmark, or claim id for a flip
    backend: str
    commit: str  # the first commit after the change
    before: Any  # median (benchmarks) or verdict (claims)
    after: Any
    ratio: float | None = None
    p: float | None = None
    regression: bool = True
    unit: str = ""


def step_changes(points: list[Point], min_effect: float = MIN_EFFECT_PCT, window: int = WINDOW,
                 alpha: float = ALPHA) -> list[tuple[int, float, float]]:
    """(boundary index, ratio after/before, p) of each step in one series (see the design note)."""
    floor = math.log1p(min_effect / 100)
    found = []
    for i in range(1, len(points)):
        left, right = points[max(0, i - window):i], points[i:i + window]
        before = [v for p in left for v in p.values]
        after = [v for p in right for v in p.values]
        mb, ma = median(before), median(after)
        if mb <= 0 or ma <= 0 or any(q.median <= 0 for q in left + right):
            continue
        ratio = ma / mb
        # run-to-run noise: the largest distance of a commit's median from its window's median,
        # on either side; a window that straddles a step looks noisy, which keeps the step at
        # its own boundary
        noise = max([abs(math.log(q.median / mb)) for q in left] + [abs(math.log(q.median / ma)) for q in right])
        p = mann_whitney_p(before, after)
        if p < alpha and abs(math.log(ratio)) >= max(floor, 2 * noise):
            size = abs(sum(math.log(q.median) for q in right) / len(right)
                       - sum(math.log(q.median) for q in left) / len(left))
            found.append((i, ratio, p, size))
    steps: list[tuple[int, float, float, float]] = []
    for cand in found:  # overlapping windows: one change, where the commit medians step most
        if steps and cand[0] - steps[-1][0] < window and (cand[1] > 1) == (steps[-1][1] > 1):
            if cand[3] > steps[-1][3]:
                steps[-1] = cand
            continue
        steps.append(cand)
    return [(i, ratio, p) for i, ratio, p, _ in steps]


def changes(h: History, machines: Iterable[str], min_effect: float = MIN_EFFECT_PCT,
            keep: Any = None) -> list[Change]:
    """Every benchmark step and verdict flip on the given machines; `keep(name, backend)`
    filters the series."""
    out: list[Change] = []
    for m in machines:
        for (name, backend), pts in sorted(h.bench_series(m).items()):
            if keep and not keep(name, backend):
                continue
            for i, ratio, p in step_changes(pts, min_effect):
                before = median([v for q in pts[max(0, i - WINDOW):i] for v in q.values])
                out.append(Change(m, name, backend, pts[i].commit, before, before * ratio, ratio, p,
                                  regression=ratio > 1, unit=pts[i].unit))
        for (claim, backend), seq in sorted(h.claim_series(m).items()):
            if keep and not keep(claim, backend):
                continue
            prev = None
            for commit, observed, expected in seq:
                if observed == "inconclusive":
                    continue
                if prev is not None and observed != prev:
                    out.append(Change(m, claim, backend, commit, prev, observed,
                                      regression=observed != expected))
                prev = observed
    return out


# --- views ---------------------------------------------------------------------------------

SPARK = "▁▂▃▄▅▆▇█"


def sparkline(xs: list[float]) -> str:
    """A text trend on a log scale spanning at least 1.25x, so that a few percent of noise
    stays low and flat instead of filling the whole height."""
    if not xs:
        return ""
    logs = [math.log(x) if x > 0 else 0.0 for x in xs]
    lo = min(logs)
    span = max(max(logs) - lo, math.log(1.25))
    return "".join(SPARK[round((v - lo) / span * (len(SPARK) - 1))] for v in logs)


def view(h: History, machine: str, min_effect: float = MIN_EFFECT_PCT, last: int = 30) -> dict:
    """What the report shows for one machine: its commits (the last `last`), each benchmark's
    medians per commit, each claim's verdicts per commit, and the changes found."""
    commits = h.commits(machine)[-last:]
    keep = set(commits)
    bench = {f"{n}|{b}": [{"commit": p.commit, "median": p.median, "unit": p.unit} for p in pts if p.commit in keep]
             for (n, b), pts in h.bench_series(machine).items()}
    claims = {f"{c}|{b}": [{"commit": c_, "observed": o, "expected": e} for c_, o, e in seq if c_ in keep]
              for (c, b), seq in h.claim_series(machine).items()}
    found = [c.__dict__ for c in changes(h, [machine], min_effect) if c.commit in keep]
    return {"machine": machine, "label": h.machines().get(machine, machine), "commits": commits,
            "bench": bench, "claims": claims, "changes": found}


def _describe(c: Change, labels: dict[str, str]) -> list[Any]:
    if c.ratio is not None:
        what = (f"{c.before:,.4g} → {c.after:,.4g} {c.unit} ({(c.ratio - 1) * 100:+.0f}%, "
                f"×{c.ratio:.2f}, p={c.p:.1g})")
    else:
        what = f"verdict {c.before} → {c.after}"
    return [labels.get(c.machine, c.machine), c.name, c.backend, c.commit, what,
            "REGRESSION" if c.regression else "improvement" if c.ratio is not None else "fix"]


# --- command line --------------------------------------------------------------------------

SYMBOL = {"holds": "✓", "refuted": "✗", "n/a": "–", "error": "⚠", "timeout": "⏱", "inconclusive": "≈"}


def existing(path: str) -> History:
    if not Path(path).exists():
        raise HistoryError(f"no history database at {path}; `python -m suite run` records one "
                           "(or `python -m suite history import results.json...`), or give --history PATH")
    return History(path)


class Filters:
    """--bench/--claim/--backend/--machine, checked against what the database holds."""

    def __init__(self, h: History, bench: list[str] | None, claim: list[str] | None,
                 backend: list[str] | None, machine: str | None):
        self.bench = {b if b.startswith("Benchmark") else f"Benchmark{b}" for b in bench or []}
        self.claim, self.backend = set(claim or []), set(backend or [])
        known = {
            "benchmark": {r[0] for r in h.db.execute("SELECT DISTINCT name FROM benchmarks")},
            "claim": {r[0] for r in h.db.execute("SELECT DISTINCT claim FROM claims")},
            "backend": {r[0] for r in h.db.execute("SELECT DISTINCT backend FROM benchmarks UNION "
                                                   "SELECT DISTINCT backend FROM claims")}}
        for what, given in (("benchmark", self.bench), ("claim", self.claim), ("backend", self.backend)):
            unknown = sorted(given - known[what])
            if unknown:
                raise HistoryError(f"no {what} {unknown[0]!r} in the history; recorded: "
                                   f"{', '.join(sorted(known[what])) or '(none)'}")
        labels = h.machines()
        self.machines = [m for m, label in labels.items()
                         if not machine or m.startswith(machine) or machine.lower() in label.lower()]
        if machine and not self.machines:
            raise HistoryError(f"no machine matching {machine!r}; recorded: "
                               + "; ".join(f"{m} ({label})" for m, label in labels.items()))
        self.show_bench = bool(self.bench) or not self.claim
        self.show_claims = bool(self.claim) or not self.bench

    def __call__(self, name: str, backend: str) -> bool:
        if self.backend and backend.split(" [")[0] not in self.backend:
            return False
        if name.startswith("Benchmark"):
            return self.show_bench and (not self.bench or name in self.bench)
        return self.show_claims and (not self.claim or name in self.claim)


def trends_main(path: str, bench, claim, backend, machine) -> int:
    from tabulate import tabulate

    h = existing(path)
    f = Filters(h, bench, claim, backend, machine)
    labels = h.machines()
    if not labels:
        print(f"{path}: no runs recorded yet")
        return 0
    for m in f.machines:
        commits = h.commits(m)
        print(f"## machine {m}: {labels[m]}\n{len(commits)} commit(s), oldest first: {' '.join(commits)}\n")
        rows = []
        for (name, be), pts in sorted(h.bench_series(m).items()):
            if not f(name, be):
                continue
            first, last_ = pts[0].median, pts[-1].median
            rows.append([name, be, pts[0].unit, len(pts), f"{first:,.4g}", f"{last_:,.4g}",
                         f"{(last_ / first - 1) * 100:+.1f}%" if first else "", sparkline([p.median for p in pts])])
        if rows:
            print(tabulate(rows, headers=["benchmark", "backend", "unit", "commits", "first", "last",
                                          "change", "trend (log)"], tablefmt="github"), "\n")
        crow = []
        for (cid, be), seq in sorted(h.claim_series(m).items()):
            if not f(cid, be):
                continue
            flips = sum(1 for a, b in zip(seq, seq[1:], strict=False) if a[1] != b[1])
            crow.append([cid, be, "".join(SYMBOL.get(o, "?") for _, o, _ in seq), seq[-1][1], flips])
        if crow:
            print(tabulate(crow, headers=["claim", "backend", "verdicts, oldest first", "last", "flips"],
                           tablefmt="github"), "\n")
        if not rows and not crow:
            print("(nothing recorded matches the filters)\n")
    return 0


def regressions_main(path: str, bench, claim, backend, machine, min_effect: float, fail: bool) -> int:
    from tabulate import tabulate

    if not 0 < min_effect <= 1000:
        raise HistoryError(f"--min-effect {min_effect:g} is out of range; accepted: 0 < percent <= 1000")
    h = existing(path)
    f = Filters(h, bench, claim, backend, machine)
    found = changes(h, f.machines, min_effect, keep=f)
    labels = h.machines()
    if not found:
        print(f"no change found (Mann-Whitney p < {ALPHA}, effect >= {min_effect:g}%, "
              f"windows of {WINDOW} commits)")
        return 0
    print(tabulate([_describe(c, labels) for c in found],
                   headers=["machine", "benchmark / claim", "backend", "from commit", "change", ""],
                   tablefmt="github"))
    bad = [c for c in found if c.regression]
    print(f"\n{len(bad)} regression(s), {len(found) - len(bad)} improvement(s)/fix(es)")
    return 1 if bad and fail else 0


def import_main(path: str, files: list[str]) -> int:
    loaded = [(f, load_results(f)) for f in files]  # every file checked before any is recorded
    h = History(path)
    for f, results in loaded:
        run = h.record(results, source=str(f))
        mid, label = fingerprint(results.get("environment") or {})
        commit = (results.get("environment") or {}).get("commit") or "unknown"
        print(f"{f}: " + (f"recorded as run {run} (commit {commit}, machine {mid}: {label})" if run
                          else "already recorded, skipped"))
    return 0
