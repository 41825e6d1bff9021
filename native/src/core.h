/* Internal structures of the scheduler core (sched.c and the files it is split into, see
 * proc.h; stack.c, timer.c, netpoll.c, preempt.c). The packages above the core see only
 * runtime.h; these layouts may change freely. */
#ifndef GORO_CORE_H
#define GORO_CORE_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>
#include <time.h>

#include "cpu.h"
#include "race.h"
#include "runtime.h"

#if defined(__SANITIZE_ADDRESS__)
#define GORO_ASAN 1
#endif
#if defined(__SANITIZE_THREAD__)
#define GORO_TSAN 1
#endif
#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define GORO_ASAN 1
#endif
#if __has_feature(thread_sanitizer)
#define GORO_TSAN 1
#endif
#endif
/* TSan fibers: when the runtime is instrumented, and in a race build (race.h), where it is not
 * but the program is. */
#if defined(GORO_TSAN) || defined(GORO_RACE)
#define GORO_FIBERS 1
#endif

/* Atomics, named by memory order so a reader sees the order at the call. Chosen for a weakly
 * ordered CPU (arm64), where x86's TSO hides nothing:
 *   LOAD_SEQ   seq_cst load. Not just acquire, on purpose (the arm64 review): the wake-up
 *              invariant (sched.c) is a store-then-load on each side: a submitter publishes a
 *              G (runnext XCHG_SEQ, or the sched lock's release) and then reads nmspinning/
 *              npidle; a spinner decrements nmspinning (XADD_SEQ) and then reads the queues.
 *              With both loads seq_cst the four operations are in one total order, so one
 *              side sees the other. The cost is nil on both targets: a seq_cst load is a
 *              plain MOV on x86 and LDAR on arm64 (what acquire compiles to unless -march
 *              enables RCpc's LDAPR, which may pass an earlier store-release and would lose
 *              that wake-up).
 *   LOAD_RLX   relaxed load: a racy read whose value is only a hint or a counter.
 *   STORE_REL  release store. Not seq_cst: that is an XCHG on x86, and every publication the
 *              wake-up invariant relies on is an RMW or an unlock.
 *   STORE_RLX  relaxed store: a word only its owner writes, read racily by others.
 *   CAS_SEQ, XADD_SEQ, XCHG_SEQ  seq_cst read-modify-writes (CAS_SEQ takes the expected
 *              value as an lvalue and updates it on failure). */
#define LOAD_SEQ(p) __atomic_load_n((p), __ATOMIC_SEQ_CST)
#define LOAD_RLX(p) __atomic_load_n((p), __ATOMIC_RELAXED)
#define STORE_REL(p, v) __atomic_store_n((p), (v), __ATOMIC_RELEASE)
#define STORE_RLX(p, v) __atomic_store_n((p), (v), __ATOMIC_RELAXED)
#define CAS_SEQ(p, o, n) __atomic_compare_exchange_n((p), &(o), (n), false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST)
#define XADD_SEQ(p, d) __atomic_fetch_add((p), (d), __ATOMIC_SEQ_CST)
#define XCHG_SEQ(p, v) __atomic_exchange_n((p), (v), __ATOMIC_SEQ_CST)
#define LIKELY(x) __builtin_expect(!!(x), 1)
#define UNLIKELY(x) __builtin_expect(!!(x), 0)

typedef struct M M;
typedef struct P P;

enum gstatus { G_FREE = 0, G_RUNNABLE, G_RUNNING, G_SYSCALL, G_WAITING, G_DEAD,
  G_RECLAIMING, /* stack_copy.c: a waiting G whose stack is being copied aside */
};

#define NOSLOT UINT32_MAX

struct G {
  void *sp;             /* saved stack pointer while switched out (switch_<arch>.S) */
  uint64_t goid;
  void (*fn)(void *);
  void *arg;
  char *stack_lo;       /* usable stack: [stack_lo, stack_hi), guard just below stack_lo */
  char *stack_hi;
  char *min_sp;         /* deepest sp seen at a switch: drives shrinking at exit */
  uint32_t slot;        /* stack slot index, NOSLOT until the g first runs */
  int status;           /* enum gstatus, atomic */
  bool orphan;          /* left in a syscall when its run ended; freed when it returns */
  int saved_errno;      /* errno belongs to the goroutine, not to the M it runs on */
  const char *waitreason;
  G *schedlink;         /* run queue / free list link */
  G *chaintail;         /* on the global queue, at the head of a batch: its last G ... */
  int64_t chainlen;     /* ... and its length, so a batch moves in O(1) under the lock */
  int64_t when;         /* timer deadline (goro_sleep) */
  uint32_t run_id;
  uint8_t stk_ok;       /* stack_copy.c: this park may be copied aside (atomic, relaxed) */
  uint8_t on_rlist;     /* stack_copy.c: on a P's reclaim list (atomic, relaxed) */
  uint8_t stk_aged;     /* stack_copy.c: seen parked by one pass already (atomic, relaxed) */
  char *saved;          /* stack_copy.c: bytes [sp, stack_hi) while copied aside, else NULL */
  void *park_lock;      /* stack_copy.c: the lock of its last park (goro__park_unlock's arg) */
  struct goro_gsync gsync;
#ifdef GORO_ASAN
  void *asan_fake_stack;
#endif
#ifdef GORO_FIBERS
  void *tsan_fiber;
#endif
#ifdef GORO_RACE
  void *race_token; /* race.h: the sync address of this goroutine's plain wait record */
#endif
};

#define RUNQ_SIZE 256
#define GFREE_CACHE 256
#define STACK_CACHE 16
#define RLIST 128 /* stack_copy.c: parked Gs a P notes before one reclaim pass */

struct P {
  int id;
  uint32_t runqhead; /* consumers (owner and thieves) CAS this */
  uint32_t runqtail; /* only the owner writes */
  G *runnext;
  G *runq[RUNQ_SIZE];
  M *sysm;           /* the M that took this P into a syscall; sysmon or that M CAS it away */
  uint32_t syscalltick;
  uint32_t schedtick;
  uint32_t nextstreak; /* consecutive runnext picks; bounded so the ring is not starved */
  P *link;           /* idle list */
  uint64_t goidcache, goidcacheend;
  int ngfree;
  G *gfree[GFREE_CACHE];
  int nstack;
  uint32_t stackcache[STACK_CACHE];
  /* counters; written by the owner only, read racily by goro_stats_* */
  uint64_t spawns, exits, switches, steals, handoffs, parks;
  int nrlist;        /* stack_copy.c: Gs parked here since the last reclaim pass */
  G *rlist[RLIST];
} __attribute__((aligned(64)));

enum after {
  AFTER_NONE = 0, AFTER_YIELD, AFTER_PARK, AFTER_EXIT, AFTER_ABANDON, AFTER_SYSCALL_REQUEUE, AFTER_ORPHAN,
  AFTER_PREEMPT, /* preempt.c: a yield that requeues globally (Go's gopreempt_m) */
};

struct M {
  G g0;              /* the thread's own stack: runs the idle loop (mloop) */
  G *curg;
  P *p;
  P *oldp;           /* P held on entry to a syscall */
  P *nextp;          /* P handed over by startm */
  /* what to do with the previous g once we are off its stack (finish_switch) */
  int after;
  G *after_g;
  bool (*commit)(void *);
  void *commit_arg;
  uint32_t park;     /* futex word: 1 = woken */
  bool spinning;
  M *schedlink;
  int id;
  pid_t tid;
  uint64_t fastrand;
  void *altstack;
  /* preemption (preempt.c): schedtick moves at every switch (gswitch, relaxed); sysmon alone
   * keeps pm_tick/pm_when (the tick it last saw and since when) and asks by setting
   * preempt_g, which the signal handler takes back */
  uint32_t schedtick;
  uint32_t pm_tick;
  int64_t pm_when;
  G *preempt_g;
  M *alllink;        /* every M ever made (sched.c allm); Ms never exit */
};

/* sched.c */
M *goro__getm(void);
void goro__globrunqput(G *g); /* runq.c; sched lock held */
void goro__wakep(void);
_Noreturn void goro__crash(const char *msg); /* a broken invariant: "fatal error: msg", abort (Go's throw) */
extern pthread_mutex_t goro__schedlock;
extern uint32_t goro__run_id;

/* The sched lock, taken only through these. In a debug or sanitizer build (GORO_DEBUG, which
 * cflags.py sets for every sanitizer, or a sanitizer detected above) the lock records its
 * owner thread, and ASSERT_SCHEDLOCK_HELD() in a verb whose contract says "sched lock held"
 * throws when the caller does not hold it. The normal build has neither the word nor the
 * checks. A condition wait releases the lock inside pthread_cond_*wait: goro__sched_condwait
 * gives up the ownership around it. */
#if defined(GORO_ASAN) || defined(GORO_TSAN)
#ifndef GORO_DEBUG
#define GORO_DEBUG 1
#endif
#endif
#ifdef GORO_DEBUG
extern uintptr_t goro__schedlock_owner; /* pthread_self() of the holder, 0 when free; relaxed */
static inline void goro__schedlock_own(bool mine) {
  __atomic_store_n(&goro__schedlock_owner, mine ? (uintptr_t)pthread_self() : 0, __ATOMIC_RELAXED);
}
static inline void goro__schedlock_check(const char *fn) {
  if (__atomic_load_n(&goro__schedlock_owner, __ATOMIC_RELAXED) != (uintptr_t)pthread_self()) {
    static char msg[128]; /* one thread gets here at most once: it aborts */
    snprintf(msg, sizeof msg, "%s: sched lock not held", fn);
    goro__crash(msg);
  }
}
#define ASSERT_SCHEDLOCK_HELD() goro__schedlock_check(__func__)
#else
#define goro__schedlock_own(mine) ((void)0)
#define ASSERT_SCHEDLOCK_HELD() ((void)0)
#endif
static inline void goro__sched_lock(void) {
  pthread_mutex_lock(&goro__schedlock);
  goro__schedlock_own(true);
}
static inline void goro__sched_unlock(void) {
  ASSERT_SCHEDLOCK_HELD();
  goro__schedlock_own(false);
  pthread_mutex_unlock(&goro__schedlock);
}
/* Wait on c with the sched lock held (released while waiting); dl NULL: no deadline. */
static inline int goro__sched_condwait(pthread_cond_t *c, const struct timespec *dl) {
  ASSERT_SCHEDLOCK_HELD();
  goro__schedlock_own(false);
  int rc = dl ? pthread_cond_timedwait(c, &goro__schedlock, dl) : pthread_cond_wait(c, &goro__schedlock);
  goro__schedlock_own(true);
  return rc;
}

/* switch_x86_64.S / switch_aarch64.S (the build assembles the one for its target) */
void goro__ctx_switch(void **save_sp, void *new_sp);
void goro__ctx_trampoline(void);
void goro__async_preempt_tramp(void);

/* preempt.c */
#define HIDDEN __attribute__((visibility("hidden")))
void goro__preempt_init(void);
bool goro__preempt_enabled(void);
void goro__preempt_m(M *m, G *g);            /* sysmon: signal m to leave g */
HIDDEN void goro__async_preempt(void);       /* the trampoline's call */
HIDDEN extern uint32_t goro__xsave_size;     /* 0: FXSAVE64; read by the trampoline */
extern uint64_t goro__preempts, goro__preempt_declined; /* for tests (relaxed) */
extern uintptr_t goro__preempt_pcs[64];    /* PCs of accepted preemptions, for tests */
void goro__preempt_park(void);               /* sched.c: yield, requeue on the global queue */

#if !defined(__x86_64__) && !defined(__aarch64__)
#error "goro: the runtime has a context switch for x86-64 and arm64 only"
#endif

/* The frame goro__ctx_switch pops for a goroutine that has never run, built just below `top`
 * (16-byte aligned): its "return address" is goro__ctx_trampoline, every callee-saved
 * register is zero and the floating-point control state is the process default. Returns
 * the stack pointer to store in g->sp. The layouts are the ones the .S files document. */
static inline void *goro__ctx_newframe(char *top) {
#if defined(__x86_64__)
  /* control words, rbx rbp r12-r15, return address */
  uint64_t *sp = (uint64_t *)top - 8;
  sp[0] = 0x1F80 | ((uint64_t)0x037F << 32); /* default MXCSR | x87 control word */
  for (int i = 1; i < 7; i++) sp[i] = 0;
  sp[7] = (uint64_t)(uintptr_t)goro__ctx_trampoline;
#elif defined(__aarch64__)
  /* x19-x28, x29, x30 = return address, d8-d15, fpcr, pad: 22 words */
  uint64_t *sp = (uint64_t *)top - 22;
  for (int i = 0; i < 22; i++) sp[i] = 0; /* fpcr 0: round to nearest, no traps */
  sp[11] = (uint64_t)(uintptr_t)goro__ctx_trampoline;
#endif
  return sp;
}

/* stack.c */
#define STACK_SLOT ((size_t)512 << 10)  /* slot = guard + usable stack */
#define STACK_GUARD ((size_t)64 << 10)  /* large enough that a big frame cannot skip it */
#define STACK_KEEP ((size_t)16 << 10)   /* pages kept when a deeply used stack is pooled */
void goro__stack_init(void);
uint32_t goro__stack_get(P *p);        /* a slot from p's cache or the global pool */
void goro__stack_put(P *p, uint32_t slot, bool deep);
void goro__stack_flush(P *p);          /* p's cache back to the global pool */
char *goro__stack_base(uint32_t slot); /* low end of the slot (the guard) */
void goro__stack_reclaim_all(const uint32_t *keep, size_t nkeep); /* drop pages of every slot but these */
void goro__stack_reset_free(uint32_t *slots, size_t n); /* the free pool is exactly these + never-used */
const char *goro__stack_guard_mode(void);
void goro__stack_signals_thread(M *m); /* per-M sigaltstack */
uint64_t goro__stack_slots_used(void);
uint32_t goro__stack_slot_of(const void *addr); /* the slot holding addr, or NOSLOT */
bool goro__stack_guard_native(void); /* MADV_GUARD_INSTALL works (else mprotect guards) */

/* stack_copy.c: the small-stack mode (design note there) */
extern int goro__small;
int goro__small_start_run(char *err, size_t errlen);
void goro__small_park_note(G *g, bool (*commit)(void *), void *arg);
void goro__small_parked(P *p, G *g);
void goro__small_restore(G *g);
void goro__small_forget(G *g);
void goro__small_reset(P *p);
void goro__small_counts(uint64_t *reclaimed, uint64_t *restored, uint64_t *passes);

/* timer.c */
/* A runtime timer (netpoll.c's deadlines) beside the sleeping Gs in the one heap. fire runs
 * with the sched lock held and the timer lock not (it takes its owner's lock, which in turn
 * takes the timer lock to re-arm: sched -> owner -> timer); seq is the value given to
 * goro__ptimer_set, so fire can tell a timer re-armed or stopped since it was taken out of
 * the heap. Returns the number of Gs it made runnable (on the global queue). */
typedef struct ptimer ptimer;
struct ptimer {
  int64_t when;
  size_t idx; /* heap index + 1; 0 = not in the heap (timer lock) */
  uint64_t seq;
  size_t (*fire)(ptimer *t, uint64_t seq);
  ptimer *firelink; /* the due list of one goro__timer_fire */
};
void goro__ptimer_set(ptimer *t, int64_t when, uint64_t seq); /* arm or move */
void goro__ptimer_del(ptimer *t);                               /* no-op if not armed */
void goro__timer_add(G *g);         /* g->when set; g is parked */
size_t goro__timer_fire(int64_t now, int64_t *next); /* sched lock held: due gs -> global queue */
size_t goro__timer_count(void);
void goro__timer_clear(void);
int64_t goro__timer_next(void);
void goro__sysmon_kick(int64_t when);

#endif
