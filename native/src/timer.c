/* Timers: goro_sleep parks the goroutine in a min-heap keyed by its deadline; the monitor
 * thread (sysmon, sysmon.c) sleeps until the earliest deadline and moves due goroutines to the
 * global run queue. A sleeper costs a heap slot, never a thread. The same heap holds the
 * runtime's own timers (ptimer: netpoll deadlines), which call back instead of readying a G.
 *
 * Lock order: sched lock, then timer lock. A sleeping goroutine stays counted in the heap
 * until it is on the global queue (both under the sched lock), so the deadlock check, which
 * holds the sched lock, never sees it in neither place.
 */
#include <stdio.h>
#include <stdlib.h>

#include "core.h"

/* Heap entries are tagged pointers: a sleeping G, or (low bit set) a ptimer. */
typedef uintptr_t tent;
#define PTAG ((uintptr_t)1)
static inline bool is_pt(tent e) { return e & PTAG; }
static inline ptimer *as_pt(tent e) { return (ptimer *)(e & ~PTAG); }
static inline int64_t when_of(tent e) { return is_pt(e) ? as_pt(e)->when : ((G *)e)->when; }

static struct {
  pthread_mutex_t lock;
  tent *heap;
  size_t n, cap;
} timers = {.lock = PTHREAD_MUTEX_INITIALIZER};

static void place(size_t i, tent e) {
  timers.heap[i] = e;
  if (is_pt(e)) as_pt(e)->idx = i + 1;
}

static void swap(size_t i, size_t j) {
  tent t = timers.heap[i];
  place(i, timers.heap[j]);
  place(j, t);
}

static void siftup(size_t i) {
  while (i > 0) {
    size_t parent = (i - 1) / 2;
    if (when_of(timers.heap[parent]) <= when_of(timers.heap[i])) break;
    swap(i, parent);
    i = parent;
  }
}

static void siftdown(size_t i) {
  for (;;) {
    size_t l = 2 * i + 1, r = l + 1, min = i;
    if (l < timers.n && when_of(timers.heap[l]) < when_of(timers.heap[min])) min = l;
    if (r < timers.n && when_of(timers.heap[r]) < when_of(timers.heap[min])) min = r;
    if (min == i) return;
    swap(i, min);
    i = min;
  }
}

/* Timer lock held. */
static void push(tent e) {
  if (timers.n == timers.cap) {
    size_t cap = timers.cap ? timers.cap * 2 : 256;
    tent *h = realloc(timers.heap, cap * sizeof *h);
    if (!h) {
      fprintf(stderr, "fatal error: goro: out of memory for timers\n");
      abort();
    }
    timers.heap = h;
    timers.cap = cap;
  }
  place(timers.n++, e);
  siftup(timers.n - 1);
}

/* Take out entry i (timer lock held). */
static tent removeat(size_t i) {
  tent e = timers.heap[i];
  if (is_pt(e)) as_pt(e)->idx = 0;
  timers.n--;
  if (i < timers.n) {
    place(i, timers.heap[timers.n]);
    siftdown(i);
    siftup(i);
  }
  return e;
}

void goro__timer_add(G *g) {
  pthread_mutex_lock(&timers.lock);
  push((tent)g);
  bool earliest = timers.heap[0] == (tent)g;
  int64_t when = g->when; /* read under the lock: once it is released the timer may fire and
                             g sleep again, rewriting g->when (a race ThreadSanitizer found) */
  pthread_mutex_unlock(&timers.lock);
  if (earliest) goro__sysmon_kick(when);
}

void goro__ptimer_set(ptimer *t, int64_t when, uint64_t seq) {
  pthread_mutex_lock(&timers.lock);
  if (t->idx) removeat(t->idx - 1);
  t->when = when;
  t->seq = seq;
  push((tent)t | PTAG);
  bool earliest = timers.heap[0] == ((tent)t | PTAG);
  pthread_mutex_unlock(&timers.lock);
  if (earliest) goro__sysmon_kick(when);
}

void goro__ptimer_del(ptimer *t) {
  pthread_mutex_lock(&timers.lock);
  if (t->idx) removeat(t->idx - 1);
  pthread_mutex_unlock(&timers.lock);
}

size_t goro__timer_fire(int64_t now, int64_t *next) {
  ASSERT_SCHEDLOCK_HELD(); /* core.h: debug and sanitizer builds */
  size_t fired = 0;
  ptimer *due = NULL;
  uint64_t dueseq[64];
  size_t ndue = 0;
  pthread_mutex_lock(&timers.lock);
  while (timers.n > 0 && when_of(timers.heap[0]) <= now && ndue < 64) {
    tent e = removeat(0);
    if (is_pt(e)) { /* fired below, once the timer lock is released */
      ptimer *t = as_pt(e);
      t->firelink = due;
      due = t;
      dueseq[ndue++] = t->seq;
      continue;
    }
    G *g = (G *)e;
    STORE_REL(&g->status, G_RUNNABLE);
    goro__globrunqput(g);
    fired++;
  }
  *next = timers.n ? when_of(timers.heap[0]) : INT64_MAX;
  pthread_mutex_unlock(&timers.lock);
  /* due is in reverse order of dueseq; the owner's fire ignores a stale seq (the timer may
   * have been re-armed the moment the lock was released) */
  for (size_t i = ndue; due;) {
    ptimer *t = due;
    due = t->firelink;
    fired += t->fire(t, dueseq[--i]);
  }
  if (ndue == 64) *next = now; /* more may be due: the caller comes back at once */
  return fired;
}
int64_t goro__timer_next(void) {
  pthread_mutex_lock(&timers.lock);
  int64_t w = timers.n ? when_of(timers.heap[0]) : INT64_MAX;
  pthread_mutex_unlock(&timers.lock);
  return w;
}

size_t goro__timer_count(void) {
  pthread_mutex_lock(&timers.lock);
  size_t n = timers.n;
  pthread_mutex_unlock(&timers.lock);
  return n;
}

void goro__timer_clear(void) {
  pthread_mutex_lock(&timers.lock);
  for (size_t i = 0; i < timers.n; i++)
    if (is_pt(timers.heap[i])) as_pt(timers.heap[i])->idx = 0;
  timers.n = 0;
  pthread_mutex_unlock(&timers.lock);
}

static bool sleep_commit(void *arg) {
  goro__timer_add(arg);
  return true;
}

void goro_sleep(int64_t ns) {
  if (ns <= 0) return; /* as time.Sleep(0) */
  G *g = goro__getg();
  g->when = goro_nanotime() + ns;
  goro__park("sleep", sleep_commit, g);
}
