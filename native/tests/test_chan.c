/* Tests of channels, select and context (after Go's runtime/chan_test.go, context_test.go). */
#include "test_sync_harness.h"

/* ---- unbuffered and buffered transfer ---------------------------------------------------- */

struct pp {
  goro_chan *ping, *pong;
  int n;
};
static void pp_echo(void *p) {
  struct pp *s = p;
  int64_t v;
  while (goro_chan_recv(s->ping, &v)) {
    v = v * 2 + 1;
    goro_chan_send(s->pong, &v);
  }
  goro_chan_close(s->pong);
}
static void pingpong_main(void *arg) {
  (void)arg;
  struct pp s = {goro_chan_make(sizeof(int64_t), 0), goro_chan_make(sizeof(int64_t), 0), 20000};
  goro_go(pp_echo, &s);
  for (int64_t i = 0; i < s.n; i++) {
    goro_chan_send(s.ping, &i);
    int64_t r = -1;
    CHECK(goro_chan_recv(s.pong, &r));
    CHECK_EQ(r, 2 * i + 1);
  }
  goro_chan_close(s.ping);
  int64_t r = 99;
  CHECK(!goro_chan_recv(s.pong, &r)); /* echo closed pong after ping was closed */
  CHECK_EQ(r, 0);
  goro_chan_free(s.ping);
  goro_chan_free(s.pong);
}
static void t_unbuffered_pingpong(void) {
  T_RUN_OK(1, pingpong_main, NULL);
  T_RUN_OK(2, pingpong_main, NULL);
}

/* Buffered FIFO order with a slow consumer, and len/cap. */
static void fifo_producer(void *p) {
  goro_chan *c = p;
  for (int i = 0; i < 10000; i++) goro_chan_send(c, &i);
  goro_chan_close(c);
}
static void fifo_main(void *arg) {
  (void)arg;
  goro_chan *c = goro_chan_make(sizeof(int), 10);
  CHECK_EQ(goro_chan_cap(c), 10);
  CHECK_EQ(goro_chan_len(c), 0);
  int one = 1;
  goro_chan_send(c, &one);
  goro_chan_send(c, &one);
  CHECK_EQ(goro_chan_len(c), 2);
  int v;
  CHECK(goro_chan_recv(c, &v) && goro_chan_recv(c, &v));
  goro_go(fifo_producer, c);
  int next = 0;
  while (goro_chan_recv(c, &v)) {
    CHECK_EQ(v, next);
    next++;
    if (next % 100 == 0) goro_yield();
  }
  CHECK_EQ(next, 10000);
  CHECK_EQ(goro_chan_cap(t_keep(goro_chan_make(1, 0))), 0);
  CHECK_EQ(goro_chan_len(NULL), 0);
  goro_chan_free(c);
}
static void t_buffered_fifo(void) {
  T_RUN_OK(1, fifo_main, NULL);
  T_RUN_OK(2, fifo_main, NULL);
}

/* Many producers and consumers on one channel: every value arrives exactly once. */
#define MPMC_PER 5000
struct mpmc {
  goro_chan *c;
  goro_waitgroup prod, cons;
  int64_t sum, count;
};
static void mpmc_producer(void *p) {
  struct mpmc *s = p;
  for (int64_t i = 1; i <= MPMC_PER; i++) goro_chan_send(s->c, &i);
  goro_wg_done(&s->prod);
}
static void mpmc_consumer(void *p) {
  struct mpmc *s = p;
  int64_t v, sum = 0, n = 0;
  while (goro_chan_recv(s->c, &v)) {
    sum += v;
    n++;
  }
  goro_atomic_add64(&s->sum, sum);
  goro_atomic_add64(&s->count, n);
  goro_wg_done(&s->cons);
}
static void mpmc_main(void *arg) {
  size_t cap = (size_t)(intptr_t)arg;
  struct mpmc s = {0};
  s.c = goro_chan_make(sizeof(int64_t), cap);
  goro_wg_add(&s.prod, 4);
  goro_wg_add(&s.cons, 4);
  for (int i = 0; i < 4; i++) goro_go(mpmc_producer, &s);
  for (int i = 0; i < 4; i++) goro_go(mpmc_consumer, &s);
  goro_wg_wait(&s.prod);
  goro_chan_close(s.c);
  goro_wg_wait(&s.cons);
  CHECK_EQ(s.count, 4 * MPMC_PER);
  CHECK_EQ(s.sum, 4 * (int64_t)MPMC_PER * (MPMC_PER + 1) / 2);
  goro_chan_free(s.c);
}
static void t_mpmc(void) {
  for (int procs = 1; procs <= 2; procs++) {
    T_RUN_OK(procs, mpmc_main, (void *)(intptr_t)0);
    T_RUN_OK(procs, mpmc_main, (void *)(intptr_t)1);
    T_RUN_OK(procs, mpmc_main, (void *)(intptr_t)64);
  }
}

/* ---- close -------------------------------------------------------------------------------- */

struct closewake {
  goro_chan *c;
  goro_waitgroup wg;
  int64_t woke_closed;
};
static void cw_receiver(void *p) {
  struct closewake *s = p;
  int v = 42;
  if (!goro_chan_recv(s->c, &v) && v == 0) goro_atomic_add64(&s->woke_closed, 1);
  goro_wg_done(&s->wg);
}
static void close_main(void *arg) {
  (void)arg;
  /* Values sent before close are still received; then ok=false with a zero value. */
  goro_chan *b = goro_chan_make(sizeof(int), 3);
  for (int i = 1; i <= 3; i++) goro_chan_send(b, &i);
  goro_chan_close(b);
  int v;
  for (int i = 1; i <= 3; i++) {
    CHECK(goro_chan_recv(b, &v));
    CHECK_EQ(v, i);
  }
  v = 7;
  CHECK(!goro_chan_recv(b, &v));
  CHECK_EQ(v, 0);
  CHECK(!goro_chan_recv(b, NULL));
  goro_chan_free(b);
  /* Close wakes every parked receiver. */
  struct closewake s = {0};
  s.c = goro_chan_make(sizeof(int), 0);
  goro_wg_add(&s.wg, 10);
  for (int i = 0; i < 10; i++) goro_go(cw_receiver, &s);
  for (int i = 0; i < 10; i++) goro_yield();
  goro_chan_close(s.c);
  goro_wg_wait(&s.wg);
  CHECK_EQ(s.woke_closed, 10);
  goro_chan_free(s.c);
}
static void t_close(void) {
  T_RUN_OK(1, close_main, NULL);
  T_RUN_OK(2, close_main, NULL);
}

static const char *recovered_msg;
static void rec_defer(void *p) {
  (void)p;
  recovered_msg = goro_recover();
}
static void send_closed_body(void *p) {
  goro_defer(rec_defer, NULL);
  int v = 1;
  goro_chan_send(p, &v);
}
static void close_closed_body(void *p) {
  goro_defer(rec_defer, NULL);
  goro_chan_close(p);
}
static void close_nil_body(void *p) {
  (void)p;
  goro_defer(rec_defer, NULL);
  goro_chan_close(NULL);
}
static void expect_recovered(void (*body)(void *), void *arg, const char *msg) {
  recovered_msg = NULL;
  CHECK(goro_call(body, arg));
  CHECK(recovered_msg && strcmp(recovered_msg, msg) == 0);
}
static void close_misuse_main(void *arg) {
  (void)arg;
  goro_chan *c = goro_chan_make(sizeof(int), 1);
  goro_chan_close(c);
  expect_recovered(send_closed_body, c, "send on closed channel");
  expect_recovered(close_closed_body, c, "close of closed channel");
  expect_recovered(close_nil_body, NULL, "close of nil channel");
  goro_chan_free(c);
}
/* A sender parked on a channel panics when the channel is closed under it. */
static void parked_sender(void *p) {
  int v = 5;
  goro_chan_send(p, &v);
}
static void parked_sender_main(void *arg) {
  (void)arg;
  goro_chan *c = t_keep(goro_chan_make(sizeof(int), 0));
  goro_go(parked_sender, c);
  goro_yield(); /* it parks in send */
  goro_chan_close(c);
  goro_yield(); /* it wakes and panics: the run ends with its panic */
  for (int i = 0; i < 1000; i++) goro_yield();
  CHECK(!"unreachable: the sender's panic ends the run");
}
static void t_close_misuse(void) {
  T_RUN_OK(1, close_misuse_main, NULL);
  T_RUN_EXPECT(1, parked_sender_main, NULL, GORO_PANIC, "panic: send on closed channel\n\ngoroutine ");
}

/* ---- deadlock reports --------------------------------------------------------------------- */

static void nobody_writes_main(void *arg) {
  (void)arg;
  goro_chan *c = t_keep(goro_chan_make(sizeof(int), 0));
  int v;
  goro_chan_recv(c, &v);
}
static void nil_recv_main(void *arg) {
  (void)arg;
  goro_chan_recv(NULL, NULL);
}
static void nil_send_main(void *arg) {
  (void)arg;
  goro_chan_send(NULL, NULL);
}
static void sender_nobody_reads(void *p) { goro_chan_send(p, NULL); }
static void send_deadlock_main(void *arg) {
  (void)arg;
  goro_chan *c = t_keep(goro_chan_make(0, 0));
  goro_go(sender_nobody_reads, c);
  goro_chan_recv(NULL, NULL);
}
static void empty_select_main(void *arg) {
  (void)arg;
  goro_select(NULL, 0, false);
}
static void nil_select_main(void *arg) {
  (void)arg;
  goro_case cs[2] = {{NULL, GORO_RECV, NULL, false}, {NULL, GORO_SEND, NULL, false}};
  goro_select(cs, 2, false);
}
static void blocked_select_main(void *arg) {
  (void)arg;
  goro_chan *a = t_keep(goro_chan_make(0, 0)), *b = t_keep(goro_chan_make(0, 0));
  goro_case cs[2] = {{a, GORO_RECV, NULL, false}, {b, GORO_SEND, NULL, false}};
  goro_select(cs, 2, false);
}
static void t_deadlock_reports(void) {
  const char *dl = "fatal error: all goroutines are asleep - deadlock!";
  for (int procs = 1; procs <= 2; procs++) {
    T_RUN_EXPECT(procs, nobody_writes_main, NULL, GORO_DEADLOCK, dl, "goroutine 1 [chan receive]");
    T_RUN_EXPECT(procs, nil_recv_main, NULL, GORO_DEADLOCK, dl, "goroutine 1 [chan receive (nil chan)]");
    T_RUN_EXPECT(procs, nil_send_main, NULL, GORO_DEADLOCK, dl, "goroutine 1 [chan send (nil chan)]");
    T_RUN_EXPECT(procs, send_deadlock_main, NULL, GORO_DEADLOCK, dl, "[chan send]", "[chan receive (nil chan)]");
    T_RUN_EXPECT(procs, empty_select_main, NULL, GORO_DEADLOCK, dl, "goroutine 1 [select (no cases)]");
    T_RUN_EXPECT(procs, nil_select_main, NULL, GORO_DEADLOCK, dl, "goroutine 1 [select]");
    T_RUN_EXPECT(procs, blocked_select_main, NULL, GORO_DEADLOCK, dl, "goroutine 1 [select]");
  }
}

/* ---- select ------------------------------------------------------------------------------- */

static void select_basic_main(void *arg) {
  (void)arg;
  goro_chan *a = goro_chan_make(sizeof(int), 1), *b = goro_chan_make(sizeof(int), 1);
  int x = 0, y = 11;
  goro_case cs[2] = {{a, GORO_RECV, &x, false}, {b, GORO_SEND, &y, false}};
  /* a is empty, b has room: only the send is ready. */
  CHECK_EQ(goro_select(cs, 2, false), 1);
  CHECK_EQ(goro_chan_len(b), 1);
  /* now neither: the default */
  CHECK_EQ(goro_select(cs, 2, true), -1);
  int v = 5;
  goro_chan_send(a, &v);
  CHECK_EQ(goro_select(cs, 2, true), 0);
  CHECK(cs[0].ok);
  CHECK_EQ(x, 5);
  goro_chan_close(a);
  x = 9;
  CHECK_EQ(goro_select(cs, 2, false), 0); /* closed: ready, ok=false, zero value */
  CHECK(!cs[0].ok);
  CHECK_EQ(x, 0);
  /* all nil channels with a default: -1 */
  goro_case nils[1] = {{NULL, GORO_RECV, NULL, false}};
  CHECK_EQ(goro_select(nils, 1, true), -1);
  CHECK_EQ(goro_select(NULL, 0, true), -1);
  goro_chan_free(a);
  goro_chan_free(b);
}
static void t_select_basic(void) { T_RUN_OK(1, select_basic_main, NULL); }

/* Fairness: two always-ready cases over 10,000 selects: each chosen 40-60% of the time. */
static void select_fair_main(void *arg) {
  (void)arg;
  goro_chan *a = goro_chan_make(sizeof(int), 1), *b = goro_chan_make(sizeof(int), 1);
  int one = 1, v;
  goro_chan_send(a, &one);
  goro_chan_send(b, &one);
  int hits[2] = {0, 0};
  for (int i = 0; i < 10000; i++) {
    goro_case cs[2] = {{a, GORO_RECV, &v, false}, {b, GORO_RECV, &v, false}};
    int k = goro_select(cs, 2, false);
    CHECK(k == 0 || k == 1);
    hits[k]++;
    goro_chan_send(k == 0 ? a : b, &one); /* refill: both stay ready */
  }
  fprintf(stderr, "select fairness: case0=%d case1=%d\n", hits[0], hits[1]);
  CHECK(hits[0] >= 4000 && hits[0] <= 6000);
  goro_chan_free(a);
  goro_chan_free(b);
}
static void t_select_fairness(void) { T_RUN_OK(1, select_fair_main, NULL); }

/* A blocked select is completed by a peer on either channel; the other sudog is cleaned up
 * (checked by reusing both channels afterwards). Also: select send to a parked receiver. */
struct selwake {
  goro_chan *a, *b, *done;
};
static void selwake_sender(void *p) {
  struct selwake *s = p;
  int v = 77;
  goro_chan_send(s->b, &v);
}
static void selwake_receiver(void *p) {
  struct selwake *s = p;
  int v = 0;
  CHECK(goro_chan_recv(s->a, &v));
  CHECK_EQ(v, 33);
  goro_chan_send(s->done, NULL);
}
static void selwake_main(void *arg) {
  (void)arg;
  struct selwake s = {goro_chan_make(sizeof(int), 0), goro_chan_make(sizeof(int), 0), goro_chan_make(0, 0)};
  for (int round = 0; round < 200; round++) {
    int x = 0, y = 0;
    goro_go(selwake_sender, &s);
    goro_case cs[2] = {{s.a, GORO_RECV, &x, false}, {s.b, GORO_RECV, &y, false}};
    CHECK_EQ(goro_select(cs, 2, false), 1);
    CHECK(cs[1].ok);
    CHECK_EQ(y, 77);
    goro_go(selwake_receiver, &s);
    int v = 33;
    goro_case sc[2] = {{s.a, GORO_SEND, &v, false}, {s.b, GORO_RECV, &y, false}};
    CHECK_EQ(goro_select(sc, 2, false), 0);
    goro_chan_recv(s.done, NULL);
  }
  goro_chan_free(s.a);
  goro_chan_free(s.b);
  goro_chan_free(s.done);
}
static void t_select_wakeup(void) {
  T_RUN_OK(1, selwake_main, NULL);
  T_RUN_OK(2, selwake_main, NULL);
}

/* Hammer: goroutines select-send on 3 channels, others select-receive from them; every
 * value is received exactly once (a lost or doubled wake-up would break the sum). */
#define SEL_N 3000
struct selham {
  goro_chan *c[3];
  goro_waitgroup prod, cons;
  int64_t sum, count;
};
static void selham_producer(void *p) {
  struct selham *s = p;
  for (int64_t i = 1; i <= SEL_N; i++) {
    goro_case cs[3];
    for (int k = 0; k < 3; k++) cs[k] = (goro_case){s->c[k], GORO_SEND, &i, false};
    goro_select(cs, 3, false);
  }
  goro_wg_done(&s->prod);
}
static void selham_consumer(void *p) {
  struct selham *s = p;
  int64_t sum = 0, n = 0, v;
  int open = 3;
  goro_chan *c[3] = {s->c[0], s->c[1], s->c[2]};
  while (open > 0) {
    goro_case cs[3];
    for (int k = 0; k < 3; k++) cs[k] = (goro_case){c[k], GORO_RECV, &v, false};
    int k = goro_select(cs, 3, false);
    if (!cs[k].ok) {
      c[k] = NULL; /* closed: stop selecting on it (a nil case is never ready) */
      open--;
      continue;
    }
    sum += v;
    n++;
  }
  goro_atomic_add64(&s->sum, sum);
  goro_atomic_add64(&s->count, n);
  goro_wg_done(&s->cons);
}
static void selham_main(void *arg) {
  (void)arg;
  struct selham s = {0};
  for (int k = 0; k < 3; k++) s.c[k] = goro_chan_make(sizeof(int64_t), (size_t)k); /* 0,1,2 */
  goro_wg_add(&s.prod, 3);
  goro_wg_add(&s.cons, 3);
  for (int i = 0; i < 3; i++) goro_go(selham_producer, &s);
  for (int i = 0; i < 3; i++) goro_go(selham_consumer, &s);
  goro_wg_wait(&s.prod);
  for (int k = 0; k < 3; k++) goro_chan_close(s.c[k]);
  goro_wg_wait(&s.cons);
  CHECK_EQ(s.count, 3 * SEL_N);
  CHECK_EQ(s.sum, 3 * (int64_t)SEL_N * (SEL_N + 1) / 2);
  for (int k = 0; k < 3; k++) goro_chan_free(s.c[k]);
}
static void t_select_hammer(void) {
  T_RUN_OK(1, selham_main, NULL);
  T_RUN_OK(2, selham_main, NULL);
}

static void select_send_closed_main(void *arg) {
  (void)arg;
  goro_chan *c = t_keep(goro_chan_make(sizeof(int), 0));
  goro_chan_close(c);
  int v = 1;
  goro_case cs[1] = {{c, GORO_SEND, &v, false}};
  goro_select(cs, 1, true);
}
static void t_select_send_closed(void) {
  T_RUN_EXPECT(1, select_send_closed_main, NULL, GORO_PANIC, "panic: send on closed channel");
}

/* A select over more cases than fit the on-stack arrays (heap path), with a wide element. */
struct wide {
  char bytes[100];
};
struct manyc {
  goro_chan *c[40];
};
static void manyc_sender(void *p) {
  struct manyc *s = p;
  struct wide w;
  memset(w.bytes, 'q', sizeof w.bytes);
  goro_chan_send(s->c[37], &w);
}
static void select_many_main(void *arg) {
  (void)arg;
  struct manyc s;
  for (int i = 0; i < 40; i++) s.c[i] = goro_chan_make(sizeof(struct wide), 0);
  for (int round = 0; round < 50; round++) {
    struct wide got[40];
    goro_case cs[40];
    for (int i = 0; i < 40; i++) cs[i] = (goro_case){s.c[i], GORO_RECV, &got[i], false};
    goro_go(manyc_sender, &s);
    CHECK_EQ(goro_select(cs, 40, false), 37);
    CHECK(cs[37].ok);
    for (int k = 0; k < 100; k++) CHECK_EQ(got[37].bytes[k], 'q');
  }
  for (int i = 0; i < 40; i++) goro_chan_free(s.c[i]);
}
static void t_select_many_cases(void) {
  T_RUN_OK(1, select_many_main, NULL);
  T_RUN_OK(2, select_many_main, NULL);
}

/* The same channel in several cases (locked once), and two goroutines that each offer both
 * directions on one unbuffered channel: they must pair with each other, never with
 * themselves. */
static void dup_peer(void *p) {
  goro_chan *c = p;
  int out = 2, in = 0;
  goro_case cs[2] = {{c, GORO_SEND, &out, false}, {c, GORO_RECV, &in, false}};
  int k = goro_select(cs, 2, false);
  CHECK(k == 0 || (k == 1 && in == 1));
}
static void select_dup_main(void *arg) {
  (void)arg;
  goro_chan *b = goro_chan_make(sizeof(int), 1);
  int v = 7, x = 0, y = 0;
  goro_chan_send(b, &v);
  goro_case cs[3] = {{b, GORO_RECV, &x, false}, {b, GORO_RECV, &y, false}, {b, GORO_RECV, &y, false}};
  int k = goro_select(cs, 3, false);
  CHECK((k == 0 && x == 7) || (k > 0 && y == 7));
  CHECK_EQ(goro_chan_len(b), 0);
  /* blocked on the same channel twice; one send completes exactly one case */
  goro_go(fifo_producer, b); /* sends 0..9999 then closes */
  int got = 0, expect = 0;
  for (;;) {
    goro_case c2[2] = {{b, GORO_RECV, &got, false}, {b, GORO_RECV, &got, false}};
    k = goro_select(c2, 2, false);
    if (!c2[k].ok) break;
    CHECK_EQ(got, expect);
    expect++;
  }
  CHECK_EQ(expect, 10000);
  goro_chan_free(b);
  goro_chan *u = goro_chan_make(sizeof(int), 0);
  for (int round = 0; round < 500; round++) {
    goro_go(dup_peer, u);
    int out = 1, in = 0;
    goro_case c3[2] = {{u, GORO_SEND, &out, false}, {u, GORO_RECV, &in, false}};
    k = goro_select(c3, 2, false);
    CHECK(k == 0 || (k == 1 && in == 2));
  }
  goro_chan_free(u);
}
static void t_select_same_channel(void) {
  T_RUN_OK(1, select_dup_main, NULL);
  T_RUN_OK(2, select_dup_main, NULL);
}

/* ---- context ------------------------------------------------------------------------------ */

struct ctxwait {
  goro_ctx *ctx;
  goro_chan *tick; /* never written: the select can only finish by Done */
  goro_waitgroup wg;
  int64_t woke;
};
static void ctx_waiter(void *p) {
  struct ctxwait *s = p;
  goro_case cs[2] = {{goro_ctx_done(s->ctx), GORO_RECV, NULL, false}, {s->tick, GORO_RECV, NULL, false}};
  CHECK_EQ(goro_select(cs, 2, false), 0);
  CHECK(!cs[0].ok);
  CHECK(goro_ctx_err(s->ctx) && strcmp(goro_ctx_err(s->ctx), "context canceled") == 0);
  goro_atomic_add64(&s->woke, 1);
  goro_wg_done(&s->wg);
}
static void ctx_main(void *arg) {
  (void)arg;
  goro_ctx *bg = goro_ctx_background();
  CHECK(goro_ctx_done(bg) == NULL);
  CHECK(goro_ctx_err(bg) == NULL);
  goro_ctx_cancel(bg); /* no-op */
  CHECK(goro_ctx_err(bg) == NULL);

  goro_ctx *root = goro_ctx_with_cancel(bg);
  goro_ctx *mid = goro_ctx_with_cancel(root);
  goro_ctx *leaf1 = goro_ctx_with_cancel(mid);
  goro_ctx *leaf2 = goro_ctx_with_cancel(mid);
  goro_ctx *other = goro_ctx_with_cancel(root);

  /* Cancelling a child leaves its parent and siblings alone. */
  goro_ctx_cancel(leaf2);
  CHECK(goro_ctx_err(leaf2) != NULL);
  CHECK(goro_ctx_err(mid) == NULL && goro_ctx_err(leaf1) == NULL);
  CHECK(!goro_chan_recv(goro_ctx_done(leaf2), NULL)); /* Done closed */
  goro_ctx_cancel(leaf2);                             /* idempotent */

  /* Goroutines wait on leaf1's Done in a select; cancelling root reaches them. */
  struct ctxwait s = {0};
  s.ctx = leaf1;
  s.tick = goro_chan_make(0, 0);
  goro_wg_add(&s.wg, 5);
  for (int i = 0; i < 5; i++) goro_go(ctx_waiter, &s);
  for (int i = 0; i < 5; i++) goro_yield();
  CHECK_EQ(goro_atomic_load64(&s.woke), 0);
  goro_ctx_cancel(root);
  goro_wg_wait(&s.wg);
  CHECK_EQ(s.woke, 5);
  CHECK(goro_ctx_err(mid) && goro_ctx_err(other) && goro_ctx_err(root));

  /* A child of a cancelled parent starts cancelled. */
  goro_ctx *late = goro_ctx_with_cancel(mid);
  CHECK(goro_ctx_err(late) != NULL);

  /* Freeing in any order is safe. */
  goro_ctx_free(mid);
  goro_ctx_free(leaf1);
  goro_ctx_free(root);
  goro_ctx_free(late);
  goro_ctx_free(leaf2);
  goro_ctx_free(other);
  goro_ctx *a = goro_ctx_with_cancel(bg), *b = goro_ctx_with_cancel(a);
  goro_ctx_free(a); /* cancels b, detaches it */
  CHECK(goro_ctx_err(b) != NULL);
  goro_ctx_free(b);
  goro_chan_free(s.tick);
}
static void t_context(void) {
  T_RUN_OK(1, ctx_main, NULL);
  T_RUN_OK(2, ctx_main, NULL);
}

/* A deep chain cancels without recursion (100k levels would overflow a goroutine stack). */
static void ctx_deep_main(void *arg) {
  (void)arg;
  enum { DEPTH = 100000 };
  goro_ctx **chain = malloc(sizeof *chain * DEPTH);
  CHECK(chain);
  chain[0] = goro_ctx_with_cancel(goro_ctx_background());
  for (int i = 1; i < DEPTH; i++) chain[i] = goro_ctx_with_cancel(chain[i - 1]);
  goro_ctx_cancel(chain[0]);
  CHECK(goro_ctx_err(chain[DEPTH - 1]) != NULL);
  for (int i = DEPTH - 1; i >= 0; i--) goro_ctx_free(chain[i]);
  free(chain);
}
static void t_context_deep(void) { T_RUN_OK(1, ctx_deep_main, NULL); }

static const t_case cases[] = {
    {"unbuffered_pingpong", t_unbuffered_pingpong},
    {"buffered_fifo", t_buffered_fifo},
    {"mpmc", t_mpmc},
    {"close", t_close},
    {"close_misuse", t_close_misuse},
    {"deadlock_reports", t_deadlock_reports},
    {"select_basic", t_select_basic},
    {"select_fairness", t_select_fairness},
    {"select_wakeup", t_select_wakeup},
    {"select_hammer", t_select_hammer},
    {"select_send_closed", t_select_send_closed},
    {"select_many_cases", t_select_many_cases},
    {"select_same_channel", t_select_same_channel},
    {"context", t_context},
    {"context_deep", t_context_deep},
    {NULL, NULL},
};

int main(int argc, char **argv) { return t_main(cases, argc, argv); }
