/* §6 Mutex and RWMutex. */
#include <stdint.h>
#include <stdlib.h>

#include "plan.h"
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
  uint64_t *plan; /* the trial's plan digest, under c->mu */
  uint64_t seed, trial, unit;
  goro_waitgroup *wg;
};

static void incrementer(void *arg) {
  struct job *j = arg;
  for (int64_t i = 0; i < j->increments; i++) increment(j->c);
  uint64_t term = plan_term(j->seed, j->trial, j->unit, (uint64_t)j->increments);
  goro_mutex_lock(&j->c->mu);
  *j->plan += term;
  goro_mutex_unlock(&j->c->mu);
  goro_wg_done(j->wg);
}

SCEN_MAIN(mutex_counter) {
  int64_t units = param(s, "units"), increments = param(s, "increments");
  int64_t trials = param(s, "trials"), exact = 0;
  uint64_t seed = (uint64_t)param(s, "seed"), plan = 0, state = 0;
  struct job *jobs = calloc((size_t)units, sizeof *jobs);
  for (int64_t t = 0; t < trials; t++) {
    struct safe_counter c = {0};
    goro_waitgroup wg = {0};
    goro_wg_add(&wg, units);
    for (int64_t u = 0; u < units; u++) {
      jobs[u] = (struct job){&c, increments, &plan, seed, (uint64_t)t, (uint64_t)u, &wg};
      goro_go(incrementer, &jobs[u]);
    }
    goro_wg_wait(&wg);
    exact += c.value == units * increments;
    state += plan_term(seed, (uint64_t)t, (uint64_t)units, (uint64_t)c.value);
  }
  free(jobs);
  obs_int(&s->out, "trials", trials);
  obs_int(&s->out, "exact_trials", exact);
  obs_digest(&s->out, "plan_digest", plan);
  obs_digest(&s->out, "state_digest", state);
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
  int64_t violations, ops_each, yield_every;
  uint64_t *counts; /* one counter per slot, written under the write lock */
  goro_waitgroup wg;
};

struct clerk {
  struct ledger *l;
  const uint64_t *ops; /* this worker's plan, built before it starts */
};

static void check(struct ledger *l, bool ok) {
  if (!ok) goro_atomic_add64(&l->violations, 1);
}

static void mixed(void *arg) {
  struct clerk *c = arg;
  struct ledger *l = c->l;
  for (int64_t i = 0; i < l->ops_each; i++) {
    uint64_t op = c->ops[i];
    if (plan_op_kind(op) == PLAN_WRITE) {
      goro_rwmutex_lock(&l->rw);
      int32_t w = goro_atomic_add32(&l->writers_in, 1);
      check(l, w == 1 && goro_atomic_load32(&l->readers_in) == 0);
      goro_yield(); /* let anyone the lock failed to exclude get in */
      check(l, goro_atomic_load32(&l->writers_in) == 1 && goro_atomic_load32(&l->readers_in) == 0);
      l->counts[plan_op_key(op)]++;
      goro_atomic_add32(&l->writers_in, -1);
      goro_rwmutex_unlock(&l->rw);
    } else {
      goro_rwmutex_rlock(&l->rw);
      goro_atomic_add32(&l->readers_in, 1);
      check(l, goro_atomic_load32(&l->writers_in) == 0);
      goro_atomic_add32(&l->readers_in, -1);
      goro_rwmutex_runlock(&l->rw);
    }
    if (i % l->yield_every == l->yield_every - 1) goro_yield(); /* mix the goroutines on each P */
  }
  goro_wg_done(&l->wg);
}

/* the op arrays of a plan: ops[w][i] for w < workers, i < each */
static uint64_t **build_plan(uint64_t (*op)(uint64_t, uint64_t, uint64_t, int64_t, uint64_t),
                             uint64_t seed, int64_t workers, int64_t each, int64_t pct,
                             uint64_t keys) {
  uint64_t **ops = calloc((size_t)workers, sizeof *ops);
  for (int64_t w = 0; w < workers; w++) {
    ops[w] = malloc((size_t)each * sizeof **ops);
    if (!ops[w]) goro_panic("op plan: out of memory");
    for (int64_t i = 0; i < each; i++) ops[w][i] = op(seed, (uint64_t)w, (uint64_t)i, pct, keys);
  }
  return ops;
}

/* every op done once: term(seed, w, i, kind << 32 | key), after the work */
static uint64_t plan_of(uint64_t **ops, uint64_t seed, int64_t workers, int64_t each) {
  uint64_t d = 0;
  for (int64_t w = 0; w < workers; w++)
    for (int64_t i = 0; i < each; i++) d += plan_term(seed, (uint64_t)w, (uint64_t)i, ops[w][i]);
  return d;
}

static void free_plan(uint64_t **ops, int64_t workers) {
  for (int64_t w = 0; w < workers; w++) free(ops[w]);
  free(ops);
}

SCEN_MAIN(rw_writer_exclusive) {
  int64_t workers = param(s, "workers"), slots = param(s, "slots"), trace = param(s, "trace");
  uint64_t seed = (uint64_t)param(s, "seed");
  struct ledger l = {.ops_each = plan_ops_each(param(s, "ops"), workers),
                     .yield_every = param(s, "yield_every")};
  uint64_t **ops = build_plan(plan_writer_op, seed, workers, l.ops_each, param(s, "write_pct"),
                              (uint64_t)slots);
  l.counts = calloc((size_t)slots, sizeof *l.counts);
  struct clerk *clerks = calloc((size_t)workers, sizeof *clerks);
  goro_wg_add(&l.wg, workers);
  for (int64_t w = 0; w < workers; w++) {
    clerks[w] = (struct clerk){&l, ops[w]};
    goro_go(mixed, &clerks[w]);
  }
  goro_wg_wait(&l.wg);
  obs_int(&s->out, "ops", l.ops_each * workers);
  obs_int(&s->out, "violations", l.violations);
  obs_digest(&s->out, "plan_digest", plan_of(ops, seed, workers, l.ops_each));
  obs_digest(&s->out, "state_digest", plan_table(seed, l.counts, slots));
  if (trace > 0) obs_trace(&s->out, ops, workers, l.ops_each, trace);
  free_plan(ops, workers);
  free(l.counts);
  free(clerks);
}

/* ---- rw_vs_mutex: read-heavy work under RWMutex or Mutex ----------------------------------- */

struct cache {
  goro_rwmutex rw;
  goro_mutex mu;
  bool use_rw;
  uint64_t *table, size;
  int64_t ops_each, chain;
  goro_waitgroup wg;
};

struct user {
  struct cache *c;
  const uint64_t *ops; /* this worker's plan, built before the timed section */
};

static void cache_user(void *arg) {
  struct user *u = arg;
  struct cache *c = u->c;
  const uint64_t *ops = u->ops;
  uint64_t sink = 0;
  for (int64_t i = 0, each = c->ops_each; i < each; i++) {
    uint64_t key = plan_op_key(ops[i]);
    if (plan_op_kind(ops[i]) == PLAN_READ) {
      if (c->use_rw) goro_rwmutex_rlock(&c->rw); else goro_mutex_lock(&c->mu);
      sink += plan_read_section(c->table, c->size, key, c->chain);
      if (c->use_rw) goro_rwmutex_runlock(&c->rw); else goro_mutex_unlock(&c->mu);
    } else {
      if (c->use_rw) goro_rwmutex_lock(&c->rw); else goro_mutex_lock(&c->mu);
      c->table[key] += 1;
      if (c->use_rw) goro_rwmutex_unlock(&c->rw); else goro_mutex_unlock(&c->mu);
    }
  }
  __asm__ volatile("" : : "r"(sink)); /* the reads are used */
  goro_wg_done(&c->wg);
}

/* one run: the table reset, then every worker through its ops; the run's nanoseconds */
static int64_t run_cache(struct cache *c, struct user *users, int64_t workers) {
  for (uint64_t j = 0; j < c->size; j++) c->table[j] = j;
  int64_t t0 = goro_nanotime();
  goro_wg_add(&c->wg, workers);
  for (int64_t w = 0; w < workers; w++) goro_go(cache_user, &users[w]);
  goro_wg_wait(&c->wg);
  return goro_nanotime() - t0;
}

SCEN_MAIN(rw_vs_mutex) {
  int64_t workers = param(s, "workers"), warmup = param(s, "warmup"), trace = param(s, "trace");
  uint64_t seed = (uint64_t)param(s, "seed");
  struct cache *c = calloc(1, sizeof *c);
  c->use_rw = param(s, "rw") == 1;
  c->size = (uint64_t)param(s, "table");
  c->chain = param(s, "chain");
  c->ops_each = plan_ops_each(param(s, "n"), workers);
  c->table = malloc(c->size * sizeof *c->table);
  uint64_t **ops = build_plan(plan_rw_op, seed, workers, c->ops_each, param(s, "read_pct"), c->size);
  struct user *users = calloc((size_t)workers, sizeof *users);
  for (int64_t w = 0; w < workers; w++) users[w] = (struct user){c, ops[w]};

  for (int64_t r = 0; r < warmup; r++) run_cache(c, users, workers); /* untimed */
  int64_t t = run_cache(c, users, workers);

  obs_num(&s->out, "seconds", secs(t));
  obs_int(&s->out, "ops", c->ops_each * workers);
  obs_str(&s->out, "lock", c->use_rw ? "RWMutex" : "Mutex");
  obs_digest(&s->out, "plan_digest", plan_of(ops, seed, workers, c->ops_each));
  obs_digest(&s->out, "state_digest", plan_table(seed, c->table, (int64_t)c->size));
  if (trace > 0) obs_trace(&s->out, ops, workers, c->ops_each, trace);
  free_plan(ops, workers);
  free(users);
  free(c->table);
  free(c);
}
