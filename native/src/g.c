/* Goroutine records (see the note at the top of sched.c). Gs come from chunks that are never
 * unmapped (checkdead and cleanup_run walk them), recycled through a per-P cache and a global
 * free list under its own lock; ids come from per-P batches of a global counter. Also the
 * race build's per-goroutine TSan fibers, and goro_go/goro_id/goro_count. */
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#include "proc.h"

#ifdef GORO_FIBERS
#include <sanitizer/tsan_interface.h>
#endif

/* ---- G allocation -------------------------------------------------------------------------- */


/* Owner P only (p NULL: goro_run's thread); sched lock not held, takes the free-list lock. */
G *gfget(P *p) {
  if (LIKELY(p && p->ngfree > 0)) return p->gfree[--p->ngfree];
  pthread_mutex_lock(&sched.gfree.lock);
  if (!sched.gfree.list) {
    /* pre-faulted in one go: a spawn storm keeps ~1M Gs alive, and a page fault per 17 Gs
     * taken one by one costs more than the spawns themselves */
    struct gchunk *c = mmap(NULL, sizeof *c, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
    if (c == MAP_FAILED) crash("goro: out of memory for goroutines");
    for (int i = GCHUNK - 1; i >= 0; i--) {
      c->g[i].slot = NOSLOT;
      c->g[i].schedlink = sched.gfree.list;
      sched.gfree.list = &c->g[i];
    }
    sched.gfree.n += GCHUNK;
    STORE_REL(&c->next, sched.gfree.chunks);
    STORE_REL(&sched.gfree.chunks, c);
  }
  G *g = sched.gfree.list;
  sched.gfree.list = g->schedlink;
  sched.gfree.n--;
  while (p && sched.gfree.list && p->ngfree < GFREE_CACHE / 2) {
    p->gfree[p->ngfree++] = sched.gfree.list;
    sched.gfree.list = sched.gfree.list->schedlink;
    sched.gfree.n--;
  }
  pthread_mutex_unlock(&sched.gfree.lock);
  return g;
}

/* Owner P only (p NULL: an orphan's M); sched lock not held; g already gdestroy'd. */
void gfput(P *p, G *g) {
  if (LIKELY(p && p->ngfree < GFREE_CACHE)) {
    p->gfree[p->ngfree++] = g;
    return;
  }
  pthread_mutex_lock(&sched.gfree.lock);
  g->schedlink = sched.gfree.list;
  sched.gfree.list = g;
  sched.gfree.n++;
  while (p && p->ngfree > GFREE_CACHE / 2) {
    G *x = p->gfree[--p->ngfree];
    x->schedlink = sched.gfree.list;
    sched.gfree.list = x;
    sched.gfree.n++;
  }
  pthread_mutex_unlock(&sched.gfree.lock);
}

#ifdef GORO_RACE
void AnnotateIgnoreWritesBegin(const char *file, int line);
void AnnotateIgnoreWritesEnd(const char *file, int line);

/* race.h: each goroutine is its own TSan fiber, created by its spawner (creation orders the
 * spawner's past before the child, like Go's racegostart) and destroyed when it ends, so a
 * goroutine that reuses a G struct does not inherit the dead one's clock.
 * The spawner (goro_go, goro_run), before g is queued. */
void race_gostart(G *g) {
  if (g->tsan_fiber) __tsan_destroy_fiber(g->tsan_fiber);
  g->tsan_fiber = __tsan_create_fiber(0);
  goro__race_renew(&g->race_token); /* nor the clock left in its plain wait record */
  char name[32]; /* reports then say which goroutine: Thread T7 'goroutine 12' */
  snprintf(name, sizeof name, "goroutine %llu", (unsigned long long)g->goid);
  __tsan_set_fiber_name(g->tsan_fiber, name);
}

/* A dead goroutine's stack accesses must not race with the next goroutine on its slot: an
 * mmap over the slot while TSan ignores this thread resets the range's shadow (Go's
 * stackalloc calls racemalloc for the same reason).
 * gdestroy only. */
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
#define race_goend(g) ((void)0)
#endif

/* Reset a G that is done with, returning its stack slot.
 * The M that finished g (finish_switch), off g's stack; p its P or NULL (orphans). */
void gdestroy(P *p, G *g) {
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
  STORE_REL(&g->status, G_FREE);
}

/* ---- goroutines ---------------------------------------------------------------------------- */

/* A goroutine (its M holds a P); no runtime lock held. */
uint64_t goro_go(void (*fn)(void *), void *arg) {
  M *m = goro__getm();
  if (UNLIKELY(!m || m->curg == &m->g0 || !m->p)) crash("goro_go: not called from a running goroutine");
  P *p = m->p;
  G *g = gfget(p);
  if (UNLIKELY(p->goidcache == p->goidcacheend)) {
    p->goidcache = XADD_SEQ(&sched.goidgen, 16);
    p->goidcacheend = p->goidcache + 16;
  }
  uint64_t goid = p->goidcache++;
  g->goid = goid;
  g->fn = fn;
  g->arg = arg;
  g->run_id = goro__run_id;
  g->saved_errno = 0;
  STORE_RLX(&g->status, G_RUNNABLE);
  race_gostart(g);
  INC(p->spawns);
  runqput(p, g, true);
  goro__wakep();
  /* not g->goid: once queued, g may run to its end on another M and be reused by another
   * spawn before this line (found by native/tests/test_differential.py, 509 of 3,000 runs) */
  return goid;
}

/* Any thread: 0 outside a goroutine. */
uint64_t goro_id(void) {
  G *g = goro__getg();
  return g ? g->goid : 0;
}

/* Any thread, no lock: a racy sum, exact when nothing runs. */
int64_t goro_count(void) {
  int64_t n = LOAD_SEQ(&sched.run_state) == RUN_ACTIVE ? 1 : 0; /* main */
  for (int i = 0; i < NPROCS; i++) n += (int64_t)(LOAD_RLX(&allp[i].spawns) - LOAD_RLX(&allp[i].exits));
  return n;
}
