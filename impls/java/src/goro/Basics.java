package goro;

import java.util.Map;

/** (not yet written) */
final class Basics {
    private Basics() {}

    static void register(Map<String, Scenario> reg) {}
}
