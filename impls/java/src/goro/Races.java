package goro;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * §5 Race conditions in Java: `counter++` on a plain int field from many units loses updates (the
 * Java memory model gives a data race no atomicity, as Go's does not). The JIT may also keep the
 * field in a register for a whole loop and store it once (legal for a non-volatile field), which
 * loses whole loops rather than single increments: the lost count is what this JVM did, reported
 * as measured. Java has no race detector (no -race build, no ThreadSanitizer for the JVM), so
 * race_detector and race_overhead are not applicable.
 */
final class Races {
    private Races() {}

    static final String NO_RACE_DETECTOR = "Java has no data race detector: the JDK ships no "
            + "-race build or ThreadSanitizer for Java code (jcstress tests memory-model outcomes, "
            + "it does not find races in a program)";

    static void register(Map<String, Scenario> reg) {
        reg.put("racy_counter", Races::racyCounter);
        reg.put("race_detector", p -> {
            throw new NotApplicable(NO_RACE_DETECTOR);
        });
        reg.put("race_overhead", p -> {
            throw new NotApplicable(NO_RACE_DETECTOR + ", so there is no race build to time");
        });
    }

    /** The shared counter: a plain field, no lock, no volatile; long because Go's int is 64-bit. */
    private static final class Counter {
        long value;
    }

    /**
     * One trial of the article's §5 program; unit u also stores term(seed, t, u, increments) in a
     * slot of its own once done, so the digest itself never races.
     */
    private static long racyTrial(long seed, int t, int units, int increments, long[] slots)
            throws InterruptedException {
        Counter counter = new Counter();
        WaitGroup wg = new WaitGroup();
        for (int u = 0; u < units; u++) {
            int me = u;
            wg.add(1);
            Units.go(() -> {
                try {
                    for (int j = 0; j < increments; j++) {
                        counter.value++; // a data race, on purpose (read, add, write back)
                    }
                    slots[me] = Plan.term(seed, t, me, increments);
                } finally {
                    wg.done();
                }
            });
        }
        wg.await_(); // its happens-before edge publishes every unit's last writes
        return counter.value;
    }

    static Map<String, Object> racyCounter(Params p) throws Exception {
        int units = p.i("units", 1000), incs = p.i("increments", 1), trials = p.i("trials", 1000);
        long seed = p.l("seed", 1);
        long expected = (long) units * incs;
        long lossy = 0, lowest = expected;
        TreeSet<Long> values = new TreeSet<>();
        long[] slots = new long[units];
        long plan = 0;
        for (int t = 0; t < trials; t++) {
            long v = racyTrial(seed, t, units, incs, slots);
            for (long s : slots) {
                plan += s;
            }
            if (v < expected) {
                lossy++;
            }
            lowest = Math.min(lowest, v);
            values.add(v);
        }
        List<Long> distinct = new ArrayList<>();
        for (long v : values) {
            if (distinct.size() == 20) {
                break;
            }
            distinct.add(v);
        }
        return Obs.of("trials", trials, "expected", expected, "lossy_trials", lossy, "min", lowest,
                "distinct_values", distinct, "distinct_count", values.size(),
                "gomaxprocs", Main.gomaxprocs(),
                "plan_digest", Plan.hex(plan));
    }
}
