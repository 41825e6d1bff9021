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
 * Sync addresses merge (a release joins its clock into the address's). That is harmless where
 * every user of an address acquires before it releases (a Mutex, a ring slot): the address's
 * clock is then always part of the last user's. It is not harmless for wait records, which are
 * reused: a select's records go back to a shared pool, a plain wait's record lives in the G and
 * G structs are reused. A record released by one owner and not acquired afterwards (a select
 * case that lost), or carrying a dead goroutine's clock, would hand that stale clock to the next
 * owner's waker and hide a race (native/tests/race_reuse.c). So in a race build a wait record
 * syncs through RACE_SG(sg), a heap word renewed for each owner: freeing the old word drops
 * TSan's sync object with it.
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

#ifdef GORO_RACE
#include <stdlib.h>
/* The runtime copies channel values for the program: a send reads the value, a receive writes
 * its destination. The runtime is not instrumented, so it says so in the caller's name, as
 * Go's chansend/chanrecv call raceReadObjectPC/raceWriteObjectPC. */
#define RACE_READ(addr, n) __tsan_read_range((void *)(addr), (unsigned long)(n))
#define RACE_WRITE(addr, n) __tsan_write_range((void *)(addr), (unsigned long)(n))
#define RACE_SG(sg) ((sg)->race_sync)
/* A fresh sync address for a new owner of a wait record (or of a G's plain record). */
static inline void goro__race_renew(void **token) {
  free(*token); /* TSan forgets the sync object of a freed block */
  if (!(*token = malloc(1))) abort();
}
#else
#define RACE_READ(addr, n) ((void)0)
#define RACE_WRITE(addr, n) ((void)0)
#define RACE_SG(sg) (sg) /* the instrumented runtime of tox -e race: the record itself */
#endif

#endif
