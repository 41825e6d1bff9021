package goro;

import java.util.Map;

/** Placeholder until the scenarios land: registers nothing yet. */
final class Atomics {
    private Atomics() {}

    static void register(Map<String, Scenario> reg) {}
}
