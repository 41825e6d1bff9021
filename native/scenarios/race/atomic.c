/* §8: 1000 goroutines atomically add 1 to a shared counter. */
#include <stdio.h>

#include "goro.h"

static int64_t counter;
static goro_waitgroup wg;

static void increment(void *arg) {
  (void)arg;
  goro_atomic_add64(&counter, 1);
  goro_wg_done(&wg);
}

static void run(void *arg) {
  (void)arg;
  for (int i = 0; i < 1000; i++) {
    goro_wg_add(&wg, 1);
    goro_go(increment, NULL);
  }
  goro_wg_wait(&wg);
  printf("counter = %lld\n", (long long)goro_atomic_load64(&counter));
}

int main(void) {
  char err[1024];
  int rc = goro_run(run, NULL, err, sizeof err);
  if (rc != GORO_OK) fprintf(stderr, "%s\n", err);
  return rc;
}
