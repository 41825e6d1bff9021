/* Runs (see the note at the top of sched.c: deadlock, runs). The runtime starts once per
 * process (runtime_init: sysmon, stacks, the preemption signal); goro_run makes goroutine 1,
 * waits for the run to end, then for every M to drop its P, and reclaims every G and stack
 * slot (cleanup_run). checkdead decides, when the last P goes idle, whether anything can
 * still wake a goroutine. Also GOMAXPROCS (goro_procs/goro_set_procs) and goro_stats. */
#include <errno.h>
#include <linux/futex.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "proc.h"

static pthread_mutex_t runlock = PTHREAD_MUTEX_INITIALIZER; /* one goro_run at a time */
static pthread_once_t init_once = PTHREAD_ONCE_INIT;

/* ---- deadlock ------------------------------------------------------------------------------ */

/* qsort, for checkdead's report: by goroutine id. */
static int cmp_goid(const void *a, const void *b) {
  uint64_t x = (*(G *const *)a)->goid, y = (*(G *const *)b)->goid;
  return (x > y) - (x < y);
}

/* All Ps idle (lock held). Nothing running can wake anyone; decide whether anything else can.
 * Sched lock held, every P idle: pidleput of the last busy P. */
void checkdead(void) {
  ASSERT_SCHEDLOCK_HELD();
  int state = LOAD_SEQ(&sched.run_state);
  if (state == RUN_ENDED) {
    pthread_cond_broadcast(&sched.runcond); /* goro_run waits for this quiescence */
    return;
  }
  if (state != RUN_ACTIVE) return;
  if (LOAD_SEQ(&goro__netpoll_nwait) > 0) { /* I/O may still wake them (netpoll.c) */
    /* an M that idled the last P goes on to poll (netpoll_block); sysmon handing off the P of
     * a goroutine in a syscall does not, so an idle M is sent to do it. Before the other
     * checks: with that goroutine still in its syscall they would return first (found by
     * test_netpoll io_beside_syscall under ASan: the reader waited out the 400 ms syscall) */
    if (!goro__getm() && !LOAD_SEQ(&sched.pollm)) {
      M *m = mget();
      if (m) {
        m->nextp = NULL;
        m->spinning = false;
        notewakeup(&m->park);
      } else {
        newm(NULL, false);
      }
    }
    return;
  }
  if (LOAD_SEQ(&sched.nsyscall) > 0 || sched.gqsize > 0 || goro__timer_count() > 0) return;
  /* deadlock: list the parked goroutines by id */
  size_t n = 0, cap = 64;
  G **gs = malloc(cap * sizeof *gs);
  for (struct gchunk *c = LOAD_SEQ(&sched.gfree.chunks); c && gs; c = LOAD_SEQ(&c->next)) {
    for (int i = 0; i < GCHUNK; i++) {
      G *g = &c->g[i];
      if (LOAD_SEQ(&g->status) != G_WAITING || g->run_id != goro__run_id) continue;
      if (n == cap) {
        G **x = realloc(gs, (cap *= 2) * sizeof *gs);
        if (!x) break;
        gs = x;
      }
      gs[n++] = g;
    }
  }
  const char *head = "fatal error: all goroutines are asleep - deadlock!\n";
  size_t len = strlen(head) + 1 + n * 64 + 1, off = 0;
  char *msg = malloc(len);
  if (msg && gs) {
    qsort(gs, n, sizeof *gs, cmp_goid);
    off += (size_t)snprintf(msg, len, "%s", head);
    for (size_t i = 0; i < n && off < len; i++)
      off += (size_t)snprintf(msg + off, len - off, "\ngoroutine %llu [%.40s]:", (unsigned long long)gs[i]->goid,
                              gs[i]->waitreason ? gs[i]->waitreason : "waiting");
  }
  free(gs);
  sched.status = GORO_DEADLOCK;
  sched.msg = msg ? msg : strdup("fatal error: all goroutines are asleep - deadlock!");
  STORE_REL(&sched.run_state, RUN_ENDED);
  pthread_cond_broadcast(&sched.runcond);
}

/* ---- lifecycle ----------------------------------------------------------------------------- */

/* pthread_once from goro_run: once per process. */
static void runtime_init(void) {
  pthread_condattr_t ca;
  pthread_condattr_init(&ca);
  pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
  pthread_cond_init(&sched.runcond, &ca);
  pthread_condattr_destroy(&ca);
  for (int i = 0; i < GORO_MAX_PROCS; i++) allp[i].id = i;
  sched.sysmon_deadline = INT64_MAX;
  goro__stack_init();
  goro__preempt_init(); /* before any M exists: the signal handler is process-wide */
  pthread_t th;
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
  if (pthread_create(&th, &attr, sysmon, NULL) != 0) crash("goro: cannot start sysmon");
  pthread_attr_destroy(&attr);
}

/* GOMAXPROCS from the environment as Go's schedinit reads it: a positive decimal integer
 * (capped at GORO_MAX_PROCS); anything else (unset, empty, 0, negative, "4x") is ignored.
 * default_procs only. */
static int env_procs(void) {
  const char *v = getenv("GOMAXPROCS");
  if (!v || !*v) return 0;
  long n = 0;
  for (const char *c = v; *c; c++) {
    if (*c < '0' || *c > '9') return 0;
    n = n * 10 + (*c - '0');
    if (n > GORO_MAX_PROCS) n = GORO_MAX_PROCS; /* no overflow on long strings */
  }
  return (int)n;
}

/* The CPUs this process may run on (sched_getaffinity, as Go's getproccount), else online.
 * default_procs only. */
static int cpu_count(void) {
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof set, &set) == 0) {
    int n = CPU_COUNT(&set);
    if (n > 0) return n > GORO_MAX_PROCS ? GORO_MAX_PROCS : n;
  }
  long n = sysconf(_SC_NPROCESSORS_ONLN);
  return n < 1 ? 1 : n > GORO_MAX_PROCS ? GORO_MAX_PROCS : (int)n;
}

/* Decided once, at the runtime's first use (Go reads the variable once, at start-up).
 * Any thread; racing first callers agree. */
static int default_procs(void) {
  static int decided;
  int n = LOAD_SEQ(&decided);
  if (n == 0) {
    n = env_procs();
    if (n == 0) n = cpu_count();
    STORE_REL(&decided, n); /* racing first callers compute the same value */
  }
  return n;
}

/* Any thread. */
int goro_procs(void) {
  int n = LOAD_SEQ(&sched.procs);
  return n > 0 ? n : default_procs();
}

/* goro_run and goro_set_procs: their one-line error text, and the status returned. */
static int seterr(char *err, size_t errlen, int status, const char *msg) {
  if (err && errlen) snprintf(err, errlen, "%s", msg);
  return status;
}

/* Any thread outside a run (between goro_run calls). */
int goro_set_procs(int n, char *err, size_t errlen) {
  char buf[80];
  if (n <= 0 || n > GORO_MAX_PROCS) {
    snprintf(buf, sizeof buf, "GOMAXPROCS must be in 1..%d, got %d", GORO_MAX_PROCS, n);
    return seterr(err, errlen, GORO_EINVAL, buf);
  }
  if (LOAD_SEQ(&sched.run_state) != RUN_IDLE)
    return seterr(err, errlen, GORO_EINVAL, "goro_set_procs: not callable during a run");
  STORE_REL(&sched.procs, n);
  return seterr(err, errlen, GORO_OK, "");
}

/* Goroutine 1 only (goro_run's entry). */
static void main_entry(void *arg) {
  void **a = arg;
  ((void (*)(void *))a[0])(a[1]);
  G *g = goro__getg();
  if (g->gsync.defers) goro__defers_at_exit();
  RACE_RELEASE(&sched.status); /* main's work happens before goro_run returns */
  goro__end_run(GORO_OK, "");
}

/* Every M has dropped its P: reclaim all goroutines and stacks of the run (lock held).
 * Sched lock held, every P idle, the run ended: finish_run only. */
static void cleanup_run(void) {
  ASSERT_SCHEDLOCK_HELD();
  for (int i = 0; i < NPROCS; i++) {
    P *p = &allp[i];
    goro__stack_flush(p);
    goro__small_reset(p);
    p->ngfree = 0; /* free Gs are found again below */
    /* atomics: an M that just dropped its P may still be looking at the queues */
    STORE_REL(&p->runqhead, 0);
    STORE_REL(&p->runqtail, 0);
    STORE_REL(&p->runnext, NULL);
    p->goidcache = p->goidcacheend = 0;
  }
  sched.gqhead = sched.gqtail = NULL;
  STORE_REL(&sched.gqsize, 0);
  goro__timer_clear();
  goro__netpoll_run_end();
  size_t nkeep = 0, capkeep = 0;
  uint32_t *keep = NULL;
  pthread_mutex_lock(&sched.gfree.lock);
  sched.gfree.list = NULL;
  sched.gfree.n = 0;
  for (struct gchunk *c = sched.gfree.chunks; c; c = c->next) {
    for (int i = GCHUNK - 1; i >= 0; i--) {
      G *g = &c->g[i];
      int s = LOAD_SEQ(&g->status);
      if (s == G_SYSCALL || (g->orphan && s != G_FREE)) {
        /* still inside a syscall: freed when it comes back (AFTER_SYSCALL_REQUEUE) */
        g->orphan = true;
        if (nkeep == capkeep) {
          capkeep = capkeep ? 2 * capkeep : 16;
          keep = realloc(keep, capkeep * sizeof *keep);
          if (!keep) crash("goro: out of memory");
        }
        keep[nkeep++] = g->slot;
        continue;
      }
      g->slot = NOSLOT; /* every other slot returns to the pool below */
      goro__small_forget(g);
      g->on_rlist = 0;
      memset(&g->gsync, 0, sizeof g->gsync);
      g->waitreason = NULL;
      STORE_REL(&g->status, G_FREE);
      g->schedlink = sched.gfree.list;
      sched.gfree.list = g;
      sched.gfree.n++;
    }
  }
  pthread_mutex_unlock(&sched.gfree.lock);
  goro__stack_reclaim_all(keep, nkeep);
  uint64_t used = goro__stack_slots_used();
  uint32_t *slots = malloc((used ? used : 1) * sizeof *slots);
  if (!slots) crash("goro: out of memory");
  size_t nfree = 0;
  for (uint64_t s = used; s-- > 0;) {
    bool kept = false;
    for (size_t k = 0; k < nkeep && !kept; k++) kept = keep[k] == s;
    if (!kept) slots[nfree++] = (uint32_t)s;
  }
  goro__stack_reset_free(slots, nfree);
  free(slots);
  free(keep);
  STORE_REL(&sched.nsyscall, 0);
  /* nmspinning is 0 here by construction (every decrement happens before its P goes idle);
   * resetting it would race with nothing but would hide a bug */
}

/* The run has ended: wait (bounded) until every M has dropped its P, then reclaim it all.
 * Lock held. False if a goroutine still holds a P (it never yields).
 * Sched lock held, on goro_run's thread (not an M). */
static bool finish_run(void) {
  ASSERT_SCHEDLOCK_HELD();
  struct timespec dl;
  clock_gettime(CLOCK_MONOTONIC, &dl);
  dl.tv_sec += 10;
  int rc = 0;
  while (LOAD_SEQ(&sched.npidle) != NPROCS && rc != ETIMEDOUT)
    rc = goro__sched_condwait(&sched.runcond, &dl);
  if (LOAD_SEQ(&sched.npidle) != NPROCS) return false;
  cleanup_run();
  STORE_REL(&sched.run_state, RUN_IDLE);
  return true;
}

/* A thread that is not an M, one run at a time (runlock); sched lock not held. */
int goro_run(void (*main)(void *), void *arg, char *err, size_t errlen) {
  pthread_once(&init_once, runtime_init);
  if (goro__getm()) return seterr(err, errlen, GORO_EINVAL, "goro_run: called from inside a run");
  if (!main) return seterr(err, errlen, GORO_EINVAL, "goro_run: main must be a function");
  if (pthread_mutex_trylock(&runlock) != 0)
    return seterr(err, errlen, GORO_EINVAL, "goro_run: another run is in progress");
  void *mainarg[2] = {(void *)main, arg};
  if (goro__small_start_run(err, errlen) != 0) { /* stack_copy.c: GORO_STACKS */
    pthread_mutex_unlock(&runlock);
    return GORO_EINVAL;
  }

  lock();
  if (LOAD_SEQ(&sched.run_state) == RUN_ENDED && !finish_run()) { /* a previous run timed out */
    unlock();
    pthread_mutex_unlock(&runlock);
    return seterr(err, errlen, GORO_FATAL,
                  "fatal error: goro: a goroutine of an earlier run is still running (it never yields)");
  }
  int n = goro_procs();
  STORE_REL(&sched.nprocs, n);
  sched.pidle = NULL;
  STORE_REL(&sched.npidle, 0);
  for (int i = n - 1; i >= 0; i--) {
    P *p = &allp[i];
    p->spawns = p->exits = p->switches = p->steals = p->handoffs = p->parks = 0;
    p->schedtick = p->nextstreak = 0;
    STORE_REL(&p->sysm, NULL);
    p->link = sched.pidle;
    sched.pidle = p;
    STORE_REL(&sched.npidle, sched.npidle + 1);
  }
  goro__run_id++;
  STORE_REL(&sched.goidgen, 2);
  sched.status = GORO_OK;
  sched.msg = NULL;
  G *g1 = gfget(NULL);
  g1->goid = 1;
  g1->fn = main_entry;
  g1->arg = mainarg;
  g1->run_id = goro__run_id;
  g1->saved_errno = 0;
  STORE_REL(&g1->status, G_RUNNABLE);
  race_gostart(g1);
  goro__globrunqput(g1);
  STORE_REL(&sched.run_state, RUN_ACTIVE);
  unlock();
  XADD_SEQ(&sched.sysmon_wake, 1);
  futex(&sched.sysmon_wake, FUTEX_WAKE_PRIVATE, 1, NULL);
  startm(NULL, false);

  lock();
  while (LOAD_SEQ(&sched.run_state) == RUN_ACTIVE) goro__sched_condwait(&sched.runcond, NULL);
  int status = sched.status;
  char *msg = sched.msg;
  sched.msg = NULL;
  RACE_ACQUIRE(&sched.status);
  bool clean = finish_run();
  unlock();
  pthread_mutex_unlock(&runlock);
  if (!clean && status == GORO_OK) {
    free(msg);
    return seterr(err, errlen, GORO_FATAL,
                  "fatal error: goro: a goroutine kept running after main returned (it never yields)");
  }
  seterr(err, errlen, status, msg ? msg : "");
  free(msg);
  return status;
}

/* ---- stats --------------------------------------------------------------------------------- */

/* Any thread, no lock: racy reads of counters only their owner P writes. */
static void stats_of(P *p, goro_stats *out) {
  out->spawns = LOAD_RLX(&p->spawns);
  out->switches = LOAD_RLX(&p->switches);
  out->steals = LOAD_RLX(&p->steals);
  out->handoffs = LOAD_RLX(&p->handoffs);
  out->parks = LOAD_RLX(&p->parks);
  out->threads = LOAD_SEQ(&sched.mcount);
}

/* Any thread, no lock. */
void goro_stats_get(goro_stats *total) {
  memset(total, 0, sizeof *total);
  int n = NPROCS ? NPROCS : goro_procs();
  for (int i = 0; i < n; i++) {
    goro_stats s;
    stats_of(&allp[i], &s);
    total->spawns += s.spawns;
    total->switches += s.switches;
    total->steals += s.steals;
    total->handoffs += s.handoffs;
    total->parks += s.parks;
  }
  total->threads = LOAD_SEQ(&sched.mcount);
}

/* Any thread, no lock. */
int goro_stats_p(int p, goro_stats *out) {
  int n = NPROCS ? NPROCS : goro_procs();
  if (p < 0 || p >= n || !out) return GORO_EINVAL;
  stats_of(&allp[p], out);
  return GORO_OK;
}
