/* Counting semaphore that parks goroutines: Go's runtime/sema.go with one wait queue per
 * semaphore (kept inside the Mutex/RWMutex/WaitGroup that owns it, so no address table). */
#include "sema.h"

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

void goro__semacquire(goro_sema *s, const char *reason, bool lifo) {
  if (cansemacquire(&s->count)) return;
  G *g = goro__getg();
  for (;;) {
    goro__spin_lock(&s->lock);
    /* nwait goes up before the re-check of count; semrelease raises count before reading
     * nwait (both seq_cst): one of the two always sees the other, so no wake-up is lost. */
    __atomic_add_fetch(&s->nwait, 1, __ATOMIC_SEQ_CST);
    if (cansemacquire(&s->count)) {
      __atomic_sub_fetch(&s->nwait, 1, __ATOMIC_SEQ_CST);
      goro__spin_unlock(&s->lock);
      return;
    }
    sudog *sg = goro__mysudog(g);
    if (lifo) waitq_push_front(&s->q, sg);
    else waitq_enqueue(&s->q, sg);
    goro__gsync(g)->waiter = sg;
    goro__park(reason, goro__park_unlock, &s->lock);
    goro__gsync(g)->waiter = NULL;
    if (sg->ticket || cansemacquire(&s->count)) return;
  }
}

void goro__semrelease(goro_sema *s, bool handoff) {
  __atomic_add_fetch(&s->count, 1, __ATOMIC_SEQ_CST);
  if (__atomic_load_n(&s->nwait, __ATOMIC_SEQ_CST) == 0) return;
  goro__spin_lock(&s->lock);
  if (__atomic_load_n(&s->nwait, __ATOMIC_SEQ_CST) == 0) {
    goro__spin_unlock(&s->lock);
    return;
  }
  sudog *sg = waitq_dequeue(&s->q); /* under the lock nwait == queue length, so non-NULL */
  __atomic_sub_fetch(&s->nwait, 1, __ATOMIC_SEQ_CST);
  goro__spin_unlock(&s->lock);
  /* sg's goroutine is parked (it was queued under the lock, released only by its park
   * commit) and stays parked until goro__ready, so writing its ticket here is safe. */
  if (handoff && cansemacquire(&s->count)) sg->ticket = 1;
  bool yield = sg->ticket;
  goro__ready(sg->g);
  /* Starvation mode: let the waiter we handed the unit to run now (it is in runnext). */
  if (yield) goro_yield();
}
