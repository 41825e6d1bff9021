/* §6 Mutex and RWMutex. */
#include <stdint.h>
#include <stdlib.h>

#include "scen.h"

/* ---- mutex_counter: SafeCounter.Increment from many goroutines ----------------------------- */

struct safe_counter {
  goro_mutex mu;
  int64_t value;
};

static void increment(struct safe_counter *c) {
  goro_mutex_lock(&c->mu);
  c->value++;
  goro_mutex_unlock(&c->mu);
}

struct job {
  struct safe_counter *c;
  int64_t increments;
  goro_waitgroup *wg;
};

static void incrementer(void *arg) {
  struct job *j = arg;
  for (int64_t i = 0; i < j->increments; i++) increment(j->c);
  goro_wg_done(j->wg);
}

SCEN_MAIN(mutex_counter) {
  int64_t units = param(s, "units"), increments = param(s, "increments");
  int64_t trials = param(s, "trials"), exact = 0;
  for (int64_t t = 0; t < trials; t++) {
    struct safe_counter c = {0};
    goro_waitgroup wg = {0};
    struct job j = {&c, increments, &wg};
    goro_wg_add(&wg, units);
    for (int64_t u = 0; u < units; u++) goro_go(incrementer, &j);
    goro_wg_wait(&wg);
    exact += c.value == units * increments;
  }
  obs_int(&s->out, "trials", trials);
  obs_int(&s->out, "exact_trials", exact);
}

/* ---- mutex_unlock_on_panic: defer mu.Unlock() runs while the section panics ---------------- */

static void unlock(void *mu) { goro_mutex_unlock(mu); }

static void critical_section(void *mu) {
  goro_mutex_lock(mu);
  goro_defer(unlock, mu); /* defer mu.Unlock() */
  goro_panic("boom inside the critical section");
}

struct second {
  goro_mutex *mu;
  goro_chan *got;
};

static void take_lock(void *arg) {
  struct second *w = arg;
  int one = 1;
  goro_mutex_lock(w->mu);
  goro_mutex_unlock(w->mu);
  goro_chan_send(w->got, &one);
}

SCEN_MAIN(mutex_unlock_on_panic) {
  goro_mutex mu = {0};
  char msg[256];
  bool panicked = try_call(critical_section, &mu, msg, sizeof msg);

  struct second w = {&mu, goro_chan_make(sizeof(int), 1)};
  goro_go(take_lock, &w);
  int got;
  bool free_after = recv_within(w.got, &got, 1000); /* bounded: a stuck lock fails, not hangs */

  obs_bool(&s->out, "panicked", panicked);
  obs_bool(&s->out, "recovered", panicked && msg[0] != 0);
  obs_str(&s->out, "panic_message", panicked ? msg : NULL);
  obs_bool(&s->out, "lock_free_after", free_after);
}

/* ---- mutex_unlock_unlocked: a fatal error that ends the run (not the process) -------------- */

static void unlock_unlocked(scen *s) {
  (void)s;
  goro_mutex mu = {0};
  goro_mutex_unlock(&mu);
}

SCEN_OUTER(mutex_unlock_unlocked) {
  int rc = scen_run(s, unlock_unlocked, 0);
  obs_bool(&s->out, "raised", rc != GORO_OK);
  obs_str(&s->out, "error", rc != GORO_OK ? s->err : NULL);
  /* fatal as in Go: no recover() can catch it and the run ends; goro_run returns it as a
   * value, so the process (the Python worker) survives */
  obs_bool(&s->out, "fatal", rc == GORO_FATAL);
  obs_bool(&s->out, "process_survived", true);
  return GORO_OK;
}

/* ---- rw_readers_share: readers inside RLock at the same time ------------------------------- */

struct reading_room {
  goro_rwmutex rw;
  int64_t inside, peak, arrived, readers;
  goro_chan *all_in; /* closed by the last reader to arrive */
  goro_waitgroup wg;
};

static void reader(void *arg) {
  struct reading_room *r = arg;
  goro_rwmutex_rlock(&r->rw);
  int64_t now = goro_atomic_add64(&r->inside, 1), peak;
  while ((peak = goro_atomic_load64(&r->peak)) < now && !goro_atomic_cas64(&r->peak, peak, now)) {
  }
  if (goro_atomic_add64(&r->arrived, 1) == r->readers) goro_chan_close(r->all_in);
  int x;
  recv_within(r->all_in, &x, 1000); /* a barrier of all readers, bounded */
  goro_atomic_add64(&r->inside, -1);
  goro_rwmutex_runlock(&r->rw);
  goro_wg_done(&r->wg);
}

SCEN_MAIN(rw_readers_share) {
  struct reading_room r = {.readers = param(s, "readers")};
  r.all_in = goro_chan_make(sizeof(int), 0);
  goro_wg_add(&r.wg, r.readers);
  for (int64_t i = 0; i < r.readers; i++) goro_go(reader, &r);
  goro_wg_wait(&r.wg);
  obs_int(&s->out, "peak_readers", r.peak);
}

/* ---- rw_writer_exclusive: nobody else inside a write section ------------------------------- */

struct ledger {
  goro_rwmutex rw;
  int32_t readers_in, writers_in;
  int64_t violations, ops_each;
  goro_waitgroup wg;
};

static void mixed(void *arg) {
  struct ledger *l = arg;
  for (int64_t i = 0; i < l->ops_each; i++) {
    if (i % 10 == 0) { /* one op in ten writes */
      goro_rwmutex_lock(&l->rw);
      int32_t w = goro_atomic_add32(&l->writers_in, 1);
      if (w != 1 || goro_atomic_load32(&l->readers_in) != 0) goro_atomic_add64(&l->violations, 1);
      goro_atomic_add32(&l->writers_in, -1);
      goro_rwmutex_unlock(&l->rw);
    } else {
      goro_rwmutex_rlock(&l->rw);
      goro_atomic_add32(&l->readers_in, 1);
      if (goro_atomic_load32(&l->writers_in) != 0) goro_atomic_add64(&l->violations, 1);
      goro_atomic_add32(&l->readers_in, -1);
      goro_rwmutex_runlock(&l->rw);
    }
    if (i % 64 == 0) goro_yield(); /* mix the goroutines on each P */
  }
  goro_wg_done(&l->wg);
}

SCEN_MAIN(rw_writer_exclusive) {
  enum { WORKERS = 8 };
  int64_t ops = param(s, "ops");
  struct ledger l = {.ops_each = (ops + WORKERS - 1) / WORKERS};
  goro_wg_add(&l.wg, WORKERS);
  for (int i = 0; i < WORKERS; i++) goro_go(mixed, &l);
  goro_wg_wait(&l.wg);
  obs_int(&s->out, "ops", l.ops_each * WORKERS);
  obs_int(&s->out, "violations", l.violations);
}

/* ---- rw_vs_mutex: read-heavy work under RWMutex vs Mutex ----------------------------------- */

enum { TABLE = 1024 };

struct cache {
  goro_rwmutex rw;
  goro_mutex mu;
  bool use_rw;
  int64_t table[TABLE];
  int64_t ops_each, read_pct;
  goro_waitgroup wg;
};

static int64_t lookup(struct cache *c, uint64_t key) { /* ~1 us of dependent reads */
  int64_t h = (int64_t)key;
  for (int k = 0; k < 300; k++) h = h * 31 + c->table[(uint64_t)(h + k) % TABLE];
  return h;
}

static void cache_user(void *arg) {
  struct cache *c = arg;
  uint64_t rnd = (uint64_t)(uintptr_t)&rnd | 1, sink = 0;
  for (int64_t i = 0; i < c->ops_each; i++) {
    rnd ^= rnd << 13, rnd ^= rnd >> 7, rnd ^= rnd << 17;
    bool read = (int64_t)(rnd % 100) < c->read_pct;
    if (read) {
      if (c->use_rw) goro_rwmutex_rlock(&c->rw); else goro_mutex_lock(&c->mu);
      sink += (uint64_t)lookup(c, rnd);
      if (c->use_rw) goro_rwmutex_runlock(&c->rw); else goro_mutex_unlock(&c->mu);
    } else {
      if (c->use_rw) goro_rwmutex_lock(&c->rw); else goro_mutex_lock(&c->mu);
      c->table[rnd % TABLE] = (int64_t)rnd;
      if (c->use_rw) goro_rwmutex_unlock(&c->rw); else goro_mutex_unlock(&c->mu);
    }
  }
  __asm__ volatile("" : : "r"(sink));
  goro_wg_done(&c->wg);
}

static int64_t run_cache(struct cache *c, int workers, bool use_rw) {
  c->use_rw = use_rw;
  int64_t t0 = goro_nanotime();
  goro_wg_add(&c->wg, workers);
  for (int i = 0; i < workers; i++) goro_go(cache_user, c);
  goro_wg_wait(&c->wg);
  return goro_nanotime() - t0;
}

SCEN_MAIN(rw_vs_mutex) {
  enum { WORKERS = 4 };
  int64_t n = param(s, "n");
  struct cache *c = calloc(1, sizeof *c);
  c->ops_each = (n + WORKERS - 1) / WORKERS;
  c->read_pct = param(s, "read_pct");
  for (int i = 0; i < TABLE; i++) c->table[i] = i * 7;
  int64_t rw = INT64_MAX, mu = INT64_MAX;
  for (int rep = 0; rep < 3; rep++) { /* best of 3, interleaved: the machine is shared */
    int64_t a = run_cache(c, WORKERS, true), b = run_cache(c, WORKERS, false);
    rw = a < rw ? a : rw;
    mu = b < mu ? b : mu;
  }
  obs_num(&s->out, "seconds", secs(rw));
  obs_int(&s->out, "ops", c->ops_each * WORKERS);
  obs_num(&s->out, "rw_seconds", secs(rw));
  obs_num(&s->out, "mutex_seconds", secs(mu));
  obs_num(&s->out, "ratio", (double)mu / (double)rw);
  obs_int(&s->out, "workers", WORKERS);
  free(c);
}
