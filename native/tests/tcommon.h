/* Helpers shared by the core's C tests: checks that exit non-zero, and a one-shot event built
 * only on the core contract (goro__park/goro__ready), so the tests need nothing above it. */
#ifndef GORO_TCOMMON_H
#define GORO_TCOMMON_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "goro.h"
#include "runtime.h"

#define CHECK(cond, ...)                                                  \
  do {                                                                    \
    if (!(cond)) {                                                        \
      fprintf(stderr, "%s:%d: CHECK(%s) failed: ", __FILE__, __LINE__, #cond); \
      fprintf(stderr, __VA_ARGS__);                                       \
      fprintf(stderr, "\n");                                              \
      exit(1);                                                            \
    }                                                                     \
  } while (0)

/* A countdown: wait() parks until count reaches zero; the goroutine that brings it to zero
 * readies the waiter. waiter goes NULL -> G (parked) or NULL -> DONE (finished first). */
typedef struct {
  int64_t count;
  void *waiter;
  G *self; /* the waiting goroutine (the commit runs on another goroutine's stack) */
} countdown;
#define COUNTDOWN_DONE ((void *)1)

static inline void countdown_done(countdown *c) {
  if (__atomic_sub_fetch(&c->count, 1, __ATOMIC_SEQ_CST) == 0) {
    void *w = __atomic_exchange_n(&c->waiter, COUNTDOWN_DONE, __ATOMIC_SEQ_CST);
    if (w) goro__ready((G *)w);
  }
}

static inline bool countdown_commit(void *arg) {
  countdown *c = arg;
  void *expected = NULL;
  /* false: the count hit zero before we could register, so do not sleep */
  return __atomic_compare_exchange_n(&c->waiter, &expected, (void *)c->self, false, __ATOMIC_SEQ_CST,
                                     __ATOMIC_SEQ_CST);
}

static inline void countdown_wait(countdown *c) {
  if (__atomic_load_n(&c->count, __ATOMIC_SEQ_CST) == 0) return;
  c->self = goro__getg();
  goro__park("countdown", countdown_commit, c);
}

static inline void run_ok(void (*main)(void *), void *arg) {
  char err[4096];
  int rc = goro_run(main, arg, err, sizeof err);
  CHECK(rc == GORO_OK, "goro_run returned %d: %s", rc, err);
}

/* A test program's cases, ended by {NULL, NULL}, and its main: `list` prints the names, NAME
 * runs one case and prints "ok NAME" (native/cbuild.py and the pytest drivers use both). */
struct test {
  const char *name;
  void (*fn)(void);
};

static inline int test_main(const struct test *tests, int argc, char **argv) {
  if (argc == 2 && strcmp(argv[1], "list") == 0) {
    for (const struct test *t = tests; t->name; t++) printf("%s\n", t->name);
    return 0;
  }
  if (argc == 2)
    for (const struct test *t = tests; t->name; t++)
      if (strcmp(t->name, argv[1]) == 0) {
        t->fn();
        printf("ok %s\n", t->name);
        return 0;
      }
  fprintf(stderr, "usage: %s list | NAME (run `%s list` for the names)\n", argv[0], argv[0]);
  return 2;
}

#endif
