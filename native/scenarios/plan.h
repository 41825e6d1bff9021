/* The shared work plan of suite/plan.py in C: SplitMix64 draws, digest terms, the rw op plans.
 *
 * Every choice a scenario makes (which op a worker does next, which key, which slot) comes from
 * draw(seed, w, i), and the work done is proved by digests: sums modulo 2**64 of
 * term(seed, w, i, outcome), reported as 16 lowercase hex digits. plan.py is the spec; this is
 * a line-by-line port in uint64_t arithmetic (unsigned overflow wraps exactly as `& MASK`).
 */
#ifndef GORO_PLAN_H
#define GORO_PLAN_H

#include <stdint.h>
#include <stdio.h>

#include "scen.h"

#define PLAN_GOLDEN 0x9E3779B97F4A7C15ull
enum { PLAN_READ = 0, PLAN_WRITE = 1 };

/* SplitMix64: one step of the generator from state x (Vigna's finaliser of x + golden). */
static inline uint64_t plan_mix(uint64_t x) {
  uint64_t z = x + PLAN_GOLDEN;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

/* The random word of op i of worker w (w < 2**24, i < 2**40). */
static inline uint64_t plan_draw(uint64_t seed, uint64_t w, uint64_t i) {
  return plan_mix(seed ^ (w << 40) ^ i);
}

/* One unit of work's contribution to a digest: worker/trial w, op/unit i, outcome v. */
static inline uint64_t plan_term(uint64_t seed, uint64_t w, uint64_t i, uint64_t v) {
  return plan_mix(plan_draw(seed, w, i) ^ v);
}

/* Units 0..count-1 of worker w each done once with outcome v (spawn, waitgroup). */
static inline uint64_t plan_seq(uint64_t seed, int64_t count, uint64_t w, uint64_t v) {
  uint64_t acc = 0;
  for (int64_t i = 0; i < count; i++) acc += plan_term(seed, w, (uint64_t)i, v);
  return acc;
}

/* term(seed, 0, j, table[j]) summed: the state digest of a table or of slot counters. */
static inline uint64_t plan_table(uint64_t seed, const uint64_t *table, int64_t size) {
  uint64_t acc = 0;
  for (int64_t j = 0; j < size; j++) acc += plan_term(seed, 0, (uint64_t)j, table[j]);
  return acc;
}

/* Ops per worker: the total rounded up to a multiple of workers. */
static inline int64_t plan_ops_each(int64_t total, int64_t workers) {
  return (total + workers - 1) / workers;
}

/* An op as the digests see it: kind << 32 | key (key < 2**24 < 2**32). */
static inline uint64_t plan_op(int kind, uint64_t key) { return (uint64_t)kind << 32 | key; }
static inline int plan_op_kind(uint64_t op) { return (int)(op >> 32); }
static inline uint64_t plan_op_key(uint64_t op) { return op & 0xffffffffu; }

/* rw_vs_mutex: READ when r % 100 < read_pct, key (r >> 32) % keys. */
static inline uint64_t plan_rw_op(uint64_t seed, uint64_t w, uint64_t i, int64_t read_pct,
                                  uint64_t keys) {
  uint64_t r = plan_draw(seed, w, i);
  return plan_op(r % 100 < (uint64_t)read_pct ? PLAN_READ : PLAN_WRITE, (r >> 32) % keys);
}

/* rw_writer_exclusive: WRITE when r % 100 < write_pct, slot (r >> 32) % slots. */
static inline uint64_t plan_writer_op(uint64_t seed, uint64_t w, uint64_t i, int64_t write_pct,
                                      uint64_t slots) {
  uint64_t r = plan_draw(seed, w, i);
  return plan_op(r % 100 < (uint64_t)write_pct ? PLAN_WRITE : PLAN_READ, (r >> 32) % slots);
}

/* rw_vs_mutex's read: `chain` dependent loads over the table, starting at key. plan.py indexes
 * with the unbounded (h + k) % size; in 64 bits h + k can wrap, and then the true sum is
 * s + 2**64, whose remainder is (s % size + 2**64 % size) % size. */
static inline uint64_t plan_read_section(const uint64_t *table, uint64_t size, uint64_t key,
                                         int64_t chain) {
  uint64_t h = key;
  for (int64_t k = 0; k < chain; k++) {
    uint64_t s = h + (uint64_t)k, idx = s % size;
    if (s < h) idx = (idx + (UINT64_MAX % size + 1) % size) % size; /* wrapped */
    h = h * 31 + table[idx];
  }
  return h;
}

/* A digest as plan.py's hexd: 16 lowercase hex digits. */
static inline void obs_digest(obs *o, const char *key, uint64_t digest) {
  char hex[17];
  snprintf(hex, sizeof hex, "%016llx", (unsigned long long)digest);
  obs_str(o, key, hex);
}

/* trace: each worker's first k ops as "R<key>"/"W<key>" strings (ops[w] has `each` ops). */
static inline void obs_trace(obs *o, uint64_t *const *ops, int64_t workers, int64_t each, int64_t k) {
  obs_begin(o, "trace", '[');
  for (int64_t w = 0; w < workers; w++) {
    obs_begin(o, NULL, '[');
    for (int64_t i = 0; i < k && i < each; i++) {
      char s[24];
      snprintf(s, sizeof s, "%c%llu", plan_op_kind(ops[w][i]) == PLAN_READ ? 'R' : 'W',
               (unsigned long long)plan_op_key(ops[w][i]));
      obs_str(o, NULL, s);
    }
    obs_end(o);
  }
  obs_end(o);
}

#endif
