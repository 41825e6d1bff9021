/* Goroutine stacks.
 *
 * Every stack is a slot of STACK_SLOT bytes carved out of a few huge MAP_NORESERVE
 * reservations (one VMA each). The kernel commits a page only when the goroutine touches it,
 * so a parked goroutine costs the pages its frames really used (usually one). The lowest
 * STACK_GUARD bytes of each slot are a guard installed with madvise(MADV_GUARD_INSTALL)
 * (Linux >= 6.13), which, unlike an mprotect'ed page, does not split the VMA: a million
 * stacks cost a handful of map entries, far below vm.max_map_count (65530). On an older
 * kernel we fall back to mprotect guards and say so (goro__stack_guard_mode): the number of
 * goroutines that ever ran at once is then bounded by max_map_count.
 *
 * A touch of the guard raises SIGSEGV; the handler runs on a per-M sigaltstack, compares the
 * fault address with the running goroutine's guard and reports "goroutine stack overflow".
 *
 * Slots are handed out lazily (when a goroutine first runs), cached per P and returned at
 * exit, so a storm of short goroutines cycles through a few hot slots with no page faults.
 * A slot that was used deeply gets its pages below the top STACK_KEEP bytes dropped
 * (MADV_DONTNEED) before it is pooled again, like Go shrinking stacks.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "core.h"

#ifndef MADV_GUARD_INSTALL
#define MADV_GUARD_INSTALL 102
#endif

#if defined(GORO_ASAN) || defined(GORO_FIBERS)
#define RESERVE_BYTES ((size_t)4 << 30) /* sanitizer shadow memory dislikes huge ranges */
#define MAX_RESERVES 4
#else
#define RESERVE_BYTES ((size_t)64 << 30)
#define MAX_RESERVES 64 /* 64 x 131072 slots: 8M goroutines */
#endif
/* Fixed by the first reservation: RESERVE_BYTES, or less where the address space is limited
 * (ulimit -v, valgrind), halving until the kernel agrees. */
static uint32_t slots_per_reserve;
#define SLOTS_PER_RESERVE slots_per_reserve

static struct {
  pthread_mutex_t lock;
  char *reserve[MAX_RESERVES];
  int nreserve;
  uint32_t fresh;    /* slots [0, fresh) have been handed out at least once */
  uint32_t *free;    /* stack of free slot indices */
  size_t nfree, capfree;
  int guard_mprotect; /* 1: fallback guards that split VMAs */
} pool = {.lock = PTHREAD_MUTEX_INITIALIZER};

char *goro__stack_base(uint32_t slot) {
  return pool.reserve[slot / SLOTS_PER_RESERVE] + (size_t)(slot % SLOTS_PER_RESERVE) * STACK_SLOT;
}

uint32_t goro__stack_slot_of(const void *addr) {
  const char *a = addr;
  int n = LOAD_SEQ(&pool.nreserve);
  size_t bytes = (size_t)slots_per_reserve * STACK_SLOT;
  for (int r = 0; r < n; r++) {
    const char *lo = pool.reserve[r];
    if (a >= lo && a < lo + bytes) return (uint32_t)r * SLOTS_PER_RESERVE + (uint32_t)((size_t)(a - lo) / STACK_SLOT);
  }
  return NOSLOT;
}

const char *goro__stack_guard_mode(void) {
  return pool.guard_mprotect ? "mprotect (goroutines bounded by vm.max_map_count)" : "MADV_GUARD_INSTALL";
}

uint64_t goro__stack_slots_used(void) { return LOAD_RLX(&pool.fresh); }

bool goro__stack_guard_native(void) { return !LOAD_RLX(&pool.guard_mprotect); }

static void die(const char *what) {
  fprintf(stderr, "fatal error: goro: %s: %s\n", what, strerror(errno));
  abort();
}

/* Whether the kernel really refuses access to a freshly installed guard. An emulator can
 * accept advice it does not know and do nothing (qemu-user 7.2 answers 0 to every advice
 * but a few): without this check the runtime would report a guard it lacks, and an overflow
 * would silently write into the neighbouring slot. A one-byte write from the guard into a
 * pipe fails with EFAULT when the guard is there, and costs no signal when it is not.
 * Checked once, on the first slot. */
static bool guard_holds(char *base) {
  int fds[2];
  if (pipe(fds) != 0) return true; /* cannot tell: trust madvise's answer */
  ssize_t w = write(fds[1], base, 1);
  close(fds[0]);
  close(fds[1]);
  return w < 0;
}

/* A never-used slot: make sure its reservation exists and install its guard. Lock held. */
static uint32_t fresh_slot(void) {
  uint32_t slot = pool.fresh;
  int r = slots_per_reserve ? (int)(slot / SLOTS_PER_RESERVE) : 0;
  if (r >= MAX_RESERVES) {
    fprintf(stderr, "fatal error: goro: out of goroutine stacks (%u)\n", slot);
    abort();
  }
  if (r == pool.nreserve) {
    size_t bytes = slots_per_reserve ? (size_t)slots_per_reserve * STACK_SLOT : RESERVE_BYTES;
    void *m;
    while ((m = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0)) ==
               MAP_FAILED &&
           !slots_per_reserve && bytes > 64 * STACK_SLOT)
      bytes /= 2;
    if (m == MAP_FAILED) die("reserving stack space");
    slots_per_reserve = (uint32_t)(bytes / STACK_SLOT);
    pool.reserve[r] = m;
    STORE_REL(&pool.nreserve, r + 1);
  }
  char *base = goro__stack_base(slot);
  if (!pool.guard_mprotect && madvise(base, STACK_GUARD, MADV_GUARD_INSTALL) != 0) {
    if (errno != EINVAL) die("installing a stack guard");
    pool.guard_mprotect = 1; /* kernel < 6.13 */
  } else if (!pool.guard_mprotect && slot == 0 && !guard_holds(base)) {
    pool.guard_mprotect = 1; /* accepted but not installed (emulation) */
  }
  if (pool.guard_mprotect && mprotect(base, STACK_GUARD, PROT_NONE) != 0) die("mprotect guard");
  STORE_REL(&pool.fresh, slot + 1);
  return slot;
}

uint32_t goro__stack_get(P *p) {
  if (LIKELY(p && p->nstack > 0)) return p->stackcache[--p->nstack];
  pthread_mutex_lock(&pool.lock);
  uint32_t slot;
  if (pool.nfree > 0) {
    slot = pool.free[--pool.nfree];
    /* refill half the cache in the same trip */
    while (p && pool.nfree > 0 && p->nstack < STACK_CACHE / 2) p->stackcache[p->nstack++] = pool.free[--pool.nfree];
  } else {
    slot = fresh_slot();
  }
  pthread_mutex_unlock(&pool.lock);
  return slot;
}

static void free_push(uint32_t slot) { /* lock held */
  if (pool.nfree == pool.capfree) {
    size_t cap = pool.capfree ? pool.capfree * 2 : 1024;
    uint32_t *f = realloc(pool.free, cap * sizeof *f);
    if (!f) die("growing the stack pool");
    pool.free = f;
    pool.capfree = cap;
  }
  pool.free[pool.nfree++] = slot;
}

void goro__stack_put(P *p, uint32_t slot, bool deep) {
  if (UNLIKELY(deep)) {
    /* drop the pages below the top few: the goroutine that reuses it starts small again */
    char *base = goro__stack_base(slot);
    madvise(base + STACK_GUARD, STACK_SLOT - STACK_GUARD - STACK_KEEP, MADV_DONTNEED);
  }
  if (LIKELY(p && p->nstack < STACK_CACHE)) {
    p->stackcache[p->nstack++] = slot;
    return;
  }
  pthread_mutex_lock(&pool.lock);
  free_push(slot);
  while (p && p->nstack > STACK_CACHE / 2) free_push(p->stackcache[--p->nstack]);
  pthread_mutex_unlock(&pool.lock);
}

void goro__stack_flush(P *p) {
  pthread_mutex_lock(&pool.lock);
  while (p->nstack > 0) free_push(p->stackcache[--p->nstack]);
  pthread_mutex_unlock(&pool.lock);
}

static int cmp_u32(const void *a, const void *b) {
  uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
  return (x > y) - (x < y);
}

/* End of a run, nothing running but goroutines stuck in syscalls (their slots in `keep`):
 * give every other slot's pages back to the kernel, one madvise per gap, not per slot. */
void goro__stack_reclaim_all(const uint32_t *keep, size_t nkeep) {
  uint32_t *k = NULL;
  if (nkeep) {
    k = malloc(nkeep * sizeof *k);
    if (!k) die("reclaiming stacks");
    memcpy(k, keep, nkeep * sizeof *k);
    qsort(k, nkeep, sizeof *k, cmp_u32);
  }
  pthread_mutex_lock(&pool.lock);
  uint32_t from = 0, end = pool.fresh;
  for (size_t i = 0; i <= nkeep; i++) {
    uint32_t to = i < nkeep ? k[i] : end; /* drop slots [from, to) */
    while (from < to) {
      uint32_t r = from / SLOTS_PER_RESERVE;
      uint32_t upto = (r + 1) * SLOTS_PER_RESERVE < to ? (r + 1) * SLOTS_PER_RESERVE : to;
      /* whole slots; the guards are kept by the kernel across MADV_DONTNEED */
      madvise(goro__stack_base(from), (size_t)(upto - from) * STACK_SLOT, MADV_DONTNEED);
      from = upto;
    }
    from = to + 1;
  }
  pthread_mutex_unlock(&pool.lock);
  free(k);
}

void goro__stack_reset_free(uint32_t *slots, size_t n) {
  pthread_mutex_lock(&pool.lock);
  pool.nfree = 0;
  for (size_t i = 0; i < n; i++) free_push(slots[i]);
  pthread_mutex_unlock(&pool.lock);
}

/* ---- stack overflow ---------------------------------------------------------------------- */

static struct sigaction old_segv, old_bus;

static void put_str(char *buf, size_t *n, size_t cap, const char *s) {
  while (*s && *n < cap) buf[(*n)++] = *s++;
}
static void put_u64(char *buf, size_t *n, size_t cap, uint64_t v) {
  char tmp[24];
  int i = 0;
  do tmp[i++] = (char)('0' + v % 10); while ((v /= 10) && i < 24);
  while (i > 0 && *n < cap) buf[(*n)++] = tmp[--i];
}

static void on_fault(int sig, siginfo_t *si, void *uc) {
  M *m = goro__getm();
  G *g = m ? m->curg : NULL;
  char *a = si->si_addr;
  if (g && g != &m->g0 && g->slot != NOSLOT) {
    char *base = goro__stack_base(g->slot);
    if (a >= base && a < base + STACK_GUARD) {
      char msg[256];
      size_t n = 0;
      put_str(msg, &n, sizeof msg, "runtime: goroutine stack exceeds ");
      put_u64(msg, &n, sizeof msg, (uint64_t)(STACK_SLOT - STACK_GUARD));
      put_str(msg, &n, sizeof msg, "-byte limit\nfatal error: goroutine stack overflow\n\ngoroutine ");
      put_u64(msg, &n, sizeof msg, g->goid);
      put_str(msg, &n, sizeof msg, " [running]:\n");
      ssize_t w = write(2, msg, n);
      (void)w;
      _exit(2);
    }
  }
  /* small-stack mode (stack_copy.c): the usable part of a slot faults only while its
   * goroutine is parked with its stack copied aside and the pages guarded */
  uint32_t slot = goro__small ? goro__stack_slot_of(a) : NOSLOT;
  if (slot != NOSLOT && a >= goro__stack_base(slot) + STACK_GUARD) {
    char msg[400];
    size_t n = 0;
    put_str(msg, &n, sizeof msg, "fatal error: goroutine ");
    put_u64(msg, &n, sizeof msg, g && g != &m->g0 ? g->goid : 0);
    put_str(msg, &n, sizeof msg,
            " touched the stack of another goroutine that is parked with its stack copied aside "
            "(GORO_STACKS=small: share heap memory, not stack addresses, between goroutines)\n");
    ssize_t w = write(2, msg, n);
    (void)w;
    _exit(2);
  }
  /* not ours: hand the fault to whoever had it before (default: die with the signal) */
  struct sigaction *old = sig == SIGSEGV ? &old_segv : &old_bus;
  if ((old->sa_flags & SA_SIGINFO) && old->sa_sigaction) {
    old->sa_sigaction(sig, si, uc);
  } else if (old->sa_handler != SIG_IGN && old->sa_handler != SIG_DFL && old->sa_handler) {
    old->sa_handler(sig);
  } else {
    sigaction(sig, old, NULL); /* the faulting instruction runs again and takes the old action */
  }
}

void goro__stack_init(void) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = on_fault;
  sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGSEGV, &sa, &old_segv);
  sigaction(SIGBUS, &sa, &old_bus);
}

void goro__stack_signals_thread(M *m) {
  size_t sz = 64 << 10;
  void *alt = mmap(NULL, sz, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (alt == MAP_FAILED) die("allocating a signal stack");
  stack_t ss = {.ss_sp = alt, .ss_size = sz, .ss_flags = 0};
  if (sigaltstack(&ss, NULL) != 0) die("sigaltstack");
  m->altstack = alt;
}
