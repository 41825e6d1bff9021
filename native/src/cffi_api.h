/* The part of goro.h that Python calls, in the plain C cffi's cdef parser accepts (no
 * inline functions, no macros with expressions). native/build.py reads this file. */
typedef struct goro_stats {
  uint64_t spawns, switches, steals, handoffs, parks;
  uint64_t threads;
} goro_stats;

int goro_set_procs(int n, char *err, size_t errlen);
int goro_procs(void);
int goro_run(void (*main)(void *), void *arg, char *err, size_t errlen);
int64_t goro_count(void);
void goro_stats_get(goro_stats *total);
int goro_stats_p(int p, goro_stats *out);
