/* Internal layout of a channel, shared by chan.c and select.c (Go's hchan). */
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
