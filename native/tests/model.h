/* What the model programs (chan_model.c, sync_model.c) share: FAIL records a broken guarantee
 * and goes on; model_args reads the integer arguments; model_run runs the model at PROCS and
 * turns the outcome into the exit status (0 and "PASS", 1 broken or failed run, 2 bad usage).
 * Define MODEL (the program's name, a string literal) before including this. */
#ifndef GORO_MODEL_H
#define GORO_MODEL_H

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#include "goro.h"

#define FAIL(w, ...)                            \
  do {                                          \
    fprintf(stderr, MODEL ": " __VA_ARGS__);    \
    fputc('\n', stderr);                        \
    goro_atomic_add64(&(w)->failures, 1);       \
  } while (0)

static bool model_args(int argc, char **argv, int64_t *const *vars, int n, const char *usage) {
  if (argc != n + 1) {
    fprintf(stderr, "usage: %s %s\n", argv[0], usage);
    return false;
  }
  for (int i = 0; i < n; i++) *vars[i] = strtoll(argv[i + 1], NULL, 10);
  return true;
}

static int model_run(int64_t procs, void (*model_main)(void *), void *world, const int64_t *failures) {
  char err[512];
  if (goro_set_procs((int)procs, err, sizeof err) != GORO_OK) {
    fprintf(stderr, MODEL ": %s\n", err);
    return 2;
  }
  if (goro_run(model_main, world, err, sizeof err) != GORO_OK) {
    fprintf(stderr, MODEL ": the run failed: %s\n", err);
    return 1;
  }
  if (*failures) return 1;
  puts("PASS");
  return 0;
}

#endif
