/* The netpoller: goroutines wait for sockets without holding an OS thread (Go's
 * runtime/netpoll.go + netpoll_epoll.go, and the fd reference counting of internal/poll).
 *
 * One epoll instance, created at the first descriptor. Every descriptor is non-blocking and
 * registered once, edge-triggered for both directions (EPOLLIN|EPOLLOUT|EPOLLRDHUP|EPOLLET):
 * the kernel reports each readiness edge, never a level, so nothing is re-armed per wait.
 *
 * Wait records. A descriptor (struct goro_netfd, Go's pollDesc) has one slot per direction,
 * rg and wg, holding 0, READY (an edge arrived that nobody consumed), WAIT (a goroutine is on
 * its way to park) or the parked G. A reader whose read() said EAGAIN:
 *     0 -> WAIT by CAS (READY -> 0 instead means "retry the read": the edge came first);
 *     checks close and deadline; parks; the park's commit, once off the stack, CASes
 *     WAIT -> G. If that CAS fails an unblocker came in between (WAIT -> READY or 0), and the
 *     goroutine runs again at once instead of sleeping.
 * An unblocker (an event, a deadline, close) swaps the slot to READY (an event) or 0 (an
 * error) and readies the G it took out, if any. Every transition is a CAS on one word, so no
 * edge is lost between "would block" and the park, and no G is readied twice.
 *
 * Who polls. The scheduler (findwork.c findrunnable) calls goro__netpoll(0) when a P runs out of
 * work, before stealing (also while spinning and every 61st schedule); once no P runs
 * goroutines (all idle, or held by syscalls), the M that gave up the last one blocks in
 * epoll_wait (one M at a time), up to the next timer, instead of on its futex. New work that
 * finds no M asleep on a futex hands its P to that M and breaks the wait through an eventfd
 * in the same epoll set. Nobody blocks in epoll_wait beside a running P: the kernel would
 * wake it for each event, which the running M's own poll then mostly takes first.
 *
 * Deadlines use the runtime's timer heap (timer.c ptimers); each arming bumps a sequence
 * number, so a timer that fires after its deadline was moved or cleared does nothing. Close
 * marks the descriptor closing and evicts the waiters (they return GORO_ECLOSED); the OS
 * descriptor is closed when the last call in flight returns (refs), so a read() never runs
 * on a descriptor number the kernel has already handed to someone else.
 *
 * Memory. Descriptors come from chunks that are never freed (Go's pollCache): a late epoll
 * event or deadline for a closed descriptor touches valid memory, and an event carries the
 * descriptor's reuse count in its top 16 bits, so a stale one is ignored.
 *
 * Lock order: sched lock, then a descriptor's lock, then the timer lock. Goroutines are
 * readied after the descriptor's lock is released.
 */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include "netpoll.h"

#define PD_READY ((uintptr_t)1)
#define PD_WAIT ((uintptr_t)2)
#define TAG_SHIFT 48

struct goro_netfd {
  int fd;
  int closing;        /* atomic; set once, under lock */
  uint64_t fdseq;     /* reuse count; its low 16 bits tag epoll events */
  uintptr_t rg, wg;   /* wait records (atomic) */
  int64_t rd, wd;     /* deadlines: 0 none, > 0 armed, -1 passed (atomic; written under lock) */
  uint64_t rseq, wseq; /* deadline generations (lock) */
  ptimer rt, wt;
  int64_t refs;       /* the handle's own + calls in flight (atomic) */
  pthread_mutex_t lock;
  goro_mutex rmu, wmu; /* one reader and one writer at a time, as Go's fdMutex */
  bool live;           /* handed out (cache lock) */
  goro_netfd *link;    /* free list */
};

int64_t goro__netpoll_nwait;

static struct {
  int ep, breakfd;
  int inited;       /* atomic */
  int breakpending; /* atomic: a break is written and not yet read */
} np = {.ep = -1, .breakfd = -1};
static pthread_once_t np_once = PTHREAD_ONCE_INIT;

#define PDCHUNK 256
struct pdchunk {
  struct pdchunk *next;
  goro_netfd pd[PDCHUNK];
};
static struct {
  pthread_mutex_t lock;
  goro_netfd *free;
  struct pdchunk *chunks;
} cache = {.lock = PTHREAD_MUTEX_INITIALIZER};

static void np_init(void) {
  np.ep = epoll_create1(EPOLL_CLOEXEC);
  np.breakfd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (np.ep < 0 || np.breakfd < 0) goro__fatal("netpoll: cannot create the epoll instance");
  struct epoll_event ev = {.events = EPOLLIN, .data.u64 = 0}; /* 0: the break eventfd */
  if (epoll_ctl(np.ep, EPOLL_CTL_ADD, np.breakfd, &ev) != 0) goro__fatal("netpoll: cannot watch the eventfd");
  STORE_REL(&np.inited, 1);
}

bool goro__netpoll_inited(void) { return LOAD_SEQ(&np.inited) != 0; }

void goro__netpoll_break(void) {
  if (!goro__netpoll_inited() || XCHG_SEQ(&np.breakpending, 1) != 0) return;
  uint64_t one = 1;
  while (write(np.breakfd, &one, sizeof one) < 0 && errno == EINTR) {
  }
}

/* ---- wait records --------------------------------------------------------------------------- */

/* Take the waiter out of *slot: for an event (ioready) leave READY behind for the next wait,
 * for an error leave 0 (the waiter's own check will see the error). Returns the parked G. */
static G *unblock(uintptr_t *slot, bool ioready) {
  for (;;) {
    uintptr_t old = LOAD_SEQ(slot);
    if (old == PD_READY) return NULL;
    if (old == 0 && !ioready) return NULL;
    uintptr_t nv = ioready ? PD_READY : 0;
    if (CAS_SEQ(slot, old, nv)) return old > PD_WAIT ? (G *)old : NULL;
  }
}

static size_t rdeadline_fire(ptimer *t, uint64_t seq);
static size_t wdeadline_fire(ptimer *t, uint64_t seq);

static goro_netfd *pd_alloc(void) {
  pthread_mutex_lock(&cache.lock);
  if (!cache.free) {
    struct pdchunk *c = calloc(1, sizeof *c);
    if (!c) {
      pthread_mutex_unlock(&cache.lock);
      return NULL;
    }
    for (int i = PDCHUNK - 1; i >= 0; i--) {
      goro_netfd *pd = &c->pd[i];
      pthread_mutex_init(&pd->lock, NULL);
      pd->rt.fire = rdeadline_fire;
      pd->wt.fire = wdeadline_fire;
      pd->link = cache.free;
      cache.free = pd;
    }
    c->next = cache.chunks;
    cache.chunks = c;
  }
  goro_netfd *pd = cache.free;
  cache.free = pd->link;
  pd->live = true;
  pthread_mutex_unlock(&cache.lock);
  return pd;
}

static void pd_free(goro_netfd *pd) {
  pthread_mutex_lock(&cache.lock);
  pd->live = false;
  pd->link = cache.free;
  cache.free = pd;
  pthread_mutex_unlock(&cache.lock);
}

/* Register fd (taking ownership); on failure fd is closed. */
static int pd_open(int fd, goro_netfd **out) {
  pthread_once(&np_once, np_init);
  int fl = fcntl(fd, F_GETFL);
  if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0) {
    int e = errno;
    close(fd);
    return -e;
  }
  goro_netfd *pd = pd_alloc();
  if (!pd) {
    close(fd);
    return -ENOMEM;
  }
  pthread_mutex_lock(&pd->lock);
  pd->fd = fd;
  STORE_REL(&pd->fdseq, pd->fdseq + 1);
  STORE_REL(&pd->rg, 0);
  STORE_REL(&pd->wg, 0);
  STORE_REL(&pd->rd, 0);
  STORE_REL(&pd->wd, 0);
  STORE_REL(&pd->refs, 1);
  STORE_REL(&pd->closing, 0);
  uint64_t tag = pd->fdseq & 0xFFFF;
  pthread_mutex_unlock(&pd->lock);
  struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET,
                           .data.u64 = (uint64_t)(uintptr_t)pd | (tag << TAG_SHIFT)};
  if (epoll_ctl(np.ep, EPOLL_CTL_ADD, fd, &ev) != 0) {
    int e = errno;
    close(fd);
    pd_free(pd);
    return -e;
  }
  *out = pd;
  return 0;
}

static void pd_destroy(goro_netfd *pd) {
  epoll_ctl(np.ep, EPOLL_CTL_DEL, pd->fd, NULL);
  close(pd->fd);
  pthread_mutex_lock(&pd->lock);
  STORE_REL(&pd->fdseq, pd->fdseq + 1); /* events still in flight for it are stale from here */
  pd->fd = -1;
  pthread_mutex_unlock(&pd->lock);
  pd_free(pd);
}

static bool incref(goro_netfd *pd) {
  XADD_SEQ(&pd->refs, 1);
  if (LOAD_SEQ(&pd->closing)) {
    if (XADD_SEQ(&pd->refs, -1) == 1) pd_destroy(pd);
    return false;
  }
  return true;
}

static void decref(goro_netfd *pd) {
  if (XADD_SEQ(&pd->refs, -1) == 1) pd_destroy(pd);
}

static int checkerr(goro_netfd *pd, uintptr_t *slot) {
  if (LOAD_SEQ(&pd->closing)) return GORO_ECLOSED;
  if (LOAD_SEQ(slot == &pd->rg ? &pd->rd : &pd->wd) < 0) return GORO_ETIMEOUT;
  return 0;
}

struct parkrec {
  uintptr_t *slot;
  G *g;
};

static bool park_commit(void *arg) {
  struct parkrec *r = arg;
  XADD_SEQ(&goro__netpoll_nwait, 1); /* before the G is visible to an unblocker, who subtracts */
  uintptr_t wait = PD_WAIT;
  if (CAS_SEQ(r->slot, wait, (uintptr_t)r->g)) return true;
  XADD_SEQ(&goro__netpoll_nwait, -1);
  return false; /* an edge or an error came in between: run again */
}

/* The direction of slot would block: wait for an edge. 0: retry the call; else an error. */
static int waitio(goro_netfd *pd, uintptr_t *slot) {
  int e = checkerr(pd, slot);
  if (e) return e;
  for (;;) {
    uintptr_t old = LOAD_SEQ(slot);
    if (old == PD_READY) {
      if (CAS_SEQ(slot, old, 0)) return 0;
      continue;
    }
    if (old != 0) goro__fatal("netpoll: two goroutines wait on one descriptor in one direction");
    if (CAS_SEQ(slot, old, PD_WAIT)) break;
  }
  /* an error set after the check above finds WAIT and clears it, which fails the commit */
  if (checkerr(pd, slot) == 0) {
    struct parkrec r = {slot, goro__getg()};
    goro__park("IO wait", park_commit, &r);
  }
  uintptr_t old = XCHG_SEQ(slot, 0);
  if (old == PD_READY) return 0;
  return checkerr(pd, slot); /* 0: a spurious wake; the caller retries */
}

static void ready_io(G *g) {
  if (!g) return;
  XADD_SEQ(&goro__netpoll_nwait, -1);
  goro__ready(g);
}

/* ---- the poller (called by findwork.c and runq.c) ---------------------------------------- */

static G *take(G *list, uintptr_t *slot, int *n) {
  G *g = unblock(slot, true);
  if (!g) return list;
  XADD_SEQ(&goro__netpoll_nwait, -1);
  STORE_REL(&g->status, G_RUNNABLE);
  g->schedlink = list;
  (*n)++;
  return g;
}

G *goro__netpoll(int64_t delay_ns, bool take_lock, int *n) {
  struct epoll_event ev[128];
  int timeout = delay_ns < 0 ? -1 : delay_ns == 0 ? 0 : delay_ns < 1000000 ? 1 : (int)(delay_ns / 1000000);
  if (delay_ns > (int64_t)INT32_MAX * 1000000) timeout = INT32_MAX;
  int k = epoll_wait(np.ep, ev, 128, timeout);
  if (take_lock) goro__sched_lock();
  G *list = NULL;
  *n = 0;
  for (int i = 0; i < k; i++) {
    uint64_t d = ev[i].data.u64;
    if (d == 0) {
      /* a break is for the M that blocks: only it drains the (level-triggered) eventfd, or
       * a look from an M with a P could swallow the wake-up meant for that M (Go does the same) */
      if (delay_ns == 0) continue;
      uint64_t v;
      ssize_t r = read(np.breakfd, &v, sizeof v);
      (void)r;
      STORE_REL(&np.breakpending, 0);
      continue;
    }
    goro_netfd *pd = (goro_netfd *)(uintptr_t)(d & ((1ull << TAG_SHIFT) - 1));
    if ((LOAD_SEQ(&pd->fdseq) & 0xFFFF) != d >> TAG_SHIFT) continue; /* closed since */
    uint32_t e = ev[i].events;
    if (e & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) list = take(list, &pd->rg, n);
    if (e & (EPOLLOUT | EPOLLHUP | EPOLLERR)) list = take(list, &pd->wg, n);
  }
  return list;
}

/* A deadline passed (sched lock held, by timer.c): mark it, wake the waiter with the error. */
static size_t deadline_passed(goro_netfd *pd, bool read, uint64_t seq) {
  pthread_mutex_lock(&pd->lock);
  G *g = NULL;
  if (seq == (read ? pd->rseq : pd->wseq) && !LOAD_SEQ(&pd->closing)) {
    STORE_REL(read ? &pd->rd : &pd->wd, -1);
    g = unblock(read ? &pd->rg : &pd->wg, false);
  }
  pthread_mutex_unlock(&pd->lock);
  if (!g) return 0;
  XADD_SEQ(&goro__netpoll_nwait, -1);
  STORE_REL(&g->status, G_RUNNABLE);
  goro__globrunqput(g);
  return 1;
}

static size_t rdeadline_fire(ptimer *t, uint64_t seq) {
  return deadline_passed((goro_netfd *)((char *)t - offsetof(goro_netfd, rt)), true, seq);
}

static size_t wdeadline_fire(ptimer *t, uint64_t seq) {
  return deadline_passed((goro_netfd *)((char *)t - offsetof(goro_netfd, wt)), false, seq);
}

void goro__netpoll_run_end(void) {
  pthread_mutex_lock(&cache.lock);
  for (struct pdchunk *c = cache.chunks; c; c = c->next) {
    for (int i = 0; i < PDCHUNK; i++) {
      goro_netfd *pd = &c->pd[i];
      if (!pd->live) continue;
      pthread_mutex_lock(&pd->lock);
      STORE_REL(&pd->rg, 0);
      STORE_REL(&pd->wg, 0);
      STORE_REL(&pd->rd, 0);
      STORE_REL(&pd->wd, 0);
      pd->rseq++;
      pd->wseq++;
      pd->rt.idx = pd->wt.idx = 0; /* the timer heap was cleared with the run */
      memset(&pd->rmu, 0, sizeof pd->rmu);
      memset(&pd->wmu, 0, sizeof pd->wmu);
      /* the calls in flight were the discarded goroutines': only the handle's ref is left,
       * or none if it was closed while they waited */
      STORE_REL(&pd->refs, LOAD_SEQ(&pd->closing) ? 0 : 1);
      pthread_mutex_unlock(&pd->lock);
    }
  }
  pthread_mutex_unlock(&cache.lock);
  for (struct pdchunk *c = cache.chunks; c; c = c->next)
    for (int i = 0; i < PDCHUNK; i++)
      if (c->pd[i].live && LOAD_SEQ(&c->pd[i].refs) == 0) pd_destroy(&c->pd[i]);
  STORE_REL(&goro__netpoll_nwait, 0);
  goro__netpoll_break(); /* the M in epoll_wait, if any, looks at the run's state again */
}

/* ---- the public API (goro.h) --------------------------------------------------------------- */

const char *goro_net_strerror(int64_t code) {
  static __thread char buf[96];
  switch (code) {
  case 0: return "";
  case GORO_EOF: return "EOF";
  case GORO_ETIMEOUT: return "i/o timeout";
  case GORO_ECLOSED: return "use of closed network connection";
  case GORO_EADDR:
    return "bad address; accepted: host:port with a numeric port (\":0\", \"127.0.0.1:8080\", "
           "\"[::1]:80\", \"localhost:80\")";
  }
  if (code < 0 && code > -4096) {
    /* Go's syscall texts are strerror's, lower-cased ("connection reset by peer") */
    snprintf(buf, sizeof buf, "%s", strerror((int)-code));
    if (buf[0] >= 'A' && buf[0] <= 'Z' && !(buf[1] >= 'A' && buf[1] <= 'Z')) buf[0] = (char)(buf[0] - 'A' + 'a');
    return buf;
  }
  snprintf(buf, sizeof buf, "unknown network error %lld", (long long)code);
  return buf;
}

/* Resolve "host:port" (getaddrinfo may block on a name: bracketed as a syscall). */
static int resolve(const char *addr, bool passive, struct sockaddr_storage *sa, socklen_t *len) {
  if (!addr) return GORO_EADDR;
  const char *colon = strrchr(addr, ':');
  if (!colon || !colon[1] || strlen(addr) > 300) return GORO_EADDR;
  for (const char *c = colon + 1; *c; c++)
    if (*c < '0' || *c > '9') return GORO_EADDR;
  long port = strtol(colon + 1, NULL, 10);
  if (port > 65535) return GORO_EADDR;
  char host[320];
  size_t hl = (size_t)(colon - addr);
  memcpy(host, addr, hl);
  host[hl] = 0;
  char *h = host;
  if (hl >= 2 && host[0] == '[' && host[hl - 1] == ']') {
    host[hl - 1] = 0;
    h = host + 1;
  } else if (strchr(host, ':')) {
    return GORO_EADDR; /* an IPv6 literal needs brackets */
  }
  struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
                           .ai_flags = AI_NUMERICSERV | (passive ? AI_PASSIVE : 0)};
  struct addrinfo *res = NULL;
  char portstr[24];
  snprintf(portstr, sizeof portstr, "%ld", port);
  if (!*h) {
    h = passive ? NULL : "127.0.0.1";
    hints.ai_family = AF_INET;
  }
  goro_syscall_enter();
  int rc = getaddrinfo(h, portstr, &hints, &res);
  goro_syscall_exit();
  if (rc != 0 || !res) return GORO_EADDR;
  memcpy(sa, res->ai_addr, res->ai_addrlen);
  *len = res->ai_addrlen;
  freeaddrinfo(res);
  return 0;
}

static void nodelay(int fd) {
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

int goro_net_adopt(int fd, goro_netfd **out) {
  if (fd < 0 || !out) return -EBADF;
  return pd_open(fd, out);
}

int goro_listen(const char *addr, int backlog, goro_netfd **out) {
  struct sockaddr_storage sa;
  socklen_t len;
  int rc = resolve(addr, true, &sa, &len);
  if (rc) return rc;
  int fd = socket(sa.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return -errno;
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one); /* as Go's listeners */
  if (bind(fd, (struct sockaddr *)&sa, len) != 0 || listen(fd, backlog > 0 ? backlog : SOMAXCONN * 64) != 0) {
    int e = errno;
    close(fd);
    return -e;
  }
  return pd_open(fd, out);
}

int goro_accept(goro_netfd *l, goro_netfd **out) {
  if (!incref(l)) return GORO_ECLOSED;
  goro_mutex_lock(&l->rmu);
  int rc = checkerr(l, &l->rg);
  while (rc == 0) {
    int fd = accept4(l->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd >= 0) {
      nodelay(fd);
      rc = pd_open(fd, out);
      break;
    }
    if (errno == EINTR || errno == ECONNABORTED) continue;
    if (errno != EAGAIN) {
      rc = -errno;
      break;
    }
    rc = waitio(l, &l->rg);
  }
  goro_mutex_unlock(&l->rmu);
  decref(l);
  return rc;
}

int goro_dial(const char *addr, goro_netfd **out) {
  struct sockaddr_storage sa;
  socklen_t len;
  int rc = resolve(addr, false, &sa, &len);
  if (rc) return rc;
  int fd = socket(sa.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return -errno;
  nodelay(fd);
  goro_netfd *c;
  rc = pd_open(fd, &c);
  if (rc) return rc;
  int r;
  do r = connect(fd, (struct sockaddr *)&sa, len);
  while (r != 0 && errno == EINTR);
  if (r != 0 && errno != EINPROGRESS) {
    rc = -errno;
  } else if (r != 0) {
    for (;;) { /* connected (or failed) when writable: then SO_ERROR says which */
      int err = 0;
      socklen_t el = sizeof err;
      if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &el) != 0) err = errno;
      if (err == 0) {
        struct sockaddr_storage peer;
        socklen_t pl = sizeof peer;
        if (getpeername(fd, (struct sockaddr *)&peer, &pl) == 0) break;
        if (errno != ENOTCONN) { rc = -errno; break; }
      } else if (err != EINPROGRESS && err != EALREADY && err != EINTR) {
        rc = -err;
        break;
      }
      rc = waitio(c, &c->wg);
      if (rc) break;
    }
  }
  if (rc) {
    goro_close(c);
    return rc;
  }
  *out = c;
  return 0;
}

int64_t goro_read(goro_netfd *c, void *buf, size_t n) {
  if (!incref(c)) return GORO_ECLOSED;
  goro_mutex_lock(&c->rmu);
  int64_t rc = checkerr(c, &c->rg);
  while (rc == 0) {
    ssize_t k = read(c->fd, buf, n);
    if (k > 0 || (k == 0 && n == 0)) {
      rc = k;
      break;
    }
    if (k == 0) {
      rc = GORO_EOF;
      break;
    }
    if (errno == EINTR) continue;
    if (errno != EAGAIN) {
      rc = -errno;
      break;
    }
    rc = waitio(c, &c->rg);
  }
  goro_mutex_unlock(&c->rmu);
  decref(c);
  return rc;
}

int64_t goro_write(goro_netfd *c, const void *buf, size_t n) {
  if (!incref(c)) return GORO_ECLOSED;
  goro_mutex_lock(&c->wmu);
  int64_t rc = checkerr(c, &c->wg);
  size_t done = 0;
  while (rc == 0 && done < n) {
    ssize_t k = send(c->fd, (const char *)buf + done, n - done, MSG_NOSIGNAL); /* EPIPE, not SIGPIPE */
    if (k >= 0) {
      done += (size_t)k;
      continue;
    }
    if (errno == EINTR) continue;
    if (errno != EAGAIN) {
      rc = -errno;
      break;
    }
    rc = waitio(c, &c->wg);
  }
  goro_mutex_unlock(&c->wmu);
  decref(c);
  return rc ? rc : (int64_t)n;
}

int goro_close(goro_netfd *c) {
  pthread_mutex_lock(&c->lock);
  if (LOAD_SEQ(&c->closing)) {
    pthread_mutex_unlock(&c->lock);
    return GORO_ECLOSED;
  }
  STORE_REL(&c->closing, 1);
  c->rseq++;
  c->wseq++;
  goro__ptimer_del(&c->rt);
  goro__ptimer_del(&c->wt);
  G *r = unblock(&c->rg, false), *w = unblock(&c->wg, false); /* Go's evict */
  pthread_mutex_unlock(&c->lock);
  ready_io(r);
  ready_io(w);
  decref(c);
  return 0;
}

static int set_deadline(goro_netfd *c, int64_t t, bool rd, bool wd) {
  if (!incref(c)) return GORO_ECLOSED;
  int64_t now = goro_nanotime();
  int64_t v = t == 0 ? 0 : t <= now ? -1 : t;
  G *r = NULL, *w = NULL;
  pthread_mutex_lock(&c->lock);
  if (rd) {
    c->rseq++;
    STORE_REL(&c->rd, v);
    if (v > 0) goro__ptimer_set(&c->rt, v, c->rseq);
    else goro__ptimer_del(&c->rt);
    if (v < 0) r = unblock(&c->rg, false);
  }
  if (wd) {
    c->wseq++;
    STORE_REL(&c->wd, v);
    if (v > 0) goro__ptimer_set(&c->wt, v, c->wseq);
    else goro__ptimer_del(&c->wt);
    if (v < 0) w = unblock(&c->wg, false);
  }
  pthread_mutex_unlock(&c->lock);
  ready_io(r);
  ready_io(w);
  decref(c);
  return 0;
}

int goro_set_deadline(goro_netfd *c, int64_t t) { return set_deadline(c, t, true, true); }
int goro_set_read_deadline(goro_netfd *c, int64_t t) { return set_deadline(c, t, true, false); }
int goro_set_write_deadline(goro_netfd *c, int64_t t) { return set_deadline(c, t, false, true); }

int goro_net_port(goro_netfd *c) {
  struct sockaddr_storage sa;
  socklen_t len = sizeof sa;
  if (getsockname(c->fd, (struct sockaddr *)&sa, &len) != 0) return -errno;
  if (sa.ss_family == AF_INET) return ntohs(((struct sockaddr_in *)&sa)->sin_port);
  if (sa.ss_family == AF_INET6) return ntohs(((struct sockaddr_in6 *)&sa)->sin6_port);
  return -EAFNOSUPPORT;
}

int goro_net_fd(goro_netfd *c) { return c->fd; }
