/* Tiny harness for the toolbox's C tests (test_sync.c, test_chan.c, test_panic.c).
 *
 * Each test binary holds a table of tests; `prog list` prints their names, `prog NAME` runs
 * one (pytest runs each in its own process with a timeout, so a hang is one failed test).
 * A test function runs goro_run() itself and checks the status and message it returns. */
#ifndef GORO_TEST_HARNESS_H
#define GORO_TEST_HARNESS_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "goro.h"

/* A failed check from any goroutine or thread ends the process at once, with the place. */
#define CHECK(cond)                                                                        \
  do {                                                                                     \
    if (!(cond)) {                                                                         \
      fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond);             \
      fflush(stderr);                                                                      \
      _exit(1);                                                                            \
    }                                                                                      \
  } while (0)

#define CHECK_EQ(a, b)                                                                     \
  do {                                                                                     \
    long long a_ = (long long)(a), b_ = (long long)(b);                                    \
    if (a_ != b_) {                                                                        \
      fprintf(stderr, "%s:%d: CHECK failed: %s == %s (%lld != %lld)\n", __FILE__, __LINE__, \
              #a, #b, a_, b_);                                                             \
      fflush(stderr);                                                                      \
      _exit(1);                                                                            \
    }                                                                                      \
  } while (0)

static char t_err[4096];

/* Objects a test leaves behind on purpose (channels of a run that ends in a deadlock or a
 * panic): kept reachable so LeakSanitizer does not report them. */
static void *volatile t_kept[256]; /* volatile: stores to a never-read array are not dropped */
static int t_nkept;
static inline void *t_keep(void *p) {
  if (t_nkept < 256) t_kept[t_nkept++] = p;
  return p;
}

/* goro_run main(arg) at `procs` Ps; check the status, and that the message contains each
 * of the NULL-terminated substrings. Returns nothing: failing ends the process. */
static inline void t_run_expect(int procs, void (*main_)(void *), void *arg, int want_status,
                                const char *const *want_substr) {
  char e[256];
  if (goro_set_procs(procs, e, sizeof e) != GORO_OK) {
    fprintf(stderr, "goro_set_procs(%d): %s\n", procs, e);
    _exit(1);
  }
  t_err[0] = 0;
  int st = goro_run(main_, arg, t_err, sizeof t_err);
  if (st != want_status) {
    fprintf(stderr, "goro_run status %d, want %d; message:\n%s\n", st, want_status, t_err);
    _exit(1);
  }
  for (; want_substr && *want_substr; want_substr++)
    if (!strstr(t_err, *want_substr)) {
      fprintf(stderr, "goro_run message lacks \"%s\"; message:\n%s\n", *want_substr, t_err);
      _exit(1);
    }
}

#define T_RUN_OK(procs, fn, arg) t_run_expect((procs), (fn), (arg), GORO_OK, NULL)
#define T_RUN_EXPECT(procs, fn, arg, status, ...)                                          \
  do {                                                                                     \
    const char *const subs_[] = {__VA_ARGS__, NULL};                                       \
    t_run_expect((procs), (fn), (arg), (status), subs_);                                   \
  } while (0)

typedef struct t_case {
  const char *name;
  void (*fn)(void);
} t_case;

static inline int t_main(const t_case *cases, int argc, char **argv) {
  if (argc == 2 && strcmp(argv[1], "list") == 0) {
    for (const t_case *c = cases; c->name; c++) printf("%s\n", c->name);
    return 0;
  }
  if (argc == 2)
    for (const t_case *c = cases; c->name; c++)
      if (strcmp(c->name, argv[1]) == 0) {
        c->fn();
        printf("PASS %s\n", c->name);
        return 0;
      }
  fprintf(stderr, "usage: %s list | TEST (one of the names `list` prints)\n", argv[0]);
  return 2;
}

#endif
