package goro;

import java.util.Map;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Skynet (atemerev/skynet): a tree of units, each spawning 10 children down to the leaves; leaf i
 * sends i and every level sums its children through a SynchronousQueue (the unbuffered channel of
 * the Go version). Platform threads stop spawning at Limits.platformThreads() live units (a 1M-leaf
 * tree holds far more threads than the machine allows) and the run ends with that error.
 */
final class Skynet {
    private Skynet() {}

    static void register(Map<String, Scenario> reg) {
        reg.put("skynet", Skynet::skynetScenario);
    }

    private static final class Tree {
        final int cap;
        final AtomicInteger live = new AtomicInteger();
        final AtomicReference<String> error = new AtomicReference<>();
        final AtomicInteger refused = new AtomicInteger();

        Tree(int cap) {
            this.cap = cap;
        }

        /** Starts node (num, size) sending its sum on c; false when the cap or the OS refused. */
        boolean start(SynchronousQueue<Long> c, long num, long size) {
            if (live.incrementAndGet() > cap) {
                live.decrementAndGet();
                refused.incrementAndGet();
                error.compareAndSet(null, Limits.capMessage(cap, cap + 1L));
                return false;
            }
            try {
                Units.go(() -> {
                    try {
                        node(c, num, size);
                    } finally {
                        live.decrementAndGet();
                    }
                });
                return true;
            } catch (OutOfMemoryError e) { // "unable to create native thread"
                live.decrementAndGet();
                refused.incrementAndGet();
                error.compareAndSet(null, e.toString());
                return false;
            }
        }

        // Sums leaves num..num+size-1; sizes that are not powers of 10 split as evenly as they can.
        void node(SynchronousQueue<Long> c, long num, long size) {
            try {
                if (size == 1) {
                    c.put(num);
                    return;
                }
                long kids = Math.min(10, size);
                SynchronousQueue<Long> rc = new SynchronousQueue<>();
                long sub = num;
                int started = 0;
                for (long i = 0; i < kids; i++) {
                    long part = size / kids + (i < size % kids ? 1 : 0);
                    if (start(rc, sub, part)) {
                        started++;
                    }
                    sub += part;
                }
                long sum = 0;
                for (int i = 0; i < started; i++) {
                    sum += rc.take();
                }
                c.put(sum);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    static Map<String, Object> skynetScenario(Params p) throws Exception {
        int leaves = p.i("leaves", 1_000_000);
        long seed = p.l("seed", 1);
        Tree tree = new Tree(Units.virtual() ? Integer.MAX_VALUE : Limits.platformThreads());
        SynchronousQueue<Long> c = new SynchronousQueue<>();
        long[] total = {0};
        Measure.Clock clock = Measure.clock(() -> {
            if (tree.start(c, 0, leaves)) {
                total[0] = c.take();
            }
        });
        if (tree.error.get() != null) {
            throw new IllegalStateException("skynet(" + leaves + "): " + tree.refused.get()
                    + " unit starts refused, first: " + tree.error.get());
        }
        return Obs.of("seconds", clock.wall(), "cpu_seconds", clock.cpu(), "ops", leaves,
                "total", total[0], "ms", clock.wall() * 1e3, "expected", (long) leaves * (leaves - 1) / 2,
                "gomaxprocs", Main.gomaxprocs(), "state_digest", Plan.hex(Plan.term(seed, 0, 0, total[0])));
    }
}
