/* Timers: goro_sleep parks the goroutine in a min-heap keyed by its deadline; the monitor
 * thread (sysmon, sched.c) sleeps until the earliest deadline and moves due goroutines to the
 * global run queue. A sleeper costs a heap slot, never a thread.
 *
 * Lock order: sched lock, then timer lock. A sleeping goroutine stays counted in the heap
 * until it is on the global queue (both under the sched lock), so the deadlock check, which
 * holds the sched lock, never sees it in neither place.
 */
#include <stdio.h>
#include <stdlib.h>

#include "core.h"

static struct {
  pthread_mutex_t lock;
  G **heap;
  size_t n, cap;
} timers = {.lock = PTHREAD_MUTEX_INITIALIZER};

static void swap(size_t i, size_t j) {
  G *t = timers.heap[i];
  timers.heap[i] = timers.heap[j];
  timers.heap[j] = t;
}

static void siftup(size_t i) {
  while (i > 0) {
    size_t parent = (i - 1) / 2;
    if (timers.heap[parent]->when <= timers.heap[i]->when) break;
    swap(i, parent);
    i = parent;
  }
}

static void siftdown(size_t i) {
  for (;;) {
    size_t l = 2 * i + 1, r = l + 1, min = i;
    if (l < timers.n && timers.heap[l]->when < timers.heap[min]->when) min = l;
    if (r < timers.n && timers.heap[r]->when < timers.heap[min]->when) min = r;
    if (min == i) return;
    swap(i, min);
    i = min;
  }
}

void goro__timer_add(G *g) {
  pthread_mutex_lock(&timers.lock);
  if (timers.n == timers.cap) {
    size_t cap = timers.cap ? timers.cap * 2 : 256;
    G **h = realloc(timers.heap, cap * sizeof *h);
    if (!h) {
      fprintf(stderr, "fatal error: goro: out of memory for timers\n");
      abort();
    }
    timers.heap = h;
    timers.cap = cap;
  }
  timers.heap[timers.n++] = g;
  siftup(timers.n - 1);
  bool earliest = timers.heap[0] == g;
  int64_t when = g->when; /* read under the lock: once it is released the timer may fire and
                             g sleep again, rewriting g->when (a race ThreadSanitizer found) */
  pthread_mutex_unlock(&timers.lock);
  if (earliest) goro__sysmon_kick(when);
}

size_t goro__timer_fire(int64_t now, int64_t *next) {
  size_t fired = 0;
  pthread_mutex_lock(&timers.lock);
  while (timers.n > 0 && timers.heap[0]->when <= now) {
    G *g = timers.heap[0];
    timers.heap[0] = timers.heap[--timers.n];
    siftdown(0);
    STORE(&g->status, G_RUNNABLE);
    goro__globrunqput(g);
    fired++;
  }
  *next = timers.n ? timers.heap[0]->when : INT64_MAX;
  pthread_mutex_unlock(&timers.lock);
  return fired;
}

int64_t goro__timer_next(void) {
  pthread_mutex_lock(&timers.lock);
  int64_t w = timers.n ? timers.heap[0]->when : INT64_MAX;
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
