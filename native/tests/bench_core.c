/* Micro-benchmarks of the core, printed as one JSON object:
 *   ns_per_spawn   spawn + run an empty goroutine + let it exit, N of them, GOMAXPROCS=procs
 *   ns_per_switch  two goroutines yielding to each other at GOMAXPROCS=1
 *   rss_per_parked resident bytes per goroutine with N parked at once
 * Usage: bench_core [spawn_n] [switch_rounds] [parked_n] [procs]   (defaults 1000000 5000000 1000000 2)
 * Every figure is timed inside the run with the runtime's monotonic clock. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "tcommon.h"

static countdown cd;
static int64_t t_start, t_end;

static void empty(void *arg) {
  (void)arg;
  countdown_done(&cd);
}

static void spawn_main(void *arg) {
  long n = (long)arg;
  cd.count = n;
  cd.waiter = NULL;
  t_start = goro_nanotime();
  for (long i = 0; i < n; i++) goro_go(empty, NULL);
  countdown_wait(&cd);
  t_end = goro_nanotime();
}

static void yielder(void *arg) {
  long rounds = (long)arg;
  for (long i = 0; i < rounds; i++) goro_yield();
  countdown_done(&cd);
}

static void switch_main(void *arg) {
  long rounds = (long)arg;
  cd.count = 2;
  cd.waiter = NULL;
  t_start = goro_nanotime();
  goro_go(yielder, (void *)rounds);
  goro_go(yielder, (void *)rounds);
  countdown_wait(&cd);
  t_end = goro_nanotime();
}

static long rss_bytes(void) {
  long pages = 0, res = 0;
  FILE *f = fopen("/proc/self/statm", "r");
  if (f) {
    if (fscanf(f, "%ld %ld", &pages, &res) != 2) res = 0;
    fclose(f);
  }
  return res * sysconf(_SC_PAGESIZE);
}

static long rss_before, rss_parked, pte_before, pte_parked;

/* page-table bytes (VmPTE): not in RSS, but memory the stacks' layout costs */
static long vmpte_bytes(void) {
  char line[256];
  long kb = 0;
  FILE *f = fopen("/proc/self/status", "r");
  if (!f) return 0;
  while (fgets(line, sizeof line, f))
    if (sscanf(line, "VmPTE: %ld kB", &kb) == 1) break;
  fclose(f);
  return kb * 1024;
}

static void parker(void *arg) {
  (void)arg;
  countdown_done(&cd);
  goro__park("chan receive", NULL, NULL); /* nobody signals: the run's end discards it */
}

static void parked_main(void *arg) {
  long n = (long)arg;
  cd.count = n;
  cd.waiter = NULL;
  rss_before = rss_bytes();
  pte_before = vmpte_bytes();
  for (long i = 0; i < n; i++) goro_go(parker, NULL);
  countdown_wait(&cd);
  for (int i = 0; i < 100; i++) goro_yield(); /* let the last ones finish parking */
  rss_parked = rss_bytes();
  pte_parked = vmpte_bytes();
}

int main(int argc, char **argv) {
  long spawn_n = argc > 1 ? atol(argv[1]) : 1000000;
  long rounds = argc > 2 ? atol(argv[2]) : 5000000;
  long parked_n = argc > 3 ? atol(argv[3]) : 1000000;
  int procs = argc > 4 ? atoi(argv[4]) : 2;
  char err[256];
  CHECK(goro_set_procs(procs, err, sizeof err) == GORO_OK, "%s", err);
  run_ok(spawn_main, (void *)1000); /* warm up: threads, pools */
  run_ok(spawn_main, (void *)spawn_n);
  double ns_spawn = (double)(t_end - t_start) / (double)spawn_n;
  goro_stats st;
  goro_stats_get(&st);
  CHECK(goro_set_procs(1, err, sizeof err) == GORO_OK, "%s", err);
  run_ok(switch_main, (void *)rounds);
  double ns_switch = (double)(t_end - t_start) / (2.0 * (double)rounds);
  CHECK(goro_set_procs(procs, err, sizeof err) == GORO_OK, "%s", err);
  double per_parked = 0, pte_per_parked = 0;
  if (parked_n > 0) {
    run_ok(parked_main, (void *)parked_n);
    per_parked = (double)(rss_parked - rss_before) / (double)parked_n;
    pte_per_parked = (double)(pte_parked - pte_before) / (double)parked_n;
  }
  printf("{\"ns_per_spawn\": %.1f, \"ns_per_switch\": %.2f, \"rss_per_parked\": %.0f, \"pagetable_per_parked\": %.0f, \"spawn_n\": %ld, "
         "\"switch_rounds\": %ld, \"parked_n\": %ld, \"procs\": %d, \"spawn_steals\": %llu, \"threads\": %llu}\n",
         ns_spawn, ns_switch, per_parked, pte_per_parked, spawn_n, rounds, parked_n, procs, (unsigned long long)st.steals,
         (unsigned long long)st.threads);
  return 0;
}
