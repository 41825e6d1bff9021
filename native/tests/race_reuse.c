/* Races the runtime's reuse of wait records must not hide (native/src/race.h). A goroutine's
 * wait record (sudog) is a sync address: the runtime releases into it before parking and its
 * waker acquires from it. If a reused record kept its previous owner's clock, a waker would
 * inherit that owner's writes and TSan would miss a race between them.
 *
 *   select   A writes `shared`, then selects on x and y; y's case wins, so the record A
 *            queued on x is returned to the pool without anyone acquiring it. D's select
 *            takes that record; C wakes D through it and reads `shared`.
 *   plain    A writes `shared`, receives on q (its own G's record) and exits. D, spawned
 *            next, reuses A's G and receives on z; C wakes D and reads `shared`.
 *
 * Nothing orders A's write before C's read: the race build must report it, at one P too.
 * usage: race_reuse PROCS select|plain */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "goro.h"
#include "race_main.h"

static long shared;
static goro_chan *x, *y, *q, *z, *never;
static goro_waitgroup wg;

static void a_select(void *arg) {
  (void)arg;
  long v;
  shared = 1; /* the write C must be said to race with */
  goro_case cs[2] = {{x, GORO_RECV, &v, false}, {y, GORO_RECV, &v, false}};
  goro_select(cs, 2, false);
  goro_wg_done(&wg);
}

static void a_plain(void *arg) {
  (void)arg;
  long v;
  shared = 1;
  goro_chan_recv(q, &v);
  goro_wg_done(&wg);
}

static void sender(void *arg) {
  long v = 1;
  goro_chan_send(arg, &v);
  goro_wg_done(&wg);
}

static void d_select(void *arg) {
  (void)arg;
  long v;
  goro_case cs[2] = {{z, GORO_RECV, &v, false}, {never, GORO_RECV, &v, false}};
  goro_select(cs, 2, false);
  goro_wg_done(&wg);
}

static void d_plain(void *arg) {
  (void)arg;
  long v;
  goro_chan_recv(z, &v);
  goro_wg_done(&wg);
}

static void c_reader(void *arg) {
  (void)arg;
  long v = 1;
  goro_chan_send(z, &v);
  printf("shared = %ld\n", shared); /* races with A's write */
  goro_wg_done(&wg);
}

/* The steps are ordered in time by yielding, which orders nothing for the detector: main
 * never acquires anything from A, P or D before spawning C. */
static void settle(void) {
  for (int i = 0; i < 64; i++) goro_yield(); /* scheduling, not synchronisation */
}

static void run(void *arg) {
  bool sel = strcmp(arg, "select") == 0;
  x = goro_chan_make(sizeof(long), 0), y = goro_chan_make(sizeof(long), 0);
  q = goro_chan_make(sizeof(long), 0), z = goro_chan_make(sizeof(long), 0);
  never = goro_chan_make(sizeof(long), 0);
  goro_wg_add(&wg, 4);
  goro_go(sel ? a_select : a_plain, NULL);
  settle(); /* A parked in its select (or receive) */
  goro_go(sender, sel ? y : q);
  settle(); /* A woken and gone; its records are back for reuse */
  goro_go(sel ? d_select : d_plain, NULL);
  settle(); /* D parked on a reused record */
  goro_go(c_reader, NULL);
  goro_wg_wait(&wg);
}

int main(int argc, char **argv) {
  static const char *const modes[] = {"select", "plain", NULL};
  return race_main(argc, argv, modes, run);
}
