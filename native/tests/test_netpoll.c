/* The netpoller's C tests (src/netpoll.c through goro.h's network API): many connections,
 * deadlines, close while another goroutine waits, peer reset, no lost wake-ups over many
 * round trips at GOMAXPROCS 1-4, I/O waiters not taken for a deadlock, runs that end with
 * goroutines still waiting. Each case is one process (`test_netpoll list` names them); the
 * pytest driver (test_netpoll.py) bounds each with a timeout, so a lost wake-up is a hang
 * that fails its case. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <pthread.h>
#include <sys/socket.h>
#include <unistd.h>

#include "tcommon.h"

#define MS 1000000LL

static void listen_local(goro_netfd **l, char *addr, size_t n) {
  int rc = goro_listen("127.0.0.1:0", 0, l);
  CHECK(rc == 0, "listen: %s", goro_net_strerror(rc));
  snprintf(addr, n, "127.0.0.1:%d", goro_net_port(*l));
}

/* A connected pair in this process: *a dialled, *b accepted. */
static void pair(goro_netfd **a, goro_netfd **b) {
  goro_netfd *l;
  char addr[32];
  listen_local(&l, addr, sizeof addr);
  int rc = goro_dial(addr, a);
  CHECK(rc == 0, "dial: %s", goro_net_strerror(rc));
  rc = goro_accept(l, b);
  CHECK(rc == 0, "accept: %s", goro_net_strerror(rc));
  CHECK(goro_close(l) == 0, "close of the listener");
}

static void read_full(goro_netfd *c, void *buf, size_t n) {
  for (size_t got = 0; got < n;) {
    int64_t k = goro_read(c, (char *)buf + got, n - got);
    CHECK(k > 0, "read: %s", goro_net_strerror(k));
    got += (size_t)k;
  }
}

/* ---- many connections ----------------------------------------------------------------------- */

#define NPAIRS 1000
#define NMSG 20

struct many {
  goro_netfd *l;
  char addr[32];
  goro_waitgroup wg;
  int64_t ok;
};

static void echo_conn(void *arg) {
  goro_netfd *c = arg;
  char buf[64];
  int64_t n;
  while ((n = goro_read(c, buf, sizeof buf)) > 0) CHECK(goro_write(c, buf, (size_t)n) == n, "echo write");
  CHECK(n == GORO_EOF, "server read ended with %s, not EOF", goro_net_strerror(n));
  goro_close(c);
}

static void acceptor(void *arg) {
  struct many *m = arg;
  for (int i = 0; i < NPAIRS; i++) {
    goro_netfd *c;
    int rc = goro_accept(m->l, &c);
    CHECK(rc == 0, "accept %d: %s", i, goro_net_strerror(rc));
    goro_go(echo_conn, c);
  }
}

struct dialer {
  struct many *m;
  int id;
};

static void dialer(void *arg) {
  struct dialer *d = arg;
  goro_netfd *c;
  int rc = goro_dial(d->m->addr, &c);
  CHECK(rc == 0, "dial %d: %s", d->id, goro_net_strerror(rc));
  for (int r = 0; r < NMSG; r++) {
    char msg[32], got[32];
    int n = snprintf(msg, sizeof msg, "conn %d round %d", d->id, r);
    CHECK(goro_write(c, msg, (size_t)n) == n, "write");
    read_full(c, got, (size_t)n);
    CHECK(memcmp(msg, got, (size_t)n) == 0, "conn %d round %d: echoed %.*s", d->id, r, n, got);
  }
  goro_close(c);
  goro_atomic_add64(&d->m->ok, 1);
  goro_wg_done(&d->m->wg);
}

static void many_main(void *arg) {
  (void)arg;
  static struct many m;
  static struct dialer ds[NPAIRS];
  memset(&m, 0, sizeof m);
  listen_local(&m.l, m.addr, sizeof m.addr);
  goro_go(acceptor, &m);
  goro_wg_add(&m.wg, NPAIRS);
  for (int i = 0; i < NPAIRS; i++) {
    ds[i] = (struct dialer){&m, i};
    goro_go(dialer, &ds[i]);
  }
  goro_wg_wait(&m.wg);
  CHECK(m.ok == NPAIRS, "%lld of %d connections done", (long long)m.ok, NPAIRS);
  goro_close(m.l);
}

static void raise_nofile(void) {
  struct rlimit r;
  CHECK(getrlimit(RLIMIT_NOFILE, &r) == 0, "getrlimit");
  CHECK(r.rlim_max >= 2 * NPAIRS + 64, "RLIMIT_NOFILE hard limit %llu < %d", (unsigned long long)r.rlim_max,
        2 * NPAIRS + 64);
  r.rlim_cur = r.rlim_max;
  CHECK(setrlimit(RLIMIT_NOFILE, &r) == 0, "setrlimit");
}

static void test_many_pairs(void) {
  raise_nofile();
  for (int procs = 1; procs <= 4; procs *= 2) {
    CHECK(goro_set_procs(procs, NULL, 0) == GORO_OK, "procs");
    run_ok(many_main, NULL);
  }
}

/* ---- deadlines ------------------------------------------------------------------------------ */

static void deadline_main(void *arg) {
  (void)arg;
  goro_netfd *a, *b;
  pair(&a, &b);
  char buf[8];
  /* a read that times out at ~50 ms */
  int64_t t0 = goro_nanotime();
  CHECK(goro_set_read_deadline(a, t0 + 50 * MS) == 0, "set deadline");
  int64_t n = goro_read(a, buf, sizeof buf);
  int64_t took = goro_nanotime() - t0;
  CHECK(n == GORO_ETIMEOUT, "read returned %lld (%s), not i/o timeout", (long long)n, goro_net_strerror(n));
  CHECK(strcmp(goro_net_strerror(n), "i/o timeout") == 0, "text %s", goro_net_strerror(n));
  CHECK(took >= 50 * MS && took < 2000 * MS, "timed out after %lld ms, not ~50", (long long)(took / MS));
  /* it stays expired (Go: every later call fails until the deadline moves) */
  CHECK(goro_read(a, buf, sizeof buf) == GORO_ETIMEOUT, "second read");
  /* cleared: data goes through again; the write side never had a deadline */
  CHECK(goro_set_read_deadline(a, 0) == 0, "clear");
  CHECK(goro_write(b, "ping", 4) == 4, "write");
  CHECK(goro_read(a, buf, sizeof buf) == 4, "read after clear");
  /* a deadline in the past fails at once, even with data waiting */
  CHECK(goro_write(b, "late", 4) == 4, "write");
  CHECK(goro_set_read_deadline(a, goro_nanotime() - 1) == 0, "past");
  CHECK(goro_read(a, buf, sizeof buf) == GORO_ETIMEOUT, "past deadline");
  CHECK(goro_set_deadline(a, goro_nanotime() + 10000 * MS) == 0, "far");
  CHECK(goro_read(a, buf, sizeof buf) == 4, "data kept for the next read");
  /* a write deadline: fill the socket buffers until the write blocks, then time out */
  int sz = 4096;
  setsockopt(goro_net_fd(a), SOL_SOCKET, SO_SNDBUF, &sz, sizeof sz);
  CHECK(goro_set_write_deadline(a, goro_nanotime() + 50 * MS) == 0, "write deadline");
  static char big[1 << 20];
  int64_t w = goro_write(a, big, sizeof big);
  CHECK(w == GORO_ETIMEOUT, "a blocked write returned %lld, not i/o timeout", (long long)w);
  goro_close(a);
  goro_close(b);
}

/* A deadline set by another goroutine while the read waits moves that read's end. */
struct shorten {
  goro_netfd *c;
  int64_t result, ended;
  countdown done;
};

static void slow_reader(void *arg) {
  struct shorten *s = arg;
  char buf[8];
  s->result = goro_read(s->c, buf, sizeof buf);
  s->ended = goro_nanotime();
  countdown_done(&s->done);
}

static void deadline_moved_main(void *arg) {
  (void)arg;
  goro_netfd *a, *b;
  pair(&a, &b);
  struct shorten s = {.c = a, .done = {.count = 1}};
  int64_t t0 = goro_nanotime();
  goro_go(slow_reader, &s);
  /* the read most likely waits by now; if it starts later it meets the deadline anyway, so
   * the outcome checked below is the same either way */
  goro_sleep(20 * MS);
  CHECK(goro_set_read_deadline(a, goro_nanotime() + 30 * MS) == 0, "set");
  countdown_wait(&s.done);
  CHECK(s.result == GORO_ETIMEOUT, "reader got %lld", (long long)s.result);
  CHECK(s.ended - t0 >= 50 * MS, "the read ended %lld ms after the start, before its deadline",
        (long long)((s.ended - t0) / MS));
  goro_close(a);
  goro_close(b);
}

static void test_deadlines(void) {
  for (int procs = 1; procs <= 2; procs++) {
    CHECK(goro_set_procs(procs, NULL, 0) == GORO_OK, "procs");
    run_ok(deadline_main, NULL);
    run_ok(deadline_moved_main, NULL);
  }
}

/* ---- close while another goroutine waits (Go's evict) -------------------------------------- */

struct blocked {
  goro_netfd *c;
  int op; /* 0 read, 1 accept, 2 write */
  int64_t result;
  countdown done;
};

static void blocked_op(void *arg) {
  struct blocked *b = arg;
  static char big[1 << 20];
  if (b->op == 0) {
    char buf[8];
    b->result = goro_read(b->c, buf, sizeof buf);
  } else if (b->op == 1) {
    goro_netfd *x;
    b->result = goro_accept(b->c, &x);
  } else {
    b->result = goro_write(b->c, big, sizeof big);
  }
  countdown_done(&b->done);
}

static void close_main(void *arg) {
  (void)arg;
  for (int op = 0; op < 3; op++) {
    goro_netfd *a, *b, *l;
    char addr[32];
    pair(&a, &b);
    listen_local(&l, addr, sizeof addr);
    int sz = 4096; /* small buffers: the 1 MiB write blocks until the reader drains */
    setsockopt(goro_net_fd(a), SOL_SOCKET, SO_SNDBUF, &sz, sizeof sz);
    setsockopt(goro_net_fd(b), SOL_SOCKET, SO_RCVBUF, &sz, sizeof sz);
    struct blocked bl = {.c = op == 1 ? l : a, .op = op, .done = {.count = 1}};
    goro_go(blocked_op, &bl);
    /* let it block (if it has not yet, it finds the descriptor closed: the same result) */
    for (int i = 0; i < 10 && goro_count() > 1; i++) goro_yield();
    goro_sleep(10 * MS);
    CHECK(goro_close(bl.c) == 0, "close");
    countdown_wait(&bl.done);
    CHECK(bl.result == GORO_ECLOSED, "op %d returned %lld (%s), not use of closed network connection", op,
          (long long)bl.result, goro_net_strerror(bl.result));
    CHECK(strcmp(goro_net_strerror(GORO_ECLOSED), "use of closed network connection") == 0, "text");
    if (op != 0) goro_close(a);
    if (op != 1) goro_close(l);
    goro_close(b);
  }
}

static void test_close_wakes_waiter(void) {
  for (int procs = 1; procs <= 2; procs++) {
    CHECK(goro_set_procs(procs, NULL, 0) == GORO_OK, "procs");
    run_ok(close_main, NULL);
  }
}

/* ---- EOF, peer reset, errors ---------------------------------------------------------------- */

static void errors_main(void *arg) {
  (void)arg;
  goro_netfd *a, *b;
  char buf[8];
  /* an orderly close: EOF, distinct from every error */
  pair(&a, &b);
  CHECK(goro_write(b, "bye", 3) == 3, "write");
  goro_close(b);
  CHECK(goro_read(a, buf, sizeof buf) == 3, "data before EOF");
  int64_t n = goro_read(a, buf, sizeof buf);
  CHECK(n == GORO_EOF, "read at EOF returned %lld", (long long)n);
  CHECK(strcmp(goro_net_strerror(n), "EOF") == 0, "EOF text");
  goro_close(a);
  /* a reset (SO_LINGER 0 close): connection reset by peer */
  pair(&a, &b);
  struct linger lg = {.l_onoff = 1, .l_linger = 0};
  CHECK(setsockopt(goro_net_fd(b), SOL_SOCKET, SO_LINGER, &lg, sizeof lg) == 0, "linger");
  goro_close(b);
  n = goro_read(a, buf, sizeof buf);
  CHECK(n == -ECONNRESET, "read after a reset returned %lld (%s)", (long long)n, goro_net_strerror(n));
  CHECK(strcmp(goro_net_strerror(n), "connection reset by peer") == 0, "text: %s", goro_net_strerror(n));
  goro_close(a);
  /* refused, bad addresses, double close */
  goro_netfd *l, *c;
  char addr[32];
  listen_local(&l, addr, sizeof addr);
  goro_close(l); /* the port is now closed */
  int rc = goro_dial(addr, &c);
  CHECK(rc == -ECONNREFUSED, "dial of a closed port: %d (%s)", rc, goro_net_strerror(rc));
  const char *bad[] = {"127.0.0.1", "127.0.0.1:http", "::1:80", "127.0.0.1:70000", ""};
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    rc = goro_dial(bad[i], &c);
    CHECK(rc == GORO_EADDR, "dial %s: %d", bad[i], rc);
  }
  CHECK(strstr(goro_net_strerror(GORO_EADDR), "accepted") != NULL, "the text says what is accepted");
  pair(&a, &b);
  CHECK(goro_close(a) == 0 && goro_close(b) == 0, "close");
}

static void test_errors(void) { run_ok(errors_main, NULL); }

/* ---- no lost wake-ups ----------------------------------------------------------------------- */

#define PP_PAIRS 8
#define PP_ROUNDS 4000

struct pp {
  goro_netfd *c;
  bool initiator;
  goro_waitgroup *wg;
};

/* One byte back and forth: every round trip is a park on each side, so a wake-up lost
 * between EAGAIN and the park hangs the case. */
static void pingpong(void *arg) {
  struct pp *p = arg;
  unsigned char x = 0, y;
  for (int r = 0; r < PP_ROUNDS; r++) {
    if (p->initiator) {
      CHECK(goro_write(p->c, &x, 1) == 1, "write");
      CHECK(goro_read(p->c, &y, 1) == 1, "read");
      CHECK(y == (unsigned char)(x + 1), "round %d: got %u after %u", r, y, x);
      x = (unsigned char)(y + 1);
    } else {
      CHECK(goro_read(p->c, &y, 1) == 1, "read");
      y++;
      CHECK(goro_write(p->c, &y, 1) == 1, "write");
    }
  }
  goro_wg_done(p->wg);
}

static void lost_main(void *arg) {
  (void)arg;
  struct pp ps[2 * PP_PAIRS];
  goro_waitgroup wg = {0};
  goro_wg_add(&wg, 2 * PP_PAIRS);
  for (int i = 0; i < PP_PAIRS; i++) {
    pair(&ps[2 * i].c, &ps[2 * i + 1].c);
    ps[2 * i].initiator = true;
    ps[2 * i + 1].initiator = false;
    ps[2 * i].wg = ps[2 * i + 1].wg = &wg;
    goro_go(pingpong, &ps[2 * i]);
    goro_go(pingpong, &ps[2 * i + 1]);
  }
  goro_wg_wait(&wg);
  for (int i = 0; i < 2 * PP_PAIRS; i++) goro_close(ps[i].c);
}

static void test_no_lost_wakeups(void) {
  for (int procs = 1; procs <= 4; procs++) {
    CHECK(goro_set_procs(procs, NULL, 0) == GORO_OK, "procs");
    int64_t t0 = goro_nanotime();
    run_ok(lost_main, NULL);
    printf("GOMAXPROCS=%d: %d round trips on %d pairs in %.0f ms\n", procs, PP_ROUNDS * PP_PAIRS, PP_PAIRS,
           (double)(goro_nanotime() - t0) / 1e6);
  }
}

/* ---- deadlock detection and run ends -------------------------------------------------------- */

struct late {
  goro_netfd *c;
};

static void late_writer(void *arg) { /* sleeps, so every P idles while main waits on I/O */
  struct late *l = arg;
  goro_sleep(30 * MS);
  CHECK(goro_write(l->c, "x", 1) == 1, "late write");
}

static void io_wait_main(void *arg) {
  (void)arg;
  goro_netfd *a, *b;
  pair(&a, &b);
  struct late l = {b};
  goro_go(late_writer, &l);
  char buf[4];
  /* every P idles while main waits on I/O and the writer sleeps: not a deadlock */
  CHECK(goro_read(a, buf, sizeof buf) == 1, "read");
  /* only an I/O waiter with a deadline left: the deadline ends it, not the detector */
  CHECK(goro_set_read_deadline(a, goro_nanotime() + 30 * MS) == 0, "deadline");
  CHECK(goro_read(a, buf, sizeof buf) == GORO_ETIMEOUT, "timeout");
  goro_close(a);
  goro_close(b);
}

static goro_netfd *left_a, *left_b;

static void stuck_reader(void *arg) {
  char buf[4];
  goro_read(arg, buf, sizeof buf); /* never returns: the run ends first */
}

static void end_with_waiter_main(void *arg) {
  (void)arg;
  pair(&left_a, &left_b);
  goro_go(stuck_reader, left_a);
  goro_sleep(10 * MS); /* main returns while the reader (probably) waits */
}

static void after_main(void *arg) {
  (void)arg;
  /* the descriptors of the previous run still work, and close normally */
  CHECK(goro_write(left_b, "ok", 2) == 2, "write");
  char buf[4];
  CHECK(goro_read(left_a, buf, sizeof buf) == 2, "read");
  CHECK(goro_close(left_a) == 0 && goro_close(left_b) == 0, "close");
  io_wait_main(NULL);
}

static void test_io_wait_not_deadlock(void) {
  for (int procs = 1; procs <= 2; procs++) {
    CHECK(goro_set_procs(procs, NULL, 0) == GORO_OK, "procs");
    run_ok(io_wait_main, NULL);
    run_ok(end_with_waiter_main, NULL);
    run_ok(after_main, NULL);
  }
}

/* The deadlock detector still fires when nothing waits on I/O any more. */
static void real_deadlock_main(void *arg) {
  (void)arg;
  goro_netfd *a, *b;
  pair(&a, &b);
  goro_close(a);
  goro_close(b);
  goro_chan *c = goro_chan_make(0, 0);
  goro_chan_recv(c, NULL);
}

static void test_deadlock_still_detected(void) {
  char err[512];
  int rc = goro_run(real_deadlock_main, NULL, err, sizeof err);
  CHECK(rc == GORO_DEADLOCK, "run returned %d: %s", rc, err);
  CHECK(strstr(err, "all goroutines are asleep") != NULL, "message: %s", err);
}

/* ---- I/O while the other P sits in a blocking syscall ---------------------------------------- */

struct insys {
  goro_netfd *a, *b;
  int64_t written, woke;
  goro_waitgroup wg;
};

static void long_syscall(void *arg) {
  struct insys *x = arg;
  goro_syscall_enter();
  usleep(400 * 1000); /* holds its P in the syscall, its M blocked */
  goro_syscall_exit();
  goro_wg_done(&x->wg);
}

static void io_reader(void *arg) {
  struct insys *x = arg;
  char c;
  CHECK(goro_read(x->a, &c, 1) == 1, "read");
  x->woke = goro_nanotime();
  goro_wg_done(&x->wg);
}

static void *outside_writer(void *arg) { /* an OS thread of its own: not the runtime's */
  struct insys *x = arg;
  usleep(50 * 1000);
  __atomic_store_n(&x->written, goro_nanotime(), __ATOMIC_SEQ_CST);
  CHECK(write(goro_net_fd(x->b), "w", 1) == 1, "write");
  return NULL;
}

/* arg NULL: the syscall runs in a goroutine of its own. arg non-NULL: main keeps its P busy
 * first (so the M that ran the reader finds a P running and sleeps on its futex, not in
 * epoll_wait), then makes the syscall itself: only sysmon's hand-off of main's P brings an M
 * to the netpoller. */
static void insys_main(void *arg) {
  static struct insys x;
  memset(&x, 0, sizeof x);
  pair(&x.a, &x.b);
  goro_wg_add(&x.wg, arg ? 1 : 2);
  goro_go(io_reader, &x);
  pthread_t th;
  CHECK(pthread_create(&th, NULL, outside_writer, &x) == 0, "thread");
  if (arg) {
    for (int64_t until = goro_nanotime() + 20 * MS; goro_nanotime() < until;) {
    }
    goro_wg_add(&x.wg, 1);
    long_syscall(&x);
  } else {
    goro_go(long_syscall, &x);
  }
  goro_wg_wait(&x.wg);
  pthread_join(th, NULL);
  int64_t late = x.woke - __atomic_load_n(&x.written, __ATOMIC_SEQ_CST);
  printf("the reader woke %.1f ms after the write (the syscall lasted 400 ms)\n", (double)late / 1e6);
  /* sysmon hands a P held by a syscall to an M after 10 ms at the latest when nothing else
   * looks; 300 ms is the syscall's end minus the write time minus slack for a loaded machine */
  CHECK(late < 300 * MS, "the reader woke %lld ms after the write: it waited for the syscall", (long long)(late / MS));
  goro_close(x.a);
  goro_close(x.b);
}

static int x_busy_first;

static void test_io_beside_syscall(void) {
  CHECK(goro_set_procs(2, NULL, 0) == GORO_OK, "procs");
  for (int i = 0; i < 3; i++) {
    run_ok(insys_main, NULL);
    run_ok(insys_main, &x_busy_first);
  }
}


static const struct test tests[] = {
    {"many_pairs", test_many_pairs},
    {"deadlines", test_deadlines},
    {"close_wakes_waiter", test_close_wakes_waiter},
    {"errors", test_errors},
    {"no_lost_wakeups", test_no_lost_wakeups},
    {"io_wait_not_deadlock", test_io_wait_not_deadlock},
    {"deadlock_still_detected", test_deadlock_still_detected},
    {"io_beside_syscall", test_io_beside_syscall},
    {NULL, NULL},
};

int main(int argc, char **argv) { return test_main(tests, argc, argv); }
