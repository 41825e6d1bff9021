/* §1 threads vs goroutines: memory, stacks, spawn and switch costs. */
#include <stdlib.h>
#include <string.h>

#include "plan.h"
#include "scen.h"

static void done(void *wg) { goro_wg_done(wg); }

/* ---- parked: n goroutines blocked on a channel nobody sends on ---------------------------- */

struct park {
  goro_chan *release; /* closed to let them all go */
  goro_waitgroup finished;
  int64_t reached;
};

static struct park *parking; /* read by the outer function if the run dies midway */

static void wait_for_release(void *arg) {
  struct park *p = arg;
  goro_atomic_add64(&p->reached, 1);
  goro_chan_recv(p->release, NULL); /* parks until close */
  goro_wg_done(&p->finished);
}

static uint64_t parks(void) {
  goro_stats st;
  goro_stats_get(&st);
  return st.parks;
}

static void parked_main(scen *s) {
  int64_t n = param(s, "n");
  struct park *p = parking;
  p->release = goro_chan_make(sizeof(int), 0);
  /* no garbage collector to run first: the baseline is read as is */
  int64_t rss0 = rss_bytes(), vm0 = vm_bytes();
  obs_int(&s->out, "rss_before", rss0);
  obs_int(&s->out, "vm_before", vm0);

  int64_t t0 = goro_nanotime();
  uint64_t parks0 = parks();
  int64_t live0 = goro_count();
  goro_wg_add(&p->finished, n);
  for (int64_t i = 0; i < n; i++) goro_go(wait_for_release, p);
  /* memory is read once the runtime confirms all n exist and have parked: the live count
   * and the runtime's park counter (main only yields here, so every park is a unit's) */
  while (goro_count() - live0 < n || parks() - parks0 < (uint64_t)n) goro_yield();
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
  int64_t n = param(s, "n"), seed = param(s, "seed");
  /* no garbage collector to run first: the baseline is read as is */
  int64_t before = rss_bytes();
  goro_waitgroup wg = {0};
  for (int64_t i = 0; i < n; i++) {
    goro_wg_add(&wg, 1);
    goro_go(empty, &wg);
  }
  goro_wg_wait(&wg);
  int64_t after = rss_bytes();

  obs_int(&s->out, "n", n);
  obs_int(&s->out, "rss_before", before);
  obs_int(&s->out, "rss_after", after);
  obs_int(&s->out, "rss_delta", after - before);
  /* goro keeps G structs and stacks in its own mmap'd pools and counts no heap of its own */
  obs_null(&s->out, "runtime_heap_bytes");
  obs_int(&s->out, "host_malloc_bytes", heap_bytes());
  obs_str(&s->out, "host_malloc_measured_as", "mallinfo2 of the whole process (the host "
                                              "Python's malloc), none of it the runtime's");
  /* units 0..n-1 spawned and waited for: counted from n, after the measurement */
  obs_digest(&s->out, "plan_digest", plan_seq((uint64_t)seed, n, 0, 0));
}

/* ---- stack_growth / stack_overflow (Python runs both in a child process) ------------------ */

static volatile int64_t stop_at = -1; /* never reached: keeps gcc from proving the recursion endless */

static int64_t frames, rss_deepest; /* frames entered; RSS read in the deepest one */

static int64_t recurse(int64_t kib) {
  volatile char frame[1024]; /* one KiB of locals per call, touched at both ends */
  frame[0] = (char)kib;
  frame[sizeof frame - 1] = 1;
  frames++;
  if (kib <= 1 || kib == stop_at) {
    rss_deepest = rss_bytes();
    return frame[0];
  }
  return recurse(kib - 1) + frame[sizeof frame - 1];
}

struct dive {
  int64_t kib, result, rss_before;
  goro_waitgroup wg;
};

static void dive(void *arg) {
  struct dive *d = arg;
  d->rss_before = rss_bytes();
  d->result = recurse(d->kib);
  goro_wg_done(&d->wg);
}

static void idle_unit(void *arg) {
  struct park *p = arg;
  goro_chan_recv(p->release, NULL); /* parked for the whole recursion */
  goro_wg_done(&p->finished);
}

SCEN_MAIN(stack_growth) {
  struct dive d = {.kib = param(s, "depth_kib")};
  frames = 0;
  int64_t idle = param(s, "idle");
  struct park idlers = {.release = goro_chan_make(sizeof(int), 0)};
  goro_wg_add(&idlers.finished, idle);
  for (int64_t i = 0; i < idle; i++) goro_go(idle_unit, &idlers);
  goro_wg_add(&d.wg, 1);
  goro_go(dive, &d);
  goro_wg_wait(&d.wg);
  goro_chan_close(idlers.release);
  goro_wg_wait(&idlers.finished);
  goro_chan_free(idlers.release);
  obs_bool(&s->out, "ok", true);
  obs_int(&s->out, "recursed_bytes", frames * 1024);
  obs_int(&s->out, "rss_growth", rss_deepest - d.rss_before);
  obs_int(&s->out, "idle", idle);
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
  int64_t n = param(s, "n"), seed = param(s, "seed");
  spawn_and_wait(param(s, "warmup_units")); /* untimed: fills the G and stack pools */
  int64_t t0 = goro_nanotime();
  spawn_and_wait(n);
  int64_t t = goro_nanotime() - t0;

  obs_num(&s->out, "seconds", secs(t));
  obs_int(&s->out, "ops", n);
  obs_num(&s->out, "ns_per_spawn", (double)t / (double)n);
  obs_int(&s->out, "gomaxprocs", goro_procs());
  /* units 0..n-1 spawned and waited for: counted from n, after timing */
  obs_digest(&s->out, "plan_digest", plan_seq((uint64_t)seed, n, 0, 0));
}

/* ---- pingpong_yield: two goroutines Gosched to each other at GOMAXPROCS=1 ----------------- */

/* Both units start and park on a gate (a channel closed by main) before the clock starts:
 * the section times the switches, not the two spawns. At one P the unit that brings `ready`
 * to zero runs on into the gate before main gets the P back. */
struct yielder {
  int64_t times, turns;
  goro_chan *gate;
  goro_waitgroup *ready, *wg;
};

static void yield_loop(void *arg) {
  struct yielder *y = arg;
  goro_wg_done(y->ready);
  goro_chan_recv(y->gate, NULL);
  int64_t times = y->times, turns = 0;
  for (int64_t i = 0; i < times; i++) {
    goro_yield();
    turns++;
  }
  y->turns = turns;
  goro_wg_done(y->wg);
}

static void pingpong_yield_main(scen *s) {
  int64_t half = param(s, "n") / 2, seed = param(s, "seed");
  goro_waitgroup ready = {0}, wg = {0};
  goro_chan *gate = goro_chan_make(sizeof(int), 0);
  struct yielder y[2] = {{half, 0, gate, &ready, &wg}, {half, 0, gate, &ready, &wg}};
  goro_wg_add(&ready, 2);
  goro_wg_add(&wg, 2);
  goro_go(yield_loop, &y[0]);
  goro_go(yield_loop, &y[1]);
  goro_wg_wait(&ready);
  int64_t v0 = nvcsw(), t0 = goro_nanotime();
  goro_chan_close(gate);
  goro_wg_wait(&wg);
  int64_t t = goro_nanotime() - t0, v = nvcsw() - v0;
  goro_chan_free(gate);

  int64_t ops = 2 * half;
  obs_num(&s->out, "seconds", secs(t));
  obs_int(&s->out, "ops", ops);
  obs_num(&s->out, "ns_per_switch", (double)t / (double)ops);
  obs_int(&s->out, "nvcsw", v);
  obs_num(&s->out, "nvcsw_per_switch", (double)v / (double)ops);
  obs_digest(&s->out, "state_digest", plan_term((uint64_t)seed, 0, 0, (uint64_t)y[0].turns) +
                                          plan_term((uint64_t)seed, 0, 1, (uint64_t)y[1].turns));
}

SCEN_OUTER(pingpong_yield) { return scen_run(s, pingpong_yield_main, 1); }

/* ---- pingpong_chan: a message back and forth over unbuffered channels at GOMAXPROCS=1 ----- */

struct rally {
  goro_chan *ping, *pong, *gate;
  int64_t rounds, held; /* held: the client's ball at the end */
  goro_waitgroup ready, wg;
};

static void server(void *arg) {
  struct rally *r = arg;
  goro_wg_done(&r->ready);
  goro_chan_recv(r->gate, NULL);
  int64_t ball;
  for (int64_t i = 0; i < r->rounds; i++) {
    goro_chan_recv(r->ping, &ball);
    ball++; /* the server returns ball + 1 */
    goro_chan_send(r->pong, &ball);
  }
  goro_wg_done(&r->wg);
}

static void client(void *arg) {
  struct rally *r = arg;
  goro_wg_done(&r->ready);
  goro_chan_recv(r->gate, NULL);
  int64_t ball = 0;
  for (int64_t i = 0; i < r->rounds; i++) {
    goro_chan_send(r->ping, &ball);
    goro_chan_recv(r->pong, &ball);
  }
  r->held = ball;
  goro_wg_done(&r->wg);
}

static void pingpong_chan_main(scen *s) {
  struct rally r = {.rounds = param(s, "n") / 2};
  int64_t seed = param(s, "seed");
  r.ping = goro_chan_make(sizeof(int64_t), 0);
  r.pong = goro_chan_make(sizeof(int64_t), 0);
  r.gate = goro_chan_make(sizeof(int), 0);
  goro_wg_add(&r.ready, 2);
  goro_wg_add(&r.wg, 2);
  goro_go(server, &r);
  goro_go(client, &r);
  goro_wg_wait(&r.ready); /* both started; at one P both are parked on the gate now */
  int64_t v0 = nvcsw(), t0 = goro_nanotime();
  goro_chan_close(r.gate);
  goro_wg_wait(&r.wg);
  int64_t t = goro_nanotime() - t0, v = nvcsw() - v0;
  goro_chan_free(r.ping);
  goro_chan_free(r.pong);
  goro_chan_free(r.gate);

  int64_t ops = 2 * r.rounds;
  obs_num(&s->out, "seconds", secs(t));
  obs_int(&s->out, "ops", ops);
  obs_num(&s->out, "ns_per_message", (double)t / (double)ops);
  obs_int(&s->out, "nvcsw", v);
  obs_num(&s->out, "nvcsw_per_message", (double)v / (double)ops);
  obs_digest(&s->out, "state_digest", plan_term((uint64_t)seed, 0, 0, (uint64_t)r.held));
}

SCEN_OUTER(pingpong_chan) { return scen_run(s, pingpong_chan_main, 1); }
