/* Plumbing shared by the C scenarios: params in, observables out, process measurements.
 *
 * A scenario is a plain goroutine main `void name(scen *s)` written against goro.h; it reads
 * its integer params with param() and reports observables with the obs_* writers. The few
 * scenarios that must run the runtime more than once (or expect a run to fail) are "outer"
 * functions `int name(scen *s)` that call scen_run() themselves. dispatch.c maps names to both
 * and implements goro_scenario() (scenarios.h), the one entry point Python calls.
 * Nothing here is part of the runtime: it is what a benchmark harness around it would need.
 */
#ifndef GORO_SCEN_H
#define GORO_SCEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "goro.h"

/* ---- JSON object writer (the observables) ------------------------------------------------ */

typedef struct obs {
  char *buf;
  size_t cap, len;
  bool overflow;
  int depth;
  bool first[16]; /* per nesting level: nothing written yet */
  char close[16]; /* per nesting level: the bracket that closes it */
} obs;

void obs_int(obs *o, const char *key, int64_t v);
void obs_num(obs *o, const char *key, double v); /* NaN or inf -> null */
void obs_bool(obs *o, const char *key, bool v);
void obs_str(obs *o, const char *key, const char *s); /* NULL -> null */
void obs_null(obs *o, const char *key);
void obs_begin(obs *o, const char *key, char bracket); /* '{' or '['; key NULL inside arrays */
void obs_end(obs *o);

/* ---- a scenario run ---------------------------------------------------------------------- */

typedef struct scen {
  const char *params; /* the JSON object Python sent (validated, defaults filled in) */
  obs out;
  char err[4096]; /* the message of the last failed scen_run */
  /* every param value param()/param_opt() returned: dispatch.c writes them as "effective",
   * so the suite can check the program used the values it was asked for */
  struct {
    const char *key;
    int64_t value;
  } used[32];
  int nused;
} scen;

/* An integer param; a missing one is a harness bug and panics the run with its name. Read
 * params from the scenario's main goroutine (or the outer function): each read is recorded. */
int64_t param(scen *s, const char *key);
/* An optional integer param (JSON null or absent -> false). */
bool param_opt(scen *s, const char *key, int64_t *out);

/* Run main(s) as goroutine 1 at `procs` Ps (0 = the runtime default); the status of goro_run,
 * its message in s->err. */
int scen_run(scen *s, void (*main)(scen *), int procs);

/* ---- measurements ------------------------------------------------------------------------ */

int64_t rss_bytes(void);  /* resident set, from /proc/self/statm */
int64_t vm_bytes(void);   /* VmSize, from /proc/self/statm */
int64_t heap_bytes(void); /* malloc'd bytes in use (mallinfo2), the C analogue of HeapAlloc */
int64_t nvcsw(void);      /* voluntary context switches of the process (getrusage) */
int os_tid(void);         /* gettid() of the OS thread running the caller right now */
int64_t distinct(int64_t *v, int64_t n); /* sorts v; number of distinct values */
double secs(int64_t ns);

/* ---- shared workloads -------------------------------------------------------------------- */

void spawn_and_wait(int64_t n); /* Add(n); n empty goroutines each Done; Wait (s1_memory.c) */

/* ---- goroutine idioms the scenarios share ------------------------------------------------ */

/* Go's time.After: a channel (of int) that receives once after ms milliseconds. The sleeping
 * goroutine owns nothing else; the channel is left to the run's end (a few bytes). */
goro_chan *after(int64_t ms);
/* Receive from c, or give up after timeout_ms; true if a value (or close) arrived in time. */
bool recv_within(goro_chan *c, void *elem, int64_t timeout_ms);
/* Run f(arg) as a frame with a deferred recover(): returns true if it panicked, the panic
 * message copied into msg. Go: func() { defer func() { msg = recover() }(); f() }(). */
bool try_call(void (*f)(void *), void *arg, char *msg, size_t msglen);
/* About `iters` rounds of dependent integer arithmetic (not optimised away). */
uint64_t burn(uint64_t iters);
/* Rounds of burn() per microsecond on this machine, measured once. */
double burn_per_us(void);

/* ---- the scenarios (dispatch.c lists them with their names) ------------------------------ */

#define SCEN_MAIN(name) void scen_##name(scen *s)
#define SCEN_OUTER(name) int scen_##name(scen *s)

#endif
