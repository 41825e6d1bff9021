/* defer / panic / recover.
 *
 * Frames. A goroutine's entry function is the root frame (no jmp_buf: the core runs it).
 * goro_call(f) pushes a frame with a sigjmp_buf; so does every deferred call while it runs
 * (a deferred call is a function in Go, with its own defers and its own recover point).
 * `gsync.frame` is the innermost frame; frames live on the goroutine's C stack.
 *
 * Defers. goro_defer pushes a record tagged with the innermost frame onto one per-goroutine
 * stack (`gsync.defers`); a frame's records are always above those of the frames outside it.
 * When a frame returns it runs the records tagged with it, last in first out.
 *
 * Panics. goro_panic pushes a panic record (on its own C frame, which stays live until the
 * panic ends) and pops deferred calls one by one, running each as its own frame. A deferred
 * call that calls goro_recover() while it is the innermost frame marks the panic recovered;
 * when it returns, the frame it was registered in "returns normally": we siglongjmp to that
 * frame's jmp_buf (goro_call then runs its remaining defers and returns true) or, for the
 * root frame, run the remaining defers and end the goroutine. A panic raised by a deferred
 * call while panicking simply keeps popping the same defer stack: it replaces the first.
 * With no defers left, the run ends with GORO_PANIC and Go's text. */
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>

#include "runtime.h"

typedef struct frame {
  sigjmp_buf jb;
  struct frame *parent;
  uint32_t depth; /* root = 0 */
} frame;

typedef struct defer_rec {
  void (*fn)(void *);
  void *arg;
  struct defer_rec *next;
  frame *frame; /* the frame it runs with; NULL = root */
} defer_rec;

typedef struct panic_rec {
  const char *msg;
  struct panic_rec *link; /* the older panic this one happened during, if any */
  frame *running;         /* frame of the deferred call this panic is running now */
  bool recovered;
} panic_rec;

static inline uint32_t depth_of(const frame *f) { return f ? f->depth : 0; }

static struct goro_gsync *my_gsync(const char *what) {
  G *g = goro__getg();
  if (!g) {
    fprintf(stderr, "goro: %s called outside a goroutine (only inside goro_run)\n", what);
    abort();
  }
  return goro__gsync(g);
}

static void run_deferred(struct goro_gsync *gs, defer_rec *d, panic_rec *p);

/* Run the deferred calls registered in frame f (innermost first). */
static void run_frame_defers(struct goro_gsync *gs, frame *f) {
  defer_rec *d;
  while ((d = gs->defers) && d->frame == f) {
    gs->defers = d->next;
    run_deferred(gs, d, NULL);
  }
}

/* Run one deferred call as a frame of its own, inside the frame it was registered in.
 * p is the panic running it (NULL on a normal return). */
static void run_deferred(struct goro_gsync *gs, defer_rec *d, panic_rec *p) {
  frame df;
  df.parent = d->frame;
  df.depth = depth_of(d->frame) + 1;
  void (*fn)(void *) = d->fn;
  void *arg = d->arg;
  free(d);
  gs->frame = &df;
  if (p) p->running = &df;
  if (sigsetjmp(df.jb, 0) == 0) fn(arg);
  /* Normal return, or a panic inside fn was recovered by one of fn's own defers. */
  run_frame_defers(gs, &df);
  gs->frame = df.parent;
}

bool goro_call(void (*f)(void *), void *arg) {
  struct goro_gsync *gs = my_gsync("goro_call");
  frame fr;
  fr.parent = gs->frame;
  fr.depth = depth_of(fr.parent) + 1;
  gs->frame = &fr;
  if (sigsetjmp(fr.jb, 0) == 0) {
    f(arg);
    run_frame_defers(gs, &fr);
    gs->frame = fr.parent;
    return false;
  }
  /* A deferred call recovered a panic: this frame returns normally after its defers. */
  run_frame_defers(gs, &fr);
  gs->frame = fr.parent;
  return true;
}

void goro_defer(void (*fn)(void *), void *arg) {
  struct goro_gsync *gs = my_gsync("goro_defer");
  if (!fn) goro_panic("goro_defer: fn must not be NULL");
  defer_rec *d = malloc(sizeof *d);
  if (!d) goro_panic("goro_defer: out of memory");
  d->fn = fn;
  d->arg = arg;
  d->frame = gs->frame;
  d->next = gs->defers;
  gs->defers = d;
}

const char *goro_recover(void) {
  G *g = goro__getg();
  if (!g) return NULL;
  struct goro_gsync *gs = goro__gsync(g);
  panic_rec *p = gs->panic;
  /* Only the deferred call the panic is running, itself (not a function it calls). */
  if (!p || p->recovered || !p->running || gs->frame != p->running) return NULL;
  p->recovered = true;
  return p->msg ? p->msg : "(null)";
}

void goro__defers_at_exit(void) {
  struct goro_gsync *gs = my_gsync("goro__defers_at_exit");
  gs->frame = NULL;
  run_frame_defers(gs, NULL);
}

/* Messages handed to goro__end_run must outlive this goroutine; a few rotating buffers
 * cover panics that end runs on several Ps at once. */
#define NMSG 8
static char msgbuf[NMSG][1024];
static unsigned msgnext;

_Noreturn void goro_panic(const char *msg) {
  G *g = goro__getg();
  if (!g) {
    fprintf(stderr, "panic: %s (outside a goroutine)\n", msg ? msg : "(null)");
    abort();
  }
  struct goro_gsync *gs = goro__gsync(g);
  panic_rec p = {msg, gs->panic, NULL, false};
  gs->panic = &p;
  defer_rec *d;
  while ((d = gs->defers)) {
    gs->defers = d->next;
    frame *x = d->frame;
    run_deferred(gs, d, &p);
    if (!p.recovered) continue;
    /* Recovered: frame x returns normally. Older panics whose deferred call is inside x are
     * unwound with us (Go's "aborted" panics); the rest stay live. */
    panic_rec *q = p.link;
    while (q && q->running && q->running->depth > depth_of(x)) q = q->link;
    gs->panic = q;
    if (!x) {
      gs->frame = NULL;
      run_frame_defers(gs, NULL);
      goro__goexit();
    }
    gs->frame = x;
    siglongjmp(x->jb, 1);
  }
  unsigned k = __atomic_fetch_add(&msgnext, 1, __ATOMIC_RELAXED) % NMSG;
  snprintf(msgbuf[k], sizeof msgbuf[k], "panic: %s\n\ngoroutine %llu [running]",
           msg ? msg : "(null)", (unsigned long long)goro__goid(g));
  goro__end_run(GORO_PANIC, msgbuf[k]);
}
