package goro;

import java.util.Map;

/** Placeholder until the scenarios land: registers nothing yet. */
final class Deadlock {
    private Deadlock() {}

    static void register(Map<String, Scenario> reg) {}
}
