/* The end of a run while goroutines are parking (issue 13, part 1).
 *
 * Main returns while a pool of workers is exchanging on channels, selecting and taking a
 * mutex, so some of them are between taking a runtime lock (a channel's, every channel of a
 * select, a semaphore's) and finishing their park. After each run every such lock word must
 * be 0 again: a lock left held makes a goroutine of the same run spin on it forever (the run
 * then ends after 10 s with "a goroutine kept running after main returned") or, for a value
 * that outlives the run, hangs a later run. The check reads the lock words directly, so a
 * leaked lock fails the run it happened in, not a later one.
 *
 *   test_teardown list | CASE [RUNS]     (RUNS overrides the case's number of runs)
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "chan.h"
#include "goro.h"
#include "sema.h"

#define FAIL(...)                    \
  do {                               \
    fprintf(stderr, __VA_ARGS__);    \
    fputc('\n', stderr);             \
    _exit(1);                        \
  } while (0)

enum { WORKERS = 8 };

struct pool {
  goro_chan *jobs, *results, *side; /* side: a second channel for the selecting workers */
  goro_mutex mu;                     /* a goro_sema inside (sync.c): its lock is checked */
  int64_t total;                     /* guarded by mu */
  int main_takes;                    /* results main takes before returning */
};

static void producer(void *arg) {
  struct pool *s = arg;
  for (int64_t i = 0;; i++) goro_chan_send(s->jobs, &i); /* until the run ends */
}

/* A worker of each kind, by index: plain receive/send, select over two channels, mutex. */
static void worker(void *arg) {
  struct pool *s = (struct pool *)((uintptr_t)arg & ~(uintptr_t)7);
  int kind = (int)((uintptr_t)arg & 7) % 3;
  for (;;) {
    int64_t v;
    if (kind == 1) {
      goro_case cases[2] = {{s->jobs, GORO_RECV, &v, false}, {s->side, GORO_RECV, &v, false}};
      goro_select(cases, 2, false);
    } else {
      goro_chan_recv(s->jobs, &v);
    }
    if (kind == 2) {
      goro_mutex_lock(&s->mu);
      s->total += v;
      goro_mutex_unlock(&s->mu);
    }
    v = v * 2 + 1;
    if (kind == 1) {
      goro_case cases[2] = {{s->results, GORO_SEND, &v, false}, {s->side, GORO_SEND, &v, false}};
      goro_select(cases, 2, false);
    } else {
      goro_chan_send(s->results, &v);
    }
  }
}

static void pool_main(void *arg) {
  struct pool *s = arg;
  goro_go(producer, s);
  for (uintptr_t i = 0; i < WORKERS; i++) goro_go(worker, (void *)((uintptr_t)s | (i & 7)));
  for (int i = 0; i < s->main_takes; i++) {
    int64_t v;
    goro_chan_recv(s->results, &v);
  }
  /* return with every worker somewhere between two channel operations */
}

static void check_unlocked(const char *what, uint32_t *word, int procs, int run) {
  if (__atomic_load_n(word, __ATOMIC_ACQUIRE) != 0)
    FAIL("GOMAXPROCS=%d run %d: %s lock still held after main returned", procs, run, what);
}

static void teardown_runs(int procs, int runs) {
  char err[4096];
  if (goro_set_procs(procs, err, sizeof err) != GORO_OK) FAIL("goro_set_procs: %s", err);
  struct pool *s = aligned_alloc(8, sizeof *s); /* low 3 bits carry the worker kind */
  for (int run = 0; run < runs; run++) {
    memset(s, 0, sizeof *s);
    s->jobs = goro_chan_make(sizeof(int64_t), 4);
    s->results = goro_chan_make(sizeof(int64_t), 0);
    s->side = goro_chan_make(sizeof(int64_t), 0);
    s->main_takes = 1 + run % 64;
    int rc = goro_run(pool_main, s, err, sizeof err);
    if (rc != GORO_OK) FAIL("GOMAXPROCS=%d run %d: goro_run returned %d: %s", procs, run, rc, err);
    check_unlocked("jobs channel", &s->jobs->lock, procs, run);
    check_unlocked("results channel", &s->results->lock, procs, run);
    check_unlocked("side channel", &s->side->lock, procs, run);
    check_unlocked("mutex semaphore", (uint32_t *)((char *)&s->mu + offsetof(goro_sema, lock)), procs, run);
    /* the runtime dropped the discarded goroutines and their wait records: nothing uses these */
    goro_chan_free(s->jobs);
    goro_chan_free(s->results);
    goro_chan_free(s->side);
  }
  free(s);
}

static int runs_arg = 0;
static int runs_or(int n) { return runs_arg > 0 ? runs_arg : n; }

static void t_procs1(void) { teardown_runs(1, runs_or(300)); }
static void t_procs2(void) { teardown_runs(2, runs_or(300)); }
static void t_procs3(void) { teardown_runs(3, runs_or(1000)); }
static void t_procs4(void) { teardown_runs(4, runs_or(1000)); }

static const struct {
  const char *name;
  void (*fn)(void);
} cases[] = {
    {"teardown_procs1", t_procs1},
    {"teardown_procs2", t_procs2},
    {"teardown_procs3", t_procs3},
    {"teardown_procs4", t_procs4},
};

int main(int argc, char **argv) {
  size_t n = sizeof cases / sizeof cases[0];
  if (argc == 2 && strcmp(argv[1], "list") == 0) {
    for (size_t i = 0; i < n; i++) printf("%s\n", cases[i].name);
    return 0;
  }
  if (argc == 3) runs_arg = atoi(argv[2]);
  if (argc == 2 || argc == 3)
    for (size_t i = 0; i < n; i++)
      if (strcmp(cases[i].name, argv[1]) == 0) {
        cases[i].fn();
        printf("ok %s\n", cases[i].name);
        return 0;
      }
  fprintf(stderr, "usage: %s list | CASE [RUNS]; CASE is one of the names `list` prints\n", argv[0]);
  return 2;
}
