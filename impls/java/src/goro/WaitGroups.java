package goro;

import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * §4 WaitGroup in Java, on the harness's WaitGroup (an AbstractQueuedSynchronizer counter, see
 * WaitGroup.java): Wait returns after every Done; Add must come before starting the unit; a
 * negative counter throws Go's message. Done flags are AtomicReferenceArray slots so that a Wait
 * that returned early reads them without a data race.
 */
final class WaitGroups {
    private WaitGroups() {}

    static void register(Map<String, Scenario> reg) {
        reg.put("wg_waits_all", WaitGroups::wgWaitsAll);
        reg.put("wg_add_before", WaitGroups::wgAddBefore);
        reg.put("wg_add_inside", WaitGroups::wgAddInside);
        reg.put("wg_negative", p -> wgNegative());
        reg.put("waitgroup", WaitGroups::waitgroupBench);
    }

    /** Trial t's contribution: term(seed, t, w, 1) for every worker w whose flag is set. */
    private static long[] flagDigest(long seed, int t, AtomicReferenceArray<Boolean> flags) {
        long acc = 0, set = 0;
        for (int w = 0; w < flags.length(); w++) {
            if (flags.get(w) != null) {
                acc += Plan.term(seed, t, w, 1);
                set++;
            }
        }
        return new long[] {acc, set};
    }

    /** wg_waits_all and wg_add_before are the same program: Add(1) before each start, then Wait. */
    private static long[] addBeforeTrials(int n, int trials, long seed) throws InterruptedException {
        long bad = 0, plan = 0;
        for (int t = 0; t < trials; t++) {
            WaitGroup wg = new WaitGroup();
            AtomicReferenceArray<Boolean> done = new AtomicReferenceArray<>(n);
            for (int i = 0; i < n; i++) {
                int me = i;
                wg.add(1); // before starting the unit
                Units.go(() -> {
                    try {
                        done.set(me, Boolean.TRUE);
                    } finally {
                        wg.done();
                    }
                });
            }
            wg.await_();
            long[] d = flagDigest(seed, t, done); // right after Wait
            plan += d[0];
            if (d[1] != n) {
                bad++;
            }
        }
        return new long[] {bad, plan};
    }

    static Map<String, Object> wgWaitsAll(Params p) throws Exception {
        int n = p.i("n", 5), trials = p.i("trials", 1000);
        long seed = p.l("seed", 1);
        long[] r = addBeforeTrials(n, trials, seed);
        return Obs.of("trials", trials, "violations", r[0], "n", n, "plan_digest", Plan.hex(r[1]));
    }

    static Map<String, Object> wgAddBefore(Params p) throws Exception {
        int n = p.i("n", 10), trials = p.i("trials", 1000);
        long seed = p.l("seed", 1);
        long[] r = addBeforeTrials(n, trials, seed);
        return Obs.of("trials", trials, "early_returns", r[0], "n", n, "plan_digest", Plan.hex(r[1]));
    }

    /**
     * Each worker calls add(1) itself (the article's wrong pattern) and the spawner waits right
     * after starting them. The spawner is a unit of its own and the main thread waits for its
     * verdict with a bound, as Go's version does, so a Wait that never returned would be counted
     * as stuck rather than hang the run. The harness's WaitGroup does not detect Go's misuse
     * panics ("Add called concurrently with Wait"), so errors counts only exceptions actually
     * thrown (any would be caught where it happens).
     */
    static Map<String, Object> wgAddInside(Params p) throws Exception {
        int n = p.i("n", 10), trials = p.i("trials", 1000);
        long seed = p.l("seed", 1);
        long early = 0, errors = 0, stuck = 0, plan = 0;
        String firstError = null;
        for (int t = 0; t < trials; t++) {
            int trial = t;
            WaitGroup wg = new WaitGroup(), all = new WaitGroup();
            AtomicReferenceArray<Boolean> finished = new AtomicReferenceArray<>(n);
            AtomicReference<String> misuse = new AtomicReference<>();
            ArrayBlockingQueue<Boolean> waited = new ArrayBlockingQueue<>(1); // true: Wait was early
            all.add(n);
            Units.go(() -> { // the spawner
                boolean isEarly = false;
                try {
                    for (int i = 0; i < n; i++) {
                        int me = i;
                        Units.go(() -> {
                            try {
                                wg.add(1); // wrong: inside the unit
                                try {
                                    finished.set(me, Boolean.TRUE);
                                } finally {
                                    wg.done();
                                }
                            } catch (RuntimeException e) {
                                misuse.compareAndSet(null, e.toString());
                            } finally {
                                all.done();
                            }
                        });
                    }
                    wg.await_();
                    isEarly = flagDigest(seed, trial, finished)[1] != n;
                } catch (InterruptedException | RuntimeException e) {
                    misuse.compareAndSet(null, e.toString());
                } finally {
                    waited.offer(isEarly); // sent even when Wait threw
                }
            });
            all.await_(); // workers never block: this always returns
            plan += flagDigest(seed, t, finished)[0]; // once every worker has finished
            Boolean e = waited.poll(5, TimeUnit.SECONDS);
            if (e == null) {
                stuck++;
            } else if (e) {
                early++;
            }
            String m = misuse.get();
            if (m != null) {
                errors++;
                if (firstError == null) {
                    firstError = m;
                }
            }
        }
        return Obs.of("trials", trials, "early_returns", early, "errors", errors,
                "first_error", firstError,
                "n", n, "wait_stuck", stuck, "plan_digest", Plan.hex(plan));
    }

    /** done() on a zero counter: the harness's WaitGroup throws Misuse with Go's message. */
    static Map<String, Object> wgNegative() {
        try {
            new WaitGroup().done();
        } catch (Misuse e) {
            return Obs.of("raised", true, "error", e.getMessage(), "exception", e.getClass().getName());
        }
        return Obs.of("raised", false, "error", null);
    }

    /**
     * Fan-out/fan-in: add(n), n units that each done(), await_(). warmup_units first, untimed: the
     * JIT's warm-up of the spawn path (and, for platform threads, the kernel's).
     */
    static Map<String, Object> waitgroupBench(Params p) throws Exception {
        return timedFan(p, "ns_per_unit");
    }

    /** fan(n) timed after fan(warmup_units); nsKey names the time per unit (Memory.spawn's too). */
    static Map<String, Object> timedFan(Params p, String nsKey) throws Exception {
        int n = p.i("n", 100_000), warm = p.i("warmup_units", 10_000);
        long seed = p.l("seed", 1);
        fan(warm);
        long[] spawned = new long[1];
        Measure.Clock c = Measure.clock(() -> spawned[0] = fan(n));
        return Obs.of("seconds", c.wall(), "cpu_seconds", c.cpu(), "ops", n,
                nsKey, c.wall() / n * 1e9, "gomaxprocs", Main.gomaxprocs(),
                "plan_digest", Plan.seqDigest(seed, spawned[0], 0, 0));
    }

    private static int fan(int n) throws InterruptedException {
        WaitGroup wg = new WaitGroup();
        wg.add(n);
        int i = 0;
        for (; i < n; i++) {
            Units.go(wg::done);
        }
        wg.await_();
        return i;
    }
}
