package goro;

import java.util.LinkedHashMap;
import java.util.Map;

/** Observables in the order given: Obs.of("seconds", s, "ops", n, ...). */
public final class Obs {
    private Obs() {}

    public static Map<String, Object> of(Object... keysAndValues) {
        if (keysAndValues.length % 2 != 0) {
            throw new IllegalArgumentException("Obs.of takes key, value pairs");
        }
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            m.put((String) keysAndValues[i], keysAndValues[i + 1]);
        }
        return m;
    }
}
