package goro;

import java.util.Map;

/** (not yet written) */
final class Pool {
    private Pool() {}

    static void register(Map<String, Scenario> reg) {}
}
