/* The article's §5 program: 1000 goroutines do counter++ with no synchronisation.
 * Built with -fsanitize=thread it is this runtime's `go run -race main.go`. */
#include <stdio.h>

#include "goro.h"

static int counter;
static goro_waitgroup wg;

static void increment(void *arg) {
  (void)arg;
  counter++; /* the race */
  goro_wg_done(&wg);
}

static void run(void *arg) {
  (void)arg;
  for (int i = 0; i < 1000; i++) {
    goro_wg_add(&wg, 1);
    goro_go(increment, NULL);
  }
  goro_wg_wait(&wg);
  printf("counter = %d\n", counter);
}

int main(void) {
  char err[1024];
  int rc = goro_run(run, NULL, err, sizeof err);
  if (rc != GORO_OK) fprintf(stderr, "%s\n", err);
  return rc;
}
