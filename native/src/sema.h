/* Internal building blocks of sync.c, chan.c, select.c and context.c: a spinlock, a FIFO wait
 * queue of sudogs, a counting semaphore that parks goroutines (Go's semacquire/semrelease),
 * and the park/unlock handshake they all share.
 *
 * The one invariant every blocking operation here relies on ("no lost or early wake-up"):
 * a goroutine enqueues its sudog while holding the queue's spinlock and keeps holding it into
 * goro__park(); the scheduler releases the lock in the park commit callback, i.e. only after
 * the goroutine is off its stack. A waker must take the same lock to find the sudog, so it
 * can never goro__ready() a goroutine that is still running on its stack.
 */
#ifndef GORO_SEMA_H
#define GORO_SEMA_H

#include <sched.h>
#include <stdbool.h>
#include <stdint.h>

#include "cpu.h" /* goro__cpu_relax */
#include "runtime.h"

typedef struct goro_sudog sudog;

/* ---- spinlock: held only for a few loads and stores, never across a park ---------------- */

static inline bool goro__spin_trylock(uint32_t *l) {
  return __atomic_exchange_n(l, 1, __ATOMIC_ACQUIRE) == 0;
}

/* Contended: check the word every 32 pauses (Go's lock2 spins procyield(30) per round), give
 * up the CPU after 4 rounds. Checking after every pause lost throughput (perf put ~70% of a
 * worker pool's time in acquiring the channel lock); our reading: a waiter re-reading the
 * word that often pulls the channel's line away from the holder in the middle of its critical
 * section, while with 32 pauses between looks the holder can finish several operations on a
 * line it keeps. test_chan_bench pool, median of 40 runs each:
 * 109-118 ns/job (a look per pause) -> 36 ns/job; Go's same program 76-82 ns/job. */
static inline void goro__spin_lock(uint32_t *l) {
  if (__builtin_expect(goro__spin_trylock(l), 1)) return;
  unsigned rounds = 0;
  for (;;) {
    while (__atomic_load_n(l, __ATOMIC_RELAXED)) {
      if (++rounds <= 4) {
        for (int i = 0; i < 32; i++) goro__cpu_relax();
      } else {
        sched_yield(); /* the holder is an OS thread the kernel may have preempted (2 cores,
                          often shared): let it run rather than burn its CPU */
      }
    }
    if (goro__spin_trylock(l)) return;
  }
}

static inline void goro__spin_unlock(uint32_t *l) { __atomic_store_n(l, 0, __ATOMIC_RELEASE); }

/* Park commit callback: release the spinlock passed as arg (see the invariant above). */
bool goro__park_unlock(void *lock);

/* ---- wait queue (FIFO, doubly linked; guarded by the owner's spinlock) ------------------- */

typedef struct waitq {
  sudog *first, *last;
} waitq;

static inline void waitq_enqueue(waitq *q, sudog *s) {
  s->next = NULL;
  s->prev = q->last;
  if (q->last) q->last->next = s;
  else q->first = s;
  q->last = s;
}

static inline void waitq_push_front(waitq *q, sudog *s) {
  s->prev = NULL;
  s->next = q->first;
  if (q->first) q->first->prev = s;
  else q->last = s;
  q->first = s;
}

/* Unlink s; a no-op when s is not in q (a select sudog another waker already took out). */
static inline void waitq_remove(waitq *q, sudog *s) {
  if (s->prev) s->prev->next = s->next;
  else if (q->first == s) q->first = s->next;
  else return;
  if (s->next) s->next->prev = s->prev;
  else q->last = s->prev;
  s->next = s->prev = NULL;
}

/* Take the first waiter that may still be woken. A select sudog counts only if this waker
 * wins its goroutine's select_done CAS; the losers are dropped from this queue (their
 * goroutine unlinks the rest itself when it wakes). */
static inline sudog *waitq_dequeue(waitq *q) {
  for (;;) {
    sudog *s = q->first;
    if (!s) return NULL;
    q->first = s->next;
    if (q->first) q->first->prev = NULL;
    else q->last = NULL;
    s->next = s->prev = NULL;
    if (s->select_done) {
      uint32_t zero = 0;
      if (!__atomic_compare_exchange_n(s->select_done, &zero, 1, false, __ATOMIC_ACQ_REL,
                                       __ATOMIC_RELAXED))
        continue;
    }
    return s;
  }
}

/* ---- semaphore (Go's runtime/sema.go, one queue per semaphore) --------------------------- */

/* Lifetime rule. The semaphore lives inside its owner (a WaitGroup on a goroutine's stack, a
 * Mutex in a struct the program frees), so nobody may touch it once its last waiter has
 * returned. Go's semrelease touches the owner's memory only in its first atomic add (its wait
 * queues live in a global table); ours also reads nwait and may take the lock afterwards, and
 * a waiter can take the unit on its fast path in between, return, and let its owner reuse the
 * memory: the releaser then spun forever on a "lock" that was a saved frame pointer (found by
 * native/tests/soak.py at GOMAXPROCS=4, about once in 1,000-8,000 runs). So semrelease counts
 * itself in `releasing` before it adds the unit and out after its last access, and
 * semacquire does not return while a releaser is inside. */
typedef struct goro_sema {
  int32_t aux;        /* a word for the owner (Mutex state, RWMutex counts): fits Go's layouts
                         into goro.h's opaque sizes; the semaphore never touches it */
  uint32_t count;     /* available units */
  uint32_t lock;      /* spinlock guarding q */
  uint32_t nwait;     /* waiters queued or about to queue: lets semrelease skip the lock */
  uint32_t releasing; /* semrelease calls between their first and last access (see above) */
  waitq q;
} goro_sema;

/* Wait for a unit; lifo puts the caller at the head (a waiter that already waited once). */
void goro__semacquire(goro_sema *s, const char *reason, bool lifo);
/* Add a unit and wake one waiter; handoff gives it the unit directly and yields to it. */
void goro__semrelease(goro_sema *s, bool handoff);

/* The calling goroutine's plain wait record, ready to enqueue. */
static inline sudog *goro__mysudog(G *g) {
  sudog *s = &goro__gsync(g)->sg;
  s->g = g;
  s->next = s->prev = s->waitlink = NULL;
  s->elem = s->c = NULL;
  s->select_done = NULL;
  s->casei = 0;
  s->success = 0;
  s->ticket = 0;
#ifdef GORO_RACE
  s->race_sync = goro__race_token(g);
#endif
  return s;
}

#endif
