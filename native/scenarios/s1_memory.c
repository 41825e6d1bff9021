/* §1 threads vs goroutines: memory, stacks, spawn and switch costs. */
#include <stdlib.h>
#include <string.h>

#include "scen.h"

static void done(void *wg) { goro_wg_done(wg); }

/* ---- parked: n goroutines blocked on a channel nobody sends on ---------------------------- */

struct park {
  goro_chan *release; /* closed to let them all go */
  goro_waitgroup started, finished;
  int64_t reached;
};

static struct park *parking; /* read by the outer function if the run dies midway */

static void wait_for_release(void *arg) {
  struct park *p = arg;
  goro_atomic_add64(&p->reached, 1);
  goro_wg_done(&p->started);
  goro_chan_recv(p->release, NULL); /* parks until close */
  goro_wg_done(&p->finished);
}

static void parked_main(scen *s) {
  int64_t n = param(s, "n");
  struct park *p = parking;
  p->release = goro_chan_make(sizeof(int), 0);
  int64_t rss0 = rss_bytes(), vm0 = vm_bytes();
  obs_int(&s->out, "rss_before", rss0);
  obs_int(&s->out, "vm_before", vm0);

  int64_t t0 = goro_nanotime();
  goro_wg_add(&p->started, n);
  goro_wg_add(&p->finished, n);
  for (int64_t i = 0; i < n; i++) goro_go(wait_for_release, p);
  goro_wg_wait(&p->started);
  int64_t t1 = goro_nanotime();
  int64_t rss1 = rss_bytes(), vm1 = vm_bytes();

  goro_chan_close(p->release);
  goro_wg_wait(&p->finished);
  goro_chan_free(p->release);

  obs_int(&s->out, "reached", n);
  obs_int(&s->out, "rss_parked", rss1);
  obs_int(&s->out, "vm_parked", vm1);
  obs_num(&s->out, "rss_per_unit", (double)(rss1 - rss0) / (double)n);
  obs_num(&s->out, "vm_per_unit", (double)(vm1 - vm0) / (double)n);
  obs_num(&s->out, "seconds_to_park", secs(t1 - t0));
}

SCEN_OUTER(parked) {
  static struct park p; /* static: goroutines of a run that died may still point at it */
  memset(&p, 0, sizeof p);
  int64_t n = 0, procs = 0;
  param_opt(s, "n", &n);
  param_opt(s, "procs", &procs);
  parking = &p;
  int rc = scen_run(s, parked_main, (int)procs);
  obs_int(&s->out, "requested", n);
  obs_null(&s->out, "runtime_stack_bytes"); /* goro keeps no stack-in-use counter */
  obs_null(&s->out, "runtime_heap_bytes");
  if (rc == GORO_OK) {
    obs_null(&s->out, "error");
    return GORO_OK;
  }
  /* stop at the first error: report it with the count reached, as the catalogue asks */
  obs_int(&s->out, "reached", p.reached);
  obs_str(&s->out, "error", s->err);
  const char *unmeasured[] = {"rss_parked", "vm_parked", "rss_per_unit", "vm_per_unit",
                              "seconds_to_park"};
  for (size_t i = 0; i < sizeof unmeasured / sizeof *unmeasured; i++)
    obs_null(&s->out, unmeasured[i]);
  return GORO_OK;
}

/* ---- spawn_empty_wait: the article's §1-2 program ----------------------------------------- */

static void empty(void *wg) {
  goro_defer(done, wg); /* defer wg.Done() */
  /* a trivial task */
}

SCEN_MAIN(spawn_empty_wait) {
  int64_t n = param(s, "n");
  goro_waitgroup wg = {0};
  for (int64_t i = 0; i < n; i++) {
    goro_wg_add(&wg, 1);
    goro_go(empty, &wg);
  }
  goro_wg_wait(&wg);

  obs_int(&s->out, "n", n);
  obs_int(&s->out, "heap_bytes", heap_bytes());
  obs_str(&s->out, "heap_measured_as", "malloc bytes in use (mallinfo2); G structs and stacks "
                                       "live in the runtime's own mmap'd pools");
  obs_int(&s->out, "rss_bytes", rss_bytes());
}

/* ---- stack_growth / stack_overflow (Python runs both in a child process) ------------------ */

static volatile int64_t stop_at = -1; /* never reached: keeps gcc from proving the recursion endless */

static int64_t recurse(int64_t kib) {
  volatile char frame[1024]; /* one KiB of locals per call, touched at both ends */
  frame[0] = (char)kib;
  frame[sizeof frame - 1] = 1;
  if (kib <= 1 || kib == stop_at) return frame[0];
  return recurse(kib - 1) + frame[sizeof frame - 1];
}

struct dive {
  int64_t kib, result;
  goro_waitgroup wg;
};

static void dive(void *arg) {
  struct dive *d = arg;
  d->result = recurse(d->kib);
  goro_wg_done(&d->wg);
}

SCEN_MAIN(stack_growth) {
  struct dive d = {.kib = param(s, "depth_kib")};
  goro_wg_add(&d.wg, 1);
  goro_go(dive, &d);
  goro_wg_wait(&d.wg);
  obs_bool(&s->out, "ok", true);
  obs_int(&s->out, "recursed_bytes", d.kib * 1024);
  obs_null(&s->out, "error");
}

static int64_t forever(int64_t depth) {
  volatile char frame[1024];
  frame[0] = (char)depth;
  if (depth == stop_at) return 0;
  return forever(depth + 1) + frame[0];
}

static void overflow(void *wg) {
  forever(0);
  goro_wg_done(wg);
}

SCEN_MAIN(stack_overflow) {
  goro_waitgroup wg = {0};
  goro_wg_add(&wg, 1);
  goro_go(overflow, &wg);
  goro_wg_wait(&wg); /* never returns: the runtime ends the process */
  obs_bool(&s->out, "clear_error", false);
}

/* ---- spawn: ns per goroutine for spawn + run + complete ----------------------------------- */

void spawn_and_wait(int64_t n) {
  goro_waitgroup wg = {0};
  goro_wg_add(&wg, n);
  for (int64_t i = 0; i < n; i++) goro_go(done, &wg);
  goro_wg_wait(&wg);
}

SCEN_MAIN(spawn) {
  int64_t n = param(s, "n");
  spawn_and_wait(n < 10000 ? n : 10000); /* warm-up, as the Go version: G and stack pools */
  int64_t t0 = goro_nanotime();
  spawn_and_wait(n);
  int64_t t = goro_nanotime() - t0;

  obs_num(&s->out, "seconds", secs(t));
  obs_int(&s->out, "ops", n);
  obs_num(&s->out, "ns_per_spawn", (double)t / (double)n);
  obs_int(&s->out, "gomaxprocs", goro_procs());
}

/* ---- pingpong_yield: two goroutines Gosched to each other at GOMAXPROCS=1 ----------------- */

struct yielder {
  int64_t times;
  goro_waitgroup *wg;
};

static void yield_loop(void *arg) {
  struct yielder *y = arg;
  for (int64_t i = 0; i < y->times; i++) goro_yield();
  goro_wg_done(y->wg);
}

static void pingpong_yield_main(scen *s) {
  int64_t half = param(s, "n") / 2;
  goro_waitgroup wg = {0};
  struct yielder y = {half, &wg};
  int64_t v0 = nvcsw(), t0 = goro_nanotime();
  goro_wg_add(&wg, 2);
  goro_go(yield_loop, &y);
  goro_go(yield_loop, &y);
  goro_wg_wait(&wg);
  int64_t t = goro_nanotime() - t0, v = nvcsw() - v0;

  int64_t ops = 2 * half;
  obs_num(&s->out, "seconds", secs(t));
  obs_int(&s->out, "ops", ops);
  obs_num(&s->out, "ns_per_switch", (double)t / (double)ops);
  obs_int(&s->out, "nvcsw", v);
  obs_num(&s->out, "nvcsw_per_switch", (double)v / (double)ops);
}

SCEN_OUTER(pingpong_yield) { return scen_run(s, pingpong_yield_main, 1); }

/* ---- pingpong_chan: a message back and forth over unbuffered channels at GOMAXPROCS=1 ----- */

struct rally {
  goro_chan *ping, *pong;
  int64_t rounds;
  goro_waitgroup wg;
};

static void server(void *arg) {
  struct rally *r = arg;
  int64_t ball;
  for (int64_t i = 0; i < r->rounds; i++) {
    goro_chan_recv(r->ping, &ball);
    goro_chan_send(r->pong, &ball);
  }
  goro_wg_done(&r->wg);
}

static void client(void *arg) {
  struct rally *r = arg;
  int64_t ball = 0;
  for (int64_t i = 0; i < r->rounds; i++) {
    goro_chan_send(r->ping, &ball);
    goro_chan_recv(r->pong, &ball);
  }
  goro_wg_done(&r->wg);
}

static void pingpong_chan_main(scen *s) {
  struct rally r = {.rounds = param(s, "n") / 2};
  r.ping = goro_chan_make(sizeof(int64_t), 0);
  r.pong = goro_chan_make(sizeof(int64_t), 0);
  int64_t v0 = nvcsw(), t0 = goro_nanotime();
  goro_wg_add(&r.wg, 2);
  goro_go(server, &r);
  goro_go(client, &r);
  goro_wg_wait(&r.wg);
  int64_t t = goro_nanotime() - t0, v = nvcsw() - v0;
  goro_chan_free(r.ping);
  goro_chan_free(r.pong);

  int64_t ops = 2 * r.rounds;
  obs_num(&s->out, "seconds", secs(t));
  obs_int(&s->out, "ops", ops);
  obs_num(&s->out, "ns_per_message", (double)t / (double)ops);
  obs_int(&s->out, "nvcsw", v);
  obs_num(&s->out, "nvcsw_per_message", (double)v / (double)ops);
}

SCEN_OUTER(pingpong_chan) { return scen_run(s, pingpong_chan_main, 1); }
