package goro;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Paths;

/**
 * How many platform threads a scenario may hold at once. Past the machine's limit (pid_max,
 * threads-max, vm.max_map_count, RLIMIT_NPROC) thread creation fails, and while one JVM holds
 * that many threads every other process on the machine fails to start threads too (seen here at
 * pid_max = 32,768). So scenarios that would hold many platform threads stop at half of the room
 * left under the smallest limit, and say so in their error, instead of finding the
 * limit by hitting it. Virtual threads are not OS threads: no cap applies to them.
 */
public final class Limits {
    private Limits() {}

    private static long readLong(String path) {
        try {
            // readAllLines, not readString: /proc/sys files report a size that cuts readString short
            return Long.parseLong(Files.readAllLines(Paths.get(path)).get(0).trim());
        } catch (IOException | RuntimeException e) {
            return Long.MAX_VALUE;
        }
    }

    /** RLIMIT_NPROC from /proc/self/limits ("Max processes  soft  hard  processes"). */
    private static long nproc() {
        try {
            for (String line : Files.readAllLines(Paths.get("/proc/self/limits"))) {
                if (line.startsWith("Max processes")) {
                    String soft = line.substring(26).trim().split("\\s+")[0];
                    return soft.equals("unlimited") ? Long.MAX_VALUE : Long.parseLong(soft);
                }
            }
        } catch (IOException | NumberFormatException | IndexOutOfBoundsException e) {
            return Long.MAX_VALUE;
        }
        return Long.MAX_VALUE;
    }

    /** Threads of every process on the machine now (the 4th field of /proc/loadavg, "r/total"). */
    static long systemThreads() {
        try {
            String f = Files.readAllLines(Paths.get("/proc/loadavg")).get(0).trim().split("\\s+")[3];
            return Long.parseLong(f.substring(f.indexOf('/') + 1));
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }

    /** The smallest of the machine's thread limits, and which one it is. */
    public static String limitName() {
        long[] v = limits();
        String[] names = {"kernel.pid_max", "kernel.threads-max", "vm.max_map_count/2", "RLIMIT_NPROC"};
        int best = 0;
        for (int i = 1; i < v.length; i++) {
            if (v[i] < v[best]) {
                best = i;
            }
        }
        return names[best] + "=" + v[best];
    }

    private static long[] limits() {
        return new long[] {
            readLong("/proc/sys/kernel/pid_max"),
            readLong("/proc/sys/kernel/threads-max"),
            readLong("/proc/sys/vm/max_map_count") / 2, // a stack and its guard page each
            nproc(),
        };
    }

    private static long threadsAtCap = -1; // machine-wide threads when the cap was computed

    /**
     * Platform threads this process may still start: half of the room under the smallest limit
     * (the other half is left to the rest of the machine, pid_max being machine-wide).
     */
    public static synchronized int platformThreads() {
        long min = Long.MAX_VALUE;
        for (long v : limits()) {
            min = Math.min(min, v);
        }
        threadsAtCap = systemThreads();
        long room = min - threadsAtCap;
        return (int) Math.max(0, Math.min(Integer.MAX_VALUE, room / 2));
    }

    /** The error a capped scenario reports. */
    public static synchronized String capMessage(int cap, long requested) {
        return "stopped at " + cap + " platform threads of " + requested + " requested: half of the "
                + "room left under " + limitName() + " with " + threadsAtCap
                + " threads on the machine; at the limit every process here fails to start threads";
    }
}
