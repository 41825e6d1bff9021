/* §9 sync.Once: GetDatabase() from many goroutines at once. */
#include <stdlib.h>

#include "plan.h"
#include "scen.h"

struct database {
  int64_t generation;
};

struct lazy {
  goro_once once;
  struct database *instance; /* published by init */
  int32_t init_count;
  int64_t init_ns;
  goro_chan *start; /* closed to release every caller at once */
  struct database **got;
  uint64_t *terms; /* caller c's term(seed, t, c, saw an instance), a slot each */
  uint64_t seed, trial;
  int64_t unset_seen;
  goro_waitgroup wg;
};

struct caller {
  struct lazy *l;
  int64_t i;
};

static void init_database(void *arg) {
  struct lazy *l = arg;
  goro_atomic_add32(&l->init_count, 1);
  if (l->init_ns) goro_sleep(l->init_ns); /* a slow connection */
  struct database *db = malloc(sizeof *db);
  db->generation = 1;
  __atomic_store_n(&l->instance, db, __ATOMIC_SEQ_CST);
}

static struct database *get_database(struct lazy *l) {
  goro_once_do(&l->once, init_database, l);
  return __atomic_load_n(&l->instance, __ATOMIC_SEQ_CST);
}

static void call_get(void *arg) {
  struct caller *c = arg;
  goro_chan_recv(c->l->start, NULL);
  struct database *db = get_database(c->l);
  c->l->got[c->i] = db;
  c->l->terms[c->i] = plan_term(c->l->seed, c->l->trial, (uint64_t)c->i, db != NULL);
  if (db == NULL) goro_atomic_add64(&c->l->unset_seen, 1);
  goro_wg_done(&c->l->wg);
}

/* one trial: `callers` goroutines call get_database together; returns the init count */
static int32_t trial(struct lazy *l, int64_t callers, struct caller *cs) {
  l->start = goro_chan_make(sizeof(int), 0);
  goro_wg_add(&l->wg, callers);
  for (int64_t i = 0; i < callers; i++) {
    cs[i] = (struct caller){l, i};
    goro_go(call_get, &cs[i]);
  }
  goro_chan_close(l->start);
  goro_wg_wait(&l->wg);
  goro_chan_free(l->start);
  return goro_atomic_load32(&l->init_count);
}

/* the trial's plan terms (one per caller, after Do) and its init count as state */
static void digest_trial(struct lazy *l, int64_t callers, uint64_t *plan, uint64_t *state) {
  for (int64_t i = 0; i < callers; i++) *plan += l->terms[i];
  *state += plan_term(l->seed, l->trial, (uint64_t)callers, (uint64_t)goro_atomic_load32(&l->init_count));
}

SCEN_MAIN(once_runs_once) {
  int64_t callers = param(s, "callers"), trials = param(s, "trials"), max_init = 0;
  uint64_t seed = (uint64_t)param(s, "seed"), plan = 0, state = 0;
  bool same = true;
  struct caller *cs = calloc((size_t)callers, sizeof *cs);
  struct database **got = calloc((size_t)callers, sizeof *got);
  uint64_t *terms = calloc((size_t)callers, sizeof *terms);
  for (int64_t t = 0; t < trials; t++) {
    struct lazy l = {.got = got, .terms = terms, .seed = seed, .trial = (uint64_t)t};
    int32_t inits = trial(&l, callers, cs);
    if (inits > max_init) max_init = inits;
    for (int64_t i = 0; i < callers; i++) same &= got[i] == l.instance && got[i] != NULL;
    digest_trial(&l, callers, &plan, &state);
    free(l.instance);
  }
  free(cs);
  free(got);
  free(terms);
  obs_int(&s->out, "trials", trials);
  obs_int(&s->out, "max_init_count", max_init);
  obs_bool(&s->out, "all_same_instance", same);
  obs_digest(&s->out, "plan_digest", plan);
  obs_digest(&s->out, "state_digest", state);
}

SCEN_MAIN(once_waits) {
  int64_t callers = param(s, "callers"), trials = param(s, "trials"), unset = 0;
  int64_t init_ms = param(s, "init_ms");
  uint64_t seed = (uint64_t)param(s, "seed"), plan = 0, state = 0;
  struct caller *cs = calloc((size_t)callers, sizeof *cs);
  struct database **got = calloc((size_t)callers, sizeof *got);
  uint64_t *terms = calloc((size_t)callers, sizeof *terms);
  for (int64_t t = 0; t < trials; t++) {
    struct lazy l = {.got = got, .terms = terms, .seed = seed, .trial = (uint64_t)t,
                     .init_ns = init_ms * 1000000};
    trial(&l, callers, cs);
    unset += l.unset_seen;
    digest_trial(&l, callers, &plan, &state);
    free(l.instance);
  }
  free(cs);
  free(got);
  free(terms);
  obs_int(&s->out, "trials", trials);
  obs_int(&s->out, "unset_observed", unset);
  obs_digest(&s->out, "plan_digest", plan);
  obs_digest(&s->out, "state_digest", state);
}
