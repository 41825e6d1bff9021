/* §11 goroutine leaks: a blocked sender stays; a context's cancel lets it go. */
#include <stdlib.h>

#include "scen.h"

/* ---- leak_blocked_sender: the article's leak() -------------------------------------------- */

static void send_one(void *ch) {
  int one = 1;
  goro_chan_send(ch, &one); /* nobody receives: blocks forever */
}

static void leak(void) {
  goro_chan *ch = goro_chan_make(sizeof(int), 0); /* unbuffered */
  goro_go(send_one, ch);
  /* returns without reading ch: the goroutine stays */
}

SCEN_MAIN(leak_blocked_sender) {
  int64_t calls = param(s, "calls"), baseline = goro_count();
  for (int64_t i = 0; i < calls; i++) leak();
  int64_t after_calls = goro_count();
  obs_int(&s->out, "baseline", baseline);
  obs_int(&s->out, "after", after_calls);
  obs_int(&s->out, "growth", after_calls - baseline);
}

/* ---- leak_context_cancel: the article's noLeak(ctx) --------------------------------------- */

struct sender {
  goro_chan *ch;
  goro_ctx *ctx;
};

static void send_or_cancel(void *arg) {
  struct sender *sd = arg;
  int one = 1;
  goro_case cases[2] = {
      {.ch = sd->ch, .dir = GORO_SEND, .elem = &one},              /* case ch <- 1: */
      {.ch = goro_ctx_done(sd->ctx), .dir = GORO_RECV, .elem = NULL}, /* case <-ctx.Done(): */
  };
  goro_select(cases, 2, false);
  goro_chan_free(sd->ch); /* nobody else holds it */
}

static void no_leak(goro_ctx *ctx, struct sender *sd) {
  sd->ch = goro_chan_make(sizeof(int), 0);
  sd->ctx = ctx;
  goro_go(send_or_cancel, sd);
}

SCEN_MAIN(leak_context_cancel) {
  int64_t calls = param(s, "calls"), baseline = goro_count();
  goro_ctx *ctx = goro_ctx_with_cancel(goro_ctx_background());
  struct sender *senders = calloc((size_t)calls, sizeof *senders);
  for (int64_t i = 0; i < calls; i++) no_leak(ctx, &senders[i]);
  int64_t during = goro_count();

  goro_ctx_cancel(ctx);
  int64_t deadline = goro_nanotime() + 2000000000; /* bounded: 2 s for the count to settle */
  while (goro_count() > baseline && goro_nanotime() < deadline) goro_sleep(1000000);
  int64_t after_cancel = goro_count();
  if (after_cancel == baseline) { /* else stragglers may still use them */
    goro_ctx_free(ctx);
    free(senders);
  }

  obs_int(&s->out, "baseline", baseline);
  obs_int(&s->out, "during", during);
  obs_int(&s->out, "after_cancel", after_cancel);
}

/* ---- num_goroutine ------------------------------------------------------------------------ */

struct holder {
  goro_chan *hold;
  goro_waitgroup wg;
};

static void hold_on(void *arg) {
  struct holder *h = arg;
  goro_chan_recv(h->hold, NULL); /* until close */
  goro_wg_done(&h->wg);
}

SCEN_MAIN(num_goroutine) {
  int64_t k = param(s, "k"), baseline = goro_count();
  struct holder h = {.hold = goro_chan_make(sizeof(int), 0)};
  goro_wg_add(&h.wg, k);
  for (int64_t i = 0; i < k; i++) goro_go(hold_on, &h);
  int64_t reported = goro_count();
  goro_chan_close(h.hold);
  goro_wg_wait(&h.wg);
  goro_chan_free(h.hold);
  obs_int(&s->out, "reported", reported);
  obs_int(&s->out, "expected", baseline + k);
}
