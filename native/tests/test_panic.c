/* Tests of defer / panic / recover / goro_call. */
#include "test_sync_harness.h"

static char order[64];
static int norder;
static void note(void *p) {
  if (norder < (int)sizeof order - 1) order[norder++] = (char)(intptr_t)p;
  order[norder] = 0;
}
static void reset(void) { norder = 0; order[0] = 0; }

/* ---- defer order ---------------------------------------------------------------------------- */

static void three_defers(void *p) {
  (void)p;
  goro_defer(note, (void *)'a');
  goro_defer(note, (void *)'b');
  goro_defer(note, (void *)'c');
  note((void *)'x');
}
static void defer_return_main(void *arg) {
  (void)arg;
  reset();
  CHECK(!goro_call(three_defers, NULL));
  CHECK(strcmp(order, "xcba") == 0); /* LIFO, after the body, before goro_call returns */
}
static void t_defer_lifo_return(void) { T_RUN_OK(1, defer_return_main, NULL); }

/* The root frame's defers run when the goroutine's entry function returns. */
static goro_waitgroup root_wg;
static void root_defers_g(void *p) {
  (void)p;
  goro_defer((void (*)(void *))goro_wg_done, &root_wg);
  goro_defer(note, (void *)'1');
  goro_defer(note, (void *)'2');
}
static void defer_root_main(void *arg) {
  (void)arg;
  reset();
  memset(&root_wg, 0, sizeof root_wg);
  goro_wg_add(&root_wg, 1);
  goro_go(root_defers_g, NULL);
  goro_wg_wait(&root_wg);
  CHECK(strcmp(order, "21") == 0);
}
static void t_defer_root(void) { T_RUN_OK(1, defer_root_main, NULL); }

/* ---- panic and recover ------------------------------------------------------------------------ */

static const char *got;
static void recoverer(void *p) {
  (void)p;
  got = goro_recover();
  note((void *)'r');
}
static void panicking(void *p) {
  (void)p;
  goro_defer(note, (void *)'a');
  goro_defer(recoverer, NULL);
  goro_defer(note, (void *)'b');
  note((void *)'x');
  goro_panic("boom");
}
static void recover_main(void *arg) {
  (void)arg;
  reset();
  CHECK(goro_recover() == NULL); /* not panicking */
  got = NULL;
  CHECK(goro_call(panicking, NULL)); /* recovered */
  CHECK(got && strcmp(got, "boom") == 0);
  CHECK(strcmp(order, "xbra") == 0); /* every defer ran, LIFO, the rest after the recover */
  CHECK(goro_recover() == NULL);
}
static void t_recover(void) { T_RUN_OK(1, recover_main, NULL); }

/* The panic goes through frames that do not recover, running their defers. */
static void inner_no_recover(void *p) {
  (void)p;
  goro_defer(note, (void *)'i');
  goro_panic("deep");
}
static void middle(void *p) {
  (void)p;
  goro_defer(note, (void *)'m');
  CHECK(!goro_call(inner_no_recover, NULL) && !"unreachable");
}
static void outer(void *p) {
  (void)p;
  goro_defer(recoverer, NULL);
  goro_call(middle, NULL);
  note((void *)'X'); /* unreachable: middle panicked */
}
static void unwind_main(void *arg) {
  (void)arg;
  reset();
  got = NULL;
  CHECK(goro_call(outer, NULL));
  CHECK(got && strcmp(got, "deep") == 0);
  CHECK(strcmp(order, "imr") == 0);
}
static void t_panic_unwinds_frames(void) { T_RUN_OK(1, unwind_main, NULL); }

/* recover works only in the deferred call itself, not in a function it calls. */
static void indirect_recover(void *p) {
  (void)p;
  got = goro_recover();
}
static void deferred_calls_helper(void *p) {
  (void)p;
  goro_call(indirect_recover, NULL); /* a nested frame: must not recover */
  if (got == NULL) note((void *)'n');
}
static void panics_with_indirect(void *p) {
  (void)p;
  goro_defer(recoverer, NULL);
  goro_defer(deferred_calls_helper, NULL);
  goro_panic("indirect");
}
static void indirect_main(void *arg) {
  (void)arg;
  reset();
  got = NULL;
  CHECK(goro_call(panics_with_indirect, NULL));
  CHECK(strcmp(order, "nr") == 0);
  CHECK(got && strcmp(got, "indirect") == 0);
}
static void t_recover_only_direct(void) { T_RUN_OK(1, indirect_main, NULL); }

/* Unrecovered: every defer runs, then the run ends with Go's text. */
static int64_t defers_ran;
static void count_defer(void *p) {
  (void)p;
  goro_atomic_add64(&defers_ran, 1);
}
static void unrecovered_body(void *p) {
  (void)p;
  goro_defer(count_defer, NULL);
  goro_panic("boom");
}
static void unrecovered_main(void *arg) {
  (void)arg;
  goro_defer(count_defer, NULL);
  goro_call(unrecovered_body, NULL);
}
static void unrecovered_in_goroutine(void *p) {
  (void)p;
  goro_defer(count_defer, NULL);
  goro_panic("from a goroutine");
}
static void unrecovered_g_main(void *arg) {
  (void)arg;
  goro_go(unrecovered_in_goroutine, NULL);
  goro_chan_recv(t_keep(goro_chan_make(0, 0)), NULL); /* parked; the other goroutine's panic ends it */
}
static void t_panic_unrecovered(void) {
  defers_ran = 0;
  T_RUN_EXPECT(1, unrecovered_main, NULL, GORO_PANIC, "panic: boom\n\ngoroutine 1 [running]");
  CHECK_EQ(defers_ran, 2);
  defers_ran = 0;
  T_RUN_EXPECT(2, unrecovered_g_main, NULL, GORO_PANIC, "panic: from a goroutine\n\ngoroutine ");
  CHECK_EQ(defers_ran, 1);
}

/* A panic recovered in the root frame ends that goroutine (after its remaining defers);
 * the others go on. */
static goro_waitgroup wg;
static void root_recovering_g(void *p) {
  (void)p;
  goro_defer((void (*)(void *))goro_wg_done, &wg);
  goro_defer(note, (void *)'z');
  goro_defer(recoverer, NULL);
  goro_panic("root");
  note((void *)'X');
}
static void root_recover_main(void *arg) {
  (void)arg;
  reset();
  got = NULL;
  memset(&wg, 0, sizeof wg);
  goro_wg_add(&wg, 1);
  goro_go(root_recovering_g, NULL);
  goro_wg_wait(&wg);
  CHECK(got && strcmp(got, "root") == 0);
  CHECK(strcmp(order, "rz") == 0);
}
static void t_recover_at_root(void) {
  T_RUN_OK(1, root_recover_main, NULL);
  T_RUN_OK(2, root_recover_main, NULL);
}

/* A panic raised by a deferred call while panicking replaces the first. */
static void panics_again(void *p) {
  (void)p;
  goro_panic("second");
}
static void double_panic_body(void *p) {
  (void)p;
  goro_defer(recoverer, NULL);
  goro_defer(panics_again, NULL);
  goro_panic("first");
}
static void double_panic_main(void *arg) {
  (void)arg;
  reset();
  got = NULL;
  CHECK(goro_call(double_panic_body, NULL));
  CHECK(got && strcmp(got, "second") == 0);
}
static void double_unrecovered(void *p) {
  (void)p;
  goro_defer(panics_again, NULL);
  goro_panic("first");
}
static void t_panic_in_defer(void) {
  T_RUN_OK(1, double_panic_main, NULL);
  T_RUN_EXPECT(1, double_unrecovered, NULL, GORO_PANIC, "panic: second");
}

/* A deferred call may itself panic and recover inside its own frame; the outer panic goes
 * on and is recovered further out. */
static const char *inner_got;
static void inner_recoverer(void *p) {
  (void)p;
  inner_got = goro_recover();
}
static void defer_with_own_panic(void *p) {
  (void)p;
  goro_defer(inner_recoverer, NULL);
  goro_panic("inner");
}
static void nested_body(void *p) {
  (void)p;
  goro_defer(recoverer, NULL);
  goro_defer(defer_with_own_panic, NULL);
  goro_panic("outer");
}
static void nested_main(void *arg) {
  (void)arg;
  reset();
  got = inner_got = NULL;
  CHECK(goro_call(nested_body, NULL));
  CHECK(inner_got && strcmp(inner_got, "inner") == 0);
  CHECK(got && strcmp(got, "outer") == 0);
}
static void t_nested_panics(void) { T_RUN_OK(1, nested_main, NULL); }

/* Deferred unlock on panic (the mutex_unlock_on_panic scenario): another goroutine gets the
 * lock afterwards. Also: defers run LIFO across many records, and recovered frames can be
 * re-entered many times (no leak of frames or defer records). */
static goro_mutex mu;
static void unlock_mu(void *p) {
  (void)p;
  goro_mutex_unlock(&mu);
}
static void locked_section(void *p) {
  (void)p;
  goro_mutex_lock(&mu);
  goro_defer(unlock_mu, NULL);
  goro_defer(recoverer, NULL);
  goro_panic("in section");
}
static void taker(void *p) {
  (void)p;
  goro_mutex_lock(&mu);
  goro_mutex_unlock(&mu);
  goro_wg_done(&wg);
}
static void unlock_on_panic_main(void *arg) {
  (void)arg;
  memset(&mu, 0, sizeof mu);
  memset(&wg, 0, sizeof wg);
  for (int i = 0; i < 10000; i++) CHECK(goro_call(locked_section, NULL));
  goro_wg_add(&wg, 1);
  goro_go(taker, NULL);
  goro_wg_wait(&wg);
}
static void t_unlock_on_panic(void) {
  T_RUN_OK(1, unlock_on_panic_main, NULL);
  T_RUN_OK(2, unlock_on_panic_main, NULL);
}

/* Panics in many goroutines at once, each recovered in its own goroutine (per-g state). */
static void store_recovered(void *p) { *(const char **)p = goro_recover(); }
static void panics_with_own_recover(void *p) {
  goro_defer(store_recovered, p);
  goro_yield(); /* interleave with the other goroutines mid-frame */
  goro_panic("mine");
}
static void recover_per_g(void *p) {
  (void)p;
  for (int i = 0; i < 100; i++) {
    const char *mine = NULL;
    CHECK(goro_call(panics_with_own_recover, &mine));
    CHECK(mine && strcmp(mine, "mine") == 0);
  }
  goro_wg_done(&wg);
}
static void many_main(void *arg) {
  (void)arg;
  memset(&wg, 0, sizeof wg);
  goro_wg_add(&wg, 50);
  for (int i = 0; i < 50; i++) goro_go(recover_per_g, NULL);
  goro_wg_wait(&wg);
}
static void t_many_goroutines_panic(void) {
  T_RUN_OK(1, many_main, NULL);
  T_RUN_OK(2, many_main, NULL);
}

static const t_case cases[] = {
    {"defer_lifo_return", t_defer_lifo_return},
    {"defer_root", t_defer_root},
    {"recover", t_recover},
    {"panic_unwinds_frames", t_panic_unwinds_frames},
    {"recover_only_direct", t_recover_only_direct},
    {"panic_unrecovered", t_panic_unrecovered},
    {"recover_at_root", t_recover_at_root},
    {"panic_in_defer", t_panic_in_defer},
    {"nested_panics", t_nested_panics},
    {"unlock_on_panic", t_unlock_on_panic},
    {"many_goroutines_panic", t_many_goroutines_panic},
    {NULL, NULL},
};

int main(int argc, char **argv) { return t_main(cases, argc, argv); }
