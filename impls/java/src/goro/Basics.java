package goro;

import java.io.FileOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Section 3, basics: starting a unit returns at once, and the order of concurrently started units
 * varies (impls/golang/src/basics.go is the model). loopvar_capture has no Java program: a lambda
 * captures only effectively-final locals (the Python side says so as NotApplicable).
 */
final class Basics {
    private Basics() {}

    static void register(Map<String, Scenario> reg) {
        reg.put("go_returns", Basics::goReturns);
        reg.put("completion_order", Basics::completionOrder);
    }

    // goReturns: spawn a unit that blocks forever; the spawner notes it got control back and
    // whether the child had started by then. The children stay blocked until the JVM exits
    // (Main ends with System.exit, so they cannot hold it open).
    static Map<String, Object> goReturns(Params p) {
        int trials = p.i("trials", 100);
        CountDownLatch forever = new CountDownLatch(1); // never counted down
        int spawnerFirst = 0;
        List<Thread> children = new ArrayList<>(trials);
        for (int t = 0; t < trials; t++) {
            AtomicBoolean started = new AtomicBoolean();
            children.add(Units.go(() -> {
                started.set(true);
                try {
                    forever.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }));
            if (!started.get()) {
                spawnerFirst++;
            }
        }
        int blocked = 0;
        for (Thread c : children) {
            blocked += c.isAlive() ? 1 : 0;
        }
        return Obs.of("spawn_returned", true, "spawner_first", spawnerFirst, "trials", trials,
                "blocked_children", blocked);
    }

    // completionOrder: 3 units each write a greeting to /dev/null (a real write(2), as the
    // article's sayHello prints) and append their id under a ReentrantLock; count the orders.
    static Map<String, Object> completionOrder(Params p) throws Exception {
        int trials = p.i("trials", 200);
        long seed = p.l("seed", 1);
        long plan = 0;
        Map<String, Integer> orders = new TreeMap<>();
        try (FileOutputStream out = new FileOutputStream("/dev/null")) {
            for (int t = 0; t < trials; t++) {
                ReentrantLock mu = new ReentrantLock();
                WaitGroup wg = new WaitGroup();
                StringBuilder order = new StringBuilder(3);
                for (int id = 0; id < 3; id++) {
                    final int me = id;
                    wg.add(1);
                    Units.go(() -> {
                        try {
                            out.write(("hello from " + me + "\n").getBytes(StandardCharsets.UTF_8));
                        } catch (java.io.IOException e) {
                            throw new java.io.UncheckedIOException(e);
                        } finally {
                            mu.lock();
                            try {
                                order.append((char) ('0' + me));
                            } finally {
                                mu.unlock();
                            }
                            wg.done();
                        }
                    });
                }
                wg.await_();
                orders.merge(order.toString(), 1, Integer::sum);
                for (int k = 0; k < order.length(); k++) { // the units that appended, by their ids
                    plan += Plan.term(seed, t, order.charAt(k) - '0', 1);
                }
            }
        }
        return Obs.of("trials", trials, "distinct_orders", orders.size(), "orders", orders,
                "gomaxprocs", Main.gomaxprocs(), "plan_digest", Plan.hex(plan));
    }
}
