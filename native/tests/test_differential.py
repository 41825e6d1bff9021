"""Differential testing of the native runtime against real Go.

Hypothesis generates small concurrent programs in a tiny language (spawn; make/send/receive/
close channels, buffered and unbuffered; select with and without default; Mutex, RWMutex,
WaitGroup, Once; atomic add; sleep; panic/recover). Two interpreters run them: C over goro.h
(native/tests/diff_interp.c) and Go (impls/golang/difftest/main.go). Every deterministic
observable is compared: final counters, RWMutex read-section violations, the multiset of values
each channel delivered (per group of channels where a select-send spreads values over a group),
each producer's order as every receiver saw it, the ok flags (closed-channel receptions per
channel), len/cap of buffered channels at quiescence, the recovered panic messages of every
goroutine in order (with the order deferred calls ran in), and how the run ended: normal end,
deadlock, or an unrecovered panic / fatal error (its first line, e.g. "fatal error: sync: unlock
of unlocked mutex"). The C side also checks goro_go's answer against each child's goro_id()
("idbad"; Go has no goroutine ids and reports 0).

The generator makes every compared observable deterministic by construction:
- a program is a sequence of patterns; every goroutine takes its roles in pattern order, so a
  pattern only waits for its own roles (no cycles, no deadlock unless main ends with `block`);
- a channel's producers and consumers are fixed: either the receive counts add up to the sends,
  or a closer goroutine closes it after a WaitGroup of its producers (consumers then `range`);
- values are (producer id, producer's send count) packed in one integer, so per-producer order
  is checkable; counters are protected by one Mutex/RWMutex each, or only added atomically;
- select with default only polls until a fixed count is reached (the count is compared, not
  how often the default ran); a select-send's choice of channel is compared only through the
  union of the group's channels;
- panics are recovered in the same goroutine (known messages, runtime ones included);
- deadlock only where certain: main waits for every goroutine, then blocks on something
  nobody else can reach (a fresh or nil channel, a WaitGroup, a twice-locked Mutex, select {});
  an unrecovered panic or fatal error likewise only as main's last op, after that wait.

Both interpreters stay open for the whole session and take one program per line (two process
starts for all programs). A program ending in a deadlock, panic or fatal error ends a Go process
(exit 2), so those (about 1 in 12) run in a Go process each, which prints the observables before
its last op; the driver checks the exit status and the runtime's message on stderr. The native
runtime returns all three from goro_run and goes on.

    .venv/bin/pytest native/tests/test_differential.py            # CI: 1000 programs, fixed seed
    DIFFTEST_EXAMPLES=5000 DIFFTEST_SEED=random .venv/bin/pytest native/tests/test_differential.py
    .venv/bin/python native/tests/test_differential.py --budget 600   # long campaign (tox -e fuzz)
    GORO_SANITIZE=address|thread|undefined                             # C interpreter sanitized

A divergence is shrunk by hypothesis and appended to native/tests/difftest_regressions.jsonl
(one {"program": ..., "native": ..., "go": ...} object a line); every program in that file runs
as a regression test on every run ("repeat": N runs it N times, for timing-dependent bugs). A
line with "xfail": "reason" is a known runtime bug (with "sanitizer": "thread", only in that
build; elsewhere it must pass); "fixed" records a bug this tester found that has been fixed
(its program must pass). A generated program whose only divergence is a known bug
(KNOWN_REPORTS, known_report) is counted and reported as such, not failed.
"""

from __future__ import annotations

import argparse
import glob
import hashlib
import json
import os
import random
import re
import selectors
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict

import pytest
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st

HERE = os.path.dirname(os.path.abspath(__file__))
NATIVE = os.path.dirname(HERE)
ROOT = os.path.dirname(NATIVE)
sys.path.insert(0, NATIVE)
sys.path.insert(0, ROOT)

import cbuild  # noqa: E402  (native/cbuild.py: the context switch for the compiler's target)
import cflags  # noqa: E402  (native/cflags.py: the flags of every C build)
from impls.golang import toolchain  # noqa: E402

REGRESSIONS = os.path.join(HERE, "difftest_regressions.jsonl")
GO_DIR = os.path.join(ROOT, "impls", "golang", "difftest")
PROGRAM_TIMEOUT_S = float(os.environ.get("DIFFTEST_PROGRAM_TIMEOUT", "10"))
SANITIZERS = ("", "address", "thread", "undefined")


# ---- building the two interpreters ----------------------------------------------------------


def _sanitizer() -> str:
    san = os.environ.get("GORO_SANITIZE", "")
    if san not in SANITIZERS:
        raise ValueError(f"GORO_SANITIZE must be address, thread, undefined or unset, got {san!r}")
    return san


def build_native(san: str | None = None) -> str:
    """diff_interp.c + every native/src/*.c + the context switch, cached by a hash of them."""
    san = _sanitizer() if san is None else san
    cc = os.environ.get("CC", "gcc")
    if shutil.which(cc) is None:
        raise RuntimeError(f"no C compiler ({cc})")
    srcs = [
        os.path.join(HERE, "diff_interp.c"),
        *sorted(glob.glob(os.path.join(NATIVE, "src", "*.c"))),
    ]
    asm = cbuild.switch_source([cc])
    headers = sorted(glob.glob(os.path.join(NATIVE, "src", "*.h"))) + [
        os.path.join(NATIVE, "include", "goro.h")
    ]
    flags = [*cflags.WARN, "-g", "-O1" if san else "-O2", *cflags.sanitize_flags(san or None)]
    h = hashlib.sha256(" ".join([cc, *flags]).encode())
    for p in [*srcs, asm, *headers]:
        with open(p, "rb") as f:
            h.update(p.encode() + b"\0" + f.read())
    out = os.path.join(ROOT, "build", "difftest", f"{san or 'plain'}-{h.hexdigest()[:16]}")
    exe = os.path.join(out, "diff_interp")
    if os.path.isfile(exe):
        return exe
    os.makedirs(out, exist_ok=True)
    tmp = f"{exe}.tmp{os.getpid()}"
    inc = [f"-I{os.path.join(NATIVE, 'include')}", f"-I{os.path.join(NATIVE, 'src')}"]
    subprocess.run([cc, *flags, *inc, *srcs, asm, "-o", tmp, "-pthread"], check=True, timeout=300)
    os.replace(tmp, exe)
    return exe


def build_go() -> str:
    """impls/golang/difftest as its own module, through the toolchain's cached build."""
    if toolchain.find_go() is None:
        raise RuntimeError(toolchain.MISSING)
    with open(os.path.join(GO_DIR, "go.mod")) as f:
        mod = f.read()
    from pathlib import Path

    target = toolchain.Target(
        "difftest", tuple(sorted(Path(GO_DIR).glob("*.go"))), mod, ("-trimpath",)
    )
    return str(toolchain.build(target).path)


# ---- running them ------------------------------------------------------------------------------


class Interp:
    """One interpreter process kept open: a program line in, a result line out, with a timeout.
    A hang or a crash restarts the process and becomes the program's result."""

    def __init__(self, exe: str, name: str):
        self.exe, self.name = exe, name
        self.proc: subprocess.Popen | None = None
        self.err = tempfile.TemporaryFile()
        self.starts = 0

    def _start(self) -> None:
        env = dict(os.environ)
        env.setdefault("ASAN_OPTIONS", "detect_leaks=0")  # deadlocked runs leave goroutines behind
        env.setdefault("TSAN_OPTIONS", "halt_on_error=1")
        env.setdefault("UBSAN_OPTIONS", "print_stacktrace=1")
        self.err.seek(0)
        self.err.truncate()
        self.proc = subprocess.Popen(
            [self.exe], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.err, env=env
        )
        self.starts += 1

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait()
            self.proc = None

    def _stderr(self) -> str:
        self.err.seek(0)
        return self.err.read().decode(errors="replace")[-3000:]

    def run(self, line: str, timeout: float = PROGRAM_TIMEOUT_S) -> dict:
        if self.proc is None or self.proc.poll() is not None:
            self._start()
        assert self.proc and self.proc.stdin and self.proc.stdout
        try:
            self.proc.stdin.write(line.encode() + b"\n")
            self.proc.stdin.flush()
        except BrokenPipeError:
            pass
        sel = selectors.DefaultSelector()
        sel.register(self.proc.stdout, selectors.EVENT_READ)
        ready = sel.select(timeout)
        sel.close()
        if not ready:
            self.stop()
            return {"end": "hang", "err": f"{self.name}: no result after {timeout:.0f} s"}
        out = self.proc.stdout.readline()
        if not out:
            self.proc.wait()
            code = self.proc.returncode
            self.proc = None
            return {"end": "crash", "err": f"{self.name} exited {code}: {self._stderr()}"}
        return json.loads(out)


def run_go_alone(exe: str, line: str, timeout: float = PROGRAM_TIMEOUT_S) -> dict:
    """A program that ends in a deadlock: Go prints the observables, then the runtime ends the
    process with exit status 2 and the deadlock message (checked here)."""
    try:
        p = subprocess.run(
            [exe], input=line + "\n", capture_output=True, text=True, timeout=timeout
        )
    except subprocess.TimeoutExpired:
        return {"end": "hang", "err": f"go: no result after {timeout:.0f} s"}
    lines = p.stdout.splitlines()
    res = json.loads(lines[0]) if lines else {"end": "crash"}
    first = next((ln for ln in p.stderr.splitlines() if ln.strip()), "")
    if res.get("end") == "deadlock":
        if p.returncode != 2 or "all goroutines are asleep - deadlock!" not in p.stderr:
            res["end"] = f"no-deadlock (exit {p.returncode})"
    elif res.get("end") == "die":  # an unrecovered panic or a fatal error ended the process
        res["end"] = (
            "panic"
            if first.startswith("panic: ")
            else "fatal"
            if first.startswith("fatal error: ")
            else "crash"
        )
        res["err"] = first
        if p.returncode != 2:
            res["end"] = f"no-death (exit {p.returncode})"
    elif p.returncode != 0:
        res = {"end": "crash", "err": f"go exited {p.returncode}: {p.stderr[-2000:]}"}
    return res


# ---- observables -------------------------------------------------------------------------------

PRODUCER_BASE = 1_000_000  # a value is producer id * PRODUCER_BASE + the producer's send count


def observables(prog: dict, res: dict) -> dict:
    """What must be equal on both sides, from a raw result (receive logs are nondeterministic
    in order across receivers; their multisets, per-producer order and ok flags are not)."""
    if res.get("end") not in ("ok", "deadlock", "panic", "fatal"):
        return {"end": res.get("end"), "err": res.get("err", "")}
    group_of = {}
    for gi, group in enumerate(prog.get("groups", [])):
        for c in group:
            group_of[c] = f"g{gi}"
    delivered: dict[str, list[int]] = defaultdict(list)
    closed_seen: Counter = Counter()
    order_errors = []
    for g, log in enumerate(res.get("recv", [])):
        last: dict[tuple[int, int], int] = {}
        for c, v, ok in log:
            if not ok:
                closed_seen[str(c)] += 1
                continue
            delivered[group_of.get(c, str(c))].append(v)
            key = (c, v // PRODUCER_BASE)
            if key in last and v <= last[key]:
                order_errors.append(f"g{g} got {v} after {last[key]} on chan {c}")
            last[key] = v
    return {
        "end": res["end"],
        # the first line of an unrecovered panic or fatal error ("panic: boom"); a deadlock's
        # text is the runtime's own (native prints it, Go's is checked by run_go_alone)
        "err": res.get("err", "") if res["end"] in ("panic", "fatal") else "",
        "ctr": res.get("ctr"),
        "viol": res.get("viol"),
        # native only (Go has no goroutine ids; its interpreter reports 0): goro_go's answer
        # differs from the goroutine's own goro_id()
        "idbad": res.get("idbad", 0),
        "pan": res.get("pan"),
        "delivered": {k: sorted(v) for k, v in sorted(delivered.items())},
        "closed_receptions": dict(sorted(closed_seen.items())),
        "order_errors": order_errors,
    }


# ---- the generator -----------------------------------------------------------------------------

PANIC_KINDS = (
    "msg",
    "close2",
    "sendclosed",
    "closenil",
    "negwg",
    "repanic",
    "defers",
    "recover2",
    "indirect",
)
BLOCK_KINDS = ("chan", "nilchan", "wg", "mutex", "rw", "select")
# how main may end the program instead: an unrecovered panic (in main or a new goroutine) or a
# fatal error; FATAL_KINDS are Go's fatal errors, the rest panics
DIE_KINDS = (
    "panic",
    "gopanic",
    "unlock",
    "runlock",
    "rwunlock",
    "negwg",
    "close2",
    "sendclosed",
    "closenil",
)
FATAL_KINDS = ("unlock", "runlock", "rwunlock")


def expected_end(prog: dict) -> str:
    last = prog["gs"][0][-1] if prog["gs"][0] else ["none"]
    if last[0] == "block":
        return "deadlock"
    if last[0] == "die":
        return "fatal" if last[1] in FATAL_KINDS else "panic"
    return "ok"


class Builder:
    """Assembles a program pattern by pattern. Each goroutine's roles are appended in pattern
    order; spawns come first in main (or at the start of a spawning goroutine)."""

    def __init__(self, draw):
        self.draw = draw
        self.roles: list[list] = [[]]  # per goroutine, roles in pattern order (g0 = main)
        self.prefix: list = []  # main's WaitGroup adds, before anything is spawned
        self.chans: list[int] = []
        self.groups: list[list[int]] = []
        self.nmu = self.nrw = self.nwg = self.nonce = 0
        self.nctr = 0
        self.post: list = []  # main's ops after every goroutine has ended
        self.spawned_by: dict[int, int] = {}  # goroutines spawned inside a role, not at the start
        self.nwg = 1  # wg 0: every goroutine's lifetime, waited for by main at the end

    def chan(self) -> int:
        self.chans.append(self.draw(st.integers(0, 3)))
        return len(self.chans) - 1

    def new(self, kind: str) -> int:
        n = getattr(self, kind)
        setattr(self, kind, n + 1)
        return n

    def members(self, k: int) -> list[int]:
        """k distinct goroutines for one pattern: fresh ones or existing ones (main included)."""
        chosen: list[int] = []
        for _ in range(k):
            free = [g for g in range(len(self.roles)) if g not in chosen]
            if free and self.draw(st.booleans()):
                chosen.append(self.draw(st.sampled_from(free)))
            else:
                self.roles.append([])
                chosen.append(len(self.roles) - 1)
        return chosen

    def any_goroutine(self) -> int:
        return self.draw(st.integers(0, len(self.roles) - 1))

    def split(self, total: int, k: int) -> list[int]:
        cuts = sorted(self.draw(st.integers(0, total)) for _ in range(k - 1))
        return [b - a for a, b in zip([0, *cuts], [*cuts, total], strict=False)]

    # -- channel patterns --
    # Polling (select with default) only on a buffered channel: on an unbuffered one a polling
    # sender and a polling receiver never meet (neither is ever parked), a livelock.
    def send_op(self, c: int, n: int) -> list:
        poll = self.chans[c] > 0 and self.draw(st.integers(0, 3)) == 1
        return ["pollsend" if poll else "send", c, n]

    def recv_op(self, c: int, n: int) -> list:
        poll = self.chans[c] > 0 and self.draw(st.integers(0, 3)) == 1
        return ["pollrecv" if poll else "recv", c, n]

    def closed_after(self, producers: list[int], sends: list[list], chans: list[int]) -> list[int]:
        """Producers send then leave a WaitGroup; a closer waits for it and closes chans.
        Returns the goroutines used (producers + closer)."""
        w = self.new("nwg")
        self.prefix.append(["wgadd", w, len(producers)])
        ms = self.members(len(producers) + 1)
        for g, ops in zip(ms, sends, strict=False):
            self.roles[g] += [*ops, ["wgdone", w]]
        closer = ms[-1]
        self.roles[closer] += [["wgwait", w], *(["close", c] for c in chans)]
        return ms

    def pat_count(self):
        c = self.chan()
        np_, nc = self.draw(st.integers(1, 3)), self.draw(st.integers(1, 3))
        ns = [self.draw(st.integers(0, 5)) for _ in range(np_)]
        ms = self.members(np_ + nc)
        for g, n in zip(ms, ns, strict=False):
            self.roles[g].append(self.send_op(c, n))
        for g, n in zip(ms[np_:], self.split(sum(ns), nc), strict=False):
            self.roles[g].append(self.recv_op(c, n))

    def consumers_range(self, c: int, used: list[int]):
        nc = self.draw(st.integers(1, 2))
        free = [g for g in range(len(self.roles)) if g not in used]
        for _ in range(nc):
            if free and self.draw(st.booleans()):
                g = self.draw(st.sampled_from(free))
                free.remove(g)
            else:
                self.roles.append([])
                g = len(self.roles) - 1
            self.roles[g].append(["range", c])
            if self.draw(st.integers(0, 3)) == 0:
                self.roles[g].append(["recv", c, 1])  # after close and drain: zero value, !ok
            used.append(g)

    def pat_close(self):
        c = self.chan()
        np_ = self.draw(st.integers(1, 3))
        sends = [[self.send_op(c, self.draw(st.integers(0, 8)))] for _ in range(np_)]
        used = self.closed_after(list(range(np_)), sends, [c])
        self.consumers_range(c, used)

    def pat_stage(self):
        c1, c2 = self.chan(), self.chan()
        np_ = self.draw(st.integers(1, 2))
        sends = [[self.send_op(c1, self.draw(st.integers(0, 4)))] for _ in range(np_)]
        used = self.closed_after(list(range(np_)), sends, [c1])
        ns = 1  # two stages would race for c1's values: c2's (stage, count) values would vary
        w = self.new("nwg")
        self.prefix.append(["wgadd", w, ns])
        free = [g for g in range(len(self.roles)) if g not in used]
        stages = []
        for _ in range(ns):
            self.roles.append([])  # fresh goroutines: a stage must not share with c1's roles
            stages.append(len(self.roles) - 1)
        closer = self.draw(st.sampled_from(free)) if free and self.draw(st.booleans()) else None
        if closer is None:
            self.roles.append([])
            closer = len(self.roles) - 1
        for g in stages:
            self.roles[g] += [["stage", c1, c2], ["wgdone", w]]
        self.roles[closer] += [["wgwait", w], ["close", c2]]
        self.consumers_range(c2, [*used, *stages, closer])

    def cases(self, cs: list[int]) -> list[int]:
        """A select's case list: sometimes one channel twice (Go allows it; under selrange each
        case sees the close once)."""
        if self.draw(st.integers(0, 3)) == 1:
            return [*cs, self.draw(st.sampled_from(cs))]
        return cs

    def pat_selrecv(self):
        cs = [self.chan() for _ in range(self.draw(st.integers(2, 3)))]
        ns = [self.draw(st.integers(0, 4)) for _ in cs]
        nc = self.draw(st.integers(1, 2))
        ms = self.members(len(cs) + nc)
        for g, c, n in zip(ms, cs, ns, strict=False):
            self.roles[g].append(self.send_op(c, n))
        for g, n in zip(ms[len(cs) :], self.split(sum(ns), nc), strict=False):
            self.roles[g].append(["selrecv", self.cases(cs), n])

    def pat_selrange(self):
        cs = [self.chan() for _ in range(self.draw(st.integers(2, 3)))]
        sends = [[self.send_op(c, self.draw(st.integers(0, 4)))] for c in cs]
        used = self.closed_after(cs, sends, cs)
        for _ in range(self.draw(st.integers(1, 2))):
            self.roles.append([])
            self.roles[-1].append(["selrange", self.cases(cs)])
            used.append(len(self.roles) - 1)

    def pat_selsend(self):
        cs = [self.chan() for _ in range(self.draw(st.integers(2, 3)))]
        self.groups.append(cs)
        np_ = self.draw(st.integers(1, 2))
        sends = [[["selsend", self.cases(cs), self.draw(st.integers(0, 5))]] for _ in range(np_)]
        used = self.closed_after(list(range(np_)), sends, cs)
        if self.draw(st.booleans()):
            self.roles.append([["selrange", self.cases(cs)]])
        else:
            for c in cs:
                self.consumers_range(c, used)

    def pat_pump(self):
        """Producers -> c1 -> pumps (one select receiving from c1 and sending on c2) -> c2 ->
        consumers; every count adds up, and a pump never waits on one side only."""
        c1 = self.chan()
        # one channel both ways (a select sending and receiving on it): buffered only, since a
        # goroutine cannot meet itself on an unbuffered channel
        same = self.draw(st.integers(0, 3)) == 1
        if same:
            self.chans[c1] = max(1, self.chans[c1])
        c2 = c1 if same else self.chan()
        np_, npump, nc = (
            self.draw(st.integers(1, 2)),
            self.draw(st.integers(1, 2)),
            self.draw(st.integers(1, 2)),
        )
        ns = [self.draw(st.integers(0, 6)) for _ in range(np_)]
        outs = [self.draw(st.integers(0, 6)) for _ in range(npump)]
        ms = self.members(np_ + npump + nc)
        for g, n in zip(ms, ns, strict=False):
            self.roles[g].append(self.send_op(c1, n))
        if same:  # every receiver of the channel shares the sends of producers and pumps
            total = sum(ns) + sum(outs)
            parts = self.split(total, npump + nc)
            for g, m, n in zip(ms[np_:], parts, outs, strict=False):
                self.roles[g].append(["pump", c1, m, c1, n])
            for g, n in zip(ms[np_ + npump :], parts[npump:], strict=False):
                self.roles[g].append(self.recv_op(c1, n))
            return
        for g, m, n in zip(ms[np_:], self.split(sum(ns), npump), outs, strict=False):
            self.roles[g].append(["pump", c1, m, c2, n])
        for g, n in zip(ms[np_ + npump :], self.split(sum(outs), nc), strict=False):
            self.roles[g].append(self.recv_op(c2, n))

    def pat_wgreuse(self):
        """One goroutine reuses a WaitGroup for several rounds: Add(k), spawn k workers (atomic
        adds, Done), Wait; the next round starts after Wait returned."""
        w, k = self.new("nwg"), self.new("nctr")
        g = self.members(1)[0]
        for _ in range(self.draw(st.integers(1, 3))):
            workers = self.draw(st.integers(1, 3))
            self.roles[g].append(["wgadd", w, workers])
            for _ in range(workers):
                self.roles.append([["atomic", k, 1, self.draw(st.integers(1, 5))], ["wgdone", w]])
                h = len(self.roles) - 1
                self.spawned_by[h] = g
                self.roles[g] += [["wgadd", 0, 1], ["go", h]]
            self.roles[g].append(["wgwait", w])

    def pat_pollsel(self):
        """select with default over buffered channels, polling until a fixed count."""
        cs = []
        for _ in range(self.draw(st.integers(1, 3))):
            self.chans.append(self.draw(st.integers(1, 3)))
            cs.append(len(self.chans) - 1)
        ns = [self.draw(st.integers(0, 6)) for _ in cs]
        nc = self.draw(st.integers(1, 2))
        ms = self.members(len(cs) + nc)
        for g, c, n in zip(ms, cs, ns, strict=False):
            self.roles[g].append(self.send_op(c, n))
        for g, n in zip(ms[len(cs) :], self.split(sum(ns), nc), strict=False):
            self.roles[g].append(["pollsel", cs, n])

    def pat_leftover(self):
        """Sends that fit in the buffer and nobody receives until main, after every goroutine
        has ended, reads len/cap, maybe closes, then drains (values first, then !ok)."""
        cap = self.draw(st.integers(1, 4))
        self.chans.append(cap)
        c = len(self.chans) - 1
        total = self.draw(st.integers(0, cap))
        np_ = self.draw(st.integers(1, 2))
        for g, n in zip(self.members(np_), self.split(total, np_), strict=False):
            self.roles[g].append(["send", c, n])
        self.post.append(["len", c])
        if self.draw(st.booleans()):
            self.post += [["close", c], ["range", c], ["len", c]]
        else:
            self.post += [["recv", c, total], ["len", c]]

    # -- shared-memory patterns (never block for ever: usable by any goroutine, any order) --
    def pat_mutex(self):
        m, k = self.new("nmu"), self.new("nctr")
        for _ in range(self.draw(st.integers(1, 3))):
            g = self.members(1)[0]
            self.roles[g].append(
                ["lock", m, k, self.draw(st.integers(1, 12)), self.draw(st.integers(0, 1))]
            )

    def pat_rw(self):
        r, k = self.new("nrw"), self.new("nctr")
        for _ in range(self.draw(st.integers(1, 4))):
            g = self.members(1)[0]
            op = self.draw(st.sampled_from(["wlock", "rlock"]))
            self.roles[g].append([op, r, k, self.draw(st.integers(1, 5))])

    def pat_atomic(self):
        k = self.new("nctr")
        for _ in range(self.draw(st.integers(1, 3))):
            g = self.members(1)[0]
            self.roles[g].append(
                ["atomic", k, self.draw(st.integers(-3, 5)), self.draw(st.integers(1, 20))]
            )

    def pat_once(self):
        o, k = self.new("nonce"), self.new("nctr")
        for _ in range(self.draw(st.integers(1, 3))):
            self.roles[self.members(1)[0]].append(["once", o, k])
        if self.draw(st.booleans()):
            o2 = self.new("nonce")  # a panicking Once: one goroutine calls it (first call panics)
            g = self.members(1)[0]
            for _ in range(self.draw(st.integers(1, 2))):
                self.roles[g].append(["oncepanic", o2, f"once{o2}"])

    def pat_panic(self):
        g = self.members(1)[0]
        for _ in range(self.draw(st.integers(1, 3))):
            kind = self.draw(st.sampled_from(PANIC_KINDS))
            self.roles[g].append(["try", kind, f"p{self.draw(st.integers(0, 9))}"])

    PATTERNS = (
        "count",
        "close",
        "stage",
        "selrecv",
        "selrange",
        "selsend",
        "pump",
        "pollsel",
        "leftover",
        "wgreuse",
        "mutex",
        "rw",
        "atomic",
        "once",
        "panic",
    )

    def finish(self) -> dict:
        draw = self.draw
        ng = len(self.roles)
        # timing-only noise anywhere: sleeps and yields
        for g in range(ng):
            for _ in range(draw(st.integers(0, 2))):
                pos = draw(st.integers(0, len(self.roles[g])))
                noise = ["sleep", draw(st.integers(0, 200))] if draw(st.booleans()) else ["yield"]
                self.roles[g].insert(pos, noise)
        # who spawns whom: main, or (nested) an earlier goroutine at its start
        spawns: dict[int, list[int]] = defaultdict(list)
        for h in range(1, ng):
            if h in self.spawned_by:
                continue
            parent = draw(st.integers(0, h - 1)) if h > 1 and draw(st.integers(0, 3)) == 0 else 0
            spawns[parent].append(h)
        gs = []
        for g in range(ng):
            ops: list = list(self.prefix) if g == 0 else []
            for h in spawns[g]:
                ops += [["wgadd", 0, 1], ["go", h]]
            ops += self.roles[g]
            if g == 0:
                ops += [["wgwait", 0], *self.post]
            else:
                ops.append(["wgdone", 0])
            gs.append(ops)
        end = draw(st.integers(0, 11))  # the ending: 7 and 9 are rare, not 0 (favoured)
        if end == 7:
            gs[0].append(["block", draw(st.sampled_from(BLOCK_KINDS))])
        elif end == 9:
            gs[0].append(
                ["die", draw(st.sampled_from(DIE_KINDS)), f"boom{draw(st.integers(0, 9))}"]
            )
        prog = {
            "procs": draw(st.sampled_from([2, 4, 1, 3])),
            "chans": self.chans,
            "nmu": self.nmu,
            "nrw": self.nrw,
            "nwg": self.nwg,
            "nonce": self.nonce,
            "nctr": self.nctr,
            "gs": gs,
        }
        if self.groups:
            prog["groups"] = self.groups
        return prog


@st.composite
def programs(draw) -> dict:
    b = Builder(draw)
    for _ in range(draw(st.integers(1, 4))):
        getattr(b, "pat_" + draw(st.sampled_from(Builder.PATTERNS)))()
    return b.finish()


# ---- comparing -----------------------------------------------------------------------------------


class Pair:
    """Both interpreters, open for the session."""

    def __init__(self):
        self.native = Interp(build_native(), "native")
        self.go_exe = build_go()
        self.go = Interp(self.go_exe, "go")
        self.programs = 0
        self.go_alone = 0

    def close(self):
        self.native.stop()
        self.go.stop()

    def run(self, prog: dict) -> tuple[dict, dict]:
        line = json.dumps(prog, separators=(",", ":"))
        self.programs += 1
        nat = self.native.run(line)
        if expected_end(prog) != "ok":  # Go's process ends with the program
            self.go_alone += 1
            go = run_go_alone(self.go_exe, line)
        else:
            go = self.go.run(line)
        return nat, go


def compare(pair: Pair, prog: dict) -> tuple[bool, dict, dict]:
    nat, go = pair.run(prog)
    on, og = observables(prog, nat), observables(prog, go)
    return on == og, {"raw": nat, "obs": on}, {"raw": go, "obs": og}


def _diff(on: dict, og: dict) -> str:
    keys = sorted(set(on) | set(og))
    return "\n".join(
        f"  {k}: native={on.get(k)!r}\n  {' ' * len(k)}  go    ={og.get(k)!r}"
        for k in keys
        if on.get(k) != og.get(k)
    )


def load_regressions() -> list[dict]:
    if not os.path.exists(REGRESSIONS):
        return []
    with open(REGRESSIONS) as f:
        return [json.loads(ln) for ln in f if ln.strip()]


def save_regression(prog: dict, nat: dict, go: dict) -> bool:
    """Append a shrunk divergent program (once); True if it was new."""
    known = {json.dumps(r["program"], sort_keys=True) for r in load_regressions()}
    key = json.dumps(prog, sort_keys=True)
    if key in known:
        return False
    with open(REGRESSIONS, "a") as f:
        f.write(
            json.dumps(
                {"program": prog, "native": nat["obs"], "go": go["obs"]}, separators=(",", ":")
            )
            + "\n"
        )
    return True


class Divergence(AssertionError):
    pass


# Known runtime bugs (each has an xfail line in the regressions file): a generated program
# whose only divergence is one of these is counted, not reported again. Sanitizer reports are
# matched on their SUMMARY line. Empty now: the two bugs this tester found (goro_go returning
# another goroutine's id, TSan's race on G.when) are fixed, and their regressions must pass.
KNOWN_REPORTS: dict[str, tuple[str, ...]] = {}
known_hits: Counter = Counter()


def known_report(nat: dict, go: dict | None = None) -> str | None:
    """The known bug a divergence is (only that), or None."""
    if go is not None and nat["raw"].get("end") != "crash":
        return None  # no observable divergence is known and tolerated today
    if nat["raw"].get("end") != "crash":
        return None
    summaries = re.findall(r"^SUMMARY: .*$", nat["raw"].get("err", ""), re.M)
    for pat in KNOWN_REPORTS.get(_sanitizer(), ()):
        if summaries and all(re.search(pat, s2) for s2 in summaries[:1]):
            return pat
    return None


def make_check(pair: Pair, last_failure: dict):
    def check(prog: dict) -> None:
        same, nat, go = compare(pair, prog)
        if go["obs"].get("order_errors") or go["obs"].get("end") != expected_end(prog):
            # the Go side disagrees with what the generator promised: a generator bug
            raise AssertionError(
                f"generator: Go result not as designed\n{json.dumps(prog)}\n{go['raw']}"
            )
        known = None if same else known_report(nat, go)
        if known:
            known_hits[known] += 1
            return
        if not same:
            last_failure.update(program=prog, native=nat, go=go)  # the last call is the shrunk one
            raise Divergence(
                f"native and Go differ on\n{json.dumps(prog)}\n{_diff(nat['obs'], go['obs'])}"
            )

    return check


def hypothesis_settings(examples: int, derandomize: bool) -> settings:
    return settings(
        max_examples=examples,
        derandomize=derandomize,
        database=None,
        deadline=None,
        print_blob=False,
        suppress_health_check=list(HealthCheck),
    )


def run_campaign(pair: Pair, examples: int, seed_value: int | None) -> dict | None:
    """One hypothesis run of `examples` programs; returns the shrunk divergence, if any."""
    last: dict = {}
    check = make_check(pair, last)
    test = given(programs())(check)
    test = hypothesis_settings(examples, derandomize=seed_value is None)(test)
    if seed_value is not None:
        test = seed(seed_value)(test)
    try:
        test()
    except Exception:
        # a Divergence, or an ExceptionGroup of it and another failure found while shrinking
        if not last:
            raise
        save_regression(last["program"], last["native"], last["go"])
        return last
    return None


# ---- pytest ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def pair():
    try:
        p = Pair()
    except (RuntimeError, toolchain.BuildError) as e:
        pytest.skip(str(e))
    yield p
    p.close()


def _examples() -> int:
    return int(os.environ.get("DIFFTEST_EXAMPLES", "1000"))


def _seed() -> int | None:
    s = os.environ.get("DIFFTEST_SEED", "")
    if not s:
        return None  # derandomized: the same programs every CI run
    return random.randrange(2**32) if s == "random" else int(s)


@pytest.mark.timeout(600)
def test_native_matches_go(pair):
    before = pair.programs
    found = run_campaign(pair, _examples(), _seed())
    ran = pair.programs - before
    if known_hits:
        print(f"difftest: known bugs hit (xfail in the regressions file): {dict(known_hits)}")
    print(
        f"difftest: {ran} programs run ({pair.go_alone} ending in a deadlock, panic or fatal error: a Go process each)"
    )
    if found:
        pytest.fail(
            "native and Go differ (shrunk program appended to difftest_regressions.jsonl):\n"
            f"{json.dumps(found['program'])}\n{_diff(found['native']['obs'], found['go']['obs'])}"
        )
    assert ran >= min(_examples(), 500) or _examples() < 500


def _regression_params():
    out = []
    for i, r in enumerate(load_regressions()):
        # "sanitizer": the bug shows only in that build (GORO_SANITIZE); elsewhere it must pass
        applies = r.get("xfail") and r.get("sanitizer", _sanitizer()) == _sanitizer()
        marks = [pytest.mark.xfail(reason=r["xfail"], strict=False)] if applies else []
        out.append(
            pytest.param(r["program"], r.get("repeat", 1), id=r.get("id", f"r{i}"), marks=marks)
        )
    return out


@pytest.mark.timeout(120)
@pytest.mark.parametrize("prog,repeat", _regression_params())
def test_regression(pair, prog, repeat):
    for _ in range(repeat):  # "repeat": a timing-dependent bug gets several chances
        same, nat, go = compare(pair, prog)
        assert same, f"native and Go differ:\n{json.dumps(prog)}\n{_diff(nat['obs'], go['obs'])}"


def test_generator_smoke():
    """The generator's programs are valid JSON of the language and some end in a deadlock."""
    from hypothesis import find

    prog = find(
        programs(), lambda p: p["gs"][0][-1][0] == "block", settings=hypothesis_settings(2000, True)
    )
    assert prog["gs"][0][-1][0] == "block"


# ---- long campaign -----------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Differential testing campaign: native vs Go.")
    ap.add_argument(
        "--budget", type=float, default=600.0, help="seconds to keep generating (default 600)"
    )
    ap.add_argument(
        "--batch", type=int, default=300, help="programs per hypothesis run (default 300)"
    )
    args = ap.parse_args(argv)
    pair = Pair()
    t0 = time.monotonic()
    found = []
    rounds = 0
    try:
        while time.monotonic() - t0 < args.budget:
            s = random.randrange(2**32)
            rounds += 1
            d = run_campaign(pair, args.batch, s)
            if d:
                found.append(d)
                print(
                    f"DIVERGENCE (seed {s}), shrunk:\n{json.dumps(d['program'])}\n{_diff(d['native']['obs'], d['go']['obs'])}",
                    flush=True,
                )
            print(
                f"[{time.monotonic() - t0:.0f} s] {pair.programs} programs, {len(found)} divergences",
                flush=True,
            )
    finally:
        pair.close()
    print(
        f"difftest campaign: {pair.programs} programs in {time.monotonic() - t0:.0f} s, "
        f"{rounds} rounds, {pair.go_alone} ending in deadlock/panic/fatal, {len(found)} divergences "
        f"(native process starts {pair.native.starts}, go {pair.go.starts})"
    )
    if known_hits:
        print(f"known bugs hit (xfail in the regressions file): {dict(known_hits)}")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
