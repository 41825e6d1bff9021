package goro;

import java.util.Map;
import java.util.TreeMap;

/**
 * The scenario's JSON params. Every value read through i() or l() is recorded and returned as
 * "effective", so the suite can check the program used what it asked for (a constant standing in
 * for a param would show up there). Params arrive validated by the Python side; the defaults only
 * make the program usable by hand.
 */
public final class Params {
    private final Map<String, Object> values;
    private final Map<String, Object> effective = new TreeMap<>();

    public Params(Map<String, Object> values) {
        this.values = values;
    }

    /** The integer param key, or def when absent or null; recorded in effective. */
    public int i(String key, int def) {
        long v = l(key, def);
        if (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("param " + key + " does not fit an int: " + v);
        }
        return (int) v;
    }

    /** The integer param key as a long, or def when absent or null; recorded in effective. */
    public long l(String key, long def) {
        Object v = values.get(key);
        long n;
        if (v == null) {
            n = def;
        } else if (v instanceof Long x) {
            n = x;
        } else if (v instanceof Double d && d == Math.rint(d) && !Double.isInfinite(d)) {
            n = d.longValue();
        } else {
            throw new IllegalArgumentException("param " + key + " must be an integer, got " + v);
        }
        synchronized (effective) {
            effective.put(key, n);
        }
        return n;
    }

    /** Whether key is present with a non-null value. */
    public boolean has(String key) {
        return values.get(key) != null;
    }

    /** The values read so far, for the "effective" observable. */
    Map<String, Object> effective() {
        synchronized (effective) {
            return new TreeMap<>(effective);
        }
    }
}
