/* A race-free program that passes plain (non-atomic) data through every edge the runtime
 * reports to ThreadSanitizer (native/src/race.h). Built by the race build, it must run without
 * a report: a missing annotation shows up here as a false race.
 * usage: race_clean PROCS */
#include <stdio.h>
#include <stdlib.h>

#include "goro.h"

#define N 64

static struct {
  long spawn_arg[N];
  long handoff, ring[N], closed_data, select_data, wg_results[N], once_data, rw_data, ctx_data;
  long after_run;
} d;
static goro_waitgroup wg;

/* go statement: the parent's writes before goro_go */
static void child(void *arg) {
  long *p = arg;
  *p += 1;
  goro_wg_done(&wg);
}

/* unbuffered channel: ping-pong of a plain variable */
static void pinger(void *arg) {
  goro_chan *c = arg;
  long tok;
  for (int i = 0; i < 1000; i++) {
    goro_chan_recv(c, &tok);
    d.handoff++; /* our turn */
    goro_chan_send(c, &tok);
  }
  goro_wg_done(&wg);
}

/* buffered channel: the producer fills a slot, sends its index */
static void consumer(void *arg) {
  goro_chan *c = arg;
  long i, sum = 0;
  while (goro_chan_recv(c, &i)) sum += d.ring[i];
  d.ring[0] = sum;
  goro_wg_done(&wg);
}

/* close: written before close, read after the receive that saw it closed */
static void close_waiter(void *arg) {
  long v;
  if (!goro_chan_recv(arg, &v) && d.closed_data != 42) abort();
  goro_wg_done(&wg);
}

/* select: a sender's writes before the case that received */
static void select_sender(void *arg) {
  d.select_data = 7;
  long v = 1;
  goro_chan_send(arg, &v);
}

/* WaitGroup: every Done before Wait returns */
static void wg_worker(void *arg) {
  d.wg_results[(long)arg] = (long)arg * 2;
  /* an escaped local on this goroutine's stack: a reused stack must not race with it */
  volatile long local[64];
  for (int i = 0; i < 64; i++) local[i] = i;
  goro_wg_done(&wg);
}

static goro_once once;
static void init_once(void *arg) {
  (void)arg;
  d.once_data = 99;
}
static void once_user(void *arg) {
  (void)arg;
  goro_once_do(&once, init_once, NULL);
  if (d.once_data != 99) abort();
  goro_wg_done(&wg);
}

static goro_rwmutex rw;
static void rw_user(void *arg) {
  for (int i = 0; i < 100; i++) {
    if ((long)arg % 4 == 0) {
      goro_rwmutex_lock(&rw);
      d.rw_data++;
      goro_rwmutex_unlock(&rw);
    } else {
      goro_rwmutex_rlock(&rw);
      volatile long x = d.rw_data;
      (void)x;
      goro_rwmutex_runlock(&rw);
    }
  }
  goro_wg_done(&wg);
}

static void ctx_waiter(void *arg) {
  long v;
  goro_chan_recv(goro_ctx_done(arg), &v);
  if (d.ctx_data != 5) abort();
  goro_wg_done(&wg);
}

static void run(void *arg) {
  (void)arg;
  for (long i = 0; i < N; i++) {
    d.spawn_arg[i] = i;
    goro_wg_add(&wg, 1);
    goro_go(child, &d.spawn_arg[i]);
  }
  goro_wg_wait(&wg);

  goro_chan *pp = goro_chan_make(sizeof(long), 0);
  goro_wg_add(&wg, 1);
  goro_go(pinger, pp);
  long tok = 0;
  for (int i = 0; i < 1000; i++) {
    goro_chan_send(pp, &tok);
    goro_chan_recv(pp, &tok);
    d.handoff++;
  }
  goro_wg_wait(&wg);

  goro_chan *ring = goro_chan_make(sizeof(long), 4);
  goro_wg_add(&wg, 1);
  goro_go(consumer, ring);
  for (long i = 0; i < N; i++) {
    d.ring[i] = i;
    goro_chan_send(ring, &i);
  }
  goro_chan_close(ring);
  goro_wg_wait(&wg);

  goro_chan *done = goro_chan_make(0, 0);
  for (int i = 0; i < 8; i++) {
    goro_wg_add(&wg, 1);
    goro_go(close_waiter, done);
  }
  d.closed_data = 42;
  goro_chan_close(done);
  goro_wg_wait(&wg);

  goro_chan *sel = goro_chan_make(sizeof(long), 0);
  goro_go(select_sender, sel);
  long v;
  goro_case cases[2] = {{.ch = sel, .dir = GORO_RECV, .elem = &v},
                        {.ch = NULL, .dir = GORO_SEND}}; /* a nil channel: never ready */
  goro_select(cases, 2, false);
  if (d.select_data != 7) abort();

  for (long i = 0; i < N; i++) {
    goro_wg_add(&wg, 1);
    goro_go(wg_worker, (void *)i);
  }
  goro_wg_wait(&wg);
  for (long i = 0; i < N; i++)
    if (d.wg_results[i] != i * 2) abort();

  for (int i = 0; i < 16; i++) {
    goro_wg_add(&wg, 1);
    goro_go(once_user, NULL);
  }
  goro_wg_wait(&wg);

  for (long i = 0; i < 16; i++) {
    goro_wg_add(&wg, 1);
    goro_go(rw_user, (void *)i);
  }
  goro_wg_wait(&wg);

  goro_ctx *ctx = goro_ctx_with_cancel(goro_ctx_background());
  for (int i = 0; i < 4; i++) {
    goro_wg_add(&wg, 1);
    goro_go(ctx_waiter, ctx);
  }
  d.ctx_data = 5;
  goro_ctx_cancel(ctx);
  goro_wg_wait(&wg);
  goro_ctx_free(ctx);

  goro_chan_free(pp);
  goro_chan_free(ring);
  goro_chan_free(done);
  goro_chan_free(sel);
  d.after_run = 1; /* read by main after goro_run returns */
}

int main(int argc, char **argv) {
  char err[1024];
  if (argc != 2 || goro_set_procs(atoi(argv[1]), err, sizeof err) != GORO_OK) {
    fprintf(stderr, "usage: race_clean PROCS\n");
    return 2;
  }
  int rc = goro_run(run, NULL, err, sizeof err);
  if (rc != GORO_OK) {
    fprintf(stderr, "%s\n", err);
    return rc;
  }
  printf("after_run = %ld, handoff = %ld, rw = %ld\n", d.after_run, d.handoff, d.rw_data);
  return 0;
}
