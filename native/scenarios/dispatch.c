/* goro_scenario(): scenario names -> C functions, runs, error text. */
#include <stdio.h>
#include <string.h>

#include "scen.h"
#include "scenarios.h"

#define MAIN(name) SCEN_MAIN(name);
#define OUTER(name) SCEN_OUTER(name);
#include "list.h"
#undef MAIN
#undef OUTER

struct entry {
  const char *name;
  void (*main)(scen *); /* runs as goroutine 1 at the params' procs */
  int (*outer)(scen *); /* runs the runtime itself */
};

static const struct entry entries[] = {
#define MAIN(name) {#name, scen_##name, NULL},
#define OUTER(name) {#name, NULL, scen_##name},
#include "list.h"
#undef MAIN
#undef OUTER
};

static int default_procs; /* GOMAXPROCS before any scenario changed it */

struct boot {
  scen *s;
  void (*main)(scen *);
};

static void boot(void *arg) {
  struct boot *b = arg;
  b->main(b->s);
}

int scen_run(scen *s, void (*main)(scen *), int procs) {
  if (!default_procs) default_procs = goro_procs();
  int rc = goro_set_procs(procs > 0 ? procs : default_procs, s->err, sizeof s->err);
  if (rc != GORO_OK) return rc;
  struct boot b = {s, main};
  s->err[0] = 0;
  return goro_run(boot, &b, s->err, sizeof s->err);
}

static int fail(char *out, size_t outlen, int rc, const char *msg) {
  snprintf(out, outlen, "%s", msg);
  return rc;
}

int goro_scenario(const char *name, const char *params_json, char *out, size_t outlen) {
  static scen s; /* big (the error buffer); one scenario at a time per process */
  const struct entry *e = NULL;
  for (size_t i = 0; i < sizeof entries / sizeof entries[0]; i++)
    if (strcmp(entries[i].name, name) == 0) e = &entries[i];
  if (!e) {
    char msg[2048] = "unknown native scenario; accepted:";
    for (size_t i = 0; i < sizeof entries / sizeof entries[0]; i++) {
      strncat(msg, " ", sizeof msg - strlen(msg) - 1);
      strncat(msg, entries[i].name, sizeof msg - strlen(msg) - 1);
    }
    return fail(out, outlen, GORO_EINVAL, msg);
  }
  memset(&s, 0, sizeof s);
  s.params = params_json ? params_json : "{}";
  s.out = (obs){.buf = out, .cap = outlen};
  s.out.first[0] = true;
  obs_begin(&s.out, NULL, '{');
  int rc;
  if (e->outer) {
    rc = e->outer(&s);
  } else {
    int64_t procs = 0;
    param_opt(&s, "procs", &procs);
    rc = scen_run(&s, e->main, (int)procs);
  }
  if (rc != GORO_OK) return fail(out, outlen, rc, s.err);
  obs_begin(&s.out, "effective", '{'); /* the param values the program used */
  for (int i = 0; i < s.nused; i++) obs_int(&s.out, s.used[i].key, s.used[i].value);
  obs_end(&s.out);
  obs_end(&s.out);
  if (s.out.overflow) return fail(out, outlen, GORO_EINVAL, "observables exceed the output buffer");
  return GORO_OK;
}

const char *goro_scenario_cc(void) { return __VERSION__; }
