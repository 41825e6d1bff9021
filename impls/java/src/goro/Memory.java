package goro;

import java.util.Map;

/** (not yet written) */
final class Memory {
    private Memory() {}

    static void register(Map<String, Scenario> reg) {}
}
