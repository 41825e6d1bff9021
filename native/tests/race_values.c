/* Races on the values a channel carries, which the runtime copies without instrumentation
 * (native/src/race.h: it reports the read of a sent value and the write of a received one in
 * the caller's name, as Go's chansend/chanrecv do). Nothing orders the writer and the reader:
 * the race build must report the race, at one P too.
 *
 *   send     W writes v; S sends v on a channel (the runtime reads it for S)
 *   recv     R receives into dst (the runtime writes it for R); W reads dst
 *   select   as send and recv, through goro_select
 *
 * usage: race_values PROCS send|recv|select */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "goro.h"
#include "race_main.h"

static long v, dst;
static goro_chan *c;
static goro_waitgroup wg;
static bool use_select;

static void writer(void *arg) {
  (void)arg;
  v = 42; /* races with the sender's read of v */
  goro_wg_done(&wg);
}

static void sender(void *arg) {
  (void)arg;
  if (use_select) {
    goro_case cs[1] = {{c, GORO_SEND, &v, false}};
    goro_select(cs, 1, false);
  } else {
    goro_chan_send(c, &v);
  }
  goro_wg_done(&wg);
}

static void receiver(void *arg) {
  (void)arg;
  if (use_select) {
    goro_case cs[1] = {{c, GORO_RECV, &dst, false}};
    goro_select(cs, 1, false);
  } else {
    goro_chan_recv(c, &dst);
  }
  goro_wg_done(&wg);
}

static void reader(void *arg) {
  (void)arg;
  printf("dst = %ld\n", dst); /* races with the receiver's write of dst */
  goro_wg_done(&wg);
}

static void run(void *arg) {
  const char *mode = arg;
  use_select = strcmp(mode, "select") == 0;
  c = goro_chan_make(sizeof(long), 1);
  long one = 1;
  if (strcmp(mode, "recv") == 0) goro_chan_send(c, &one); /* something to receive */
  goro_wg_add(&wg, 2);
  if (strcmp(mode, "recv") == 0) {
    goro_go(receiver, NULL);
    goro_go(reader, NULL);
  } else {
    goro_go(writer, NULL);
    goro_go(sender, NULL);
  }
  goro_wg_wait(&wg);
  if (use_select) { /* and the receiving side through select as well */
    goro_wg_add(&wg, 2);
    goro_go(receiver, NULL);
    goro_go(reader, NULL);
    goro_wg_wait(&wg);
  }
}

int main(int argc, char **argv) {
  static const char *const modes[] = {"send", "recv", "select", NULL};
  return race_main(argc, argv, modes, run);
}
