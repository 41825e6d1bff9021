"""The C compiler flags of every build of the native runtime, in one place.

Imported by native/build.py (the cffi extension), native/cbuild.py (the C tests, sanitizer and
cross builds), native/tests/test_toolbox.py, native/tests/test_differential.py and
native/scenarios/race/build.py, so a flag changes everywhere at once. Optimisation levels and
include paths stay with each build: they are what differs between them.

    BASE       what every translation unit needs (the dialect, GNU extensions, threads, frame
               pointers for the preemption handler's and sanitizers' stack walks)
    WARN       BASE plus warnings as errors: every build of our own code
    EXTENSION  the shipped runtime inside the cffi extension (hidden symbols, stack-clash probes)
    DEBUG      the runtime's internal checks (GORO_DEBUG: e.g. ASSERT_SCHEDLOCK_HELD in
               core.h); every sanitizer build has them too (sanitize_flags)
    RACE_*     the race build: the program under -fsanitize=thread, the runtime not
               instrumented but built with -DGORO_RACE (race.h)
"""

from __future__ import annotations

SANITIZERS = ("address", "thread", "undefined")

BASE = ["-std=c11", "-D_GNU_SOURCE", "-pthread", "-fno-omit-frame-pointer"]
WARN = ["-std=c11", "-Wall", "-Wextra", "-Werror", "-D_GNU_SOURCE", "-pthread", "-fno-omit-frame-pointer"]
# only PyInit is exported: calls inside the module skip the PLT
EXTENSION = ["-O2", *WARN, "-fstack-clash-protection", "-fvisibility=hidden"]
DEBUG = ["-DGORO_DEBUG"]

# both builds of a race program at the same optimisation level (Go's -race does not change it
# either), so the race build's extra time is the detector's alone; TSan supports -O2
RACE_RUNTIME = {False: ["-O2"], True: ["-O2", "-DGORO_RACE"]}
RACE_PROGRAM = {False: ["-O2"], True: ["-fsanitize=thread", "-O2"]}
RACE_LINK = {False: ["-pthread"], True: ["-pthread", "-fsanitize=thread"]}


def sanitize_flags(sanitize: str | None) -> list[str]:
    """The compiler flags of a sanitizer build, with the runtime's debug checks on; UBSan
    stops at the first report (no recover), so undefined behaviour fails the test instead of
    scrolling by."""
    if not sanitize:
        return []
    if sanitize not in SANITIZERS:
        raise ValueError(f"unknown sanitizer {sanitize!r}; accepted: {', '.join(SANITIZERS)}")
    extra = ["-fno-sanitize-recover=all"] if sanitize == "undefined" else []
    return [f"-fsanitize={sanitize}", *extra, *DEBUG]
