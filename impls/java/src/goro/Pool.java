package goro;

import java.lang.management.ManagementFactory;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongConsumer;

/**
 * Section 10, the worker pool: workers units square jobs from a jobs channel into a results
 * channel (impls/golang/src/pool.go is the model). The channels are ArrayBlockingQueues of
 * capacity jobs, the buffered channels of the Go program; close() is one sentinel per reader.
 * The live unit count: platform threads, the JVM's own (ThreadMXBean.getThreadCount, which
 * includes its daemon threads: the baseline holds them); virtual threads, for which the JDK keeps
 * no public count, the pool's own count of its running units, said in live_count.
 */
final class Pool {
    private Pool() {}

    static void register(Map<String, Scenario> reg) {
        reg.put("pool_result", Pool::poolResult);
        reg.put("pool_bounded", Pool::poolBounded);
        reg.put("worker_pool", Pool::workerPool);
    }

    static final long CLOSED = Long.MIN_VALUE;
    static final AtomicInteger RUNNING = new AtomicInteger(); // units of the pool now running

    static int live() {
        return Units.virtual() ? RUNNING.get() + 1 // the consumer (main) counts as in Go
                : ManagementFactory.getThreadMXBean().getThreadCount();
    }

    static String liveCount() {
        return Units.virtual() ? "the pool's own count of running units + 1 (no JDK count of virtual threads)"
                : "ThreadMXBean.getThreadCount() (JVM daemon threads included, in the baseline too)";
    }

    static Thread unit(Runnable r) {
        RUNNING.incrementAndGet();
        return Units.go(() -> {
            try {
                r.run();
            } finally {
                RUNNING.decrementAndGet();
            }
        });
    }

    /** The section 10 program: returns the sum; `each` (if not null) sees every result. */
    static long pool(int numWorkers, int numJobs, LongConsumer each) throws InterruptedException {
        ArrayBlockingQueue<Long> jobs = new ArrayBlockingQueue<>(numJobs + numWorkers);
        ArrayBlockingQueue<Long> results = new ArrayBlockingQueue<>(numJobs + 1);
        WaitGroup wg = new WaitGroup();
        for (int w = 0; w < numWorkers; w++) {
            wg.add(1);
            unit(() -> {
                try {
                    for (long job; (job = jobs.take()) != CLOSED; ) {
                        results.put(job * job);
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } finally {
                    wg.done();
                }
            });
        }
        for (long j = 1; j <= numJobs; j++) {
            jobs.put(j);
        }
        for (int w = 0; w < numWorkers; w++) {
            jobs.put(CLOSED); // close(jobs): one end marker per worker
        }
        unit(() -> {
            try {
                wg.await_();
                results.put(CLOSED); // close(results) once every worker is done
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        long total = 0;
        for (long r; (r = results.take()) != CLOSED; ) {
            total += r;
            if (each != null) {
                each.accept(r);
            }
        }
        return total;
    }

    static long sumSquares(long n) {
        return n * (n + 1) * (2 * n + 1) / 6;
    }

    static Map<String, Object> poolResult(Params p) throws Exception {
        int workers = p.i("workers", 5), jobs = p.i("jobs", 20);
        long seed = p.l("seed", 1);
        long[] plan = {0};
        long total = pool(workers, jobs, r -> plan[0] += Plan.term(seed, 0, 0, r));
        return Obs.of("total", total, "expected", sumSquares(jobs), "plan_digest", Plan.hex(plan[0]),
                "state_digest", Plan.hex(Plan.term(seed, 0, 1, total)));
    }

    // poolBounded: the consumer samples the live count after every sample_every results.
    static Map<String, Object> poolBounded(Params p) throws Exception {
        int workers = p.i("workers", 5), jobs = p.i("jobs", 100_000), every = p.i("sample_every", 100);
        long seed = p.l("seed", 1);
        int baseline = live();
        int[] peak = {baseline}, got = {0}, samples = {0};
        long[] plan = {0};
        long total = pool(workers, jobs, r -> {
            plan[0] += Plan.term(seed, 0, 0, r);
            if (++got[0] % every == 0) {
                peak[0] = Math.max(peak[0], live());
                samples[0]++;
            }
        });
        return Obs.of("peak_live", peak[0], "baseline", baseline, "workers", workers, "samples", samples[0],
                "total", total, "expected", sumSquares(jobs), "plan_digest", Plan.hex(plan[0]),
                "state_digest", Plan.hex(Plan.term(seed, 0, 1, total)), "live_count", liveCount());
    }

    static Map<String, Object> workerPool(Params p) throws Exception {
        int workers = p.i("workers", 8), jobs = p.i("jobs", 100_000);
        long seed = p.l("seed", 1);
        long[] total = {0};
        Measure.Clock c = Measure.clock(() -> total[0] = pool(workers, jobs, null));
        return Obs.of("seconds", c.wall(), "cpu_seconds", c.cpu(), "ops", jobs,
                "ns_per_job", c.wall() / jobs * 1e9, "total", total[0], "gomaxprocs", Main.gomaxprocs(),
                "state_digest", Plan.hex(Plan.term(seed, 0, 1, total[0])));
    }
}
