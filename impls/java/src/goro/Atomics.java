package goro;

import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;

/**
 * §8 sync/atomic in Java: AtomicLong (incrementAndGet/getAndAdd is one LOCK XADD on x86, as Go's
 * atomic.AddInt64), compareAndSet for CompareAndSwap, and atomics against a ReentrantLock.
 */
final class Atomics {
    private Atomics() {}

    static void register(Map<String, Scenario> reg) {
        reg.put("atomic_counter", Atomics::atomicCounter);
        reg.put("atomic_cas", Atomics::atomicCas);
        reg.put("atomic_vs_mutex", Atomics::atomicVsMutex);
        reg.put("atomic_add", Atomics::atomicAdd);
    }

    /** One trial: unit u adds 1, then atomically adds term(seed, t, u, 1) to the plan digest. */
    static long[] atomicTrial(long seed, int t, int units) throws InterruptedException {
        AtomicLong counter = new AtomicLong();
        Plan.Digest plan = new Plan.Digest();
        WaitGroup wg = new WaitGroup();
        for (int u = 0; u < units; u++) {
            int me = u;
            wg.add(1);
            Units.go(() -> {
                try {
                    counter.incrementAndGet();
                    plan.add(Plan.term(seed, t, me, 1));
                } finally {
                    wg.done();
                }
            });
        }
        wg.await_();
        return new long[] {counter.get(), plan.value()};
    }

    static Map<String, Object> atomicCounter(Params p) throws Exception {
        int units = p.i("units", 1000), trials = p.i("trials", 1000);
        long seed = p.l("seed", 1);
        int exact = 0;
        long plan = 0, state = 0;
        for (int t = 0; t < trials; t++) {
            long[] r = atomicTrial(seed, t, units);
            if (r[0] == units) {
                exact++;
            }
            plan += r[1];
            state += Plan.term(seed, t, units, r[0]);
        }
        return Obs.of("trials", trials, "exact_trials", exact, "gomaxprocs", Main.gomaxprocs(),
                "plan_digest", Plan.hex(plan), "state_digest", Plan.hex(state));
    }

    static Map<String, Object> atomicCas(Params p) throws Exception {
        int units = p.i("units", 1000);
        long seed = p.l("seed", 1);
        AtomicLong v = new AtomicLong();
        AtomicLong retries = new AtomicLong();
        WaitGroup wg = new WaitGroup();
        for (int i = 0; i < units; i++) {
            wg.add(1);
            Units.go(() -> {
                try {
                    for (;;) {
                        long old = v.get();
                        if (v.compareAndSet(old, old + 1)) {
                            return;
                        }
                        retries.incrementAndGet();
                    }
                } finally {
                    wg.done();
                }
            });
        }
        wg.await_();
        long fin = v.get();
        long stale = fin - 1; // an old value that is no longer current
        boolean swapped = v.compareAndSet(stale, -1);
        long after = v.get();
        return Obs.of("cas_loop_exact", fin == units, "stale_cas_failed", !swapped && after == fin,
                "final", fin, "cas_retries", retries.get(),
                "state_digest", Plan.hex(Plan.term(seed, 0, 0, fin) + Plan.term(seed, 0, 1, after)));
    }

    /** A loop body run by each unit of fanOut with its share of the increments. */
    private interface Body {
        void run(long per);
    }

    /** Runs body(per) on units units, per = n/units; returns {wall seconds, increments done}. */
    private static double[] fanOut(long n, int units, Body body) throws Exception {
        long per = n / units;
        Measure.Clock c = Measure.clock(() -> {
            WaitGroup wg = new WaitGroup();
            wg.add(units);
            for (int u = 0; u < units; u++) {
                Units.go(() -> {
                    try {
                        body.run(per);
                    } finally {
                        wg.done();
                    }
                });
            }
            wg.await_();
        });
        return new double[] {c.wall(), per * units};
    }

    /** ns per op, or null when nothing ran (n=1 leaves the two contended units no work). */
    private static Double nsPer(double[] r) {
        return r[1] == 0 ? null : r[0] / r[1] * 1e9;
    }

    private static Body mutexLoop(ReentrantLock mu, long[] c) {
        return per -> {
            for (long i = 0; i < per; i++) {
                mu.lock();
                try {
                    c[0]++;
                } finally {
                    mu.unlock();
                }
            }
        };
    }

    private static Body atomicLoop(AtomicLong a) {
        return per -> {
            for (long i = 0; i < per; i++) {
                a.incrementAndGet();
            }
        };
    }

    /**
     * The four loops once on fresh counters: mutex and atomic, by one unit and by two units
     * sharing the counter (and its lock). Returns their ns/op and the final counters.
     */
    private static Object[] incrementLoops(long n) throws Exception {
        ReentrantLock mu1 = new ReentrantLock(), mu2 = new ReentrantLock();
        long[] c1 = new long[1], c2 = new long[1];
        AtomicLong a1 = new AtomicLong(), a2 = new AtomicLong();
        Double[] ns = {
            nsPer(fanOut(n, 1, mutexLoop(mu1, c1))),
            nsPer(fanOut(n, 1, atomicLoop(a1))),
            nsPer(fanOut(n, 2, mutexLoop(mu2, c2))), // one shared counter under one lock
            nsPer(fanOut(n, 2, atomicLoop(a2))),
        };
        return new Object[] {ns, new long[] {c1[0], a1.get(), c2[0], a2.get()}};
    }

    static Map<String, Object> atomicVsMutex(Params p) throws Exception {
        long n = p.l("n", 1_000_000);
        int warmup = p.i("warmup", 1);
        long seed = p.l("seed", 1);
        for (int i = 0; i < warmup; i++) {
            incrementLoops(n);
        }
        Object[] r = incrementLoops(n);
        Double[] ns = (Double[]) r[0];
        long[] counters = (long[]) r[1];
        long state = 0;
        for (int k = 0; k < counters.length; k++) {
            state += Plan.term(seed, 0, k, counters[k]);
        }
        Map<String, Object> out = Obs.of("mutex_ns", ns[0], "atomic_ns", ns[1],
                "mutex_contended_ns", ns[2], "atomic_contended_ns", ns[3],
                "gomaxprocs", Main.gomaxprocs(), "state_digest", Plan.hex(state));
        if (ns[0] != null && ns[1] != null && ns[2] != null && ns[3] != null) {
            out.put("ratio_uncontended", ns[0] / ns[1]);
            out.put("ratio_contended", ns[2] / ns[3]);
        }
        return out;
    }

    static Map<String, Object> atomicAdd(Params p) throws Exception {
        long n = p.l("n", 1_000_000), seed = p.l("seed", 1);
        AtomicLong c = new AtomicLong();
        Measure.Clock t = Measure.clock(() -> {
            for (long i = 0; i < n; i++) {
                c.incrementAndGet();
            }
        });
        return Obs.of("seconds", t.wall(), "cpu_seconds", t.cpu(), "ops", n,
                "ns_per_op", t.wall() / n * 1e9,
                "value", c.get(), "state_digest", Plan.hex(Plan.term(seed, 0, 0, c.get())));
    }
}
