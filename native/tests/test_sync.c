/* Tests of Mutex, RWMutex, WaitGroup, Once and the atomics (after Go's src/sync tests). */
#include "test_sync_harness.h"

/* ---- Mutex ------------------------------------------------------------------------------ */

static void mutex_basic_main(void *arg) {
  (void)arg;
  goro_mutex m = {0};
  goro_mutex_lock(&m);
  CHECK(!goro_mutex_trylock(&m));
  goro_mutex_unlock(&m);
  CHECK(goro_mutex_trylock(&m));
  goro_mutex_unlock(&m);
  for (int i = 0; i < 1000; i++) {
    goro_mutex_lock(&m);
    goro_mutex_unlock(&m);
  }
}
static void t_mutex_basic(void) { T_RUN_OK(1, mutex_basic_main, NULL); }

/* HammerMutex: 10 goroutines x 1000 lock/unlock, each checking it is alone inside. */
struct hammer {
  goro_mutex m;
  goro_rwmutex rw;
  goro_waitgroup wg;
  int64_t inside;   /* goroutines inside the critical section (checked with atomics) */
  int64_t counter;  /* plain increments under the lock: lost updates would show */
  int64_t activity; /* HammerRWMutex: readers add 1, writers add 10000 */
  int iters;
};

static void hammer_mutex_worker(void *p) {
  struct hammer *h = p;
  for (int i = 0; i < h->iters; i++) {
    goro_mutex_lock(&h->m);
    CHECK_EQ(goro_atomic_add64(&h->inside, 1), 1);
    h->counter++;
    if (i % 7 == 0) goro_yield(); /* hold the lock across a switch: forces parking */
    CHECK_EQ(goro_atomic_add64(&h->inside, -1), 0);
    goro_mutex_unlock(&h->m);
  }
  goro_wg_done(&h->wg);
}

static void hammer_mutex_main(void *arg) {
  struct hammer *h = arg;
  goro_wg_add(&h->wg, 10);
  for (int i = 0; i < 10; i++) goro_go(hammer_mutex_worker, h);
  goro_wg_wait(&h->wg);
  CHECK_EQ(h->counter, 10 * h->iters);
}

static void t_mutex_hammer(void) {
  for (int procs = 1; procs <= 2; procs++) {
    struct hammer h = {.iters = 1000};
    T_RUN_OK(procs, hammer_mutex_main, &h);
    CHECK_EQ(h.counter, 10000);
  }
}

static void mutex_misuse_main(void *arg) {
  (void)arg;
  goro_mutex m = {0};
  goro_mutex_unlock(&m);
  CHECK(!"unreachable: unlock of unlocked mutex must be fatal");
}
static void t_mutex_misuse(void) {
  T_RUN_EXPECT(1, mutex_misuse_main, NULL, GORO_FATAL, "fatal error: sync: unlock of unlocked mutex");
}

/* A waiter must get the lock while two goroutines relock it in a loop (they yield between
 * rounds: the scheduler is cooperative, so a loop that never parks or yields would keep its
 * P; starvation mode then hands the lock to a waiter that has waited over 1 ms). */
struct starve {
  goro_mutex m;
  int64_t stop;
  int64_t got;
  goro_waitgroup wg;
};
static void starve_hog(void *p) {
  struct starve *s = p;
  while (!goro_atomic_load64(&s->stop)) {
    goro_mutex_lock(&s->m);
    for (volatile int i = 0; i < 200; i++) {}
    goro_mutex_unlock(&s->m);
    goro_yield();
  }
  goro_wg_done(&s->wg);
}
static void starve_waiter(void *p) {
  struct starve *s = p;
  for (int i = 0; i < 20; i++) {
    goro_mutex_lock(&s->m);
    goro_atomic_add64(&s->got, 1);
    goro_mutex_unlock(&s->m);
    goro_yield();
  }
  goro_atomic_store64(&s->stop, 1);
  goro_wg_done(&s->wg);
}
static void starve_main(void *arg) {
  struct starve *s = arg;
  goro_wg_add(&s->wg, 3);
  goro_go(starve_hog, s);
  goro_go(starve_hog, s);
  goro_go(starve_waiter, s);
  goro_wg_wait(&s->wg);
  CHECK_EQ(s->got, 20);
}
static void t_mutex_no_starvation(void) {
  struct starve s = {0};
  T_RUN_OK(2, starve_main, &s);
}

/* ---- RWMutex ---------------------------------------------------------------------------- */

/* HammerRWMutex: a reader sees 1..9999 activity, a writer sees exactly 10000. */
static void hammer_reader(void *p) {
  struct hammer *h = p;
  for (int i = 0; i < h->iters; i++) {
    goro_rwmutex_rlock(&h->rw);
    int64_t n = goro_atomic_add64(&h->activity, 1);
    CHECK(n >= 1 && n < 10000);
    if (i % 5 == 0) goro_yield();
    goro_atomic_add64(&h->activity, -1);
    goro_rwmutex_runlock(&h->rw);
  }
  goro_wg_done(&h->wg);
}
static void hammer_writer(void *p) {
  struct hammer *h = p;
  for (int i = 0; i < h->iters; i++) {
    goro_rwmutex_lock(&h->rw);
    int64_t n = goro_atomic_add64(&h->activity, 10000);
    CHECK_EQ(n, 10000);
    if (i % 5 == 0) goro_yield();
    h->counter++;
    goro_atomic_add64(&h->activity, -10000);
    goro_rwmutex_unlock(&h->rw);
  }
  goro_wg_done(&h->wg);
}
static void hammer_rw_main(void *arg) {
  struct hammer *h = arg;
  goro_wg_add(&h->wg, 10);
  goro_go(hammer_writer, h);
  for (int i = 0; i < 4; i++) goro_go(hammer_reader, h);
  goro_go(hammer_writer, h);
  for (int i = 0; i < 4; i++) goro_go(hammer_reader, h);
  goro_wg_wait(&h->wg);
  CHECK_EQ(h->counter, 2 * h->iters);
  CHECK_EQ(h->activity, 0);
}
static void t_rwmutex_hammer(void) {
  for (int procs = 1; procs <= 2; procs++) {
    struct hammer h = {.iters = 1000};
    T_RUN_OK(procs, hammer_rw_main, &h);
  }
}

/* TestParallelReaders: n readers each hold RLock at the same time (each waits, holding it,
 * until all have it), so readers do not exclude each other. */
struct parallel {
  goro_rwmutex rw;
  goro_chan *have, *release;
  goro_waitgroup wg;
};
static void parallel_reader(void *p) {
  struct parallel *s = p;
  goro_rwmutex_rlock(&s->rw);
  int one = 1;
  goro_chan_send(s->have, &one);
  goro_chan_recv(s->release, NULL);
  goro_rwmutex_runlock(&s->rw);
  goro_wg_done(&s->wg);
}
static void parallel_main(void *arg) {
  (void)arg;
  struct parallel s = {0};
  s.have = goro_chan_make(sizeof(int), 0);
  s.release = goro_chan_make(0, 0);
  const int n = 8;
  goro_wg_add(&s.wg, n);
  for (int i = 0; i < n; i++) goro_go(parallel_reader, &s);
  for (int i = 0; i < n; i++) CHECK(goro_chan_recv(s.have, NULL)); /* all n hold RLock */
  goro_chan_close(s.release);
  goro_wg_wait(&s.wg);
  goro_rwmutex_lock(&s.rw); /* free again */
  goro_rwmutex_unlock(&s.rw);
  goro_chan_free(s.have);
  goro_chan_free(s.release);
}
static void t_rwmutex_parallel_readers(void) {
  T_RUN_OK(1, parallel_main, NULL);
  T_RUN_OK(2, parallel_main, NULL);
}

/* A pending writer blocks new readers: order must be reader1, writer, reader2. At P=1 the
 * schedule is deterministic: each goroutine runs until it parks. */
struct wpref {
  goro_rwmutex rw;
  goro_waitgroup wg;
  int seq[3];
  int n;
};
static void wpref_writer(void *p) {
  struct wpref *s = p;
  goro_rwmutex_lock(&s->rw);
  s->seq[s->n++] = 2;
  goro_rwmutex_unlock(&s->rw);
  goro_wg_done(&s->wg);
}
static void wpref_reader2(void *p) {
  struct wpref *s = p;
  goro_rwmutex_rlock(&s->rw);
  s->seq[s->n++] = 3;
  goro_rwmutex_runlock(&s->rw);
  goro_wg_done(&s->wg);
}
static void wpref_main(void *arg) {
  (void)arg;
  struct wpref s = {0};
  goro_rwmutex_rlock(&s.rw);
  s.seq[s.n++] = 1;
  goro_wg_add(&s.wg, 2);
  goro_go(wpref_writer, &s);
  goro_yield(); /* the writer runs and parks: it waits for our read lock */
  goro_go(wpref_reader2, &s);
  for (int i = 0; i < 10; i++) goro_yield(); /* reader2 must park behind the writer */
  CHECK_EQ(s.n, 1);
  goro_rwmutex_runlock(&s.rw);
  goro_wg_wait(&s.wg);
  CHECK_EQ(s.n, 3);
  CHECK_EQ(s.seq[1], 2);
  CHECK_EQ(s.seq[2], 3);
}
static void t_rwmutex_writer_blocks_readers(void) { T_RUN_OK(1, wpref_main, NULL); }

static void runlock_misuse_main(void *arg) {
  (void)arg;
  goro_rwmutex rw = {0};
  goro_rwmutex_runlock(&rw);
}
static void unlock_misuse_main(void *arg) {
  (void)arg;
  goro_rwmutex rw = {0};
  goro_rwmutex_rlock(&rw);
  goro_rwmutex_runlock(&rw);
  goro_rwmutex_unlock(&rw);
}
static void t_rwmutex_misuse(void) {
  T_RUN_EXPECT(1, runlock_misuse_main, NULL, GORO_FATAL, "fatal error: sync: RUnlock of unlocked RWMutex");
  T_RUN_EXPECT(1, unlock_misuse_main, NULL, GORO_FATAL, "fatal error: sync: Unlock of unlocked RWMutex");
}

/* ---- WaitGroup -------------------------------------------------------------------------- */

struct wgtest {
  goro_waitgroup wg;
  char done[1000];
};
struct wgitem {
  struct wgtest *t;
  int i;
};
static void wg_worker(void *p) {
  struct wgitem *it = p;
  it->t->done[it->i] = 1;
  goro_wg_done(&it->t->wg);
}
static void wg_main(void *arg) {
  (void)arg;
  static struct wgtest t;
  static struct wgitem items[1000];
  memset(&t, 0, sizeof t);
  goro_wg_wait(&t.wg); /* counter 0: returns at once */
  for (int round = 0; round < 3; round++) { /* reusable after Wait returned */
    memset(t.done, 0, sizeof t.done);
    goro_wg_add(&t.wg, 1000);
    for (int i = 0; i < 1000; i++) {
      items[i] = (struct wgitem){&t, i};
      goro_go(wg_worker, &items[i]);
    }
    goro_wg_wait(&t.wg);
    for (int i = 0; i < 1000; i++) CHECK(t.done[i]);
  }
}
static void t_waitgroup(void) {
  T_RUN_OK(1, wg_main, NULL);
  T_RUN_OK(2, wg_main, NULL);
}

/* A WaitGroup on the waiter's stack, reused for other data the moment Wait returns (as every
 * `var wg sync.WaitGroup` in a function is): the goroutine calling Done must not touch it
 * after the waiter could return. The releaser once read the semaphore's lock word after
 * adding the unit; a waiter that took the unit on its fast path let the frame be reused, and
 * the releaser spun forever on garbage (sema.h, lifetime rule; seen by native/tests/soak.py). */
static void stack_wg_done(void *p) {
  /* White box: call Done only once the waiter has registered (the WaitGroup's first word is
   * counter << 32 | waiters, sync.c), so the waiter is between registering and parking while
   * the release runs; test_sync_widened then stretches the release (sema.c, WIDEN_RACE). */
  while ((goro_atomic_load64(p) & 0xffffffff) == 0) goro_yield();
  goro_wg_done(p);
}
static __attribute__((noinline)) void stack_wg_round(void) {
  goro_waitgroup wg = {0};
  goro_wg_add(&wg, 1);
  goro_go(stack_wg_done, &wg);
  goro_wg_wait(&wg);
}
static __attribute__((noinline)) void scribble_stack(void) {
  volatile unsigned char junk[512]; /* covers the frame stack_wg_round just left */
  for (size_t i = 0; i < sizeof junk; i++) junk[i] = 0xff;
}
static void stack_wg_main(void *arg) {
  (void)arg;
  for (int i = 0; i < 2000; i++) {
    stack_wg_round();
    scribble_stack();
  }
}
static void t_waitgroup_on_stack_reused(void) {
  for (int procs = 2; procs <= 4; procs++) T_RUN_OK(procs, stack_wg_main, NULL);
}

/* Several goroutines Wait on one WaitGroup; one Done releases them all. */
struct wgmulti {
  goro_waitgroup gate, all;
  int64_t released;
};
static void wg_multi_waiter(void *p) {
  struct wgmulti *s = p;
  goro_wg_wait(&s->gate);
  goro_atomic_add64(&s->released, 1);
  goro_wg_done(&s->all);
}
static void wg_multi_main(void *arg) {
  (void)arg;
  struct wgmulti s = {0};
  goro_wg_add(&s.gate, 1);
  goro_wg_add(&s.all, 5);
  for (int i = 0; i < 5; i++) goro_go(wg_multi_waiter, &s);
  for (int i = 0; i < 5; i++) goro_yield();
  CHECK_EQ(goro_atomic_load64(&s.released), 0);
  goro_wg_done(&s.gate);
  goro_wg_wait(&s.all);
  CHECK_EQ(s.released, 5);
}
static void t_waitgroup_many_waiters(void) {
  T_RUN_OK(1, wg_multi_main, NULL);
  T_RUN_OK(2, wg_multi_main, NULL);
}

/* TestWaitGroupMisuse: a negative counter panics, and the panic is recoverable. */
static const char *recovered_msg;
static void rec_defer(void *p) {
  (void)p;
  recovered_msg = goro_recover();
}
static void wg_negative_body(void *p) {
  goro_waitgroup *wg = p;
  goro_defer(rec_defer, NULL);
  goro_wg_add(wg, 1);
  goro_wg_done(wg);
  goro_wg_done(wg);
  CHECK(!"unreachable: negative counter must panic");
}
static void wg_negative_main(void *arg) {
  (void)arg;
  goro_waitgroup wg = {0};
  recovered_msg = NULL;
  CHECK(goro_call(wg_negative_body, &wg));
  CHECK(recovered_msg && strcmp(recovered_msg, "sync: negative WaitGroup counter") == 0);
}
static void wg_negative_unrecovered(void *arg) {
  (void)arg;
  goro_waitgroup wg = {0};
  goro_wg_done(&wg);
}
static void t_waitgroup_negative(void) {
  T_RUN_OK(1, wg_negative_main, NULL);
  T_RUN_EXPECT(1, wg_negative_unrecovered, NULL, GORO_PANIC,
               "panic: sync: negative WaitGroup counter\n\ngoroutine 1 [running]");
}

/* ---- Once ------------------------------------------------------------------------------- */

struct oncetest {
  goro_once once;
  goro_waitgroup wg;
  int64_t runs;     /* times f ran */
  int64_t finished; /* f has returned */
  int64_t early;    /* a caller returned from Do before f had finished */
};
static void once_f(void *p) {
  struct oncetest *s = p;
  goro_atomic_add64(&s->runs, 1);
  goro_sleep(2000000); /* slow init: other callers must wait (park) for it */
  goro_atomic_store64(&s->finished, 1);
}
static void once_caller(void *p) {
  struct oncetest *s = p;
  goro_once_do(&s->once, once_f, s);
  if (!goro_atomic_load64(&s->finished)) goro_atomic_add64(&s->early, 1);
  goro_wg_done(&s->wg);
}
static void once_main(void *arg) {
  (void)arg;
  struct oncetest s = {0};
  goro_wg_add(&s.wg, 100);
  for (int i = 0; i < 100; i++) goro_go(once_caller, &s);
  goro_wg_wait(&s.wg);
  CHECK_EQ(s.runs, 1);
  CHECK_EQ(s.early, 0);
  goro_once_do(&s.once, once_f, &s);
  CHECK_EQ(s.runs, 1);
}
static void t_once(void) {
  T_RUN_OK(1, once_main, NULL);
  T_RUN_OK(2, once_main, NULL);
}

/* TestOncePanic: f panics; the panic reaches the caller; the once is done anyway. */
static int once_panic_runs;
static void once_panicking_f(void *p) {
  (void)p;
  once_panic_runs++;
  goro_panic("once failed");
}
static void once_panic_body(void *p) {
  goro_defer(rec_defer, NULL);
  goro_once_do(p, once_panicking_f, NULL);
}
static void once_panic_main(void *arg) {
  (void)arg;
  goro_once o = {0};
  once_panic_runs = 0;
  recovered_msg = NULL;
  CHECK(goro_call(once_panic_body, &o));
  CHECK(recovered_msg && strcmp(recovered_msg, "once failed") == 0);
  goro_once_do(&o, once_panicking_f, NULL); /* done: must not run (nor deadlock) */
  CHECK_EQ(once_panic_runs, 1);
}
static void t_once_panic(void) { T_RUN_OK(1, once_panic_main, NULL); }

/* ---- atomics ---------------------------------------------------------------------------- */

struct atom {
  int64_t a64;
  int32_t a32;
  int64_t spin; /* a CAS spinlock guarding plain */
  int64_t plain;
  goro_waitgroup wg;
};
static void atom_worker(void *p) {
  struct atom *s = p;
  for (int i = 0; i < 10000; i++) {
    goro_atomic_add64(&s->a64, 2);
    goro_atomic_add32(&s->a32, 1);
    while (!goro_atomic_cas64(&s->spin, 0, 1)) {}
    s->plain++;
    goro_atomic_store64(&s->spin, 0);
  }
  goro_wg_done(&s->wg);
}
static void atom_main(void *arg) {
  (void)arg;
  struct atom s = {0};
  goro_wg_add(&s.wg, 4);
  for (int i = 0; i < 4; i++) goro_go(atom_worker, &s);
  goro_wg_wait(&s.wg);
  CHECK_EQ(goro_atomic_load64(&s.a64), 80000);
  CHECK_EQ(goro_atomic_load32(&s.a32), 40000);
  CHECK_EQ(s.plain, 40000);
  CHECK_EQ(goro_atomic_swap64(&s.a64, 7), 80000);
  CHECK_EQ(goro_atomic_swap32(&s.a32, 9), 40000);
  CHECK(!goro_atomic_cas32(&s.a32, 8, 1));
  CHECK(goro_atomic_cas32(&s.a32, 9, 1));
  goro_atomic_store32(&s.a32, 3);
  CHECK_EQ(goro_atomic_load32(&s.a32), 3);
}
static void t_atomics(void) { T_RUN_OK(2, atom_main, NULL); }

/* ---- deadlocks ---------------------------------------------------------------------------- */

/* Lock-order inversion: A holds m1 and wants m2, B holds m2 and wants m1, main waits. */
struct inversion {
  goro_mutex m1, m2;
  goro_chan *a_has, *b_has;
  goro_waitgroup wg;
};
static void inv_a(void *p) {
  struct inversion *s = p;
  goro_mutex_lock(&s->m1);
  goro_chan_send(s->a_has, NULL);
  goro_chan_recv(s->b_has, NULL);
  goro_mutex_lock(&s->m2);
  goro_wg_done(&s->wg);
}
static void inv_b(void *p) {
  struct inversion *s = p;
  goro_mutex_lock(&s->m2);
  goro_chan_recv(s->a_has, NULL);
  goro_chan_send(s->b_has, NULL);
  goro_mutex_lock(&s->m1);
  goro_wg_done(&s->wg);
}
static struct inversion inv;
static void inversion_main(void *arg) {
  (void)arg;
  memset(&inv, 0, sizeof inv);
  inv.a_has = t_keep(goro_chan_make(0, 1));
  inv.b_has = t_keep(goro_chan_make(0, 1));
  goro_wg_add(&inv.wg, 2);
  goro_go(inv_a, &inv);
  goro_go(inv_b, &inv);
  goro_wg_wait(&inv.wg);
}
static void t_deadlock_lock_order(void) {
  for (int procs = 1; procs <= 2; procs++)
    T_RUN_EXPECT(procs, inversion_main, NULL, GORO_DEADLOCK,
                 "fatal error: all goroutines are asleep - deadlock!",
                 "[sync.WaitGroup.Wait]", "[sync.Mutex.Lock]");
}

static void rw_deadlock_main(void *arg) {
  (void)arg;
  static goro_rwmutex rw;
  memset(&rw, 0, sizeof rw);
  goro_rwmutex_rlock(&rw);
  goro_rwmutex_lock(&rw); /* waits for our own read lock */
}
static void t_deadlock_rwmutex(void) {
  T_RUN_EXPECT(1, rw_deadlock_main, NULL, GORO_DEADLOCK, "[sync.RWMutex.Lock]");
}

static const t_case cases[] = {
    {"mutex_basic", t_mutex_basic},
    {"mutex_hammer", t_mutex_hammer},
    {"mutex_misuse", t_mutex_misuse},
    {"mutex_no_starvation", t_mutex_no_starvation},
    {"rwmutex_hammer", t_rwmutex_hammer},
    {"rwmutex_parallel_readers", t_rwmutex_parallel_readers},
    {"rwmutex_writer_blocks_readers", t_rwmutex_writer_blocks_readers},
    {"rwmutex_misuse", t_rwmutex_misuse},
    {"waitgroup", t_waitgroup},
    {"waitgroup_many_waiters", t_waitgroup_many_waiters},
    {"waitgroup_on_stack_reused", t_waitgroup_on_stack_reused},
    {"waitgroup_negative", t_waitgroup_negative},
    {"once", t_once},
    {"once_panic", t_once_panic},
    {"atomics", t_atomics},
    {"deadlock_lock_order", t_deadlock_lock_order},
    {"deadlock_rwmutex", t_deadlock_rwmutex},
    {NULL, NULL},
};

int main(int argc, char **argv) { return t_main(cases, argc, argv); }
