/* Small-stack mode (GORO_STACKS=small, goro_set_stacks): a parked goroutine keeps only the
 * bytes of its stack it really uses, copied aside; its stack pages go back to the kernel.
 *
 * Why this design. The default mode gives each goroutine a 512 KiB slot of reserved address
 * space and lets the kernel commit pages on touch, so a parked goroutine costs at least one
 * 4 KiB page (4,345 B resident per parked goroutine at 1M, Go 2,741 B). Two ways below a
 * kilobyte were weighed (issue 16):
 *  - split stacks (gcc -fsplit-stack): every function of the runtime and of the program pays a
 *    prologue check, every call into libc needs a large segment (libgcc's __morestack mmaps
 *    one, a VMA per goroutine: a million of them exceed vm.max_map_count), the build needs the
 *    gold linker and ASan does not support it. Ruled out without a prototype.
 *  - copied stacks (libaco's shared stack): a goroutine runs on a stack shared by its M and a
 *    parked one keeps a copy of its used bytes. But C frames hold absolute addresses (saved
 *    frame pointers, pointers to locals), so a goroutine must resume at the addresses it ran
 *    at, and an M:N scheduler moves goroutines between Ms: with one shared stack per M that is
 *    impossible without binding goroutines to Ms.
 * So this mode keeps what makes the default fast -- every goroutine owns its slot's addresses
 * for life, a switch is the same register swap -- and copies only the *parked* goroutines
 * aside, lazily and in batches, the way Go's GC shrinks idle stacks rather than the way it
 * grows them:
 *  - A goroutine that parks through goro__park with the unlock commit (channel send/receive,
 *    the semaphores under Mutex/WaitGroup/...) and has published no address in its own stack
 *    (see "pinned" below) is noted on its P's list (finish_switch, after its commit).
 *  - When the list holds RLIST goroutines, the P's M makes one pass: every listed goroutine
 *    still waiting is claimed by CAS of its status G_WAITING -> G_RECLAIMING. One that no
 *    earlier pass saw parked gets a second chance (kept on the list, at most half of it); one
 *    that is still in the same park at the next pass has its bytes [sp, stack_hi) copied to
 *    one malloc'ed block (typically ~0.5 KiB), then one madvise(MADV_GUARD_INSTALL) per run
 *    of consecutive slots drops their pages and guards them, and only then is each status
 *    set back to G_WAITING. A hot goroutine (ping-pong, a worker waiting a few microseconds)
 *    is woken before that and costs nothing; the madvise is paid once per batch, not per park
 *    (an earlier attempt paid one per park, ~26 us). The restore pays one MADV_GUARD_REMOVE
 *    and a page fault: BenchmarkSkynet, where most parents park long enough, is ~4x slower
 *    than in the default mode (1.2-1.6 s against 0.3 s; without the guards ~0.6-0.9 s).
 *  - The restore race of that attempt (a goroutine resumed by another M while its copy was
 *    being written) cannot happen: a waker takes the goroutine out of G_WAITING by CAS
 *    (goro__ready, sched.c's unwait), so it waits out a pass that holds it, and the pass sets
 *    G_WAITING only after the copy and the madvise; the M that later runs the goroutine sees
 *    g->saved through the run queue's publication and copies the bytes back before it
 *    switches to it (gswitch -> goro__small_restore), at the same addresses. Timers and the
 *    netpoller make goroutines runnable by a plain store, so goroutines parked there (their
 *    commit is not goro__park_unlock) are never copied, and a pass gives back a claim by CAS.
 *
 * Addresses into a parked stack. Since the goroutine resumes at the same addresses, pointers
 * into its stack stay valid -- except while it is copied aside, when a write through one
 * would land in a fresh zero page and be overwritten by the restore, and a read would see
 * zeros. The runtime's own hand-offs are kept exact: a channel peer reaches a parked
 * goroutine's value only through its wait record's element pointer, under the channel's
 * lock, so the pass takes that lock (trylock: a busy one skips the goroutine), copies the
 * stack and points the element pointer into the copy; a peer that comes later reads or
 * writes the copy, and the restore points it back. A goroutine is "pinned" (never copied
 * aside) when its park publishes some other stack address: the lock it parks under lies in a
 * goroutine's frame (a Mutex/WaitGroup/Once local shared with children) or its element
 * pointer points into another goroutine's stack. User code that shares a stack address
 * some other way (a child writing a result into its parent's local while the parent waits
 * on a heap channel) is detected, not prevented: the restore first checks that the dropped
 * bytes still read as zero, and a goroutine whose stack was written while it was copied
 * aside ends the process with a fatal error naming the mode and the rule, as a stack
 * overflow does. Reads of a copied-aside stack by another goroutine see zeros and are not
 * detected.
 *
 * Sanitizers. The copies run in functions built without ASan/TSan instrumentation and with
 * a word loop (not memcpy, which ASan intercepts): a stack holds ASan redzones, and its
 * shadow is left untouched by madvise, so it is right again once the bytes are back.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#ifndef MADV_GUARD_INSTALL
#define MADV_GUARD_INSTALL 102
#endif
#ifndef MADV_GUARD_REMOVE
#define MADV_GUARD_REMOVE 103
#endif
#include <unistd.h>

#include "core.h"
#include "sema.h"

int goro__small;                 /* the mode of the current run (read on the hot path) */
static int small_setting = -1;   /* goro_set_stacks: -1 = from GORO_STACKS */
enum { STK_PINNED = 0, STK_PLAIN = 1, STK_ELEM = 2 }; /* G.stk_ok */
static uint64_t n_reclaimed, n_restored, n_passes; /* relaxed counters, for tests */
/* Parked Gs a P notes before a pass: RLIST, or fewer from GORO_STACKS_BATCH (1..RLIST), a
 * test knob: with 1 every eligible park is copied aside at once, so every wake restores. */
static int rbatch = RLIST;

int goro_set_stacks(const char *mode, char *err, size_t errlen) {
  int v = -1;
  if (!mode || !*mode) v = -1;
  else if (!strcmp(mode, "small")) v = 1;
  else if (!strcmp(mode, "default")) v = 0;
  else {
    if (err && errlen) snprintf(err, errlen, "unknown stack mode '%s'; accepted: default, small (or NULL: GORO_STACKS)", mode);
    return GORO_EINVAL;
  }
  __atomic_store_n(&small_setting, v, __ATOMIC_RELAXED);
  if (err && errlen) err[0] = '\0';
  return GORO_OK;
}

const char *goro_stacks(void) { return goro__small ? "small" : "default"; }

/* At the start of each run: goro_set_stacks, else the environment. An unknown value of
 * GORO_STACKS is refused by goro_run with the accepted ones (returns 0 on success). */
int goro__small_start_run(char *err, size_t errlen) {
  int v = __atomic_load_n(&small_setting, __ATOMIC_RELAXED);
  if (v < 0) {
    const char *e = getenv("GORO_STACKS");
    if (!e || !*e || !strcmp(e, "default")) v = 0;
    else if (!strcmp(e, "small")) v = 1;
    else {
      if (err && errlen)
        snprintf(err, errlen, "GORO_STACKS=%.40s is not a stack mode; accepted: default, small", e);
      return GORO_EINVAL;
    }
  }
  const char *b = getenv("GORO_STACKS_BATCH");
  int batch = RLIST;
  if (b && *b) {
    char *end;
    long x = strtol(b, &end, 10);
    if (*end || x < 1 || x > RLIST) {
      if (err && errlen)
        snprintf(err, errlen, "GORO_STACKS_BATCH=%.40s is out of range; accepted: 1 <= n <= %d", b, RLIST);
      return GORO_EINVAL;
    }
    batch = (int)x;
  }
  rbatch = batch;
  STORE_REL(&goro__small, v);
  return 0;
}

void goro__small_counts(uint64_t *reclaimed, uint64_t *restored, uint64_t *passes) {
  if (reclaimed) *reclaimed = LOAD_RLX(&n_reclaimed);
  if (restored) *restored = LOAD_RLX(&n_restored);
  if (passes) *passes = LOAD_RLX(&n_passes);
}

/* Is addr inside a goroutine stack slot? (any slot: a lock in another goroutine's frame
 * pins too, since its owner could be reclaimed while we wait on it) */
static bool in_stacks(const void *addr) { return addr && goro__stack_slot_of(addr) != NOSLOT; }

/* goro__park, on the parking goroutine's own stack: may this park be reclaimed? */
void goro__small_park_note(G *g, bool (*commit)(void *), void *arg) {
  int ok = commit == goro__park_unlock && !in_stacks(arg) ? STK_PLAIN : STK_PINNED;
  char *elem = goro__gsync(g)->sg.elem;
  if (ok && elem) /* its own stack is the common case: no walk over the reservations */
    ok = elem >= g->stack_lo && elem < g->stack_hi ? STK_ELEM : in_stacks(elem) ? STK_PINNED : STK_PLAIN;
  g->park_lock = arg;
  __atomic_store_n(&g->stk_aged, 0, __ATOMIC_RELAXED); /* a new park: its second chance anew */
  __atomic_store_n(&g->stk_ok, (uint8_t)ok, __ATOMIC_RELAXED);
}

#define NOSAN __attribute__((no_sanitize("address", "thread"), optimize("no-tree-loop-distribute-patterns"), noinline))

NOSAN static void copy_words(uint64_t *dst, const uint64_t *src, size_t nwords) {
  for (size_t i = 0; i < nwords; i++) ((volatile uint64_t *)dst)[i] = ((const volatile uint64_t *)src)[i];
}

NOSAN static bool all_zero(const uint64_t *p, size_t nwords) {
  uint64_t acc = 0;
  for (size_t i = 0; i < nwords; i++) acc |= ((const volatile uint64_t *)p)[i];
  return acc == 0;
}

static int cmp_slot(const void *a, const void *b) {
  uint32_t x = (*(G *const *)a)->slot, y = (*(G *const *)b)->slot;
  return (x > y) - (x < y);
}

/* Give back a claim without copying. A CAS, not a store: a pinned park (a sleep, I/O) is
 * made runnable by a plain store of G_RUNNABLE (timer.c, netpoll.c), which must not be
 * overwritten; every other waker waits for G_WAITING (goro__ready). */
static void unclaim(G *g) {
  int r = G_RECLAIMING;
  CAS_SEQ(&g->status, r, G_WAITING);
}

static void reclaim_pass(P *p) {
  G *took[RLIST];
  int n = 0, kept = 0, nlist = p->nrlist;
  for (int i = 0; i < nlist; i++) {
    G *g = p->rlist[i];
    int w = G_WAITING;
    if (!__atomic_load_n(&g->stk_ok, __ATOMIC_RELAXED) || !CAS_SEQ(&g->status, w, G_RECLAIMING)) {
      __atomic_store_n(&g->on_rlist, 0, __ATOMIC_RELAXED);
      continue;
    }
    /* ours until the status is G_WAITING again. The first look at stk_ok may have been at an
     * earlier park; this one is of the park g is in now (its status store came after it) */
    int how = __atomic_load_n(&g->stk_ok, __ATOMIC_RELAXED);
    if (how == STK_PINNED || g->saved || g->slot == NOSLOT) {
      __atomic_store_n(&g->on_rlist, 0, __ATOMIC_RELAXED);
      unclaim(g);
      continue;
    }
    /* second chance: a goroutine seen parked by one pass is copied aside by the next if it
     * is still parked (in the same park), so one woken a moment later costs nothing; at most
     * half the list is kept, so every pass frees room */
    if (rbatch > 1 && !__atomic_load_n(&g->stk_aged, __ATOMIC_RELAXED) && kept < rbatch / 2) {
      __atomic_store_n(&g->stk_aged, 1, __ATOMIC_RELAXED);
      unclaim(g);
      p->rlist[kept++] = g; /* kept < i + 1: never overwrites an entry not yet read */
      continue;
    }
    __atomic_store_n(&g->on_rlist, 0, __ATOMIC_RELAXED);
    uint32_t *lock = g->park_lock;
    /* STK_ELEM: a peer reads or writes the value through sg->elem under the channel's lock;
     * holding it, we copy the stack and point sg->elem at the copy, so a peer that comes
     * later uses the copy and none can write the stack between our copy and the madvise */
    if (how == STK_ELEM && !goro__spin_trylock(lock)) {
      unclaim(g);
      continue;
    }
    size_t len = (size_t)(g->stack_hi - (char *)g->sp);
    char *buf = malloc(len);
    if (buf) {
      copy_words((uint64_t *)buf, (const uint64_t *)g->sp, len / 8);
      g->saved = buf;
      /* race build: the copy is malloc'ed on this goroutine's fiber and freed on g's; the
       * runtime's own ordering (the status CAS) is invisible to TSan there (race.h) */
      RACE_RELEASE(buf);
      if (how == STK_ELEM) {
        sudog *sg = &goro__gsync(g)->sg;
        char *e = sg->elem;
        if (e >= (char *)g->sp && e < g->stack_hi) sg->elem = buf + (e - (char *)g->sp);
      }
    }
    if (how == STK_ELEM) goro__spin_unlock(lock);
    if (!buf) { /* keep it whole: memory is short, not wrong */
      unclaim(g);
      continue;
    }
    took[n++] = g;
  }
  p->nrlist = kept;
  if (n == 0) return;
  qsort(took, (size_t)n, sizeof *took, cmp_slot);
  bool guards = goro__stack_guard_native();
  /* one madvise per run of consecutive slots of one reservation (guards between them stay:
   * MADV_DONTNEED keeps guard regions, and mprotect'ed fallback guards hold no pages) */
  for (int i = 0; i < n;) {
    int j = i + 1;
    while (j < n && took[j]->slot == took[j - 1]->slot + 1 &&
           goro__stack_base(took[j]->slot) == goro__stack_base(took[j - 1]->slot) + STACK_SLOT)
      j++;
    char *lo = took[i]->stack_lo;
    size_t len = (size_t)(took[j - 1]->stack_hi - lo);
    /* guard markers drop the pages as DONTNEED does, and make any touch fault (stack.c's
     * handler names the mistake); without them the restore checks for writes instead */
    if (!guards || madvise(lo, len, MADV_GUARD_INSTALL) != 0) madvise(lo, len, MADV_DONTNEED);
    i = j;
  }
  for (int i = 0; i < n; i++) STORE_REL(&took[i]->status, G_WAITING);
  __atomic_fetch_add(&n_reclaimed, (uint64_t)n, __ATOMIC_RELAXED);
  __atomic_fetch_add(&n_passes, 1, __ATOMIC_RELAXED);
}

/* finish_switch: g has parked (its commit succeeded) and may be reclaimed; ok was read
 * before the commit, after which g may already be running elsewhere. */
void goro__small_parked(P *p, G *g) {
  /* a load first: a goroutine that parks again and again stays listed until a pass */
  if (!p || __atomic_load_n(&g->on_rlist, __ATOMIC_RELAXED) || __atomic_exchange_n(&g->on_rlist, 1, __ATOMIC_RELAXED))
    return;
  p->rlist[p->nrlist++] = g;
  if (p->nrlist >= rbatch) reclaim_pass(p);
}

/* Remove the guard markers of a copied-aside stack (a no-op where there are none). */
static void unguard(G *g) {
  if (goro__stack_guard_native() &&
      madvise(g->stack_lo, (size_t)(g->stack_hi - g->stack_lo), MADV_GUARD_REMOVE) != 0) {
    fprintf(stderr, "fatal error: goro: removing the guard of a copied-aside stack: %s\n", strerror(errno));
    abort();
  }
}

/* gswitch, before switching to g (we are on another stack): put its bytes back. */
void goro__small_restore(G *g) {
  char *buf = g->saved;
  size_t len = (size_t)(g->stack_hi - (char *)g->sp);
  unguard(g);
  if (UNLIKELY(!all_zero((const uint64_t *)g->sp, len / 8))) {
    /* like a stack overflow (stack.c): the program broke the mode's one rule, and its memory
     * is no longer what it wrote; nothing sensible can run on */
    fprintf(stderr,
            "fatal error: goroutine %llu's stack was written while it was parked and copied aside "
            "(GORO_STACKS=small: share heap memory, not stack addresses, between goroutines)\n",
            (unsigned long long)g->goid);
    fflush(stderr);
    _exit(2);
  }
  copy_words((uint64_t *)g->sp, (const uint64_t *)buf, len / 8);
  sudog *sg = &goro__gsync(g)->sg; /* dequeued by its waker: nobody else looks at it now */
  char *e = sg->elem;
  if (e >= buf && e < buf + len) sg->elem = (char *)g->sp + (e - buf);
  g->saved = NULL;
  RACE_ACQUIRE(buf);
  free(buf);
  __atomic_fetch_add(&n_restored, 1, __ATOMIC_RELAXED);
}

/* A goroutine that ends (or is discarded with its run) while copied aside. */
void goro__small_forget(G *g) {
  if (g->saved) {
    unguard(g);
    RACE_ACQUIRE(g->saved);
  }
  free(g->saved);
  g->saved = NULL;
  __atomic_store_n(&g->on_rlist, 0, __ATOMIC_RELAXED);
}

/* End of a run: the lists point at goroutines that no longer exist. */
void goro__small_reset(P *p) { p->nrlist = 0; }
