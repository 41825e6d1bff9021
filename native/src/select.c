/* select (Go's runtime/select.go): poll the cases in a random order; if none is ready, queue
 * a sudog on every channel and park; the first peer to win the goroutine's select_done CAS
 * completes its case and wakes it; it then takes its sudogs off the other channels.
 * All channels of a select are locked together, in address order (so two selects over the
 * same channels cannot deadlock), each distinct channel once. */
#include <stdlib.h>

#include "chan.h"

/* ---- sudog pool: select needs one wait record per case; never on the goroutine's stack. */

static uint32_t pool_lock;
static sudog *pool_free;

static sudog *sudog_get(void) {
  goro__spin_lock(&pool_lock);
  sudog *s = pool_free;
  if (s) pool_free = s->next;
  goro__spin_unlock(&pool_lock);
  if (!s) {
    if (!(s = malloc(sizeof *s))) goro_panic("select: out of memory");
    *s = (sudog){0}; /* race builds free s->race_sync before renewing it */
  }
#ifdef GORO_RACE
  goro__race_renew(&RACE_SG(s)); /* race.h: a new owner, a fresh sync address */
#endif
  return s;
}

static void sudog_put_list(sudog *first, sudog *last) {
  goro__spin_lock(&pool_lock);
  last->next = pool_free;
  pool_free = first;
  goro__spin_unlock(&pool_lock);
}

/* ---- lock order -------------------------------------------------------------------------- */

struct selock {
  goro_case *cases;
  int *lockorder;
  int n;
};

static void sellock(struct selock *s) {
  goro_chan *prev = NULL;
  for (int k = 0; k < s->n; k++) {
    goro_chan *c = s->cases[s->lockorder[k]].ch;
    if (c != prev) goro__spin_lock(&c->lock);
    prev = c;
  }
}

/* Unlock in reverse lock order. Once the goroutine is parked, a waker on any of these
 * channels may ready it at once; it will then spin in sellock on the FIRST channel, which
 * we release last, so *s (on its stack) stays valid until our final unlock. Nothing here
 * may touch *s after that last unlock. */
static void selunlock(void *p) {
  struct selock *s = p;
  for (int k = s->n - 1; k >= 0; k--) {
    goro_chan *c = s->cases[s->lockorder[k]].ch;
    if (k > 0 && s->cases[s->lockorder[k - 1]].ch == c) continue; /* same channel: once */
    goro__spin_unlock(&c->lock);
  }
}

static bool selunlock_commit(void *p) {
  selunlock(p);
  return true;
}

/* select's poll order: cpu.h's generator on the goroutine's own state (a G may move between
 * Ms across parks), seeded at its first select. */
static uint32_t fastrand(struct goro_gsync *gs) {
  if (gs->rng == 0) gs->rng = (goro__goid(goro__getg()) + 1) * 0x9E3779B97F4A7C15ull ^ (uint64_t)goro_nanotime();
  if (gs->rng == 0) gs->rng = 1;
  return goro__fastrand(&gs->rng);
}

static _Noreturn void block_forever(const char *reason) {
  for (;;) goro__park(reason, NULL, NULL);
}

#define SMALL_SELECT 32

static int select_impl(goro_case *cases, int ncases, bool has_default) {
  if (ncases < 0 || ncases > 65536 || (ncases > 0 && !cases))
    goro_panic("goro_select: ncases must be in 0..65536 with a non-NULL cases array");
  G *g = goro__getg();
  struct goro_gsync *gs = goro__gsync(g);

  int small[2 * SMALL_SELECT];
  int *pollorder = small, *lockorder = small + SMALL_SELECT;
  int *heap = NULL;
  if (ncases > SMALL_SELECT) {
    heap = malloc(2 * sizeof(int) * (size_t)ncases);
    if (!heap) goro_panic("select: out of memory");
    pollorder = heap;
    lockorder = heap + ncases;
  }

  /* Cases on nil channels are never ready: leave them out of both orders (as Go does). */
  int n = 0;
  for (int i = 0; i < ncases; i++) {
    if (!cases[i].ch) continue;
    if (cases[i].dir != GORO_SEND && cases[i].dir != GORO_RECV) {
      free(heap);
      goro_panic("goro_select: case dir must be GORO_SEND or GORO_RECV");
    }
    int j = (int)(fastrand(gs) % (uint32_t)(n + 1)); /* inside-out Fisher-Yates */
    pollorder[n] = pollorder[j];
    pollorder[j] = i;
    n++;
  }
  if (n == 0) {
    free(heap);
    if (has_default) return -1;
    block_forever(ncases == 0 ? "select (no cases)" : "select");
  }
  /* lockorder: case indices sorted by channel address (insertion sort: selects are small). */
  for (int k = 0; k < n; k++) {
    int i = pollorder[k], m = k;
    while (m > 0 && (uintptr_t)cases[lockorder[m - 1]].ch > (uintptr_t)cases[i].ch) {
      lockorder[m] = lockorder[m - 1];
      m--;
    }
    lockorder[m] = i;
  }

  struct selock sl = {cases, lockorder, n};
  sellock(&sl);

  /* Pass 1: the first ready case in poll order. */
  for (int k = 0; k < n; k++) {
    int i = pollorder[k];
    goro_case *cs = &cases[i];
    goro_chan *c = cs->ch;
    sudog *sg;
    if (cs->dir == GORO_RECV) {
      if ((sg = waitq_dequeue(&c->sendq))) {
        cs->ok = true;
        goro__chan_recv_from(c, sg, cs->elem, selunlock, &sl);
        free(heap);
        return i;
      }
      if (c->qcount > 0) {
        chan_take(c, cs->elem);
        cs->ok = true;
        selunlock(&sl);
        free(heap);
        return i;
      }
      if (c->closed) {
        selunlock(&sl);
        free(heap);
        RACE_ACQUIRE(c);
        chan_zero(c, cs->elem);
        cs->ok = false;
        return i;
      }
    } else {
      if (c->closed) {
        selunlock(&sl);
        free(heap);
        goro_panic("send on closed channel");
      }
      if ((sg = waitq_dequeue(&c->recvq))) {
        goro__chan_send_to(c, sg, cs->elem, selunlock, &sl);
        free(heap);
        return i;
      }
      if (c->qcount < c->cap) {
        chan_put(c, cs->elem);
        selunlock(&sl);
        free(heap);
        return i;
      }
    }
  }
  if (has_default) {
    selunlock(&sl);
    free(heap);
    return -1;
  }

  /* Pass 2: queue on every channel, park. sudogs are linked through waitlink in lock order. */
  gs->select_done = 0;
  gs->param = NULL;
  sudog *first = NULL, **link = &first, *last = NULL;
  for (int k = 0; k < n; k++) {
    int i = lockorder[k];
    sudog *sg = sudog_get();
    sg->g = g;
    sg->next = sg->prev = NULL;
    sg->elem = cases[i].elem;
    sg->c = cases[i].ch;
    sg->select_done = &gs->select_done;
    sg->casei = i;
    sg->success = 0;
    sg->ticket = 0;
    RACE_RELEASE(RACE_SG(sg));
    *link = sg;
    link = &sg->waitlink;
    last = sg;
    goro_chan *c = cases[i].ch;
    waitq_enqueue(cases[i].dir == GORO_RECV ? &c->recvq : &c->sendq, sg);
  }
  *link = NULL;
  gs->waiter = first;
  goro__park("select", selunlock_commit, &sl);
  gs->waiter = NULL;

  /* Woken by the peer that won select_done: take the other sudogs off their queues. */
  sellock(&sl);
  sudog *won = gs->param;
  RACE_ACQUIRE(RACE_SG(won));
  for (sudog *sg = first; sg; sg = sg->waitlink) {
    if (sg == won) continue;
    goro_chan *c = sg->c;
    waitq_remove(cases[sg->casei].dir == GORO_RECV ? &c->recvq : &c->sendq, sg);
  }
  selunlock(&sl);
  free(heap);
  for (sudog *sg = first; sg; sg = sg->waitlink) sg->next = sg->waitlink;
  int i = won->casei;
  bool success = won->success;
  sudog_put_list(first, last);
  if (cases[i].dir == GORO_RECV) {
    cases[i].ok = success; /* on close, the closer zeroed elem */
    return i;
  }
  if (!success) goro_panic("send on closed channel");
  return i;
}

int goro_select(goro_case *cases, int ncases, bool has_default) {
  int i = select_impl(cases, ncases, has_default);
  if (i >= 0 && cases[i].elem && cases[i].ch) { /* race.h: the chosen case's value */
    if (cases[i].dir == GORO_SEND) RACE_READ(cases[i].elem, cases[i].ch->elemsize);
    else RACE_WRITE(cases[i].elem, cases[i].ch->elemsize);
  }
  return i;
}
