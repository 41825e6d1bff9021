/* §7 deadlock: opposite lock order blocks both goroutines; one global order never does. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plan.h"
#include "scen.h"

struct two_locks {
  goro_mutex mu1, mu2;
  int64_t pause_ns;
  goro_waitgroup wg;
  goro_chan *finished; /* consistent_order: each goroutine reports in (buffered) */
};

static void pause_between(struct two_locks *l) {
  if (l->pause_ns > 0) goro_sleep(l->pause_ns);
}

/* ---- lock_order_inversion: the article's §7 program --------------------------------------- */

static void goroutine_a(void *arg) { /* mu1 -> mu2 */
  struct two_locks *l = arg;
  goro_mutex_lock(&l->mu1);
  pause_between(l); /* by the time A wants mu2, B holds it */
  goro_mutex_lock(&l->mu2);
  goro_mutex_unlock(&l->mu2);
  goro_mutex_unlock(&l->mu1);
  goro_wg_done(&l->wg);
}

static void goroutine_b(void *arg) { /* mu2 -> mu1 */
  struct two_locks *l = arg;
  goro_mutex_lock(&l->mu2);
  pause_between(l);
  goro_mutex_lock(&l->mu1);
  goro_mutex_unlock(&l->mu1);
  goro_mutex_unlock(&l->mu2);
  goro_wg_done(&l->wg);
}

static void inversion(scen *s) {
  struct two_locks *l = calloc(1, sizeof *l); /* outlives a run that ends in deadlock */
  l->pause_ns = param(s, "pause_ms") * 1000000;
  goro_wg_add(&l->wg, 2);
  goro_go(goroutine_a, l);
  goro_go(goroutine_b, l);
  goro_wg_wait(&l->wg); /* main waits for both: the runtime sees every goroutine asleep */
  free(l);
}

/* "goroutine 7 [sync.Mutex.Lock]:" lines of the runtime's report -> [{id, reason}] */
static void blocked_list(obs *o, const char *report) {
  obs_begin(o, "blocked", '[');
  for (const char *p = strstr(report, "goroutine "); p; p = strstr(p + 1, "goroutine ")) {
    unsigned long long id;
    char reason[128];
    if (sscanf(p, "goroutine %llu [%127[^]]]:", &id, reason) != 2) continue;
    obs_begin(o, NULL, '{');
    obs_int(o, "id", (int64_t)id);
    obs_str(o, "reason", reason);
    obs_end(o);
  }
  obs_end(o);
}

SCEN_OUTER(lock_order_inversion) {
  /* Without detection the run would never return; the Python side bounds the call by
   * timeout_ms and reports deadlocked/undetected then. */
  int rc = scen_run(s, inversion, 0);
  if (rc != GORO_OK && rc != GORO_DEADLOCK) return rc;
  bool detected = rc == GORO_DEADLOCK;
  obs_bool(&s->out, "deadlocked", detected);
  obs_bool(&s->out, "detected", detected);
  obs_str(&s->out, "message", detected ? s->err : NULL);
  if (detected)
    blocked_list(&s->out, s->err);
  else
    obs_null(&s->out, "blocked");
  return GORO_OK;
}

/* ---- consistent_order: both take mu1 then mu2 --------------------------------------------- */

struct orderly {
  struct two_locks *l;
  int unit;
};

static void in_order(void *arg) {
  struct orderly *o = arg;
  struct two_locks *l = o->l;
  int unit = o->unit;
  goro_mutex_lock(&l->mu1);
  pause_between(l);
  goro_mutex_lock(&l->mu2);
  goro_mutex_unlock(&l->mu2);
  goro_mutex_unlock(&l->mu1);
  goro_chan_send(l->finished, &unit); /* buffered: never blocks */
}

SCEN_MAIN(consistent_order) {
  int64_t trials = param(s, "trials"), pause_us = param(s, "pause_us"), finished = 0;
  uint64_t seed = (uint64_t)param(s, "seed"), plan = 0;
  for (int64_t t = 0; t < trials; t++) {
    struct two_locks *l = calloc(1, sizeof *l);
    struct orderly *units = calloc(2, sizeof *units); /* left with l by a trial that hangs */
    l->pause_ns = pause_us * 1000;
    l->finished = goro_chan_make(sizeof(int), 2);
    for (int u = 0; u < 2; u++) {
      units[u] = (struct orderly){l, u};
      goro_go(in_order, &units[u]);
    }
    goro_chan *deadline = after(1000); /* a bound per trial */
    int unit, x, both = 0;
    for (int k = 0; k < 2; k++) {
      goro_case cases[2] = {{.ch = l->finished, .dir = GORO_RECV, .elem = &unit},
                            {.ch = deadline, .dir = GORO_RECV, .elem = &x}};
      if (goro_select(cases, 2, false) == 0) {
        both++;
        plan += plan_term(seed, (uint64_t)t, (uint64_t)unit, 1); /* finished within the bound */
      }
    }
    if (both == 2) { /* a trial that missed the bound leaves its goroutines and locks be */
      finished++;
      goro_chan_free(l->finished);
      free(units);
      free(l);
    }
  }
  obs_int(&s->out, "trials", trials);
  obs_int(&s->out, "finished", finished);
  obs_digest(&s->out, "plan_digest", plan);
}
