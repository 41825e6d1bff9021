/* Finding work for an M whose P ran dry (see the note at the top of sched.c: spinning Ms and
 * the wake-up invariant, network I/O). Everything here runs on g0. findrunnable is the loop:
 * local queues, the netpoller, stealing, a bounded spin, then giving up the P, with the
 * second look after it stopped counting as spinning; an M without a P blocks in epoll_wait
 * (netpoll_block) or on its futex (stopm). */
#include <stdint.h>

#include "proc.h"

/* ---- finding work (on g0) ------------------------------------------------------------------ */

/* On m's own thread, m without a P; p taken off the idle list or handed over (nextp). */
void acquirep(M *m, P *p) { m->p = p; }

/* On g0 of m, a spinning M that found work; sched lock not held. */
static void resetspinning(M *m) {
  m->spinning = false;
  XADD_SEQ(&sched.nmspinning, -1);
  goro__wakep(); /* we found work: maybe there is more, let another M look */
}

static bool anywork(P *self);

/* Found exactly the work this M will run: stop spinning without waking another M unless
 * work is waiting elsewhere (it may have been queued relying on this spinner). One echo
 * round trip whose reply the spinner picked up from the netpoller otherwise woke the other
 * M for nothing: ~1 futex wake per 10 round trips, 15% slower than GOMAXPROCS=1.
 * On g0 of m, a spinning M that found exactly its own work; sched lock not held. */
static void stopspinning(M *m, P *p) {
  m->spinning = false;
  XADD_SEQ(&sched.nmspinning, -1);
  if (anywork(p)) goro__wakep();
}

/* On g0 of m, owner of p and spinning; sched lock not held. */
static G *stealwork(M *m, P *p) {
  int n = NPROCS;
  for (int round = 0; round < 4; round++) {
    uint32_t start = fastrand(m) % (uint32_t)n;
    for (int i = 0; i < n; i++) {
      P *v = &allp[(start + (uint32_t)i) % (uint32_t)n];
      if (v == p) continue;
      G *g = runqsteal(p, v, round == 3);
      if (g) {
        INC(p->steals);
        return g;
      }
    }
    if (LOAD_SEQ(&sched.gqsize) > 0) {
      G *g = globget(p, 0);
      if (g) return g;
    }
  }
  return NULL;
}

/* Any M, no lock: a snapshot of the global queue and the other Ps' rings. */
static bool anywork(P *self) {
  if (LOAD_SEQ(&sched.gqsize) > 0) return true;
  for (int i = 0; i < NPROCS; i++)
    if (&allp[i] != self && !runqempty(&allp[i])) return true;
  return false;
}

/* Before giving up its P, a spinning M keeps looking for SPIN_NS: work that appears in that
 * window (the next burst of goro_go, a goroutine readied on a busy P) is taken at once
 * instead of after a futex sleep and wake-up (microseconds here). Bounded, and only while
 * the spinning limit above allows this M to spin at all. */
#define SPIN_NS 50000
/* On g0 of m, owner of p and spinning; sched lock not held. */
static G *spinwork(M *m, P *p) {
  int64_t until = goro_nanotime() + SPIN_NS;
  do {
    for (int k = 0; k < 64; k++) cpu_relax();
    if (LOAD_SEQ(&sched.run_state) != RUN_ACTIVE) return NULL;
    if (!runqempty(p)) return runqget(p);
    if (LOAD_SEQ(&goro__netpoll_nwait) > 0 && goro__netpoll_inited()) {
      /* I/O that became ready while no P was idle (nobody blocks in epoll_wait then) */
      int n;
      G *list = goro__netpoll(0, false, &n); /* before n is read */
      G *g = netpoll_inject(p, list, n);
      if (g) {
        if (n == 1) stopspinning(m, p); /* one G: nothing to fan out (inject woke for more) */
        return g;
      }
    }
    if (anywork(p)) {
      G *g = stealwork(m, p);
      if (g) return g;
    }
  } while (goro_nanotime() < until);
  return NULL;
}

/* Hand the goroutines of a netpoll list to p: the first to run now, the others queued.
 * Owner P only; sched lock not held. list from goro__netpoll. */
G *netpoll_inject(P *p, G *list, int n) {
  if (!list) return NULL;
  for (G *g = list->schedlink; g;) {
    G *next = g->schedlink;
    runqput(p, g, false);
    g = next;
  }
  if (n > 1) goro__wakep(); /* more than this M will run soon: let an idle P steal */
  return list;
}

/* No P runs goroutines: each is idle or held by a goroutine in a syscall (whose M will not poll
 * until the call returns).
 * Any M, no lock: a snapshot. */
static bool no_p_running(void) {
  int n = LOAD_SEQ(&sched.npidle);
  for (int i = 0; i < NPROCS && n < NPROCS; i++)
    if (LOAD_SEQ(&allp[i].sysm)) n++;
  return n >= NPROCS;
}

/* An M without a P while goroutines wait on I/O: block in epoll_wait (one M at a time) up to
 * the next timer, instead of on the futex. Returns with m->p set if it came back with work
 * (the G to run, or NULL to look for it) or was handed a P by startm; else with no P, and
 * *polled says whether it was the poller (which then polls again rather than sleep, so that
 * while goroutines wait on I/O some M always watches the epoll set).
 * findrunnable only, on g0 of m without a P; sched lock not held. */
static G *netpoll_block(M *m, bool *polled) {
  *polled = false;
  /* only while no P runs goroutines: a running P's M polls when it runs dry (and every 61st
   * schedule), and an M blocked in epoll_wait beside it would only be woken by the kernel for
   * events the busy M takes first (measured: a context switch every third echo round trip) */
  if (!goro__netpoll_inited() || LOAD_SEQ(&goro__netpoll_nwait) <= 0 || LOAD_SEQ(&sched.run_state) != RUN_ACTIVE ||
      !no_p_running())
    return NULL;
  M *none = NULL;
  if (!CAS_SEQ(&sched.pollm, none, m)) return NULL; /* another M is the poller */
  *polled = true;
  int64_t delay = -1, next = goro__timer_next();
  if (next != INT64_MAX) {
    delay = next - goro_nanotime();
    if (delay < 0) delay = 0;
  }
  int n;
  G *list = goro__netpoll(delay, true, &n); /* returns holding the sched lock */
  P *p = NULL;
  if (LOAD_SEQ(&sched.pollm) == m) {
    STORE_REL(&sched.pollm, NULL);
  } else { /* startm took us: its P is in nextp */
    p = m->nextp;
    m->nextp = NULL;
  }
  if (LOAD_SEQ(&sched.run_state) != RUN_ACTIVE) {
    list = NULL; /* the run's goroutines are being discarded */
    if (p) {
      if (m->spinning) {
        m->spinning = false;
        XADD_SEQ(&sched.nmspinning, -1);
      }
      pidleput(p);
      p = NULL;
    }
    unlock();
    return NULL;
  }
  int64_t now = goro_nanotime(), nt;
  size_t fired = goro__timer_fire(now, &nt); /* due timers: this M is awake anyway */
  if (!p && (list || fired)) p = pidleget();
  if (!p) {
    if (list) { /* every P is busy: they take these from the global queue */
      G *tail = list;
      while (tail->schedlink) tail = tail->schedlink;
      globrunqputbatch(list, tail, n);
    }
    unlock();
    return NULL;
  }
  unlock();
  acquirep(m, p);
  if (fired > 1) goro__wakep();
  return netpoll_inject(p, list, n);
}

/* Block until there is a G to run on this M; returns with m->p held.
 * mloop only, on g0 of m (with or without a P); sched lock not held. */
G *findrunnable(M *m) {
  for (;;) {
    if (!m->p) {
      bool polled;
      G *g = netpoll_block(m, &polled);
      if (m->p) {
        if (g) {
          if (m->spinning) resetspinning(m);
          return g;
        }
        continue;
      }
      if (polled) continue;
      stopm(m);
      acquirep(m, m->nextp);
      m->nextp = NULL;
      continue;
    }
    P *p = m->p;
    if (LOAD_SEQ(&sched.run_state) != RUN_ACTIVE) {
      if (m->spinning) {
        m->spinning = false;
        XADD_SEQ(&sched.nmspinning, -1);
      }
      m->p = NULL;
      lock();
      pidleput(p);
      unlock();
      continue;
    }
    G *g = runqnext(p);
    if (!g && LOAD_SEQ(&goro__netpoll_nwait) > 0 && goro__netpoll_inited()) {
      /* before stealing, as Go: I/O that is ready costs one epoll_wait, not a steal round */
      int n;
      G *list = goro__netpoll(0, false, &n); /* before n is read */
      g = netpoll_inject(p, list, n);
    }
    if (!g && NPROCS > 1) {
      if (!m->spinning && 2 * LOAD_SEQ(&sched.nmspinning) < NPROCS - LOAD_SEQ(&sched.npidle)) {
        m->spinning = true;
        XADD_SEQ(&sched.nmspinning, 1);
      }
      if (m->spinning) g = stealwork(m, p);
      if (!g && m->spinning) g = spinwork(m, p);
    }
    if (g) {
      if (m->spinning) resetspinning(m);
      return g;
    }
    /* nothing anywhere: give up the P */
    lock();
    if (LOAD_SEQ(&sched.run_state) == RUN_ACTIVE && sched.gqsize > 0) {
      G *rest;
      int64_t nrest;
      g = globrunqget(p, 0, &rest, &nrest);
      unlock();
      globspill(p, rest, nrest);
      if (m->spinning) resetspinning(m);
      return g;
    }
    m->p = NULL;
    bool wasspinning = m->spinning;
    if (wasspinning) {
      /* under the lock and before the P goes idle, so that once every P is idle no M
       * still owes nmspinning a decrement (a run's end waits for exactly that state) */
      m->spinning = false;
      XADD_SEQ(&sched.nmspinning, -1);
    }
    pidleput(p);
    unlock();
    if (wasspinning) {
      /* the wake-up invariant: look again after no longer counting as spinning */
      bool work = LOAD_SEQ(&sched.gqsize) > 0;
      for (int i = 0; !work && i < NPROCS; i++) work = !runqempty(&allp[i]);
      if (work) {
        lock();
        P *p2 = LOAD_SEQ(&sched.run_state) == RUN_ACTIVE ? pidleget() : NULL;
        unlock();
        if (p2) {
          acquirep(m, p2);
          m->spinning = true;
          XADD_SEQ(&sched.nmspinning, 1);
          continue;
        }
      }
    }
  }
}
