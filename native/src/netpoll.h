/* The netpoller's side of its contract with the scheduler (findwork.c, runq.c, run.c); see
 * netpoll.c. */
#ifndef GORO_NETPOLL_H
#define GORO_NETPOLL_H

#include <stdbool.h>
#include <stdint.h>

#include "core.h"

/* Goroutines parked on a descriptor (atomic). Above zero, the run is not deadlocked and some
 * M must be watching the epoll set. */
extern int64_t goro__netpoll_nwait;

bool goro__netpoll_inited(void);

/* Wait up to delay_ns (0: just look, < 0: no limit) for I/O readiness and return the
 * goroutines it made runnable, linked through schedlink, status G_RUNNABLE, no longer counted
 * in goro__netpoll_nwait; *n is their number. With take_lock the sched lock is taken before
 * the events are applied and held on return: an M without a P must do that, so that a run's
 * end (which clears every wait record under the same lock) cannot pass between taking a
 * goroutine from a record and queueing it. An M holding a P needs no lock: the run cannot end
 * while one of its Ps is busy. */
G *goro__netpoll(int64_t delay_ns, bool take_lock, int *n);

/* Wake the M blocked in goro__netpoll, if any (Go's netpollBreak); coalesced. */
void goro__netpoll_break(void);

/* A run has ended (sched lock held, every P idle): drop the wait records and deadlines of the
 * descriptors still open; their parked goroutines are being discarded with the run. */
void goro__netpoll_run_end(void);

#endif
