/* Channels (Go's runtime/chan.go): a spinlock per channel, a ring for buffered values, and
 * queues of parked senders and receivers. A value meets a parked peer by direct hand-off (one
 * copy between the two goroutines, no trip through the ring), then the peer is readied into
 * runnext, so a ping-pong at one P is a straight switch between the two goroutines.
 * No allocation and no system call on the send/receive path. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "chan.h"

goro_chan *goro_chan_make(size_t elemsize, size_t cap) {
  if (elemsize > 65536) goro_panic("makechan: invalid channel element type");
  if (cap > (SIZE_MAX / 2 - sizeof(goro_chan)) / (elemsize ? elemsize : 1) || cap > INT32_MAX)
    goro_panic("makechan: size out of range");
  size_t bytes = (sizeof(goro_chan) + cap * elemsize + 63) & ~(size_t)63;
  goro_chan *c = aligned_alloc(64, bytes);
  if (!c) goro_panic("makechan: out of memory");
  memset(c, 0, sizeof *c); /* the ring is written before it is read: leave its pages untouched */
  c->elemsize = (uint32_t)elemsize;
  c->cap = (uint32_t)cap;
  return c;
}

void goro_chan_free(goro_chan *c) { free(c); }

size_t goro_chan_len(goro_chan *c) { return c ? __atomic_load_n(&c->qcount, __ATOMIC_RELAXED) : 0; }
size_t goro_chan_cap(goro_chan *c) { return c ? c->cap : 0; }

static _Noreturn void block_forever(const char *reason) {
  for (;;) goro__park(reason, NULL, NULL); /* nobody can ready it: the deadlock detector or the
                                             end of the run takes it away */
}

void goro__chan_send_to(goro_chan *c, sudog *sg, const void *ep, void (*unlock)(void *), void *ua) {
  /* A parked receiver means the ring is empty, so handing the value over directly keeps
   * FIFO order for buffered channels too. */
  RACE_ACQUIRE(RACE_SG(sg));
  chan_copy(c, sg->elem, ep);
  RACE_RELEASE(RACE_SG(sg));
  sg->success = 1;
  G *g = sg->g;
  goro__gsync(g)->param = sg; /* select: which case won */
  unlock(ua);
  goro__ready(g);
}

void goro__chan_recv_from(goro_chan *c, sudog *sg, void *ep, void (*unlock)(void *), void *ua) {
  RACE_ACQUIRE(RACE_SG(sg));
  if (c->cap == 0) {
    chan_copy(c, ep, sg->elem); /* straight from the parked sender */
  } else {
    /* The ring is full (a sender is parked): take the head, put the sender's value at the
     * tail, which is the same slot. */
    void *slot = chan_slot(c, c->recvx);
    RACE_ACQUIRE(slot);
    chan_copy(c, ep, slot);
    chan_copy(c, slot, sg->elem);
    RACE_RELEASE(slot);
    if (++c->recvx == c->cap) c->recvx = 0;
    c->sendx = c->recvx;
  }
  RACE_RELEASE(RACE_SG(sg));
  sg->success = 1;
  G *g = sg->g;
  goro__gsync(g)->param = sg; /* select: which case won */
  unlock(ua);
  goro__ready(g);
}

static void unlock_chan(void *c) { goro__spin_unlock(&((goro_chan *)c)->lock); }

void goro_chan_send(goro_chan *c, const void *ep) {
  if (!c) block_forever("chan send (nil chan)");
  if (ep) RACE_READ(ep, c->elemsize);
  goro__spin_lock(&c->lock);
  if (c->closed) {
    goro__spin_unlock(&c->lock);
    goro_panic("send on closed channel");
  }
  sudog *sg = waitq_dequeue(&c->recvq);
  if (sg) {
    goro__chan_send_to(c, sg, ep, unlock_chan, c);
    return;
  }
  if (c->qcount < c->cap) {
    chan_put(c, ep);
    goro__spin_unlock(&c->lock);
    return;
  }
  /* Park until a receiver takes the value straight from ep (the sender's own memory). */
  G *g = goro__getg();
  struct goro_gsync *gs = goro__gsync(g);
  sg = goro__mysudog(g);
  sg->elem = (void *)ep;
  sg->c = c;
  waitq_enqueue(&c->sendq, sg);
  gs->waiter = sg;
  RACE_RELEASE(RACE_SG(sg));
  goro__park("chan send", goro__park_unlock, &c->lock);
  RACE_ACQUIRE(RACE_SG(sg));
  gs->waiter = NULL;
  if (!sg->success) goro_panic("send on closed channel"); /* woken by close */
}

static bool chan_recv(goro_chan *c, void *ep) {
  if (!c) block_forever("chan receive (nil chan)");
  goro__spin_lock(&c->lock);
  if (c->closed && c->qcount == 0) {
    goro__spin_unlock(&c->lock);
    RACE_ACQUIRE(c);
    chan_zero(c, ep);
    return false;
  }
  sudog *sg = waitq_dequeue(&c->sendq);
  if (sg) {
    goro__chan_recv_from(c, sg, ep, unlock_chan, c);
    return true;
  }
  if (c->qcount > 0) {
    chan_take(c, ep);
    goro__spin_unlock(&c->lock);
    return true;
  }
  G *g = goro__getg();
  struct goro_gsync *gs = goro__gsync(g);
  sg = goro__mysudog(g);
  sg->elem = ep;
  sg->c = c;
  waitq_enqueue(&c->recvq, sg);
  gs->waiter = sg;
  RACE_RELEASE(RACE_SG(sg));
  goro__park("chan receive", goro__park_unlock, &c->lock);
  RACE_ACQUIRE(RACE_SG(sg));
  gs->waiter = NULL;
  return sg->success; /* close zeroed *ep already */
}

bool goro_chan_recv(goro_chan *c, void *ep) {
  bool ok = chan_recv(c, ep);
  if (ep) RACE_WRITE(ep, c->elemsize); /* the value, or the zero value of a closed channel */
  return ok;
}

void goro_chan_close(goro_chan *c) {
  if (!c) goro_panic("close of nil channel");
  goro__spin_lock(&c->lock);
  if (c->closed) {
    goro__spin_unlock(&c->lock);
    goro_panic("close of closed channel");
  }
  c->closed = 1;
  RACE_RELEASE(c);
  /* Collect every waiter under the lock, wake them after releasing it. Receivers get a zero
   * value and ok=false; senders wake with success=0 and panic in their own goroutine. */
  sudog *wake = NULL, **tail = &wake, *sg;
  while ((sg = waitq_dequeue(&c->recvq))) {
    RACE_ACQUIRE(RACE_SG(sg));
    chan_zero(c, sg->elem);
    RACE_RELEASE(RACE_SG(sg));
    sg->success = 0;
    goro__gsync(sg->g)->param = sg;
    *tail = sg;
    tail = &sg->next;
  }
  while ((sg = waitq_dequeue(&c->sendq))) {
    RACE_RELEASE(RACE_SG(sg));
    sg->success = 0;
    goro__gsync(sg->g)->param = sg;
    *tail = sg;
    tail = &sg->next;
  }
  *tail = NULL;
  goro__spin_unlock(&c->lock);
  while (wake) {
    sg = wake;
    wake = sg->next; /* read before ready: the goroutine may reuse sg at once */
    goro__ready(sg->g);
  }
}
