"""The CI gate: compare two results.json files, and check same-run ratios from a gate file.

    python -m suite compare OLD.json NEW.json [--threshold 10] [--gate gate.toml]
    python -m suite gate NEW.json --gate gate.toml

`compare` prints a benchstat-like table (old, new, change, significance by pyperf's two-sample
t-test) and fails when a benchmark got significantly slower than its threshold. Machines
differ, so CI that cannot keep a baseline on the same machine gates on *ratios measured in one
run* instead (e.g. native/go on BenchmarkSpawn <= 0.5): both backends ran on the same machine
minutes apart, so the ratio travels between machines far better than the absolute figures.

Gate file (TOML):

    [thresholds]            # max slowdown in % per benchmark for `compare` (default --threshold)
    BenchmarkSkynet = 15

    [[ratio]]               # same-run ratio: median(numerator) / median(denominator) <= max
    bench = "BenchmarkSpawn"
    numerator = "native"
    denominator = "go"
    max = 0.5
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from tabulate import tabulate

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib  # type: ignore[no-redef]


class GateError(ValueError):
    pass


def _parse(path: str, missing: str, kind: str, parse, error) -> dict:
    """Read and parse a file; a missing or malformed one is a one-line GateError."""
    p = Path(path)
    if not p.exists():
        raise GateError(f"{path}: {missing}")
    try:
        return parse(p.read_text())
    except error as e:
        raise GateError(f"{path}: not {kind} ({e})") from None


def _load(path: str) -> dict:
    data = _parse(path, "no such file (give a results.json written by `python -m suite run`)",
                  "JSON", json.loads, json.JSONDecodeError)
    if not isinstance(data, dict):
        raise GateError(f"{path}: a JSON {type(data).__name__}, not a results.json object; "
                        "give a results.json written by `python -m suite run`")
    if data.get("schema") != 1:
        raise GateError(f"{path}: schema {data.get('schema')!r} not supported; accepted: 1")
    if not isinstance(data.get("benchmarks", []), list) or any(
            not isinstance(b, dict) or "name" not in b or "backend" not in b
            for b in data.get("benchmarks", [])):
        raise GateError(f"{path}: `benchmarks` must be a list of records with name and backend "
                        "(a truncated or hand-edited results.json?)")
    return data


def load_gate(path: str | None) -> dict:
    if not path:
        return {}
    gate = _parse(path, "no such gate file", "TOML", tomllib.loads, tomllib.TOMLDecodeError)
    for r in gate.get("ratio", []):
        missing = {"bench", "numerator", "denominator", "max"} - set(r)
        if missing:
            raise GateError(f"{path}: a [[ratio]] lacks {sorted(missing)}; accepted keys: bench, numerator, denominator, max")
    return gate


def _index(results: dict) -> dict[tuple[str, str], dict]:
    return {(b["name"], b["backend"]): b for b in results.get("benchmarks", []) if b.get("status") == "ok"}


def significant(old: list[float], new: list[float]) -> tuple[bool, float | None]:
    from pyperf._utils import is_significant  # the same test `pyperf compare_to` uses

    if len(old) < 2 or len(new) < 2:
        return False, None
    return is_significant(old, new)


def compare(old: dict, new: dict, threshold: float, gate: dict) -> tuple[list[list[Any]], list[str]]:
    a, b = _index(old), _index(new)
    limits = gate.get("thresholds", {})
    rows, failures = [], []
    for key in sorted(set(a) & set(b)):
        o, n = a[key], b[key]
        change = (n["median"] - o["median"]) / o["median"] * 100 if o["median"] else 0.0
        sig, t = significant(o["values"], n["values"])
        limit = float(limits.get(key[0], threshold))
        mark = f"{change:+.1f}%" if sig else "~"
        # memory and time both: bigger is worse
        bad = sig and change > limit
        if bad:
            failures.append(f"{key[0]}/backend={key[1]} is {change:+.1f}% (limit {limit:g}%, t={t:.2f})")
        rows.append([f"{key[0]}/backend={key[1]}", f"{o['median']:,.4g} {o['unit']}", f"{n['median']:,.4g} {n['unit']}",
                     mark, "" if t is None else f"t={t:.2f}", "FAIL" if bad else ""])
    return rows, failures


def ratios(results: dict, gate: dict) -> tuple[list[list[Any]], list[str]]:
    idx = _index(results)
    rows, failures = [], []
    for r in gate.get("ratio", []):
        num, den = idx.get((r["bench"], r["numerator"])), idx.get((r["bench"], r["denominator"]))
        label = f"{r['bench']}: {r['numerator']}/{r['denominator']}"
        if not num or not den:
            failures.append(f"{label}: missing from the run (both backends must have run {r['bench']})")
            rows.append([label, "missing", f"<= {r['max']}", "FAIL"])
            continue
        ratio = num["median"] / den["median"]
        ok = ratio <= float(r["max"])
        if not ok:
            failures.append(f"{label} = {ratio:.3f} > {r['max']}")
        rows.append([label, f"{ratio:.3f}", f"<= {r['max']}", "ok" if ok else "FAIL"])
    return rows, failures


def main(old_path: str, new_path: str, threshold: float, gate_path: str | None) -> int:
    if threshold <= 0 or threshold > 1000:
        raise GateError(f"--threshold {threshold:g} out of range; accepted: 0 < threshold <= 1000 (percent)")
    old, new, gate = _load(old_path), _load(new_path), load_gate(gate_path)
    rows, failures = compare(old, new, threshold, gate)
    print(tabulate(rows, headers=["benchmark", "old", "new", "change", "t-test", ""], tablefmt="github"))
    if gate.get("ratio"):
        rrows, rfail = ratios(new, gate)
        print()
        print(tabulate(rrows, headers=["same-run ratio (new)", "value", "limit", ""], tablefmt="github"))
        failures += rfail
    return _verdict(failures)


def gate_main(new_path: str, gate_path: str) -> int:
    new, gate = _load(new_path), load_gate(gate_path)
    if not gate.get("ratio"):
        raise GateError(f"{gate_path}: no [[ratio]] entries to check")
    rows, failures = ratios(new, gate)
    print(tabulate(rows, headers=["same-run ratio", "value", "limit", ""], tablefmt="github"))
    return _verdict(failures)


def _verdict(failures: list[str]) -> int:
    if failures:
        print(f"\ngate FAILED: {len(failures)} regression(s)", file=sys.stderr)
        for f in failures:
            print(f"  {f}", file=sys.stderr)
        return 1
    print("\ngate passed")
    return 0
