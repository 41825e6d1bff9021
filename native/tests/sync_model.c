/* One generated program over sync's primitives, for the property tests in test_toolbox.py
 * (hypothesis picks the shape; this checks Go's guarantees on it). Usage:
 *
 *   sync_model PROCS WORKERS OPS READ_PCT ROUNDS MODE
 *
 * ROUNDS times, WORKERS goroutines each do OPS operations on one RWMutex-guarded ledger and
 * one Mutex-guarded counter, then the round's WaitGroup (the same one, reused) lets main check.
 * READ_PCT of the ledger operations take the read lock. MODE bits:
 *   1  Mutex through TryLock, yielding until it succeeds
 *   2  every operation yields inside its critical section (a parked holder)
 *   4  each worker also calls one Once per round: its function must run once per round
 * Checked: no writer overlaps a reader or another writer; the Mutex counter is exact after
 * every round; the WaitGroup releases main only after all workers of the round are done;
 * each round's Once ran its function exactly once and every caller saw it finished.
 * Exit 0 and "PASS", or 1 and what broke. */
#include <stdio.h>
#include <stdlib.h>

#define MODEL "sync_model"
#include "model.h"

static int64_t procs, workers, ops, read_pct, rounds, mode;

struct world {
  goro_rwmutex rw;
  goro_mutex mu;
  goro_waitgroup wg;
  goro_once once;
  int32_t readers_in, writers_in; /* atomics: who is inside the ledger right now */
  int64_t ledger, counter, done_in_round, once_runs, once_unfinished, failures;
  int32_t once_finished;
};

static void once_fn(void *arg) {
  struct world *w = arg;
  goro_atomic_add64(&w->once_runs, 1);
  goro_yield(); /* other callers arrive while it runs: they must wait */
  goro_atomic_store32(&w->once_finished, 1);
}

static void worker(void *arg) {
  struct world *w = arg;
  uint64_t rnd = (uint64_t)(uintptr_t)&rnd | 1;
  for (int64_t i = 0; i < ops; i++) {
    rnd ^= rnd << 13, rnd ^= rnd >> 7, rnd ^= rnd << 17;
    if ((int64_t)(rnd % 100) < read_pct) {
      goro_rwmutex_rlock(&w->rw);
      goro_atomic_add32(&w->readers_in, 1);
      if (goro_atomic_load32(&w->writers_in)) FAIL(w, "a reader got in while a writer was inside");
      if (mode & 2) goro_yield();
      goro_atomic_add32(&w->readers_in, -1);
      goro_rwmutex_runlock(&w->rw);
    } else {
      goro_rwmutex_lock(&w->rw);
      if (goro_atomic_add32(&w->writers_in, 1) != 1 || goro_atomic_load32(&w->readers_in))
        FAIL(w, "a writer got in while someone else was inside");
      w->ledger++;
      if (mode & 2) goro_yield();
      goro_atomic_add32(&w->writers_in, -1);
      goro_rwmutex_unlock(&w->rw);
    }
    if (mode & 1) {
      while (!goro_mutex_trylock(&w->mu)) goro_yield();
    } else {
      goro_mutex_lock(&w->mu);
    }
    int64_t c = w->counter; /* a plain read-modify-write: the Mutex alone makes it exact */
    if (mode & 2) goro_yield();
    w->counter = c + 1;
    goro_mutex_unlock(&w->mu);
  }
  if (mode & 4) {
    goro_once_do(&w->once, once_fn, w);
    if (!goro_atomic_load32(&w->once_finished)) goro_atomic_add64(&w->once_unfinished, 1);
  }
  goro_atomic_add64(&w->done_in_round, 1);
  goro_wg_done(&w->wg);
}

static void model_main(void *arg) {
  struct world *w = arg;
  for (int64_t r = 0; r < rounds; r++) {
    w->done_in_round = 0;
    w->once = (goro_once){0}; /* a fresh Once per round (the zero value is ready to use) */
    w->once_runs = 0;
    w->once_finished = 0;
    goro_wg_add(&w->wg, workers);
    for (int64_t i = 0; i < workers; i++) goro_go(worker, w);
    goro_wg_wait(&w->wg);
    if (goro_atomic_load64(&w->done_in_round) != workers)
      FAIL(w, "round %lld: Wait returned with %lld of %lld workers done", (long long)r,
           (long long)goro_atomic_load64(&w->done_in_round), (long long)workers);
    if (w->counter != (r + 1) * workers * ops)
      FAIL(w, "round %lld: Mutex counter %lld, want %lld", (long long)r, (long long)w->counter,
           (long long)((r + 1) * workers * ops));
    if ((mode & 4) && w->once_runs != 1)
      FAIL(w, "round %lld: Once ran its function %lld times", (long long)r, (long long)w->once_runs);
  }
  if (w->once_unfinished) FAIL(w, "%lld Do calls returned before the function finished", (long long)w->once_unfinished);
  if (w->readers_in || w->writers_in) FAIL(w, "someone is still inside the ledger");
}

int main(int argc, char **argv) {
  int64_t *const args[] = {&procs, &workers, &ops, &read_pct, &rounds, &mode};
  if (!model_args(argc, argv, args, 6, "PROCS WORKERS OPS READ_PCT ROUNDS MODE")) return 2;
  if (workers < 1 || ops < 0 || read_pct < 0 || read_pct > 100 || rounds < 1 || mode < 0 || mode > 7) {
    fprintf(stderr, MODEL ": WORKERS, ROUNDS >= 1, OPS >= 0, READ_PCT 0..100, MODE 0..7\n");
    return 2;
  }
  static struct world w;
  return model_run(procs, model_main, &w, &w.failures);
}
