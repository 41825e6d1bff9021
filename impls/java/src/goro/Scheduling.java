package goro;

import java.util.Map;

/** (not yet written) */
final class Scheduling {
    private Scheduling() {}

    static void register(Map<String, Scenario> reg) {}
}
