/* Internal layout of a channel, shared by chan.c and select.c (Go's hchan).
 *
 * Invariants (as Go's chan.go states them, for our layout). Everything in the header but
 * `lock` is read and written with c->lock held (goro__spin_lock); qcount alone is also read
 * without it, as a hint (goro_chan_len). A goroutine that parks on a channel enqueues its
 * sudog with the lock held and keeps it into goro__park, whose commit releases it (sema.h),
 * so a waker holding the lock never finds a sudog whose goroutine is still on its stack.
 *
 *   open, unbuffered (cap 0):  at most one of sendq and recvq holds live sudogs, except when
 *       one goroutine's select waits to send and to receive on the same channel; qcount == 0.
 *   open, buffered:            qcount > 0 implies recvq is empty; qcount < cap implies sendq
 *       is empty (a parked sender means a full ring, a parked receiver an empty one).
 *   closed (closed == 1, never reset):  sendq and recvq are empty once close has returned
 *       (it readies every waiter with success = 0); no sudog is enqueued after; the ring
 *       keeps its values, received until qcount == 0, then receives get the zero value.
 *
 * A queue may also hold stale sudogs of a select that another case already won (its
 * select_done is 1): they are skipped and dropped by waitq_dequeue, and unlinked by their
 * own goroutine when it wakes, so "empty" above means "no sudog that can still win". */
#ifndef GORO_CHAN_H
#define GORO_CHAN_H

#include <stddef.h>
#include <string.h>

#include "race.h"
#include "sema.h"

/* One cache line for everything the lock guards, 64-byte aligned, the ring on the lines after
 * it: two threads hammering a buffered channel (a worker pool) then bounce the lock's line and
 * the slots they touch, not a header straddling three lines. */
struct goro_chan {
  uint32_t lock;     /* spinlock guarding everything below */
  uint32_t closed;
  uint32_t elemsize; /* <= 65536 (makechan) */
  uint32_t cap;      /* ring slots, <= INT32_MAX; 0 = unbuffered */
  uint32_t qcount;   /* values in the ring (read without the lock by goro_chan_len) */
  uint32_t sendx, recvx;
  waitq recvq, sendq; /* parked receivers / senders */
} __attribute__((aligned(64)));
_Static_assert(sizeof(struct goro_chan) == 64, "channel header is one cache line");

static inline void *chan_slot(goro_chan *c, size_t i) { return (char *)(c + 1) + i * c->elemsize; }

static inline void chan_copy(goro_chan *c, void *dst, const void *src) {
  if (!dst || !src) return;
  switch (c->elemsize) { /* word-sized values: a move, not a call to memcpy */
  case 0: return;
  case 8: memcpy(dst, src, 8); return;
  case 4: memcpy(dst, src, 4); return;
  default: memcpy(dst, src, c->elemsize);
  }
}

static inline void chan_zero(goro_chan *c, void *dst) {
  if (dst && c->elemsize) memset(dst, 0, c->elemsize);
}

/* race.h, as Go's channels: an operation that uses the ring syncs both ways through the slot
 * (so the k-th receive happens before the (k+cap)-th send completes); one that meets a parked
 * peer syncs both ways through the peer's sudog, which the peer released before parking and
 * acquires when it wakes; close releases the channel, and seeing it closed acquires it. */
static inline void chan_put(goro_chan *c, const void *ep) {
  void *slot = chan_slot(c, c->sendx);
  RACE_ACQUIRE(slot);
  chan_copy(c, slot, ep);
  RACE_RELEASE(slot);
  if (++c->sendx == c->cap) c->sendx = 0;
  __atomic_store_n(&c->qcount, c->qcount + 1, __ATOMIC_RELAXED);
}

static inline void chan_take(goro_chan *c, void *ep) {
  void *slot = chan_slot(c, c->recvx);
  RACE_ACQUIRE(slot);
  chan_copy(c, ep, slot);
  RACE_RELEASE(slot);
  if (++c->recvx == c->cap) c->recvx = 0;
  __atomic_store_n(&c->qcount, c->qcount - 1, __ATOMIC_RELAXED);
}

/* Hand a value to (send) or take one from (recv) a parked peer sudog, or use the ring.
 * Called with c->lock held; they unlock (via the unlock callback) before readying the
 * peer so the peer never spins on our lock. */
void goro__chan_send_to(goro_chan *c, sudog *sg, const void *ep, void (*unlock)(void *), void *ua);
void goro__chan_recv_from(goro_chan *c, sudog *sg, void *ep, void (*unlock)(void *), void *ua);

#endif
