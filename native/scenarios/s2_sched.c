/* §2 M:N scheduling: thread ids, work stealing, syscall hand-off, GOMAXPROCS. */
#include <errno.h>
#include <stdint.h>
#include <pthread.h>
#include <sched.h>
#include <semaphore.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "scen.h"

/* ---- thread_ids: which OS threads do 10k goroutines run on? ------------------------------- */

struct crowd {
  int64_t *tids; /* one per goroutine, sampled once */
  goro_chan *gate;
  goro_waitgroup arrived, left;
};

struct member {
  struct crowd *c;
  int64_t i;
};

static void note_thread(void *arg) {
  struct member *m = arg;
  struct crowd *c = m->c;
  c->tids[m->i] = os_tid();
  goro_wg_done(&c->arrived);
  goro_chan_recv(c->gate, NULL); /* all blocked here at once, until close */
  goro_wg_done(&c->left);
}

SCEN_MAIN(thread_ids) {
  int64_t n = param(s, "n");
  struct crowd c = {.tids = calloc((size_t)n, sizeof(int64_t))};
  struct member *m = calloc((size_t)n, sizeof *m);
  c.gate = goro_chan_make(sizeof(int), 0);
  goro_stats st0, st1;
  goro_stats_get(&st0);

  goro_wg_add(&c.arrived, n);
  goro_wg_add(&c.left, n);
  for (int64_t i = 0; i < n; i++) {
    m[i] = (struct member){&c, i};
    goro_go(note_thread, &m[i]);
  }
  goro_wg_wait(&c.arrived);
  goro_chan_close(c.gate);
  goro_wg_wait(&c.left);
  goro_stats_get(&st1);

  obs_int(&s->out, "units", n);
  obs_int(&s->out, "distinct_threads", distinct(c.tids, n));
  obs_int(&s->out, "gomaxprocs", goro_procs());
  obs_int(&s->out, "threads_in_syscalls", (int64_t)(st1.handoffs - st0.handoffs));
  obs_int(&s->out, "runtime_threads_created", (int64_t)st1.threads);
  goro_chan_free(c.gate);
  free(c.tids);
  free(m);
}

/* ---- work_stealing: one goroutine spawns n CPU-bound ones --------------------------------- */

struct chunk {
  int64_t *tid;
  uint64_t work;
  goro_waitgroup *wg;
};

static void crunch(void *arg) {
  struct chunk *c = arg;
  burn(c->work); /* ~work_us of arithmetic */
  *c->tid = os_tid();
  goro_wg_done(c->wg);
}

/* The spawner starts its units in waves of `wave` (200 by default), waiting for each: a wave
 * that fits its P's local run queue (256) never spills to the global queue, so the idle P
 * can get work only by stealing it. (All 10k at once spill to the global queue, and the idle
 * P mostly takes them from there.) */
SCEN_MAIN(work_stealing) {
  int64_t n = param(s, "n"), wave = param(s, "wave");
  uint64_t work = (uint64_t)((double)param(s, "work_us") * burn_per_us());
  int64_t *tids = calloc((size_t)n, sizeof *tids);
  struct chunk *chunks = calloc((size_t)n, sizeof *chunks);
  goro_stats st0, st1;
  goro_stats_get(&st0);

  for (int64_t i = 0; i < n; i += wave) {
    int64_t m = n - i < wave ? n - i : wave;
    goro_waitgroup wg = {0};
    goro_wg_add(&wg, m);
    for (int64_t k = i; k < i + m; k++) {
      chunks[k] = (struct chunk){&tids[k], work, &wg};
      goro_go(crunch, &chunks[k]);
    }
    goro_wg_wait(&wg);
  }
  goro_stats_get(&st1);

  obs_int(&s->out, "units", n);
  obs_int(&s->out, "distinct_threads", distinct(tids, n));
  obs_int(&s->out, "steals", (int64_t)(st1.steals - st0.steals));
  obs_int(&s->out, "gomaxprocs", goro_procs());
  free(tids);
  free(chunks);
}

/* ---- syscall_handoff: a blocking read() at GOMAXPROCS=1 must not stop the others ---------- */

struct handoff {
  int pipe[2];
  int64_t block_ms;
  int64_t yield_every; /* B yields after this many counts; 0: never */
  int64_t count; /* B's progress */
  int32_t reader_done;
  int64_t blocked_ns, progress;
  int32_t watchdog_fired;
  sem_t read_returned;
  goro_waitgroup wg;
};

static void reader(void *arg) { /* A: a real blocking read() on the pipe */
  struct handoff *h = arg;
  char byte;
  int64_t c0 = goro_atomic_load64(&h->count), t0 = goro_nanotime();
  goro_syscall_enter();
  ssize_t got = read(h->pipe[0], &byte, 1);
  goro_syscall_exit();
  h->blocked_ns = goro_nanotime() - t0;
  h->progress = goro_atomic_load64(&h->count) - c0;
  (void)got;
  goro_atomic_store32(&h->reader_done, 1);
  sem_post(&h->read_returned);
  goro_wg_done(&h->wg);
}

static void counter(void *arg) { /* B: counts, yielding every yield_every counts (0: never) */
  struct handoff *h = arg;
  int64_t deadline = goro_nanotime() + 20 * h->block_ms * 1000000; /* B's own end: no hang */
  for (int64_t n = 1; !goro_atomic_load32(&h->reader_done); n++) {
    goro_atomic_add64(&h->count, 1);
    if (h->yield_every > 0 && n % h->yield_every == 0) goro_yield();
    if (n % 1024 == 0 && goro_nanotime() > deadline) break;
  }
  goro_wg_done(&h->wg);
}

static void writer(void *arg) { /* C: sleeps, then unblocks A */
  struct handoff *h = arg;
  goro_sleep(h->block_ms * 1000000);
  ssize_t put = write(h->pipe[1], "c", 1);
  (void)put;
  goro_wg_done(&h->wg);
}

static void *watchdog(void *arg) { /* an OS thread: unblocks A if C never got to run */
  struct handoff *h = arg;
  struct timespec deadline;
  clock_gettime(CLOCK_MONOTONIC, &deadline);
  int64_t ns = deadline.tv_nsec + 5 * h->block_ms * 1000000;
  deadline.tv_sec += ns / 1000000000;
  deadline.tv_nsec = ns % 1000000000;
  while (sem_clockwait(&h->read_returned, CLOCK_MONOTONIC, &deadline) != 0) {
    if (errno == EINTR) continue;
    goro_atomic_store32(&h->watchdog_fired, 1);
    ssize_t put = write(h->pipe[1], "w", 1);
    (void)put;
    break;
  }
  return NULL;
}

static void syscall_handoff_main(scen *s) {
  struct handoff h = {.block_ms = param(s, "block_ms"), .yield_every = param(s, "yield_every")};
  if (pipe(h.pipe) != 0) goro_panic("pipe() failed");
  sem_init(&h.read_returned, 0, 0);
  pthread_t dog;
  pthread_create(&dog, NULL, watchdog, &h);

  goro_wg_add(&h.wg, 3);
  goro_go(reader, &h);
  goro_go(counter, &h);
  goro_go(writer, &h);
  goro_wg_wait(&h.wg);

  goro_syscall_enter(); /* joining an OS thread blocks this M */
  pthread_join(dog, NULL);
  goro_syscall_exit();
  close(h.pipe[0]);
  close(h.pipe[1]);
  sem_destroy(&h.read_returned);

  obs_num(&s->out, "blocked_ms", (double)h.blocked_ns / 1e6);
  obs_int(&s->out, "progress_during_block", h.progress);
  obs_bool(&s->out, "watchdog_fired", h.watchdog_fired);
  obs_int(&s->out, "gomaxprocs", goro_procs());
}

SCEN_OUTER(syscall_handoff) { return scen_run(s, syscall_handoff_main, 1); }

/* ---- gomaxprocs --------------------------------------------------------------------------- */

SCEN_MAIN(gomaxprocs) {
  obs_int(&s->out, "gomaxprocs", goro_procs());
  cpu_set_t set; /* the CPUs this process may run on, as the runtime counts them */
  long cpus = sched_getaffinity(0, sizeof set, &set) == 0 ? CPU_COUNT(&set) : sysconf(_SC_NPROCESSORS_ONLN);
  obs_int(&s->out, "cpu_count", cpus);
  obs_int(&s->out, "cpus_online", sysconf(_SC_NPROCESSORS_ONLN));
}

/* ---- parallel_speedup: two CPU-bound goroutines at GOMAXPROCS=procs ----------------------- */

static void busy(void *arg) {
  goro_waitgroup *wg = ((void **)arg)[0];
  burn(*(uint64_t *)((void **)arg)[1]);
  goro_wg_done(wg);
}

/* One measurement at the run's procs (dispatch.c sets it); the suite alternates procs=1 and
 * procs=2 and compares the medians. The calibration is untimed. */
SCEN_MAIN(parallel_speedup) {
  uint64_t iters = (uint64_t)(burn_per_us() * 1000.0 * (double)param(s, "work_ms"));
  goro_waitgroup wg = {0};
  void *arg[2] = {&wg, &iters};
  int64_t t0 = goro_nanotime();
  goro_wg_add(&wg, 2);
  goro_go(busy, arg);
  goro_go(busy, arg);
  goro_wg_wait(&wg);
  int64_t t = goro_nanotime() - t0;
  obs_num(&s->out, "seconds", secs(t));
  obs_int(&s->out, "gomaxprocs", goro_procs());
}
