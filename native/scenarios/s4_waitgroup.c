/* §4 WaitGroup: Wait waits for all; Add before go; Add inside the goroutine races; misuse. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plan.h"
#include "scen.h"

struct crew {
  goro_waitgroup wg;
  goro_waitgroup all; /* joins every worker before the next trial reuses anything */
  int32_t *finished;
  int64_t n;
};

struct hand {
  struct crew *c;
  int64_t i;
};

static bool all_finished(struct crew *c) {
  for (int64_t i = 0; i < c->n; i++)
    if (!goro_atomic_load32(&c->finished[i])) return false;
  return true;
}

/* worker w of trial t counts term(seed, t, w, 1) if its flag is set, nothing otherwise */
static uint64_t flags_digest(struct crew *c, uint64_t seed, int64_t t) {
  uint64_t d = 0;
  for (int64_t i = 0; i < c->n; i++)
    if (goro_atomic_load32(&c->finished[i])) d += plan_term(seed, (uint64_t)t, (uint64_t)i, 1);
  return d;
}

static struct crew *crew_new(int64_t n) {
  struct crew *c = calloc(1, sizeof *c);
  c->finished = calloc((size_t)n, sizeof *c->finished);
  c->n = n;
  return c;
}

static void crew_free(struct crew *c) {
  free(c->finished);
  free(c);
}

/* ---- wg_waits_all / wg_add_before: Add(1) before each go, Done at the end ------------------ */

static void work(void *arg) {
  struct hand *h = arg;
  goro_atomic_store32(&h->c->finished[h->i], 1);
  goro_wg_done(&h->c->wg);
}

static int64_t early_waits(int64_t n, int64_t trials, uint64_t seed, uint64_t *plan) {
  int64_t early = 0;
  struct hand *hands = calloc((size_t)n, sizeof *hands);
  for (int64_t t = 0; t < trials; t++) {
    struct crew *c = crew_new(n);
    for (int64_t i = 0; i < n; i++) {
      hands[i] = (struct hand){c, i};
      goro_wg_add(&c->wg, 1);
      goro_go(work, &hands[i]);
    }
    goro_wg_wait(&c->wg);
    *plan += flags_digest(c, seed, t); /* right after Wait: an early return shows */
    early += !all_finished(c);
    crew_free(c);
  }
  free(hands);
  return early;
}

SCEN_MAIN(wg_waits_all) {
  int64_t trials = param(s, "trials");
  uint64_t plan = 0;
  obs_int(&s->out, "trials", trials);
  obs_int(&s->out, "violations", early_waits(param(s, "n"), trials, (uint64_t)param(s, "seed"), &plan));
  obs_digest(&s->out, "plan_digest", plan);
}

SCEN_MAIN(wg_add_before) {
  int64_t trials = param(s, "trials");
  uint64_t plan = 0;
  obs_int(&s->out, "trials", trials);
  obs_int(&s->out, "early_returns", early_waits(param(s, "n"), trials, (uint64_t)param(s, "seed"), &plan));
  obs_digest(&s->out, "plan_digest", plan);
}

/* ---- wg_add_inside: the worker calls Add(1) itself (the bug the article warns about) ------ */

struct misuse {
  int64_t errors; /* trials with at least one */
  bool this_trial;
  char first[256];
  goro_mutex mu;
};

static struct misuse misuse;

static void note_misuse(const char *msg) {
  goro_mutex_lock(&misuse.mu);
  if (misuse.errors == 0 && !misuse.this_trial) snprintf(misuse.first, sizeof misuse.first, "%s", msg);
  misuse.this_trial = true;
  goro_mutex_unlock(&misuse.mu);
}

static void add_then_work(void *arg) {
  struct hand *h = arg;
  goro_wg_add(&h->c->wg, 1); /* too late: Wait may already have seen zero */
  goro_atomic_store32(&h->c->finished[h->i], 1);
  goro_wg_done(&h->c->wg);
}

static void late_adder(void *arg) {
  struct hand *h = arg;
  char msg[256];
  if (try_call(add_then_work, arg, msg, sizeof msg)) note_misuse(msg);
  goro_wg_done(&h->c->all);
}

static void wait_on(void *wg) { goro_wg_wait(wg); }

SCEN_MAIN(wg_add_inside) {
  int64_t n = param(s, "n"), trials = param(s, "trials"), early = 0;
  uint64_t seed = (uint64_t)param(s, "seed"), plan = 0;
  struct hand *hands = calloc((size_t)n, sizeof *hands);
  memset(&misuse, 0, sizeof misuse);
  for (int64_t t = 0; t < trials; t++) {
    struct crew *c = crew_new(n);
    goro_wg_add(&c->all, n);
    for (int64_t i = 0; i < n; i++) {
      hands[i] = (struct hand){c, i};
      goro_go(late_adder, &hands[i]);
    }
    char msg[256]; /* Wait right after spawning, by the spawner (in a recover frame) */
    if (try_call(wait_on, &c->wg, msg, sizeof msg))
      note_misuse(msg);
    else
      early += !all_finished(c);
    goro_wg_wait(&c->all);
    plan += flags_digest(c, seed, t); /* once every worker has finished */
    crew_free(c);
    misuse.errors += misuse.this_trial;
    misuse.this_trial = false;
  }
  free(hands);
  obs_int(&s->out, "trials", trials);
  obs_int(&s->out, "early_returns", early);
  obs_int(&s->out, "errors", misuse.errors);
  obs_str(&s->out, "first_error", misuse.errors ? misuse.first : NULL);
  obs_digest(&s->out, "plan_digest", plan);
}

/* ---- wg_negative: Done with the counter at zero ------------------------------------------ */

static void done_without_add(void *wg) { goro_wg_done(wg); }

SCEN_MAIN(wg_negative) {
  goro_waitgroup wg = {0};
  char msg[256];
  bool raised = try_call(done_without_add, &wg, msg, sizeof msg);
  obs_bool(&s->out, "raised", raised);
  obs_str(&s->out, "error", raised ? msg : NULL);
}
