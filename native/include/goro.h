/* goro: an M:N goroutine runtime in C11, after Go's G-M-P design.
 *
 * One small public header. The runtime starts once per process; goro_run() runs a main
 * goroutine to completion and can be called again (GOMAXPROCS may change between runs).
 * Every blocking call below parks the calling goroutine, never the OS thread it runs on.
 *
 * Errors follow Go: misuse that Go reports with a panic ("sync: negative WaitGroup counter",
 * "close of closed channel", "send on closed channel") is a goroutine panic that a deferred
 * call may recover; misuse Go treats as fatal ("sync: unlock of unlocked mutex", "all
 * goroutines are asleep - deadlock!") ends the run. Either way goro_run() returns the error
 * as a value with Go's text; the process goes on. The one exception is a stack overflow,
 * which cannot be unwound: it prints "goroutine stack overflow" with the goroutine id and
 * exits the process with status 2.
 */
#ifndef GORO_H
#define GORO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- lifecycle ------------------------------------------------------------------------- */

#define GORO_MAX_PROCS 256

enum goro_status {
  GORO_OK = 0,
  GORO_PANIC = 1,    /* an unrecovered panic: "panic: <msg>\n\ngoroutine <id> [running]" */
  GORO_FATAL = 2,    /* a fatal error: "fatal error: <msg>" (+ blocked goroutines)       */
  GORO_DEADLOCK = 3, /* "fatal error: all goroutines are asleep - deadlock!\n\n"
                        "goroutine <id> [<wait reason>]:\n..." one line per blocked g    */
  GORO_EINVAL = 4,   /* bad argument to the runtime itself (message says what is accepted) */
};

/* Set GOMAXPROCS for the next run. n <= 0 or n > GORO_MAX_PROCS: returns GORO_EINVAL and
 * writes "GOMAXPROCS must be in 1..256, got <n>" to err. Not callable during a run. */
int goro_set_procs(int n, char *err, size_t errlen);
/* Current setting. The default is decided at the runtime's first use, as Go does: the
 * GOMAXPROCS environment variable if it is a positive integer (capped at GORO_MAX_PROCS),
 * else the number of CPUs this process may run on (sched_getaffinity), else online CPUs. */
int goro_procs(void);

/* Stack mode of the next runs: "default" (each goroutine's stack pages stay committed while
 * it is parked: at least 4 KiB each) or "small" (parked goroutines have the bytes of stack
 * they use copied aside in batches and their pages dropped: ~0.5-1 KiB each; the copy is put
 * back when they run again, at the same addresses). NULL: from the environment variable
 * GORO_STACKS (default, small; unset = default), read when each run starts. An unknown mode
 * returns GORO_EINVAL naming the accepted ones. In small mode a goroutine that parks with a
 * stack address published to the runtime (a Mutex/WaitGroup in a goroutine's frame, a channel
 * value received into a local) is never copied aside, and a program that writes into another
 * goroutine's stack while that goroutine is copied aside ends with "fatal error: goroutine N's
 * stack was written while it was parked and copied aside": share heap memory, not stack
 * addresses, between goroutines. Design: native/src/stack_copy.c. */
int goro_set_stacks(const char *mode, char *err, size_t errlen);
const char *goro_stacks(void); /* the mode of the current (or last) run */

/* Run main(arg) as goroutine 1 on GOMAXPROCS Ps; return when it returns, or when the run
 * ends with a panic, fatal error or deadlock. Goroutines still parked or runnable when main
 * returns are discarded (as when a Go program exits). err gets the message (may be NULL). */
int goro_run(void (*main)(void *), void *arg, char *err, size_t errlen);

/* ---- preemption ------------------------------------------------------------------------
 * As in Go since 1.14, a goroutine that runs for more than 10 ms without a switch is stopped
 * asynchronously: the runtime's monitor sends its thread SIGURG and, if the thread is at a
 * safe point, the goroutine yields at the instruction where it was and resumes later,
 * perhaps on another thread, with every register (general, flags, x87/SSE/AVX state) as it
 * left them. Safe points are instructions of the program's own code: never inside the runtime,
 * libc or any other shared object, whose code simply runs on until it returns (the signal
 * is sent again 20 us - 10 ms later). What this asks of code that runs on a goroutine:
 *   - hold no lock of the OS thread across program code: a pthread mutex (or anything
 *     owned by a thread) taken by a goroutine may, after a preemption, be asked for by
 *     another goroutine on the same thread (deadlock) or released from another thread;
 *     use goro_mutex, which belongs to the goroutine. The same holds for spinlocks of your
 *     own: they stay correct but a preempted holder makes the spinners wait for it;
 *   - do not rely on the thread's identity (__thread variables and their addresses, which
 *     the compiler may compute once; gettid, pthread_self, thread-affine handles) between any
 *     two instructions, not only across blocking calls. errno's value follows the goroutine;
 *   - a blocking system call made without goro_syscall_enter/exit can be interrupted by the
 *     signal: the handler is SA_RESTART, but calls the kernel never restarts (nanosleep,
 *     poll, epoll_wait, select, ...) return EINTR, as they do under Go;
 *   - a SIGURG handler of the program's own is not chained: if SIGURG has a handler when the
 *     runtime starts, preemption stays off.
 * Off switch: GODEBUG=asyncpreemptoff=1 (Go's name, read once when the runtime starts; a
 * comma-separated GODEBUG list may hold it). Also off under ThreadSanitizer, which defers
 * signals to its own safe points, and in a build whose runtime code is not in the section
 * goro_rt_text (native/cbuild.py and native/build.py put it there). */

/* ---- goroutines ------------------------------------------------------------------------ */

uint64_t goro_go(void (*fn)(void *), void *arg); /* spawn; returns the new goroutine's id */
void goro_yield(void);                            /* runtime.Gosched */
void goro_sleep(int64_t ns);                      /* parks the goroutine, not the M */
uint64_t goro_id(void);                           /* current goroutine's id */
int64_t goro_count(void);                         /* runtime.NumGoroutine */
int64_t goro_nanotime(void);                      /* monotonic clock, ns */

/* Bracket a blocking system call. While inside, the goroutine's P may be handed to another
 * M (by the monitor thread after ~20 us), so other goroutines keep running. */
void goro_syscall_enter(void);
void goro_syscall_exit(void);

typedef struct goro_stats {
  uint64_t spawns, switches, steals, handoffs, parks;
  uint64_t threads; /* Ms (OS threads) created by the runtime so far */
} goro_stats;
void goro_stats_get(goro_stats *total);              /* summed over all Ps */
int goro_stats_p(int p, goro_stats *out);            /* one P; GORO_EINVAL if out of range */

/* ---- sync: zero-initialised values are ready to use, as in Go ------------------------- */

typedef struct goro_mutex { uint64_t opaque_[5]; } goro_mutex;
typedef struct goro_rwmutex { uint64_t opaque_[15]; } goro_rwmutex;
typedef struct goro_waitgroup { uint64_t opaque_[6]; } goro_waitgroup;
typedef struct goro_once { uint64_t opaque_[6]; } goro_once;

void goro_mutex_lock(goro_mutex *m);
bool goro_mutex_trylock(goro_mutex *m);
void goro_mutex_unlock(goro_mutex *m); /* fatal "sync: unlock of unlocked mutex" */
void goro__mutex_lock_slow(goro_mutex *m);                  /* the inlined Lock's rest */
void goro__mutex_unlock_slow(goro_mutex *m, int32_t state); /* the inlined Unlock's rest */

void goro_rwmutex_rlock(goro_rwmutex *rw);
void goro_rwmutex_runlock(goro_rwmutex *rw); /* fatal "sync: RUnlock of unlocked RWMutex" */
void goro_rwmutex_lock(goro_rwmutex *rw);
void goro_rwmutex_unlock(goro_rwmutex *rw); /* fatal "sync: Unlock of unlocked RWMutex" */

/* WaitGroup, as Go's sync.WaitGroup: the Add-before-Wait rule. A goro_wg_add with a positive
 * delta that starts from a zero counter must happen before goro_wg_wait; in practice call
 * goro_wg_add before starting the goroutine (or other event) it counts, never inside it. A
 * WaitGroup may be reused, but a new round of positive adds must happen after every Wait of
 * the previous round has returned. goro_wg_add panics "sync: negative WaitGroup counter" when
 * the counter would go below zero (more Done than Add). */
void goro_wg_add(goro_waitgroup *wg, int64_t delta); /* panic "sync: negative WaitGroup counter" */
void goro_wg_done(goro_waitgroup *wg);
void goro_wg_wait(goro_waitgroup *wg);

/* Run f(arg) exactly once; concurrent callers wait until it has returned. If f panics, the
 * once counts as done and the panic goes on in the caller (Go's TestOncePanic). */
void goro_once_do(goro_once *o, void (*f)(void *), void *arg);

/* Fast paths inlined into the caller, as Go's compiler inlines Mutex.Lock/Unlock and
 * Once.Do: one atomic on the first word (the Mutex state, Once's done flag; sync.c asserts
 * the layout), the out-of-line function otherwise. Under ThreadSanitizer every call goes out
 * of line, where the runtime reports its happens-before edges (src/race.h). */
#if defined(__SANITIZE_THREAD__) || defined(GORO_RACE)
#define GORO_SYNC_INLINE 0
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define GORO_SYNC_INLINE 0
#endif
#endif
#ifndef GORO_SYNC_INLINE
#define GORO_SYNC_INLINE 1
#endif
#if GORO_SYNC_INLINE && !defined(GORO_SYNC_IMPL)
static inline void goro__mutex_lock_inl(goro_mutex *m) {
  int32_t unlocked = 0;
  if (!__atomic_compare_exchange_n((int32_t *)m, &unlocked, 1, false, __ATOMIC_ACQUIRE,
                                   __ATOMIC_RELAXED))
    goro__mutex_lock_slow(m);
}
static inline void goro__mutex_unlock_inl(goro_mutex *m) {
  int32_t state = __atomic_sub_fetch((int32_t *)m, 1, __ATOMIC_RELEASE);
  if (state != 0) goro__mutex_unlock_slow(m, state);
}
static inline void goro__once_do_inl(goro_once *o, void (*f)(void *), void *arg) {
  if (!__atomic_load_n((uint32_t *)o, __ATOMIC_ACQUIRE)) goro_once_do(o, f, arg);
}
#define goro_mutex_lock goro__mutex_lock_inl
#define goro_mutex_unlock goro__mutex_unlock_inl
#define goro_once_do goro__once_do_inl
#endif

/* ---- atomics (sequentially consistent, like sync/atomic) ------------------------------- */

static inline int64_t goro_atomic_add64(int64_t *p, int64_t d) { return __atomic_add_fetch(p, d, __ATOMIC_SEQ_CST); }
static inline int32_t goro_atomic_add32(int32_t *p, int32_t d) { return __atomic_add_fetch(p, d, __ATOMIC_SEQ_CST); }
static inline int64_t goro_atomic_load64(const int64_t *p) { return __atomic_load_n(p, __ATOMIC_SEQ_CST); }
static inline int32_t goro_atomic_load32(const int32_t *p) { return __atomic_load_n(p, __ATOMIC_SEQ_CST); }
static inline void goro_atomic_store64(int64_t *p, int64_t v) { __atomic_store_n(p, v, __ATOMIC_SEQ_CST); }
static inline void goro_atomic_store32(int32_t *p, int32_t v) { __atomic_store_n(p, v, __ATOMIC_SEQ_CST); }
static inline int64_t goro_atomic_swap64(int64_t *p, int64_t v) { return __atomic_exchange_n(p, v, __ATOMIC_SEQ_CST); }
static inline int32_t goro_atomic_swap32(int32_t *p, int32_t v) { return __atomic_exchange_n(p, v, __ATOMIC_SEQ_CST); }
static inline bool goro_atomic_cas64(int64_t *p, int64_t old, int64_t new_) {
  return __atomic_compare_exchange_n(p, &old, new_, false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
}
static inline bool goro_atomic_cas32(int32_t *p, int32_t old, int32_t new_) {
  return __atomic_compare_exchange_n(p, &old, new_, false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
}

/* ---- channels ---------------------------------------------------------------------------- */

typedef struct goro_chan goro_chan; /* NULL is the nil channel: send and receive block forever */

goro_chan *goro_chan_make(size_t elemsize, size_t cap); /* cap 0 = unbuffered */
void goro_chan_free(goro_chan *c);                       /* only when no goroutine uses it */
void goro_chan_send(goro_chan *c, const void *elem);     /* panic "send on closed channel" */
bool goro_chan_recv(goro_chan *c, void *elem);           /* false: closed and drained (elem zeroed) */
void goro_chan_close(goro_chan *c);                      /* panic "close of closed channel",
                                                            "close of nil channel" */
size_t goro_chan_len(goro_chan *c);
size_t goro_chan_cap(goro_chan *c);

enum goro_dir { GORO_SEND = 1, GORO_RECV = 2 };
typedef struct goro_case {
  goro_chan *ch;  /* NULL: a case that is never ready */
  int dir;        /* GORO_SEND or GORO_RECV */
  void *elem;     /* value to send, or where to receive (may be NULL to discard) */
  bool ok;        /* set for a receive: false if the channel was closed */
} goro_case;
/* Go's select: blocks until one case can proceed, choosing uniformly among ready cases.
 * With has_default, returns -1 at once if none is ready. Returns the chosen case index. */
int goro_select(goro_case *cases, int ncases, bool has_default);

/* ---- context ----------------------------------------------------------------------------- */

typedef struct goro_ctx goro_ctx;
goro_ctx *goro_ctx_background(void);              /* never cancelled, never freed */
goro_ctx *goro_ctx_with_cancel(goro_ctx *parent); /* cancelling the parent cancels it */
void goro_ctx_cancel(goro_ctx *ctx);              /* idempotent; closes Done */
goro_chan *goro_ctx_done(goro_ctx *ctx);          /* NULL for background (blocks forever) */
const char *goro_ctx_err(goro_ctx *ctx);          /* NULL, or "context canceled" */
void goro_ctx_free(goro_ctx *ctx);                /* cancels, detaches from parent, frees */

/* ---- defer / panic / recover --------------------------------------------------------------
 * A goroutine's entry function is a frame. goro_call(f, arg) runs f(arg) as a nested frame.
 * goro_defer registers fn(arg) to run when the innermost frame returns or panics, last in
 * first out. goro_panic unwinds frame by frame running deferred calls; a deferred call that
 * calls goro_recover() stops the panic and its frame returns normally to its caller
 * (goro_call then returns true). An unrecovered panic ends the run with GORO_PANIC. */
bool goro_call(void (*f)(void *), void *arg); /* true if a panic inside was recovered */
void goro_defer(void (*fn)(void *), void *arg);
_Noreturn void goro_panic(const char *msg);
const char *goro_recover(void); /* the panic message, or NULL when not panicking */

/* ---- network: TCP through the runtime's netpoller (Go's net package, reduced) -----------
 * A goroutine that would block on a socket parks (holding no OS thread) until the descriptor
 * is ready, its deadline passes or another goroutine closes it. Calls return a count or a
 * negative error: GORO_EOF (the peer closed: Go's io.EOF), GORO_ETIMEOUT ("i/o timeout"),
 * GORO_ECLOSED ("use of closed network connection"), GORO_EADDR (an address not of the
 * accepted forms), else -errno (-ECONNRESET: "connection reset by peer", -ECONNREFUSED,
 * ...); goro_net_strerror gives Go's text for each. Concurrent reads (and concurrent writes)
 * on one descriptor are serialised, as in Go. After goro_close returns, the handle must not
 * be used again (close of a descriptor another goroutine is using is fine: it wakes with
 * GORO_ECLOSED). Descriptors do not outlive a run's goroutines: at the end of a run the
 * waits and deadlines of descriptors still open are dropped (goro_close still closes them). */

typedef struct goro_netfd goro_netfd;

#define GORO_EOF (-4096)
#define GORO_ETIMEOUT (-4097)
#define GORO_ECLOSED (-4098)
#define GORO_EADDR (-4099)

/* addr: "host:port" with a numeric port; host empty (listen: every interface), an IPv4 or
 * bracketed IPv6 literal, or "localhost". backlog <= 0: the system's maximum. Port 0 picks
 * a free port (goro_net_port says which). */
int goro_listen(const char *addr, int backlog, goro_netfd **out);
int goro_accept(goro_netfd *listener, goro_netfd **out); /* TCP_NODELAY set, as in Go */
int goro_dial(const char *addr, goro_netfd **out);       /* TCP_NODELAY set, as in Go */
int goro_net_adopt(int fd, goro_netfd **out); /* an open socket; made non-blocking, owned */
int64_t goro_read(goro_netfd *c, void *buf, size_t n);        /* > 0, or GORO_EOF / error */
int64_t goro_write(goro_netfd *c, const void *buf, size_t n); /* n, or error */
int goro_close(goro_netfd *c);                                /* 0, or GORO_ECLOSED */
/* Absolute deadlines on goro_nanotime's clock; 0 clears. A deadline already past fails the
 * next call (and wakes a waiting one) with GORO_ETIMEOUT, as Go's SetReadDeadline. */
int goro_set_deadline(goro_netfd *c, int64_t t);
int goro_set_read_deadline(goro_netfd *c, int64_t t);
int goro_set_write_deadline(goro_netfd *c, int64_t t);
int goro_net_port(goro_netfd *c); /* the local port, or -errno */
int goro_net_fd(goro_netfd *c);   /* the OS descriptor (for setsockopt) */
const char *goro_net_strerror(int64_t code);

#ifdef __cplusplus
}
#endif
#endif /* GORO_H */
