/* The scenarios' entry point, appended to the cffi cdef by native/build.py (plain declarations
 * only: cffi parses this file).
 *
 * goro_scenario runs the scenario `name` of suite/scenarios.py with its params (a flat JSON
 * object of integers or null, already validated) and writes its observables into out as one
 * JSON object. It returns 0 (GORO_OK), or a goro_status with the error text in out: the
 * runtime's own message for a panic, fatal error or deadlock, GORO_EINVAL for an unknown
 * name or an output buffer too small. */
int goro_scenario(const char *name, const char *params_json, char *out, size_t outlen);

/* The compiler that built the scenarios and the runtime (gcc's __VERSION__). */
const char *goro_scenario_cc(void);
