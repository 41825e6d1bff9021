/* Internal contract between the scheduler core (sched.c, stack.c, ...) and the packages built
 * on top of it (sync.c, chan.c, select.c, context.c, panic.c). Not installed; not for users.
 *
 * The core owns G/M/P. Everything above it only parks and readies goroutines through these
 * calls and keeps its per-goroutine state in `struct goro_gsync` (gsync.h), embedded in G and
 * zeroed at spawn.
 */
#ifndef GORO_RUNTIME_H
#define GORO_RUNTIME_H

#include <stdbool.h>
#include <stdint.h>

#include "goro.h"
#include "gsync.h"

typedef struct G G;

G *goro__getg(void);                      /* current goroutine; safe across migration */
uint64_t goro__goid(G *g);
#ifdef GORO_RACE
void *goro__race_token(G *g); /* race.h: sync address of g's plain wait record */
#endif
struct goro_gsync *goro__gsync(G *g);     /* the g's sync/panic state */

/* Park the current goroutine with a wait reason shown in deadlock reports (Go's names:
 * "sync.Mutex.Lock", "chan send", "chan receive", "select", "sync.WaitGroup.Wait", ...).
 * After the goroutine is off its stack, the scheduler calls commit(arg) (e.g. to release
 * the spinlock guarding a wait queue). If commit returns false the goroutine is made
 * runnable again at once. commit may be NULL. */
void goro__park(const char *reason, bool (*commit)(void *arg), void *arg);

/* Make a parked goroutine runnable (into the current P's runnext slot, as Go's ready()). */
void goro__ready(G *g);

/* End the current goroutine now (deferred calls already handled by the caller). */
_Noreturn void goro__goexit(void);

/* End the whole run with a status of goro.h and a message (Go's text); goro_run returns it. */
_Noreturn void goro__end_run(int status, const char *msg);
_Noreturn void goro__fatal(const char *msg); /* goro__end_run(GORO_FATAL, "fatal error: msg") */

/* Provided by panic.c: run the root frame's deferred calls when a goroutine's entry function
 * returns. The core calls it only when goro__gsync(g)->defers != NULL. */
void goro__defers_at_exit(void);

#endif
