package goro;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

/**
 * §7 Deadlock in Java. The JVM has no global deadlock detector that ends a program: two units
 * that take two locks in opposite orders wait forever, and main with them. So the units wait
 * without a timeout, as the article's program does (lockInterruptibly, which is lock() plus
 * interruptibility), main waits for them with a bound, and at the bound the JVM's own tool for
 * lock cycles, ThreadMXBean.findDeadlockedThreads (what jstack's "Found one Java-level deadlock"
 * uses), is asked; then main interrupts both units to clean up. That tool sees platform threads
 * only (the management API does not list virtual threads), which the observables show.
 */
final class Deadlock {
    private Deadlock() {}

    static void register(Map<String, Scenario> reg) {
        reg.put("lock_order_inversion", Deadlock::lockOrderInversion);
        reg.put("consistent_order", Deadlock::consistentOrder);
    }

    /** A sleep of us microseconds (Thread.sleep takes millis and nanos). */
    static void sleepUs(long us) throws InterruptedException {
        Thread.sleep(us / 1000, (int) (us % 1000) * 1000);
    }

    /** first, pause, second; finished[me] is set when both were held. Interrupt ends the wait. */
    private static Runnable lockBoth(ReentrantLock first, ReentrantLock second, long pauseUs,
            String[] state, int me) {
        return () -> {
            try {
                first.lockInterruptibly();
                try {
                    sleepUs(pauseUs);
                    state[me] = "waiting";
                    second.lockInterruptibly(); // no timeout: the article's unit waits forever
                    try {
                        state[me] = "done";
                    } finally {
                        second.unlock();
                    }
                } finally {
                    first.unlock();
                }
            } catch (InterruptedException e) {
                state[me] = state[me] == null ? "interrupted" : "interrupted while " + state[me];
            }
        };
    }

    static Map<String, Object> lockOrderInversion(Params p) throws Exception {
        int pauseMs = p.i("pause_ms", 10), timeoutMs = p.i("timeout_ms", 1000);
        ReentrantLock m1 = new ReentrantLock(), m2 = new ReentrantLock();
        String[] state = new String[2]; // written by the units; read after join
        Thread a = Units.go(lockBoth(m1, m2, pauseMs * 1000L, state, 0));
        Thread b = Units.go(lockBoth(m2, m1, pauseMs * 1000L, state, 1));
        a.setName("A");
        b.setName("B");
        long start = System.nanoTime();
        // main waits for both, bounded like Go's child: the pauses plus timeout_ms
        long deadline = start + (2L * pauseMs + timeoutMs) * 1_000_000L;
        for (Thread t : new Thread[] {a, b}) {
            long left = deadline - System.nanoTime();
            if (left > 0) {
                t.join(left / 1_000_000L, (int) (left % 1_000_000L));
            }
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        List<Map<String, Object>> atDeadline = new ArrayList<>();
        int stillBlocked = 0;
        for (Thread t : new Thread[] {a, b}) {
            Thread.State st = t.getState();
            StackTraceElement[] stack = t.getStackTrace();
            String top = "";
            for (StackTraceElement e : stack) { // the first frame of ours or of the lock
                if (e.getClassName().startsWith("java.util.concurrent.locks.ReentrantLock")
                        || e.getClassName().startsWith("goro.")) {
                    top = e.getClassName() + "." + e.getMethodName();
                    break;
                }
            }
            atDeadline.add(Obs.of("name", t.getName(), "state", st.toString(), "in", top));
            if (t.isAlive() && (st == Thread.State.WAITING || st == Thread.State.TIMED_WAITING)) {
                stillBlocked++;
            }
        }
        // the JVM's own lock-cycle finder, asked while both still wait
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        long[] ids = mx.findDeadlockedThreads();
        List<Map<String, Object>> blocked = new ArrayList<>();
        List<String> lines = new ArrayList<>();
        if (ids != null) {
            for (ThreadInfo info : mx.getThreadInfo(ids)) {
                if (info == null) {
                    continue;
                }
                blocked.add(Obs.of("id", info.getThreadId(), "name", info.getThreadName(),
                        "reason", info.getThreadState() + " on " + info.getLockName()
                                + " owned by \"" + info.getLockOwnerName() + "\""));
                lines.add(info.toString().split("\n", 2)[0]);
            }
        }
        boolean detected = !blocked.isEmpty();
        // clean-up: interrupt is Java's way to end a wait that has no timeout
        a.interrupt();
        b.interrupt();
        Mutexes.join(a, "lock_order_inversion");
        Mutexes.join(b, "lock_order_inversion");
        int finished = 0;
        for (String s : state) {
            finished += "done".equals(s) ? 1 : 0;
        }
        return Obs.of("deadlocked", finished < 2 && stillBlocked == 2, "detected", detected,
                "message", detected ? String.join("\n", lines) : null,
                "blocked", detected ? blocked : null,
                "finished_units", finished, "units_at_deadline", atDeadline,
                "after_clean_up", List.of(String.valueOf(state[0]), String.valueOf(state[1])),
                "seconds_to_verdict", seconds,
                "detector", "ThreadMXBean.findDeadlockedThreads, asked at the deadline (the JVM "
                        + "never reports a deadlock by itself; the tool sees platform threads only)");
    }

    /**
     * Both units take m1 then m2 (the §7-1 fix), with a pause between; each trial's wait is
     * bounded (1 s + 4 pauses), and a unit still waiting then is interrupted.
     */
    static Map<String, Object> consistentOrder(Params p) throws Exception {
        int trials = p.i("trials", 1000), pauseUs = p.i("pause_us", 10);
        long seed = p.l("seed", 1);
        long boundNs = 1_000_000_000L + 4L * pauseUs * 1000;
        int finished = 0;
        long plan = 0; // term(seed, t, u, 1) for each unit u that finished within the bound
        for (int t = 0; t < trials; t++) {
            ReentrantLock m1 = new ReentrantLock(), m2 = new ReentrantLock();
            ArrayBlockingQueue<Integer> done = new ArrayBlockingQueue<>(2);
            Thread[] units = new Thread[2];
            for (int u = 0; u < 2; u++) {
                int me = u;
                String[] state = new String[2];
                Runnable both = lockBoth(m1, m2, pauseUs, state, me); // always m1 first
                units[u] = Units.go(() -> {
                    both.run();
                    if ("done".equals(state[me])) {
                        done.offer(me);
                    }
                });
            }
            long deadline = System.nanoTime() + boundNs;
            int got = 0;
            while (got < 2) {
                Integer id = done.poll(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
                if (id == null) {
                    break;
                }
                plan += Plan.term(seed, t, id, 1);
                got++;
            }
            if (got == 2) {
                finished++;
            }
            for (Thread u : units) {
                u.interrupt(); // a no-op for a unit that finished
                Mutexes.join(u, "consistent_order");
            }
        }
        return Obs.of("trials", trials, "finished", finished, "plan_digest", Plan.hex(plan));
    }
}
