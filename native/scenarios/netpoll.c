/* The netpoller of netpoll.h. Edge-triggered epoll + a one-token channel per fd: a token that
 * arrives while nobody waits stays in the channel, so the next wait returns at once and the
 * goroutine retries its read/write; a wake-up is never lost, a spurious one costs a retry. */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include "netpoll.h"

struct netpoll {
  int ep, wake; /* wake: an eventfd that stops the poller */
  goro_waitgroup running;
};

static void poller(void *arg) {
  netpoll *np = arg;
  struct epoll_event ev[256];
  int one = 1;
  for (;;) {
    goro_syscall_enter(); /* blocks this M, not the P */
    int n = epoll_wait(np->ep, ev, 256, -1);
    goro_syscall_exit();
    for (int i = 0; i < n; i++) {
      netfd *nf = ev[i].data.ptr;
      if (nf == NULL) { /* the wake eventfd */
        goro_wg_done(&np->running);
        return;
      }
      goro_case c = {.ch = nf->ready, .dir = GORO_SEND, .elem = &one};
      goro_select(&c, 1, true); /* a token is already pending: nothing to add */
    }
  }
}

netpoll *netpoll_start(void) {
  netpoll *np = calloc(1, sizeof *np);
  np->ep = epoll_create1(EPOLL_CLOEXEC);
  np->wake = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  struct epoll_event ev = {.events = EPOLLIN, .data.ptr = NULL};
  epoll_ctl(np->ep, EPOLL_CTL_ADD, np->wake, &ev);
  goro_wg_add(&np->running, 1);
  goro_go(poller, np);
  return np;
}

void netpoll_stop(netpoll *np) {
  uint64_t one = 1;
  ssize_t w = write(np->wake, &one, sizeof one);
  (void)w;
  goro_wg_wait(&np->running);
  close(np->wake);
  close(np->ep);
  free(np);
}

int netfd_open(netpoll *np, netfd *nf, int fd) {
  nf->fd = fd;
  nf->np = np;
  nf->ready = goro_chan_make(sizeof(int), 1);
  fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
  struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET, .data.ptr = nf};
  return epoll_ctl(np->ep, EPOLL_CTL_ADD, fd, &ev);
}

void netfd_close(netfd *nf) {
  close(nf->fd); /* leaves the epoll set; a token in flight lands in a channel nobody reads */
  nf->fd = -1;
}

static void wait_ready(netfd *nf) { goro_chan_recv(nf->ready, NULL); }

int net_accept(netfd *l) {
  for (;;) {
    int fd = accept4(l->fd, NULL, NULL, SOCK_CLOEXEC);
    if (fd >= 0 || (errno != EAGAIN && errno != EINTR)) return fd;
    wait_ready(l);
  }
}

ssize_t net_read(netfd *nf, void *buf, size_t n) {
  for (;;) {
    ssize_t got = read(nf->fd, buf, n);
    if (got >= 0 || (errno != EAGAIN && errno != EINTR)) return got;
    wait_ready(nf);
  }
}

ssize_t net_write(netfd *nf, const void *buf, size_t n) {
  for (size_t done = 0; done < n;) {
    ssize_t put = write(nf->fd, (const char *)buf + done, n - done);
    if (put > 0)
      done += (size_t)put;
    else if (put < 0 && errno != EAGAIN && errno != EINTR)
      return -1;
    else
      wait_ready(nf);
  }
  return (ssize_t)n;
}
