/* context: Background and WithCancel. Done is an unbuffered channel closed on cancel, so a
 * goroutine waits for it with goro_chan_recv or in a select, as in Go.
 *
 * The tree (parent/children links) is guarded by one global spinlock: cancellation is rare
 * and short, and a single lock lets a child be freed while its parent is being cancelled
 * without either side touching freed memory (C has no GC to keep the other alive). */
#include <stdlib.h>

#include "sema.h"

struct goro_ctx {
  goro_ctx *parent;       /* NULL once detached (parent cancelled or freed) */
  goro_ctx *child;        /* first child still attached */
  goro_ctx *prev, *next;  /* siblings under parent */
  goro_chan *done;        /* NULL for background */
  const char *err;        /* NULL, or "context canceled"; set once under tree_lock */
  goro_ctx *work;         /* cancel_locked's work list (no recursion: trees may be deep) */
};

static uint32_t tree_lock;
static goro_ctx background; /* done == NULL: never cancelled */

goro_ctx *goro_ctx_background(void) { return &background; }

static void detach(goro_ctx *c) {
  goro_ctx *p = c->parent;
  if (!p) return;
  if (c->prev) c->prev->next = c->next;
  else p->child = c->next;
  if (c->next) c->next->prev = c->prev;
  c->parent = c->prev = c->next = NULL;
}

/* Cancel c and its subtree, detaching every child from its parent as we go. Closing Done
 * under tree_lock is fine: goro_chan_close only takes the channel's spinlock and readies. */
static void cancel_locked(goro_ctx *c) {
  c->work = NULL;
  while (c) {
    goro_ctx *x = c;
    c = x->work;
    if (x->err) continue;
    __atomic_store_n(&x->err, "context canceled", __ATOMIC_RELEASE);
    goro_chan_close(x->done);
    goro_ctx *k = x->child;
    x->child = NULL;
    while (k) {
      goro_ctx *next = k->next;
      k->parent = k->prev = k->next = NULL;
      k->work = c;
      c = k;
      k = next;
    }
  }
}

goro_ctx *goro_ctx_with_cancel(goro_ctx *parent) {
  if (!parent) goro_panic("cannot create context from nil parent");
  goro_ctx *c = calloc(1, sizeof *c);
  if (!c) goro_panic("context: out of memory");
  c->done = goro_chan_make(0, 0);
  if (parent == &background) return c; /* never cancelled: no need to register */
  goro__spin_lock(&tree_lock);
  if (parent->err) {
    cancel_locked(c);
  } else {
    c->parent = parent;
    c->next = parent->child;
    if (parent->child) parent->child->prev = c;
    parent->child = c;
  }
  goro__spin_unlock(&tree_lock);
  return c;
}

void goro_ctx_cancel(goro_ctx *c) {
  if (!c || c == &background) return;
  goro__spin_lock(&tree_lock);
  detach(c);
  cancel_locked(c);
  goro__spin_unlock(&tree_lock);
}

goro_chan *goro_ctx_done(goro_ctx *c) { return c ? c->done : NULL; }

const char *goro_ctx_err(goro_ctx *c) { return c ? __atomic_load_n(&c->err, __ATOMIC_ACQUIRE) : NULL; }

void goro_ctx_free(goro_ctx *c) {
  if (!c || c == &background) return;
  goro_ctx_cancel(c); /* detaches c from its parent and its children from c */
  goro_chan_free(c->done);
  free(c);
}
