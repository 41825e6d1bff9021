/* §10 the worker pool: workers square jobs from a channel into a results channel. */
#include <stdlib.h>

#include "plan.h"
#include "scen.h"

struct pool {
  goro_chan *jobs, *results;
  goro_waitgroup workers, closer;
};

static void worker(void *arg) {
  struct pool *p = arg;
  int64_t job;
  while (goro_chan_recv(p->jobs, &job)) { /* for job := range jobs */
    int64_t result = job * job;
    goro_chan_send(p->results, &result);
  }
  goro_wg_done(&p->workers);
}

static void close_results(void *arg) {
  struct pool *p = arg;
  goro_wg_wait(&p->workers); /* all workers done: no more results */
  goro_chan_close(p->results);
  goro_wg_done(&p->closer);
}

/* What the consumer records besides the sum (NULL for the bare pool): per result the plan
 * term, and the live goroutine count after every sample_every results. */
struct consumer {
  uint64_t seed, plan;
  int64_t sample_every, peak_live;
};

/* The article's main(): returns the sum. The pool is on the heap, where Go's escape analysis
 * puts it: the workers use it while main is parked, and the small-stack mode
 * (GORO_STACKS=small, native/src/stack_copy.c) refuses stack addresses shared that way. */
static int64_t pool(int64_t num_workers, int64_t num_jobs, struct consumer *rec) {
  struct pool *p = calloc(1, sizeof *p);
  if (!p) goro_panic("worker pool: out of memory");
  p->jobs = goro_chan_make(sizeof(int64_t), (size_t)num_jobs);
  p->results = goro_chan_make(sizeof(int64_t), (size_t)num_jobs);

  goro_wg_add(&p->workers, num_workers);
  for (int64_t w = 0; w < num_workers; w++) goro_go(worker, p);
  for (int64_t j = 1; j <= num_jobs; j++) goro_chan_send(p->jobs, &j);
  goro_chan_close(p->jobs); /* the workers' range loops end */

  goro_wg_add(&p->closer, 1);
  goro_go(close_results, p);

  int64_t total = 0, r, got = 0;
  while (goro_chan_recv(p->results, &r)) {
    total += r;
    if (rec) {
      rec->plan += plan_term(rec->seed, 0, 0, (uint64_t)r);
      if (rec->sample_every && ++got % rec->sample_every == 0) {
        int64_t live = goro_count();
        if (live > rec->peak_live) rec->peak_live = live;
      }
    }
  }
  goro_wg_wait(&p->closer); /* the closer is off the channel before it is freed */
  goro_chan_free(p->jobs);
  goro_chan_free(p->results);
  free(p);
  return total;
}

static int64_t sum_of_squares(int64_t n) { return n * (n + 1) * (2 * n + 1) / 6; }

SCEN_MAIN(pool_result) {
  int64_t jobs = param(s, "jobs");
  struct consumer rec = {.seed = (uint64_t)param(s, "seed")};
  int64_t total = pool(param(s, "workers"), jobs, &rec);
  obs_int(&s->out, "total", total);
  obs_int(&s->out, "expected", sum_of_squares(jobs));
  obs_digest(&s->out, "plan_digest", rec.plan);
  obs_digest(&s->out, "state_digest", plan_term(rec.seed, 0, 1, (uint64_t)total));
}

SCEN_MAIN(pool_bounded) {
  int64_t workers = param(s, "workers"), baseline = goro_count();
  struct consumer rec = {.seed = (uint64_t)param(s, "seed"),
                         .sample_every = param(s, "sample_every"), .peak_live = baseline};
  int64_t total = pool(workers, param(s, "jobs"), &rec);
  obs_int(&s->out, "peak_live", rec.peak_live);
  obs_int(&s->out, "baseline", baseline);
  obs_int(&s->out, "workers", workers);
  obs_digest(&s->out, "plan_digest", rec.plan);
  obs_digest(&s->out, "state_digest", plan_term(rec.seed, 0, 1, (uint64_t)total));
}

SCEN_MAIN(worker_pool) {
  int64_t jobs = param(s, "jobs"), seed = param(s, "seed");
  int64_t t0 = goro_nanotime();
  int64_t total = pool(param(s, "workers"), jobs, NULL);
  int64_t t = goro_nanotime() - t0;
  obs_num(&s->out, "seconds", secs(t));
  obs_int(&s->out, "ops", jobs);
  obs_num(&s->out, "ns_per_job", (double)t / (double)jobs);
  obs_int(&s->out, "total", total);
  obs_digest(&s->out, "state_digest", plan_term((uint64_t)seed, 0, 1, (uint64_t)total));
}
