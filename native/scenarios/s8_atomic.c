/* §8 sync/atomic: exact counters, CompareAndSwap, atomic vs Mutex. */
#include "scen.h"

struct tally {
  int64_t value;
  goro_waitgroup wg;
};

static void add_one(void *arg) {
  struct tally *t = arg;
  goro_atomic_add64(&t->value, 1);
  goro_wg_done(&t->wg);
}

SCEN_MAIN(atomic_counter) {
  int64_t units = param(s, "units"), trials = param(s, "trials"), exact = 0;
  for (int64_t t = 0; t < trials; t++) {
    struct tally c = {0};
    goro_wg_add(&c.wg, units);
    for (int64_t u = 0; u < units; u++) goro_go(add_one, &c);
    goro_wg_wait(&c.wg);
    exact += goro_atomic_load64(&c.value) == units;
  }
  obs_int(&s->out, "trials", trials);
  obs_int(&s->out, "exact_trials", exact);
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
  struct tally c = {0};
  goro_wg_add(&c.wg, units);
  for (int64_t u = 0; u < units; u++) goro_go(cas_add_one, &c);
  goro_wg_wait(&c.wg);

  int64_t v = 5;
  bool swapped = goro_atomic_cas64(&v, 4, 9); /* stale old value: must fail */
  obs_bool(&s->out, "cas_loop_exact", goro_atomic_load64(&c.value) == units);
  obs_bool(&s->out, "stale_cas_failed", !swapped && v == 5);
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

/* ns per increment with `units` goroutines sharing n increments */
static double ns_per_add(void (*adds)(void *), int64_t n, int units) {
  struct counter c = {.n = n / units};
  int64_t t0 = goro_nanotime();
  goro_wg_add(&c.wg, units);
  for (int u = 0; u < units; u++) goro_go(adds, &c);
  goro_wg_wait(&c.wg);
  return (double)(goro_nanotime() - t0) / (double)(c.n * units);
}

SCEN_MAIN(atomic_vs_mutex) {
  int64_t n = param(s, "n");
  double mutex_ns = ns_per_add(mutex_adds, n, 1), atomic_ns = ns_per_add(atomic_adds, n, 1);
  double mutex_c = ns_per_add(mutex_adds, n, 2), atomic_c = ns_per_add(atomic_adds, n, 2);
  obs_num(&s->out, "mutex_ns", mutex_ns);
  obs_num(&s->out, "atomic_ns", atomic_ns);
  obs_num(&s->out, "mutex_contended_ns", mutex_c);
  obs_num(&s->out, "atomic_contended_ns", atomic_c);
  obs_num(&s->out, "ratio_uncontended", mutex_ns / atomic_ns);
  obs_num(&s->out, "ratio_contended", mutex_c / atomic_c);
  obs_int(&s->out, "gomaxprocs", goro_procs());
}
