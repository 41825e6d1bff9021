/* One generated channel program, for the property tests in test_chan_props.py (hypothesis picks
 * the shape; this checks Go's guarantees on it). Usage:
 *
 *   chan_model PROCS CAP PRODUCERS CONSUMERS PER MODE NOISE
 *
 * PRODUCERS goroutines each send PER values (producer << 32 | seq) on one channel of capacity
 * CAP; CONSUMERS goroutines receive until it is closed. MODE bits vary how:
 *   1  consumers receive through a select that also has a nil case and a noise channel
 *   2  producers send through a select that can also take a noise value
 *   4  the last producer to finish closes the channel (else main closes it after all sent)
 *   8  consumers poll: a select with default, yielding when nothing is ready
 * A noise goroutine offers NOISE values on an unbuffered channel to whoever selects on it.
 * Checked: every value arrives exactly once; each consumer sees each producer's values in
 * send order; every noise value offered and taken is counted once; a closed, drained channel
 * is empty and receives zero values with ok=false. Exit 0 and "PASS", or 1 and what broke. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MODEL "chan_model"
#include "model.h"

static int64_t procs, cap, producers, consumers, per, mode, noise_n;

struct world {
  goro_chan *c, *noise, *done;
  goro_waitgroup sent, received, noise_done;
  int64_t producers_left, noise_sent, noise_taken;
  uint8_t *seen; /* times each value arrived */
  int64_t failures;
};

static void producer(void *arg) {
  struct world *w = arg;
  static int64_t next_id;
  int64_t id = goro_atomic_add64(&next_id, 1) - 1;
  for (int64_t seq = 0; seq < per;) {
    int64_t v = id << 32 | seq, got;
    if (mode & 2) {
      goro_case cs[2] = {{w->c, GORO_SEND, &v, false}, {w->noise, GORO_RECV, &got, false}};
      if (goro_select(cs, 2, false) == 1) {
        goro_atomic_add64(&w->noise_taken, 1);
        continue; /* took noise instead: the value is still to send */
      }
    } else {
      goro_chan_send(w->c, &v);
    }
    seq++;
  }
  if ((mode & 4) && goro_atomic_add64(&w->producers_left, -1) == 0) goro_chan_close(w->c);
  goro_wg_done(&w->sent);
}

/* One receive of a data value; false once the channel is closed and drained. */
static bool receive(struct world *w, int64_t *v) {
  if (!(mode & (1 | 8))) return goro_chan_recv(w->c, v);
  for (;;) {
    int64_t n;
    goro_case cs[3] = {{w->c, GORO_RECV, v, false},
                       {NULL, GORO_RECV, &n, false}, /* nil: never chosen */
                       {w->noise, GORO_RECV, &n, false}};
    int i = goro_select(cs, 3, mode & 8);
    if (i == 0) return cs[0].ok;
    if (i == 1) FAIL(w, "select chose the nil channel's case");
    if (i == 2) goro_atomic_add64(&w->noise_taken, 1);
    if (i == -1) goro_yield(); /* polling: nothing ready */
  }
}

static void consumer(void *arg) {
  struct world *w = arg;
  int64_t *last = malloc(sizeof *last * (size_t)producers), v;
  for (int64_t p = 0; p < producers; p++) last[p] = -1;
  while (receive(w, &v)) {
    int64_t p = v >> 32, seq = v & 0xffffffff;
    if (p < 0 || p >= producers || seq >= per) {
      FAIL(w, "received a value nobody sent: %lld", (long long)v);
      continue;
    }
    if (seq <= last[p]) FAIL(w, "producer %lld's value %lld came after %lld", (long long)p, (long long)seq, (long long)last[p]);
    last[p] = seq;
    __atomic_add_fetch(&w->seen[p * per + seq], 1, __ATOMIC_RELAXED);
  }
  if (v != 0) FAIL(w, "receive from a closed channel gave %lld, not the zero value", (long long)v);
  free(last);
  goro_wg_done(&w->received);
}

static void noise(void *arg) {
  struct world *w = arg;
  for (int64_t i = 0; i < noise_n; i++) {
    int64_t v = i;
    goro_case cs[2] = {{w->noise, GORO_SEND, &v, false}, {w->done, GORO_RECV, NULL, false}};
    if (goro_select(cs, 2, false) == 1) break; /* everyone finished */
    goro_atomic_add64(&w->noise_sent, 1);
  }
  goro_wg_done(&w->noise_done);
}

static void model_main(void *arg) {
  struct world *w = arg;
  w->c = goro_chan_make(sizeof(int64_t), (size_t)cap);
  w->noise = goro_chan_make(sizeof(int64_t), 0);
  w->done = goro_chan_make(0, 0);
  w->producers_left = producers;
  goro_wg_add(&w->sent, producers);
  goro_wg_add(&w->received, consumers);
  goro_wg_add(&w->noise_done, 1);
  goro_go(noise, w);
  for (int64_t i = 0; i < consumers; i++) goro_go(consumer, w);
  for (int64_t i = 0; i < producers; i++) goro_go(producer, w);
  goro_wg_wait(&w->sent);
  if (!(mode & 4)) goro_chan_close(w->c);
  goro_wg_wait(&w->received);
  goro_chan_close(w->done);
  goro_wg_wait(&w->noise_done);

  int64_t v = 7;
  if (goro_chan_recv(w->c, &v) || v != 0) FAIL(w, "a closed, drained channel still delivered");
  if (goro_chan_len(w->c) != 0) FAIL(w, "a drained channel has len %zu", goro_chan_len(w->c));
  goro_case cs[1] = {{w->c, GORO_RECV, &v, true}};
  if (goro_select(cs, 1, true) != 0 || cs[0].ok) FAIL(w, "select on a closed channel: not ready with ok=false");
  for (int64_t i = 0; i < producers * per; i++)
    if (w->seen[i] != 1)
      FAIL(w, "value %lld of producer %lld arrived %d times", (long long)(i % per), (long long)(i / per), w->seen[i]);
  if (w->noise_sent != w->noise_taken)
    FAIL(w, "%lld noise values sent, %lld taken", (long long)w->noise_sent, (long long)w->noise_taken);
  goro_chan_free(w->c);
  goro_chan_free(w->noise);
  goro_chan_free(w->done);
}

int main(int argc, char **argv) {
  int64_t *const args[] = {&procs, &cap, &producers, &consumers, &per, &mode, &noise_n};
  if (!model_args(argc, argv, args, 7, "PROCS CAP PRODUCERS CONSUMERS PER MODE NOISE")) return 2;
  if (producers < 1 || consumers < 1 || per < 0 || per > 0xffffffff || cap < 0 || mode < 0 || mode > 15) {
    fprintf(stderr, MODEL ": PRODUCERS and CONSUMERS >= 1, PER and CAP >= 0, MODE 0..15\n");
    return 2;
  }
  struct world w = {.seen = calloc((size_t)(producers * per) + 1, 1)};
  int status = model_run(procs, model_main, &w, &w.failures);
  free(w.seen);
  return status;
}
