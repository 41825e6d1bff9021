/* The article's §5 program: 1000 goroutines do counter++ with no synchronisation.
 * Built with -fsanitize=thread it is this runtime's `go run -race main.go`.
 * usage: racy [PROCS]  (GOMAXPROCS; default: the number of CPUs) */
#include <stdio.h>
#include <stdlib.h>

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

int main(int argc, char **argv) {
  char err[1024];
  if (argc == 2 && goro_set_procs(atoi(argv[1]), err, sizeof err) != GORO_OK) {
    fprintf(stderr, "%s\n", err);
    return 2;
  }
  int rc = goro_run(run, NULL, err, sizeof err);
  if (rc != GORO_OK) fprintf(stderr, "%s\n", err);
  return rc;
}
