/* Benchmark-only workloads: lean loops timed with goro_nanotime() around the work. */
#include <stdlib.h>

#include "plan.h"
#include "scen.h"

static void timed(scen *s, int64_t t, int64_t ops, const char *per_op_key) {
  obs_num(&s->out, "seconds", secs(t));
  obs_int(&s->out, "ops", ops);
  obs_num(&s->out, per_op_key, (double)t / (double)ops);
}

SCEN_MAIN(mutex_uncontended) {
  int64_t n = param(s, "n"), seed = param(s, "seed"), count = 0;
  goro_mutex mu = {0};
  int64_t t0 = goro_nanotime();
  for (int64_t i = 0; i < n; i++) {
    goro_mutex_lock(&mu);
    count++;
    goro_mutex_unlock(&mu);
  }
  timed(s, goro_nanotime() - t0, n, "ns_per_op");
  obs_digest(&s->out, "state_digest", plan_term((uint64_t)seed, 0, 0, (uint64_t)count));
}

struct contended {
  goro_mutex mu;
  int64_t count, each;
  goro_waitgroup wg;
};

struct locker {
  struct contended *c;
  int64_t done; /* this unit's Lock/++/Unlock count */
};

static void lock_loop(void *arg) {
  struct locker *l = arg;
  struct contended *c = l->c;
  int64_t each = c->each; /* a local, as in Go's loop */
  for (int64_t i = 0; i < each; i++) {
    goro_mutex_lock(&c->mu);
    c->count++;
    goro_mutex_unlock(&c->mu);
  }
  l->done = each;
  goro_wg_done(&c->wg);
}

SCEN_MAIN(mutex_contended) {
  int64_t units = param(s, "units"), seed = param(s, "seed");
  struct contended c = {.each = param(s, "n") / units};
  struct locker *ls = calloc((size_t)units, sizeof *ls);
  for (int64_t u = 0; u < units; u++) ls[u].c = &c;
  int64_t t0 = goro_nanotime();
  goro_wg_add(&c.wg, units);
  for (int64_t u = 0; u < units; u++) goro_go(lock_loop, &ls[u]);
  goro_wg_wait(&c.wg);
  timed(s, goro_nanotime() - t0, c.each * units, "ns_per_op");
  uint64_t plan = 0; /* unit u did ls[u].done sections: summed after timing */
  for (int64_t u = 0; u < units; u++) plan += plan_term((uint64_t)seed, 0, (uint64_t)u, (uint64_t)ls[u].done);
  obs_digest(&s->out, "plan_digest", plan);
  obs_digest(&s->out, "state_digest", plan_term((uint64_t)seed, 0, 0, (uint64_t)c.count));
  free(ls);
}

SCEN_MAIN(atomic_add) {
  int64_t n = param(s, "n"), seed = param(s, "seed"), count = 0;
  int64_t t0 = goro_nanotime();
  for (int64_t i = 0; i < n; i++) goro_atomic_add64(&count, 1);
  timed(s, goro_nanotime() - t0, n, "ns_per_op");
  obs_digest(&s->out, "state_digest", plan_term((uint64_t)seed, 0, 0, (uint64_t)count));
}

SCEN_MAIN(waitgroup) {
  int64_t n = param(s, "n"), seed = param(s, "seed");
  /* the spawn scenario's workload seen from the WaitGroup: Add(n); n goroutines each Done; Wait */
  spawn_and_wait(param(s, "warmup_units")); /* untimed: fills the G and stack pools */
  int64_t t0 = goro_nanotime();
  spawn_and_wait(n);
  timed(s, goro_nanotime() - t0, n, "ns_per_unit");
  obs_digest(&s->out, "plan_digest", plan_seq((uint64_t)seed, n, 0, 0)); /* from the count */
}

static void setup(void *count) { (*(int64_t *)count)++; }

SCEN_MAIN(once) {
  int64_t n = param(s, "n"), seed = param(s, "seed"), inits = 0;
  goro_once once = {0};
  goro_once_do(&once, setup, &inits); /* the first call runs setup */
  int64_t t0 = goro_nanotime();
  for (int64_t i = 0; i < n; i++) goro_once_do(&once, setup, &inits);
  timed(s, goro_nanotime() - t0, n, "ns_per_op");
  obs_int(&s->out, "init_count", inits);
  obs_digest(&s->out, "state_digest", plan_term((uint64_t)seed, 0, 0, (uint64_t)inits));
}

/* ---- skynet: a tree of goroutines, 10 children each, leaves return their number ----------- */

struct node {
  goro_chan *parent; /* where this subtree's sum goes */
  int64_t num, size;
};

static void skynet(void *arg) {
  struct node *me = arg;
  int64_t sum = me->num;
  if (me->size > 1) {
    int64_t kids = me->size < 10 ? me->size : 10;
    goro_chan *c = goro_chan_make(sizeof(int64_t), 0);
    struct node *child = malloc((size_t)kids * sizeof *child);
    int64_t num = me->num;
    for (int64_t i = 0; i < kids; i++) { /* split [num, num+size) into kids near-equal parts */
      int64_t size = me->size / kids + (i < me->size % kids);
      child[i] = (struct node){c, num, size};
      num += size;
      goro_go(skynet, &child[i]);
    }
    sum = 0;
    for (int64_t i = 0, part; i < kids; i++) {
      goro_chan_recv(c, &part);
      sum += part;
    }
    free(child); /* every child has sent: none reads its node any more */
    goro_chan_free(c);
  }
  goro_chan_send(me->parent, &sum);
}

SCEN_MAIN(skynet) {
  int64_t leaves = param(s, "leaves"), seed = param(s, "seed"), total;
  goro_chan *result = goro_chan_make(sizeof(int64_t), 0);
  /* on the heap: the root goroutine reads it while main is parked (GORO_STACKS=small refuses
   * a stack address shared between goroutines) */
  struct node *root = malloc(sizeof *root);
  if (!root) goro_panic("skynet: out of memory");
  *root = (struct node){result, 0, leaves};
  int64_t t0 = goro_nanotime();
  goro_go(skynet, root);
  goro_chan_recv(result, &total);
  free(root); /* the root has sent: nobody reads it any more */
  int64_t t = goro_nanotime() - t0;
  goro_chan_free(result);
  obs_num(&s->out, "seconds", secs(t));
  obs_int(&s->out, "ops", leaves);
  obs_int(&s->out, "total", total);
  obs_num(&s->out, "ms", (double)t / 1e6);
  obs_num(&s->out, "ns_per_leaf", (double)t / (double)leaves);
  obs_digest(&s->out, "state_digest", plan_term((uint64_t)seed, 0, 0, (uint64_t)total));
}
