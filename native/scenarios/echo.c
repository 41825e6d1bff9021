/* TCP echo on the runtime's netpoller (goro.h's network API, src/netpoll.c): one goroutine per
 * connection, parked in the netpoller while its socket has nothing, holding no OS thread.
 *
 * echo_server: the anecdote. Python runs the client (a child process) and reads this
 * process's RSS; the listening socket comes from Python (a dup of it is adopted, so Python
 * still owns and closes its own descriptor; its shutdown() ends our accept loop).
 * echo_rtt: BenchmarkEcho. Clients and servers are goroutines of one run; each client
 * connects (untimed), then every client does `rounds` round trips at once (timed). */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "plan.h"
#include "scen.h"

/* ---- the per-connection server goroutine (both scenarios) ----------------------------------- */

struct conn {
  goro_netfd *c;
  size_t buf_bytes;
  goro_waitgroup *wg;
  int64_t echoed; /* bytes */
};

static void serve(void *arg) { /* for { n, err := c.Read(buf); c.Write(buf[:n]) } */
  struct conn *c = arg;
  char *buf = malloc(c->buf_bytes); /* buf := make([]byte, buf_bytes) */
  if (!buf) goro_panic("echo: out of memory for a connection buffer");
  int64_t n;
  while ((n = goro_read(c->c, buf, c->buf_bytes)) > 0) {
    if (goro_write(c->c, buf, (size_t)n) < 0) break;
    c->echoed += n;
  }
  free(buf);
  goro_close(c->c);
  goro_wg_done(c->wg);
}

SCEN_MAIN(echo_server) {
  int64_t conns = param(s, "conns"), buf_bytes = param(s, "buf_bytes");
  struct conn *cs = calloc((size_t)conns, sizeof *cs);
  if (!cs) goro_panic("echo_server: out of memory");
  int fd = dup((int)param(s, "listen_fd"));
  goro_netfd *listener;
  int rc = fd < 0 ? -1 : goro_net_adopt(fd, &listener);
  if (rc != 0) goro_panic("echo_server: cannot watch the listening socket");

  goro_waitgroup wg = {0};
  int64_t accepted = 0;
  while (accepted < conns) { /* Python shuts the listener down to end this early */
    goro_netfd *c;
    if (goro_accept(listener, &c) != 0) break;
    struct conn *x = &cs[accepted++];
    x->c = c;
    x->wg = &wg;
    x->buf_bytes = (size_t)buf_bytes;
    goro_wg_add(&wg, 1);
    goro_go(serve, x);
  }
  goro_close(listener);
  goro_wg_wait(&wg); /* until the client has closed every connection */

  int64_t bytes = 0;
  for (int64_t i = 0; i < accepted; i++) bytes += cs[i].echoed;
  free(cs);
  obs_int(&s->out, "accepted", accepted);
  obs_int(&s->out, "bytes_echoed", bytes);
}

/* ---- echo_rtt ------------------------------------------------------------------------------ */

struct rtt {
  goro_netfd *listener;
  int port;
  int64_t conns, rounds;
  size_t msg_bytes;
  uint64_t seed;
  struct conn *servers;
  goro_waitgroup accepted, connected, clients, servers_done;
  goro_chan *start; /* closed when the timed section begins */
  const char *failure; /* the first error, if any (atomic) */
};

struct client {
  struct rtt *t;
  int64_t id, echoed;
  uint64_t digest;
};

static void fail(struct rtt *t, const char *msg) {
  const char *none = NULL;
  __atomic_compare_exchange_n(&t->failure, &none, msg, false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
}

static void acceptor(void *arg) {
  struct rtt *t = arg;
  for (int64_t i = 0; i < t->conns; i++) {
    struct conn *x = &t->servers[i];
    int rc = goro_accept(t->listener, &x->c);
    if (rc != 0) { /* the clients that connected still end: they see EOF */
      fail(t, goro_net_strerror(rc));
      for (; i < t->conns; i++) goro_wg_done(&t->accepted);
      return;
    }
    x->wg = &t->servers_done;
    x->buf_bytes = t->msg_bytes;
    goro_wg_add(&t->servers_done, 1);
    goro_go(serve, x);
    goro_wg_done(&t->accepted);
  }
}

/* conn, err := net.Dial(...); <-start; for r := range rounds { write msg; io.ReadFull(reply) } */
static void client(void *arg) {
  struct client *cl = arg;
  struct rtt *t = cl->t;
  char addr[32];
  snprintf(addr, sizeof addr, "127.0.0.1:%d", t->port);
  goro_netfd *c = NULL;
  int rc = goro_dial(addr, &c);
  goro_wg_done(&t->connected);
  if (rc != 0) fail(t, goro_net_strerror(rc));
  goro_chan_recv(t->start, NULL);
  size_t size = t->msg_bytes;
  unsigned char *msg = malloc(size), *reply = malloc(size);
  if (!msg || !reply) goro_panic("echo_rtt: out of memory for a client's buffers");
  for (int64_t r = 0; r < t->rounds && rc == 0; r++) {
    uint64_t word = plan_draw(t->seed, (uint64_t)cl->id, (uint64_t)r);
    for (size_t i = 0; i < size; i++) msg[i] = (unsigned char)(word >> (8 * (i % 8))); /* LE, repeated */
    int64_t w = goro_write(c, msg, size);
    if (w < 0) {
      fail(t, goro_net_strerror(w));
      break;
    }
    for (size_t got = 0; got < size;) {
      int64_t n = goro_read(c, reply + got, size - got);
      if (n < 0) {
        fail(t, goro_net_strerror(n));
        rc = (int)n;
        break;
      }
      got += (size_t)n;
    }
    if (rc) break;
    uint64_t matched = 0; /* the outcome: size when the whole reply matched */
    if (memcmp(msg, reply, size) == 0) {
      cl->echoed++;
      matched = size;
    }
    cl->digest += plan_term(t->seed, (uint64_t)cl->id, (uint64_t)r, matched);
  }
  free(msg);
  free(reply);
  if (c) goro_close(c); /* its server reads EOF and ends */
  goro_wg_done(&t->clients);
}

SCEN_MAIN(echo_rtt) {
  struct rtt t = {.conns = param(s, "conns"), .rounds = param(s, "rounds"),
                  .msg_bytes = (size_t)param(s, "msg_bytes"), .seed = (uint64_t)param(s, "seed")};
  int64_t rss_baseline = rss_bytes();
  int rc = goro_listen("127.0.0.1:0", (int)t.conns, &t.listener);
  if (rc != 0) goro_panic(goro_net_strerror(rc));
  t.port = goro_net_port(t.listener);
  t.servers = calloc((size_t)t.conns, sizeof *t.servers);
  struct client *cls = calloc((size_t)t.conns, sizeof *cls);
  if (!t.servers || !cls) goro_panic("echo_rtt: out of memory");
  t.start = goro_chan_make(0, 0);
  goro_wg_add(&t.accepted, t.conns);
  goro_wg_add(&t.connected, t.conns);
  goro_wg_add(&t.clients, t.conns);
  goro_go(acceptor, &t);
  for (int64_t c = 0; c < t.conns; c++) {
    cls[c] = (struct client){.t = &t, .id = c};
    goro_go(client, &cls[c]);
  }
  goro_wg_wait(&t.connected);
  goro_wg_wait(&t.accepted);
  int64_t rss_connected = rss_bytes();

  int64_t t0 = goro_nanotime();
  goro_chan_close(t.start);
  goro_wg_wait(&t.clients);
  int64_t elapsed = goro_nanotime() - t0;

  goro_wg_wait(&t.servers_done);
  goro_close(t.listener);
  goro_chan_free(t.start);
  const char *failure = __atomic_load_n(&t.failure, __ATOMIC_SEQ_CST);
  if (failure) goro_panic(failure);
  int64_t echoed = 0;
  uint64_t digest = 0;
  for (int64_t c = 0; c < t.conns; c++) {
    echoed += cls[c].echoed;
    digest += cls[c].digest;
  }
  free(cls);
  free(t.servers);
  int64_t ops = t.conns * t.rounds;
  obs_num(&s->out, "seconds", secs(elapsed));
  obs_int(&s->out, "ops", ops);
  obs_num(&s->out, "ns_per_op", (double)elapsed / (double)ops);
  obs_int(&s->out, "echoed", echoed);
  obs_int(&s->out, "rss_baseline", rss_baseline);
  obs_int(&s->out, "rss_connected", rss_connected);
  obs_num(&s->out, "bytes_per_conn", (double)(rss_connected - rss_baseline) / (double)t.conns);
  obs_digest(&s->out, "plan_digest", digest);
}
