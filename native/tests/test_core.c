/* Tests of the scheduler core: `test_core NAME` runs one test and prints "ok NAME";
 * `test_core list` names them. native/tests/test_core.py runs each in its own process with a
 * timeout, so a hang is a failed test, and checks the crash tests' messages and exit codes.
 * The tests use only goro.h and the core contract (runtime.h); no sleep stands in for a
 * synchronisation: waits are countdowns (tcommon.h) or bounded polls. */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <sys/wait.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "core.h"
#include "tcommon.h"

#if defined(GORO_ASAN) || defined(GORO_TSAN)
#define SANITIZED 1
#define BIG 4000L /* sanitizers are slow, and TSan counts each goroutine's fiber as a thread (limit 8128) */
#else
#define SANITIZED 0
#define BIG 1000000L
#endif

static pid_t gettid_now(void) { return (pid_t)syscall(SYS_gettid); }

/* errno's address read afresh (see test tls_migration) */
__attribute__((noinline)) static int *errno_addr(void) {
  int *e = &errno;
  __asm__ volatile("" : "+r"(e)::"memory");
  return e;
}

static void set_procs(int n) {
  char err[128];
  CHECK(goro_set_procs(n, err, sizeof err) == GORO_OK, "goro_set_procs(%d): %s", n, err);
}

static countdown cd;
static void cd_init(int64_t n) {
  cd.count = n;
  cd.waiter = NULL;
}

/* ---- spawn storm ---------------------------------------------------------------------------- */

static int64_t ran;
static void storm_child(void *arg) {
  (void)arg;
  __atomic_add_fetch(&ran, 1, __ATOMIC_RELAXED);
  countdown_done(&cd);
}
static void storm_main(void *arg) {
  long n = (long)arg;
  cd_init(n);
  for (long i = 0; i < n; i++) goro_go(storm_child, NULL);
  countdown_wait(&cd);
  /* the last child readied us just before its own exit, maybe on the other P whose thread
   * the OS may have preempted: poll (bounded) until that exit is counted */
  for (int i = 0; i < 100000 && goro_count() != 1; i++) goro_sleep(100000);
  CHECK(goro_count() == 1, "goro_count() = %lld after all exited", (long long)goro_count());
}
static void t_spawn_storm(void) {
  long n = BIG;
  set_procs(2);
  uint64_t slots0 = goro__stack_slots_used();
  run_ok(storm_main, (void *)n);
  CHECK(ran == n, "ran %lld of %ld", (long long)ran, n);
  goro_stats st;
  goro_stats_get(&st);
  CHECK(st.spawns == (uint64_t)n, "spawns %llu", (unsigned long long)st.spawns);
  /* exited goroutines hand their stack slot to the next: a few hot slots, no fresh ones */
  uint64_t fresh = goro__stack_slots_used() - slots0;
  CHECK(fresh < 4096, "a storm of %ld short goroutines used %llu distinct stacks", n, (unsigned long long)fresh);
  printf("spawns=%llu steals=%llu threads=%llu distinct_stacks=%llu\n", (unsigned long long)st.spawns,
         (unsigned long long)st.steals, (unsigned long long)st.threads, (unsigned long long)fresh);
}

/* ---- yield ping-pong at P=1 ----------------------------------------------------------------- */

#define ROUNDS 100000
static int trace[2 * ROUNDS + 8];
static int ntrace;
static void pinger(void *arg) {
  int me = (int)(long)arg;
  for (int i = 0; i < ROUNDS; i++) {
    trace[ntrace++] = me; /* P=1: never two at once */
    goro_yield();
  }
  countdown_done(&cd);
}
static void pingpong_main(void *arg) {
  (void)arg;
  cd_init(2);
  goro_go(pinger, (void *)0L);
  goro_go(pinger, (void *)1L);
  countdown_wait(&cd);
}
static void t_yield_pingpong(void) {
  set_procs(1);
  run_ok(pingpong_main, NULL);
  CHECK(ntrace == 2 * ROUNDS, "ntrace %d", ntrace);
  for (int i = 1; i < ntrace; i++) CHECK(trace[i] != trace[i - 1], "goroutine %d ran twice in a row at %d", trace[i], i);
  goro_stats st;
  goro_stats_get(&st);
  CHECK(st.switches >= 2 * ROUNDS, "switches %llu", (unsigned long long)st.switches);
}

/* ---- stealing on 2 Ps ----------------------------------------------------------------------- */

static pid_t tids[1000];
static uint64_t sink;
static void busy(void *arg) {
  long i = (long)arg;
  uint64_t x = (uint64_t)i;
  for (int k = 0; k < 20000; k++) x = x * 6364136223846793005ull + 1442695040888963407ull;
  __atomic_store_n(&sink, x, __ATOMIC_RELAXED);
  tids[i] = gettid_now();
  countdown_done(&cd);
}
static void steal_main(void *arg) {
  (void)arg;
  cd_init(1000);
  for (long i = 0; i < 1000; i++) goro_go(busy, (void *)i);
  countdown_wait(&cd);
}
static void t_steal(void) {
  set_procs(2);
  for (int attempt = 0; attempt < 50; attempt++) {
    run_ok(steal_main, NULL);
    goro_stats st, p0, p1;
    goro_stats_get(&st);
    CHECK(goro_stats_p(0, &p0) == GORO_OK && goro_stats_p(1, &p1) == GORO_OK, "stats of P0/P1");
    int distinct = 0;
    pid_t seen[2] = {0, 0};
    for (int i = 0; i < 1000 && distinct < 2; i++)
      if (tids[i] != seen[0] && tids[i] != seen[1]) seen[distinct++] = tids[i];
    if (st.steals > 0 && distinct >= 2) {
      printf("attempt=%d steals=%llu (P0 %llu, P1 %llu) threads=%d+\n", attempt, (unsigned long long)st.steals,
             (unsigned long long)p0.steals, (unsigned long long)p1.steals, distinct);
      return;
    }
  }
  CHECK(0, "no steal onto a second thread in 50 runs of 1000 goroutines at P=2");
}

/* ---- sleep ---------------------------------------------------------------------------------- */

static int64_t slept_short;
static void sleeper(void *arg) {
  int64_t ns = (int64_t)(long)arg;
  int64_t t0 = goro_nanotime();
  goro_sleep(ns);
  if (goro_nanotime() - t0 < ns) __atomic_add_fetch(&slept_short, 1, __ATOMIC_RELAXED);
  countdown_done(&cd);
}
static void sleep_main(void *arg) {
  (void)arg;
  cd_init(5000);
  for (long i = 0; i < 5000; i++) goro_go(sleeper, (void *)(long)(1000000 + (i % 50) * 100000));
  countdown_wait(&cd);
}
static void t_sleep(void) {
  set_procs(2);
  goro_stats before;
  goro_stats_get(&before);
  run_ok(sleep_main, NULL);
  goro_stats after;
  goro_stats_get(&after);
  CHECK(slept_short == 0, "%lld sleepers woke early", (long long)slept_short);
  /* 5000 sleepers, and no thread per sleeper: at most the Ms the Ps need */
  CHECK(after.threads <= 4, "threads %llu", (unsigned long long)after.threads);
  CHECK(after.parks >= 5000, "parks %llu", (unsigned long long)after.parks);
}

/* ---- syscall handoff at P=1 ------------------------------------------------------------------ */

static int pipefd[2];
static volatile int reader_got;
static void reader(void *arg) {
  (void)arg;
  char c = 0;
  goro_syscall_enter();
  struct pollfd pf = {.fd = pipefd[0], .events = POLLIN};
  int r = poll(&pf, 1, 20000); /* bounded: a broken handoff fails, it does not hang */
  ssize_t n = r == 1 ? read(pipefd[0], &c, 1) : -1;
  goro_syscall_exit();
  reader_got = n == 1 ? c : -1;
  countdown_done(&cd);
}
static void writer(void *arg) {
  (void)arg;
  /* runs only if the P blocked in the reader's syscall was handed to another M */
  CHECK(write(pipefd[1], "x", 1) == 1, "write");
  countdown_done(&cd);
}
static void handoff_main(void *arg) {
  (void)arg;
  cd_init(2);
  goro_go(reader, NULL);
  goro_yield(); /* let the reader block first */
  goro_go(writer, NULL);
  countdown_wait(&cd);
}
static void t_handoff(void) {
  set_procs(1);
  CHECK(pipe(pipefd) == 0, "pipe");
  run_ok(handoff_main, NULL);
  CHECK(reader_got == 'x', "reader got %d (poll timed out: no handoff)", reader_got);
  goro_stats st;
  goro_stats_get(&st);
  CHECK(st.handoffs >= 1, "handoffs %llu", (unsigned long long)st.handoffs);
  printf("handoffs=%llu threads=%llu\n", (unsigned long long)st.handoffs, (unsigned long long)st.threads);
}

/* ---- deadlock -------------------------------------------------------------------------------- */

static void stuck(void *arg) { goro__park((const char *)arg, NULL, NULL); }
static void deadlock_main(void *arg) {
  (void)arg;
  goro_go(stuck, "chan receive");     /* goroutine 2 */
  goro_go(stuck, "sync.Mutex.Lock");  /* goroutine 3 */
  goro_sleep(1000000);                /* a timer pending is not a deadlock */
  goro__park("sync.WaitGroup.Wait", NULL, NULL);
}
static void t_deadlock(void) {
  for (int procs = 1; procs <= 2; procs++) {
    set_procs(procs);
    char err[1024];
    int rc = goro_run(deadlock_main, NULL, err, sizeof err);
    const char *want =
        "fatal error: all goroutines are asleep - deadlock!\n\n"
        "goroutine 1 [sync.WaitGroup.Wait]:\n"
        "goroutine 2 [chan receive]:\n"
        "goroutine 3 [sync.Mutex.Lock]:";
    CHECK(rc == GORO_DEADLOCK, "rc %d: %s", rc, err);
    CHECK(strcmp(err, want) == 0, "message:\n%s", err);
  }
}

/* ---- stacks ---------------------------------------------------------------------------------- */

__attribute__((noinline)) static uint64_t recurse(int depth) {
  volatile char frame[1024];
  for (int i = 0; i < 1024; i += 64) frame[i] = (char)i; /* a frame that uses its locals */
  frame[0] = (char)(depth & 0x7f);
  frame[1023] = (char)(depth & 0x7f);
  if (depth == 0) return (uint64_t)frame[0];
  return recurse(depth - 1) + (uint64_t)frame[1023] + 1;
}
static void deep(void *arg) {
  int depth = (int)(long)arg;
  uint64_t want = 0;
  for (int k = 1; k <= depth; k++) want += (uint64_t)(k & 0x7f) + 1;
  uint64_t r = recurse(depth);
  CHECK(r == want, "recursion computed %llu, want %llu", (unsigned long long)r, (unsigned long long)want);
  countdown_done(&cd);
}
static long statm_rss(void);
static long deep_rss_growth;
static void recursion_main(void *arg) {
  long depth = (long)arg;
  cd_init(8);
  long rss0 = statm_rss();
  for (int i = 0; i < 8; i++) goro_go(deep, (void *)depth); /* 300 frames of > 1 KiB: > 300 KiB */
  countdown_wait(&cd);
  for (int i = 0; i < 100000 && goro_count() != 1; i++) goro_sleep(100000); /* all exited */
  deep_rss_growth = statm_rss() - rss0;
}
static void t_recursion_256k(void) {
  set_procs(2);
  run_ok(recursion_main, (void *)1L);
  long shallow = deep_rss_growth; /* threads, pools: what any run adds */
  run_ok(recursion_main, (void *)300L);
  run_ok(recursion_main, (void *)300L); /* the second time on reused slots */
  printf("rss growth: %ld bytes after shallow goroutines, %ld after deep ones exited\n", shallow, deep_rss_growth);
  /* several x 300 KiB were touched; an exited goroutine's deep pages go back to the kernel */
  if (!SANITIZED)
    CHECK(deep_rss_growth - shallow < 256 * 1024, "deep stacks kept %ld bytes resident", deep_rss_growth - shallow);
}

static void overflow(void *arg) {
  (void)arg;
  recurse(1 << 30);
}
static void overflow_main(void *arg) {
  (void)arg;
  goro_go(overflow, NULL);
  goro__park("chan receive", NULL, NULL);
}
static void t_stack_overflow(void) {
  set_procs(2);
  char err[256];
  goro_run(overflow_main, NULL, err, sizeof err);
  CHECK(0, "the overflow did not end the process");
}

/* ---- a million parked goroutines -------------------------------------------------------------- */

static long statm_rss(void) {
  long pages = 0, res = 0;
  FILE *f = fopen("/proc/self/statm", "r");
  if (f) {
    if (fscanf(f, "%ld %ld", &pages, &res) != 2) res = 0;
    fclose(f);
  }
  return res * sysconf(_SC_PAGESIZE);
}
static int count_maps(void) {
  FILE *f = fopen("/proc/self/maps", "r");
  int n = 0, c;
  if (!f) return -1;
  while ((c = fgetc(f)) != EOF) n += c == '\n';
  fclose(f);
  return n;
}
static long rss0, rss1;
static int maps1;
static void park_forever(void *arg) {
  (void)arg;
  countdown_done(&cd);
  goro__park("chan receive", NULL, NULL);
}
static void parked_main(void *arg) {
  long n = (long)arg;
  cd_init(n);
  rss0 = statm_rss();
  for (long i = 0; i < n; i++) goro_go(park_forever, NULL);
  countdown_wait(&cd);
  for (int i = 0; i < 64; i++) goro_yield(); /* the last few finish parking */
  rss1 = statm_rss();
  maps1 = count_maps();
  CHECK(goro_count() == n + 1, "goro_count %lld", (long long)goro_count());
}
static void t_parked_1m(void) {
  long n = BIG;
  FILE *f = fopen("/proc/sys/vm/max_map_count", "r");
  long maxmaps = 0;
  if (f) {
    if (fscanf(f, "%ld", &maxmaps) != 1) maxmaps = 0;
    fclose(f);
  }
  set_procs(2);
  run_ok(parked_main, (void *)n); /* main returns: the parked ones are discarded */
  double per = (double)(rss1 - rss0) / (double)n;
  printf("rss_per_parked=%.0f maps=%d max_map_count=%ld guard=%s\n", per, maps1, maxmaps, goro__stack_guard_mode());
  if (!SANITIZED) CHECK(per < 8192, "%.0f resident bytes per parked goroutine", per);
  if (!SANITIZED && strcmp(goro__stack_guard_mode(), "MADV_GUARD_INSTALL") == 0) /* TSan maps per fiber */
    CHECK(maps1 < 1000, "%d mappings with 1M goroutines", maps1);
  long after = statm_rss();
  if (!SANITIZED) CHECK(after < rss1 - (rss1 - rss0) / 2, "stacks not reclaimed after the run: rss %ld -> %ld", rss1, after);
  run_ok(parked_main, (void *)1000L); /* and the runtime is good for another run */
}

/* ---- TLS across migration ---------------------------------------------------------------------- */

#define MIGRANTS 8
#define HOPS 2000
static int64_t migrations, mismatches, cached_stale;
/* The errno of a goroutine must survive a yield even when it resumes on another thread.
 * Plain `errno` after the yield is the pitfall this test shows: gcc -O2 computes
 * __errno_location() (declared const) once and reuses the old thread's address after the
 * call (llvm #47179 and friends); we count that as `cached_stale`, for information. Reading
 * through a noinline accessor is correct, and so must be every runtime-internal lookup. */
static void migrant(void *arg) {
  long me = (long)arg;
  uint64_t id = goro_id();
  for (int i = 0; i < HOPS; i++) {
    int want = (int)(me * 100000 + i);
    pid_t t0 = gettid_now();
    int *e0 = errno_addr();
    errno = want;
    goro_yield();
#if SANITIZED
    int cached = *errno_addr(); /* the cached read below really is a race: TSan says so */
#else
    int cached = errno; /* may be read through e0's address: stale after a migration */
#endif
    pid_t t1 = gettid_now();
    int *e1 = errno_addr();
    int got = *e1;
    M *m = goro__getm();
    if (t1 != t0) __atomic_add_fetch(&migrations, 1, __ATOMIC_RELAXED);
    if (cached != want) __atomic_add_fetch(&cached_stale, 1, __ATOMIC_RELAXED);
    /* the runtime's view of "this thread" and the real one agree after every switch */
    if (m->tid != t1 || goro_id() != id || goro__getg()->goid != id || (t1 == t0) != (e1 == e0) || got != want) {
      __atomic_add_fetch(&mismatches, 1, __ATOMIC_RELAXED);
      fprintf(stderr, "mismatch: m->tid %d tid %d->%d id %llu/%llu errno %p->%p got %d want %d\n", m->tid, t0, t1,
              (unsigned long long)id, (unsigned long long)goro_id(), (void *)e0, (void *)e1, got, want);
    }
    /* keep both Ps busy so goroutines move between them */
    for (volatile int k = 0; k < 200; k++) {
    }
  }
  countdown_done(&cd);
}
static void tls_main(void *arg) {
  (void)arg;
  cd_init(MIGRANTS);
  for (long i = 0; i < MIGRANTS; i++) goro_go(migrant, (void *)i);
  countdown_wait(&cd);
}
static void t_tls_migration(void) {
  set_procs(2);
  for (int attempt = 0; attempt < 20 && migrations < 10; attempt++) run_ok(tls_main, NULL);
  printf("migrations=%lld mismatches=%lld cached_errno_stale=%lld (compiler-cached errno, informational)\n",
         (long long)migrations, (long long)mismatches, (long long)cached_stale);
  CHECK(migrations > 0, "no goroutine ever resumed on another thread");
  CHECK(mismatches == 0, "%lld switches saw a stale thread, goroutine or errno", (long long)mismatches);
}

/* ---- GOMAXPROCS and misuse --------------------------------------------------------------------- */

static void during_run_main(void *arg) {
  (void)arg;
  char err[128];
  CHECK(goro_set_procs(2, err, sizeof err) == GORO_EINVAL, "set_procs during a run");
  CHECK(goro_run(during_run_main, NULL, err, sizeof err) == GORO_EINVAL, "nested goro_run");
  CHECK(strstr(err, "inside a run") != NULL, "%s", err);
}
static void small_main(void *arg) {
  (void)arg;
  cd_init(64);
  for (int i = 0; i < 64; i++) goro_go(storm_child, NULL);
  countdown_wait(&cd);
}
static void t_gomaxprocs(void) {
  char err[128];
  int bad[] = {0, -1, 257, -2147483647 - 1};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    CHECK(goro_set_procs(bad[i], err, sizeof err) == GORO_EINVAL, "goro_set_procs(%d) accepted", bad[i]);
    char want[80];
    snprintf(want, sizeof want, "GOMAXPROCS must be in 1..256, got %d", bad[i]);
    CHECK(strcmp(err, want) == 0, "message: %s", err);
  }
  CHECK(goro_procs() >= 1, "default procs");
  set_procs(256);
  CHECK(goro_procs() == 256, "procs");
  run_ok(small_main, NULL);
  goro_stats st;
  CHECK(goro_stats_p(255, &st) == GORO_OK, "stats of P255");
  CHECK(goro_stats_p(256, &st) == GORO_EINVAL, "stats of P256");
  CHECK(goro_stats_p(-1, &st) == GORO_EINVAL, "stats of P-1");
  set_procs(1);
  run_ok(during_run_main, NULL);
  CHECK(goro_run(NULL, NULL, err, sizeof err) == GORO_EINVAL, "NULL main");
}

/* GOMAXPROCS in the environment sets the default, read once at the runtime's first use, as
 * in Go: a positive integer (capped at 256); anything else leaves the affinity CPU count. Each
 * value is tried in a forked child, before that child's first call into the runtime. */
static void procs_with_env(const char *value, int want) {
  pid_t pid = fork();
  CHECK(pid >= 0, "fork");
  if (pid == 0) {
    if (value)
      setenv("GOMAXPROCS", value, 1);
    else
      unsetenv("GOMAXPROCS");
    int first = goro_procs();
    CHECK(first == want, "GOMAXPROCS=\"%s\": default %d, want %d", value ? value : "(unset)",
          first, want);
    setenv("GOMAXPROCS", "7", 1); /* too late: the default was decided at first use */
    run_ok(small_main, NULL);
    CHECK(goro_procs() == first, "the default changed after first use: %d", goro_procs());
    _exit(0);
  }
  int status;
  CHECK(waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0,
        "child with GOMAXPROCS=\"%s\" failed", value ? value : "(unset)");
}
static void t_gomaxprocs_env(void) {
  cpu_set_t set;
  CHECK(sched_getaffinity(0, sizeof set, &set) == 0, "sched_getaffinity");
  int cpus = CPU_COUNT(&set) > 256 ? 256 : CPU_COUNT(&set);
  procs_with_env(NULL, cpus);
  procs_with_env("3", 3);
  procs_with_env("1", 1);
  procs_with_env("100000", 256); /* capped, as Go caps at its own maximum */
  const char *ignored[] = {"", "0", "-2", "4x", " 4", "abc"};
  for (size_t i = 0; i < sizeof ignored / sizeof *ignored; i++) procs_with_env(ignored[i], cpus);
  /* goro_set_procs still overrides the environment's default */
  setenv("GOMAXPROCS", "3", 1);
  set_procs(2);
  CHECK(goro_procs() == 2, "goro_set_procs after GOMAXPROCS");
}

/* ---- reuse across runs ------------------------------------------------------------------------- */

static void fatal_main(void *arg) {
  (void)arg;
  goro_go(stuck, "chan send");
  goro_go(storm_child, NULL);
  goro_yield();
  goro__fatal("something broke");
}
static void busy_leftovers_main(void *arg) {
  (void)arg;
  CHECK(goro_count() == 1, "a fresh run starts with one goroutine, not %lld", (long long)goro_count());
  CHECK(goro_id() == 1, "main is goroutine 1, not %llu", (unsigned long long)goro_id());
  for (int i = 0; i < 100; i++) goro_go(stuck, "select");
  for (int i = 0; i < 100; i++) goro_go(storm_child, NULL); /* still runnable when main returns */
}
static void *run_from_thread(void *arg) {
  (void)arg;
  cd.count = 1 << 30; /* storm_child never finishes it here */
  run_ok(busy_leftovers_main, NULL);
  return NULL;
}
static void t_reuse_runs(void) {
  char err[1024];
  for (int round = 0; round < 3; round++) {
    set_procs(1 + round % 2);
    CHECK(goro_run(deadlock_main, NULL, err, sizeof err) == GORO_DEADLOCK, "deadlock run: %s", err);
    cd.count = 1 << 30;
    CHECK(goro_run(fatal_main, NULL, err, sizeof err) == GORO_FATAL, "fatal run: %s", err);
    CHECK(strcmp(err, "fatal error: something broke") == 0, "fatal message: %s", err);
    pthread_t th; /* goro_run from another thread, as a Python thread calls it */
    CHECK(pthread_create(&th, NULL, run_from_thread, NULL) == 0, "pthread_create");
    pthread_join(th, NULL);
    run_ok(small_main, NULL);
    goro_stats st;
    goro_stats_get(&st);
    CHECK(st.spawns == 64, "stats are per run: spawns %llu", (unsigned long long)st.spawns);
  }
}

/* A goroutine still blocked in a syscall when its run ends is left behind and freed when the
 * syscall returns; the next runs do not wait for it. */
static void blocked_reader(void *arg) {
  (void)arg;
  char c;
  goro_syscall_enter();
  struct pollfd pf = {.fd = pipefd[0], .events = POLLIN};
  if (poll(&pf, 1, 20000) == 1) CHECK(read(pipefd[0], &c, 1) == 1, "read");
  goro_syscall_exit();
  CHECK(0, "an orphaned goroutine ran after its syscall");
}
static void orphan_main(void *arg) {
  (void)arg;
  goro_go(blocked_reader, NULL);
  goro_yield();
}
static void t_syscall_orphan(void) {
  set_procs(1);
  CHECK(pipe(pipefd) == 0, "pipe");
  run_ok(orphan_main, NULL);
  run_ok(small_main, NULL);
  CHECK(write(pipefd[1], "y", 1) == 1, "write");
  for (int i = 0; i < 5; i++) run_ok(small_main, NULL);
}

static void *second_run(void *arg) {
  char *err = arg;
  return (void *)(long)goro_run(small_main, NULL, err, 256);
}
static void hold_main(void *arg) {
  (void)arg;
  static char err[256];
  pthread_t th;
  CHECK(pthread_create(&th, NULL, second_run, err) == 0, "pthread_create");
  void *rc;
  pthread_join(th, &rc); /* blocks this M briefly: fine for a test */
  CHECK((long)rc == GORO_EINVAL && strstr(err, "another run is in progress"), "concurrent run: %ld %s", (long)rc, err);
}
static void t_concurrent_run(void) {
  set_procs(1);
  run_ok(hold_main, NULL);
}

static const struct test tests[] = {
    {"spawn_storm", t_spawn_storm},   {"yield_pingpong", t_yield_pingpong}, {"steal", t_steal},
    {"sleep", t_sleep},               {"handoff", t_handoff},               {"deadlock", t_deadlock},
    {"recursion_256k", t_recursion_256k}, {"stack_overflow", t_stack_overflow}, {"parked_1m", t_parked_1m},
    {"tls_migration", t_tls_migration}, {"gomaxprocs", t_gomaxprocs},     {"reuse_runs", t_reuse_runs},
    {"syscall_orphan", t_syscall_orphan}, {"concurrent_run", t_concurrent_run}, {"gomaxprocs_env", t_gomaxprocs_env}, {NULL, NULL},
};

int main(int argc, char **argv) { return test_main(tests, argc, argv); }
