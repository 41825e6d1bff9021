/* Goroutine scheduler.
 *
 * The scheduler's job is to run goroutines (G) on OS threads (M) while never letting more
 * than GOMAXPROCS of them run user code at once. The right to run user code is a P
 * (processor): an M must hold a P to run a G. The design follows Go's runtime/proc.go.
 *
 *   G  a goroutine: saved stack pointer, lazily assigned stack slot (stack.c), status, wait
 *      reason, and `gsync` state owned by the packages above the core. Gs come from chunks
 *      and are recycled through per-P and global free lists; goroutine ids come from per-P
 *      batches of a global counter.
 *   M  an OS thread. Its own pthread stack is "g0", which runs the idle loop (mloop). Ms are
 *      created on demand and never exit; an idle M sleeps on a futex word of its own.
 *   P  holds a local run queue (a ring of 256 Gs: the owner pushes at the tail, the owner and
 *      thieves take from the head by CAS on runqhead), a runnext slot, caches of free Gs and
 *      stack slots, and the counters goro_stats reports.
 *
 * Where a runnable G lives. goro_go and goro__ready put it in the current P's runnext (the
 * G it displaces moves to the ring): a G that wakes another runs it next, on a warm cache.
 * runqget takes runnext first, but at most 61 times in a row, so runnext ping-pong cannot
 * starve the ring. A full ring moves half of itself plus the new G to the global queue
 * (runqputslow). The global queue (batches under the sched lock) also takes goroutines woken
 * by timers and by syscall exits that found no P; every 61st schedule of a P looks at it
 * first so it cannot starve. An M whose P has nothing steals half of a random victim's ring
 * (runqsteal/runqgrab), the victim's runnext only on the last round.
 *
 * Switching. A switch is G-to-G on the same M with no trip through g0 when there is other
 * work (park_m): the M records what to do with the G it leaves (m->after: requeue it for a
 * yield, mark it waiting and run the park's commit callback, free it at exit) and the G it
 * lands on does that in finish_switch, once nobody is on the old stack any more. Only when
 * the P has nothing runnable does the M switch to g0 and look further (findrunnable).
 *
 * Spinning Ms and the wake-up invariant. An M with a P and no work "spins": it looks at the
 * global queue and steals, counted in sched.nmspinning, and there are never more spinning
 * Ms than half the busy Ps. New work (goro_go, ready, timers, syscall exit) calls wakep,
 * which starts an M on an idle P only if there is an idle P and no M spinning: a spinning M
 * will find the work. That is safe because of the order on both sides:
 *     submitter: publish G in a queue; then read nmspinning (seq_cst).
 *     spinner:   decrement nmspinning (seq_cst); then look at every queue again.
 * Either the submitter sees nmspinning == 0 and wakes someone, or the spinner's second look
 * sees the G. An M that finds work while spinning stops spinning and calls wakep itself, so
 * a burst of work fans out one M at a time. Ms sleep on a futex word (stopm/startm): the
 * waker sets the word before FUTEX_WAKE and the sleeper tests it before FUTEX_WAIT.
 *
 * Syscalls. goro_syscall_enter leaves the P in p->sysm (the M's claim) without releasing it;
 * goro_syscall_exit takes it back with one CAS. The monitor thread (sysmon) sees a P whose
 * syscalltick has not moved for 20 us and, if there is work for it, wins the same CAS and
 * hands the P to another M (handoffp). An exiting M that lost its P tries an idle one, else
 * queues its G globally and goes to sleep. sysmon also fires timers (timer.c); it polls every
 * 20 us, backing off to 10 ms when idle, and sleeps until the next timer when that is sooner.
 *
 * Preemption (preempt.c has the design). sysmon also walks every M (allm) and asks one whose
 * goroutine has run 10 ms without a switch to leave it: each M's schedtick moves at every
 * gswitch (one relaxed add on the M's own line: the only cost on the switch path), and the
 * signal handler accepts only where the goroutine is in the program's own code and the M is
 * not finishing a switch. That last condition is why finish_switch clears m->after only when
 * it is done: a park's commit runs there and may be program code. A preempted goroutine
 * yields through park_m(AFTER_PREEMPT) and goes to the global queue, as in Go.
 *
 * Network I/O (netpoll.c). A goroutine waiting on a socket is parked in its descriptor's wait
 * record, counted in goro__netpoll_nwait. An M whose P runs out of work polls the epoll set
 * without blocking before it steals (and while it spins, and every 61st schedule); an M that
 * idles the last P while goroutines wait on I/O blocks in epoll_wait (sched.pollm) up to the
 * next timer instead of on its futex, and startm hands it a P through the netpoller's eventfd
 * when no M sleeps on a futex. While any P is busy nobody blocks in epoll_wait: the kernel
 * would wake that M for every event the busy M then takes first.
 *
 * Deadlock. Checked when the last P goes idle (pidleput, sched lock held): if no goroutine is
 * in a syscall, none sleeps on a timer or waits on I/O and the global queue is empty, nothing can ever
 * wake a goroutine again, so the run ends with Go's message listing the parked goroutines.
 * Runnable Gs are always on a queue owned by a P that is not idle, on the global queue, in
 * the timer heap, or counted in nsyscall, and each move between them happens under the
 * sched lock or on a P that is not idle, so the check cannot see a G in flight.
 *
 * Stacks (stack.c). Slots of 512 KiB (64 KiB guard at the low end) carved out of 64 GiB
 * MAP_NORESERVE reservations, so a million stacks are ~8 VMAs: the guards are installed with
 * MADV_GUARD_INSTALL, which does not split a VMA, and the kernel commits stack pages only
 * when touched. That is why 1M parked goroutines fit under vm.max_map_count = 65530.
 *
 * Runs. The runtime starts once per process; goro_run makes goroutine 1, wakes an M and
 * sleeps on a condition variable. The calling thread never becomes an M. When main returns
 * (or a panic, fatal error or deadlock ends the run) every M drops its P at its next
 * schedule point; once all Ps are idle the goro_run thread reclaims every G and stack slot.
 * A G stuck in a syscall is left as an orphan and freed when its syscall returns.
 * The teardown invariant: a park's commit always runs, also when the run has ended. A
 * goroutine takes a runtime lock (a channel's, every channel of a select, a semaphore's)
 * before goro__park and only the commit, on the next stack, releases it; so park_m, which
 * abandons a yielding or ending goroutine once the run is over, still parks a parking one
 * (switching to g0, whose finish_switch runs the commit) and never drops it with the lock
 * held. Otherwise a goroutine of the same run spins on that lock forever and the run never
 * becomes quiescent, or a value that outlives the run keeps a held lock
 * (native/tests/test_teardown.c).
 *
 * TLS. A G may resume on another M after any switch, so the current M is always read
 * through goro__getm (noipa, with a compiler barrier) and never cached across a switch;
 * errno is saved and restored per G for the same reason.
 *
 * Sanitizers. Under ASan a switch announces the new stack; under TSan each G is a fiber. In
 * a race build (GORO_RACE, race.h) the runtime is not instrumented: each goroutine gets a
 * fresh fiber from its spawner, switches carry no implicit ordering, a dead goroutine's stack
 * shadow is reset, and sync.c/chan.c report the happens-before edges they create.
 *
 * Files. This file keeps the overview (this note), the per-thread state, the futex notes, idle
 * Ps and Ms, switching (gswitch, finish_switch, park_m, park/ready) and an M's start (mstart,
 * mloop). The rest is split by concern, with proc.h as the common ground: runq.c (the global
 * queue and the local rings), findwork.c (spinning, stealing, the netpoller block,
 * findrunnable), g.c (G allocation, ids, race glue, goro_go), sysmon.c (syscall enter/exit,
 * hand-off, the monitor: retake, preemption requests, timers), run.c (goro_run, checkdead,
 * stats). Each verb has a one-line contract above it: who calls it and which lock it needs;
 * "sched lock held" is checked by ASSERT_SCHEDLOCK_HELD (core.h) in debug and sanitizer
 * builds, and a broken invariant throws (crash: "fatal error: <function>: ...", abort), as
 * Go's throw, never a silent return. Atomics name their memory order (core.h).
 */
#include <errno.h>
#include <linux/futex.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "proc.h"

#ifdef GORO_ASAN
#include <sanitizer/asan_interface.h>
#include <sanitizer/common_interface_defs.h>
#endif
#ifdef GORO_FIBERS
#include <sanitizer/tsan_interface.h>
#endif

/* adaptive: the critical sections are a few list operations, so a contender spins briefly
 * instead of paying a futex sleep and wake-up (measured: 9% of a spawn storm at P=2) */
pthread_mutex_t goro__schedlock = PTHREAD_ADAPTIVE_MUTEX_INITIALIZER_NP;
#ifdef GORO_DEBUG
uintptr_t goro__schedlock_owner;
#endif
uint32_t goro__run_id;

struct schedt sched = {.procs = 0, .gfree = {.lock = PTHREAD_MUTEX_INITIALIZER}};
P allp[GORO_MAX_PROCS];
M *allm;

/* ---- TLS, clock, futex -------------------------------------------------------------------- */

static __thread M *tls_m __attribute__((tls_model("initial-exec")));

/* Never inlined, never analysed: the compiler must not keep an M (or a TLS address) from
 * before a switch, because after it the goroutine may be on another thread.
 * Any thread; NULL outside an M. Re-read after every switch, never cached. */
NOIPA M *goro__getm(void) {
  M *m = tls_m;
  __asm__ volatile("" : "+r"(m)::"memory");
  return m;
}

/* Any thread: the calling thread's errno, read through an opaque call for the same reason. */
NOIPA int *errno_loc(void) {
  int *e = &errno;
  __asm__ volatile("" : "+r"(e)::"memory");
  return e;
}

/* Any thread; NULL outside an M, the M's g0 on g0. */
G *goro__getg(void) {
  M *m = goro__getm();
  return m ? m->curg : NULL;
}

/* Any thread holding g (the packages above the core). */
uint64_t goro__goid(G *g) { return g->goid; }
#ifdef GORO_RACE
/* Any thread holding g; race builds only (race.h). */
void *goro__race_token(G *g) { return g->race_token; }
#endif
/* Any thread holding g: the state the packages above the core keep per goroutine. */
struct goro_gsync *goro__gsync(G *g) { return &g->gsync; }

/* Any thread: CLOCK_MONOTONIC in nanoseconds. */
int64_t goro_nanotime(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Any thread: the raw futex system call (notes here, sysmon's wake-up word). */
long futex(uint32_t *uaddr, int op, uint32_t val, const struct timespec *ts) {
  return syscall(SYS_futex, uaddr, op, val, ts, NULL, 0);
}

/* Any thread, at most once per notesleep: sets the word, then wakes its sleeper. */
void notewakeup(uint32_t *w) {
  STORE_REL(w, 1);
  futex(w, FUTEX_WAKE_PRIVATE, 1, NULL);
}

/* The M that owns the word only, on g0, with no P and no lock held. */
void notesleep(uint32_t *w) {
  while (LOAD_SEQ(w) == 0) futex(w, FUTEX_WAIT_PRIVATE, 0, NULL);
  STORE_REL(w, 0);
}

/* Any file of the runtime, on a broken invariant (Go's throw): the process cannot go on. */
_Noreturn void crash(const char *msg) {
  fprintf(stderr, "fatal error: %s\n", msg);
  abort();
}

/* ---- idle Ps and Ms ------------------------------------------------------------------------ */

/* Sched lock held. Any M (startm, syscall exit, netpoll_block, findrunnable). */
P *pidleget(void) {
  ASSERT_SCHEDLOCK_HELD();
  P *p = sched.pidle;
  if (p) {
    sched.pidle = p->link;
    XADD_SEQ(&sched.npidle, -1);
  }
  return p;
}

/* Sched lock held; p has no M and its queues hold no G of an active run. May run checkdead. */
void pidleput(P *p) {
  ASSERT_SCHEDLOCK_HELD();
  p->link = sched.pidle;
  sched.pidle = p;
  if (XADD_SEQ(&sched.npidle, 1) + 1 == NPROCS) checkdead();
}

/* Sched lock held. startm, checkdead. */
M *mget(void) {
  ASSERT_SCHEDLOCK_HELD();
  M *m = sched.midle;
  if (m) sched.midle = m->schedlink;
  return m;
}

static void *mstart(void *arg);

/* Any thread, no lock held (it creates a thread): startm, checkdead. */
void newm(P *p, bool spinning) {
  M *m = calloc(1, sizeof *m);
  if (!m) crash("goro: out of memory for a thread");
  m->alllink = LOAD_SEQ(&allm);
  while (!CAS_SEQ(&allm, m->alllink, m)) {
  }
  m->nextp = p;
  m->spinning = spinning;
  m->id = (int)XADD_SEQ(&sched.mcount, 1);
  m->fastrand = 0x9E3779B97F4A7C15ull * (uint64_t)(m->id + 1);
  pthread_t th;
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
  int rc = pthread_create(&th, &attr, mstart, m);
  pthread_attr_destroy(&attr);
  if (rc != 0) {
    errno = rc;
    perror("fatal error: goro: creating a thread");
    abort();
  }
}

/* Run p (or an idle P if NULL) on an idle or new M.
 * Sched lock not held (it takes it). spinning: the caller already counted the M in nmspinning. */
void startm(P *p, bool spinning) {
  lock();
  if (!p) {
    p = pidleget();
    if (!p) {
      if (spinning) XADD_SEQ(&sched.nmspinning, -1); /* under the lock: see findrunnable */
      unlock();
      return;
    }
  }
  M *m = mget();
  if (!m && LOAD_SEQ(&sched.pollm)) {
    /* no M asleep on its futex: wake the one in epoll_wait instead of making a thread; it
     * reads nextp under this lock once it is back (netpoll_block) */
    m = LOAD_SEQ(&sched.pollm); /* only set lock-free from NULL: stable while we hold the lock */
    STORE_REL(&sched.pollm, NULL);
    m->spinning = spinning;
    m->nextp = p;
    unlock();
    goro__netpoll_break();
    return;
  }
  unlock();
  if (!m) {
    newm(p, spinning);
    return;
  }
  m->spinning = spinning;
  m->nextp = p;
  notewakeup(&m->park);
}

/* New work exists: if a P is idle and nobody is spinning, wake one M to go and find it.
 * Any thread, sched lock not held, after publishing the work (the wake-up invariant). */
void goro__wakep(void) {
  if (LOAD_SEQ(&sched.npidle) == 0) return;
  int zero = 0;
  if (LOAD_SEQ(&sched.nmspinning) != 0 || !CAS_SEQ(&sched.nmspinning, zero, 1)) return;
  startm(NULL, true);
}

/* On g0 of m, with no P and sched lock not held; returns once startm handed m a P (m->nextp). */
void stopm(M *m) {
  lock();
  m->schedlink = sched.midle;
  sched.midle = m;
  unlock();
  notesleep(&m->park);
}

/* ---- switching ----------------------------------------------------------------------------- */

#ifdef GORO_FIBERS
#ifdef GORO_RACE
#define FIBER_SWITCH_FLAGS __tsan_switch_to_fiber_no_sync /* race.h: edges are explicit */
#else
#define FIBER_SWITCH_FLAGS 0 /* the instrumented scheduler hands data to whom it switches to */
#endif
/* gswitch only, on the M switching to g. */
static void *tsan_fiber(G *g) {
  if (!g->tsan_fiber) g->tsan_fiber = __tsan_create_fiber(0);
  return g->tsan_fiber;
}
#endif

/* gswitch only, owner P, before g first runs (g->slot == NOSLOT). */
static void stack_assign(P *p, G *g) {
  g->slot = goro__stack_get(p);
  char *base = goro__stack_base(g->slot);
  g->stack_lo = base + STACK_GUARD;
  g->stack_hi = base + STACK_SLOT;
#ifdef GORO_ASAN
  __asan_unpoison_memory_region(g->stack_lo, (size_t)(g->stack_hi - g->stack_lo)); /* old redzones */
#endif
  /* the frame goro__ctx_switch pops (core.h, per architecture); 64 spare bytes above it */
  g->sp = goro__ctx_newframe(g->stack_hi - 64);
  g->min_sp = (char *)g->sp;
}

/* finish_switch and goro__ready; p is the caller's own P (owner P only) or NULL off an M. */
static void ready(P *p, G *g) {
  STORE_REL(&g->status, G_RUNNABLE);
  if (p) {
    runqput(p, g, true);
  } else {
    lock();
    goro__globrunqput(g);
    unlock();
  }
  goro__wakep();
}

/* Small-stack mode (stack_copy.c): a pass may claim a waiting g (G_WAITING -> G_RECLAIMING)
 * between a waker's look at the status and its store of G_RUNNABLE, and then copy and guard
 * a stack that is already running. So the waker takes g out of G_WAITING by CAS, and waits
 * out a pass that holds it. Called by wakers (goro__ready, a failed park commit); no lock. */
static bool unwait(G *g) {
  if (LIKELY(!goro__small)) return LOAD_SEQ(&g->status) == G_WAITING;
  int w = G_WAITING;
  return CAS_SEQ(&g->status, w, G_RUNNABLE);
}

/* We are off the stack of m->after_g: finish what its switch started.
 * The G (or g0) just switched to, on m, before anything else runs there; sched lock not held. */
static void finish_switch(M *m) {
  int a = m->after;
  if (a == AFTER_NONE) return;
  G *g = m->after_g;
  P *p = m->p;
  switch (a) {
  case AFTER_YIELD:
    STORE_REL(&g->status, G_RUNNABLE);
    runqput(p, g, false);
    break;
  case AFTER_PARK: {
    bool (*commit)(void *) = m->commit;
    void *arg = m->commit_arg;
    m->commit = NULL;
    bool note = UNLIKELY(goro__small) && __atomic_load_n(&g->stk_ok, __ATOMIC_RELAXED); /* g's, before commit */
    STORE_REL(&g->status, G_WAITING);
    if (commit && !commit(arg)) {
      /* the wait is already over: run it again */
      while (!unwait(g)) cpu_relax();
      ready(p, g);
    } else if (note) {
      goro__small_parked(p, g); /* stack_copy.c: may copy its stack aside later */
    }
    break;
  }
  case AFTER_EXIT:
    INC(p->exits);
    gdestroy(p, g);
    gfput(p, g);
    break;
  case AFTER_ABANDON:
    STORE_REL(&g->status, G_DEAD); /* reclaimed when the run is cleaned up */
    break;
  case AFTER_SYSCALL_REQUEUE:
    lock();
    if (g->orphan) {
      gdestroy(NULL, g);
      unlock();
      gfput(NULL, g);
      break;
    }
    if (LOAD_SEQ(&sched.run_state) == RUN_ACTIVE) {
      STORE_REL(&g->status, G_RUNNABLE);
      goro__globrunqput(g);
    } else {
      STORE_REL(&g->status, G_DEAD);
    }
    XADD_SEQ(&sched.nsyscall, -1);
    unlock();
    goro__wakep();
    break;
  case AFTER_PREEMPT:
    STORE_REL(&g->status, G_RUNNABLE);
    lock();
    goro__globrunqput(g);
    unlock();
    break;
  default:
    crash("finish_switch: unknown m->after");
  }
  /* cleared last: until here a commit callback may be running, and the preemption signal
   * handler reads m->after != AFTER_NONE as "inside the scheduler" (preempt.c) */
  m->after = AFTER_NONE;
}

/* gswitch only, on self's stack once it runs again. */
static void after_switch(G *self) {
#ifdef GORO_ASAN
  __sanitizer_finish_switch_fiber(self->asan_fake_stack, NULL, NULL);
#endif
  finish_switch(goro__getm());
  *errno_loc() = self->saved_errno;
}

/* Switch this M from `from` (the running context) to `to`. Returns when `from` runs again,
 * possibly on another M.
 * On from's stack, m being the current M and m->after set for from; sched lock not held. */
void gswitch(M *m, G *from, G *to) {
  P *p = m->p;
  if (to != &m->g0) {
    if (UNLIKELY(to->slot == NOSLOT)) stack_assign(p, to);
    else if (UNLIKELY(to->saved)) goro__small_restore(to); /* stack_copy.c */
    STORE_RLX(&to->status, G_RUNNING);
  }
  STORE_RLX(&m->curg, to); /* sysmon reads curg and schedtick (preempt.c) */
  INC(m->schedtick);
  if (p) INC(p->switches);
  from->saved_errno = *errno_loc();
  char *sp = __builtin_frame_address(0);
  if (sp < from->min_sp) from->min_sp = sp;
#ifdef GORO_ASAN
  __sanitizer_start_switch_fiber(m->after == AFTER_EXIT ? NULL : &from->asan_fake_stack, to->stack_lo,
                                 (size_t)(to->stack_hi - to->stack_lo));
#endif
#ifdef GORO_FIBERS
  __tsan_switch_to_fiber(to == &m->g0 ? to->tsan_fiber : tsan_fiber(to), FIBER_SWITCH_FLAGS);
#endif
  goro__ctx_switch(&from->sp, to->sp);
  after_switch(from);
}

/* A fresh goroutine's first C frame (entered from goro__ctx_trampoline). */
__attribute__((visibility("hidden"), noreturn)) void goro__gstart(void);
/* goro__ctx_trampoline only, the first frame of a new goroutine. */
void goro__gstart(void) {
#ifdef GORO_ASAN
  __sanitizer_finish_switch_fiber(NULL, NULL, NULL);
#endif
  finish_switch(goro__getm());
  *errno_loc() = 0;
  G *g = goro__getg();
  g->fn(g->arg);
  g = goro__getg();
  if (g->gsync.defers) goro__defers_at_exit();
  goro__goexit();
}

/* Leave the current goroutine with `action` and run something else on this M. Returns only
 * when the goroutine runs again (never for AFTER_EXIT/AFTER_ABANDON).
 * A goroutine (not g0) on its own stack, its M holding a P; no lock held but the park's own. */
static void park_m(int action) {
  M *m = goro__getm();
  if (UNLIKELY(!m || m->curg == &m->g0)) crash("goro: blocking call outside a goroutine");
  G *g = m->curg;
  P *p = m->p;
  G *next;
  if (UNLIKELY(LOAD_SEQ(&sched.run_state) != RUN_ACTIVE)) {
    next = &m->g0;
    /* a park keeps its action: its commit releases the lock the goroutine parks under (the
     * teardown invariant in the note at the top) */
    if (action != AFTER_EXIT && action != AFTER_PARK) action = AFTER_ABANDON;
  } else {
    next = runqnext(p);
    if (!next) {
      if (action == AFTER_YIELD) return; /* nothing else to run: keep going */
      if (action == AFTER_PREEMPT) {
        INC(m->schedtick); /* sysmon: a new 10 ms slice, not a signal every tick */
        return;
      }
      next = &m->g0;
    }
  }
  m->after = action;
  m->after_g = g;
  gswitch(m, g, next);
}

/* A goroutine, no runtime lock held. */
void goro_yield(void) { park_m(AFTER_YIELD); }

/* preempt.c only, from the async preemption frame of the goroutine. */
void goro__preempt_park(void) { park_m(AFTER_PREEMPT); }

/* A goroutine; commit(arg) runs on the next stack and releases the lock the caller holds. */
void goro__park(const char *reason, bool (*commit)(void *arg), void *arg) {
  M *m = goro__getm();
  G *g = m->curg;
  g->waitreason = reason;
  if (UNLIKELY(goro__small)) goro__small_park_note(g, commit, arg); /* stack_copy.c */
  m->commit = commit;
  m->commit_arg = arg;
  INC(m->p->parks);
  park_m(AFTER_PARK);
}

/* Any goroutine or thread that took g off a wait queue (under that queue's lock or its commit). */
void goro__ready(G *g) {
  /* a waker may get here before the parking M has marked g waiting: wait that moment out */
  for (long spins = 0; !unwait(g); spins++) {
    if (spins < 1000) cpu_relax();
    else if (spins < 1000000) sched_yield();
    else crash("goro__ready: the goroutine is not waiting");
  }
  M *m = goro__getm();
  ready(m ? m->p : NULL, g);
}

/* A goroutine, on its own stack, deferred calls already run. */
_Noreturn void goro__goexit(void) {
  park_m(AFTER_EXIT);
  crash("goro: a dead goroutine was resumed");
}

/* End the run with msg, which becomes the run's (freed by goro_run; not leaked when another
 * ending won the race).
 * A goroutine; sched lock not held. */
static _Noreturn void end_run_owned(int status, char *msg) {
  lock();
  if (LOAD_SEQ(&sched.run_state) == RUN_ACTIVE) {
    sched.status = status;
    sched.msg = msg;
    msg = NULL;
    STORE_REL(&sched.run_state, RUN_ENDED);
    pthread_cond_broadcast(&sched.runcond);
  }
  unlock();
  free(msg);
  park_m(AFTER_ABANDON);
  crash("goro: an abandoned goroutine was resumed");
}

/* A goroutine; sched lock not held. */
_Noreturn void goro__end_run(int status, const char *msg) { end_run_owned(status, strdup(msg ? msg : "")); }

/* A goroutine; sched lock not held. For the program's errors; the runtime's own use crash. */
_Noreturn void goro__fatal(const char *msg) {
  size_t n = strlen(msg) + 16;
  char *buf = malloc(n);
  if (!buf) goro__end_run(GORO_FATAL, msg);
  snprintf(buf, n, "fatal error: %s", msg);
  end_run_owned(GORO_FATAL, buf);
}

/* mstart only, on g0 of m, holding a P. */
static void mloop(M *m) {
  for (;;) {
    G *g = findrunnable(m);
    m->after = AFTER_NONE;
    gswitch(m, &m->g0, g); /* g0 never migrates: m stays valid */
  }
}

/* The new thread of newm, with the P in m->nextp (or none: checkdead sends it to poll). */
static void *mstart(void *arg) {
  M *m = arg;
  tls_m = m;
  STORE_REL(&m->tid, (pid_t)syscall(SYS_gettid)); /* sysmon signals it (preempt.c) */
  STORE_RLX(&m->curg, &m->g0);
  m->g0.goid = 0;
  m->g0.slot = NOSLOT;
  pthread_attr_t attr;
  if (pthread_getattr_np(pthread_self(), &attr) == 0) {
    void *lo;
    size_t sz;
    pthread_attr_getstack(&attr, &lo, &sz);
    m->g0.stack_lo = lo;
    m->g0.stack_hi = (char *)lo + sz;
    pthread_attr_destroy(&attr);
  }
  m->g0.min_sp = m->g0.stack_hi;
#ifdef GORO_FIBERS
  m->g0.tsan_fiber = __tsan_get_current_fiber();
#endif
  goro__stack_signals_thread(m);
  acquirep(m, m->nextp);
  m->nextp = NULL;
  mloop(m);
  return NULL;
}
