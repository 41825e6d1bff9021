"""The spec: one entry per claim of the article, each with the scenario runs it needs and the
check that turns their observables into a verdict with evidence. CLAIMS.md, the catalogue a
reader opens, is generated from this file (``python -m suite catalogue``).

One criterion per claim: a check reads the same keys on every backend (``need``: a missing or
None key is the backend's error, never a pass), and timed comparisons are sampled by the suite
(``Run.variants``/``repeat``: alternated, medians), never estimated inside a backend.

A check receives ``{run_key: observables}`` (and, for claims with a reference, the reference
backend's observables under ``"ref"``) and returns ``(verdict, evidence)`` where verdict is
``holds``, ``refuted`` or ``n/a`` and evidence is a flat dict of the numbers that decided it.
Nothing here knows a backend's name, except where the article itself names the comparison:
a claim's ``references`` are the backends it is measured against, in order of preference (the
first available one is judged against; the others are shown beside it).

``params`` are the full sizes (``python -m suite run --rigorous``); ``quick_params``
override them for the tests and the default run, where the full size would take minutes on
the slowest backend (1,000 trials of 1,000 OS threads is ~70 s). Each reduction keeps a false
verdict vanishingly unlikely; the reasoning is next to ``T100`` below.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

from suite.scenarios import cpus

Obs = dict[str, Any]
Check = Callable[[dict[str, Obs]], tuple[str, dict[str, Any]]]
KiB, MiB, GiB = 1024, 1024**2, 1024**3


REPEATS = 3  # samples per variant of a timed comparison; the suite takes the median
# untimed rounds before atomic_vs_mutex's timed one, on every backend: its loops take ~1 ms at
# the quick size, so a JIT still compiling them competes for the 2 cores. java-virtual with one
# core busy: after 1 round Mutex/atomic was < 1 in 3 of 8 runs (atomic 11-16 ns, quiet 5 ns);
# after 5 rounds it was 1.5-2.4 in 32 of 32 (the CI run that failed saw 18 ns, 3 runs of 3)
JIT_WARMUP = 5


@dataclass(frozen=True)
class Run:
    key: str
    scenario: str
    params: dict[str, Any] = field(default_factory=dict)
    quick_params: dict[str, Any] | None = None  # overrides for tests and the default run
    # A timed comparison: each (name, param overrides) variant runs `repeat` times, alternated
    # A/B/A/B, each in its own worker; the check gets Samples, never a backend's own estimate.
    variants: tuple[tuple[str, dict[str, Any]], ...] = ()
    repeat: int = 1

    @property
    def sampled(self) -> bool:
        return bool(self.variants) or self.repeat > 1

    def schedule(self) -> list[tuple[int, tuple[str, dict[str, Any]]]]:
        variants = self.variants or (("", {}),)
        return [(rep, v) for rep in range(self.repeat) for v in variants]


class Samples(dict):
    """{variant: [observables of each repetition]} of a sampled run; median() aggregates."""

    def values_of(self, variant: str, key: str) -> list[float]:
        return [need(o, key) for o in self[variant]]

    def median(self, variant: str, key: str) -> float:
        from statistics import median
        return median(self.values_of(variant, key))


def need(o: Obs, key: str) -> Any:
    """An observable the check reads: missing or None is the backend's error, never a pass."""
    if o.get(key) is None:
        raise KeyError(f"observable {key!r} missing or None")
    return o[key]


@dataclass(frozen=True)
class Claim:
    id: str
    section: str
    subject: str  # G goroutine-like runtimes, T OS threads, * every backend
    statement: str
    observable: str
    runs: tuple[Run, ...]
    check: Check
    # non-empty when the article states a fact of Go itself (its toolchain, its API, its own
    # numbers) rather than of goroutine-like runtimes in general: says which; the other backends
    # are then measured on their nearest counterpart
    about_go: str = ""
    # run the same scenario on these backends; the first available one is the judged reference
    references: tuple[str, ...] = ()
    timeout: float = 300.0  # seconds per scenario run
    # The verdict rests on a time measurement: measured again, or `inconclusive`, when other
    # processes loaded the machine meanwhile (runner.LOAD_LIMIT).
    timing: bool = False
    # The verdict needs units running at the same instant on different CPUs (a lost update
    # happens only then), which a loaded machine takes away: treated under load as a timing
    # claim is. java-virtual with one core busy: 0 lossy trials of 100 + 5 (7 + 4 when quiet).
    parallel: bool = False

    @property
    def needs_quiet_machine(self) -> bool:
        return self.timing or self.parallel


def verdict(ok: bool) -> str:
    return "holds" if ok else "refuted"


def na(reason: str, **evidence: Any) -> tuple[str, dict[str, Any]]:
    return "n/a", {"reason": reason, **evidence}


def _r(x: float | None, nd: int = 1) -> float | None:
    return None if x is None else round(float(x), nd)


# ---- checks ---------------------------------------------------------------------------------

def _extra(o: Obs, *keys: str) -> dict[str, Any]:
    """Runtime-specific figures shown beside the judged one, never judged themselves."""
    return {k: _r(o[k]) for k in keys if o.get(k) is not None}


def check_stack_initial(r: dict[str, Obs]) -> tuple[str, dict]:
    """Judged on resident bytes per parked unit on every backend (Go's StackInuse is evidence
    only: it leaves out the G itself and the runtime's bookkeeping, which RSS counts)."""
    o = r["parked"]
    if need(o, "reached") < need(o, "requested"):
        return "refuted", {"reached": o["reached"], "error": o["error"]}
    per = need(o, "rss_per_unit")
    ev = {"rss_per_unit": _r(per), "n": o["reached"], **_extra(o, "runtime_stack_bytes"),
          "below_2_KiB": per < 2 * KiB}
    # RSS per unit moves a few percent run to run (a JVM's heap after GC: 2,059-2,137 B per
    # virtual thread): within 10% of either end of the range the verdict would flip
    for edge in (2 * KiB, 8 * KiB):
        if edge / 1.1 < per < edge * 1.1:
            return "inconclusive", {"reason": f"borderline: {per:,.0f} B is within 10% of the "
                                    f"range's {edge // KiB} KiB end", **ev}
    return verdict(2 * KiB <= per <= 8 * KiB), ev


def check_thread_size(r: dict[str, Obs]) -> tuple[str, dict]:
    """Measured, not configured: the address space each parked unit added (VmSize delta / N).
    For a thread that is its stack (8 MiB by default), its guard page and its share of glibc's
    per-thread malloc arenas (~1 MiB at N=1000), so the bound is 10 MiB, not 8."""
    o = r["parked"]
    reserve = need(o, "vm_per_unit")
    return verdict(MiB <= reserve <= 10 * MiB), {
        "vm_per_unit": _r(reserve), "vm_per_unit_MiB": _r(reserve / MiB, 2),
        "rss_per_unit": _r(need(o, "rss_per_unit")), "n": o["reached"], "error": o["error"],
        **_extra(o, "stack_reserve_bytes")}


def check_dynamic_growth(r: dict[str, Obs]) -> tuple[str, dict]:
    """Grows on demand: recursion through 256 KiB of touched frames succeeds while `idle` units
    stay parked, and overflow past the limit is a clear error, never silent corruption. The
    resident growth measured in the deepest frame is evidence, not a criterion: where frames
    live on a heap (asyncio, gevent) it measured anywhere from 28 to 300 KiB for the same
    program, depending on what the heap already held."""
    g, ov = r["grow"], r["overflow"]
    ev = {"recursed_bytes": g["recursed_bytes"], "rss_growth": g["rss_growth"],
          "growth_ok": g["ok"], "growth_error": g["error"],
          "overflow_clear_error": ov["clear_error"], "overflow_message": ov["message"],
          "overflow_exit_code": ov["exit_code"]}
    if not g["ok"]:
        return "refuted", ev
    grown = need(g, "recursed_bytes") >= 256 * KiB
    return verdict(grown and bool(ov["clear_error"])), ev


# A per-op time within this factor of a claim's bound is too close to call: run to run (JIT
# warm-up, GC, the machine) it lands on both sides (Java's virtual-thread spawn: 806-1,338 ns
# against 1,000 in eight quiet runs), so the verdict would flip. The suite says so instead.
BORDERLINE = 1.5


def _ns_check(key: str, below: float | None = None, at_least: float | None = None) -> Check:
    bound = below if below is not None else at_least

    def check(r: dict[str, Obs]) -> tuple[str, dict]:
        o = r["run"]
        ns = o["seconds"] / o["ops"] * 1e9
        ev = {key: _r(ns), "n": o["ops"]}
        if bound is not None and bound / BORDERLINE < ns < bound * BORDERLINE:
            return "inconclusive", {"reason": f"borderline: {ns:,.0f} ns is within a factor of "
                                    f"{BORDERLINE} of the {bound:,.0f} ns bound, where run-to-run "
                                    "spread puts it on either side", **ev}
        ok = (below is None or ns < below) and (at_least is None or ns >= at_least)
        return verdict(ok), ev
    return check


def check_user_space(r: dict[str, Obs]) -> tuple[str, dict]:
    """User space = no kernel context switch per switch, and cheap (< 1,000 ns). Timing on a
    shared machine is good to about 10%: a figure within 10% of the line (gevent's hub switch
    measures 990-1,050 ns here) leaves the timing criterion undecided, and the kernel-switch
    count, the defining property, decides alone."""
    o = r["run"]
    ns = o["seconds"] / o["ops"] * 1e9
    per = o["nvcsw_per_switch"]
    cheap = True if ns < 900 else False if ns > 1100 else None
    ev = {"ns_per_switch": _r(ns), "nvcsw_per_switch": _r(per, 4), "switches": o["ops"],
          "under_1us": "within 10% of the line" if cheap is None else cheap}
    # both figures at their lines (Java's virtual threads: 1,098-1,378 ns and 0.006-0.015
    # kernel switches per switch in quiet runs): the verdict would flip run to run
    if (per is not None and 1000 / BORDERLINE < ns < 1000 * BORDERLINE
            and 0.01 / 3 < per < 0.01 * 3):
        return "inconclusive", {"reason": "borderline: both the time per switch and the kernel "
                                "switches per switch are at their lines", **ev}
    return verdict(cheap is not False and per is not None and per < 0.01), ev


def check_thread_kernel(r: dict[str, Obs]) -> tuple[str, dict]:
    o = r["run"]
    ns = o["seconds"] / o["ops"] * 1e9
    per = o["nvcsw_per_switch"]
    if per is None:
        return na("no voluntary context-switch count", ns_per_switch=_r(ns))
    return verdict(per >= 0.5), {"nvcsw_per_switch": _r(per, 4), "ns_per_switch": _r(ns),
                                 "switches": o["ops"]}


def check_scale(r: dict[str, Obs]) -> tuple[str, dict]:
    ev: dict[str, Any] = {}
    ok = True
    for key in ("100k", "1M"):
        o = r[key]
        ok &= o["reached"] == o["requested"] and o["error"] is None
        ev[f"reached_{key}"] = o["reached"]
        ev[f"bytes_per_unit_{key}"] = _r(o["rss_per_unit"])
        if o["error"]:
            ev[f"error_{key}"] = o["error"]
    return verdict(ok), ev


def check_thread_thousands(r: dict[str, Obs]) -> tuple[str, dict]:
    o = r["parked"]
    return verdict(o["reached"] < o["requested"]), {"reached": o["reached"], "requested": o["requested"],
                                                     "error": o["error"]}


def check_100k_threads(r: dict[str, Obs]) -> tuple[str, dict]:
    o = r["parked"]
    virt, res = o["vm_per_unit"] * 100_000, o["rss_per_unit"] * 100_000
    return verdict(virt >= 100 * GiB), {"projected_virtual_GiB": _r(virt / GiB),
                                        "projected_resident_GiB": _r(res / GiB, 2),
                                        "vm_per_unit": _r(o["vm_per_unit"]),
                                        "rss_per_unit": _r(o["rss_per_unit"]), "n": o["reached"]}


def check_100k_goroutines(r: dict[str, Obs]) -> tuple[str, dict]:
    """Both parts judged on RSS deltas (GC before the baseline wherever there is one)."""
    ex, pk = r["example"], r["parked"]
    after_wait = need(ex, "rss_delta")
    alive = need(pk, "rss_parked") - need(pk, "rss_before")
    ok = after_wait <= 100 * MiB and pk["reached"] == pk["requested"] and alive <= 4 * GiB
    return verdict(ok), {"resident_growth_after_wait_MiB": _r(after_wait / MiB, 2),
                         "resident_with_100k_alive_MiB": _r(alive / MiB), "reached": pk["reached"],
                         **_extra(ex, "runtime_heap_bytes")}


def check_m_n(r: dict[str, Obs]) -> tuple[str, dict]:
    """M units on at most 2 x CPUs OS threads (the suite's CPU count, the same for every
    backend), and fewer threads than units."""
    o = r["run"]
    bound = 2 * cpus()
    threads, units = need(o, "distinct_threads"), need(o, "units")
    return verdict(threads <= bound < units), {
        "units": units, "distinct_threads": threads, "bound_2x_cpus": bound,
        **{k: o[k] for k in ("gomaxprocs", "threads_in_syscalls") if o.get(k) is not None}}


def check_stealing(r: dict[str, Obs]) -> tuple[str, dict]:
    """Units spawned by one unit ran on 2-4 OS threads at P=2: some work left the spawner's
    thread. A runtime's steal count is evidence, not a criterion (only some expose one)."""
    o = r["run"]
    threads = need(o, "distinct_threads")
    return verdict(2 <= threads <= 4), {"units": need(o, "units"), "distinct_threads": threads,
                                        **({"steals": o["steals"]} if o.get("steals") is not None else {})}


def check_handoff(r: dict[str, Obs]) -> tuple[str, dict]:
    o = r["run"]
    ok = o["progress_during_block"] > 0 and not o["watchdog_fired"]
    return verdict(ok), {"blocked_ms": _r(o["blocked_ms"]), "progress_during_block": o["progress_during_block"],
                         "watchdog_fired": o["watchdog_fired"]}


def check_gomaxprocs_default(r: dict[str, Obs]) -> tuple[str, dict]:
    """Compared with the suite's CPU count (affinity-aware), not the runtime's own."""
    o = r["run"]
    if o["gomaxprocs"] is None:
        return na("the runtime has no GOMAXPROCS", cpus=cpus())
    return verdict(o["gomaxprocs"] == cpus()), {"gomaxprocs": o["gomaxprocs"], "cpus": cpus(),
                                                **_extra(o, "cpu_count")}


def check_gomaxprocs_limits(r: dict[str, Obs]) -> tuple[str, dict]:
    s: Samples = r["run"]
    p1, p2 = s.median("p1", "seconds"), s.median("p2", "seconds")
    ev = {"median_seconds_p1": _r(p1, 3), "median_seconds_p2": _r(p2, 3),
          "speedup": _r(p1 / p2, 2), "cpus": cpus(), "samples": len(s["p1"])}
    if cpus() < 2:
        return na("needs at least 2 CPUs", **ev)
    return verdict(p1 / p2 >= 1.6), ev


def check_returns(r: dict[str, Obs]) -> tuple[str, dict]:
    o = r["run"]
    return verdict(bool(o["spawn_returned"])), {"spawn_returned": o["spawn_returned"],
                                                "spawner_first": o["spawner_first"], "trials": o["trials"]}


def check_order(r: dict[str, Obs]) -> tuple[str, dict]:
    o = r["run"]
    top = dict(sorted(o["orders"].items(), key=lambda kv: -kv[1])[:6])
    return verdict(o["distinct_orders"] > 1), {"distinct_orders": o["distinct_orders"],
                                               "trials": o["trials"], "orders": top}


def check_loopvar(r: dict[str, Obs]) -> tuple[str, dict]:
    ok, ev = True, {}
    for name, v in r["run"]["variants"].items():
        if v["semantics"] == "per-iteration":
            good = v["runs_all_distinct"] == v["trials"]
        else:
            good = v["runs_with_duplicates"] > 0
        ok &= good
        ev[name] = {"semantics": v["semantics"], "runs_all_distinct": v["runs_all_distinct"],
                    "runs_with_duplicates": v["runs_with_duplicates"], "trials": v["trials"],
                    "sample": v["sample"]}
    return verdict(ok and bool(ev)), ev


def check_wg_all(r: dict[str, Obs]) -> tuple[str, dict]:
    ev = {f"violations_n{o_key}": r[o_key]["violations"] for o_key in ("5", "10k")}
    ev.update({f"trials_n{k}": r[k]["trials"] for k in ("5", "10k")})
    return verdict(all(r[k]["violations"] == 0 for k in ("5", "10k"))), ev


def check_wg_before(r: dict[str, Obs]) -> tuple[str, dict]:
    o = r["run"]
    return verdict(o["early_returns"] == 0), {"early_returns": o["early_returns"], "trials": o["trials"]}


def check_wg_inside(r: dict[str, Obs]) -> tuple[str, dict]:
    o = r["run"]
    return verdict(o["early_returns"] > 0), {
        "early_returns": o["early_returns"], "trials": o["trials"],
        "early_rate": _r(o["early_returns"] / o["trials"], 3), "misuse_errors": o["errors"],
        "first_error": o["first_error"]}


def _misuse(go_text: str) -> Check:
    """Holds if the misuse gave an error with a message (not a hang, not silence); whether the
    message is Go's own text is reported beside it."""
    def check(r: dict[str, Obs]) -> tuple[str, dict]:
        o = r["run"]
        msg = o["error"] or ""
        return verdict(bool(o["raised"]) and bool(msg.strip())), {
            "raised": o["raised"], "error": msg, "gos_text": go_text in msg,
            **({"fatal": o["fatal"]} if "fatal" in o else {})}
    return check


def check_lost_updates(r: dict[str, Obs]) -> tuple[str, dict]:
    ev, lost = {}, False
    for key in ("plain", "amplified"):
        o = r[key]
        lost |= o["lossy_trials"] > 0
        ev[key] = {"lossy_trials": o["lossy_trials"], "trials": o["trials"],
                   "rate": _r(o["lossy_trials"] / o["trials"], 3), "expected": o["expected"],
                   "min": o["min"], "distinct_values": o["distinct_values"][:8]}
    return verdict(lost), ev


def check_detector(r: dict[str, Obs]) -> tuple[str, dict]:
    o = r["run"]
    ok = o["racy_reported"] and not o["mutex_reported"] and not o["atomic_reported"]
    return verdict(bool(ok)), {"racy_reported": o["racy_reported"], "mutex_reported": o["mutex_reported"],
                               "atomic_reported": o["atomic_reported"],
                               "report_excerpt": (o["report_excerpt"] or "")[:400]}


def check_overhead(r: dict[str, Obs]) -> tuple[str, dict]:
    s: Samples = r["run"]
    normal, race = s.median("normal", "seconds"), s.median("race", "seconds")
    ratio = race / normal
    first = s["race"][0]
    # "about 5-10x": accept a factor 2 either side of the range. Real Go measured 8-16x on this
    # workload from run to run; Go's own race-detector page says 2-20x for execution time.
    return verdict(5 / 2 <= ratio <= 10 * 2), {
        "ratio": _r(ratio, 2), "median_normal_seconds": _r(normal, 4),
        "median_race_seconds": _r(race, 4), "samples": len(s["race"]),
        "workload": first.get("workload"),
        **({"compiler": first["compiler"]} if "compiler" in first else {})}


def check_exact(key_exact: str, runs: tuple[str, ...]) -> Check:
    def check(r: dict[str, Obs]) -> tuple[str, dict]:
        ev = {k: f"{r[k][key_exact]}/{r[k]['trials']} exact" for k in runs}
        return verdict(all(r[k][key_exact] == r[k]["trials"] for k in runs)), ev
    return check


def check_unlock_on_panic(r: dict[str, Obs]) -> tuple[str, dict]:
    o = r["run"]
    return verdict(bool(o["panicked"] and o["recovered"] and o["lock_free_after"])), {
        k: o[k] for k in ("panicked", "recovered", "lock_free_after")}


def check_readers_share(r: dict[str, Obs]) -> tuple[str, dict]:
    return verdict(r["run"]["peak_readers"] > 1), {"peak_readers": r["run"]["peak_readers"]}


def check_writer_exclusive(r: dict[str, Obs]) -> tuple[str, dict]:
    o = r["run"]
    return verdict(o["violations"] == 0), {"violations": o["violations"], "ops": o["ops"]}


def check_read_heavy(r: dict[str, Obs]) -> tuple[str, dict]:
    s: Samples = r["run"]
    rw, mu = s.median("rw", "seconds"), s.median("mutex", "seconds")
    return verdict(mu / rw >= 1.3), {"throughput_ratio_rw_over_mutex": _r(mu / rw, 2),
                                     "median_rw_seconds": _r(rw, 4),
                                     "median_mutex_seconds": _r(mu, 4),
                                     "samples": len(s["rw"]),
                                     "workers": s["rw"][0].get("effective", {}).get("workers")}


def check_inversion(r: dict[str, Obs]) -> tuple[str, dict]:
    o = r["run"]
    return verdict(bool(o["deadlocked"])), {"deadlocked": o["deadlocked"], "detected": o["detected"],
                                            "message": o["message"], "blocked": o["blocked"]}


def check_consistent(r: dict[str, Obs]) -> tuple[str, dict]:
    o = r["run"]
    return verdict(o["finished"] == o["trials"]), {"finished": o["finished"], "trials": o["trials"]}


def check_cas(r: dict[str, Obs]) -> tuple[str, dict]:
    o = r["run"]
    return verdict(bool(o["cas_loop_exact"] and o["stale_cas_failed"])), {
        "cas_loop_exact": o["cas_loop_exact"], "stale_cas_failed": o["stale_cas_failed"]}


def check_atomic_faster(r: dict[str, Obs]) -> tuple[str, dict]:
    s: Samples = r["run"]
    m = {k: s.median("", k) for k in ("mutex_ns", "atomic_ns", "mutex_contended_ns",
                                       "atomic_contended_ns")}
    unc, con = m["mutex_ns"] / m["atomic_ns"], m["mutex_contended_ns"] / m["atomic_contended_ns"]
    ev = {**{f"median_{k}": _r(v, 2) for k, v in m.items()},
          "ratio_uncontended": _r(unc, 2), "ratio_contended": _r(con, 2), "samples": len(s[""])}
    return verdict(unc > 1 and con > 1), ev


def check_once(r: dict[str, Obs]) -> tuple[str, dict]:
    o = r["run"]
    return verdict(o["max_init_count"] == 1 and bool(o["all_same_instance"])), {
        "max_init_count": o["max_init_count"], "all_same_instance": o["all_same_instance"],
        "trials": o["trials"]}


def check_once_waits(r: dict[str, Obs]) -> tuple[str, dict]:
    o = r["run"]
    return verdict(o["unset_observed"] == 0), {"unset_observed": o["unset_observed"], "trials": o["trials"]}


def check_pool_result(r: dict[str, Obs]) -> tuple[str, dict]:
    o = r["run"]
    return verdict(o["total"] == 2870), {"total": o["total"], "expected": 2870}


def check_pool_bounded(r: dict[str, Obs]) -> tuple[str, dict]:
    o = r["run"]
    extra = o["peak_live"] - o["baseline"]
    return verdict(extra <= o["workers"] + 2), {"peak_live": o["peak_live"], "baseline": o["baseline"],
                                                "workers": o["workers"], "peak_above_baseline": extra}


def check_leak_sender(r: dict[str, Obs]) -> tuple[str, dict]:
    o = r["run"]
    return verdict(o["growth"] == 100), {"baseline": o["baseline"], "after": o["after"], "growth": o["growth"],
                                         "calls": 100}


def check_leak_cancel(r: dict[str, Obs]) -> tuple[str, dict]:
    o = r["run"]
    ok = o["during"] >= o["baseline"] + 100 and o["after_cancel"] <= o["baseline"]
    return verdict(ok), {k: o[k] for k in ("baseline", "during", "after_cancel")}


def check_num_goroutine(r: dict[str, Obs]) -> tuple[str, dict]:
    o = r["run"]
    if o["reported"] is None:
        return na("the runtime reports no live count", expected=o["expected"])
    return verdict(o["reported"] == o["expected"]), {"reported": o["reported"], "expected": o["expected"]}


def check_server(r: dict[str, Obs]) -> tuple[str, dict]:
    o, refs = r["run"], r.get("refs") or {}
    ev = {"conns": o["conns"], "bytes_per_conn_idle": _r(o["bytes_per_conn_idle"]),
          "bytes_per_conn_traffic": _r(o["bytes_per_conn_traffic"]), "echoed": o["echoed"]}
    if not refs:
        return na("no reference server available (java-threads, threading)", **ev)
    mine = need(o, "bytes_per_conn_traffic")
    for name, ref in refs.items():  # every reference's figure and the ratio to it
        theirs = need(ref, "bytes_per_conn_traffic")
        ev[f"{name}_bytes_per_conn"] = _r(theirs)
        ev[f"ratio_vs_{name}"] = _r(mine / theirs, 3)
    judged = next(iter(refs))  # the first available in the claim's order of preference
    ev["reference"] = judged
    # "about 1/10": anything up to 1/5 of the article's thread-pool server counts
    return verdict(ev[f"ratio_vs_{judged}"] <= 0.2 and o["echoed"] == o["conns"] * 2), ev


# ---- the catalogue --------------------------------------------------------------------------

def _one(scenario: str, params: dict | None = None, test: dict | None = None) -> tuple[Run, ...]:
    return (Run("run", scenario, params or {}, test),)


# Trial counts of the quick profile: a property that should hold in every trial (exactness, no early
# return) is still checked over >= 100 trials; a rate-based property is tested where its
# per-trial rate on the reference makes 100 trials miss it with probability < 1e-12
# (Go: lost update ~25%/trial at P=2 -> 0.75**100 ~ 3e-13; early Wait ~100%).
T100 = {"trials": 100}

CLAIMS: tuple[Claim, ...] = (
    # §1
    Claim("stack.initial-size", "1-1, 1-2", "G", "a goroutine starts with a 2-8 KB stack",
          "resident bytes per parked unit (RSS delta / N) at N=100k; holds if within 2-8 KiB",
          (Run("parked", "parked", {"n": 100_000}),), check_stack_initial,
          about_go="Go's own starting stack size (2 KiB since Go 1.4)"),
    Claim("stack.thread-size", "1-1", "T", "an OS thread reserves a fixed 1-8 MB stack at creation",
          "address space per parked unit (VmSize delta / N, N=1000), measured; holds if 1-10 MiB "
          "(8 MiB stack + guard page + malloc arena share)",
          (Run("parked", "parked", {"n": 1000}),), check_thread_size),
    Claim("stack.dynamic-growth", "1-1, 1-2", "G", "the goroutine stack grows on demand",
          "recursion through 256 KiB of touched frames succeeds beside 100 parked units; overflow "
          "is a clear error (RSS growth in the deepest frame shown as evidence)",
          (Run("grow", "stack_growth", {"depth_kib": 256}), Run("overflow", "stack_overflow")),
          check_dynamic_growth),
    Claim("spawn.cost-ns", "1-1", "G", "creating a goroutine costs nanoseconds",
          "spawn+run+complete ns per unit, N=100k; holds if < 1,000 ns",
          _one("spawn", {"n": 100_000}), _ns_check("ns_per_spawn", below=1000), timing=True),
    Claim("spawn.thread-cost-us", "1-1", "T", "creating an OS thread costs microseconds",
          "start+join ns per unit, N=20,000; holds if >= 1,000 ns",
          # N=20k, not 2k: at 2k a goroutine runtime's whole run is ~0.5 ms, and one stall
          # (Go once measured 1,085 ns per spawn there in CI) flips the verdict
          _one("spawn", {"n": 20_000}), _ns_check("ns_per_spawn", at_least=1000), timing=True),
    Claim("switch.user-space", "1-1", "G", "goroutine switches happen in user space",
          "ping-pong at one processor: ns per switch < 1,000 and voluntary kernel switches per switch < 0.01",
          _one("pingpong_yield", {"n": 100_000}, {"n": 20_000}), check_user_space, timing=True),
    Claim("switch.thread-kernel", "1-1", "T", "thread switches need a kernel-mode transition",
          "the same ping-pong: voluntary kernel context switches per switch >= 0.5",
          _one("pingpong_yield", {"n": 20_000}), check_thread_kernel),
    Claim("scale.hundreds-of-thousands", "1-1, end", "G",
          "hundreds of thousands to millions of goroutines can run at once",
          "100k and 1M parked at once; bytes per unit",
          (Run("100k", "parked", {"n": 100_000}), Run("1M", "parked", {"n": 1_000_000})), check_scale,
          timeout=600),
    Claim("scale.thread-thousands", "1-1", "T", "OS threads top out in the thousands",
          "highest count of parked units reached, stopping at 100k or the first error",
          (Run("parked", "parked", {"n": 100_000}),), check_thread_thousands),
    Claim("memory.100k-threads", "1-1", "T", "100k OS threads need hundreds of GB of stack",
          "per-unit reservation x 100k (virtual) vs resident; holds if >= 100 GiB virtual",
          (Run("parked", "parked", {"n": 1000}),), check_100k_threads),
    Claim("memory.100k-goroutines", "1-2", "G",
          "100k goroutines stay at tens of MB of heap and a few GB of stack at most",
          "the article's program: RSS growth after Wait <= 100 MiB; RSS growth with 100k parked <= 4 GiB",
          (Run("example", "spawn_empty_wait", {"n": 100_000}), Run("parked", "parked", {"n": 100_000})),
          check_100k_goroutines),
    # §2
    Claim("sched.m-n", "2", "G", "M goroutines run on N OS threads",
          "distinct OS threads across 10k units <= 2 x CPUs (the suite's count) < units",
          _one("thread_ids", {"n": 10_000}), check_m_n),
    Claim("sched.work-stealing", "2-1", "G", "an idle P steals half of another P's queue",
          "10k CPU-bound units spawned by one in waves of 200, P=2: ran on 2-4 OS threads "
          "(steals shown where counted)",
          _one("work_stealing", {"n": 10_000, "procs": 2}), check_stealing,
          about_go="the P run queues and stealing of Go's scheduler (runtime/proc.go)"),
    Claim("sched.syscall-handoff", "2-2", "G", "a goroutine blocked in a syscall doesn't stop the others",
          "P=1: one unit blocked 200 ms in read() on a pipe; another, spinning without ever "
          "yielding (Go's program), made progress meanwhile and a third could still write the pipe",
          _one("syscall_handoff", {"block_ms": 200, "yield_every": 0}), check_handoff),
    Claim("sched.gomaxprocs-default", "2-3", "G", "GOMAXPROCS defaults to the CPU count",
          "default GOMAXPROCS == the CPUs this process may use (affinity-aware, the suite's count)",
          _one("gomaxprocs"), check_gomaxprocs_default,
          about_go="Go's GOMAXPROCS setting"),
    Claim("sched.gomaxprocs-limits", "2-3", "G", "GOMAXPROCS bounds parallel execution",
          "two CPU-bound units: median wall at P=1 / median at P=2 >= 1.6 on >= 2 cores "
          f"({REPEATS} alternated samples each)",
          (Run("run", "parallel_speedup", {"work_ms": 200},
               variants=(("p1", {"procs": 1}), ("p2", {"procs": 2})), repeat=REPEATS),),
          check_gomaxprocs_limits, timing=True,
          about_go="Go's GOMAXPROCS setting"),
    # §3
    Claim("go.returns-immediately", "3-1", "*", "`go f()` returns at once, f runs asynchronously",
          "spawning a unit that blocks forever returns", _one("go_returns", {"trials": 100}),
          check_returns),
    Claim("go.order-nondeterministic", "3-1", "*",
          "the order of concurrently started goroutines varies from run to run",
          "distinct completion orders of 3 units (each writes a line to /dev/null, then records "
          "itself) over 20,000 runs at P=2 > 1 (Go's runnext makes one order win ~99.8% of runs "
          "here, so 200 or even 2,000 runs often show only one)",
          _one("completion_order", {"trials": 20_000, "procs": 2}), check_order),
    Claim("go.loopvar-capture", "3-2", "*",
          "before Go 1.22 a closure captured the shared loop variable; since 1.22 each iteration has its own",
          "per variant: per-iteration variants always distinct, shared variants show duplicates",
          _one("loopvar_capture", {"n": 5, "trials": 100}), check_loopvar,
          about_go="Go's for-loop semantics, changed in Go 1.22"),
    # §4
    Claim("waitgroup.waits-all", "4", "*", "Wait returns only after every Done",
          "no worker unfinished after Wait: N=5 x 1,000 trials and N=10k x 20 trials",
          (Run("5", "wg_waits_all", {"n": 5, "trials": 1000}, T100),
           Run("10k", "wg_waits_all", {"n": 10_000, "trials": 20}, {"n": 10_000, "trials": 3})),
          check_wg_all),
    Claim("waitgroup.add-before-go", "4-1", "*", "Add before `go`: Wait never returns early",
          "early returns over 1,000 trials = 0", _one("wg_add_before", {"n": 10, "trials": 1000}, T100),
          check_wg_before),
    Claim("waitgroup.add-inside-races", "4-1", "*", "Add inside the goroutine: Wait may pass early",
          "early returns over 1,000 trials > 0 (rate reported)",
          _one("wg_add_inside", {"n": 10, "trials": 1000}, T100), check_wg_inside),
    Claim("waitgroup.negative-panics", "Go semantics", "*",
          "a negative counter is an error (\"sync: negative WaitGroup counter\")",
          "Done without Add raises a clear error; nothing hangs", _one("wg_negative"),
          _misuse("sync: negative WaitGroup counter"),
          about_go="Go's sync.WaitGroup and its panic message"),
    # §5
    Claim("race.lost-updates", "5", "*",
          "unsynchronised counter++ from 1000 goroutines loses increments, nondeterministically",
          "trials ending below the expected count: 1000 units x 1 (1,000 trials) and x 1000 (20 trials)",
          (Run("plain", "racy_counter", {"units": 1000, "increments": 1, "trials": 1000}, T100),
           Run("amplified", "racy_counter", {"units": 1000, "increments": 1000, "trials": 20},
               {"units": 1000, "increments": 1000, "trials": 5})),
          check_lost_updates, parallel=True),
    Claim("race.detector-finds", "5-1", "*", "the race detector reports the racy counter with its location",
          "a race build reports the racy program and nothing for the Mutex and atomic ones",
          _one("race_detector"), check_detector,
          about_go="Go's race detector (go build -race)"),
    Claim("race.detector-overhead", "5-1", "*", "the race detector slows programs about 5-10x",
          "median race/normal time of the Mutex counter (1000 units x 1000, builds alternated, "
          f"{REPEATS} samples each); holds within 2.5-20x",
          (Run("run", "race_overhead", {"units": 1000, "increments": 1000},
               variants=(("normal", {"race": 0}), ("race", {"race": 1})), repeat=REPEATS),),
          check_overhead, timing=True,
          about_go="Go's race detector (go build -race) and its documented cost"),
    # §6
    Claim("mutex.counter-exact", "6", "*", "with a Mutex, 1000 goroutines always reach exactly 1000",
          "1,000 trials all exact; amplified (x1000) 20 trials all exact",
          (Run("plain", "mutex_counter", {"units": 1000, "increments": 1, "trials": 1000}, T100),
           Run("amplified", "mutex_counter", {"units": 1000, "increments": 1000, "trials": 20},
               {"units": 1000, "increments": 1000, "trials": 5})),
          check_exact("exact_trials", ("plain", "amplified"))),
    Claim("mutex.unlock-on-panic", "6-1", "*",
          "a deferred Unlock releases the lock even when the critical section panics",
          "panic inside the section, recovered; another unit then takes the lock",
          _one("mutex_unlock_on_panic"), check_unlock_on_panic),
    Claim("mutex.unlock-unlocked", "Go semantics", "*",
          "unlocking an unlocked mutex is an error (\"sync: unlock of unlocked mutex\")",
          "a clear error naming the unlocked lock; nothing hangs", _one("mutex_unlock_unlocked"),
          _misuse("sync: unlock of unlocked mutex"),
          about_go="Go's sync.Mutex and its fatal error message"),
    Claim("rwmutex.readers-share", "6-2", "*", "many goroutines may hold RLock at once",
          "peak simultaneous readers > 1", _one("rw_readers_share", {"readers": 10}), check_readers_share),
    Claim("rwmutex.writer-exclusive", "6-2", "*", "Lock excludes readers and other writers",
          "no one else inside a write section over 100k operations",
          _one("rw_writer_exclusive", {"ops": 100_000, "procs": 2}), check_writer_exclusive),
    Claim("rwmutex.read-heavy-faster", "6-2", "*", "for read-heavy work RWMutex is much faster than Mutex",
          "throughput RWMutex/Mutex at 95% reads (the plan's ops, 4 workers, 256-load read "
          f"section), P=2, medians of {REPEATS} alternated runs each; holds if >= 1.3",
          (Run("run", "rw_vs_mutex", {"n": 200_000, "read_pct": 95, "procs": 2},
               {"n": 40_000, "read_pct": 95, "procs": 2},
               variants=(("rw", {"rw": 1}), ("mutex", {"rw": 0})), repeat=REPEATS),),
          check_read_heavy, timing=True),
    # §7
    Claim("deadlock.lock-order-inversion", "7", "*",
          "opposite lock order with a pause between locks blocks both goroutines forever",
          "both still blocked after the timeout, or the runtime reports the deadlock itself",
          _one("lock_order_inversion", {"pause_ms": 10, "timeout_ms": 1000}), check_inversion),
    Claim("deadlock.consistent-order", "7-1", "*", "a single global lock order never deadlocks",
          "1,000 trials with ordered locking all finish", _one("consistent_order", {"trials": 1000}, T100),
          check_consistent),
    # §8
    Claim("atomic.counter-exact", "8", "*", "atomic add from 1000 goroutines always reaches exactly 1000",
          "1,000 trials all exact", (Run("plain", "atomic_counter", {"units": 1000, "trials": 1000}, T100),),
          check_exact("exact_trials", ("plain",))),
    Claim("atomic.cas", "8-1", "*", "CompareAndSwap succeeds only on the expected old value",
          "a CAS-loop counter is exact; a CAS with a stale old value fails", _one("atomic_cas", {"units": 1000}),
          check_cas),
    Claim("atomic.faster-than-mutex", "8", "*", "atomics beat a Mutex for a single counter",
          f"median ns per increment Mutex/atomic > 1 ({REPEATS} runs), uncontended and contended at P=2",
          (Run("run", "atomic_vs_mutex", {"n": 1_000_000, "procs": 2, "warmup": JIT_WARMUP},
               {"n": 200_000, "procs": 2, "warmup": JIT_WARMUP}, repeat=REPEATS),),
          check_atomic_faster, timing=True),
    # §9
    Claim("once.runs-once", "9", "*", "10 goroutines calling Do at once run the function exactly once",
          "init count = 1 over 1,000 trials; every caller gets the same instance",
          _one("once_runs_once", {"callers": 10, "trials": 1000}, T100), check_once),
    Claim("once.waits-for-init", "9", "*", "a caller returns from Do only after the function finished",
          "no caller observes an unset instance with a slow (1 ms) init, 100 trials",
          _one("once_waits", {"callers": 10, "trials": 100, "init_ms": 1}, {"callers": 10, "trials": 30, "init_ms": 1}),
          check_once_waits),
    # §10
    Claim("pool.result", "10", "*", "5 workers squaring jobs 1..20 total 2870", "the total",
          _one("pool_result", {"workers": 5, "jobs": 20}), check_pool_result),
    Claim("pool.bounded", "10", "*", "a worker pool bounds the number of goroutines",
          "peak live units above baseline <= workers + 2 with 100k jobs",
          _one("pool_bounded", {"workers": 5, "jobs": 100_000}), check_pool_bounded),
    # §11
    Claim("leak.blocked-sender", "11", "*", "a goroutine sending on a channel nobody reads stays forever",
          "live count grows by one per leak() call (100 calls)", _one("leak_blocked_sender", {"calls": 100}),
          check_leak_sender),
    Claim("leak.context-cancel", "11", "*", "a context's cancel lets the goroutine exit",
          "after cancel the live count returns to its baseline", _one("leak_context_cancel", {"calls": 100}),
          check_leak_cancel),
    Claim("leak.num-goroutine", "11", "*", "the runtime reports the number of live goroutines",
          "reported count == baseline + 50 blocked units", _one("num_goroutine", {"k": 50}),
          check_num_goroutine),
    # anecdote
    Claim("server.memory-tenth", "intro", "*",
          "a server handling thousands of connections with goroutines used about 1/10 of the memory of a thread-pool server",
          "loopback echo server, 5,000 connections after traffic: RSS per connection vs the article's "
          "reference, a Java thread-pool server (a pooled platform thread per connection), else CPython's "
          "thread per connection; holds if <= 1/5",
          _one("echo_server", {"conns": 5000, "rounds": 2}, {"conns": 2000, "rounds": 2}), check_server,
          references=("java-threads", "threading")),
)

BY_ID: dict[str, Claim] = {c.id: c for c in CLAIMS}


class UnknownClaim(ValueError):
    pass


def select(ids: list[str] | None) -> list[Claim]:
    if not ids:
        return list(CLAIMS)
    bad = [i for i in ids if i not in BY_ID]
    if bad:
        raise UnknownClaim(f"unknown claim {bad[0]!r}; accepted: {', '.join(BY_ID)}")
    return [BY_ID[i] for i in ids]
