/* The SafeCounter of §6: units goroutines each Increment() `increments` times under a Mutex.
 * usage: mutex [units increments]; prints the count and the timed section's seconds. */
#include <stdio.h>
#include <stdlib.h>

#include "goro.h"

static struct {
  goro_mutex mu;
  int64_t value;
} counter;
static goro_waitgroup wg;
static long units = 1000, increments = 1;

static void increment(void *arg) {
  (void)arg;
  for (long i = 0; i < increments; i++) {
    goro_mutex_lock(&counter.mu);
    counter.value++;
    goro_mutex_unlock(&counter.mu);
  }
  goro_wg_done(&wg);
}

static void run(void *arg) {
  (void)arg;
  int64_t t0 = goro_nanotime();
  for (long u = 0; u < units; u++) {
    goro_wg_add(&wg, 1);
    goro_go(increment, NULL);
  }
  goro_wg_wait(&wg);
  int64_t t = goro_nanotime() - t0;
  printf("counter = %lld\nseconds = %.9f\n", (long long)counter.value, (double)t / 1e9);
}

int main(int argc, char **argv) {
  if (argc == 3) {
    units = strtol(argv[1], NULL, 10);
    increments = strtol(argv[2], NULL, 10);
  }
  char err[1024];
  int rc = goro_run(run, NULL, err, sizeof err);
  if (rc != GORO_OK) fprintf(stderr, "%s\n", err);
  return rc;
}
