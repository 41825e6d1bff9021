package goro;

import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.IntConsumer;

/**
 * §9 sync.Once in Java.
 *
 * Idiom: a small Once over a volatile flag and a lock (Once below), which is the shape of Go's own
 * sync.Once (an atomic done flag for the fast path, a Mutex for the slow path, the flag set only
 * after f returned). Java's lazy singleton idioms do not fit the scenario: the holder class (class
 * initialisation, run once under the JVM's init lock) runs a fixed static initialiser, not a
 * function chosen at run time, and happens once per JVM, not once per trial;
 * ConcurrentHashMap.computeIfAbsent would run a runtime function once per key, but it needs a map
 * and a key for a single value and runs the function while holding a bin lock of that map.
 * Callers that find the flag unset wait on the lock, so nobody returns before f finished.
 */
final class Onces {
    private Onces() {}

    static void register(Map<String, Scenario> reg) {
        reg.put("once_runs_once", Onces::onceRunsOnce);
        reg.put("once_waits", Onces::onceWaits);
        reg.put("once", Onces::onceBench);
    }

    /** Go's sync.Once: do_(f) runs f once; every caller returns only after it has. */
    static final class Once {
        private volatile boolean done; // the fast path: one volatile read once f has run
        private final ReentrantLock mu = new ReentrantLock();

        void do_(Runnable f) {
            if (!done) {
                doSlow(f);
            }
        }

        private void doSlow(Runnable f) {
            mu.lock();
            try {
                if (!done) {
                    try {
                        f.run();
                    } finally { // like Go: a panicking f still counts as done
                        done = true;
                    }
                }
            } finally {
                mu.unlock();
            }
        }
    }

    /** The article's singleton. */
    static final class Database {
        final int id;

        Database(int id) {
            this.id = id;
        }
    }

    /**
     * One trial's callers: `callers` units wait at a gate, so that all call do_ at the same time,
     * then each runs caller(me); returns once every one has.
     */
    private static void atOnce(int callers, IntConsumer caller) throws InterruptedException {
        CountDownLatch gate = new CountDownLatch(1);
        WaitGroup wg = new WaitGroup();
        wg.add(callers);
        for (int i = 0; i < callers; i++) {
            int me = i;
            Units.go(() -> {
                try {
                    gate.await();
                    caller.accept(me);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } finally {
                    wg.done();
                }
            });
        }
        gate.countDown();
        wg.await_();
    }

    static Map<String, Object> onceRunsOnce(Params p) throws Exception {
        int callers = p.i("callers", 10), trials = p.i("trials", 1000);
        long seed = p.l("seed", 1);
        Mutexes.holdAtOnce(callers); // all wait at the gate
        int maxInit = 0;
        boolean allSame = true;
        Plan.Digest plan = new Plan.Digest(); // caller c of trial t adds term(seed, t, c, 1) after Do
        long state = 0;
        for (int t = 0; t < trials; t++) {
            int trial = t;
            Once once = new Once();
            Database[] instance = new Database[1];
            int[] inits = new int[1];
            Database[] got = new Database[callers];
            atOnce(callers, me -> {
                once.do_(() -> {
                    inits[0]++;
                    instance[0] = new Database(trial);
                });
                got[me] = instance[0];
                plan.add(Plan.term(seed, trial, me, 1));
            });
            state += Plan.term(seed, t, callers, inits[0]);
            maxInit = Math.max(maxInit, inits[0]);
            for (Database g : got) {
                if (g == null || g != instance[0]) {
                    allSame = false;
                }
            }
        }
        return Obs.of("trials", trials, "max_init_count", maxInit, "all_same_instance", allSame,
                "plan_digest", plan.hex(), "state_digest", Plan.hex(state),
                "idiom", "Once: volatile done flag + ReentrantLock slow path (Go's sync.Once shape)");
    }

    static Map<String, Object> onceWaits(Params p) throws Exception {
        int callers = p.i("callers", 10), trials = p.i("trials", 100), initMs = p.i("init_ms", 1);
        long seed = p.l("seed", 1);
        Mutexes.holdAtOnce(callers);
        AtomicLong unset = new AtomicLong();
        Plan.Digest plan = new Plan.Digest();
        long state = 0;
        for (int t = 0; t < trials; t++) {
            int trial = t;
            Once once = new Once();
            Database[] instance = new Database[1];
            int[] inits = new int[1];
            atOnce(callers, me -> {
                once.do_(() -> {
                    inits[0]++;
                    try {
                        Thread.sleep(initMs); // a slow init
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    instance[0] = new Database(trial);
                });
                if (instance[0] == null) { // do_ returned before init finished
                    unset.incrementAndGet();
                }
                plan.add(Plan.term(seed, trial, me, 1));
            });
            state += Plan.term(seed, t, callers, inits[0]);
        }
        return Obs.of("trials", trials, "unset_observed", unset.get(), "plan_digest", plan.hex(),
                "state_digest", Plan.hex(state));
    }

    /** once.do_ on the fast path (after the first call), timed. */
    static Map<String, Object> onceBench(Params p) throws Exception {
        long n = p.l("n", 1_000_000), seed = p.l("seed", 1);
        Once once = new Once();
        long[] calls = new long[1];
        Runnable f = () -> calls[0]++;
        once.do_(f);
        Measure.Clock c = Measure.clock(() -> {
            for (long i = 0; i < n; i++) {
                once.do_(f);
            }
        });
        return Obs.of("seconds", c.wall(), "cpu_seconds", c.cpu(), "ops", n,
                "ns_per_op", c.wall() / n * 1e9,
                "init_calls", calls[0], "state_digest", Plan.hex(Plan.term(seed, 0, 0, calls[0])));
    }
}
