package goro;

import java.util.Map;

/** Placeholder until the scenarios land: registers nothing yet. */
final class Mutexes {
    private Mutexes() {}

    static void register(Map<String, Scenario> reg) {}
}
