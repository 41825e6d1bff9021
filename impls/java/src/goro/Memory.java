package goro;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * Section 1, threads vs goroutines: memory of parked units, stack growth and overflow, and the
 * cost of spawning and switching (the Go model is impls/golang/src/memory.go).
 *
 * Design: "parked" is confirmed by the JVM itself: a unit is counted parked when its
 * Thread.getState() is WAITING (a virtual thread unmounted on a latch reports WAITING too), not
 * merely when it announced it is about to block. Platform threads stop short of the machine's
 * thread limit (Limits). Java stacks do not grow past their fixed size (-Xss for platform threads;
 * a virtual thread runs on its carrier's stack while mounted), so stack_growth reports a
 * StackOverflowError as its error when depth_kib does not fit, and stack_overflow shows that the
 * error is an ordinary, catchable Throwable that ends only the unit, not the process.
 */
final class Memory {
    private Memory() {}

    static void register(Map<String, Scenario> reg) {
        reg.put("parked", Memory::parked);
        reg.put("spawn_empty_wait", Memory::spawnEmptyWait);
        reg.put("stack_growth", Memory::stackGrowth);
        reg.put("stack_overflow", Memory::stackOverflow);
        reg.put("spawn", Memory::spawn);
        reg.put("pingpong_yield", Memory::pingpongYield);
        reg.put("pingpong_chan", Memory::pingpongChan);
        Main.CHILDREN.put("child:stack_overflow", Memory::overflowChild);
    }

    static final long BOUND_NS = TimeUnit.SECONDS.toNanos(60); // every wait here is bounded

    /** Waits (bounded) until every thread in ts is WAITING/TIMED_WAITING; returns how many are. */
    static int awaitParked(List<Thread> ts, long boundNs) {
        long deadline = System.nanoTime() + boundNs;
        int from = 0; // threads before `from` were seen parked and stay so until released
        while (from < ts.size()) {
            Thread.State s = ts.get(from).getState();
            if (s == Thread.State.WAITING || s == Thread.State.TIMED_WAITING) {
                from++;
            } else if (System.nanoTime() - deadline > 0) {
                break;
            } else {
                Thread.yield();
            }
        }
        return from;
    }

    // parked: n units each block on a latch nobody counts down until memory is read.
    static Map<String, Object> parked(Params p) throws Exception {
        int n = p.i("n", 100_000);
        int cap = Units.virtual() ? Integer.MAX_VALUE : Limits.platformThreads();
        CountDownLatch release = new CountDownLatch(1);
        List<Thread> units = new ArrayList<>(Math.min(n, cap));
        String error = null;
        Measure.gc();
        long rss0 = Measure.rss(), vm0 = Measure.vmSize();
        long t0 = System.nanoTime();
        try {
            for (int i = 0; i < n; i++) {
                if (units.size() >= cap) {
                    error = Limits.capMessage(cap, n);
                    break;
                }
                units.add(Units.go(() -> {
                    try {
                        release.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }));
            }
        } catch (OutOfMemoryError e) { // "unable to create native thread": verbatim
            error = e.toString();
        }
        int reached = awaitParked(units, BOUND_NS);
        double secondsToPark = (System.nanoTime() - t0) / 1e9;
        long rss1 = Measure.rss(), vm1 = Measure.vmSize();
        long heap = Measure.heapUsed();
        long osThreads = Measure.threads();
        if (error == null && reached < units.size()) {
            error = (units.size() - reached) + " units never parked within 60 s";
        }
        release.countDown();
        for (Thread t : units) {
            t.join(TimeUnit.NANOSECONDS.toMillis(BOUND_NS));
        }
        int per = Math.max(reached, 1);
        return Obs.of("requested", n, "reached", reached, "error", error,
                "rss_before", rss0, "rss_parked", rss1, "vm_before", vm0, "vm_parked", vm1,
                "rss_per_unit", (double) (rss1 - rss0) / per, "vm_per_unit", (double) (vm1 - vm0) / per,
                "runtime_stack_bytes", null, // the JVM reports no stack total for either kind
                "runtime_heap_bytes", heap, "seconds_to_park", secondsToPark,
                "os_threads_parked", osThreads, "gomaxprocs", Main.gomaxprocs(),
                "unit_kind", Units.kind());
    }

    // spawnEmptyWait is the article's program: n empty units, a WaitGroup, then the memory.
    static Map<String, Object> spawnEmptyWait(Params p) throws Exception {
        int n = p.i("n", 100_000);
        long seed = p.l("seed", 1);
        Measure.gc();
        long rss0 = Measure.rss();
        WaitGroup wg = new WaitGroup();
        long spawned = 0;
        for (int i = 0; i < n; i++) {
            wg.add(1);
            Units.go(wg::done);
            spawned++;
        }
        wg.await_();
        long rss1 = Measure.rss();
        return Obs.of("n", n, "rss_before", rss0, "rss_after", rss1, "rss_delta", rss1 - rss0,
                "runtime_heap_bytes", Measure.heapUsed(),
                "plan_digest", Plan.seqDigest(seed, spawned, 0, 0));
    }

    /** RSS read in the deepest frame of the recursion. */
    static final AtomicLong DEEP_RSS = new AtomicLong();

    /**
     * One frame of at least 1 KiB: 128 long locals, all live across the recursive call (they are
     * summed after it), so the compiled frame must keep them on the stack (the interpreter's frame
     * is larger still: a long takes two 8-byte slots). Returns the frames reached below it.
     */
    static long frame(int depth, long[] frames) {
        long d = depth;
        long v0 = d * 1L;
        long v1 = d * 2L;
        long v2 = d * 3L;
        long v3 = d * 4L;
        long v4 = d * 5L;
        long v5 = d * 6L;
        long v6 = d * 7L;
        long v7 = d * 8L;
        long v8 = d * 9L;
        long v9 = d * 10L;
        long v10 = d * 11L;
        long v11 = d * 12L;
        long v12 = d * 13L;
        long v13 = d * 14L;
        long v14 = d * 15L;
        long v15 = d * 16L;
        long v16 = d * 17L;
        long v17 = d * 18L;
        long v18 = d * 19L;
        long v19 = d * 20L;
        long v20 = d * 21L;
        long v21 = d * 22L;
        long v22 = d * 23L;
        long v23 = d * 24L;
        long v24 = d * 25L;
        long v25 = d * 26L;
        long v26 = d * 27L;
        long v27 = d * 28L;
        long v28 = d * 29L;
        long v29 = d * 30L;
        long v30 = d * 31L;
        long v31 = d * 32L;
        long v32 = d * 33L;
        long v33 = d * 34L;
        long v34 = d * 35L;
        long v35 = d * 36L;
        long v36 = d * 37L;
        long v37 = d * 38L;
        long v38 = d * 39L;
        long v39 = d * 40L;
        long v40 = d * 41L;
        long v41 = d * 42L;
        long v42 = d * 43L;
        long v43 = d * 44L;
        long v44 = d * 45L;
        long v45 = d * 46L;
        long v46 = d * 47L;
        long v47 = d * 48L;
        long v48 = d * 49L;
        long v49 = d * 50L;
        long v50 = d * 51L;
        long v51 = d * 52L;
        long v52 = d * 53L;
        long v53 = d * 54L;
        long v54 = d * 55L;
        long v55 = d * 56L;
        long v56 = d * 57L;
        long v57 = d * 58L;
        long v58 = d * 59L;
        long v59 = d * 60L;
        long v60 = d * 61L;
        long v61 = d * 62L;
        long v62 = d * 63L;
        long v63 = d * 64L;
        long v64 = d * 65L;
        long v65 = d * 66L;
        long v66 = d * 67L;
        long v67 = d * 68L;
        long v68 = d * 69L;
        long v69 = d * 70L;
        long v70 = d * 71L;
        long v71 = d * 72L;
        long v72 = d * 73L;
        long v73 = d * 74L;
        long v74 = d * 75L;
        long v75 = d * 76L;
        long v76 = d * 77L;
        long v77 = d * 78L;
        long v78 = d * 79L;
        long v79 = d * 80L;
        long v80 = d * 81L;
        long v81 = d * 82L;
        long v82 = d * 83L;
        long v83 = d * 84L;
        long v84 = d * 85L;
        long v85 = d * 86L;
        long v86 = d * 87L;
        long v87 = d * 88L;
        long v88 = d * 89L;
        long v89 = d * 90L;
        long v90 = d * 91L;
        long v91 = d * 92L;
        long v92 = d * 93L;
        long v93 = d * 94L;
        long v94 = d * 95L;
        long v95 = d * 96L;
        long v96 = d * 97L;
        long v97 = d * 98L;
        long v98 = d * 99L;
        long v99 = d * 100L;
        long v100 = d * 101L;
        long v101 = d * 102L;
        long v102 = d * 103L;
        long v103 = d * 104L;
        long v104 = d * 105L;
        long v105 = d * 106L;
        long v106 = d * 107L;
        long v107 = d * 108L;
        long v108 = d * 109L;
        long v109 = d * 110L;
        long v110 = d * 111L;
        long v111 = d * 112L;
        long v112 = d * 113L;
        long v113 = d * 114L;
        long v114 = d * 115L;
        long v115 = d * 116L;
        long v116 = d * 117L;
        long v117 = d * 118L;
        long v118 = d * 119L;
        long v119 = d * 120L;
        long v120 = d * 121L;
        long v121 = d * 122L;
        long v122 = d * 123L;
        long v123 = d * 124L;
        long v124 = d * 125L;
        long v125 = d * 126L;
        long v126 = d * 127L;
        long v127 = d * 128L;
        long below;
        if (depth <= 1) {
            DEEP_RSS.set(Measure.rss());
            below = 0;
        } else {
            below = frame(depth - 1, frames);
        }
        frames[0]++;
        Measure.keep(0
                + v0 + v1 + v2 + v3 + v4 + v5 + v6 + v7 + v8 + v9 + v10 + v11 + v12 + v13 + v14 + v15
                + v16 + v17 + v18 + v19 + v20 + v21 + v22 + v23 + v24 + v25 + v26 + v27 + v28 + v29 + v30 + v31
                + v32 + v33 + v34 + v35 + v36 + v37 + v38 + v39 + v40 + v41 + v42 + v43 + v44 + v45 + v46 + v47
                + v48 + v49 + v50 + v51 + v52 + v53 + v54 + v55 + v56 + v57 + v58 + v59 + v60 + v61 + v62 + v63
                + v64 + v65 + v66 + v67 + v68 + v69 + v70 + v71 + v72 + v73 + v74 + v75 + v76 + v77 + v78 + v79
                + v80 + v81 + v82 + v83 + v84 + v85 + v86 + v87 + v88 + v89 + v90 + v91 + v92 + v93 + v94 + v95
                + v96 + v97 + v98 + v99 + v100 + v101 + v102 + v103 + v104 + v105 + v106 + v107 + v108 + v109 + v110 + v111
                + v112 + v113 + v114 + v115 + v116 + v117 + v118 + v119 + v120 + v121 + v122 + v123 + v124 + v125 + v126 + v127);
        return below + 1;
    }

    // stackGrowth: a unit recurses through depth_kib frames of 1 KiB while `idle` units stay parked.
    static Map<String, Object> stackGrowth(Params p) throws Exception {
        int depth = p.i("depth_kib", 256), idleN = p.i("idle", 100);
        CountDownLatch release = new CountDownLatch(1);
        List<Thread> idle = new ArrayList<>();
        for (int i = 0; i < idleN; i++) {
            idle.add(Units.go(() -> {
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }));
        }
        int parked = awaitParked(idle, BOUND_NS);
        long[] frames = {0};
        long[] rssBefore = {0};
        String[] error = {null};
        Thread deep = Units.go(() -> {
            rssBefore[0] = Measure.rss();
            try {
                frame(depth, frames);
            } catch (StackOverflowError e) {
                error[0] = e + " after " + frames[0] + " frames of the " + depth + " asked";
            }
        });
        deep.join();
        release.countDown();
        for (Thread t : idle) {
            t.join(TimeUnit.NANOSECONDS.toMillis(BOUND_NS));
        }
        boolean ok = error[0] == null && frames[0] == depth;
        return Obs.of("ok", ok, "recursed_bytes", frames[0] * 1024, "error", error[0],
                "rss_growth", ok ? DEEP_RSS.get() - rssBefore[0] : null,
                "rss_before_recursion", rssBefore[0], "rss_deepest_frame", ok ? DEEP_RSS.get() : null,
                "idle_units", idleN, "idle_parked", parked, "unit_kind", Units.kind());
    }

    static long forever(long n) {
        return forever(n + 1) + 1;
    }

    /** The child: a unit recurses without bound and nothing catches the error. */
    static void overflowChild(String json) throws Exception {
        Thread t = Units.go(() -> Measure.keep(forever(0)));
        t.join();
        // the error ended the unit only: this JVM is still here to say so
        System.out.println("{\"survived\":true}");
    }

    // stackOverflow: the error as a user sees it (uncaught, from a child JVM), and whether it
    // can be caught in-process (frames reached before it).
    static Map<String, Object> stackOverflow(Params p) throws Exception {
        Child.Result r = Child.run("child:stack_overflow", "{}", 60_000);
        long[] depth = {0};
        String[] caught = {null};
        Thread t = Units.go(() -> {
            try {
                depth[0] = forever(0);
            } catch (StackOverflowError e) {
                caught[0] = e.toString();
            }
        });
        t.join();
        return Obs.of("clear_error", r.contains("java.lang.StackOverflowError"),
                "message", r.line("StackOverflowError"), "exit_code", r.exitCode(),
                "timed_out", r.timedOut(), "process_survived", r.stdout().contains("survived"),
                "caught_in_process", caught[0], "unit_kind", Units.kind());
    }

    // spawn: n empty units started and joined through one WaitGroup, after warmup_units untimed;
    // the same program as the WaitGroup benchmark, reported per spawn.
    static Map<String, Object> spawn(Params p) throws Exception {
        return WaitGroups.timedFan(p, "ns_per_spawn");
    }

    /**
     * pingpongYield: two units hand the processor to each other. Virtual threads: Thread.yield()
     * with one carrier (the launcher starts this scenario at parallelism 1, as Go's runs at
     * GOMAXPROCS=1), the runtime's own yield. Platform threads: Thread.yield() is only a hint to
     * the kernel and two threads on two cores would not take turns, so the lightest strict
     * hand-off the JDK offers stands in: LockSupport.unpark(the other) then park until it is our
     * turn again (a turn flag, since park may return spuriously).
     */
    static Map<String, Object> pingpongYield(Params p) throws Exception {
        int n = p.i("n", 200_000);
        long seed = p.l("seed", 1);
        int half = n / 2;
        long[] turns = new long[2];
        CountDownLatch gate = new CountDownLatch(1), exit = new CountDownLatch(1);
        WaitGroup finished = new WaitGroup();
        finished.add(2);
        Thread[] players = new Thread[2];
        java.util.concurrent.atomic.AtomicInteger turn = new java.util.concurrent.atomic.AtomicInteger(0);
        for (int side = 0; side < 2; side++) {
            final int me = side;
            players[side] = Units.go(() -> {
                try {
                    gate.await();
                } catch (InterruptedException e) {
                    return;
                }
                for (int i = 0; i < half; i++) {
                    if (Units.virtual()) {
                        Units.yield_();
                    } else {
                        while (turn.get() != me) {
                            LockSupport.park();
                        }
                        turn.set(1 - me);
                        LockSupport.unpark(players[1 - me]);
                    }
                    turns[me]++;
                }
                finished.done();
                stay(exit);
            });
        }
        Turns r = timeTurns(List.of(players), gate, finished, exit);
        Measure.Clock c = r.clock();
        long d = r.nvcsw();
        int ops = half * 2;
        return Obs.of("seconds", c.wall(), "cpu_seconds", c.cpu(), "ops", ops,
                "ns_per_switch", c.wall() / ops * 1e9, "nvcsw", d, "nvcsw_per_switch", (double) d / ops,
                "gomaxprocs", Main.gomaxprocs(),
                "handoff", Units.virtual() ? "Thread.yield()" : "LockSupport.park/unpark turn flag",
                "state_digest", Plan.hex(Plan.term(seed, 0, 0, turns[0]) + Plan.term(seed, 0, 1, turns[1])));
    }

    /** What timeTurns measured: the section's clock and the kernel's voluntary switches in it. */
    record Turns(Measure.Clock clock, long nvcsw) {}

    /**
     * The measurement around a ping-pong: once both units are parked at the gate, open it and time
     * until both have finished, counting the voluntary context switches meanwhile; then let the
     * units exit (see stay()) and join them.
     */
    static Turns timeTurns(List<Thread> units, CountDownLatch gate, WaitGroup finished,
            CountDownLatch exit) throws Exception {
        awaitParked(units, BOUND_NS);
        long cs = Measure.voluntarySwitches();
        Measure.Clock c = Measure.clock(() -> {
            gate.countDown();
            finished.await_();
        });
        long d = Measure.voluntarySwitches() - cs; // read while the units still live: see stay()
        exit.countDown();
        for (Thread t : units) {
            t.join();
        }
        return new Turns(c, d);
    }

    /**
     * A ping-pong unit stays alive after its last turn until the switches are read: the count is a
     * sum over the live threads' /proc status, and a platform thread that exited takes its
     * switches with it (getrusage, which keeps them, is not reachable from Java).
     */
    static void stay(CountDownLatch exit) {
        try {
            exit.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    static final int CLOSED = Integer.MIN_VALUE; // the close() of ping: the last message

    /**
     * pingpongChan: a client and a server unit bounce a ball over two SynchronousQueues (Java's
     * unbuffered channel: put waits for the taker) at one processor for virtual threads; the
     * server returns ball+1. Closing ping is a sentinel value after the last round.
     */
    static Map<String, Object> pingpongChan(Params p) throws Exception {
        int n = p.i("n", 200_000);
        long seed = p.l("seed", 1);
        int rounds = n / 2;
        SynchronousQueue<Integer> ping = new SynchronousQueue<>(), pong = new SynchronousQueue<>();
        CountDownLatch gate = new CountDownLatch(1), exit = new CountDownLatch(1);
        WaitGroup finished = new WaitGroup();
        finished.add(2);
        int[] ball = {0};
        Thread server = Units.go(() -> {
            try {
                gate.await();
                for (int v; (v = ping.take()) != CLOSED; ) {
                    pong.put(v + 1);
                }
                finished.done();
                stay(exit);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        Thread client = Units.go(() -> {
            try {
                gate.await();
                for (int i = 0; i < rounds; i++) {
                    ping.put(ball[0]);
                    ball[0] = pong.take();
                }
                ping.put(CLOSED);
                finished.done();
                stay(exit);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        Turns r = timeTurns(List.of(server, client), gate, finished, exit);
        Measure.Clock c = r.clock();
        long d = r.nvcsw();
        int ops = rounds * 2;
        return Obs.of("seconds", c.wall(), "cpu_seconds", c.cpu(), "ops", ops,
                "ns_per_message", c.wall() / ops * 1e9, "nvcsw", d, "nvcsw_per_message", (double) d / ops,
                "gomaxprocs", Main.gomaxprocs(), "substitutions", List.of(
                        "SynchronousQueue for the unbuffered channel; a sentinel value for close"),
                "state_digest", Plan.hex(Plan.term(seed, 0, 0, ball[0])));
    }
}
