/* A small netpoller on goro's public API, the way Go's net package parks a goroutine on a
 * socket: non-blocking fds, one epoll instance watched by one goroutine (inside
 * goro_syscall_enter/exit), and a one-slot channel per fd that the poller drops a token into
 * when the fd becomes ready. A goroutine waiting for its socket is parked on a channel
 * receive, holding no OS thread. */
#ifndef GORO_NETPOLL_H
#define GORO_NETPOLL_H

#include <stddef.h>
#include <sys/types.h>

#include "goro.h"

typedef struct netpoll netpoll;
typedef struct netfd {
  int fd;
  goro_chan *ready; /* cap 1: a pending readiness token */
  netpoll *np;
} netfd;

netpoll *netpoll_start(void);    /* spawns the poller goroutine */
void netpoll_stop(netpoll *np);  /* wakes it, waits for it to leave, frees */
int netfd_open(netpoll *np, netfd *nf, int fd); /* makes fd non-blocking, watches it; -1 on error */
void netfd_close(netfd *nf);     /* closes the fd; the netfd stays valid until netpoll_stop */

int net_accept(netfd *listener);                    /* a new fd, or -1 (errno) */
ssize_t net_read(netfd *nf, void *buf, size_t n);   /* > 0, 0 at EOF, -1 on error */
ssize_t net_write(netfd *nf, const void *buf, size_t n); /* all of it, or -1 */

#endif
