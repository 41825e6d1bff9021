package goro;

import java.io.FileOutputStream;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Section 2, M:N scheduling (impls/golang/src/scheduling.go is the model): which OS threads units
 * run on, work stealing, what happens to the others while one unit blocks in a syscall, the
 * default parallelism and what it bounds.
 *
 * Virtual threads run on carrier threads of a ForkJoinPool whose parallelism the launcher sets
 * from procs (-Djdk.virtualThreadScheduler.parallelism); a virtual thread blocked in file I/O
 * (here a blocking read(2) on a FIFO) pins its carrier, and the scheduler compensates with an
 * extra carrier, the counterpart of Go handing the P of a thread in a syscall to another thread.
 * Platform threads are each their own OS thread, scheduled by the kernel.
 */
final class Scheduling {
    private Scheduling() {}

    static void register(Map<String, Scenario> reg) {
        reg.put("thread_ids", Scheduling::threadIds);
        reg.put("work_stealing", Scheduling::workStealing);
        reg.put("syscall_handoff", Scheduling::syscallHandoff);
        reg.put("gomaxprocs", Scheduling::gomaxprocs);
        reg.put("parallel_speedup", Scheduling::parallelSpeedup);
    }

    static int distinct(int[] tids) {
        Set<Integer> set = new HashSet<>();
        for (int t : tids) {
            set.add(t);
        }
        return set.size();
    }

    // threadIds: n units note their gettid, then all wait at one gate so they overlap.
    static Map<String, Object> threadIds(Params p) throws Exception {
        int n = p.i("n", 10_000);
        if (!Units.virtual() && n > Limits.platformThreads()) {
            throw new IllegalStateException(Limits.capMessage(Limits.platformThreads(), n));
        }
        int[] tids = new int[n];
        CountDownLatch gate = new CountDownLatch(1);
        WaitGroup arrived = new WaitGroup(), done = new WaitGroup();
        arrived.add(n);
        done.add(n);
        long threads0 = Measure.threads();
        long peak = 0;
        for (int i = 0; i < n; i++) {
            final int me = i;
            Units.go(() -> {
                try {
                    tids[me] = Measure.gettid();
                    arrived.done();
                    gate.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } finally {
                    done.done();
                }
            });
        }
        arrived.await_();
        peak = Measure.threads();
        gate.countDown();
        done.await_();
        return Obs.of("units", n, "distinct_threads", distinct(tids), "gomaxprocs", Main.gomaxprocs(),
                "threads_in_syscalls", null, // the JVM does not say which of its threads are in one
                "os_threads_before", threads0, "os_threads_all_arrived", peak);
    }

    /**
     * Iterations of Measure.arith per millisecond on one unit: the best of three samples of at
     * least 20 ms, so that separate JVMs (the procs=1 and procs=2 runs) get the same count and a
     * sample slowed by another process does not lower it. The first samples also compile arith.
     */
    static double itersPerMs() {
        long iters = 1 << 16;
        while (timedArith(iters) < 0.02) {
            iters *= 2;
        }
        double best = 0;
        for (int i = 0; i < 3; i++) {
            best = Math.max(best, iters / (timedArith(iters) * 1e3));
        }
        return best;
    }

    static double timedArith(long iters) {
        long t0 = System.nanoTime();
        Measure.keep(Measure.arith(iters));
        return (System.nanoTime() - t0) / 1e9;
    }

    // workStealing: one spawner unit starts n CPU-bound units in waves, waiting for each wave;
    // each records the OS thread it ran on. The JDK exposes no steal count, so steals is None.
    static Map<String, Object> workStealing(Params p) throws Exception {
        int n = p.i("n", 10_000), wave = p.i("wave", 200), workUs = p.i("work_us", 20);
        long perUnit = (long) (itersPerMs() * workUs / 1e3);
        int[] tids = new int[n];
        Measure.Clock c = Measure.clock(() -> {
            Thread spawner = Units.go(() -> {
                try {
                    for (int start = 0; start < n; start += wave) {
                        WaitGroup wg = new WaitGroup();
                        for (int i = start; i < Math.min(start + wave, n); i++) {
                            final int me = i;
                            wg.add(1);
                            Units.go(() -> {
                                try {
                                    Measure.keep(Measure.arith(perUnit));
                                    tids[me] = Measure.gettid();
                                } finally {
                                    wg.done();
                                }
                            });
                        }
                        wg.await_();
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            spawner.join();
        });
        return Obs.of("units", n, "distinct_threads", distinct(tids), "steals", null,
                "gomaxprocs", Main.gomaxprocs(), "seconds", c.wall(), "work_us_per_unit", workUs,
                "iters_per_unit", perUnit);
    }

    /**
     * syscallHandoff: at one carrier (the launcher sets parallelism 1 for virtual threads), A does
     * a real blocking read(2) on a FIFO (RandomAccessFile: file I/O, not the NIO poller), B counts
     * and yields after each count, C sleeps block_ms and writes the FIFO. A watchdog platform
     * thread, outside the virtual-thread scheduler, writes after 5*block_ms if nothing else did.
     * B yields after every yield_every counts (0: never) and stops at A's end or after 20*block_ms.
     */
    static Map<String, Object> syscallHandoff(Params p) throws Exception {
        int blockMs = p.i("block_ms", 200), yieldEvery = p.i("yield_every", 1);
        Path dir = Files.createTempDirectory("goro-handoff");
        Path fifo = dir.resolve("pipe");
        try {
            Process mk = new ProcessBuilder("mkfifo", fifo.toString()).redirectErrorStream(true).start();
            if (!mk.waitFor(30, TimeUnit.SECONDS) || mk.exitValue() != 0) {
                throw new IllegalStateException("mkfifo " + fifo + " failed: "
                        + new String(mk.getInputStream().readAllBytes()).trim());
            }
            // read-write: opening a FIFO this way does not wait for a writer (Linux)
            try (RandomAccessFile reader = new RandomAccessFile(fifo.toFile(), "rw");
                    FileOutputStream writer = new FileOutputStream(fifo.toFile())) {
                AtomicLong count = new AtomicLong();
                AtomicBoolean stop = new AtomicBoolean();
                long[] blockedNs = {0}, progress = {0};
                int[] got = {0};
                Thread watchdog = new Thread(() -> {
                    try {
                        Thread.sleep(5L * blockMs);
                        synchronized (writer) {
                            writer.write('w');
                        }
                    } catch (InterruptedException | IOException e) {
                        // stopped: not needed
                    }
                });
                watchdog.setDaemon(true);
                watchdog.start();
                Thread a = Units.go(() -> {
                    long before = count.get();
                    long t0 = System.nanoTime();
                    try {
                        got[0] = reader.read(); // blocks this thread (and a carrier) in the kernel
                    } catch (IOException e) {
                        got[0] = -1;
                    }
                    blockedNs[0] = System.nanoTime() - t0;
                    progress[0] = count.get() - before;
                    stop.set(true);
                });
                // B yields every yieldEvery counts; 0 never, so only preemption would let C run
                // (virtual threads are not preempted); its own deadline keeps it from spinning on
                Thread b = Units.go(() -> {
                    long deadline = System.nanoTime() + 20L * blockMs * 1_000_000;
                    for (long k = 1; !stop.get(); k++) {
                        count.incrementAndGet();
                        if (yieldEvery > 0 && k % yieldEvery == 0) {
                            Units.yield_();
                        }
                        if (k % 1024 == 0 && System.nanoTime() - deadline > 0) {
                            break;
                        }
                    }
                });
                Thread cUnit = Units.go(() -> {
                    try {
                        Thread.sleep(blockMs);
                        synchronized (writer) {
                            writer.write('c');
                        }
                    } catch (InterruptedException | IOException e) {
                        // reported by A's result: the watchdog wrote instead
                    }
                });
                for (Thread t : List.of(a, b, cUnit)) {
                    t.join();
                }
                watchdog.interrupt();
                return Obs.of("blocked_ms", blockedNs[0] / 1e6, "progress_during_block", progress[0],
                        "watchdog_fired", got[0] == 'w', "counted_total", count.get(),
                        "gomaxprocs", Main.gomaxprocs(),
                        "read", "RandomAccessFile.read on a FIFO (a blocking read(2))");
            }
        } finally {
            Files.deleteIfExists(fifo);
            Files.deleteIfExists(dir);
        }
    }

    static Map<String, Object> gomaxprocs(Params p) {
        return Obs.of("gomaxprocs", Main.gomaxprocs(), "cpu_count", Runtime.getRuntime().availableProcessors());
    }

    /**
     * parallelSpeedup: two units each do work_ms of calibrated arithmetic (a fixed iteration
     * count). Virtual threads run at parallelism procs (set by the launcher). Platform threads
     * have no such knob: as the catalogue says, procs=1 runs the two one after the other and
     * procs>=2 concurrently (mode says which).
     */
    static Map<String, Object> parallelSpeedup(Params p) throws Exception {
        int workMs = p.i("work_ms", 200), procs = p.i("procs", 2);
        long iters = (long) (itersPerMs() * workMs);
        boolean sequential = !Units.virtual() && procs == 1;
        Measure.Clock c = Measure.clock(() -> {
            if (sequential) {
                for (int i = 0; i < 2; i++) {
                    Units.go(() -> Measure.keep(Measure.arith(iters))).join();
                }
            } else {
                Thread x = Units.go(() -> Measure.keep(Measure.arith(iters)));
                Thread y = Units.go(() -> Measure.keep(Measure.arith(iters)));
                x.join();
                y.join();
            }
        });
        return Obs.of("seconds", c.wall(), "cpu_seconds", c.cpu(), "gomaxprocs", Main.gomaxprocs(),
                "procs", procs, "cpu_count", Runtime.getRuntime().availableProcessors(),
                "iters_per_unit", iters, "mode", Units.virtual() ? "parallelism=" + procs
                        : sequential ? "sequential" : "concurrent");
    }
}
