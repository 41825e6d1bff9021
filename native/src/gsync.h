/* Per-goroutine state of the packages above the core (see runtime.h). Embedded in G, zeroed
 * at spawn. Owned by sync.c/chan.c/panic.c; the core never reads it except `defers`. */
#ifndef GORO_GSYNC_H
#define GORO_GSYNC_H

#include <stdint.h>

struct G;

/* A wait record: one goroutine waiting on one queue (Go's sudog). A plain wait uses the one
 * embedded in the G (`sg` below); select takes one per case from a pool (chan.c). Never on
 * the goroutine's stack, so a future copy-stack mode may move stacks under it. */
struct goro_sudog {
  struct G *g;
  struct goro_sudog *next, *prev; /* links in one wait queue */
  struct goro_sudog *waitlink;    /* select: the g's other sudogs */
  void *elem;                     /* chan: where the value comes from or goes to */
  void *c;                        /* chan: the channel waited on (goro_chan *) */
  uint32_t *select_done;          /* select: &gsync.select_done of g, else NULL */
  int32_t casei;                  /* select: index of the case */
  uint8_t success;                /* chan: woken by a value (1) or by close (0) */
  uint8_t ticket;                 /* sema: the semaphore was handed to us directly */
#ifdef GORO_RACE
  void *race_sync; /* race.h: the address this record syncs through, renewed per owner */
#endif
};

struct goro_gsync {
  void *defers;    /* top of this goroutine's defer records */
  void *frame;     /* innermost goro_call frame */
  void *panic;     /* current panic, NULL when not panicking */
  void *waiter;    /* the wait record this goroutine is parked on */
  uint64_t ticket; /* scratch for sync/chan */
  /* --- added by the sync/chan layer --- */
  struct goro_sudog sg;  /* the wait record for a plain (non-select) wait */
  void *param;           /* select: the sudog whose case won */
  uint32_t select_done;  /* select: 0 while parked in select, CAS to 1 by the winning waker */
  uint64_t rng;          /* select's poll-order PRNG state (per G: no TLS across parks) */
};

#endif
