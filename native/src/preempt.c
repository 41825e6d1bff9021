/* Asynchronous preemption, after Go's preemptone/asyncPreempt (runtime/preempt.go,
 * signal_unix.go, preempt_amd64.s).
 *
 * Who asks. sysmon (sysmon.c) walks every M; an M whose current goroutine has run for more
 * than 10 ms without a switch (its schedtick, bumped by every gswitch, has not moved) gets
 * the preemption signal, SIGURG as in Go, with tgkill. The request names the goroutine
 * (m->preempt_g), so a signal that arrives after the M moved on does nothing.
 *
 * Where it may land: a safe point. The handler switches away only when all of these hold,
 * else it returns and sysmon asks again on its next tick:
 *   - the thread is an M running a goroutine that holds a P (status G_RUNNING; not g0, not
 *     in a syscall), and it is the goroutine sysmon named;
 *   - the M is not finishing a switch (m->after is AFTER_NONE): a park's commit callback
 *     runs there, inside the scheduler, and may be program code (the C tests' own commits);
 *   - the interrupted PC is in the program's own text: inside the executable segment of the
 *     object that holds the runtime (found once with dl_iterate_phdr), and outside the
 *     runtime's code, which the build puts in the section goro_rt_text (cbuild.py and
 *     build.py rename the runtime objects' .text*, the context switch is assembled into it)
 *     and the linker brackets with __start_/__stop_goro_rt_text. So code in libc, libm, the
 *     loader or any other object (which may hold its own locks: malloc's, stdio's) and the
 *     whole runtime (its spinlocks, the sched lock, P-local queues touched without a lock)
 *     are never left half-way. A build without the section (or with the C runtime outside
 *     it: preempt_init probes one function of each file) has no preemption at all;
 *   - the stack pointer is inside the goroutine's stack with room for the saved state.
 *
 * How it switches. Not in the handler: the handler edits the interrupted context so that,
 * once the kernel returns from the signal, the goroutine "calls" goro__async_preempt_tramp
 * (switch_x86_64.S) as if the interrupted instruction had called it. It first steps over the
 * 128-byte red zone (leaf code keeps data below rsp without moving it), then stores the
 * interrupted PC as the return address, so the trampoline ends with `ret $128`, landing on
 * that PC with rsp exactly as it was. The trampoline saves every general register and the
 * flags, then the whole FP/vector state, and calls goro__async_preempt, which yields like
 * goro_yield but queues the goroutine on the global queue (Go's gopreempt_m), then restores
 * everything. FP state: XSAVE with every feature the OS enabled in XCR0 (x87, SSE, AVX, AVX-512
 * ... : the interrupted code may use any of them, and FXSAVE would lose the upper halves of
 * the ymm/zmm registers), into a 64-byte aligned area of the size CPUID leaf 0xD reports;
 * FXSAVE64 (512 bytes, 16-byte aligned) on a CPU without XSAVE.
 *
 * Not under ThreadSanitizer (an instrumented runtime or a race build): TSan defers a signal
 * to its own safe points and hands the handler a context that is not the interrupted one, so
 * preemption is off there. Off too with GODEBUG=asyncpreemptoff=1 (read at start-up, Go's
 * name), and when SIGURG already had a handler (the host's, which we do not chain).
 * goro.h says what this asks of user code.
 */
#include <dlfcn.h>
#include <errno.h>
#include <link.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <ucontext.h>
#include <unistd.h>

#include "core.h"
#include "sema.h"

#define PREEMPT_SIGNAL SIGURG
#define RED_ZONE 128
#define PREEMPT_STACK_ROOM (32 << 10) /* trampoline frame (<= ~3 KiB of state) + goro_yield's */

extern char __start_goro_rt_text[] __attribute__((weak));
extern char __stop_goro_rt_text[] __attribute__((weak));

static struct {
  bool on;
  uintptr_t text_lo, text_hi; /* executable segment of the object holding the runtime */
  uintptr_t rt_lo, rt_hi;     /* the runtime's own code inside it */
} pre;

uint32_t goro__xsave_size; /* 0: FXSAVE64; read by the trampoline */
uint64_t goro__preempts, goro__preempt_declined; /* counters for tests (relaxed) */
uintptr_t goro__preempt_pcs[64];                  /* PCs of accepted preemptions, for tests */

bool goro__preempt_enabled(void) { return pre.on; }

static int find_text(struct dl_phdr_info *info, size_t size, void *data) {
  (void)size;
  uintptr_t self = (uintptr_t)data;
  for (int i = 0; i < info->dlpi_phnum; i++) {
    const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
    if (ph->p_type != PT_LOAD || !(ph->p_flags & PF_X)) continue;
    uintptr_t lo = info->dlpi_addr + ph->p_vaddr, hi = lo + ph->p_memsz;
    if (self >= lo && self < hi) {
      pre.text_lo = lo;
      pre.text_hi = hi;
      return 1;
    }
  }
  return 0;
}

/* GODEBUG is a comma-separated list of name=value; asyncpreemptoff=1 turns preemption off. */
static bool godebug_asyncpreemptoff(void) {
  const char *v = getenv("GODEBUG");
  for (const char *s = v; s && *s;) {
    const char *end = strchr(s, ',');
    size_t n = end ? (size_t)(end - s) : strlen(s);
    if (n == strlen("asyncpreemptoff=1") && strncmp(s, "asyncpreemptoff=1", n) == 0) return true;
    s = end ? end + 1 : NULL;
  }
  return false;
}

#if defined(__x86_64__)
static void cpuid(uint32_t leaf, uint32_t sub, uint32_t r[4]) {
  __asm__ volatile("cpuid" : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3]) : "a"(leaf), "c"(sub));
}
#endif

static void on_preempt_signal(int sig, siginfo_t *si, void *ucv);

/* Once, from runtime_init (before any M exists). */
void goro__preempt_init(void) {
#ifdef GORO_FIBERS
  return; /* ThreadSanitizer: see the note */
#endif
#if !defined(__x86_64__)
  return; /* the trampoline and the signal context edit exist for x86-64 only: arm64 has no
           * asynchronous preemption yet (a goroutine that never yields keeps its P there) */
#endif
  if (godebug_asyncpreemptoff()) return;
  if (!__start_goro_rt_text || !__stop_goro_rt_text) return; /* built without the section */
  pre.rt_lo = (uintptr_t)__start_goro_rt_text;
  pre.rt_hi = (uintptr_t)__stop_goro_rt_text;
  /* the context switch puts itself in the section in every build, so its presence proves
   * nothing: a build that did not move the C runtime there (a test's own cc line) must not
   * take the runtime's code for the program's. One function of each runtime file: */
  const void *probes[] = {(const void *)goro_run, (const void *)goro_chan_send, (const void *)goro_select,
                          (const void *)goro__semacquire, (const void *)goro__mutex_lock_slow,
                          (const void *)goro_ctx_background, (const void *)goro_panic,
                          (const void *)goro_sleep, (const void *)goro__stack_get,
                          (const void *)goro__preempt_init};
  for (size_t i = 0; i < sizeof probes / sizeof probes[0]; i++)
    if ((uintptr_t)probes[i] < pre.rt_lo || (uintptr_t)probes[i] >= pre.rt_hi) return;
  if (!dl_iterate_phdr(find_text, (void *)pre.rt_lo)) return;
#if defined(__x86_64__)
  uint32_t r[4];
  cpuid(1, 0, r);
  if (r[2] & (1u << 27)) { /* OSXSAVE: XSAVE is usable and XCR0 says what the OS enabled */
    cpuid(0xD, 0, r);
    goro__xsave_size = r[1]; /* bytes for the features enabled in XCR0 (standard form) */
  }
#endif
  struct sigaction sa, old;
  if (sigaction(PREEMPT_SIGNAL, NULL, &old) != 0) return;
  if ((old.sa_flags & SA_SIGINFO) || (old.sa_handler != SIG_DFL && old.sa_handler != SIG_IGN)) return;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = on_preempt_signal;
  sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_RESTART;
  sigfillset(&sa.sa_mask);
  if (sigaction(PREEMPT_SIGNAL, &sa, NULL) != 0) return;
  pre.on = true;
}

/* sysmon: ask m to leave g (which has run for too long). */
void goro__preempt_m(M *m, G *g) {
  STORE_REL(&m->preempt_g, g);
  syscall(SYS_tgkill, (pid_t)getpid(), LOAD_SEQ(&m->tid), PREEMPT_SIGNAL);
}

#if defined(__x86_64__)
static bool preemptible_pc(uintptr_t pc) {
  return pc >= pre.text_lo && pc < pre.text_hi && !(pc >= pre.rt_lo && pc < pre.rt_hi);
}
#endif

static void on_preempt_signal(int sig, siginfo_t *si, void *ucv) {
  (void)sig;
  (void)si;
  int saved = errno;
  ucontext_t *uc = ucv;
  M *m = goro__getm();
  if (!m || !pre.on) goto out;
  G *g = m->curg;
  if (g == &m->g0 || XCHG_SEQ(&m->preempt_g, NULL) != g) goto out; /* not asked, or moved on */
#if defined(__x86_64__)
  greg_t *r = uc->uc_mcontext.gregs;
  uintptr_t pc = (uintptr_t)r[REG_RIP], sp = (uintptr_t)r[REG_RSP];
  if (!m->p || LOAD_SEQ(&g->status) != G_RUNNING || m->after != AFTER_NONE || !preemptible_pc(pc) ||
      sp > (uintptr_t)g->stack_hi || sp < (uintptr_t)g->stack_lo + PREEMPT_STACK_ROOM) {
    STORE_RLX(&goro__preempt_declined, LOAD_RLX(&goro__preempt_declined) + 1);
    goto out; /* not a safe point: sysmon asks again */
  }
  goro__preempt_pcs[LOAD_RLX(&goro__preempts) % 64] = pc;
  /* "call" the trampoline from pc: below the red zone, the return address */
  sp -= RED_ZONE + 8;
  *(uint64_t *)sp = pc;
  r[REG_RSP] = (greg_t)sp;
  r[REG_RIP] = (greg_t)(uintptr_t)goro__async_preempt_tramp;
#else
  (void)uc; /* never installed off x86-64 (goro__preempt_init) */
#endif
out:
  errno = saved;
}

/* Called by the trampoline on the goroutine's stack, every register saved: yield. */
void goro__async_preempt(void) {
  STORE_RLX(&goro__preempts, LOAD_RLX(&goro__preempts) + 1);
  goro__preempt_park();
}
