package main

// The shared work plan (suite/plan.py, ported line for line): SplitMix64 draws decide every
// op, key and slot a scenario uses, and digests (sums mod 2^64 of terms, in hex) show that
// this backend did the same work as the spec. uint64 arithmetic wraps like Python's & MASK.

import "fmt"

const golden = 0x9E3779B97F4A7C15

// Op kinds of the rw plans (plan.READ, plan.WRITE).
const (
	opRead  = 0
	opWrite = 1
)

// mix is one SplitMix64 step from state x.
func mix(x uint64) uint64 {
	z := x + golden
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9
	z = (z ^ (z >> 27)) * 0x94D049BB133111EB
	return z ^ (z >> 31)
}

// draw is the random word of op i of worker w.
func draw(seed, w, i int) uint64 {
	return mix(uint64(seed) ^ uint64(w)<<40 ^ uint64(i))
}

// term is one unit of work's contribution to a digest: worker/trial w, op/unit i, outcome v.
func term(seed, w, i int, v uint64) uint64 { return mix(draw(seed, w, i) ^ v) }

// hexd is a digest as 16 lowercase hex digits.
func hexd(x uint64) string { return fmt.Sprintf("%016x", x) }

// opsEach is the ops per worker: the total rounded up to a multiple of workers.
func opsEach(total, workers int) int { return (total + workers - 1) / workers }

// rwOp: rw_vs_mutex's op i of worker w, a read when r%100 < readPct, key (r>>32) % keys.
func rwOp(seed, w, i, readPct, keys int) (kind, key int) {
	r := draw(seed, w, i)
	kind = opWrite
	if r%100 < uint64(readPct) {
		kind = opRead
	}
	return kind, int((r >> 32) % uint64(keys))
}

// writerOp: rw_writer_exclusive's op, a write when r%100 < writePct, slot (r>>32) % slots.
func writerOp(seed, w, i, writePct, slots int) (kind, slot int) {
	r := draw(seed, w, i)
	kind = opRead
	if r%100 < uint64(writePct) {
		kind = opWrite
	}
	return kind, int((r >> 32) % uint64(slots))
}

// planOp is one entry of a worker's op array, built before the timed section.
type planOp struct{ kind, key int }

func planOps(op func(seed, w, i, pct, keys int) (int, int), seed, w, n, pct, keys int) []planOp {
	ops := make([]planOp, n)
	for i := range ops {
		ops[i].kind, ops[i].key = op(seed, w, i, pct, keys)
	}
	return ops
}

// readSection is rw_vs_mutex's read: chain dependent loads over the table, starting at key.
func readSection(table []uint64, key, chain int) uint64 {
	h, size := uint64(key), uint64(len(table))
	for k := 0; k < chain; k++ {
		h = h*31 + table[(h+uint64(k))%size]
	}
	return h
}

// traceOf is the first k ops as "R<key>"/"W<key>" strings.
func traceOf(ops []planOp, k int) []string {
	out := make([]string, 0, min(k, len(ops)))
	for _, o := range ops[:min(k, len(ops))] {
		c := "R"
		if o.kind == opWrite {
			c = "W"
		}
		out = append(out, fmt.Sprintf("%s%d", c, o.key))
	}
	return out
}

// tableDigest is the digest of a table's final values (term(seed, 0, j, table[j])).
func tableDigest(seed int, table []uint64) string {
	var acc uint64
	for j, v := range table {
		acc += term(seed, 0, j, v)
	}
	return hexd(acc)
}

// seqDigest: units 0..count-1 of worker w each done once with outcome v.
func seqDigest(seed, count, w int, v uint64) string {
	var acc uint64
	for i := 0; i < count; i++ {
		acc += term(seed, w, i, v)
	}
	return hexd(acc)
}
