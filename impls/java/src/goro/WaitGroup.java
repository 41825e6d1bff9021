package goro;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.AbstractQueuedSynchronizer;

/**
 * Go's sync.WaitGroup: add(n), done(), await_().
 *
 * Base: an AbstractQueuedSynchronizer whose state is the counter, the way the JDK writes its own
 * latches (CountDownLatch is an AQS with a fixed start). The JDK alternatives fall short:
 * CountDownLatch cannot add after construction, and Phaser, which can register parties, caps them
 * at 65,535 (a scenario starts 100,000 units under one WaitGroup). await_ is a shared acquire that
 * succeeds when the counter is zero; add releases the waiters when it brings the counter to zero.
 * A counter below zero throws Go's message, as Go panics with it.
 */
public final class WaitGroup {
    private static final class Sync extends AbstractQueuedSynchronizer {
        private static final long serialVersionUID = 1L;

        @Override
        protected int tryAcquireShared(int ignored) {
            return getState() == 0 ? 1 : -1;
        }

        @Override
        protected boolean tryReleaseShared(int delta) {
            for (;;) {
                int c = getState();
                long next = (long) c + delta;
                if (next < 0) {
                    throw new Misuse("sync: negative WaitGroup counter");
                }
                if (next > Integer.MAX_VALUE) {
                    throw new Misuse("sync: WaitGroup counter overflow");
                }
                if (compareAndSetState(c, (int) next)) {
                    return next == 0; // wake the waiters only when the count reaches zero
                }
            }
        }

        int count() {
            return getState();
        }
    }

    private final Sync sync = new Sync();

    public void add(int delta) {
        sync.releaseShared(delta);
    }

    public void done() {
        sync.releaseShared(-1);
    }

    /** Blocks until the counter is zero (Go's Wait; "wait" is taken by Object). */
    public void await_() throws InterruptedException {
        sync.acquireSharedInterruptibly(1);
    }

    /** Waits at most the given time; returns whether the counter reached zero. */
    public boolean await_(long timeout, TimeUnit unit) throws InterruptedException {
        return sync.tryAcquireSharedNanos(1, unit.toNanos(timeout));
    }

    /** The counter now (for reports; racy by nature). */
    public int count() {
        return sync.count();
    }
}
