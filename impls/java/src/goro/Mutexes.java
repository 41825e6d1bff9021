package goro;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * §6 Mutex and RWMutex in Java: ReentrantLock for sync.Mutex, ReentrantReadWriteLock for
 * sync.RWMutex, both non-fair (the JDK default, and like Go's normal mode a releasing holder may
 * barge ahead of queued waiters). Go's `defer mu.Unlock()` is Java's try/finally.
 *
 * Differences the observables show rather than hide: unlocking a lock nobody holds is not fatal in
 * Java (ReentrantLock.unlock throws IllegalMonitorStateException, a catchable exception), and the
 * locks are reentrant, which Go's are not (no scenario here re-locks).
 *
 * join() and holdAtOnce() at the end are shared by J2's other section files.
 */
final class Mutexes {
    private Mutexes() {}

    static void register(Map<String, Scenario> reg) {
        reg.put("mutex_counter", Mutexes::mutexCounter);
        reg.put("mutex_unlock_on_panic", p -> mutexUnlockOnPanic());
        reg.put("mutex_unlock_unlocked", p -> mutexUnlockUnlocked());
        reg.put("rw_readers_share", Mutexes::rwReadersShare);
        reg.put("rw_writer_exclusive", Mutexes::rwWriterExclusive);
        reg.put("rw_vs_mutex", Mutexes::rwVsMutex);
        reg.put("mutex_uncontended", Mutexes::mutexUncontended);
        reg.put("mutex_contended", Mutexes::mutexContended);
    }

    /** The article's §6 SafeCounter; plan is the trial's digest, also added under the lock. */
    static final class SafeCounter {
        final ReentrantLock mu = new ReentrantLock();
        long count;
        long plan;

        void increment() {
            mu.lock();
            try {
                count++;
            } finally {
                mu.unlock();
            }
        }

        long value() {
            mu.lock();
            try {
                return count;
            } finally {
                mu.unlock();
            }
        }
    }

    /** units units each increment units x increments times; the plan digest of trial t as Go's. */
    static SafeCounter mutexTrial(long seed, int t, int units, int increments)
            throws InterruptedException {
        WaitGroup wg = new WaitGroup();
        SafeCounter counter = new SafeCounter();
        for (int u = 0; u < units; u++) {
            int unit = u;
            wg.add(1);
            Units.go(() -> {
                try {
                    for (int j = 0; j < increments; j++) {
                        counter.increment();
                    }
                    counter.mu.lock();
                    try {
                        counter.plan += Plan.term(seed, t, unit, increments);
                    } finally {
                        counter.mu.unlock();
                    }
                } finally {
                    wg.done();
                }
            });
        }
        wg.await_();
        return counter;
    }

    static Map<String, Object> mutexCounter(Params p) throws Exception {
        int units = p.i("units", 1000), incs = p.i("increments", 1), trials = p.i("trials", 1000);
        long seed = p.l("seed", 1);
        int exact = 0;
        long plan = 0, state = 0;
        for (int t = 0; t < trials; t++) {
            SafeCounter c = mutexTrial(seed, t, units, incs);
            long fin = c.value();
            if (fin == (long) units * incs) {
                exact++;
            }
            c.mu.lock(); // the units' last writes of plan happened under this lock
            try {
                plan += c.plan;
            } finally {
                c.mu.unlock();
            }
            state += Plan.term(seed, t, units, fin);
        }
        return Obs.of("trials", trials, "exact_trials", exact, "gomaxprocs", Main.gomaxprocs(),
                "plan_digest", Plan.hex(plan), "state_digest", Plan.hex(state));
    }

    /** The section throws with the lock held; finally unlocks it while the exception unwinds. */
    static Map<String, Object> mutexUnlockOnPanic() throws Exception {
        ReentrantLock mu = new ReentrantLock();
        boolean[] seen = new boolean[2]; // panicked, recovered; published by join()
        Thread unit = Units.go(() -> {
            try {
                mu.lock();
                try {
                    seen[0] = true;
                    throw new IllegalStateException("inside the critical section");
                } finally {
                    mu.unlock(); // Go's defer mu.Unlock()
                }
            } catch (IllegalStateException e) { // Go's recover()
                seen[1] = true;
            }
        });
        join(unit, "mutex_unlock_on_panic");
        boolean[] acquired = new boolean[1];
        Thread other = Units.go(() -> {
            try { // bounded: a lock left held would show up as false here
                if (mu.tryLock(2, TimeUnit.SECONDS)) {
                    mu.unlock();
                    acquired[0] = true;
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        join(other, "mutex_unlock_on_panic");
        return Obs.of("panicked", seen[0], "recovered", seen[1], "lock_free_after", acquired[0],
                "idiom", "try { ... } finally { mu.unlock(); }");
    }

    /**
     * Go makes this a fatal error; Java throws IllegalMonitorStateException from unlock, which the
     * caller may catch: the process goes on (fatal=false). The ReentrantReadWriteLock's write and
     * read locks are tried too, as extra evidence.
     */
    static Map<String, Object> mutexUnlockUnlocked() {
        Map<String, Object> out = Obs.of("raised", false, "error", null, "fatal", false);
        try {
            new ReentrantLock().unlock();
        } catch (IllegalMonitorStateException e) {
            out.put("raised", true);
            out.put("error", e.toString());
        }
        ReentrantReadWriteLock rw = new ReentrantReadWriteLock();
        out.put("rw_write_unlock_error", unlockError(rw.writeLock()));
        out.put("rw_read_unlock_error", unlockError(rw.readLock()));
        return out;
    }

    private static String unlockError(Lock l) {
        try {
            l.unlock();
            return null;
        } catch (IllegalMonitorStateException e) {
            return e.toString();
        }
    }

    /**
     * Every reader holds the read lock while it waits at a barrier of all readers (a latch,
     * bounded at 2 s), so the peak count inside is the real number of simultaneous holders.
     */
    static Map<String, Object> rwReadersShare(Params p) throws Exception {
        int readers = p.i("readers", 10);
        holdAtOnce(readers);
        ReentrantReadWriteLock rw = new ReentrantReadWriteLock();
        AtomicLong inside = new AtomicLong(), peak = new AtomicLong();
        CountDownLatch all = new CountDownLatch(readers);
        boolean[] broken = new boolean[readers];
        WaitGroup wg = new WaitGroup();
        wg.add(readers);
        for (int i = 0; i < readers; i++) {
            int me = i;
            Units.go(() -> {
                try {
                    rw.readLock().lock();
                    try {
                        long now = inside.incrementAndGet();
                        peak.accumulateAndGet(now, Math::max);
                        all.countDown();
                        // bounded: a lock that admitted one reader at a time times out here
                        broken[me] = !all.await(2, TimeUnit.SECONDS);
                        inside.decrementAndGet();
                    } finally {
                        rw.readLock().unlock();
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } finally {
                    wg.done();
                }
            });
        }
        wg.await_();
        boolean anyBroken = false;
        for (boolean b : broken) {
            anyBroken |= b;
        }
        return Obs.of("peak_readers", peak.get(), "readers", readers, "barrier_timed_out", anyBroken);
    }

    /** The digest of every op of the plans: term(seed, w, i, kind<<32 | key). */
    static String planDigest(long seed, int[][][] plans) {
        long acc = 0;
        for (int w = 0; w < plans.length; w++) {
            int[] kinds = plans[w][0], keys = plans[w][1];
            for (int i = 0; i < kinds.length; i++) {
                acc += Plan.term(seed, w, i, (long) kinds[i] << 32 | keys[i]);
            }
        }
        return Plan.hex(acc);
    }

    static List<List<String>> traces(int[][][] plans, int k) {
        List<List<String>> out = new ArrayList<>();
        for (int[][] ops : plans) {
            out.add(Plan.traceOf(ops, k));
        }
        return out;
    }

    /**
     * Workers follow the plan (Plan.writerOp) with `procs` carriers (virtual) or as OS threads
     * (platform); every section announces itself, a writer checks it is alone before and after
     * yielding inside its section, a reader checks no writer is inside.
     */
    static Map<String, Object> rwWriterExclusive(Params p) throws Exception {
        long ops = p.l("ops", 100_000);
        int workers = p.i("workers", 8), writePct = p.i("write_pct", 10);
        int slots = p.i("slots", 64), yieldEvery = p.i("yield_every", 64);
        long seed = p.l("seed", 1);
        int trace = p.i("trace", 0);
        int each = Plan.opsEach(ops, workers);
        int[][][] plans = new int[workers][][];
        for (int w = 0; w < workers; w++) {
            plans[w] = Plan.planOps(Plan::writerOp, seed, w, each, writePct, slots);
        }
        long[] counts = new long[slots]; // written only under the write lock
        ReentrantReadWriteLock rw = new ReentrantReadWriteLock();
        AtomicLong readersIn = new AtomicLong(), writersIn = new AtomicLong();
        AtomicLong violations = new AtomicLong();
        WaitGroup wg = new WaitGroup();
        wg.add(workers);
        for (int w = 0; w < workers; w++) {
            int[] kinds = plans[w][0], keys = plans[w][1];
            Units.go(() -> {
                try {
                    for (int i = 0; i < kinds.length; i++) {
                        if (kinds[i] == Plan.WRITE) {
                            rw.writeLock().lock();
                            try {
                                if (writersIn.incrementAndGet() != 1 || readersIn.get() != 0) {
                                    violations.incrementAndGet();
                                }
                                Units.yield_(); // let others try to get in while we hold it
                                if (writersIn.get() != 1 || readersIn.get() != 0) {
                                    violations.incrementAndGet();
                                }
                                counts[keys[i]]++;
                                writersIn.decrementAndGet();
                            } finally {
                                rw.writeLock().unlock();
                            }
                        } else {
                            rw.readLock().lock();
                            try {
                                readersIn.incrementAndGet();
                                if (writersIn.get() != 0) {
                                    violations.incrementAndGet();
                                }
                                readersIn.decrementAndGet();
                            } finally {
                                rw.readLock().unlock();
                            }
                        }
                        if (i % yieldEvery == yieldEvery - 1) {
                            Units.yield_();
                        }
                    }
                } finally {
                    wg.done();
                }
            });
        }
        wg.await_();
        Map<String, Object> out = Obs.of("ops", (long) each * workers, "violations", violations.get(),
                "workers", workers, "gomaxprocs", Main.gomaxprocs(),
                "plan_digest", planDigest(seed, plans),
                "state_digest", Plan.tableDigest(seed, counts));
        if (trace > 0) {
            out.put("trace", traces(plans, trace));
        }
        return out;
    }

    /**
     * Workers follow the plan (Plan.rwOp): reads are `chain` dependent loads over the table under
     * the read lock, writes bump one word under the write lock, with a ReentrantReadWriteLock
     * (rw=1) or a ReentrantLock taken by readers and writers alike (rw=0). The table is reset
     * before each run; `warmup` untimed runs (they are also the JIT's warm-up), then one timed.
     */
    static Map<String, Object> rwVsMutex(Params p) throws Exception {
        long n = p.l("n", 200_000);
        int readPct = p.i("read_pct", 95), rwFlag = p.i("rw", 1);
        int workers = p.i("workers", 4), size = p.i("table", 1024), chain = p.i("chain", 256);
        int warmup = p.i("warmup", 1);
        long seed = p.l("seed", 1);
        int trace = p.i("trace", 0);
        int each = Plan.opsEach(n, workers);
        int[][][] plans = new int[workers][][]; // built before anything is timed
        for (int w = 0; w < workers; w++) {
            plans[w] = Plan.planOps(Plan::rwOp, seed, w, each, readPct, size);
        }
        ReentrantReadWriteLock rw = new ReentrantReadWriteLock();
        ReentrantLock mu = new ReentrantLock();
        Lock wlock = rwFlag == 1 ? rw.writeLock() : mu, rlock = rwFlag == 1 ? rw.readLock() : mu;
        long[] table = new long[size];
        Measure.Section run = () -> {
            WaitGroup wg = new WaitGroup();
            wg.add(workers);
            for (int w = 0; w < workers; w++) {
                int[] kinds = plans[w][0], keys = plans[w][1];
                Units.go(() -> {
                    try {
                        long s = 0;
                        for (int i = 0; i < kinds.length; i++) {
                            if (kinds[i] == Plan.READ) {
                                rlock.lock();
                                try {
                                    s += Plan.readSection(table, keys[i], chain);
                                } finally {
                                    rlock.unlock();
                                }
                            } else {
                                wlock.lock();
                                try {
                                    table[keys[i]]++;
                                } finally {
                                    wlock.unlock();
                                }
                            }
                        }
                        Measure.keep(s);
                    } finally {
                        wg.done();
                    }
                });
            }
            wg.await_();
        };
        Measure.Clock c = null;
        for (int r = 0; r <= warmup; r++) { // the last round is the timed one
            for (int j = 0; j < size; j++) {
                table[j] = j;
            }
            c = Measure.clock(run);
        }
        long total = (long) each * workers;
        Map<String, Object> out = Obs.of("seconds", c.wall(), "cpu_seconds", c.cpu(), "ops", total,
                "ns_per_op", c.wall() / total * 1e9, "workers", workers,
                "gomaxprocs", Main.gomaxprocs(),
                "lock", rwFlag == 1 ? "ReentrantReadWriteLock" : "ReentrantLock",
                "plan_digest", planDigest(seed, plans), "state_digest", Plan.tableDigest(seed, table));
        if (trace > 0) {
            out.put("trace", traces(plans, trace));
        }
        return out;
    }

    static Map<String, Object> mutexUncontended(Params p) throws Exception {
        long n = p.l("n", 1_000_000), seed = p.l("seed", 1);
        ReentrantLock mu = new ReentrantLock();
        long[] counter = new long[1];
        Measure.Clock c = Measure.clock(() -> {
            for (long i = 0; i < n; i++) {
                mu.lock();
                try {
                    counter[0]++;
                } finally {
                    mu.unlock();
                }
            }
        });
        return Obs.of("seconds", c.wall(), "cpu_seconds", c.cpu(), "ops", n,
                "ns_per_op", c.wall() / n * 1e9,
                "state_digest", Plan.hex(Plan.term(seed, 0, 0, counter[0])));
    }

    /**
     * units units each do n/units lock/++/unlock; each notes how many it did (one store after its
     * loop), and the digests are computed from those counts after timing.
     */
    static Map<String, Object> mutexContended(Params p) throws Exception {
        long n = p.l("n", 1_000_000);
        int units = p.i("units", 2);
        long seed = p.l("seed", 1);
        long per = n / units;
        if (per == 0) {
            throw new IllegalArgumentException(
                    "mutex_contended: n=" + n + " is less than units=" + units);
        }
        ReentrantLock mu = new ReentrantLock();
        long[] counter = new long[1];
        long[] did = new long[units];
        Measure.Clock c = Measure.clock(() -> {
            WaitGroup wg = new WaitGroup();
            wg.add(units);
            for (int u = 0; u < units; u++) {
                int me = u;
                Units.go(() -> {
                    try {
                        long i = 0;
                        for (; i < per; i++) {
                            mu.lock();
                            try {
                                counter[0]++;
                            } finally {
                                mu.unlock();
                            }
                        }
                        did[me] = i;
                    } finally {
                        wg.done();
                    }
                });
            }
            wg.await_();
        });
        long ops = per * units;
        if (counter[0] != ops) {
            throw new IllegalStateException("mutex_contended: counter " + counter[0] + " != " + ops);
        }
        long plan = 0;
        for (int u = 0; u < units; u++) {
            plan += Plan.term(seed, 0, u, did[u]);
        }
        return Obs.of("seconds", c.wall(), "cpu_seconds", c.cpu(), "ops", ops,
                "ns_per_op", c.wall() / ops * 1e9,
                "gomaxprocs", Main.gomaxprocs(), "plan_digest", Plan.hex(plan),
                "state_digest", Plan.hex(Plan.term(seed, 0, 0, counter[0])));
    }

    // ---- helpers shared by J2's section files ---------------------------------------------

    /**
     * For a scenario that holds `units` units alive at once: on platform threads, refuses (one
     * line, the harness's Limits message) a count past the room Limits leaves under the machine's
     * thread limits, rather than finding the limit by hitting it (pid_max is machine-wide).
     * Virtual threads are not OS threads: no cap.
     */
    static void holdAtOnce(long units) {
        if (Units.virtual()) {
            return;
        }
        int cap = Limits.platformThreads();
        if (units > cap) {
            throw new IllegalStateException(Limits.capMessage(cap, units));
        }
    }

    /** Joins a unit that must end on its own; 60 s bound, so a bug fails instead of hanging. */
    static void join(Thread t, String scenario) throws InterruptedException {
        t.join(60_000);
        if (t.isAlive()) {
            throw new IllegalStateException(scenario + ": a unit did not finish within 60 s");
        }
    }
}
