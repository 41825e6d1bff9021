/* §8 sync/atomic: exact counters, CompareAndSwap, atomic vs Mutex. */
#include <stdlib.h>

#include "plan.h"
#include "scen.h"

struct tally {
  int64_t value;
  uint64_t plan; /* the trial's plan digest, added to atomically */
  uint64_t seed, trial;
  goro_waitgroup wg;
};

struct adder {
  struct tally *t;
  uint64_t unit;
};

static void add_one(void *arg) {
  struct adder *a = arg;
  struct tally *t = a->t;
  goro_atomic_add64(&t->value, 1);
  __atomic_add_fetch(&t->plan, plan_term(t->seed, t->trial, a->unit, 1), __ATOMIC_SEQ_CST);
  goro_wg_done(&t->wg);
}

SCEN_MAIN(atomic_counter) {
  int64_t units = param(s, "units"), trials = param(s, "trials"), exact = 0;
  uint64_t seed = (uint64_t)param(s, "seed"), plan = 0, state = 0;
  struct adder *adders = calloc((size_t)units, sizeof *adders);
  for (int64_t t = 0; t < trials; t++) {
    struct tally c = {.seed = seed, .trial = (uint64_t)t};
    goro_wg_add(&c.wg, units);
    for (int64_t u = 0; u < units; u++) {
      adders[u] = (struct adder){&c, (uint64_t)u};
      goro_go(add_one, &adders[u]);
    }
    goro_wg_wait(&c.wg);
    int64_t final = goro_atomic_load64(&c.value);
    exact += final == units;
    plan += __atomic_load_n(&c.plan, __ATOMIC_SEQ_CST);
    state += plan_term(seed, (uint64_t)t, (uint64_t)units, (uint64_t)final);
  }
  free(adders);
  obs_int(&s->out, "trials", trials);
  obs_int(&s->out, "exact_trials", exact);
  obs_digest(&s->out, "plan_digest", plan);
  obs_digest(&s->out, "state_digest", state);
}

static void cas_add_one(void *arg) {
  struct tally *t = arg;
  for (;;) { /* load, compute, CompareAndSwap; retry if someone got there first */
    int64_t old = goro_atomic_load64(&t->value);
    if (goro_atomic_cas64(&t->value, old, old + 1)) break;
  }
  goro_wg_done(&t->wg);
}

SCEN_MAIN(atomic_cas) {
  int64_t units = param(s, "units");
  uint64_t seed = (uint64_t)param(s, "seed");
  struct tally c = {0};
  goro_wg_add(&c.wg, units);
  for (int64_t u = 0; u < units; u++) goro_go(cas_add_one, &c);
  goro_wg_wait(&c.wg);

  int64_t loop = goro_atomic_load64(&c.value);
  bool swapped = goro_atomic_cas64(&c.value, units - 1, units + 1); /* stale old value: must fail */
  int64_t after = goro_atomic_load64(&c.value);
  obs_bool(&s->out, "cas_loop_exact", loop == units);
  obs_bool(&s->out, "stale_cas_failed", !swapped && after == loop);
  obs_digest(&s->out, "state_digest", plan_term(seed, 0, 0, (uint64_t)loop) +
                                          plan_term(seed, 0, 1, (uint64_t)after));
}

/* ---- atomic_vs_mutex ---------------------------------------------------------------------- */

struct counter {
  goro_mutex mu;
  int64_t value, n;
  goro_waitgroup wg;
};

static void mutex_adds(void *arg) {
  struct counter *c = arg;
  int64_t n = c->n; /* a local, as in Go: re-reading c->n would touch the contended line */
  for (int64_t i = 0; i < n; i++) {
    goro_mutex_lock(&c->mu);
    c->value++;
    goro_mutex_unlock(&c->mu);
  }
  goro_wg_done(&c->wg);
}

static void atomic_adds(void *arg) {
  struct counter *c = arg;
  int64_t n = c->n;
  for (int64_t i = 0; i < n; i++) goro_atomic_add64(&c->value, 1);
  goro_wg_done(&c->wg);
}

/* `warmup` untimed runs, then one timed: ns per increment with `units` goroutines sharing
 * one counter (and one lock) for n increments; the timed run's counter in *final */
static double ns_per_add(void (*adds)(void *), int64_t n, int units, int64_t warmup, int64_t *final) {
  for (int64_t r = 0; r <= warmup; r++) {
    struct counter c = {.n = n / units};
    int64_t t0 = goro_nanotime();
    goro_wg_add(&c.wg, units);
    for (int u = 0; u < units; u++) goro_go(adds, &c);
    goro_wg_wait(&c.wg);
    int64_t t = goro_nanotime() - t0;
    if (r == warmup) {
      *final = c.value;
      return (double)t / (double)(c.n * units);
    }
  }
  return 0; /* not reached */
}

SCEN_MAIN(atomic_vs_mutex) {
  int64_t n = param(s, "n"), warmup = param(s, "warmup"), v[4];
  uint64_t seed = (uint64_t)param(s, "seed"), state = 0;
  double mutex_ns = ns_per_add(mutex_adds, n, 1, warmup, &v[0]);
  double atomic_ns = ns_per_add(atomic_adds, n, 1, warmup, &v[1]);
  double mutex_c = ns_per_add(mutex_adds, n, 2, warmup, &v[2]);
  double atomic_c = ns_per_add(atomic_adds, n, 2, warmup, &v[3]);
  for (int k = 0; k < 4; k++) state += plan_term(seed, 0, (uint64_t)k, (uint64_t)v[k]);
  obs_num(&s->out, "mutex_ns", mutex_ns);
  obs_num(&s->out, "atomic_ns", atomic_ns);
  obs_num(&s->out, "mutex_contended_ns", mutex_c);
  obs_num(&s->out, "atomic_contended_ns", atomic_c);
  obs_num(&s->out, "ratio_uncontended", mutex_ns / atomic_ns);
  obs_num(&s->out, "ratio_contended", mutex_c / atomic_c);
  obs_int(&s->out, "gomaxprocs", goro_procs());
  obs_digest(&s->out, "state_digest", state);
}
