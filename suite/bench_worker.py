"""pyperf entry point for one benchmark on one backend (started by suite.bench).

    python -m suite.bench_worker --bench Spawn --backend go --kind goroutine [pyperf options]

pyperf re-executes this module for each of its worker processes; the time function calls the
backend's scenario in-process `loops` times and returns the sum of the *backend-measured*
seconds of the timed sections (never the process or subprocess start-up around them).
"""

from __future__ import annotations

import pyperf

from suite import backend as backends
from suite import scenarios
from suite.bench import BY_NAME


def _add_args(cmd: list[str], args) -> None:
    cmd.extend(["--bench", args.bench, "--backend", args.backend, "--kind", args.kind])


def main() -> None:
    runner = pyperf.Runner(program_args=("-m", "suite.bench_worker"), add_cmdline_args=_add_args)
    runner.argparser.add_argument("--bench", required=True, choices=sorted(BY_NAME))
    runner.argparser.add_argument("--backend", required=True)
    runner.argparser.add_argument("--kind", required=True)
    args = runner.parse_args()
    b = BY_NAME[args.bench]
    be = backends.load(args.backend)
    params = scenarios.validate(b.scenario, b.params_for(args.kind))

    def time_func(loops: int) -> float:
        return sum(be.run(b.scenario, **params)[b.seconds_key] for _ in range(loops))

    runner.metadata["backend"] = args.backend
    runner.metadata["params"] = repr(params)
    runner.bench_time_func(f"{b.full_name}/backend={args.backend}", time_func,
                           inner_loops=b.inner_loops(params))


if __name__ == "__main__":
    main()
