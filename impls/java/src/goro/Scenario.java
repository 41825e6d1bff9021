package goro;

import java.util.Map;

/** One scenario of suite/scenarios.py: params in, observables out (Main adds "effective"). */
public interface Scenario {
    Map<String, Object> run(Params p) throws Exception;
}
