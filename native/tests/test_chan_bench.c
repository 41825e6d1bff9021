/* Speed of the toolbox's hot paths, for comparison with Go on the same machine (not a unit
 * test: nothing here asserts a time). Usage: test_chan_bench [pingpong|mutex|mutexc|rw|skynet|wg|pool|all]
 * Prints one line per workload: name, procs, ns per unit (or ms), the best of 5 runs. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "goro.h"

static double best;
#define REPS 5

/* ---- unbuffered ping-pong: ns per one-way message ---- */
static goro_chan *ping, *pong;
static int64_t pp_n;
static void pp_peer(void *p) {
  (void)p;
  int64_t v;
  while (goro_chan_recv(ping, &v)) goro_chan_send(pong, &v);
}
static void pp_main(void *p) {
  (void)p;
  ping = goro_chan_make(sizeof(int64_t), 0);
  pong = goro_chan_make(sizeof(int64_t), 0);
  goro_go(pp_peer, NULL);
  int64_t t0 = goro_nanotime();
  for (int64_t i = 0; i < pp_n; i++) {
    goro_chan_send(ping, &i);
    goro_chan_recv(pong, &i);
  }
  double ns = (double)(goro_nanotime() - t0) / (2.0 * (double)pp_n);
  if (ns < best) best = ns;
  goro_chan_close(ping);
}

/* ---- uncontended Mutex lock+unlock ---- */
static void mu_main(void *p) {
  (void)p;
  static goro_mutex m;
  const int64_t n = 20000000;
  int64_t t0 = goro_nanotime();
  for (int64_t i = 0; i < n; i++) {
    goro_mutex_lock(&m);
    goro_mutex_unlock(&m);
  }
  double ns = (double)(goro_nanotime() - t0) / (double)n;
  if (ns < best) best = ns;
}

/* ---- contended Mutex: 4 goroutines share one Mutex; ns per lock+unlock over all ---- */
static goro_mutex cm;
static goro_waitgroup cwg;
static int64_t ccount;
#define CONT_N 1000000
static void cont_worker(void *p) {
  (void)p;
  for (int i = 0; i < CONT_N / 4; i++) {
    goro_mutex_lock(&cm);
    ccount++;
    goro_mutex_unlock(&cm);
  }
  goro_wg_done(&cwg);
}
static void cont_main(void *p) {
  (void)p;
  ccount = 0;
  int64_t t0 = goro_nanotime();
  goro_wg_add(&cwg, 4);
  for (int i = 0; i < 4; i++) goro_go(cont_worker, NULL);
  goro_wg_wait(&cwg);
  double ns = (double)(goro_nanotime() - t0) / CONT_N;
  if (ccount != CONT_N) {
    fprintf(stderr, "contended mutex: lost updates %lld\n", (long long)ccount);
    exit(1);
  }
  if (ns < best) best = ns;
}

/* ---- read-heavy: 4 goroutines, 95% reads of ~1 us under RWMutex (or Mutex) ---- */
enum { TABLE = 1024, RW_OPS = 200000 };
static int64_t table[TABLE];
static goro_rwmutex trw;
static goro_mutex tmu;
static int use_rw;
static void rw_worker(void *p) {
  (void)p;
  uint64_t rnd = (uint64_t)(uintptr_t)&rnd | 1, sink = 0;
  for (int i = 0; i < RW_OPS / 4; i++) {
    rnd ^= rnd << 13, rnd ^= rnd >> 7, rnd ^= rnd << 17;
    if (rnd % 100 < 95) {
      if (use_rw) goro_rwmutex_rlock(&trw); else goro_mutex_lock(&tmu);
      int64_t h = (int64_t)rnd;
      for (int k = 0; k < 300; k++) h = h * 31 + table[(uint64_t)(h + k) % TABLE];
      sink += (uint64_t)h;
      if (use_rw) goro_rwmutex_runlock(&trw); else goro_mutex_unlock(&tmu);
    } else {
      if (use_rw) goro_rwmutex_lock(&trw); else goro_mutex_lock(&tmu);
      table[rnd % TABLE] = (int64_t)rnd;
      if (use_rw) goro_rwmutex_unlock(&trw); else goro_mutex_unlock(&tmu);
    }
  }
  __asm__ volatile("" : : "r"(sink));
  goro_wg_done(&cwg);
}
static void rw_main(void *p) {
  (void)p;
  int64_t t0 = goro_nanotime();
  goro_wg_add(&cwg, 4);
  for (int i = 0; i < 4; i++) goro_go(rw_worker, NULL);
  goro_wg_wait(&cwg);
  double ns = (double)(goro_nanotime() - t0) / RW_OPS;
  if (ns < best) best = ns;
}

/* ---- skynet: 1M leaves, each level sums 10 children through a channel ---- */
struct sky {
  goro_chan *out;
  int64_t num, size;
};
static void skynet(void *p) {
  struct sky *s = p;
  if (s->size == 1) {
    goro_chan_send(s->out, &s->num);
    free(s);
    return;
  }
  goro_chan *c = goro_chan_make(sizeof(int64_t), 10);
  int64_t sub = s->size / 10;
  for (int64_t i = 0; i < 10; i++) {
    struct sky *k = malloc(sizeof *k);
    *k = (struct sky){c, s->num + i * sub, sub};
    goro_go(skynet, k);
  }
  int64_t sum = 0, v;
  for (int i = 0; i < 10; i++) {
    goro_chan_recv(c, &v);
    sum += v;
  }
  goro_chan_free(c);
  goro_chan_send(s->out, &sum);
  free(s);
}
static void sky_main(void *p) {
  (void)p;
  goro_chan *out = goro_chan_make(sizeof(int64_t), 1);
  struct sky *s = malloc(sizeof *s);
  *s = (struct sky){out, 0, 1000000};
  int64_t t0 = goro_nanotime();
  goro_go(skynet, s);
  int64_t sum;
  goro_chan_recv(out, &sum);
  double ms = (double)(goro_nanotime() - t0) / 1e6;
  if (sum != 499999500000LL) {
    fprintf(stderr, "skynet: wrong sum %lld\n", (long long)sum);
    exit(1);
  }
  if (ms < best) best = ms;
  goro_chan_free(out);
}

/* ---- WaitGroup fan-out/fan-in of 100k: ns per unit ---- */
static goro_waitgroup wg;
static void wg_unit(void *p) {
  (void)p;
  goro_wg_done(&wg);
}
static void wg_main(void *p) {
  (void)p;
  const int n = 100000;
  int64_t t0 = goro_nanotime();
  goro_wg_add(&wg, n);
  for (int i = 0; i < n; i++) goro_go(wg_unit, NULL);
  goro_wg_wait(&wg);
  double ns = (double)(goro_nanotime() - t0) / n;
  if (ns < best) best = ns;
}

/* ---- §10 worker pool: 8 workers square 100k jobs through buffered channels: ns per job ---- */
static goro_chan *jobs, *results;
static goro_waitgroup pool_wg;
static void pool_worker(void *p) {
  (void)p;
  int64_t job;
  while (goro_chan_recv(jobs, &job)) {
    int64_t r = job * job;
    goro_chan_send(results, &r);
  }
  goro_wg_done(&pool_wg);
}
static void pool_closer(void *p) {
  (void)p;
  goro_wg_wait(&pool_wg);
  goro_chan_close(results);
}
static void pool_main(void *p) {
  (void)p;
  const int64_t n = 100000, workers = 8;
  int64_t t0 = goro_nanotime(), total = 0, r;
  jobs = goro_chan_make(sizeof(int64_t), n);
  results = goro_chan_make(sizeof(int64_t), n);
  goro_wg_add(&pool_wg, workers);
  for (int64_t w = 0; w < workers; w++) goro_go(pool_worker, NULL);
  for (int64_t j = 1; j <= n; j++) goro_chan_send(jobs, &j);
  goro_chan_close(jobs);
  goro_go(pool_closer, NULL);
  while (goro_chan_recv(results, &r)) total += r;
  double ns = (double)(goro_nanotime() - t0) / (double)n;
  if (total != n * (n + 1) * (2 * n + 1) / 6) {
    fprintf(stderr, "pool: wrong total %lld\n", (long long)total);
    exit(1);
  }
  if (ns < best) best = ns;
  /* jobs and results are not freed: the closer may still be inside goro_chan_close (the
   * scenario waits for it; a bench can afford 1.6 MB per run) */
}

static void bench(const char *name, int procs, void (*fn)(void *), const char *unit) {
  char err[256];
  if (goro_set_procs(procs, err, sizeof err) != GORO_OK) {
    fprintf(stderr, "%s\n", err);
    exit(2);
  }
  best = 1e300;
  for (int r = 0; r < REPS; r++)
    if (goro_run(fn, NULL, err, sizeof err) != GORO_OK) {
      fprintf(stderr, "%s: %s\n", name, err);
      exit(1);
    }
  printf("%-22s procs=%d %10.1f %s\n", name, procs, best, unit);
  fflush(stdout);
}

int main(int argc, char **argv) {
  const char *what = argc > 1 ? argv[1] : "all";
  int all = strcmp(what, "all") == 0, known = 0;
  if (all || strcmp(what, "pingpong") == 0) {
    known = 1;
    pp_n = 1000000;
    bench("ChanPingPong", 1, pp_main, "ns/one-way msg");
    bench("ChanPingPong", 2, pp_main, "ns/one-way msg");
  }
  if (all || strcmp(what, "mutex") == 0) {
    known = 1;
    bench("MutexUncontended", 1, mu_main, "ns/lock+unlock");
  }
  if (all || strcmp(what, "mutexc") == 0) {
    known = 1;
    bench("MutexContended", 2, cont_main, "ns/lock+unlock");
  }
  if (all || strcmp(what, "rw") == 0) {
    known = 1;
    use_rw = 1;
    bench("ReadHeavyRWMutex", 2, rw_main, "ns/op");
    use_rw = 0;
    bench("ReadHeavyMutex", 2, rw_main, "ns/op");
  }
  if (all || strcmp(what, "skynet") == 0) {
    known = 1;
    bench("Skynet1M", 2, sky_main, "ms");
    bench("Skynet1M", 1, sky_main, "ms");
  }
  if (all || strcmp(what, "wg") == 0) {
    known = 1;
    bench("WaitGroup100k", 2, wg_main, "ns/unit");
    bench("WaitGroup100k", 1, wg_main, "ns/unit");
  }
  if (all || strcmp(what, "pool") == 0) {
    known = 1;
    bench("WorkerPool", 2, pool_main, "ns/job");
  }
  if (!known) {
    fprintf(stderr, "usage: %s [pingpong|mutex|mutexc|rw|skynet|wg|pool|all]\n", argv[0]);
    return 2;
  }
  return 0;
}
