/* Race-detector annotations: the happens-before edges the runtime creates, told to
 * ThreadSanitizer.
 *
 * The race build (native/scenarios/race/build.py, this runtime's `go run -race`) follows Go's
 * design: the program is instrumented, the runtime is not. Go's runtime is compiled without
 * race instrumentation and calls racerelease/raceacquire where it orders goroutines (go
 * statement, channel operations, sync.Mutex, WaitGroup, Once). This runtime does the same with
 * __tsan_release/__tsan_acquire on the addresses below, and switches TSan fibers without the
 * implicit synchronisation of a switch (__tsan_switch_to_fiber_no_sync), so two goroutines
 * that take turns on one M are not ordered unless the program orders them, and a race shows up
 * even at GOMAXPROCS=1.
 *
 * Two goroutine-local facts make TSan's picture coarser than Go's, never noisier: a TSan fiber
 * belongs to a G struct and G structs are reused, so a new goroutine continues the clock of
 * the dead goroutine that last used its G; and sync addresses merge (release joins clocks).
 * Both add edges, so they can hide a race, never invent one.
 *
 * GORO_RACE: uninstrumented runtime inside a race build. GORO_TSAN: the runtime itself is
 * instrumented (tox -e race checks the runtime's own code); the annotations are then
 * redundant with the instrumented atomics but harmless. Elsewhere they compile to nothing. */
#ifndef GORO_RACE_H
#define GORO_RACE_H

#if defined(GORO_RACE) || defined(__SANITIZE_THREAD__)
#define GORO_RACE_ANNOTATE 1
#endif
#if defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define GORO_RACE_ANNOTATE 1
#endif
#endif

#ifdef GORO_RACE_ANNOTATE
#include <sanitizer/tsan_interface.h>
#define RACE_ACQUIRE(addr) __tsan_acquire((void *)(addr))
#define RACE_RELEASE(addr) __tsan_release((void *)(addr))
#else
#define RACE_ACQUIRE(addr) ((void)0)
#define RACE_RELEASE(addr) ((void)0)
#endif

#endif
