"""pyperf entry point for one benchmark on one backend (started by suite.bench).

    python -m suite.bench_worker --bench Spawn --backend go --kind goroutine [pyperf options]

pyperf re-executes this module for each of its worker processes; the time function calls the
backend's scenario in-process `loops` times and returns the sum of the *backend-measured*
seconds of the timed sections (never the process or subprocess start-up around them).

With ``--first-call PATH`` the observables of the first call of the first worker process (a fresh
process, as a runner's probe would be) are written to PATH: the orchestrator keeps a benchmark's
``extra`` observables (Echo's bytes per connection) from there instead of running it once more.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pyperf

from suite import atomicio, scenarios
from suite import backend as backends
from suite.bench import BY_NAME


def _add_args(cmd: list[str], args) -> None:
    cmd.extend(["--bench", args.bench, "--backend", args.backend, "--kind", args.kind])
    if args.first_call:
        cmd.extend(["--first-call", args.first_call])


def main() -> None:
    runner = pyperf.Runner(program_args=("-m", "suite.bench_worker"), add_cmdline_args=_add_args)
    runner.argparser.add_argument("--bench", required=True, choices=sorted(BY_NAME))
    runner.argparser.add_argument("--backend", required=True)
    runner.argparser.add_argument("--kind", required=True)
    runner.argparser.add_argument("--first-call", default=None)
    args = runner.parse_args()
    b = BY_NAME[args.bench]
    be = backends.load(args.backend)
    params = scenarios.validate(b.scenario, b.params_for(args.kind))
    keep_first = bool(args.first_call) and not os.path.exists(args.first_call)

    def call() -> float:
        nonlocal keep_first
        obs = be.run(b.scenario, **params)
        if keep_first:
            keep_first = False
            atomicio.write_all({Path(args.first_call): json.dumps(obs, default=str)})
        return obs[b.seconds_key]

    def time_func(loops: int) -> float:
        return sum(call() for _ in range(loops))

    runner.metadata["backend"] = args.backend
    runner.metadata["params"] = repr(params)
    runner.bench_time_func(f"{b.full_name}/backend={args.backend}", time_func,
                           inner_loops=b.inner_loops(params))


if __name__ == "__main__":
    main()
