package goro;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Measurement plumbing shared by the scenarios: memory, threads and context switches from /proc,
 * the thread id from /proc/thread-self, process CPU time, and a settled garbage collection.
 */
public final class Measure {
    private Measure() {}

    /** A "Key:   123 kB" field of /proc/self/status in bytes (a count for Threads), -1 if absent. */
    static long status(String key) {
        try {
            for (String line : Files.readAllLines(Paths.get("/proc/self/status"))) {
                if (line.startsWith(key + ":")) {
                    String[] f = line.substring(key.length() + 1).trim().split("\\s+");
                    long v = Long.parseLong(f[0]);
                    return f.length > 1 && f[1].equals("kB") ? v * 1024 : v;
                }
            }
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
        return -1;
    }

    /** Resident set size of this process in bytes (VmRSS). */
    public static long rss() {
        return status("VmRSS");
    }

    /** Virtual memory size of this process in bytes (VmSize). */
    public static long vmSize() {
        return status("VmSize");
    }

    /** OS threads of this process now (Threads in /proc/self/status). */
    public static long threads() {
        return status("Threads");
    }

    /** The OS thread id running the caller: /proc/thread-self links to "<pid>/task/<tid>". */
    public static int gettid() {
        try {
            Path link = Files.readSymbolicLink(Paths.get("/proc/thread-self"));
            return Integer.parseInt(link.getFileName().toString());
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
    }

    /**
     * Voluntary context switches of the process so far: the sum of voluntary_ctxt_switches over
     * /proc/self/task/N/status (getrusage is not reachable from Java). Threads that exited are
     * not counted, so read it with the same threads alive before and after.
     */
    public static long voluntarySwitches() {
        long sum = 0;
        try (DirectoryStream<Path> tasks = Files.newDirectoryStream(Paths.get("/proc/self/task"))) {
            for (Path t : tasks) {
                List<String> lines;
                try {
                    lines = Files.readAllLines(t.resolve("status"));
                } catch (IOException gone) { // the thread exited while we listed
                    continue;
                }
                for (String line : lines) {
                    if (line.startsWith("voluntary_ctxt_switches:")) {
                        sum += Long.parseLong(line.substring(24).trim());
                    }
                }
            }
        } catch (IOException e) {
            return -1;
        }
        return sum;
    }

    /** Heap in use now: committed minus free, in bytes. */
    public static long heapUsed() {
        Runtime rt = Runtime.getRuntime();
        return rt.totalMemory() - rt.freeMemory();
    }

    /**
     * A full collection that has settled: System.gc() (with the serial collector the backend runs,
     * a stop-the-world full collection that returns when it is over) repeated until the heap in
     * use stops falling by more than 1% (at most 5 rounds), since a collection can make more
     * garbage reachable for the next one (cleaners, reference processing of finished threads).
     */
    public static void gc() {
        long before = heapUsed();
        for (int round = 0; round < 5; round++) {
            System.gc();
            long after = heapUsed();
            if (after >= before - before / 100) {
                return;
            }
            before = after;
        }
    }

    /** Process CPU seconds so far (user+sys, all threads), or -1 when the JVM cannot tell. */
    public static double cpuSeconds() {
        java.lang.management.OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
        if (os instanceof com.sun.management.OperatingSystemMXBean sun) {
            long ns = sun.getProcessCpuTime();
            return ns < 0 ? -1 : ns / 1e9;
        }
        return -1;
    }

    /** A section's wall seconds (monotonic clock) and the process CPU seconds it used. */
    public record Clock(double wall, double cpu) {}

    /** A section of work that may throw. */
    public interface Section {
        void run() throws Exception;
    }

    /** Times f: wall by System.nanoTime, CPU from the process total before and after. */
    public static Clock clock(Section f) throws Exception {
        double cpu0 = cpuSeconds();
        long t0 = System.nanoTime();
        f.run();
        long t1 = System.nanoTime();
        double cpu1 = cpuSeconds();
        return new Clock((t1 - t0) / 1e9, cpu0 < 0 || cpu1 < 0 ? -1 : cpu1 - cpu0);
    }

    /** A fixed amount of arithmetic (iters rounds); the result keeps the JIT from dropping it. */
    public static long arith(long iters) {
        long x = iters;
        for (long i = 0; i < iters; i++) {
            x = x * 6364136223846793005L + 1442695040888963407L;
        }
        return x;
    }

    /** About us microseconds of arithmetic (checks the clock every 200 rounds). */
    public static long spin(long us) {
        long end = System.nanoTime() + us * 1000;
        long x = 1;
        while (System.nanoTime() - end < 0) {
            for (int i = 0; i < 200; i++) {
                x = x * 6364136223846793005L + 1442695040888963407L;
            }
        }
        return x;
    }

    private static final AtomicLong SINK = new AtomicLong();

    /** Receives results of busy work so the JIT keeps the work. */
    public static void keep(long x) {
        SINK.getAndAdd(x);
    }
}
