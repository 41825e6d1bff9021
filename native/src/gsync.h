/* Per-goroutine state of the packages above the core (see runtime.h). Embedded in G, zeroed
 * at spawn. Owned by sync.c/chan.c/panic.c; the core never reads it except `defers`. */
#ifndef GORO_GSYNC_H
#define GORO_GSYNC_H

#include <stdint.h>

struct goro_gsync {
  void *defers;    /* top of this goroutine's defer records */
  void *frame;     /* innermost goro_call frame */
  void *panic;     /* current panic, NULL when not panicking */
  void *waiter;    /* the wait record this goroutine is parked on */
  uint64_t ticket; /* scratch for sync/chan */
};

#endif
