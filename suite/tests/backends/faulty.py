"""A backend whose worker fails in every way a real one can: killed, crashed in native code,
hung, or printing garbage. The suite must turn each into an `error`/`timeout` cell and go on."""

import ctypes
import os
import signal
import sys
import threading
from typing import Any


class Faulty:
    name = "faulty"
    kind = "os-thread"
    expectations: dict = {}

    def available(self) -> bool:
        return True

    def version(self) -> str:
        return "test"

    def run(self, scenario: str, **params: Any) -> dict[str, Any]:
        if scenario == "spawn":  # killed from outside (the OOM killer, a user's kill -9)
            os.kill(os.getpid(), signal.SIGKILL)
        if scenario == "pingpong_yield":  # a crash inside native code
            ctypes.string_at(0)
        if scenario == "thread_ids":  # hangs: waits for an event nobody sets
            threading.Event().wait()
        if scenario == "gomaxprocs":  # prints a truncated result line and leaves
            print("@@RESULT {\"status\": \"ok\", \"observ", flush=True)
            os._exit(0)
        print("garbage on stdout, not a result line", flush=True)
        sys.stdout.flush()
        os._exit(3)


backend = Faulty()
