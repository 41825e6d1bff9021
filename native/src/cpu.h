/* The two machine helpers every part of the runtime shares, defined once: a spin-wait hint
 * and a cheap per-owner pseudo-random number (Go's procyield and cheaprand). Header-only and
 * dependency-free, so both the core (core.h) and the packages above it (sema.h) include it. */
#ifndef GORO_CPU_H
#define GORO_CPU_H

#include <stdint.h>

/* A spin-wait hint, for a caller that re-reads a word another thread will change soon.
 * arm64: ISB, not YIELD, which many cores (Neoverse, Apple) retire as a NOP, so a spin of n
 * hints would re-read the line far more often than the x86 tuning assumes; an ISB stalls for
 * a pipeline flush, closer to x86's PAUSE. */
static inline void goro__cpu_relax(void) {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  __asm__ __volatile__("isb" ::: "memory");
#endif
}

/* xorshift64* on the caller's own state word (an M's, a goroutine's): no lock, no sharing,
 * not for anything that must be unpredictable. *state must be non-zero (zero is a fixed
 * point); the caller seeds it. Returns the high 32 bits of the product, the best mixed. */
static inline uint32_t goro__fastrand(uint64_t *state) {
  uint64_t x = *state;
  x ^= x >> 12;
  x ^= x << 25;
  x ^= x >> 27;
  *state = x;
  return (uint32_t)((x * 0x2545F4914F6CDD1Dull) >> 32);
}

#endif
