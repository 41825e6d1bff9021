/* Weak stand-ins so the core links and runs before the packages above it exist; the real
 * definitions (panic.c) take precedence at link time. */
#include "core.h"

__attribute__((weak)) void goro__defers_at_exit(void) {}
