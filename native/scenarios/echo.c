/* The anecdote: a TCP echo server, one goroutine per connection (Python runs the client and
 * reads this process's RSS; see impls/native.py). The listening socket comes from Python. */
#include <stdlib.h>
#include <sys/socket.h>

#include "netpoll.h"
#include "scen.h"

struct conn {
  netfd nf;
  size_t buf_bytes;
  goro_waitgroup *wg;
  int64_t echoed; /* bytes */
};

static void serve(void *arg) { /* for { n := conn.Read(buf); conn.Write(buf[:n]) } */
  struct conn *c = arg;
  char *buf = malloc(c->buf_bytes); /* buf := make([]byte, buf_bytes) */
  if (!buf) goro_panic("echo: out of memory for a connection buffer");
  ssize_t n;
  while ((n = net_read(&c->nf, buf, c->buf_bytes)) > 0) {
    if (net_write(&c->nf, buf, (size_t)n) < 0) break;
    c->echoed += n;
  }
  free(buf);
  netfd_close(&c->nf);
  goro_wg_done(c->wg);
}

SCEN_MAIN(echo_server) {
  int64_t conns = param(s, "conns"), buf_bytes = param(s, "buf_bytes");
  struct conn *cs = calloc((size_t)conns, sizeof *cs); /* freed after the poller stops */
  netpoll *np = netpoll_start();
  netfd listener;
  netfd_open(np, &listener, (int)param(s, "listen_fd"));

  goro_waitgroup wg = {0};
  int64_t accepted = 0;
  while (accepted < conns) { /* Python shuts the listener down to end this early */
    int fd = net_accept(&listener);
    if (fd < 0) break;
    struct conn *c = &cs[accepted++];
    c->wg = &wg;
    c->buf_bytes = (size_t)buf_bytes;
    netfd_open(np, &c->nf, fd);
    goro_wg_add(&wg, 1);
    goro_go(serve, c);
  }
  goro_wg_wait(&wg); /* until the client has closed every connection */
  netpoll_stop(np);

  int64_t bytes = 0;
  for (int64_t i = 0; i < accepted; i++) {
    bytes += cs[i].echoed;
    goro_chan_free(cs[i].nf.ready);
  }
  goro_chan_free(listener.ready);
  free(cs);
  obs_int(&s->out, "accepted", accepted);
  obs_int(&s->out, "bytes_echoed", bytes);
}
