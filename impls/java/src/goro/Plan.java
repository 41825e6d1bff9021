package goro;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The shared work plan (suite/plan.py, ported function by function): SplitMix64 draws decide every
 * op, key and slot, and digests (sums mod 2^64 of terms, 16 hex digits) show that this backend did
 * the same work as the spec. Java long arithmetic wraps modulo 2^64 like Python's "& MASK"; the
 * right shifts are unsigned (>>>) and remainders of draws are unsigned (Long.remainderUnsigned).
 */
public final class Plan {
    public static final long GOLDEN = 0x9E3779B97F4A7C15L;
    public static final int READ = 0, WRITE = 1;

    private Plan() {}

    /** One SplitMix64 step from state x. */
    public static long mix(long x) {
        long z = x + GOLDEN;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** The random word of op i of worker w. */
    public static long draw(long seed, long w, long i) {
        return mix(seed ^ (w << 40) ^ i);
    }

    /** One unit of work's contribution to a digest: worker/trial w, op/unit i, outcome v. */
    public static long term(long seed, long w, long i, long v) {
        return mix(draw(seed, w, i) ^ v);
    }

    /** A digest as 16 lowercase hex digits. */
    public static String hex(long x) {
        return String.format("%016x", x);
    }

    /** Ops per worker: the total rounded up to a multiple of workers. */
    public static int opsEach(long total, int workers) {
        return (int) ((total + workers - 1) / workers);
    }

    /** An unsigned remainder of a draw (a draw is a 64-bit unsigned word). */
    public static long urem(long r, long m) {
        return Long.remainderUnsigned(r, m);
    }

    /** rw_vs_mutex's op i of worker w: {READ when r%100 < readPct else WRITE, (r>>>32) % keys}. */
    public static int[] rwOp(long seed, int w, int i, int readPct, int keys) {
        long r = draw(seed, w, i);
        int kind = urem(r, 100) < readPct ? READ : WRITE;
        return new int[] {kind, (int) ((r >>> 32) % keys)};
    }

    /** rw_writer_exclusive's op: {WRITE when r%100 < writePct else READ, (r>>>32) % slots}. */
    public static int[] writerOp(long seed, int w, int i, int writePct, int slots) {
        long r = draw(seed, w, i);
        int kind = urem(r, 100) < writePct ? WRITE : READ;
        return new int[] {kind, (int) ((r >>> 32) % slots)};
    }

    /** An op rule: rwOp or writerOp. */
    public interface OpRule {
        int[] op(long seed, int w, int i, int pct, int keys);
    }

    /** Worker w's op array (kinds[i], keys[i]), built before the timed section. */
    public static int[][] planOps(OpRule rule, long seed, int w, int n, int pct, int keys) {
        int[] kinds = new int[n], ks = new int[n];
        for (int i = 0; i < n; i++) {
            int[] o = rule.op(seed, w, i, pct, keys);
            kinds[i] = o[0];
            ks[i] = o[1];
        }
        return new int[][] {kinds, ks};
    }

    /** rw_vs_mutex's read: chain dependent loads over the table, starting at key. */
    public static long readSection(long[] table, int key, int chain) {
        long h = key, size = table.length;
        for (int k = 0; k < chain; k++) {
            h = h * 31 + table[(int) Long.remainderUnsigned(h + k, size)];
        }
        return h;
    }

    /** The first k ops as "R<key>"/"W<key>" strings. */
    public static List<String> traceOf(int[][] ops, int k) {
        int n = Math.min(k, ops[0].length);
        List<String> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            out.add((ops[0][i] == WRITE ? "W" : "R") + ops[1][i]);
        }
        return out;
    }

    /** The digest of a table's final values: the sum of term(seed, 0, j, table[j]). */
    public static String tableDigest(long seed, long[] table) {
        long acc = 0;
        for (int j = 0; j < table.length; j++) {
            acc += term(seed, 0, j, table[j]);
        }
        return hex(acc);
    }

    /** Units 0..count-1 of worker w each done once with outcome v. */
    public static String seqDigest(long seed, long count, long w, long v) {
        long acc = 0;
        for (long i = 0; i < count; i++) {
            acc += term(seed, w, i, v);
        }
        return hex(acc);
    }

    /**
     * An order-independent digest accumulator, safe to add to from many units at once (an
     * AtomicLong: getAndAdd wraps modulo 2^64 like the spec's sum). A hot loop should sum into a
     * local long and add it once at the end.
     */
    public static final class Digest {
        private final AtomicLong acc = new AtomicLong();

        public void add(long term) {
            acc.getAndAdd(term);
        }

        public long value() {
            return acc.get();
        }

        public String hex() {
            return Plan.hex(acc.get());
        }
    }
}
