/* Run queues (see the note at the top of sched.c). The global queue is a list of batches under
 * the sched lock. Each P's local queue is a ring of RUNQ_SIZE Gs plus a runnext slot: only the
 * owner P pushes (runqtail), the owner and thieves pop by CAS on runqhead, and a full ring
 * moves half of itself to the global queue (runqputslow). Go's proc.go runqput/runqget/
 * runqgrab/runqsteal, minus the GC hooks. */
#include "proc.h"

/* ---- run queues ---------------------------------------------------------------------------- */

/* The global queue is one list of Gs made of batches; each batch's first G knows the batch's
 * tail and length, so a P moves a whole batch in or out with the lock held for O(1) steps and
 * walks it (cache misses on Gs another core wrote) after letting go. Lock held.
 * Sched lock held. Any M, sysmon, timers and the netpoller (through goro__globrunqput). */
void globrunqputbatch(G *head, G *tail, int64_t n) {
  ASSERT_SCHEDLOCK_HELD();
  head->chainlen = n;
  head->chaintail = tail;
  tail->schedlink = NULL;
  if (sched.gqtail) sched.gqtail->schedlink = head;
  else sched.gqhead = head;
  sched.gqtail = tail;
  STORE_REL(&sched.gqsize, sched.gqsize + n);
}

/* Sched lock held. */
void goro__globrunqput(G *g) { globrunqputbatch(g, g, 1); } /* sched lock held */

/* Detach up to max Gs (0: no limit) that fit in p's ring plus one, at most the first batch.
 * Returns the first; *rest and *nrest are the others, for globspill once the lock is dropped.
 * Sched lock held; owner P only (the spill goes to p's ring). */
G *globrunqget(P *p, int64_t max, G **rest, int64_t *nrest) {
  ASSERT_SCHEDLOCK_HELD();
  G *h = sched.gqhead;
  *nrest = 0;
  if (!h) return NULL;
  int64_t len = h->chainlen, n = len;
  if (max > 0 && n > max) n = max;
  int64_t room = RUNQ_SIZE - (int64_t)(p->runqtail - LOAD_SEQ(&p->runqhead)) + 1;
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
  STORE_REL(&sched.gqsize, sched.gqsize - n);
  *rest = h->schedlink;
  *nrest = n - 1;
  return h;
}

/* Owner P only, sched lock not held: the rest of a globrunqget. */
void globspill(P *p, G *rest, int64_t n) {
  for (int64_t i = 0; i < n; i++) {
    G *next = rest->schedlink;
    runqput(p, rest, false);
    rest = next;
  }
}

/* globrunqget with the lock taken and the spill done after it is dropped.
 * Owner P only, sched lock not held (it takes it). */
G *globget(P *p, int64_t max) {
  G *rest;
  int64_t nrest;
  lock();
  G *g = globrunqget(p, max, &rest, &nrest);
  unlock();
  globspill(p, rest, nrest);
  return g;
}

/* Any thread, no lock: a snapshot, exact only on the owner P. */
bool runqempty(P *p) {
  for (;;) {
    uint32_t h = LOAD_SEQ(&p->runqhead), t = LOAD_SEQ(&p->runqtail);
    G *next = LOAD_SEQ(&p->runnext);
    if (t == LOAD_SEQ(&p->runqtail)) return h == t && next == NULL;
  }
}

/* The ring is full: move half of it and g to the global queue in one lock trip.
 * runqput only: owner P only, the ring seen full; sched lock not held (it takes it). */
static bool runqputslow(P *p, G *g, uint32_t h, uint32_t t) {
  G *batch[RUNQ_SIZE / 2 + 1];
  uint32_t n = (t - h) / 2;
  /* runqput saw t - h == RUNQ_SIZE with a fresh h, and the ring never holds more: anything
   * else is a corrupt ring (a thief that took some makes the CAS below fail instead) */
  if (n != RUNQ_SIZE / 2) crash("runqputslow: queue is not full");
  for (uint32_t i = 0; i < n; i++) batch[i] = LOAD_RLX(&p->runq[(h + i) % RUNQ_SIZE]);
  if (!__atomic_compare_exchange_n(&p->runqhead, &h, h + n, false, __ATOMIC_RELEASE, __ATOMIC_RELAXED))
    return false;
  batch[n] = g;
  for (uint32_t i = 0; i < n; i++) batch[i]->schedlink = batch[i + 1]; /* linked before locking */
  lock();
  globrunqputbatch(batch[0], g, n + 1);
  unlock();
  return true;
}

/* Owner P only (the M holding p); sched lock not held (runqputslow may take it). */
void runqput(P *p, G *g, bool next) {
  if (next) {
    G *old = XCHG_SEQ(&p->runnext, g);
    if (!old) return;
    g = old; /* the displaced one goes to the tail */
  }
  for (;;) {
    uint32_t h = LOAD_SEQ(&p->runqhead);
    uint32_t t = p->runqtail;
    if (t - h < RUNQ_SIZE) {
      STORE_RLX(&p->runq[t % RUNQ_SIZE], g);
      STORE_REL(&p->runqtail, t + 1);
      return;
    }
    if (runqputslow(p, g, h, t)) return;
  }
}

/* Owner P only; no lock. */
G *runqget(P *p) {
  G *next = LOAD_SEQ(&p->runnext);
  uint32_t t = p->runqtail;
  if (next && (p->nextstreak < 61 || LOAD_SEQ(&p->runqhead) == t)) {
    if (CAS_SEQ(&p->runnext, next, NULL)) {
      p->nextstreak++;
      return next;
    }
  }
  p->nextstreak = 0;
  for (;;) {
    uint32_t h = LOAD_SEQ(&p->runqhead);
    if (h == t) break;
    G *g = LOAD_RLX(&p->runq[h % RUNQ_SIZE]);
    if (__atomic_compare_exchange_n(&p->runqhead, &h, h + 1, false, __ATOMIC_RELEASE, __ATOMIC_RELAXED))
      return g;
  }
  next = LOAD_SEQ(&p->runnext);
  if (next && CAS_SEQ(&p->runnext, next, NULL)) return next;
  return NULL;
}

/* Copy half of victim's ring into batch[batchhead...] and claim it with one CAS.
 * A thief (runqsteal), no lock; only the CAS on victim->runqhead claims the copy. */
static uint32_t runqgrab(P *victim, G **batch, uint32_t batchhead, bool stealnext) {
  for (;;) {
    uint32_t h = LOAD_SEQ(&victim->runqhead);
    uint32_t t = LOAD_SEQ(&victim->runqtail);
    uint32_t n = t - h;
    n = n - n / 2;
    if (n == 0) {
      if (stealnext) {
        G *next = LOAD_SEQ(&victim->runnext);
        if (next && CAS_SEQ(&victim->runnext, next, NULL)) {
          STORE_RLX(&batch[batchhead % RUNQ_SIZE], next);
          return 1;
        }
      }
      return 0;
    }
    if (n > RUNQ_SIZE / 2) continue; /* h and t read at different times */
    for (uint32_t i = 0; i < n; i++)
      STORE_RLX(&batch[(batchhead + i) % RUNQ_SIZE], LOAD_RLX(&victim->runq[(h + i) % RUNQ_SIZE]));
    if (__atomic_compare_exchange_n(&victim->runqhead, &h, h + n, false, __ATOMIC_RELEASE, __ATOMIC_RELAXED))
      return n;
  }
}

/* Steal half of victim's work into p; return one G to run.
 * Owner P of p only (a thief stealing into its own ring), no lock. */
G *runqsteal(P *p, P *victim, bool stealnext) {
  uint32_t t = p->runqtail;
  uint32_t n = runqgrab(victim, p->runq, t, stealnext);
  if (n == 0) return NULL;
  n--;
  if (t - LOAD_SEQ(&p->runqhead) + n >= RUNQ_SIZE) crash("runqsteal: runq overflow"); /* wrote over our own Gs */
  G *g = LOAD_RLX(&p->runq[(t + n) % RUNQ_SIZE]);
  if (n > 0) STORE_REL(&p->runqtail, t + n);
  return g;
}

/* Local work for p: the global queue every 61st time, else runnext/ring, else the global
 * queue. Does not steal.
 * Owner P only, on any stack of its M; sched lock not held. */
G *runqnext(P *p) {
  p->schedtick++;
  if (UNLIKELY(p->schedtick % 61 == 0)) {
    if (LOAD_SEQ(&sched.gqsize) > 0) {
      G *g = globget(p, 1);
      if (g) return g;
    }
    if (LOAD_SEQ(&goro__netpoll_nwait) > 0 && goro__netpoll_inited()) {
      /* a P that never runs dry still lets I/O that is ready in (Go's sysmon does this) */
      int n;
      G *list = goro__netpoll(0, false, &n); /* before n is read */
      G *g = netpoll_inject(p, list, n);
      if (g) return g;
    }
  }
  G *g = runqget(p);
  if (g) return g;
  if (LOAD_SEQ(&sched.gqsize) > 0) g = globget(p, 0);
  return g;
}
