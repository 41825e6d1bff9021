/* §3 basics: go returns at once, completion order, loop-variable capture. */
#include <stdio.h>
#include <stdlib.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "plan.h"
#include "scen.h"

/* ---- go_returns: goro_go(f) returns while f blocks forever -------------------------------- */

struct forever {
  int32_t started;
  goro_waitgroup *running;
};

static void block_forever(void *arg) {
  struct forever *f = arg;
  goro_atomic_store32(&f->started, 1);
  goro_wg_done(f->running);
  goro_chan_recv(NULL, NULL); /* a nil channel: blocks forever */
}

SCEN_MAIN(go_returns) {
  int64_t trials = param(s, "trials"), returned = 0, spawner_first = 0;
  struct forever *fs = calloc((size_t)trials, sizeof *fs);
  goro_waitgroup running = {0};
  for (int64_t i = 0; i < trials; i++) {
    fs[i].running = &running;
    goro_wg_add(&running, 1);
    goro_go(block_forever, &fs[i]);
    returned++; /* we are here: goro_go returned */
    if (!goro_atomic_load32(&fs[i].started)) spawner_first++;
  }
  goro_wg_wait(&running); /* every child got going (and is now blocked for good) */
  free(fs);
  obs_bool(&s->out, "spawn_returned", returned == trials);
  obs_int(&s->out, "spawner_first", spawner_first);
  obs_int(&s->out, "trials", trials);
}

/* ---- completion_order: 3 goroutines append their id; which order? ------------------------- */

struct finish_line {
  goro_mutex mu;
  int order[3], len;
  goro_waitgroup wg;
};

struct runner {
  struct finish_line *f;
  int id;
};

static int devnull = -1; /* opened once per process */

static void finish(void *arg) { /* the article's sayHello: print, then note the finish */
  struct runner *r = arg;
  char line[32];
  int len = snprintf(line, sizeof line, "Hello from goroutine %d\n", r->id);
  ssize_t put = write(devnull, line, (size_t)len); /* a real write(2) */
  (void)put;
  goro_mutex_lock(&r->f->mu);
  r->f->order[r->f->len++] = r->id;
  goro_mutex_unlock(&r->f->mu);
  goro_wg_done(&r->f->wg);
}

SCEN_MAIN(completion_order) {
  int64_t trials = param(s, "trials"), seed = param(s, "seed");
  if (devnull < 0) devnull = open("/dev/null", O_WRONLY | O_CLOEXEC);
  if (devnull < 0) goro_panic("completion_order: cannot open /dev/null");
  int64_t *codes = calloc((size_t)trials, sizeof *codes);
  uint64_t plan = 0;
  for (int64_t t = 0; t < trials; t++) {
    struct finish_line f = {0};
    struct runner r[3] = {{&f, 1}, {&f, 2}, {&f, 3}};
    goro_wg_add(&f.wg, 3);
    for (int i = 0; i < 3; i++) goro_go(finish, &r[i]);
    goro_wg_wait(&f.wg);
    codes[t] = f.order[0] * 100 + f.order[1] * 10 + f.order[2];
    for (int k = 0; k < f.len; k++) /* unit u = id - 1, from the ids appended */
      plan += plan_term((uint64_t)seed, (uint64_t)t, (uint64_t)(f.order[k] - 1), 1);
  }
  int64_t kinds = distinct(codes, trials);
  obs_int(&s->out, "trials", trials);
  obs_int(&s->out, "distinct_orders", kinds);
  obs_begin(&s->out, "orders", '{');
  for (int64_t i = 0; i < trials;) { /* codes are sorted: count each run */
    int64_t j = i;
    while (j < trials && codes[j] == codes[i]) j++;
    char order[8];
    snprintf(order, sizeof order, "%lld", (long long)codes[i]);
    obs_int(&s->out, order, j - i);
    i = j;
  }
  obs_end(&s->out);
  obs_digest(&s->out, "plan_digest", plan);
  free(codes);
}

/* ---- loopvar_capture: C has no closures; a goroutine gets &i or a copy of i --------------- */

struct seen {
  goro_mutex mu;
  int64_t *values, len;
  goro_waitgroup wg;
};

static void record(struct seen *r, int64_t v) {
  goro_mutex_lock(&r->mu);
  r->values[r->len++] = v;
  goro_mutex_unlock(&r->mu);
  goro_wg_done(&r->wg);
}

struct by_pointer { /* what a Go <= 1.21 closure held: the address of the one loop variable */
  struct seen *r;
  int64_t *i;
};

static void record_pointer(void *arg) {
  struct by_pointer *c = arg;
  record(c->r, *c->i); /* reads i whenever this goroutine gets to run */
}

struct by_value { /* go func(n int) { ... }(i): a copy per iteration */
  struct seen *r;
  int64_t i;
};

static void record_value(void *arg) {
  struct by_value *c = arg;
  record(c->r, c->i);
}

static void one_run(struct seen *r, int64_t n, bool pointer, struct by_value *copies) {
  r->len = 0;
  goro_wg_add(&r->wg, n);
  if (pointer) {
    int64_t i;
    struct by_pointer shared = {r, &i};
    for (i = 0; i < n; i++) goro_go(record_pointer, &shared);
    goro_wg_wait(&r->wg); /* i is still alive here, as the shared Go variable was */
  } else {
    for (int64_t i = 0; i < n; i++) {
      copies[i] = (struct by_value){r, i};
      goro_go(record_value, &copies[i]);
    }
    goro_wg_wait(&r->wg);
  }
}

SCEN_MAIN(loopvar_capture) {
  int64_t n = param(s, "n"), trials = param(s, "trials");
  const char *names[2] = {"pointer_to_loop_var", "value_argument"};
  const char *semantics[2] = {"shared", "per-iteration"};
  struct seen r = {.values = calloc((size_t)n, sizeof(int64_t))};
  int64_t *sample = calloc((size_t)n, sizeof(int64_t));
  struct by_value *copies = calloc((size_t)n, sizeof *copies);
  obs_begin(&s->out, "variants", '{');
  for (int v = 0; v < 2; v++) {
    int64_t all_distinct = 0;
    for (int64_t t = 0; t < trials; t++) {
      one_run(&r, n, v == 0, copies);
      if (t == 0) memcpy(sample, r.values, (size_t)n * sizeof(int64_t));
      all_distinct += distinct(r.values, n) == n;
    }
    obs_begin(&s->out, names[v], '{');
    obs_str(&s->out, "semantics", semantics[v]);
    obs_int(&s->out, "trials", trials);
    obs_int(&s->out, "runs_all_distinct", all_distinct);
    obs_int(&s->out, "runs_with_duplicates", trials - all_distinct);
    obs_begin(&s->out, "sample", '[');
    for (int64_t i = 0; i < n && i < 100; i++) obs_int(&s->out, NULL, sample[i]);
    obs_end(&s->out);
    obs_end(&s->out);
  }
  obs_end(&s->out);
  free(r.values);
  free(sample);
  free(copies);
}
