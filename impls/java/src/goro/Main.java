package goro;

import java.util.Map;
import java.util.TreeMap;

/**
 * The Java scenarios of the goroutine-claims suite, for both Java backends:
 *
 *   java [flags] -Dgoro.units=platform|virtual -cp CLASSES goro.Main SCENARIO '<json params>'
 *
 * prints one JSON object of observables on stdout (with "effective", every param the scenario
 * read), or {"@error": msg} for a runtime misuse (Misuse), or {"@na": reason} for a scenario
 * with no Java counterpart (NotApplicable). Any other exception is the scenario's error: one
 * line on stderr and exit status 1. Each section class registers its scenarios (mirroring the Go
 * program's files); parts that end the JVM by design run as `child:NAME` (see Child).
 *
 * procs: for virtual units the Python side starts the JVM with
 * -Djdk.virtualThreadScheduler.parallelism=procs (the scheduler reads it once, at start-up), and
 * Main checks the JVM got it; platform threads have no such knob and ignore procs.
 */
public final class Main {
    /** Crash-by-design entry points, "child:NAME" -> body (its json args). */
    public interface ChildMain {
        void run(String json) throws Exception;
    }

    public static final Map<String, ChildMain> CHILDREN = new TreeMap<>();
    private static final Map<String, Scenario> SCENARIOS = new TreeMap<>();

    static {
        // J1's sections
        Memory.register(SCENARIOS);
        Basics.register(SCENARIOS);
        Skynet.register(SCENARIOS);
        Pool.register(SCENARIOS);
        Echo.register(SCENARIOS);
        Scheduling.register(SCENARIOS);
        // J2's sections
        Mutexes.register(SCENARIOS);
        Atomics.register(SCENARIOS);
        Onces.register(SCENARIOS);
        WaitGroups.register(SCENARIOS);
        Races.register(SCENARIOS);
        Deadlock.register(SCENARIOS);
        Leaks.register(SCENARIOS);
        // the JSON reader and writer, end to end: what test_java_backend.py round-trips
        CHILDREN.put("child:json_roundtrip", json -> System.out.println(Json.write(Json.parse(json))));
    }

    private Main() {}

    static void fail(String msg) {
        System.err.println("goro: " + msg);
        System.exit(2);
    }

    /** The scheduler parallelism virtual threads run with: the property, else the CPU count. */
    public static int parallelism() {
        String p = System.getProperty("jdk.virtualThreadScheduler.parallelism");
        return p != null ? Integer.parseInt(p) : Runtime.getRuntime().availableProcessors();
    }

    /** GOMAXPROCS's counterpart for the "gomaxprocs" observable: the carriers, or null (platform). */
    public static Object gomaxprocs() {
        return Units.virtual() ? (Object) parallelism() : null;
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 1 || args.length > 2) {
            fail("usage: goro.Main <scenario> ['<json params>']");
        }
        String name = args[0];
        String json = args.length == 2 ? args[1] : "{}";
        ChildMain child = CHILDREN.get(name);
        if (child != null) {
            child.run(json);
            System.out.flush();
            System.exit(0);
        }
        Scenario sc = SCENARIOS.get(name);
        if (sc == null) {
            fail("unknown scenario \"" + name + "\"; accepted: " + String.join(", ", SCENARIOS.keySet()));
        }
        Params p = null;
        try {
            p = new Params(Json.parseObject(json));
        } catch (IllegalArgumentException e) {
            fail("params must be a JSON object: " + e.getMessage());
        }
        if (p.has("procs")) {
            int n = p.i("procs", 0);
            if (n < 1) {
                fail("procs must be >= 1, got " + n);
            }
            if (Units.virtual() && parallelism() != n) {
                fail("procs=" + n + " but the JVM runs with -Djdk.virtualThreadScheduler.parallelism="
                        + System.getProperty("jdk.virtualThreadScheduler.parallelism")
                        + "; the launcher must pass it");
            }
        }
        Map<String, Object> out;
        try {
            out = sc.run(p);
            out.put("effective", p.effective());
        } catch (Misuse e) {
            out = Obs.of("@error", e.getMessage());
        } catch (NotApplicable e) {
            out = Obs.of("@na", e.getMessage());
        } catch (Throwable e) {
            System.err.println("goro: " + name + ": " + e);
            e.printStackTrace();
            System.out.flush();
            // halt, not exit: units still running must not hold the JVM open or run hooks late
            Runtime.getRuntime().halt(1);
            return;
        }
        System.out.println(Json.write(out));
        System.out.flush();
        // units a scenario leaves blocked by design (go_returns) must not keep the JVM alive
        System.exit(0);
    }
}
