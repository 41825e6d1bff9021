/* sync: Mutex, RWMutex, WaitGroup, Once — Go's algorithms (src/sync) over the parking
 * semaphore of sema.c. The zero value of each type is ready to use.
 *
 * Mutex fairness (Go's two modes). Normal mode: Unlock wakes one waiter, but the woken
 * waiter must compete with goroutines arriving right now (which may also spin briefly on a
 * multi-P run); newcomers usually win because they are already on a CPU — good throughput,
 * no convoys. A waiter that has failed to get the lock for over 1 ms switches the mutex to
 * starvation mode: Unlock then hands ownership straight to the head waiter and yields to it,
 * newcomers queue at the tail without trying, so no waiter waits forever. The mutex returns
 * to normal mode when the last waiter leaves or a waiter got it in under 1 ms. */
#define GORO_SYNC_IMPL 1 /* goro.h: the out-of-line definitions, not the inlined fast paths */
#include <stddef.h>
#include <string.h>

#include "race.h"
#include "sema.h"

/* ---- Mutex --------------------------------------------------------------------------- */

enum {
  mutexLocked = 1,
  mutexWoken = 2,
  mutexStarving = 4,
  mutexWaiterShift = 3,
};
#define STARVATION_THRESHOLD_NS 1000000

typedef struct mutex {
  goro_sema sema; /* sema.aux is the state word: locked | woken | starving | waiters << 3 */
} mutex;
_Static_assert(sizeof(mutex) <= sizeof(goro_mutex), "goro_mutex too small");
_Static_assert(offsetof(mutex, sema.aux) == 0, "goro.h's inlined Lock/Unlock use the first word");

#define MSTATE(m) (&(m)->sema.aux)

static bool can_spin(int iter) { return iter < 4 && goro_procs() > 1; }

static void do_spin(void) {
  for (int i = 0; i < 30; i++) goro__cpu_relax();
}

static void mutex_lock_slow(mutex *m, const char *reason) {
  int64_t wait_start = 0;
  bool starving = false, awoke = false;
  int iter = 0;
  int32_t old = __atomic_load_n(MSTATE(m), __ATOMIC_RELAXED);
  for (;;) {
    /* Spin while another goroutine (on another P) holds it in normal mode: it is likely to
     * release soon. Set woken so Unlock does not wake a parked waiter meanwhile. */
    if ((old & (mutexLocked | mutexStarving)) == mutexLocked && can_spin(iter)) {
      if (!awoke && !(old & mutexWoken) && (old >> mutexWaiterShift) != 0 &&
          __atomic_compare_exchange_n(MSTATE(m), &old, old | mutexWoken, false,
                                      __ATOMIC_SEQ_CST, __ATOMIC_RELAXED))
        awoke = true;
      do_spin();
      iter++;
      old = __atomic_load_n(MSTATE(m), __ATOMIC_RELAXED);
      continue;
    }
    int32_t new_ = old;
    if (!(old & mutexStarving)) new_ |= mutexLocked; /* newcomers do not barge when starving */
    if (old & (mutexLocked | mutexStarving)) new_ += 1 << mutexWaiterShift;
    if (starving && (old & mutexLocked)) new_ |= mutexStarving;
    if (awoke) {
      if (!(new_ & mutexWoken)) goro__fatal("sync: inconsistent mutex state");
      new_ &= ~mutexWoken;
    }
    if (__atomic_compare_exchange_n(MSTATE(m), &old, new_, false, __ATOMIC_SEQ_CST,
                                    __ATOMIC_RELAXED)) {
      if (!(old & (mutexLocked | mutexStarving))) return; /* got it with the CAS */
      bool lifo = wait_start != 0; /* waited before: back to the head of the queue */
      if (wait_start == 0) wait_start = goro_nanotime();
      goro__semacquire(&m->sema, reason, lifo);
      starving = starving || goro_nanotime() - wait_start > STARVATION_THRESHOLD_NS;
      old = __atomic_load_n(MSTATE(m), __ATOMIC_RELAXED);
      if (old & mutexStarving) {
        /* Ownership was handed to us; the state still says unlocked+starving. */
        int32_t delta = mutexLocked - (1 << mutexWaiterShift);
        if (!starving || (old >> mutexWaiterShift) == 1) delta -= mutexStarving;
        __atomic_add_fetch(MSTATE(m), delta, __ATOMIC_SEQ_CST);
        return;
      }
      awoke = true;
      iter = 0;
    }
    /* on CAS failure `old` holds the current state */
  }
}

static inline void mutex_lock(mutex *m, const char *reason) {
  int32_t unlocked = 0;
  if (__builtin_expect(__atomic_compare_exchange_n(MSTATE(m), &unlocked, mutexLocked, false,
                                                   __ATOMIC_ACQUIRE, __ATOMIC_RELAXED), 1))
    return;
  mutex_lock_slow(m, reason);
}

static void mutex_unlock_slow(mutex *m, int32_t new_) {
  if (!((new_ + mutexLocked) & mutexLocked)) goro__fatal("sync: unlock of unlocked mutex");
  if (new_ & mutexStarving) {
    goro__semrelease(&m->sema, true); /* hand off to the head waiter */
    return;
  }
  int32_t old = new_;
  for (;;) {
    /* Nobody to wake, or someone already woken/spinning or the lock already retaken. */
    if ((old >> mutexWaiterShift) == 0 || (old & (mutexLocked | mutexWoken | mutexStarving)))
      return;
    new_ = (old - (1 << mutexWaiterShift)) | mutexWoken;
    if (__atomic_compare_exchange_n(MSTATE(m), &old, new_, false, __ATOMIC_SEQ_CST,
                                    __ATOMIC_RELAXED)) {
      goro__semrelease(&m->sema, false);
      return;
    }
  }
}

static inline void mutex_unlock(mutex *m) {
  int32_t new_ = __atomic_sub_fetch(MSTATE(m), mutexLocked, __ATOMIC_RELEASE);
  if (__builtin_expect(new_ != 0, 0)) mutex_unlock_slow(m, new_);
}

/* race.h: an Unlock happens before the next Lock. */
void goro_mutex_lock(goro_mutex *m) {
  mutex_lock((mutex *)m, "sync.Mutex.Lock");
  RACE_ACQUIRE(m);
}

void goro_mutex_unlock(goro_mutex *m) {
  RACE_RELEASE(m);
  mutex_unlock((mutex *)m);
}

void goro__mutex_lock_slow(goro_mutex *m) { mutex_lock_slow((mutex *)m, "sync.Mutex.Lock"); }
void goro__mutex_unlock_slow(goro_mutex *m, int32_t state) { mutex_unlock_slow((mutex *)m, state); }

bool goro_mutex_trylock(goro_mutex *gm) {
  mutex *m = (mutex *)gm;
  int32_t old = __atomic_load_n(MSTATE(m), __ATOMIC_RELAXED);
  if (old & (mutexLocked | mutexStarving)) return false;
  if (!__atomic_compare_exchange_n(MSTATE(m), &old, old | mutexLocked, false, __ATOMIC_ACQUIRE,
                                   __ATOMIC_RELAXED))
    return false;
  RACE_ACQUIRE(gm);
  return true;
}

/* ---- RWMutex (Go's): readers count up; a writer subtracts MAX_READERS so new readers see
 * a negative count and queue behind it, then waits for the readers already inside. ------- */

#define MAX_READERS (1 << 30)

typedef struct rwmutex {
  mutex w;            /* held by a writer (and by writers waiting their turn) */
  goro_sema wsem;     /* writer waits here for departing readers; aux = readerWait */
  goro_sema rsem;     /* readers wait here for the writer; aux = readerCount */
} rwmutex;
_Static_assert(sizeof(rwmutex) <= sizeof(goro_rwmutex), "goro_rwmutex too small");

#define READER_COUNT(rw) (&(rw)->rsem.aux)
#define READER_WAIT(rw) (&(rw)->wsem.aux)
/* race.h, as Go's RWMutex: a writer's Unlock happens before later RLocks (via rsem), every
 * RUnlock before the next writer's Lock (via wsem). */

void goro_rwmutex_rlock(goro_rwmutex *grw) {
  rwmutex *rw = (rwmutex *)grw;
  if (__atomic_add_fetch(READER_COUNT(rw), 1, __ATOMIC_SEQ_CST) < 0)
    goro__semacquire(&rw->rsem, "sync.RWMutex.RLock", false); /* a writer is pending */
  RACE_ACQUIRE(&rw->rsem);
}

void goro_rwmutex_runlock(goro_rwmutex *grw) {
  rwmutex *rw = (rwmutex *)grw;
  RACE_RELEASE(&rw->wsem);
  int32_t r = __atomic_sub_fetch(READER_COUNT(rw), 1, __ATOMIC_SEQ_CST);
  if (r >= 0) return;
  if (r + 1 == 0 || r + 1 == -MAX_READERS) goro__fatal("sync: RUnlock of unlocked RWMutex");
  /* A writer is pending: the last reader it waits for wakes it. */
  if (__atomic_sub_fetch(READER_WAIT(rw), 1, __ATOMIC_SEQ_CST) == 0)
    goro__semrelease(&rw->wsem, false);
}

void goro_rwmutex_lock(goro_rwmutex *grw) {
  rwmutex *rw = (rwmutex *)grw;
  mutex_lock(&rw->w, "sync.RWMutex.Lock");
  int32_t r = __atomic_sub_fetch(READER_COUNT(rw), MAX_READERS, __ATOMIC_SEQ_CST) + MAX_READERS;
  if (r != 0 && __atomic_add_fetch(READER_WAIT(rw), r, __ATOMIC_SEQ_CST) != 0)
    goro__semacquire(&rw->wsem, "sync.RWMutex.Lock", false);
  RACE_ACQUIRE(&rw->rsem);
  RACE_ACQUIRE(&rw->wsem);
}

void goro_rwmutex_unlock(goro_rwmutex *grw) {
  rwmutex *rw = (rwmutex *)grw;
  RACE_RELEASE(&rw->rsem);
  int32_t r = __atomic_add_fetch(READER_COUNT(rw), MAX_READERS, __ATOMIC_SEQ_CST);
  if (r >= MAX_READERS) {
    __atomic_sub_fetch(READER_COUNT(rw), MAX_READERS, __ATOMIC_SEQ_CST);
    goro__fatal("sync: Unlock of unlocked RWMutex");
  }
  for (int32_t i = 0; i < r; i++) goro__semrelease(&rw->rsem, false); /* queued readers */
  mutex_unlock(&rw->w);
}

/* ---- WaitGroup: state = counter << 32 | waiters ---------------------------------------- */

typedef struct waitgroup {
  uint64_t state;
  goro_sema sema;
} waitgroup;
_Static_assert(sizeof(waitgroup) <= sizeof(goro_waitgroup), "goro_waitgroup too small");

void goro_wg_add(goro_waitgroup *gwg, int64_t delta) {
  waitgroup *wg = (waitgroup *)gwg;
  if (delta < 0) RACE_RELEASE(wg); /* race.h: every Done happens before Wait returns */
  uint64_t state = __atomic_add_fetch(&wg->state, (uint64_t)delta << 32, __ATOMIC_SEQ_CST);
  int32_t v = (int32_t)(state >> 32);
  uint32_t w = (uint32_t)state;
  if (v < 0) goro_panic("sync: negative WaitGroup counter");
  if (w != 0 && delta > 0 && v == (int32_t)delta)
    goro_panic("sync: WaitGroup misuse: Add called concurrently with Wait");
  if (v > 0 || w == 0) return;
  /* Counter hit 0 with waiters: nobody may touch the state now but us (Go's rule). */
  if (__atomic_load_n(&wg->state, __ATOMIC_SEQ_CST) != state)
    goro_panic("sync: WaitGroup misuse: Add called concurrently with Wait");
  __atomic_store_n(&wg->state, 0, __ATOMIC_SEQ_CST);
  for (; w != 0; w--) goro__semrelease(&wg->sema, false);
}

void goro_wg_done(goro_waitgroup *wg) { goro_wg_add(wg, -1); }

void goro_wg_wait(goro_waitgroup *gwg) {
  waitgroup *wg = (waitgroup *)gwg;
  uint64_t state = __atomic_load_n(&wg->state, __ATOMIC_SEQ_CST);
  for (;;) {
    if ((state >> 32) == 0) break;
    if (__atomic_compare_exchange_n(&wg->state, &state, state + 1, false, __ATOMIC_SEQ_CST,
                                    __ATOMIC_SEQ_CST)) {
      goro__semacquire(&wg->sema, "sync.WaitGroup.Wait", false);
      if (__atomic_load_n(&wg->state, __ATOMIC_SEQ_CST) != 0)
        goro_panic("sync: WaitGroup is reused before previous Wait has returned");
      break;
    }
  }
  RACE_ACQUIRE(wg);
}

/* ---- Once: fast path one load; slow path under a mutex, f run inside its own frame so a
 * panic in f still marks the once done and releases the mutex (deferred, as in Go). ------- */

typedef struct once {
  uint32_t done;
  uint32_t pad_;
  mutex m;
} once;
_Static_assert(sizeof(once) <= sizeof(goro_once), "goro_once too small");
_Static_assert(offsetof(once, done) == 0, "goro.h's inlined Once.Do reads the first word");

struct once_call {
  once *o;
  void (*f)(void *);
  void *arg;
};

static void once_finish(void *p) {
  struct once_call *c = p;
  RACE_RELEASE(c->o); /* race.h: f's work happens before every Do returns */
  __atomic_store_n(&c->o->done, 1, __ATOMIC_RELEASE);
  mutex_unlock(&c->o->m);
}

static void once_body(void *p) {
  struct once_call *c = p;
  goro_defer(once_finish, c);
  c->f(c->arg);
}

void goro_once_do(goro_once *go, void (*f)(void *), void *arg) {
  once *o = (once *)go;
  if (__builtin_expect(__atomic_load_n(&o->done, __ATOMIC_ACQUIRE), 1)) {
    RACE_ACQUIRE(o);
    return;
  }
  mutex_lock(&o->m, "sync.Mutex.Lock");
  if (__atomic_load_n(&o->done, __ATOMIC_RELAXED)) {
    mutex_unlock(&o->m);
    RACE_ACQUIRE(o);
    return;
  }
  struct once_call c = {o, f, arg};
  goro_call(once_body, &c); /* a panic in f is not recovered here: it goes on in the caller */
}
