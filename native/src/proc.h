/* The scheduler's shared state and verbs, for the files it is split into (sched.c's note at the
 * top says which file holds what; this header is only their common ground):
 *   sched.c     the overview, TLS, futex notes, idle Ps and Ms, switching, park/ready, mstart
 *   runq.c      the global run queue and each P's local ring
 *   findwork.c  an M without work: spinning, stealing, blocking in the netpoller, findrunnable
 *   g.c         G allocation and free lists, goroutine ids, race-build glue, goro_go
 *   sysmon.c    syscall enter/exit, hand-off of a P held by a syscall, the monitor thread
 *   run.c       run lifecycle (goro_run, procs), deadlock detection (checkdead), stats
 *
 * The verbs keep the short names of Go's proc.go (runqput, pidleget, startm...) so that the
 * code reads like it and moved between files unchanged; each name is a macro for a goro__
 * symbol, hidden from the extension's exports, so nothing collides with a program's own
 * names. Each verb's contract (who calls it, which lock it needs) is the line above its
 * definition; "sched lock held" ones check it with ASSERT_SCHEDLOCK_HELD() (core.h) in debug
 * and sanitizer builds.
 */
#ifndef GORO_PROC_H
#define GORO_PROC_H

#include "core.h"
#include "netpoll.h"

#if defined(__GNUC__) && !defined(__clang__)
#define NOIPA __attribute__((noipa))
#else
#define NOIPA __attribute__((noinline))
#endif

#define INC(x) STORE_RLX(&(x), LOAD_RLX(&(x)) + 1)
#define NPROCS LOAD_RLX(&sched.nprocs) /* fixed during a run; read by sysmon and stats too */

enum { RUN_IDLE = 0, RUN_ACTIVE, RUN_ENDED };

/* G storage (g.c): chunks that are never unmapped, so checkdead and cleanup_run can walk every
 * G ever made; the global free list (sched.gfree, as Go's sched.gFree) under its own lock,
 * not the sched lock. */
#define GCHUNK 4096
struct gchunk {
  struct gchunk *next;
  G g[GCHUNK];
};
struct gfreet {
  pthread_mutex_t lock;
  G *list;
  size_t n;
  struct gchunk *chunks;
};

/* The scheduler's global state (sched.c). Fields marked atomic are read without the lock;
 * every other field is read and written with the sched lock held. */
struct schedt {
  G *gqhead, *gqtail;
  int64_t gqsize;   /* atomic; written under the lock */
  P *pidle;
  int npidle;       /* atomic */
  M *midle;
  int nmspinning;   /* atomic */
  int64_t nsyscall; /* goroutines between syscall enter and exit, this run; atomic */
  int nprocs;       /* Ps of the current run */
  int procs;        /* setting for the next run */
  int run_state;    /* atomic */
  int status;
  char *msg;
  uint64_t goidgen; /* atomic */
  uint64_t mcount;  /* Ms created */
  pthread_cond_t runcond; /* goro_run waits here (CLOCK_MONOTONIC) */
  uint32_t sysmon_wake;   /* futex: bumped to wake sysmon early */
  int64_t sysmon_deadline;
  M *pollm; /* the M blocked in epoll_wait without a P (netpoll.c); startm may hand it one */
  struct gfreet gfree; /* its own lock */
};
#define sched goro__sched
#define allp goro__allp
#define allm goro__allm
HIDDEN extern struct schedt sched;
HIDDEN extern P allp[GORO_MAX_PROCS];
HIDDEN extern M *allm; /* every M, newest first (preemption walks it); pushed by CAS, never popped */

#define lock() goro__sched_lock()
#define unlock() goro__sched_unlock()
#define crash goro__crash
#define cpu_relax goro__cpu_relax
#define fastrand(m) goro__fastrand(&(m)->fastrand)

/* sched.c */
#define errno_loc goro__errno_loc
#define futex goro__futex
#define notewakeup goro__notewakeup
#define notesleep goro__notesleep
#define pidleget goro__pidleget
#define pidleput goro__pidleput
#define mget goro__mget
#define newm goro__newm
#define startm goro__startm
#define stopm goro__stopm
#define gswitch goro__gswitch
HIDDEN int *errno_loc(void);
HIDDEN long futex(uint32_t *uaddr, int op, uint32_t val, const struct timespec *ts);
HIDDEN void notewakeup(uint32_t *w);
HIDDEN void notesleep(uint32_t *w);
HIDDEN P *pidleget(void);
HIDDEN void pidleput(P *p);
HIDDEN M *mget(void);
HIDDEN void newm(P *p, bool spinning);
HIDDEN void startm(P *p, bool spinning);
HIDDEN void stopm(M *m);
HIDDEN void gswitch(M *m, G *from, G *to);

/* runq.c */
#define globrunqputbatch goro__globrunqputbatch
#define globrunqget goro__globrunqget
#define globspill goro__globspill
#define globget goro__globget
#define runqempty goro__runqempty
#define runqput goro__runqput
#define runqget goro__runqget
#define runqsteal goro__runqsteal
#define runqnext goro__runqnext
HIDDEN void globrunqputbatch(G *head, G *tail, int64_t n);
HIDDEN G *globrunqget(P *p, int64_t max, G **rest, int64_t *nrest);
HIDDEN void globspill(P *p, G *rest, int64_t n);
HIDDEN G *globget(P *p, int64_t max);
HIDDEN bool runqempty(P *p);
HIDDEN void runqput(P *p, G *g, bool next);
HIDDEN G *runqget(P *p);
HIDDEN G *runqsteal(P *p, P *victim, bool stealnext);
HIDDEN G *runqnext(P *p);

/* findwork.c */
#define acquirep goro__acquirep
#define netpoll_inject goro__netpoll_inject
#define findrunnable goro__findrunnable
HIDDEN void acquirep(M *m, P *p);
HIDDEN G *netpoll_inject(P *p, G *list, int n);
HIDDEN G *findrunnable(M *m);

/* g.c */
#define gfget goro__gfget
#define gfput goro__gfput
#define gdestroy goro__gdestroy
HIDDEN G *gfget(P *p);
HIDDEN void gfput(P *p, G *g);
HIDDEN void gdestroy(P *p, G *g);
#ifdef GORO_RACE
#define race_gostart goro__race_gostart
HIDDEN void race_gostart(G *g);
#else
#define race_gostart(g) ((void)0)
#endif

/* sysmon.c */
#define handoffp goro__handoffp
#define sysmon goro__sysmon
HIDDEN void handoffp(P *p);
HIDDEN void *sysmon(void *arg);

/* run.c */
#define checkdead goro__checkdead
HIDDEN void checkdead(void);

#endif
