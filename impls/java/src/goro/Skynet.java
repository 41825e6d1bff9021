package goro;

import java.util.Map;

/** (not yet written) */
final class Skynet {
    private Skynet() {}

    static void register(Map<String, Scenario> reg) {}
}
