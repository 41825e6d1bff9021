/* Measurement plumbing for the scenarios: JSON writer, params, /proc readings, shared idioms. */
#include <malloc.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "scen.h"

/* ---- JSON writer ------------------------------------------------------------------------- */

static void put(obs *o, const char *fmt, ...) {
  if (o->overflow) return;
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(o->buf + o->len, o->cap - o->len, fmt, ap);
  va_end(ap);
  if (n < 0 || (size_t)n >= o->cap - o->len) {
    o->overflow = true;
    return;
  }
  o->len += (size_t)n;
}

static void put_string(obs *o, const char *s) {
  put(o, "\"");
  for (; *s; s++) {
    unsigned char c = (unsigned char)*s;
    if (c == '"' || c == '\\')
      put(o, "\\%c", c);
    else if (c == '\n')
      put(o, "\\n");
    else if (c < 0x20)
      put(o, "\\u%04x", c);
    else
      put(o, "%c", c);
  }
  put(o, "\"");
}

static void key(obs *o, const char *k) {
  if (!o->first[o->depth]) put(o, ",");
  o->first[o->depth] = false;
  if (k) {
    put_string(o, k);
    put(o, ":");
  }
}

void obs_int(obs *o, const char *k, int64_t v) {
  key(o, k);
  put(o, "%lld", (long long)v);
}

void obs_num(obs *o, const char *k, double v) {
  key(o, k);
  if (isfinite(v))
    put(o, "%.17g", v);
  else
    put(o, "null");
}

void obs_bool(obs *o, const char *k, bool v) {
  key(o, k);
  put(o, v ? "true" : "false");
}

void obs_str(obs *o, const char *k, const char *s) {
  key(o, k);
  if (s)
    put_string(o, s);
  else
    put(o, "null");
}

void obs_null(obs *o, const char *k) {
  key(o, k);
  put(o, "null");
}

void obs_begin(obs *o, const char *k, char bracket) {
  key(o, k);
  put(o, "%c", bracket);
  if (o->depth + 1 < (int)(sizeof o->first / sizeof o->first[0])) o->depth++;
  o->first[o->depth] = true;
  o->close[o->depth] = bracket == '[' ? ']' : '}';
}

void obs_end(obs *o) {
  put(o, "%c", o->close[o->depth]);
  if (o->depth > 0) o->depth--;
}

/* ---- params ------------------------------------------------------------------------------ */

bool param_opt(scen *s, const char *k, int64_t *out) {
  char pat[80];
  snprintf(pat, sizeof pat, "\"%s\"", k);
  const char *p = strstr(s->params, pat);
  if (!p) return false;
  p += strlen(pat);
  while (*p == ' ' || *p == ':') p++;
  if (*p == 'n') return false; /* null */
  char *end;
  long long v = strtoll(p, &end, 10);
  if (end == p) return false;
  *out = v;
  int i = 0;
  while (i < s->nused && strcmp(s->used[i].key, k) != 0) i++;
  if (i == s->nused && i < (int)(sizeof s->used / sizeof s->used[0])) s->nused++;
  if (i < s->nused) s->used[i].key = k, s->used[i].value = v; /* keys are string literals */
  return true;
}

int64_t param(scen *s, const char *k) {
  int64_t v;
  if (!param_opt(s, k, &v)) {
    static char msg[96]; /* the panic keeps the pointer */
    snprintf(msg, sizeof msg, "scenario param %s missing from %.40s", k, s->params);
    goro_panic(msg);
  }
  return v;
}

/* ---- measurements ------------------------------------------------------------------------ */

static void statm(int64_t *vm, int64_t *rss) {
  long size = 0, resident = 0;
  FILE *f = fopen("/proc/self/statm", "r");
  if (f) {
    if (fscanf(f, "%ld %ld", &size, &resident) != 2) size = resident = 0;
    fclose(f);
  }
  long page = sysconf(_SC_PAGESIZE);
  *vm = (int64_t)size * page;
  *rss = (int64_t)resident * page;
}

int64_t rss_bytes(void) {
  int64_t vm, rss;
  statm(&vm, &rss);
  return rss;
}

int64_t vm_bytes(void) {
  int64_t vm, rss;
  statm(&vm, &rss);
  return vm;
}

int64_t heap_bytes(void) { return (int64_t)mallinfo2().uordblks; }

int64_t nvcsw(void) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_nvcsw;
}

int os_tid(void) { return (int)gettid(); }

static int cmp64(const void *a, const void *b) {
  int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
  return (x > y) - (x < y);
}

int64_t distinct(int64_t *v, int64_t n) {
  qsort(v, (size_t)n, sizeof *v, cmp64);
  int64_t d = 0;
  for (int64_t i = 0; i < n; i++)
    if (i == 0 || v[i] != v[i - 1]) d++;
  return d;
}

double secs(int64_t ns) { return (double)ns / 1e9; }

/* ---- shared goroutine idioms ------------------------------------------------------------- */

struct timer {
  goro_chan *c;
  int64_t ms;
};

static void fire(void *arg) {
  struct timer *t = arg;
  int one = 1;
  goro_sleep(t->ms * 1000000);
  goro_chan_send(t->c, &one); /* buffered: never blocks */
  free(t);
}

goro_chan *after(int64_t ms) {
  struct timer *t = malloc(sizeof *t);
  if (!t) goro_panic("after: out of memory");
  t->c = goro_chan_make(sizeof(int), 1);
  t->ms = ms;
  goro_go(fire, t);
  return t->c;
}

bool recv_within(goro_chan *c, void *elem, int64_t timeout_ms) {
  goro_case cases[2] = {
      {.ch = c, .dir = GORO_RECV, .elem = elem},
      {.ch = after(timeout_ms), .dir = GORO_RECV},
  };
  return goro_select(cases, 2, false) == 0;
}

struct attempt {
  void (*f)(void *);
  void *arg;
  char *msg;
  size_t msglen;
};

static void keep_recovered(void *arg) {
  struct attempt *a = arg;
  const char *m = goro_recover();
  if (m) snprintf(a->msg, a->msglen, "%s", m);
}

static void attempt_frame(void *arg) {
  struct attempt *a = arg;
  goro_defer(keep_recovered, a);
  a->f(a->arg);
}

bool try_call(void (*f)(void *), void *arg, char *msg, size_t msglen) {
  struct attempt a = {f, arg, msg, msglen};
  if (msglen) msg[0] = 0;
  return goro_call(attempt_frame, &a);
}

uint64_t burn(uint64_t iters) {
  uint64_t x = 88172645463325252ull;
  for (uint64_t i = 0; i < iters; i++) { /* xorshift: each round depends on the last */
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
  }
  __asm__ volatile("" : : "r"(x));
  return x;
}

double burn_per_us(void) {
  static double rate;
  if (rate == 0) {
    double best = 0;
    for (int round = 0; round < 3; round++) { /* best of 3: a preempted round reads slow */
      int64_t t0 = goro_nanotime();
      burn(2000000);
      double r = 2000000.0 / ((double)(goro_nanotime() - t0) / 1e3);
      if (r > best) best = r;
    }
    rate = best;
  }
  return rate;
}
