/* Syscalls and the monitor thread (see the note at the top of sched.c: syscalls,
 * preemption). goro_syscall_enter leaves the P claimed by its M; goro_syscall_exit takes it
 * back with one CAS, or finds another P, or queues the G globally. sysmon, one thread per
 * process, fires timers, retakes Ps held by long syscalls (handoffp) and asks Ms running one
 * goroutine for 10 ms to preempt it (preempt.c). */
#include <linux/futex.h>
#include <stdint.h>
#include <time.h>

#include "proc.h"

/* ---- syscalls ------------------------------------------------------------------------------ */

/* A goroutine, holding its P; sched lock not held. Pairs with goro_syscall_exit. */
void goro_syscall_enter(void) {
  M *m = goro__getm();
  G *g = m->curg;
  P *p = m->p;
  if (UNLIKELY(!p || g == &m->g0)) crash("goro_syscall_enter: not in a running goroutine");
  XADD_SEQ(&sched.nsyscall, 1);
  STORE_REL(&g->status, G_SYSCALL);
  STORE_RLX(&p->syscalltick, p->syscalltick + 1);
  m->oldp = p;
  m->p = NULL;
  STORE_REL(&p->sysm, m); /* from here sysmon may take p */
}

/* The goroutine of the goro_syscall_enter, on the same M; sched lock not held. */
void goro_syscall_exit(void) {
  int saved = *errno_loc();
  M *m = goro__getm();
  G *g = m->curg;
  P *p = m->oldp;
  m->oldp = NULL;
  M *self = m;
  if (LIKELY(CAS_SEQ(&p->sysm, self, NULL))) { /* still ours */
    m->p = p;
    STORE_REL(&g->status, G_RUNNING);
    XADD_SEQ(&sched.nsyscall, -1);
    *errno_loc() = saved;
    return;
  }
  lock();
  if (LOAD_SEQ(&sched.run_state) == RUN_ACTIVE && !g->orphan) {
    P *p2 = pidleget();
    if (p2) {
      acquirep(m, p2);
      STORE_REL(&g->status, G_RUNNING);
      XADD_SEQ(&sched.nsyscall, -1);
      unlock();
      *errno_loc() = saved;
      return;
    }
  }
  unlock();
  /* no P: queue g globally from g0 (not from its own stack, which another M could then
   * resume), and let this M sleep */
  m->after = AFTER_SYSCALL_REQUEUE;
  m->after_g = g;
  *errno_loc() = saved;
  gswitch(m, g, &m->g0);
  /* resumed by some M holding a P (never for an orphan) */
}

/* sysmon took p from an M in a syscall: give it to an M if there is work for it.
 * sysmon (retake), having won p from its syscall M by CAS on p->sysm; sched lock not held. */
void handoffp(P *p) {
  bool active = LOAD_SEQ(&sched.run_state) == RUN_ACTIVE;
  if (active && (!runqempty(p) || LOAD_SEQ(&sched.gqsize) > 0)) {
    startm(p, false);
    return;
  }
  int zero = 0;
  if (active && LOAD_SEQ(&sched.nmspinning) + LOAD_SEQ(&sched.npidle) == 0 && CAS_SEQ(&sched.nmspinning, zero, 1)) {
    startm(p, true); /* no M is looking for work: this one will */
    return;
  }
  lock();
  if (active && sched.gqsize > 0) {
    unlock();
    startm(p, false);
    return;
  }
  pidleput(p);
  unlock();
}

/* ---- sysmon -------------------------------------------------------------------------------- */

/* Any thread (timer.c when a sooner deadline is set); no lock needed. */
void goro__sysmon_kick(int64_t when) {
  if (when < LOAD_SEQ(&sched.sysmon_deadline)) {
    XADD_SEQ(&sched.sysmon_wake, 1);
    futex(&sched.sysmon_wake, FUTEX_WAKE_PRIVATE, 1, NULL);
  }
}

static struct {
  uint32_t tick;
  int64_t when;
} sysmon_seen[GORO_MAX_PROCS];

/* sysmon only; sched lock not held. */
static int retake(int64_t now) {
  int n = 0;
  bool active = LOAD_SEQ(&sched.run_state) == RUN_ACTIVE;
  for (int i = 0; i < NPROCS; i++) {
    P *p = &allp[i];
    M *sm = LOAD_SEQ(&p->sysm);
    if (!sm) {
      sysmon_seen[i].when = 0;
      continue;
    }
    uint32_t t = LOAD_SEQ(&p->syscalltick);
    if (sysmon_seen[i].when == 0 || sysmon_seen[i].tick != t) {
      sysmon_seen[i].tick = t;
      sysmon_seen[i].when = now;
      continue;
    }
    int64_t in = now - sysmon_seen[i].when;
    if (in < 20000) continue;
    /* nothing waits for this P and someone is free to look: leave it for a while */
    if (active && runqempty(p) && LOAD_SEQ(&sched.gqsize) == 0 &&
        LOAD_SEQ(&sched.nmspinning) + LOAD_SEQ(&sched.npidle) > 0 && in < 10000000)
      continue;
    if (CAS_SEQ(&p->sysm, sm, NULL)) {
      sysmon_seen[i].when = 0;
      INC(p->handoffs);
      handoffp(p);
      n++;
    }
  }
  return n;
}

/* Go's forcePreemptNS: a goroutine that has run this long without a switch is asked to
 * leave its M (preempt.c). Per M rather than per P as in Go: the M is what gets the signal,
 * and its schedtick moves at every switch. */
#define FORCE_PREEMPT_NS 10000000
/* sysmon only (it alone writes pm_tick/pm_when); sched lock not held. */
static void preempt_long_running(int64_t now) {
  for (M *m = LOAD_SEQ(&allm); m; m = m->alllink) {
    G *g = LOAD_RLX(&m->curg);
    uint32_t t = LOAD_RLX(&m->schedtick);
    if (!g || g == &m->g0 || LOAD_SEQ(&g->status) != G_RUNNING || m->pm_when == 0 || m->pm_tick != t) {
      m->pm_tick = t;
      m->pm_when = now;
      continue;
    }
    if (now - m->pm_when >= FORCE_PREEMPT_NS && LOAD_SEQ(&m->tid) != 0) goro__preempt_m(m, g);
  }
}

/* Its own thread, started once by runtime_init; never holds a P. */
void *sysmon(void *arg) {
  (void)arg;
  int64_t delay = 20000;
  int idle = 0;
  for (;;) {
    uint32_t seq = LOAD_SEQ(&sched.sysmon_wake);
    int state = LOAD_SEQ(&sched.run_state);
    if (state == RUN_IDLE) {
      STORE_REL(&sched.sysmon_deadline, INT64_MAX);
      struct timespec ts = {0, 100000000};
      futex(&sched.sysmon_wake, FUTEX_WAIT_PRIVATE, seq, &ts);
      continue;
    }
    int64_t now = goro_nanotime();
    size_t fired = 0;
    int64_t next_timer;
    lock();
    if (state == RUN_ACTIVE) fired = goro__timer_fire(now, &next_timer);
    unlock();
    for (size_t i = 0; i < fired && LOAD_SEQ(&sched.npidle) > 0; i++) goro__wakep();
    int n = retake(now);
    if (state == RUN_ACTIVE && goro__preempt_enabled()) preempt_long_running(now);
    if (fired || n) idle = 0;
    else idle++;
    if (idle == 0) delay = 20000;
    else if (idle > 50 && delay < 10000000) delay *= 2;
    int64_t until = now + delay;
    STORE_REL(&sched.sysmon_deadline, until);
    next_timer = goro__timer_next();
    if (next_timer < until) until = next_timer;
    int64_t wait = until - goro_nanotime();
    if (wait <= 0) continue;
    struct timespec ts = {wait / 1000000000, wait % 1000000000};
    futex(&sched.sysmon_wake, FUTEX_WAIT_PRIVATE, seq, &ts);
  }
  return NULL;
}
