package goro;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.TimeUnit;

/**
 * §11 Leaks in Java: a unit blocked on a send nobody receives (SynchronousQueue.put, the unbuffered
 * channel) stays forever; cancellation lets it go; the runtime counts the live units.
 *
 * Cancellation: Java's counterpart of a context is interruption. Future.cancel(true) and the JDK's
 * structured concurrency cancel by interrupting, and a blocked SynchronousQueue.put throws
 * InterruptedException when interrupted, so one blocking call waits for "a receiver or the
 * cancel" as the article's select on ch and ctx.Done() does. The Context below is that: the units
 * started under it, and cancel() interrupts them.
 *
 * The live count (Go's NumGoroutine), from the runtime, not from our own bookkeeping:
 * platform threads: Thread.activeCount(), the live platform threads of main's thread group (the
 * units and main; the JVM's own service threads live in the "system" group). Virtual threads are
 * in no thread group and the thread MXBean does not list them, so their count comes from the
 * JVM's thread dump (HotSpotDiagnosticMXBean.dumpThreads, Java 21+, the only public API that lists
 * virtual threads): the virtual threads in it plus Thread.activeCount(). A dump costs
 * milliseconds, so it is read only where the scenario reads the count.
 */
final class Leaks {
    private Leaks() {}

    static void register(Map<String, Scenario> reg) {
        reg.put("leak_blocked_sender", Leaks::leakBlockedSender);
        reg.put("leak_context_cancel", Leaks::leakContextCancel);
        reg.put("num_goroutine", Leaks::numGoroutine);
    }

    static final String COUNTED_BY_PLATFORM = "Thread.activeCount() (main's thread group)";
    static final String COUNTED_BY_VIRTUAL = "virtual threads in HotSpotDiagnosticMXBean.dumpThreads "
            + "(JSON) + Thread.activeCount()";

    /** The live unit count as the runtime reports it (see the class comment). */
    static int live() throws Exception {
        int platform = Thread.activeCount();
        return Units.virtual() ? platform + virtualInDump() : platform;
    }

    static String countedBy() {
        return Units.virtual() ? COUNTED_BY_VIRTUAL : COUNTED_BY_PLATFORM;
    }

    /**
     * The virtual threads of a JSON thread dump. The API is Java 21+ and the sources compile for
     * 17, so it is reached by reflection; it writes a file (which must not exist yet).
     */
    private static int virtualInDump() throws Exception {
        Class<?> bean = Class.forName("com.sun.management.HotSpotDiagnosticMXBean");
        Class<?> format = Class.forName("com.sun.management.HotSpotDiagnosticMXBean$ThreadDumpFormat");
        @SuppressWarnings({"unchecked", "rawtypes"})
        Object mx = ManagementFactory.getPlatformMXBean((Class) bean);
        @SuppressWarnings({"unchecked", "rawtypes"})
        Object json = Enum.valueOf((Class) format, "JSON");
        Path dir = Files.createTempDirectory("goro-dump");
        Path file = dir.resolve("threads.json");
        try {
            bean.getMethod("dumpThreads", String.class, format).invoke(mx, file.toString(), json);
            String text = Files.readString(file);
            int count = 0;
            for (int at = text.indexOf("\"virtual\": true"); at >= 0;
                    at = text.indexOf("\"virtual\": true", at + 1)) {
                count++;
            }
            return count;
        } finally {
            try {
                Files.deleteIfExists(file);
                Files.deleteIfExists(dir);
            } catch (IOException ignored) { // a temp file left behind is not worth failing for
            }
        }
    }

    /** The article's leak(): a unit sends on an unbuffered channel nobody reads. */
    private static Thread leak(List<SynchronousQueue<Integer>> channels) {
        SynchronousQueue<Integer> ch = new SynchronousQueue<>();
        channels.add(ch); // kept only so the clean-up can play the missing receiver
        return Units.go(() -> {
            try {
                ch.put(1); // nobody receives: blocked forever
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
    }

    static Map<String, Object> leakBlockedSender(Params p) throws Exception {
        int calls = p.i("calls", 100);
        Mutexes.holdAtOnce(calls);
        int baseline = live();
        List<SynchronousQueue<Integer>> channels = new ArrayList<>();
        List<Thread> units = new ArrayList<>();
        for (int i = 0; i < calls; i++) {
            units.add(leak(channels));
        }
        int after = live();
        for (SynchronousQueue<Integer> ch : channels) { // clean-up: the receiver that never came
            if (ch.poll(60, TimeUnit.SECONDS) == null) {
                throw new IllegalStateException("leak_blocked_sender: a sender never reached its send");
            }
        }
        for (Thread u : units) {
            Mutexes.join(u, "leak_blocked_sender");
        }
        return Obs.of("baseline", baseline, "after", after, "growth", after - baseline,
                "counted_by", countedBy());
    }

    /** A context: cancel() interrupts every unit started under it. */
    private static final class Context {
        private final List<Thread> units = new ArrayList<>();

        void go(Runnable r) {
            units.add(Units.go(r));
        }

        void cancel() {
            for (Thread u : units) {
                u.interrupt();
            }
        }
    }

    /** The article's noLeak(ctx): the send or the cancel, whichever comes first. */
    private static void noLeak(Context ctx) {
        SynchronousQueue<Integer> ch = new SynchronousQueue<>();
        ctx.go(() -> {
            try {
                ch.put(1);
            } catch (InterruptedException cancelled) {
                // ctx.Done(): return
            }
        });
    }

    /** Polls the live count until it reaches want or the bound passes; returns the last count. */
    private static int settle(int want, long boundMs) throws Exception {
        long deadline = System.nanoTime() + boundMs * 1_000_000L;
        int n = live();
        while (n > want && System.nanoTime() - deadline < 0) {
            Thread.sleep(1); // polling period, not synchronisation
            n = live();
        }
        return n;
    }

    static Map<String, Object> leakContextCancel(Params p) throws Exception {
        int calls = p.i("calls", 100);
        Mutexes.holdAtOnce(calls);
        int baseline = live();
        Context ctx = new Context();
        for (int i = 0; i < calls; i++) {
            noLeak(ctx);
        }
        int during = live();
        ctx.cancel();
        int after = settle(baseline, 5000);
        return Obs.of("baseline", baseline, "during", during, "after_cancel", after,
                "cancellation", "Thread.interrupt (what Future.cancel(true) does); the blocked "
                        + "SynchronousQueue.put throws InterruptedException",
                "counted_by", countedBy());
    }

    static Map<String, Object> numGoroutine(Params p) throws Exception {
        int k = p.i("k", 50);
        Mutexes.holdAtOnce(k);
        int baseline = live();
        CountDownLatch block = new CountDownLatch(1);
        List<Thread> units = new ArrayList<>();
        for (int i = 0; i < k; i++) {
            units.add(Units.go(() -> {
                try {
                    block.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }));
        }
        int reported = live();
        block.countDown();
        for (Thread u : units) {
            Mutexes.join(u, "num_goroutine");
        }
        return Obs.of("reported", reported, "expected", baseline + k, "baseline", baseline,
                "counted_by", countedBy());
    }
}
