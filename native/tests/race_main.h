/* main() of the race programs that take a mode: `PROGRAM PROCS MODE`, then one run of
 * run(MODE) at PROCS. */
#ifndef GORO_RACE_MAIN_H
#define GORO_RACE_MAIN_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "goro.h"

static int race_main(int argc, char **argv, const char *const *modes, void (*run)(void *)) {
  bool known = false;
  for (const char *const *m = modes; argc == 3 && *m; m++) known = known || strcmp(argv[2], *m) == 0;
  if (!known) {
    fprintf(stderr, "usage: %s PROCS MODE (one of:", argv[0]);
    for (const char *const *m = modes; *m; m++) fprintf(stderr, " %s", *m);
    fprintf(stderr, ")\n");
    return 2;
  }
  char err[256];
  if (goro_set_procs(atoi(argv[1]), err, sizeof err) != GORO_OK ||
      goro_run(run, argv[2], err, sizeof err) != GORO_OK) {
    fprintf(stderr, "%s\n", err);
    return 1;
  }
  return 0;
}

#endif
