/* Counting semaphore that parks goroutines: Go's runtime/sema.go with one wait queue per
 * semaphore (kept inside the Mutex/RWMutex/WaitGroup that owns it, so no address table). */
#include "sema.h"

/* Test builds may widen the windows between steps that other threads can interleave with
 * (native/cbuild.py builds test_sync_widened with it), so a lifetime or ordering bug shows at
 * once instead of once in thousands of runs. Nothing in a normal build. */
#ifdef GORO_TEST_WIDEN_RACES
#define WIDEN_RACE(ns)                                                                      \
  do {                                                                                     \
    int64_t until_ = goro_nanotime() + (ns);                                               \
    while (goro_nanotime() < until_) goro__cpu_relax();                                    \
  } while (0)
#else
#define WIDEN_RACE(ns) ((void)0)
#endif

bool goro__park_unlock(void *lock) {
  goro__spin_unlock(lock);
  return true;
}

static inline bool cansemacquire(uint32_t *count) {
  uint32_t v = __atomic_load_n(count, __ATOMIC_SEQ_CST);
  while (v != 0)
    if (__atomic_compare_exchange_n(count, &v, v - 1, true, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST))
      return true;
  return false;
}

/* The unit is ours: wait until every semrelease that may have produced it has made its last
 * access to s (sema.h, lifetime rule). A releaser never parks in between, so this is short. */
static void acquired(goro_sema *s) {
  for (unsigned spins = 0; __atomic_load_n(&s->releasing, __ATOMIC_SEQ_CST) != 0; spins++) {
    if (spins < 64) goro__cpu_relax();
    else sched_yield(); /* the releaser's OS thread may be preempted */
  }
}

void goro__semacquire(goro_sema *s, const char *reason, bool lifo) {
  WIDEN_RACE(20000); /* lets a release begin before the fast path looks */
  if (cansemacquire(&s->count)) {
    acquired(s);
    return;
  }
  G *g = goro__getg();
  for (;;) {
    goro__spin_lock(&s->lock);
    /* nwait goes up before the re-check of count; semrelease raises count before reading
     * nwait (both seq_cst): one of the two always sees the other, so no wake-up is lost. */
    __atomic_add_fetch(&s->nwait, 1, __ATOMIC_SEQ_CST);
    if (cansemacquire(&s->count)) {
      __atomic_sub_fetch(&s->nwait, 1, __ATOMIC_SEQ_CST);
      goro__spin_unlock(&s->lock);
      acquired(s);
      return;
    }
    sudog *sg = goro__mysudog(g);
    if (lifo) waitq_push_front(&s->q, sg);
    else waitq_enqueue(&s->q, sg);
    goro__gsync(g)->waiter = sg;
    goro__park(reason, goro__park_unlock, &s->lock);
    goro__gsync(g)->waiter = NULL;
    if (sg->ticket || cansemacquire(&s->count)) {
      acquired(s);
      return;
    }
  }
}

void goro__semrelease(goro_sema *s, bool handoff) {
  /* In before the unit is visible, out after the last access to s (sema.h, lifetime rule). */
  __atomic_add_fetch(&s->releasing, 1, __ATOMIC_SEQ_CST);
  __atomic_add_fetch(&s->count, 1, __ATOMIC_SEQ_CST);
  WIDEN_RACE(50000); /* a waiter may take the unit here and return */
  if (__atomic_load_n(&s->nwait, __ATOMIC_SEQ_CST) == 0) {
    __atomic_sub_fetch(&s->releasing, 1, __ATOMIC_SEQ_CST);
    return;
  }
  goro__spin_lock(&s->lock);
  if (__atomic_load_n(&s->nwait, __ATOMIC_SEQ_CST) == 0) {
    goro__spin_unlock(&s->lock);
    __atomic_sub_fetch(&s->releasing, 1, __ATOMIC_SEQ_CST);
    return;
  }
  sudog *sg = waitq_dequeue(&s->q); /* under the lock nwait == queue length, so non-NULL */
  __atomic_sub_fetch(&s->nwait, 1, __ATOMIC_SEQ_CST);
  goro__spin_unlock(&s->lock);
  /* sg's goroutine is parked (it was queued under the lock, released only by its park
   * commit) and stays parked until goro__ready, so writing its ticket here is safe. */
  if (handoff && cansemacquire(&s->count)) sg->ticket = 1;
  bool yield = sg->ticket;
  __atomic_sub_fetch(&s->releasing, 1, __ATOMIC_SEQ_CST); /* s is not touched after this */
  goro__ready(sg->g);
  /* Starvation mode: let the waiter we handed the unit to run now (it is in runnext). */
  if (yield) goro_yield();
}
