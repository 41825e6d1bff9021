/* Asynchronous preemption (issue 13, part 2; src/preempt.c).
 *
 * Loops here make no calls: they spin on the time-stamp counter (rdtsc is an instruction),
 * calibrated against the monotonic clock before the first run, so only a signal can take the
 * CPU from them. Each case sets GOMAXPROCS=1, where nothing else can run while a loop spins.
 *
 *   test_preempt list | CASE
 */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#if defined(__x86_64__)
#include <x86intrin.h>
#endif

#include "core.h"
#include "goro.h"

#define FAIL(...)                    \
  do {                               \
    fprintf(stderr, __VA_ARGS__);    \
    fputc('\n', stderr);             \
    _exit(1);                        \
  } while (0)

static void procs1(void) {
  char err[256];
  if (goro_set_procs(1, err, sizeof err) != GORO_OK) FAIL("goro_set_procs: %s", err);
}

static void run(void (*main_)(void *), void *arg) {
  char err[4096];
  int rc = goro_run(main_, arg, err, sizeof err);
  if (rc != GORO_OK) FAIL("goro_run returned %d: %s", rc, err);
}

#if defined(__x86_64__) /* the loops spin on rdtsc; the trampoline and its state are x86-64's */
static double tsc_per_ns;

static void calibrate(void) {
  int64_t t0 = goro_nanotime();
  uint64_t c0 = __rdtsc();
  while (goro_nanotime() - t0 < 20000000) {
  }
  tsc_per_ns = (double)(__rdtsc() - c0) / (double)(goro_nanotime() - t0);
}

static uint64_t tsc_after_ms(int ms) { return __rdtsc() + (uint64_t)(tsc_per_ns * 1e6 * ms); }


/* ---- a sleeper against a 200 ms loop ------------------------------------------------------ */

struct sleeper {
  goro_waitgroup wg;
  int64_t slept_ns; /* how long main's 10 ms sleep took */
  uint64_t spins;
};

static void spin_200ms(void *arg) {
  struct sleeper *s = arg;
  uint64_t until = tsc_after_ms(200), n = 0;
  while (__rdtsc() < until) n++; /* no call: only a signal can stop it */
  s->spins = n;
  goro_wg_done(&s->wg);
}

static void sleeper_main(void *arg) {
  struct sleeper *s = arg;
  goro_wg_add(&s->wg, 1);
  goro_go(spin_200ms, s);
  int64_t t0 = goro_nanotime();
  goro_sleep(10000000); /* the loop runs from here on */
  s->slept_ns = goro_nanotime() - t0;
  goro_wg_wait(&s->wg);
}

static int64_t sleep_once(void) {
  struct sleeper s;
  memset(&s, 0, sizeof s);
  run(sleeper_main, &s);
  return s.slept_ns;
}

static void t_sleeper_wakes(void) {
  calibrate();
  procs1();
  sleep_once(); /* starts the runtime, which decides whether to preempt */
  if (!goro__preempt_enabled()) FAIL("preemption is off (GODEBUG=%s)", getenv("GODEBUG"));
  /* 2 cores shared with other jobs: one late wake-up in five is the machine, not us */
  int late = 0;
  for (int i = 0; i < 5; i++) {
    int64_t ns = sleep_once();
    printf("slept %.1f ms (10 ms asked, a 200 ms loop beside it)\n", ns / 1e6);
    if (ns > 150000000) FAIL("the sleeper waited for the loop: %.1f ms", ns / 1e6);
    if (ns > 30000000) late++;
  }
  if (late > 1) FAIL("%d of 5 wake-ups later than 30 ms", late);
}

static void t_sleeper_waits_when_off(void) {
  setenv("GODEBUG", "madvdontneed=1,asyncpreemptoff=1", 1); /* read when the runtime starts */
  calibrate();
  procs1();
  int64_t ns = sleep_once();
  printf("slept %.1f ms with preemption off\n", ns / 1e6);
  if (goro__preempt_enabled()) FAIL("GODEBUG=asyncpreemptoff=1 did not turn preemption off");
  if (ns < 190000000) FAIL("the sleeper woke in %.1f ms with preemption off (want after the loop)", ns / 1e6);
  if (__atomic_load_n(&goro__preempts, __ATOMIC_RELAXED) != 0) FAIL("a goroutine was preempted");
}

/* ---- registers survive ------------------------------------------------------------------ */

/* Fill xmm0-15 (ymm0-15 with AVX) and r8-r15 with patterns from seed, spin `ms` ms using
 * only rax/rdx/rcx, then store them all; the caller compares. */
struct regs {
  uint64_t v[16][4]; /* 32 bytes per vector register */
  uint64_t g[8];     /* r8-r15 */
};

static void fill(struct regs *r, uint64_t seed) {
  for (int i = 0; i < 16; i++)
    for (int j = 0; j < 4; j++) r->v[i][j] = seed * 0x9E3779B97F4A7C15ull + (uint64_t)(i * 4 + j);
  for (int i = 0; i < 8; i++) r->g[i] = ~seed * 0xD1B54A32D192ED03ull + (uint64_t)i;
}

static void hold_registers(const struct regs *in, struct regs *out, uint64_t until, bool avx) {
  if (avx) {
    __asm__ volatile(
        "vmovdqu 0*32(%[in]), %%ymm0\n\t vmovdqu 1*32(%[in]), %%ymm1\n\t"
        "vmovdqu 2*32(%[in]), %%ymm2\n\t vmovdqu 3*32(%[in]), %%ymm3\n\t"
        "vmovdqu 4*32(%[in]), %%ymm4\n\t vmovdqu 5*32(%[in]), %%ymm5\n\t"
        "vmovdqu 6*32(%[in]), %%ymm6\n\t vmovdqu 7*32(%[in]), %%ymm7\n\t"
        "vmovdqu 8*32(%[in]), %%ymm8\n\t vmovdqu 9*32(%[in]), %%ymm9\n\t"
        "vmovdqu 10*32(%[in]), %%ymm10\n\t vmovdqu 11*32(%[in]), %%ymm11\n\t"
        "vmovdqu 12*32(%[in]), %%ymm12\n\t vmovdqu 13*32(%[in]), %%ymm13\n\t"
        "vmovdqu 14*32(%[in]), %%ymm14\n\t vmovdqu 15*32(%[in]), %%ymm15\n\t"
        "movq 512(%[in]), %%r8\n\t movq 520(%[in]), %%r9\n\t movq 528(%[in]), %%r10\n\t"
        "movq 536(%[in]), %%r11\n\t movq 544(%[in]), %%r12\n\t movq 552(%[in]), %%r13\n\t"
        "movq 560(%[in]), %%r14\n\t movq 568(%[in]), %%r15\n\t"
        "1: rdtsc\n\t shlq $32, %%rdx\n\t orq %%rdx, %%rax\n\t cmpq %[until], %%rax\n\t jb 1b\n\t"
        "vmovdqu %%ymm0, 0*32(%[out])\n\t vmovdqu %%ymm1, 1*32(%[out])\n\t"
        "vmovdqu %%ymm2, 2*32(%[out])\n\t vmovdqu %%ymm3, 3*32(%[out])\n\t"
        "vmovdqu %%ymm4, 4*32(%[out])\n\t vmovdqu %%ymm5, 5*32(%[out])\n\t"
        "vmovdqu %%ymm6, 6*32(%[out])\n\t vmovdqu %%ymm7, 7*32(%[out])\n\t"
        "vmovdqu %%ymm8, 8*32(%[out])\n\t vmovdqu %%ymm9, 9*32(%[out])\n\t"
        "vmovdqu %%ymm10, 10*32(%[out])\n\t vmovdqu %%ymm11, 11*32(%[out])\n\t"
        "vmovdqu %%ymm12, 12*32(%[out])\n\t vmovdqu %%ymm13, 13*32(%[out])\n\t"
        "vmovdqu %%ymm14, 14*32(%[out])\n\t vmovdqu %%ymm15, 15*32(%[out])\n\t"
        "movq %%r8, 512(%[out])\n\t movq %%r9, 520(%[out])\n\t movq %%r10, 528(%[out])\n\t"
        "movq %%r11, 536(%[out])\n\t movq %%r12, 544(%[out])\n\t movq %%r13, 552(%[out])\n\t"
        "movq %%r14, 560(%[out])\n\t movq %%r15, 568(%[out])\n\t"
        "vzeroupper\n\t"
        :
        : [in] "r"(in), [out] "r"(out), [until] "r"(until)
        : "rax", "rdx", "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15", "xmm0", "xmm1", "xmm2",
          "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", "xmm9", "xmm10", "xmm11", "xmm12", "xmm13",
          "xmm14", "xmm15", "memory", "cc");
  } else {
    __asm__ volatile(
        "movdqu 0*32(%[in]), %%xmm0\n\t movdqu 1*32(%[in]), %%xmm1\n\t"
        "movdqu 2*32(%[in]), %%xmm2\n\t movdqu 3*32(%[in]), %%xmm3\n\t"
        "movdqu 4*32(%[in]), %%xmm4\n\t movdqu 5*32(%[in]), %%xmm5\n\t"
        "movdqu 6*32(%[in]), %%xmm6\n\t movdqu 7*32(%[in]), %%xmm7\n\t"
        "movdqu 8*32(%[in]), %%xmm8\n\t movdqu 9*32(%[in]), %%xmm9\n\t"
        "movdqu 10*32(%[in]), %%xmm10\n\t movdqu 11*32(%[in]), %%xmm11\n\t"
        "movdqu 12*32(%[in]), %%xmm12\n\t movdqu 13*32(%[in]), %%xmm13\n\t"
        "movdqu 14*32(%[in]), %%xmm14\n\t movdqu 15*32(%[in]), %%xmm15\n\t"
        "movq 512(%[in]), %%r8\n\t movq 520(%[in]), %%r9\n\t movq 528(%[in]), %%r10\n\t"
        "movq 536(%[in]), %%r11\n\t movq 544(%[in]), %%r12\n\t movq 552(%[in]), %%r13\n\t"
        "movq 560(%[in]), %%r14\n\t movq 568(%[in]), %%r15\n\t"
        "1: rdtsc\n\t shlq $32, %%rdx\n\t orq %%rdx, %%rax\n\t cmpq %[until], %%rax\n\t jb 1b\n\t"
        "movdqu %%xmm0, 0*32(%[out])\n\t movdqu %%xmm1, 1*32(%[out])\n\t"
        "movdqu %%xmm2, 2*32(%[out])\n\t movdqu %%xmm3, 3*32(%[out])\n\t"
        "movdqu %%xmm4, 4*32(%[out])\n\t movdqu %%xmm5, 5*32(%[out])\n\t"
        "movdqu %%xmm6, 6*32(%[out])\n\t movdqu %%xmm7, 7*32(%[out])\n\t"
        "movdqu %%xmm8, 8*32(%[out])\n\t movdqu %%xmm9, 9*32(%[out])\n\t"
        "movdqu %%xmm10, 10*32(%[out])\n\t movdqu %%xmm11, 11*32(%[out])\n\t"
        "movdqu %%xmm12, 12*32(%[out])\n\t movdqu %%xmm13, 13*32(%[out])\n\t"
        "movdqu %%xmm14, 14*32(%[out])\n\t movdqu %%xmm15, 15*32(%[out])\n\t"
        "movq %%r8, 512(%[out])\n\t movq %%r9, 520(%[out])\n\t movq %%r10, 528(%[out])\n\t"
        "movq %%r11, 536(%[out])\n\t movq %%r12, 544(%[out])\n\t movq %%r13, 552(%[out])\n\t"
        "movq %%r14, 560(%[out])\n\t movq %%r15, 568(%[out])\n\t"
        :
        : [in] "r"(in), [out] "r"(out), [until] "r"(until)
        : "rax", "rdx", "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15", "xmm0", "xmm1", "xmm2",
          "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", "xmm9", "xmm10", "xmm11", "xmm12", "xmm13",
          "xmm14", "xmm15", "memory", "cc");
  }
}

struct holder {
  goro_waitgroup *wg;
  uint64_t seed;
  bool avx;
  int bad;
};

static void holder(void *arg) {
  struct holder *h = arg;
  struct regs in, out;
  fill(&in, h->seed);
  memset(&out, 0, sizeof out);
  for (int round = 0; round < 10; round++) {
    hold_registers(&in, &out, tsc_after_ms(30), h->avx);
    int width = h->avx ? 4 : 2;
    for (int i = 0; i < 16; i++)
      for (int j = 0; j < width; j++) h->bad += out.v[i][j] != in.v[i][j];
    for (int i = 0; i < 8; i++) h->bad += out.g[i] != in.g[i];
  }
  goro_wg_done(h->wg);
}

struct holders {
  goro_waitgroup wg;
  struct holder h[3];
};

static void holders_main(void *arg) {
  struct holders *s = arg;
  goro_wg_add(&s->wg, 3);
  for (int i = 0; i < 3; i++) goro_go(holder, &s->h[i]);
  goro_wg_wait(&s->wg);
}

static void t_registers_survive(void) {
  calibrate();
  procs1();
  bool avx = __builtin_cpu_supports("avx");
  struct holders s;
  memset(&s, 0, sizeof s);
  for (int i = 0; i < 3; i++) s.h[i] = (struct holder){&s.wg, 0x1234567ull * (uint64_t)(i + 1), avx, 0};
  uint64_t before = __atomic_load_n(&goro__preempts, __ATOMIC_RELAXED);
  run(holders_main, &s);
  uint64_t n = __atomic_load_n(&goro__preempts, __ATOMIC_RELAXED) - before;
  printf("%llu preemptions of 3 goroutines holding %s registers for 300 ms each\n", (unsigned long long)n,
         avx ? "ymm" : "xmm");
  if (!goro__preempt_enabled()) FAIL("preemption is off");
  if (n < 10) FAIL("only %llu preemptions", (unsigned long long)n); /* ~45 unloaded, fewer on a busy machine */
  for (int i = 0; i < 3; i++)
    if (s.h[i].bad) FAIL("goroutine %d: %d register values changed across preemption", i, s.h[i].bad);
}

/* ---- never inside the runtime or libc ----------------------------------------------------- */

/* A park's commit runs inside the scheduler (m->after set) though its code is the program's:
 * a 60 ms spin there is asked to stop and must never be. */
static bool spin_commit(void *arg) {
  uint64_t until = tsc_after_ms(60);
  while (__rdtsc() < until) {
  }
  *(uint64_t *)arg = __atomic_load_n(&goro__preempts, __ATOMIC_RELAXED);
  return false; /* the wait is over already: the parker runs again */
}

static void nothing(void *arg) { (void)arg; }

struct commit_case {
  uint64_t preempts_before, preempts_in_commit, declined_before;
};

static void commit_main(void *arg) {
  struct commit_case *c = arg;
  goro_go(nothing, NULL);
  c->preempts_before = __atomic_load_n(&goro__preempts, __ATOMIC_RELAXED);
  c->declined_before = __atomic_load_n(&goro__preempt_declined, __ATOMIC_RELAXED);
  goro__park("test", spin_commit, &c->preempts_in_commit); /* commit runs on `nothing`'s stack */
}

static bool in_main_program(uintptr_t pc, const char **obj) {
  Dl_info info, self;
  if (!dladdr((void *)pc, &info) || !dladdr((void *)&in_main_program, &self)) return false;
  *obj = info.dli_fname;
  return info.dli_fbase == self.dli_fbase;
}

struct libc_case {
  uint64_t preempts, declined;
};

static void libc_loop(void *arg) {
  struct libc_case *c = arg;
  static char buf[32 << 20];
  uint64_t p0 = __atomic_load_n(&goro__preempts, __ATOMIC_RELAXED);
  uint64_t d0 = __atomic_load_n(&goro__preempt_declined, __ATOMIC_RELAXED);
  int64_t until = goro_nanotime() + 600000000;
  for (int i = 0; goro_nanotime() < until; i++) {
    memset(buf, i, sizeof buf); /* in libc: never stopped there */
    uint64_t spin = __rdtsc() + (uint64_t)(tsc_per_ns * 500000); /* 0.5 ms */
    while (__rdtsc() < spin) { /* in the program: may be stopped here */
    }
  }
  c->preempts = __atomic_load_n(&goro__preempts, __ATOMIC_RELAXED) - p0;
  c->declined = __atomic_load_n(&goro__preempt_declined, __ATOMIC_RELAXED) - d0;
}

static void t_never_in_runtime_or_libc(void) {
  calibrate();
  procs1();
  struct commit_case c = {0};
  run(commit_main, &c);
  uint64_t declined = __atomic_load_n(&goro__preempt_declined, __ATOMIC_RELAXED) - c.declined_before;
  printf("commit: %llu signals declined inside the scheduler, %llu accepted\n", (unsigned long long)declined,
         (unsigned long long)(c.preempts_in_commit - c.preempts_before));
  if (!goro__preempt_enabled()) FAIL("preemption is off");
  if (c.preempts_in_commit != c.preempts_before) FAIL("preempted inside a park's commit");
  if (declined == 0) FAIL("no preemption was asked during a 60 ms commit");

  struct libc_case l = {0};
  memset(goro__preempt_pcs, 0, sizeof goro__preempt_pcs);
  run(libc_loop, &l);
  printf("libc: %llu signals declined, %llu accepted\n", (unsigned long long)l.declined, (unsigned long long)l.preempts);
  if (l.declined == 0) FAIL("no signal landed in memset over 600 ms");
  if (l.preempts == 0) FAIL("no signal landed in the program's own loop over 600 ms");
  for (int i = 0; i < 64; i++) {
    const char *obj = "?";
    if (goro__preempt_pcs[i] && !in_main_program(goro__preempt_pcs[i], &obj))
      FAIL("preempted at %#lx in %s", (unsigned long)goro__preempt_pcs[i], obj);
  }
}

#else
/* No trampoline for this CPU: preemption must say it is off (a goroutine that never yields
 * keeps its P, as before). */
static void nothing(void *arg) { (void)arg; }

static void t_off_on_this_cpu(void) {
  procs1();
  run(nothing, NULL); /* starts the runtime, which decides whether to preempt */
  if (goro__preempt_enabled()) FAIL("preemption is on, but this CPU has no trampoline");
}
#endif

static const struct {
  const char *name;
  void (*fn)(void);
} cases[] = {
#if defined(__x86_64__)
    {"sleeper_wakes", t_sleeper_wakes},
    {"sleeper_waits_when_off", t_sleeper_waits_when_off},
    {"registers_survive", t_registers_survive},
    {"never_in_runtime_or_libc", t_never_in_runtime_or_libc},
#else
    {"off_on_this_cpu", t_off_on_this_cpu},
#endif
};

int main(int argc, char **argv) {
  size_t n = sizeof cases / sizeof cases[0];
  if (argc == 2 && strcmp(argv[1], "list") == 0) {
    for (size_t i = 0; i < n; i++) printf("%s\n", cases[i].name);
    return 0;
  }
  if (argc == 2)
    for (size_t i = 0; i < n; i++)
      if (strcmp(cases[i].name, argv[1]) == 0) {
        cases[i].fn();
        printf("ok %s\n", cases[i].name);
        return 0;
      }
  fprintf(stderr, "usage: %s list | CASE; CASE is one of the names `list` prints\n", argv[0]);
  return 2;
}
