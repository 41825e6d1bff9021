/* §5 race conditions: `counter++` from many goroutines with no synchronisation.
 * (race_detector and race_overhead build the programs in race/ under ThreadSanitizer.) */
#include <stdlib.h>

#include "plan.h"
#include "scen.h"

struct racy {
  /* volatile keeps one load and one store per ++, as Go compiles counter++ on a shared
   * variable; without it gcc folds the loop into a single add and hides most of the race */
  volatile int64_t counter;
  int64_t increments;
  goro_waitgroup wg;
};

struct racer {
  struct racy *r;
  uint64_t term; /* this unit's digest term: a slot of its own, so the digest never races */
  uint64_t seed, trial, unit;
};

static void increment(void *arg) {
  struct racer *me = arg;
  struct racy *r = me->r;
  for (int64_t i = 0; i < r->increments; i++) r->counter++; /* a data race, on purpose */
  me->term = plan_term(me->seed, me->trial, me->unit, (uint64_t)r->increments);
  goro_wg_done(&r->wg);
}

SCEN_MAIN(racy_counter) {
  int64_t units = param(s, "units"), trials = param(s, "trials"), increments = param(s, "increments");
  uint64_t seed = (uint64_t)param(s, "seed"), plan = 0;
  int64_t expected = units * increments, lossy = 0;
  int64_t *finals = calloc((size_t)trials, sizeof *finals);
  struct racer *racers = calloc((size_t)units, sizeof *racers);
  for (int64_t t = 0; t < trials; t++) {
    struct racy r = {.increments = increments};
    goro_wg_add(&r.wg, units);
    for (int64_t u = 0; u < units; u++) {
      racers[u] = (struct racer){&r, 0, seed, (uint64_t)t, (uint64_t)u};
      goro_go(increment, &racers[u]);
    }
    goro_wg_wait(&r.wg);
    for (int64_t u = 0; u < units; u++) plan += racers[u].term;
    finals[t] = r.counter;
    lossy += r.counter < expected;
  }
  int64_t kinds = distinct(finals, trials);
  obs_int(&s->out, "trials", trials);
  obs_int(&s->out, "expected", expected);
  obs_int(&s->out, "lossy_trials", lossy);
  obs_int(&s->out, "min", finals[0]);
  obs_begin(&s->out, "distinct_values", '[');
  for (int64_t i = 0, shown = 0; i < trials && shown < 20; i++)
    if (i == 0 || finals[i] != finals[i - 1]) {
      obs_int(&s->out, NULL, finals[i]);
      shown++;
    }
  obs_end(&s->out);
  obs_int(&s->out, "distinct_count", kinds);
  obs_int(&s->out, "gomaxprocs", goro_procs());
  obs_digest(&s->out, "plan_digest", plan);
  free(finals);
  free(racers);
}
