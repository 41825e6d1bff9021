/* Differential-testing interpreter on the native runtime (goro.h).
 *
 * Reads programs of the tiny concurrent language of test_differential.py, one JSON object per
 * line on stdin, runs each with goro_run and prints one JSON line of observables per program
 * (flushed, so the driver can keep this process open and feed it one program at a time).
 * impls/golang/difftest/main.go is the same interpreter in Go; the driver compares the two.
 *
 * Program: {"procs": P, "chans": [cap...], "nmu": M, "nrw": R, "nwg": W, "nonce": O,
 *           "nctr": K, "gs": [[op...] ...]}   gs[0] is main; an op is an array ["name", args...]:
 *   go g | send c n | recv c n | range c | pollrecv c n | pollsend c n | selrecv [c..] n |
 *   selrange [c..] | selsend [c..] n | pump cin m cout n | pollsel [c..] n | len c |
 *   stage cin cout | close c | wgadd w d | wgdone w |
 *   wgwait w | lock m k n y | wlock r k n | rlock r k n | atomic k d n | once o k |
 *   oncepanic o msg | try kind msg | sleep us | yield | block kind | die kind msg
 * A sent value is gid*1000000 + the sender's running send count.
 * Output: {"end": "ok"|"deadlock"|"panic"|"fatal"|"einval", "err": first line,
 *          "ctr": [...], "viol": V, "idbad": spawned goroutines whose goro_go id != goro_id(), "recv": [[[c, v, ok]...] per g], "pan": [[msg...] per g]}
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "goro.h"

/* ---- a minimal JSON reader: numbers, strings (no escapes beyond \" \\ \n), arrays, objects --- */
enum { J_NUM, J_STR, J_ARR, J_OBJ, J_NULL };
typedef struct jv {
  int t;
  long long num;
  char *str;          /* J_STR; also the key when inside an object */
  struct jv **items;  /* J_ARR, J_OBJ */
  char **keys;        /* J_OBJ */
  int n;
} jv;

static const char *jp;
static int jerr;

static void jws(void) {
  while (*jp && isspace((unsigned char)*jp)) jp++;
}
static jv *jnew(int t) {
  jv *v = calloc(1, sizeof *v);
  if (!v) abort();
  v->t = t;
  return v;
}
static char *jstring(void) {
  /* at the opening quote */
  jp++;
  size_t cap = 16, n = 0;
  char *s = malloc(cap);
  while (*jp && *jp != '"') {
    char c = *jp++;
    if (c == '\\') {
      c = *jp++;
      if (c == 'n') c = '\n';
      else if (c == 't') c = '\t';
      else if (c == 0) { jerr = 1; break; }
    }
    if (n + 2 > cap) s = realloc(s, cap *= 2);
    s[n++] = c;
  }
  if (*jp == '"') jp++;
  else jerr = 1;
  s[n] = 0;
  return s;
}
static jv *jparse(void) {
  jws();
  if (*jp == '[' || *jp == '{') {
    int obj = *jp == '{';
    jv *v = jnew(obj ? J_OBJ : J_ARR);
    int cap = 0;
    jp++;
    jws();
    while (*jp && *jp != (obj ? '}' : ']')) {
      char *key = NULL;
      if (obj) {
        jws();
        if (*jp != '"') { jerr = 1; return v; }
        key = jstring();
        jws();
        if (*jp++ != ':') { jerr = 1; return v; }
      }
      jv *item = jparse();
      if (v->n == cap) {
        cap = cap ? cap * 2 : 4;
        v->items = realloc(v->items, cap * sizeof *v->items);
        v->keys = realloc(v->keys, cap * sizeof *v->keys);
      }
      v->keys[v->n] = key;
      v->items[v->n++] = item;
      jws();
      if (*jp == ',') jp++;
      else if (*jp != (obj ? '}' : ']')) { jerr = 1; return v; }
      if (jerr) return v;
    }
    if (*jp) jp++;
    else jerr = 1;
    return v;
  }
  if (*jp == '"') {
    jv *v = jnew(J_STR);
    v->str = jstring();
    return v;
  }
  if (*jp == '-' || isdigit((unsigned char)*jp)) {
    jv *v = jnew(J_NUM);
    char *end;
    v->num = strtoll(jp, &end, 10);
    jp = end;
    return v;
  }
  if (!strncmp(jp, "null", 4)) { jp += 4; return jnew(J_NULL); }
  if (!strncmp(jp, "true", 4)) { jp += 4; jv *v = jnew(J_NUM); v->num = 1; return v; }
  if (!strncmp(jp, "false", 5)) { jp += 5; return jnew(J_NUM); }
  jerr = 1;
  return jnew(J_NULL);
}
static void jfree(jv *v) {
  if (!v) return;
  for (int i = 0; i < v->n; i++) {
    jfree(v->items[i]);
    if (v->keys) free(v->keys[i]);
  }
  free(v->items);
  free(v->keys);
  free(v->str);
  free(v);
}
static jv *jget(jv *o, const char *key) {
  if (!o || o->t != J_OBJ) return NULL;
  for (int i = 0; i < o->n; i++)
    if (!strcmp(o->keys[i], key)) return o->items[i];
  return NULL;
}
static long long jint(jv *o, const char *key, long long dflt) {
  jv *v = jget(o, key);
  return v && v->t == J_NUM ? v->num : dflt;
}
static long long ai(jv *op, int i) { /* op argument i as an integer */
  return i < op->n && op->items[i]->t == J_NUM ? op->items[i]->num : 0;
}
static const char *as(jv *op, int i) {
  return i < op->n && op->items[i]->t == J_STR ? op->items[i]->str : "";
}

/* ---- growable logs (each goroutine writes only its own) ---------------------------------- */
typedef struct {
  long long *v; /* triples c, value, ok */
  int n, cap;
} rlog;
typedef struct {
  char **v;
  int n, cap;
} plog;

static void rlog_add(rlog *l, long long c, long long v, int ok) {
  if (l->n + 3 > l->cap) {
    l->cap = l->cap ? l->cap * 2 : 48;
    l->v = realloc(l->v, l->cap * sizeof *l->v);
  }
  l->v[l->n++] = c;
  l->v[l->n++] = v;
  l->v[l->n++] = ok;
}
static void plog_add(plog *l, const char *msg) {
  if (l->n == l->cap) {
    l->cap = l->cap ? l->cap * 2 : 4;
    l->v = realloc(l->v, l->cap * sizeof *l->v);
  }
  l->v[l->n++] = strdup(msg);
}

/* ---- one run ---------------------------------------------------------------------------- */
typedef struct run {
  jv *prog, *gs;
  int nch, nmu, nrw, nwg, nonce, nctr, ng;
  goro_chan **ch;
  goro_mutex *mu;
  goro_rwmutex *rw;
  goro_waitgroup *wg;
  goro_once *once;
  int64_t *ctr;
  int64_t viol;
  rlog *recv;
  plog *pan;
  long long *seq; /* per goroutine: sends so far */
  uint64_t *spawned_id, *self_id; /* goro_go's answer for g, and g's own goro_id() */
} run;

typedef struct {
  run *r;
  int g;
} gctx;
static gctx *gctxs;

static goro_chan *chan_of(run *r, long long c) { return c >= 0 && c < r->nch ? r->ch[c] : NULL; }
static int64_t next_value(run *r, int g) { return (int64_t)g * 1000000 + r->seq[g]++; }

static void body(void *arg);

typedef struct {
  run *r;
  int k;
} onceinc;
static void once_inc(void *p) {
  onceinc *o = p;
  goro_atomic_add64(&o->r->ctr[o->k], 1);
}
static void once_panic(void *p) { goro_panic((const char *)p); }

typedef struct {
  run *r;
  int g;
  jv *op;
  char msg[256];
  int got;
  char order[16]; /* "defers": the order deferred calls ran in */
  int second;     /* "recover2", "indirect": a later/indirect recover() saw a panic */
} tryctx;
typedef struct {
  tryctx *t;
  char c;
} notearg;
static void note(void *p) {
  notearg *a = p;
  size_t n = strlen(a->t->order);
  if (n + 1 < sizeof a->t->order) a->t->order[n] = a->c;
}
static void recover_second(void *p) {
  tryctx *t = p;
  if (goro_recover()) t->second = 1;
}
static void indirect_helper(void *p) { /* a nested frame: recover() must return nil (Go) */
  tryctx *t = p;
  if (goro_recover()) t->second = 1;
}
static void indirect_defer(void *p) { goro_call(indirect_helper, p); }
static void indirect_inner(void *p) {
  tryctx *t = p;
  goro_defer(indirect_defer, t);
  goro_panic(as(t->op, 2));
}
static void recoverer(void *p) {
  tryctx *t = p;
  const char *m = goro_recover();
  if (m) {
    t->got = 1;
    snprintf(t->msg, sizeof t->msg, "%s", m);
  }
}
static void repanic_defer(void *p) {
  char msg[300];
  snprintf(msg, sizeof msg, "%s again", (const char *)p);
  goro_panic(msg);
}
static void repanic_inner(void *p) {
  goro_defer(repanic_defer, p);
  goro_panic((const char *)p);
}
static void try_body(void *p) {
  tryctx *t = p;
  if (!strcmp(as(t->op, 1), "recover2")) goro_defer(recover_second, t); /* runs last */
  goro_defer(recoverer, t);
  const char *name = as(t->op, 0);
  if (!strcmp(name, "oncepanic")) {
    long long o = ai(t->op, 1);
    goro_once_do(&t->r->once[o], once_panic, (void *)as(t->op, 2));
    return;
  }
  const char *kind = as(t->op, 1);
  if (!strcmp(kind, "defers")) {
    notearg a[3] = {{t, 'a'}, {t, 'b'}, {t, 'c'}};
    for (int i = 0; i < 3; i++) goro_defer(note, &a[i]);
    goro_panic(as(t->op, 2));
  } else if (!strcmp(kind, "recover2")) {
    goro_panic(as(t->op, 2));
  } else if (!strcmp(kind, "indirect")) {
    goro_call(indirect_inner, t);
  } else if (!strcmp(kind, "msg")) {
    goro_panic(as(t->op, 2));
  } else if (!strcmp(kind, "close2")) {
    goro_chan *c = goro_chan_make(sizeof(int64_t), 1);
    goro_defer((void (*)(void *))goro_chan_free, c);
    goro_chan_close(c);
    goro_chan_close(c);
  } else if (!strcmp(kind, "sendclosed")) {
    goro_chan *c = goro_chan_make(sizeof(int64_t), 1);
    goro_defer((void (*)(void *))goro_chan_free, c);
    goro_chan_close(c);
    int64_t v = 1;
    goro_chan_send(c, &v);
  } else if (!strcmp(kind, "closenil")) {
    goro_chan_close(NULL);
  } else if (!strcmp(kind, "negwg")) {
    goro_waitgroup w;
    memset(&w, 0, sizeof w);
    goro_wg_add(&w, -1);
  } else if (!strcmp(kind, "repanic")) {
    /* a deferred call of an inner frame panics again while the first panic unwinds: Go's
       recover returns the second panic's value */
    goro_call(repanic_inner, (void *)as(t->op, 2));
  }
}

static void gopanic(void *p) { goro_panic((const char *)p); }
/* Ends the run the way Go ends the process: an unrecovered panic or a fatal error. */
static void die(run *r, jv *op) {
  (void)r;
  const char *kind = as(op, 1), *msg = as(op, 2);
  int64_t v = 1;
  if (!strcmp(kind, "panic")) {
    goro_panic(msg);
  } else if (!strcmp(kind, "gopanic")) {
    goro_go(gopanic, (void *)msg);
    goro_select(NULL, 0, false); /* main parks; the goroutine's panic ends the run */
  } else if (!strcmp(kind, "unlock")) {
    goro_mutex_unlock(calloc(1, sizeof(goro_mutex)));
  } else if (!strcmp(kind, "runlock")) {
    goro_rwmutex_runlock(calloc(1, sizeof(goro_rwmutex)));
  } else if (!strcmp(kind, "rwunlock")) {
    goro_rwmutex_unlock(calloc(1, sizeof(goro_rwmutex)));
  } else if (!strcmp(kind, "negwg")) {
    goro_wg_add(calloc(1, sizeof(goro_waitgroup)), -1);
  } else if (!strcmp(kind, "close2")) {
    goro_chan *c = goro_chan_make(sizeof v, 1);
    goro_chan_close(c);
    goro_chan_close(c);
  } else if (!strcmp(kind, "sendclosed")) {
    goro_chan *c = goro_chan_make(sizeof v, 1);
    goro_chan_close(c);
    goro_chan_send(c, &v);
  } else if (!strcmp(kind, "closenil")) {
    goro_chan_close(NULL);
  }
}

static void run_op(run *r, int g, jv *op) {
  const char *name = as(op, 0);
  if (!strcmp(name, "go")) {
    long long h = ai(op, 1);
    if (h > 0 && h < r->ng) r->spawned_id[h] = goro_go(body, &gctxs[h]);
  } else if (!strcmp(name, "send")) {
    goro_chan *c = chan_of(r, ai(op, 1));
    for (long long i = 0, n = ai(op, 2); i < n; i++) {
      int64_t v = next_value(r, g);
      goro_chan_send(c, &v);
    }
  } else if (!strcmp(name, "recv")) {
    long long ci = ai(op, 1);
    goro_chan *c = chan_of(r, ci);
    for (long long i = 0, n = ai(op, 2); i < n; i++) {
      int64_t v = 0;
      bool ok = goro_chan_recv(c, &v);
      rlog_add(&r->recv[g], ci, v, ok);
    }
  } else if (!strcmp(name, "range")) {
    long long ci = ai(op, 1);
    goro_chan *c = chan_of(r, ci);
    for (;;) {
      int64_t v = 0;
      bool ok = goro_chan_recv(c, &v);
      rlog_add(&r->recv[g], ci, v, ok);
      if (!ok) break;
    }
  } else if (!strcmp(name, "pollrecv")) {
    long long ci = ai(op, 1), n = ai(op, 2);
    int64_t v = 0;
    goro_case cs[1] = {{chan_of(r, ci), GORO_RECV, &v, false}};
    for (long long got = 0; got < n;) {
      if (goro_select(cs, 1, true) < 0) {
        goro_yield();
        continue;
      }
      rlog_add(&r->recv[g], ci, v, cs[0].ok);
      got++;
    }
  } else if (!strcmp(name, "pollsend")) {
    long long ci = ai(op, 1), n = ai(op, 2);
    for (long long i = 0; i < n; i++) {
      int64_t v = next_value(r, g);
      goro_case cs[1] = {{chan_of(r, ci), GORO_SEND, &v, false}};
      while (goro_select(cs, 1, true) < 0) goro_yield();
    }
  } else if (!strcmp(name, "selrecv") || !strcmp(name, "selrange") || !strcmp(name, "selsend")) {
    jv *list = op->n > 1 ? op->items[1] : NULL;
    int nc = list && list->t == J_ARR ? list->n : 0;
    if (nc == 0) return;
    goro_case *cs = calloc(nc, sizeof *cs);
    int64_t *vals = calloc(nc, sizeof *vals);
    int send = !strcmp(name, "selsend");
    for (int i = 0; i < nc; i++) {
      cs[i].ch = chan_of(r, list->items[i]->num);
      cs[i].dir = send ? GORO_SEND : GORO_RECV;
      cs[i].elem = &vals[i];
    }
    if (!strcmp(name, "selrange")) {
      int active = nc;
      while (active > 0) {
        int i = goro_select(cs, nc, false);
        rlog_add(&r->recv[g], list->items[i]->num, vals[i], cs[i].ok);
        if (!cs[i].ok) {
          cs[i].ch = NULL; /* Go's idiom: a nil channel's case is never ready */
          active--;
        }
      }
    } else {
      for (long long k = 0, n = ai(op, 2); k < n; k++) {
        if (send) {
          int64_t v = next_value(r, g);
          for (int i = 0; i < nc; i++) vals[i] = v;
          goro_select(cs, nc, false);
        } else {
          int i = goro_select(cs, nc, false);
          rlog_add(&r->recv[g], list->items[i]->num, vals[i], cs[i].ok);
        }
      }
    }
    free(cs);
    free(vals);
  } else if (!strcmp(name, "pump")) {
    /* receive m from cin and send n on cout through one select, a finished side's case
       disabled by a nil channel (Go's idiom) */
    long long ci = ai(op, 1), m = ai(op, 2), n = ai(op, 4);
    goro_chan *in = chan_of(r, ci), *out = chan_of(r, ai(op, 3));
    int64_t vin = 0, vout = n > 0 ? next_value(r, g) : 0;
    goro_case cs[2] = {{in, GORO_RECV, &vin, false}, {out, GORO_SEND, &vout, false}};
    for (long long got = 0, sent = 0; got < m || sent < n;) {
      cs[0].ch = got < m ? in : NULL;
      cs[1].ch = sent < n ? out : NULL;
      if (goro_select(cs, 2, false) == 0) {
        rlog_add(&r->recv[g], ci, vin, cs[0].ok);
        got++;
      } else if (++sent < n) {
        vout = next_value(r, g);
      }
    }
  } else if (!strcmp(name, "pollsel")) {
    jv *list = op->n > 1 ? op->items[1] : NULL;
    int nc = list && list->t == J_ARR ? list->n : 0;
    if (nc == 0) return;
    goro_case *cs = calloc(nc, sizeof *cs);
    int64_t *vals = calloc(nc, sizeof *vals);
    for (int i = 0; i < nc; i++) cs[i] = (goro_case){chan_of(r, list->items[i]->num), GORO_RECV, &vals[i], false};
    for (long long got = 0, n = ai(op, 2); got < n;) {
      int i = goro_select(cs, nc, true);
      if (i < 0) {
        goro_yield();
        continue;
      }
      rlog_add(&r->recv[g], list->items[i]->num, vals[i], cs[i].ok);
      got++;
    }
    free(cs);
    free(vals);
  } else if (!strcmp(name, "len")) {
    goro_chan *c = chan_of(r, ai(op, 1));
    char note[64];
    snprintf(note, sizeof note, "len %zu cap %zu", goro_chan_len(c), goro_chan_cap(c));
    plog_add(&r->pan[g], note);
  } else if (!strcmp(name, "stage")) {
    long long ci = ai(op, 1);
    goro_chan *in = chan_of(r, ci), *out = chan_of(r, ai(op, 2));
    for (;;) {
      int64_t v = 0;
      bool ok = goro_chan_recv(in, &v);
      rlog_add(&r->recv[g], ci, v, ok);
      if (!ok) break;
      int64_t w = next_value(r, g);
      goro_chan_send(out, &w);
    }
  } else if (!strcmp(name, "close")) {
    goro_chan_close(chan_of(r, ai(op, 1)));
  } else if (!strcmp(name, "wgadd")) {
    goro_wg_add(&r->wg[ai(op, 1)], ai(op, 2));
  } else if (!strcmp(name, "wgdone")) {
    goro_wg_done(&r->wg[ai(op, 1)]);
  } else if (!strcmp(name, "wgwait")) {
    goro_wg_wait(&r->wg[ai(op, 1)]);
  } else if (!strcmp(name, "lock")) {
    goro_mutex *m = &r->mu[ai(op, 1)];
    int64_t *c = &r->ctr[ai(op, 2)];
    for (long long i = 0, n = ai(op, 3); i < n; i++) {
      goro_mutex_lock(m);
      int64_t t = *c;
      if (ai(op, 4)) goro_yield();
      *c = t + 1;
      goro_mutex_unlock(m);
    }
  } else if (!strcmp(name, "wlock")) {
    goro_rwmutex *m = &r->rw[ai(op, 1)];
    int64_t *c = &r->ctr[ai(op, 2)];
    for (long long i = 0, n = ai(op, 3); i < n; i++) {
      goro_rwmutex_lock(m);
      int64_t t = *c;
      goro_yield();
      *c = t + 1;
      goro_rwmutex_unlock(m);
    }
  } else if (!strcmp(name, "rlock")) {
    goro_rwmutex *m = &r->rw[ai(op, 1)];
    int64_t *c = &r->ctr[ai(op, 2)];
    for (long long i = 0, n = ai(op, 3); i < n; i++) {
      goro_rwmutex_rlock(m);
      int64_t a = *c;
      goro_yield();
      int64_t b = *c;
      if (a != b) goro_atomic_add64(&r->viol, 1);
      goro_rwmutex_runlock(m);
    }
  } else if (!strcmp(name, "atomic")) {
    int64_t *c = &r->ctr[ai(op, 1)];
    for (long long i = 0, n = ai(op, 3); i < n; i++) goro_atomic_add64(c, ai(op, 2));
  } else if (!strcmp(name, "once")) {
    onceinc o = {r, (int)ai(op, 2)};
    goro_once_do(&r->once[ai(op, 1)], once_inc, &o);
  } else if (!strcmp(name, "oncepanic") || !strcmp(name, "try")) {
    tryctx t = {.r = r, .g = g, .op = op};
    goro_call(try_body, &t);
    char note[400];
    snprintf(note, sizeof note, "%s%s%s%s", t.got ? t.msg : "none", t.order[0] ? " order=" : "",
             t.order, t.second ? " second" : "");
    plog_add(&r->pan[g], note);
  } else if (!strcmp(name, "die")) {
    die(r, op);
  } else if (!strcmp(name, "sleep")) {
    goro_sleep(ai(op, 1) * 1000);
  } else if (!strcmp(name, "yield")) {
    goro_yield();
  } else if (!strcmp(name, "block")) {
    /* blocks for ever on something nobody else can reach: once every other goroutine has
       ended, the runtime must report the deadlock */
    const char *kind = as(op, 1);
    int64_t v;
    if (!strcmp(kind, "nilchan")) {
      goro_chan_recv(NULL, &v);
    } else if (!strcmp(kind, "wg")) {
      goro_waitgroup *w = calloc(1, sizeof *w); /* leaked: the blocked run never ends it */
      goro_wg_add(w, 1);
      goro_wg_wait(w);
    } else if (!strcmp(kind, "mutex")) {
      goro_mutex *m = calloc(1, sizeof *m);
      goro_mutex_lock(m);
      goro_mutex_lock(m);
    } else if (!strcmp(kind, "rw")) {
      goro_rwmutex *m = calloc(1, sizeof *m);
      goro_rwmutex_lock(m);
      goro_rwmutex_rlock(m);
    } else if (!strcmp(kind, "select")) {
      goro_select(NULL, 0, false); /* Go's select {} */
    } else {
      goro_chan *c = goro_chan_make(sizeof(int64_t), 0);
      goro_chan_recv(c, &v);
    }
  }
}

static void body(void *arg) {
  gctx *x = arg;
  jv *ops = x->r->gs->items[x->g];
  x->r->self_id[x->g] = goro_id();
  for (int i = 0; i < ops->n; i++) run_op(x->r, x->g, ops->items[i]);
}

/* ---- output ------------------------------------------------------------------------------ */
static void put_str(const char *s) {
  putchar('"');
  for (; *s; s++) {
    if (*s == '"' || *s == '\\') printf("\\%c", *s);
    else if (*s == '\n') fputs("\\n", stdout);
    else if ((unsigned char)*s < 0x20) printf("\\u%04x", *s);
    else putchar(*s);
  }
  putchar('"');
}

static void execute(jv *prog) {
  run r;
  memset(&r, 0, sizeof r);
  r.prog = prog;
  r.gs = jget(prog, "gs");
  jv *chans = jget(prog, "chans");
  if (!r.gs || r.gs->t != J_ARR || r.gs->n < 1) {
    printf("{\"end\":\"einval\",\"err\":\"no gs\"}\n");
    return;
  }
  r.ng = r.gs->n;
  r.nch = chans && chans->t == J_ARR ? chans->n : 0;
  r.nmu = (int)jint(prog, "nmu", 0);
  r.nrw = (int)jint(prog, "nrw", 0);
  r.nwg = (int)jint(prog, "nwg", 0);
  r.nonce = (int)jint(prog, "nonce", 0);
  r.nctr = (int)jint(prog, "nctr", 0);
  r.ch = calloc(r.nch + 1, sizeof *r.ch);
  for (int i = 0; i < r.nch; i++) r.ch[i] = goro_chan_make(sizeof(int64_t), (size_t)chans->items[i]->num);
  r.mu = calloc(r.nmu + 1, sizeof *r.mu);
  r.rw = calloc(r.nrw + 1, sizeof *r.rw);
  r.wg = calloc(r.nwg + 1, sizeof *r.wg);
  r.once = calloc(r.nonce + 1, sizeof *r.once);
  r.ctr = calloc(r.nctr + 1, sizeof *r.ctr);
  r.recv = calloc(r.ng, sizeof *r.recv);
  r.pan = calloc(r.ng, sizeof *r.pan);
  r.seq = calloc(r.ng, sizeof *r.seq);
  r.spawned_id = calloc(r.ng, sizeof *r.spawned_id);
  r.self_id = calloc(r.ng, sizeof *r.self_id);
  gctxs = calloc(r.ng, sizeof *gctxs);
  for (int i = 0; i < r.ng; i++) gctxs[i] = (gctx){&r, i};

  char err[4096] = "";
  int procs = (int)jint(prog, "procs", 0);
  int st = GORO_OK;
  if (procs > 0) st = goro_set_procs(procs, err, sizeof err);
  if (st == GORO_OK) st = goro_run(body, &gctxs[0], err, sizeof err);
  const char *end = st == GORO_OK         ? "ok"
                    : st == GORO_DEADLOCK ? "deadlock"
                    : st == GORO_PANIC    ? "panic"
                    : st == GORO_FATAL    ? "fatal"
                                          : "einval";
  char *nl = strchr(err, '\n');
  if (nl) *nl = 0;
  printf("{\"end\":\"%s\",\"err\":", end);
  put_str(err);
  printf(",\"ctr\":[");
  for (int i = 0; i < r.nctr; i++) printf("%s%lld", i ? "," : "", (long long)r.ctr[i]);
  /* goro_go's return value is the new goroutine's id (Go has no such API: Go reports 0) */
  long long idbad = 0;
  if (st == GORO_OK)
    for (int g = 1; g < r.ng; g++)
      if (r.spawned_id[g] && r.spawned_id[g] != r.self_id[g]) idbad++;
  printf("],\"viol\":%lld,\"idbad\":%lld,\"recv\":[", (long long)r.viol, idbad);
  for (int g = 0; g < r.ng; g++) {
    printf("%s[", g ? "," : "");
    for (int i = 0; i < r.recv[g].n; i += 3)
      printf("%s[%lld,%lld,%s]", i ? "," : "", r.recv[g].v[i], r.recv[g].v[i + 1],
             r.recv[g].v[i + 2] ? "true" : "false");
    printf("]");
  }
  printf("],\"pan\":[");
  for (int g = 0; g < r.ng; g++) {
    printf("%s[", g ? "," : "");
    for (int i = 0; i < r.pan[g].n; i++) {
      if (i) putchar(',');
      put_str(r.pan[g].v[i]);
    }
    printf("]");
  }
  printf("]}\n");
  fflush(stdout);
  /* After a clean run every goroutine has ended (main waits for all of them), so the channels
     are free to go; after a deadlock or panic a parked goroutine may still point at one. */
  if (st == GORO_OK)
    for (int i = 0; i < r.nch; i++) goro_chan_free(r.ch[i]);
  for (int g = 0; g < r.ng; g++) {
    free(r.recv[g].v);
    for (int i = 0; i < r.pan[g].n; i++) free(r.pan[g].v[i]);
    free(r.pan[g].v);
  }
  free(r.ch), free(r.mu), free(r.rw), free(r.wg), free(r.once), free(r.ctr);
  free(r.recv), free(r.pan), free(r.seq), free(r.spawned_id), free(r.self_id);
  if (st == GORO_OK) free(gctxs); /* else a discarded goroutine may still hold its gctx */
}

int main(void) {
  static char line[1 << 20];
  while (fgets(line, sizeof line, stdin)) {
    jp = line;
    jerr = 0;
    jws();
    if (!*jp) continue;
    jv *prog = jparse();
    if (jerr || prog->t != J_OBJ) printf("{\"end\":\"einval\",\"err\":\"bad JSON\"}\n");
    else execute(prog);
    fflush(stdout);
    jfree(prog); /* goroutines discarded after a deadlock never run again: safe to free */
  }
  return 0;
}
