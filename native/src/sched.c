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
 */
#include <errno.h>
#include <limits.h>
#include <linux/futex.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "core.h"
#include "netpoll.h"

#ifdef GORO_ASAN
#include <sanitizer/asan_interface.h>
#include <sanitizer/common_interface_defs.h>
#endif
#ifdef GORO_FIBERS
#include <sanitizer/tsan_interface.h>
#endif

#if defined(__GNUC__) && !defined(__clang__)
#define NOIPA __attribute__((noipa))
#else
#define NOIPA __attribute__((noinline))
#endif

#define INC(x) STORER(&(x), LOADR(&(x)) + 1)
#define NPROCS LOADR(&sched.nprocs) /* fixed during a run; read by sysmon and stats too */

enum { RUN_IDLE = 0, RUN_ACTIVE, RUN_ENDED };

/* adaptive: the critical sections are a few list operations, so a contender spins briefly
 * instead of paying a futex sleep and wake-up (measured: 9% of a spawn storm at P=2) */
pthread_mutex_t goro__schedlock = PTHREAD_ADAPTIVE_MUTEX_INITIALIZER_NP;
uint32_t goro__run_id;

static struct {
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
} sched = {.procs = 0};

static P allp[GORO_MAX_PROCS];
static pthread_mutex_t runlock = PTHREAD_MUTEX_INITIALIZER; /* one goro_run at a time */
static pthread_once_t init_once = PTHREAD_ONCE_INIT;

/* ---- TLS, clock, futex -------------------------------------------------------------------- */

static __thread M *tls_m __attribute__((tls_model("initial-exec")));

/* Never inlined, never analysed: the compiler must not keep an M (or a TLS address) from
 * before a switch, because after it the goroutine may be on another thread. */
NOIPA M *goro__getm(void) {
  M *m = tls_m;
  __asm__ volatile("" : "+r"(m)::"memory");
  return m;
}

NOIPA static int *errno_loc(void) {
  int *e = &errno;
  __asm__ volatile("" : "+r"(e)::"memory");
  return e;
}

G *goro__getg(void) {
  M *m = goro__getm();
  return m ? m->curg : NULL;
}

uint64_t goro__goid(G *g) { return g->goid; }
#ifdef GORO_RACE
void *goro__race_token(G *g) { return g->race_token; }
#endif
struct goro_gsync *goro__gsync(G *g) { return &g->gsync; }

int64_t goro_nanotime(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static long futex(uint32_t *uaddr, int op, uint32_t val, const struct timespec *ts) {
  return syscall(SYS_futex, uaddr, op, val, ts, NULL, 0);
}

static void notewakeup(uint32_t *w) {
  STORE(w, 1);
  futex(w, FUTEX_WAKE_PRIVATE, 1, NULL);
}

static void notesleep(uint32_t *w) {
  while (LOAD(w) == 0) futex(w, FUTEX_WAIT_PRIVATE, 0, NULL);
  STORE(w, 0);
}

/* A spin-wait hint. arm64: ISB, not YIELD, which many cores (Neoverse, Apple) retire as a
 * NOP, so a spin of n hints would re-read the line far more often than the x86 tuning
 * assumes; an ISB stalls for a pipeline flush, closer to x86's PAUSE. */
static void cpu_relax(void) {
#if defined(__x86_64__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  __asm__ __volatile__("isb" ::: "memory");
#endif
}

static uint32_t fastrand(M *m) {
  m->fastrand ^= m->fastrand << 13;
  m->fastrand ^= m->fastrand >> 7;
  m->fastrand ^= m->fastrand << 17;
  return (uint32_t)m->fastrand;
}

static void lock(void) { pthread_mutex_lock(&goro__schedlock); }
static void unlock(void) { pthread_mutex_unlock(&goro__schedlock); }

static _Noreturn void crash(const char *msg) {
  fprintf(stderr, "fatal error: %s\n", msg);
  abort();
}

/* ---- G allocation -------------------------------------------------------------------------- */

#define GCHUNK 4096
struct gchunk {
  struct gchunk *next;
  G g[GCHUNK];
};

static struct {
  pthread_mutex_t lock;
  G *list;
  size_t n;
  struct gchunk *chunks;
} gfree = {.lock = PTHREAD_MUTEX_INITIALIZER};

static G *gfget(P *p) {
  if (LIKELY(p && p->ngfree > 0)) return p->gfree[--p->ngfree];
  pthread_mutex_lock(&gfree.lock);
  if (!gfree.list) {
    /* pre-faulted in one go: a spawn storm keeps ~1M Gs alive, and a page fault per 17 Gs
     * taken one by one costs more than the spawns themselves */
    struct gchunk *c = mmap(NULL, sizeof *c, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
    if (c == MAP_FAILED) crash("goro: out of memory for goroutines");
    for (int i = GCHUNK - 1; i >= 0; i--) {
      c->g[i].slot = NOSLOT;
      c->g[i].schedlink = gfree.list;
      gfree.list = &c->g[i];
    }
    gfree.n += GCHUNK;
    STORE(&c->next, gfree.chunks);
    STORE(&gfree.chunks, c);
  }
  G *g = gfree.list;
  gfree.list = g->schedlink;
  gfree.n--;
  while (p && gfree.list && p->ngfree < GFREE_CACHE / 2) {
    p->gfree[p->ngfree++] = gfree.list;
    gfree.list = gfree.list->schedlink;
    gfree.n--;
  }
  pthread_mutex_unlock(&gfree.lock);
  return g;
}

static void gfput(P *p, G *g) {
  if (LIKELY(p && p->ngfree < GFREE_CACHE)) {
    p->gfree[p->ngfree++] = g;
    return;
  }
  pthread_mutex_lock(&gfree.lock);
  g->schedlink = gfree.list;
  gfree.list = g;
  gfree.n++;
  while (p && p->ngfree > GFREE_CACHE / 2) {
    G *x = p->gfree[--p->ngfree];
    x->schedlink = gfree.list;
    gfree.list = x;
    gfree.n++;
  }
  pthread_mutex_unlock(&gfree.lock);
}

#ifdef GORO_RACE
void AnnotateIgnoreWritesBegin(const char *file, int line);
void AnnotateIgnoreWritesEnd(const char *file, int line);

/* race.h: each goroutine is its own TSan fiber, created by its spawner (creation orders the
 * spawner's past before the child, like Go's racegostart) and destroyed when it ends, so a
 * goroutine that reuses a G struct does not inherit the dead one's clock. */
static void race_gostart(G *g) {
  if (g->tsan_fiber) __tsan_destroy_fiber(g->tsan_fiber);
  g->tsan_fiber = __tsan_create_fiber(0);
  goro__race_renew(&g->race_token); /* nor the clock left in its plain wait record */
  char name[32]; /* reports then say which goroutine: Thread T7 'goroutine 12' */
  snprintf(name, sizeof name, "goroutine %llu", (unsigned long long)g->goid);
  __tsan_set_fiber_name(g->tsan_fiber, name);
}

/* A dead goroutine's stack accesses must not race with the next goroutine on its slot: an
 * mmap over the slot while TSan ignores this thread resets the range's shadow (Go's
 * stackalloc calls racemalloc for the same reason). */
static void race_goend(G *g) {
  if (g->tsan_fiber) __tsan_destroy_fiber(g->tsan_fiber);
  g->tsan_fiber = NULL;
  if (g->slot == NOSLOT) return;
  AnnotateIgnoreWritesBegin(__FILE__, __LINE__);
  if (mmap(g->stack_lo, (size_t)(g->stack_hi - g->stack_lo), PROT_READ | PROT_WRITE,
           MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED | MAP_NORESERVE, -1, 0) == MAP_FAILED)
    crash("goro: race build: cannot reset a stack slot");
  AnnotateIgnoreWritesEnd(__FILE__, __LINE__);
}
#else
#define race_gostart(g) ((void)0)
#define race_goend(g) ((void)0)
#endif

/* Reset a G that is done with, returning its stack slot. */
static void gdestroy(P *p, G *g) {
  race_goend(g);
  if (g->slot != NOSLOT) {
    /* shrink: the goroutine went deep if a switch saw it there, or if it wrote below the
     * kept top pages (a fresh or reclaimed page reads as zero) */
    const uint64_t *probe = (const uint64_t *)(g->stack_hi - STACK_KEEP - 4096);
#ifdef GORO_ASAN
    (void)probe;
    bool deep = true; /* ASan's redzones may poison the probe word; always shrink */
#else
    bool deep = g->min_sp < g->stack_hi - STACK_KEEP;
    /* eight words 512 bytes apart in the first page below the kept ones (the zero page when
     * untouched, so reading costs no memory): frames that went past it almost surely wrote
     * one of them. A heuristic: a deep goroutine that wrote none of them keeps its pages
     * until its slot is reclaimed at the end of the run. */
    for (int i = 0; i < 8 && !deep; i++) deep = ((volatile const uint64_t *)probe)[i * 64] != 0;
#endif
    goro__stack_put(p, g->slot, deep);
    g->slot = NOSLOT;
    if (UNLIKELY(g->saved)) goro__small_forget(g);
  }
  memset(&g->gsync, 0, sizeof g->gsync);
  g->waitreason = NULL;
  g->orphan = false;
  STORE(&g->status, G_FREE);
}

/* ---- run queues ---------------------------------------------------------------------------- */

/* The global queue is one list of Gs made of batches; each batch's first G knows the batch's
 * tail and length, so a P moves a whole batch in or out with the lock held for O(1) steps and
 * walks it (cache misses on Gs another core wrote) after letting go. Lock held. */
static void globrunqputbatch(G *head, G *tail, int64_t n) {
  head->chainlen = n;
  head->chaintail = tail;
  tail->schedlink = NULL;
  if (sched.gqtail) sched.gqtail->schedlink = head;
  else sched.gqhead = head;
  sched.gqtail = tail;
  STORE(&sched.gqsize, sched.gqsize + n);
}

void goro__globrunqput(G *g) { globrunqputbatch(g, g, 1); } /* sched lock held */

/* Detach up to max Gs (0: no limit) that fit in p's ring plus one, at most the first batch.
 * Returns the first; *rest and *nrest are the others, for globspill once the lock is dropped. */
static G *globrunqget(P *p, int64_t max, G **rest, int64_t *nrest) {
  G *h = sched.gqhead;
  *nrest = 0;
  if (!h) return NULL;
  int64_t len = h->chainlen, n = len;
  if (max > 0 && n > max) n = max;
  int64_t room = RUNQ_SIZE - (int64_t)(p->runqtail - LOAD(&p->runqhead)) + 1;
  if (n > room) n = room; /* the spill never overflows the ring */
  G *last;
  if (n == len) {
    last = h->chaintail;
    sched.gqhead = last->schedlink;
    if (!sched.gqhead) sched.gqtail = NULL;
  } else {
    last = h;
    for (int64_t i = 1; i < n; i++) last = last->schedlink;
    G *nh = last->schedlink;
    nh->chainlen = len - n;
    nh->chaintail = h->chaintail;
    sched.gqhead = nh;
  }
  STORE(&sched.gqsize, sched.gqsize - n);
  *rest = h->schedlink;
  *nrest = n - 1;
  return h;
}

static void runqput(P *p, G *g, bool next);

static void globspill(P *p, G *rest, int64_t n) {
  for (int64_t i = 0; i < n; i++) {
    G *next = rest->schedlink;
    runqput(p, rest, false);
    rest = next;
  }
}

/* globrunqget with the lock taken and the spill done after it is dropped. */
static G *globget(P *p, int64_t max) {
  G *rest;
  int64_t nrest;
  lock();
  G *g = globrunqget(p, max, &rest, &nrest);
  unlock();
  globspill(p, rest, nrest);
  return g;
}

static bool runqempty(P *p) {
  for (;;) {
    uint32_t h = LOAD(&p->runqhead), t = LOAD(&p->runqtail);
    G *next = LOAD(&p->runnext);
    if (t == LOAD(&p->runqtail)) return h == t && next == NULL;
  }
}

/* The ring is full: move half of it and g to the global queue in one lock trip. */
static bool runqputslow(P *p, G *g, uint32_t h, uint32_t t) {
  G *batch[RUNQ_SIZE / 2 + 1];
  uint32_t n = (t - h) / 2;
  if (n != RUNQ_SIZE / 2) return false; /* not full after all: a thief took some */
  for (uint32_t i = 0; i < n; i++) batch[i] = LOADR(&p->runq[(h + i) % RUNQ_SIZE]);
  if (!__atomic_compare_exchange_n(&p->runqhead, &h, h + n, false, __ATOMIC_RELEASE, __ATOMIC_RELAXED))
    return false;
  batch[n] = g;
  for (uint32_t i = 0; i < n; i++) batch[i]->schedlink = batch[i + 1]; /* linked before locking */
  lock();
  globrunqputbatch(batch[0], g, n + 1);
  unlock();
  return true;
}

static void runqput(P *p, G *g, bool next) {
  if (next) {
    G *old = XCHG(&p->runnext, g);
    if (!old) return;
    g = old; /* the displaced one goes to the tail */
  }
  for (;;) {
    uint32_t h = LOAD(&p->runqhead);
    uint32_t t = p->runqtail;
    if (t - h < RUNQ_SIZE) {
      STORER(&p->runq[t % RUNQ_SIZE], g);
      STORE(&p->runqtail, t + 1);
      return;
    }
    if (runqputslow(p, g, h, t)) return;
  }
}

static G *runqget(P *p) {
  G *next = LOAD(&p->runnext);
  uint32_t t = p->runqtail;
  if (next && (p->nextstreak < 61 || LOAD(&p->runqhead) == t)) {
    if (CAS(&p->runnext, next, NULL)) {
      p->nextstreak++;
      return next;
    }
  }
  p->nextstreak = 0;
  for (;;) {
    uint32_t h = LOAD(&p->runqhead);
    if (h == t) break;
    G *g = LOADR(&p->runq[h % RUNQ_SIZE]);
    if (__atomic_compare_exchange_n(&p->runqhead, &h, h + 1, false, __ATOMIC_RELEASE, __ATOMIC_RELAXED))
      return g;
  }
  next = LOAD(&p->runnext);
  if (next && CAS(&p->runnext, next, NULL)) return next;
  return NULL;
}

/* Copy half of victim's ring into batch[batchhead...] and claim it with one CAS. */
static uint32_t runqgrab(P *victim, G **batch, uint32_t batchhead, bool stealnext) {
  for (;;) {
    uint32_t h = LOAD(&victim->runqhead);
    uint32_t t = LOAD(&victim->runqtail);
    uint32_t n = t - h;
    n = n - n / 2;
    if (n == 0) {
      if (stealnext) {
        G *next = LOAD(&victim->runnext);
        if (next && CAS(&victim->runnext, next, NULL)) {
          STORER(&batch[batchhead % RUNQ_SIZE], next);
          return 1;
        }
      }
      return 0;
    }
    if (n > RUNQ_SIZE / 2) continue; /* h and t read at different times */
    for (uint32_t i = 0; i < n; i++)
      STORER(&batch[(batchhead + i) % RUNQ_SIZE], LOADR(&victim->runq[(h + i) % RUNQ_SIZE]));
    if (__atomic_compare_exchange_n(&victim->runqhead, &h, h + n, false, __ATOMIC_RELEASE, __ATOMIC_RELAXED))
      return n;
  }
}

/* Steal half of victim's work into p; return one G to run. */
static G *runqsteal(P *p, P *victim, bool stealnext) {
  uint32_t t = p->runqtail;
  uint32_t n = runqgrab(victim, p->runq, t, stealnext);
  if (n == 0) return NULL;
  n--;
  G *g = LOADR(&p->runq[(t + n) % RUNQ_SIZE]);
  if (n > 0) STORE(&p->runqtail, t + n);
  return g;
}

/* ---- idle Ps and Ms ------------------------------------------------------------------------ */

static void checkdead(void);

static P *pidleget(void) { /* lock held */
  P *p = sched.pidle;
  if (p) {
    sched.pidle = p->link;
    XADD(&sched.npidle, -1);
  }
  return p;
}

static void pidleput(P *p) { /* lock held */
  p->link = sched.pidle;
  sched.pidle = p;
  if (XADD(&sched.npidle, 1) + 1 == NPROCS) checkdead();
}

static M *mget(void) { /* lock held */
  M *m = sched.midle;
  if (m) sched.midle = m->schedlink;
  return m;
}

static void *mstart(void *arg);

static M *allm; /* every M, newest first (preemption walks it); pushed by CAS, never popped */

static void newm(P *p, bool spinning) {
  M *m = calloc(1, sizeof *m);
  if (!m) crash("goro: out of memory for a thread");
  m->alllink = LOAD(&allm);
  while (!CAS(&allm, m->alllink, m)) {
  }
  m->nextp = p;
  m->spinning = spinning;
  m->id = (int)XADD(&sched.mcount, 1);
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

/* Run p (or an idle P if NULL) on an idle or new M. */
static void startm(P *p, bool spinning) {
  lock();
  if (!p) {
    p = pidleget();
    if (!p) {
      if (spinning) XADD(&sched.nmspinning, -1); /* under the lock: see findrunnable */
      unlock();
      return;
    }
  }
  M *m = mget();
  if (!m && LOAD(&sched.pollm)) {
    /* no M asleep on its futex: wake the one in epoll_wait instead of making a thread; it
     * reads nextp under this lock once it is back (netpoll_block) */
    m = LOAD(&sched.pollm); /* only set lock-free from NULL: stable while we hold the lock */
    STORE(&sched.pollm, NULL);
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

/* New work exists: if a P is idle and nobody is spinning, wake one M to go and find it. */
void goro__wakep(void) {
  if (LOAD(&sched.npidle) == 0) return;
  int zero = 0;
  if (LOAD(&sched.nmspinning) != 0 || !CAS(&sched.nmspinning, zero, 1)) return;
  startm(NULL, true);
}

static void stopm(M *m) {
  lock();
  m->schedlink = sched.midle;
  sched.midle = m;
  unlock();
  notesleep(&m->park);
}

/* sysmon took p from an M in a syscall: give it to an M if there is work for it. */
static void handoffp(P *p) {
  bool active = LOAD(&sched.run_state) == RUN_ACTIVE;
  if (active && (!runqempty(p) || LOAD(&sched.gqsize) > 0)) {
    startm(p, false);
    return;
  }
  int zero = 0;
  if (active && LOAD(&sched.nmspinning) + LOAD(&sched.npidle) == 0 && CAS(&sched.nmspinning, zero, 1)) {
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

/* ---- switching ----------------------------------------------------------------------------- */

#ifdef GORO_FIBERS
#ifdef GORO_RACE
#define FIBER_SWITCH_FLAGS __tsan_switch_to_fiber_no_sync /* race.h: edges are explicit */
#else
#define FIBER_SWITCH_FLAGS 0 /* the instrumented scheduler hands data to whom it switches to */
#endif
static void *tsan_fiber(G *g) {
  if (!g->tsan_fiber) g->tsan_fiber = __tsan_create_fiber(0);
  return g->tsan_fiber;
}
#endif

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

static void ready(P *p, G *g) {
  STORE(&g->status, G_RUNNABLE);
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
 * out a pass that holds it. */
static bool unwait(G *g) {
  if (LIKELY(!goro__small)) return LOAD(&g->status) == G_WAITING;
  int w = G_WAITING;
  return CAS(&g->status, w, G_RUNNABLE);
}

/* We are off the stack of m->after_g: finish what its switch started. */
static void finish_switch(M *m) {
  int a = m->after;
  if (a == AFTER_NONE) return;
  G *g = m->after_g;
  P *p = m->p;
  switch (a) {
  case AFTER_YIELD:
    STORE(&g->status, G_RUNNABLE);
    runqput(p, g, false);
    break;
  case AFTER_PARK: {
    bool (*commit)(void *) = m->commit;
    void *arg = m->commit_arg;
    m->commit = NULL;
    bool note = UNLIKELY(goro__small) && __atomic_load_n(&g->stk_ok, __ATOMIC_RELAXED); /* g's, before commit */
    STORE(&g->status, G_WAITING);
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
    STORE(&g->status, G_DEAD); /* reclaimed when the run is cleaned up */
    break;
  case AFTER_SYSCALL_REQUEUE:
    lock();
    if (g->orphan) {
      gdestroy(NULL, g);
      unlock();
      gfput(NULL, g);
      break;
    }
    if (LOAD(&sched.run_state) == RUN_ACTIVE) {
      STORE(&g->status, G_RUNNABLE);
      goro__globrunqput(g);
    } else {
      STORE(&g->status, G_DEAD);
    }
    XADD(&sched.nsyscall, -1);
    unlock();
    goro__wakep();
    break;
  case AFTER_PREEMPT:
    STORE(&g->status, G_RUNNABLE);
    lock();
    goro__globrunqput(g);
    unlock();
    break;
  }
  /* cleared last: until here a commit callback may be running, and the preemption signal
   * handler reads m->after != AFTER_NONE as "inside the scheduler" (preempt.c) */
  m->after = AFTER_NONE;
}

static void after_switch(G *self) {
#ifdef GORO_ASAN
  __sanitizer_finish_switch_fiber(self->asan_fake_stack, NULL, NULL);
#endif
  finish_switch(goro__getm());
  *errno_loc() = self->saved_errno;
}

/* Switch this M from `from` (the running context) to `to`. Returns when `from` runs again,
 * possibly on another M. */
static void gswitch(M *m, G *from, G *to) {
  P *p = m->p;
  if (to != &m->g0) {
    if (UNLIKELY(to->slot == NOSLOT)) stack_assign(p, to);
    else if (UNLIKELY(to->saved)) goro__small_restore(to); /* stack_copy.c */
    STORER(&to->status, G_RUNNING);
  }
  STORER(&m->curg, to); /* sysmon reads curg and schedtick (preempt.c) */
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

/* Local work for p: the global queue every 61st time, else runnext/ring, else the global
 * queue. Does not steal. */
static G *netpoll_inject(P *p, G *list, int n);
static G *runqnext(P *p) {
  p->schedtick++;
  if (UNLIKELY(p->schedtick % 61 == 0)) {
    if (LOAD(&sched.gqsize) > 0) {
      G *g = globget(p, 1);
      if (g) return g;
    }
    if (LOAD(&goro__netpoll_nwait) > 0 && goro__netpoll_inited()) {
      /* a P that never runs dry still lets I/O that is ready in (Go's sysmon does this) */
      int n;
      G *list = goro__netpoll(0, false, &n); /* before n is read */
      G *g = netpoll_inject(p, list, n);
      if (g) return g;
    }
  }
  G *g = runqget(p);
  if (g) return g;
  if (LOAD(&sched.gqsize) > 0) g = globget(p, 0);
  return g;
}

/* Leave the current goroutine with `action` and run something else on this M. Returns only
 * when the goroutine runs again (never for AFTER_EXIT/AFTER_ABANDON). */
static void park_m(int action) {
  M *m = goro__getm();
  if (UNLIKELY(!m || m->curg == &m->g0)) crash("goro: blocking call outside a goroutine");
  G *g = m->curg;
  P *p = m->p;
  G *next;
  if (UNLIKELY(LOAD(&sched.run_state) != RUN_ACTIVE)) {
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

void goro_yield(void) { park_m(AFTER_YIELD); }

void goro__preempt_park(void) { park_m(AFTER_PREEMPT); }

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

_Noreturn void goro__goexit(void) {
  park_m(AFTER_EXIT);
  crash("goro: a dead goroutine was resumed");
}

/* End the run with msg, which becomes the run's (freed by goro_run; not leaked when another
 * ending won the race). */
static _Noreturn void end_run_owned(int status, char *msg) {
  lock();
  if (LOAD(&sched.run_state) == RUN_ACTIVE) {
    sched.status = status;
    sched.msg = msg;
    msg = NULL;
    STORE(&sched.run_state, RUN_ENDED);
    pthread_cond_broadcast(&sched.runcond);
  }
  unlock();
  free(msg);
  park_m(AFTER_ABANDON);
  crash("goro: an abandoned goroutine was resumed");
}

_Noreturn void goro__end_run(int status, const char *msg) { end_run_owned(status, strdup(msg ? msg : "")); }

_Noreturn void goro__fatal(const char *msg) {
  size_t n = strlen(msg) + 16;
  char *buf = malloc(n);
  if (!buf) goro__end_run(GORO_FATAL, msg);
  snprintf(buf, n, "fatal error: %s", msg);
  end_run_owned(GORO_FATAL, buf);
}

/* ---- finding work (on g0) ------------------------------------------------------------------ */

static void acquirep(M *m, P *p) { m->p = p; }

static void resetspinning(M *m) {
  m->spinning = false;
  XADD(&sched.nmspinning, -1);
  goro__wakep(); /* we found work: maybe there is more, let another M look */
}

static bool anywork(P *self);

/* Found exactly the work this M will run: stop spinning without waking another M unless
 * work is waiting elsewhere (it may have been queued relying on this spinner). One echo
 * round trip whose reply the spinner picked up from the netpoller otherwise woke the other
 * M for nothing: ~1 futex wake per 10 round trips, 15% slower than GOMAXPROCS=1. */
static void stopspinning(M *m, P *p) {
  m->spinning = false;
  XADD(&sched.nmspinning, -1);
  if (anywork(p)) goro__wakep();
}

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
    if (LOAD(&sched.gqsize) > 0) {
      G *g = globget(p, 0);
      if (g) return g;
    }
  }
  return NULL;
}

static bool anywork(P *self) {
  if (LOAD(&sched.gqsize) > 0) return true;
  for (int i = 0; i < NPROCS; i++)
    if (&allp[i] != self && !runqempty(&allp[i])) return true;
  return false;
}

/* Before giving up its P, a spinning M keeps looking for SPIN_NS: work that appears in that
 * window (the next burst of goro_go, a goroutine readied on a busy P) is taken at once
 * instead of after a futex sleep and wake-up (microseconds here). Bounded, and only while
 * the spinning limit above allows this M to spin at all. */
#define SPIN_NS 50000
static G *spinwork(M *m, P *p) {
  int64_t until = goro_nanotime() + SPIN_NS;
  do {
    for (int k = 0; k < 64; k++) cpu_relax();
    if (LOAD(&sched.run_state) != RUN_ACTIVE) return NULL;
    if (!runqempty(p)) return runqget(p);
    if (LOAD(&goro__netpoll_nwait) > 0 && goro__netpoll_inited()) {
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

/* Hand the goroutines of a netpoll list to p: the first to run now, the others queued. */
static G *netpoll_inject(P *p, G *list, int n) {
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
 * until the call returns). */
static bool no_p_running(void) {
  int n = LOAD(&sched.npidle);
  for (int i = 0; i < NPROCS && n < NPROCS; i++)
    if (LOAD(&allp[i].sysm)) n++;
  return n >= NPROCS;
}

/* An M without a P while goroutines wait on I/O: block in epoll_wait (one M at a time) up to
 * the next timer, instead of on the futex. Returns with m->p set if it came back with work
 * (the G to run, or NULL to look for it) or was handed a P by startm; else with no P, and
 * *polled says whether it was the poller (which then polls again rather than sleep, so that
 * while goroutines wait on I/O some M always watches the epoll set). */
static G *netpoll_block(M *m, bool *polled) {
  *polled = false;
  /* only while no P runs goroutines: a running P's M polls when it runs dry (and every 61st
   * schedule), and an M blocked in epoll_wait beside it would only be woken by the kernel for
   * events the busy M takes first (measured: a context switch every third echo round trip) */
  if (!goro__netpoll_inited() || LOAD(&goro__netpoll_nwait) <= 0 || LOAD(&sched.run_state) != RUN_ACTIVE ||
      !no_p_running())
    return NULL;
  M *none = NULL;
  if (!CAS(&sched.pollm, none, m)) return NULL; /* another M is the poller */
  *polled = true;
  int64_t delay = -1, next = goro__timer_next();
  if (next != INT64_MAX) {
    delay = next - goro_nanotime();
    if (delay < 0) delay = 0;
  }
  int n;
  G *list = goro__netpoll(delay, true, &n); /* returns holding the sched lock */
  P *p = NULL;
  if (LOAD(&sched.pollm) == m) {
    STORE(&sched.pollm, NULL);
  } else { /* startm took us: its P is in nextp */
    p = m->nextp;
    m->nextp = NULL;
  }
  if (LOAD(&sched.run_state) != RUN_ACTIVE) {
    list = NULL; /* the run's goroutines are being discarded */
    if (p) {
      if (m->spinning) {
        m->spinning = false;
        XADD(&sched.nmspinning, -1);
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

/* Block until there is a G to run on this M; returns with m->p held. */
static G *findrunnable(M *m) {
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
    if (LOAD(&sched.run_state) != RUN_ACTIVE) {
      if (m->spinning) {
        m->spinning = false;
        XADD(&sched.nmspinning, -1);
      }
      m->p = NULL;
      lock();
      pidleput(p);
      unlock();
      continue;
    }
    G *g = runqnext(p);
    if (!g && LOAD(&goro__netpoll_nwait) > 0 && goro__netpoll_inited()) {
      /* before stealing, as Go: I/O that is ready costs one epoll_wait, not a steal round */
      int n;
      G *list = goro__netpoll(0, false, &n); /* before n is read */
      g = netpoll_inject(p, list, n);
    }
    if (!g && NPROCS > 1) {
      if (!m->spinning && 2 * LOAD(&sched.nmspinning) < NPROCS - LOAD(&sched.npidle)) {
        m->spinning = true;
        XADD(&sched.nmspinning, 1);
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
    if (LOAD(&sched.run_state) == RUN_ACTIVE && sched.gqsize > 0) {
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
      XADD(&sched.nmspinning, -1);
    }
    pidleput(p);
    unlock();
    if (wasspinning) {
      /* the wake-up invariant: look again after no longer counting as spinning */
      bool work = LOAD(&sched.gqsize) > 0;
      for (int i = 0; !work && i < NPROCS; i++) work = !runqempty(&allp[i]);
      if (work) {
        lock();
        P *p2 = LOAD(&sched.run_state) == RUN_ACTIVE ? pidleget() : NULL;
        unlock();
        if (p2) {
          acquirep(m, p2);
          m->spinning = true;
          XADD(&sched.nmspinning, 1);
          continue;
        }
      }
    }
  }
}

static void mloop(M *m) {
  for (;;) {
    G *g = findrunnable(m);
    m->after = AFTER_NONE;
    gswitch(m, &m->g0, g); /* g0 never migrates: m stays valid */
  }
}

static void *mstart(void *arg) {
  M *m = arg;
  tls_m = m;
  STORE(&m->tid, (pid_t)syscall(SYS_gettid)); /* sysmon signals it (preempt.c) */
  STORER(&m->curg, &m->g0);
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

/* ---- goroutines ---------------------------------------------------------------------------- */

uint64_t goro_go(void (*fn)(void *), void *arg) {
  M *m = goro__getm();
  if (UNLIKELY(!m || m->curg == &m->g0 || !m->p)) crash("goro_go: not called from a running goroutine");
  P *p = m->p;
  G *g = gfget(p);
  if (UNLIKELY(p->goidcache == p->goidcacheend)) {
    p->goidcache = XADD(&sched.goidgen, 16);
    p->goidcacheend = p->goidcache + 16;
  }
  uint64_t goid = p->goidcache++;
  g->goid = goid;
  g->fn = fn;
  g->arg = arg;
  g->run_id = goro__run_id;
  g->saved_errno = 0;
  STORER(&g->status, G_RUNNABLE);
  race_gostart(g);
  INC(p->spawns);
  runqput(p, g, true);
  goro__wakep();
  /* not g->goid: once queued, g may run to its end on another M and be reused by another
   * spawn before this line (found by native/tests/test_differential.py, 509 of 3,000 runs) */
  return goid;
}

uint64_t goro_id(void) {
  G *g = goro__getg();
  return g ? g->goid : 0;
}

int64_t goro_count(void) {
  int64_t n = LOAD(&sched.run_state) == RUN_ACTIVE ? 1 : 0; /* main */
  for (int i = 0; i < NPROCS; i++) n += (int64_t)(LOADR(&allp[i].spawns) - LOADR(&allp[i].exits));
  return n;
}

/* ---- syscalls ------------------------------------------------------------------------------ */

void goro_syscall_enter(void) {
  M *m = goro__getm();
  G *g = m->curg;
  P *p = m->p;
  if (UNLIKELY(!p || g == &m->g0)) crash("goro_syscall_enter: not in a running goroutine");
  XADD(&sched.nsyscall, 1);
  STORE(&g->status, G_SYSCALL);
  STORER(&p->syscalltick, p->syscalltick + 1);
  m->oldp = p;
  m->p = NULL;
  STORE(&p->sysm, m); /* from here sysmon may take p */
}

void goro_syscall_exit(void) {
  int saved = *errno_loc();
  M *m = goro__getm();
  G *g = m->curg;
  P *p = m->oldp;
  m->oldp = NULL;
  M *self = m;
  if (LIKELY(CAS(&p->sysm, self, NULL))) { /* still ours */
    m->p = p;
    STORE(&g->status, G_RUNNING);
    XADD(&sched.nsyscall, -1);
    *errno_loc() = saved;
    return;
  }
  lock();
  if (LOAD(&sched.run_state) == RUN_ACTIVE && !g->orphan) {
    P *p2 = pidleget();
    if (p2) {
      acquirep(m, p2);
      STORE(&g->status, G_RUNNING);
      XADD(&sched.nsyscall, -1);
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

/* ---- sysmon -------------------------------------------------------------------------------- */

void goro__sysmon_kick(int64_t when) {
  if (when < LOAD(&sched.sysmon_deadline)) {
    XADD(&sched.sysmon_wake, 1);
    futex(&sched.sysmon_wake, FUTEX_WAKE_PRIVATE, 1, NULL);
  }
}

static struct {
  uint32_t tick;
  int64_t when;
} sysmon_seen[GORO_MAX_PROCS];

static int retake(int64_t now) {
  int n = 0;
  bool active = LOAD(&sched.run_state) == RUN_ACTIVE;
  for (int i = 0; i < NPROCS; i++) {
    P *p = &allp[i];
    M *sm = LOAD(&p->sysm);
    if (!sm) {
      sysmon_seen[i].when = 0;
      continue;
    }
    uint32_t t = LOAD(&p->syscalltick);
    if (sysmon_seen[i].when == 0 || sysmon_seen[i].tick != t) {
      sysmon_seen[i].tick = t;
      sysmon_seen[i].when = now;
      continue;
    }
    int64_t in = now - sysmon_seen[i].when;
    if (in < 20000) continue;
    /* nothing waits for this P and someone is free to look: leave it for a while */
    if (active && runqempty(p) && LOAD(&sched.gqsize) == 0 &&
        LOAD(&sched.nmspinning) + LOAD(&sched.npidle) > 0 && in < 10000000)
      continue;
    if (CAS(&p->sysm, sm, NULL)) {
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
static void preempt_long_running(int64_t now) {
  for (M *m = LOAD(&allm); m; m = m->alllink) {
    G *g = LOADR(&m->curg);
    uint32_t t = LOADR(&m->schedtick);
    if (!g || g == &m->g0 || LOAD(&g->status) != G_RUNNING || m->pm_when == 0 || m->pm_tick != t) {
      m->pm_tick = t;
      m->pm_when = now;
      continue;
    }
    if (now - m->pm_when >= FORCE_PREEMPT_NS && LOAD(&m->tid) != 0) goro__preempt_m(m, g);
  }
}

static void *sysmon(void *arg) {
  (void)arg;
  int64_t delay = 20000;
  int idle = 0;
  for (;;) {
    uint32_t seq = LOAD(&sched.sysmon_wake);
    int state = LOAD(&sched.run_state);
    if (state == RUN_IDLE) {
      STORE(&sched.sysmon_deadline, INT64_MAX);
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
    for (size_t i = 0; i < fired && LOAD(&sched.npidle) > 0; i++) goro__wakep();
    int n = retake(now);
    if (state == RUN_ACTIVE && goro__preempt_enabled()) preempt_long_running(now);
    if (fired || n) idle = 0;
    else idle++;
    if (idle == 0) delay = 20000;
    else if (idle > 50 && delay < 10000000) delay *= 2;
    int64_t until = now + delay;
    STORE(&sched.sysmon_deadline, until);
    next_timer = goro__timer_next();
    if (next_timer < until) until = next_timer;
    int64_t wait = until - goro_nanotime();
    if (wait <= 0) continue;
    struct timespec ts = {wait / 1000000000, wait % 1000000000};
    futex(&sched.sysmon_wake, FUTEX_WAIT_PRIVATE, seq, &ts);
  }
  return NULL;
}

/* ---- deadlock ------------------------------------------------------------------------------ */

static int cmp_goid(const void *a, const void *b) {
  uint64_t x = (*(G *const *)a)->goid, y = (*(G *const *)b)->goid;
  return (x > y) - (x < y);
}

/* All Ps idle (lock held). Nothing running can wake anyone; decide whether anything else can. */
static void checkdead(void) {
  int state = LOAD(&sched.run_state);
  if (state == RUN_ENDED) {
    pthread_cond_broadcast(&sched.runcond); /* goro_run waits for this quiescence */
    return;
  }
  if (state != RUN_ACTIVE) return;
  if (LOAD(&goro__netpoll_nwait) > 0) { /* I/O may still wake them (netpoll.c) */
    /* an M that idled the last P goes on to poll (netpoll_block); sysmon handing off the P of
     * a goroutine in a syscall does not, so an idle M is sent to do it. Before the other
     * checks: with that goroutine still in its syscall they would return first (found by
     * test_netpoll io_beside_syscall under ASan: the reader waited out the 400 ms syscall) */
    if (!goro__getm() && !LOAD(&sched.pollm)) {
      M *m = mget();
      if (m) {
        m->nextp = NULL;
        m->spinning = false;
        notewakeup(&m->park);
      } else {
        newm(NULL, false);
      }
    }
    return;
  }
  if (LOAD(&sched.nsyscall) > 0 || sched.gqsize > 0 || goro__timer_count() > 0) return;
  /* deadlock: list the parked goroutines by id */
  size_t n = 0, cap = 64;
  G **gs = malloc(cap * sizeof *gs);
  for (struct gchunk *c = LOAD(&gfree.chunks); c && gs; c = LOAD(&c->next)) {
    for (int i = 0; i < GCHUNK; i++) {
      G *g = &c->g[i];
      if (LOAD(&g->status) != G_WAITING || g->run_id != goro__run_id) continue;
      if (n == cap) {
        G **x = realloc(gs, (cap *= 2) * sizeof *gs);
        if (!x) break;
        gs = x;
      }
      gs[n++] = g;
    }
  }
  const char *head = "fatal error: all goroutines are asleep - deadlock!\n";
  size_t len = strlen(head) + 1 + n * 64 + 1, off = 0;
  char *msg = malloc(len);
  if (msg && gs) {
    qsort(gs, n, sizeof *gs, cmp_goid);
    off += (size_t)snprintf(msg, len, "%s", head);
    for (size_t i = 0; i < n && off < len; i++)
      off += (size_t)snprintf(msg + off, len - off, "\ngoroutine %llu [%.40s]:", (unsigned long long)gs[i]->goid,
                              gs[i]->waitreason ? gs[i]->waitreason : "waiting");
  }
  free(gs);
  sched.status = GORO_DEADLOCK;
  sched.msg = msg ? msg : strdup("fatal error: all goroutines are asleep - deadlock!");
  STORE(&sched.run_state, RUN_ENDED);
  pthread_cond_broadcast(&sched.runcond);
}

/* ---- lifecycle ----------------------------------------------------------------------------- */

static void runtime_init(void) {
  pthread_condattr_t ca;
  pthread_condattr_init(&ca);
  pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
  pthread_cond_init(&sched.runcond, &ca);
  pthread_condattr_destroy(&ca);
  for (int i = 0; i < GORO_MAX_PROCS; i++) allp[i].id = i;
  sched.sysmon_deadline = INT64_MAX;
  goro__stack_init();
  goro__preempt_init(); /* before any M exists: the signal handler is process-wide */
  pthread_t th;
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
  if (pthread_create(&th, &attr, sysmon, NULL) != 0) crash("goro: cannot start sysmon");
  pthread_attr_destroy(&attr);
}

/* GOMAXPROCS from the environment as Go's schedinit reads it: a positive decimal integer
 * (capped at GORO_MAX_PROCS); anything else (unset, empty, 0, negative, "4x") is ignored. */
static int env_procs(void) {
  const char *v = getenv("GOMAXPROCS");
  if (!v || !*v) return 0;
  long n = 0;
  for (const char *c = v; *c; c++) {
    if (*c < '0' || *c > '9') return 0;
    n = n * 10 + (*c - '0');
    if (n > GORO_MAX_PROCS) n = GORO_MAX_PROCS; /* no overflow on long strings */
  }
  return (int)n;
}

/* The CPUs this process may run on (sched_getaffinity, as Go's getproccount), else online. */
static int cpu_count(void) {
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof set, &set) == 0) {
    int n = CPU_COUNT(&set);
    if (n > 0) return n > GORO_MAX_PROCS ? GORO_MAX_PROCS : n;
  }
  long n = sysconf(_SC_NPROCESSORS_ONLN);
  return n < 1 ? 1 : n > GORO_MAX_PROCS ? GORO_MAX_PROCS : (int)n;
}

/* Decided once, at the runtime's first use (Go reads the variable once, at start-up). */
static int default_procs(void) {
  static int decided;
  int n = LOAD(&decided);
  if (n == 0) {
    n = env_procs();
    if (n == 0) n = cpu_count();
    STORE(&decided, n); /* racing first callers compute the same value */
  }
  return n;
}

int goro_procs(void) {
  int n = LOAD(&sched.procs);
  return n > 0 ? n : default_procs();
}

static int seterr(char *err, size_t errlen, int status, const char *msg) {
  if (err && errlen) snprintf(err, errlen, "%s", msg);
  return status;
}

int goro_set_procs(int n, char *err, size_t errlen) {
  char buf[80];
  if (n <= 0 || n > GORO_MAX_PROCS) {
    snprintf(buf, sizeof buf, "GOMAXPROCS must be in 1..%d, got %d", GORO_MAX_PROCS, n);
    return seterr(err, errlen, GORO_EINVAL, buf);
  }
  if (LOAD(&sched.run_state) != RUN_IDLE)
    return seterr(err, errlen, GORO_EINVAL, "goro_set_procs: not callable during a run");
  STORE(&sched.procs, n);
  return seterr(err, errlen, GORO_OK, "");
}

static void main_entry(void *arg) {
  void **a = arg;
  ((void (*)(void *))a[0])(a[1]);
  G *g = goro__getg();
  if (g->gsync.defers) goro__defers_at_exit();
  RACE_RELEASE(&sched.status); /* main's work happens before goro_run returns */
  goro__end_run(GORO_OK, "");
}

/* Every M has dropped its P: reclaim all goroutines and stacks of the run (lock held). */
static void cleanup_run(void) {
  for (int i = 0; i < NPROCS; i++) {
    P *p = &allp[i];
    goro__stack_flush(p);
    goro__small_reset(p);
    p->ngfree = 0; /* free Gs are found again below */
    /* atomics: an M that just dropped its P may still be looking at the queues */
    STORE(&p->runqhead, 0);
    STORE(&p->runqtail, 0);
    STORE(&p->runnext, NULL);
    p->goidcache = p->goidcacheend = 0;
  }
  sched.gqhead = sched.gqtail = NULL;
  STORE(&sched.gqsize, 0);
  goro__timer_clear();
  goro__netpoll_run_end();
  size_t nkeep = 0, capkeep = 0;
  uint32_t *keep = NULL;
  pthread_mutex_lock(&gfree.lock);
  gfree.list = NULL;
  gfree.n = 0;
  for (struct gchunk *c = gfree.chunks; c; c = c->next) {
    for (int i = GCHUNK - 1; i >= 0; i--) {
      G *g = &c->g[i];
      int s = LOAD(&g->status);
      if (s == G_SYSCALL || (g->orphan && s != G_FREE)) {
        /* still inside a syscall: freed when it comes back (AFTER_SYSCALL_REQUEUE) */
        g->orphan = true;
        if (nkeep == capkeep) {
          capkeep = capkeep ? 2 * capkeep : 16;
          keep = realloc(keep, capkeep * sizeof *keep);
          if (!keep) crash("goro: out of memory");
        }
        keep[nkeep++] = g->slot;
        continue;
      }
      g->slot = NOSLOT; /* every other slot returns to the pool below */
      goro__small_forget(g);
      g->on_rlist = 0;
      memset(&g->gsync, 0, sizeof g->gsync);
      g->waitreason = NULL;
      STORE(&g->status, G_FREE);
      g->schedlink = gfree.list;
      gfree.list = g;
      gfree.n++;
    }
  }
  pthread_mutex_unlock(&gfree.lock);
  goro__stack_reclaim_all(keep, nkeep);
  uint64_t used = goro__stack_slots_used();
  uint32_t *slots = malloc((used ? used : 1) * sizeof *slots);
  if (!slots) crash("goro: out of memory");
  size_t nfree = 0;
  for (uint64_t s = used; s-- > 0;) {
    bool kept = false;
    for (size_t k = 0; k < nkeep && !kept; k++) kept = keep[k] == s;
    if (!kept) slots[nfree++] = (uint32_t)s;
  }
  goro__stack_reset_free(slots, nfree);
  free(slots);
  free(keep);
  STORE(&sched.nsyscall, 0);
  /* nmspinning is 0 here by construction (every decrement happens before its P goes idle);
   * resetting it would race with nothing but would hide a bug */
}

/* The run has ended: wait (bounded) until every M has dropped its P, then reclaim it all.
 * Lock held. False if a goroutine still holds a P (it never yields). */
static bool finish_run(void) {
  struct timespec dl;
  clock_gettime(CLOCK_MONOTONIC, &dl);
  dl.tv_sec += 10;
  int rc = 0;
  while (LOAD(&sched.npidle) != NPROCS && rc != ETIMEDOUT)
    rc = pthread_cond_timedwait(&sched.runcond, &goro__schedlock, &dl);
  if (LOAD(&sched.npidle) != NPROCS) return false;
  cleanup_run();
  STORE(&sched.run_state, RUN_IDLE);
  return true;
}

int goro_run(void (*main)(void *), void *arg, char *err, size_t errlen) {
  pthread_once(&init_once, runtime_init);
  if (goro__getm()) return seterr(err, errlen, GORO_EINVAL, "goro_run: called from inside a run");
  if (!main) return seterr(err, errlen, GORO_EINVAL, "goro_run: main must be a function");
  if (pthread_mutex_trylock(&runlock) != 0)
    return seterr(err, errlen, GORO_EINVAL, "goro_run: another run is in progress");
  void *mainarg[2] = {(void *)main, arg};
  if (goro__small_start_run(err, errlen) != 0) { /* stack_copy.c: GORO_STACKS */
    pthread_mutex_unlock(&runlock);
    return GORO_EINVAL;
  }

  lock();
  if (LOAD(&sched.run_state) == RUN_ENDED && !finish_run()) { /* a previous run timed out */
    unlock();
    pthread_mutex_unlock(&runlock);
    return seterr(err, errlen, GORO_FATAL,
                  "fatal error: goro: a goroutine of an earlier run is still running (it never yields)");
  }
  int n = goro_procs();
  STORE(&sched.nprocs, n);
  sched.pidle = NULL;
  STORE(&sched.npidle, 0);
  for (int i = n - 1; i >= 0; i--) {
    P *p = &allp[i];
    p->spawns = p->exits = p->switches = p->steals = p->handoffs = p->parks = 0;
    p->schedtick = p->nextstreak = 0;
    STORE(&p->sysm, NULL);
    p->link = sched.pidle;
    sched.pidle = p;
    STORE(&sched.npidle, sched.npidle + 1);
  }
  goro__run_id++;
  STORE(&sched.goidgen, 2);
  sched.status = GORO_OK;
  sched.msg = NULL;
  G *g1 = gfget(NULL);
  g1->goid = 1;
  g1->fn = main_entry;
  g1->arg = mainarg;
  g1->run_id = goro__run_id;
  g1->saved_errno = 0;
  STORE(&g1->status, G_RUNNABLE);
  race_gostart(g1);
  goro__globrunqput(g1);
  STORE(&sched.run_state, RUN_ACTIVE);
  unlock();
  XADD(&sched.sysmon_wake, 1);
  futex(&sched.sysmon_wake, FUTEX_WAKE_PRIVATE, 1, NULL);
  startm(NULL, false);

  lock();
  while (LOAD(&sched.run_state) == RUN_ACTIVE) pthread_cond_wait(&sched.runcond, &goro__schedlock);
  int status = sched.status;
  char *msg = sched.msg;
  sched.msg = NULL;
  RACE_ACQUIRE(&sched.status);
  bool clean = finish_run();
  unlock();
  pthread_mutex_unlock(&runlock);
  if (!clean && status == GORO_OK) {
    free(msg);
    return seterr(err, errlen, GORO_FATAL,
                  "fatal error: goro: a goroutine kept running after main returned (it never yields)");
  }
  seterr(err, errlen, status, msg ? msg : "");
  free(msg);
  return status;
}

/* ---- stats --------------------------------------------------------------------------------- */

static void stats_of(P *p, goro_stats *out) {
  out->spawns = LOADR(&p->spawns);
  out->switches = LOADR(&p->switches);
  out->steals = LOADR(&p->steals);
  out->handoffs = LOADR(&p->handoffs);
  out->parks = LOADR(&p->parks);
  out->threads = LOAD(&sched.mcount);
}

void goro_stats_get(goro_stats *total) {
  memset(total, 0, sizeof *total);
  int n = NPROCS ? NPROCS : goro_procs();
  for (int i = 0; i < n; i++) {
    goro_stats s;
    stats_of(&allp[i], &s);
    total->spawns += s.spawns;
    total->switches += s.switches;
    total->steals += s.steals;
    total->handoffs += s.handoffs;
    total->parks += s.parks;
  }
  total->threads = LOAD(&sched.mcount);
}

int goro_stats_p(int p, goro_stats *out) {
  int n = NPROCS ? NPROCS : goro_procs();
  if (p < 0 || p >= n || !out) return GORO_EINVAL;
  stats_of(&allp[p], out);
  return GORO_OK;
}
