package main

// §8 sync/atomic: exact atomic counters, CompareAndSwap, and atomics against a Mutex.

import (
	"runtime"
	"sync"
	"sync/atomic"
)

func init() {
	register("atomic_counter", atomicCounter)
	register("atomic_cas", atomicCAS)
	register("atomic_vs_mutex", atomicVsMutex)
	register("atomic_add", atomicAdd)
}

// atomicTrial is atomicOnce plus the plan digest: unit u of trial t atomically adds
// term(seed, t, u, 1) once it has added its 1.
func atomicTrial(seed, t, units int) (final int64, plan uint64) {
	var counter int64
	var acc atomic.Uint64
	var wg sync.WaitGroup
	for u := 0; u < units; u++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			atomic.AddInt64(&counter, 1)
			acc.Add(term(seed, t, u, 1))
		}()
	}
	wg.Wait()
	return atomic.LoadInt64(&counter), acc.Load()
}

func atomicCounter(p params) (obs, error) {
	units, trials, seed := p.int("units", 1000), p.int("trials", 1000), p.int("seed", 1)
	exact := 0
	var plan, state uint64
	for t := 0; t < trials; t++ {
		final, pl := atomicTrial(seed, t, units)
		if final == int64(units) {
			exact++
		}
		plan += pl
		state += term(seed, t, units, uint64(final))
	}
	return obs{"trials": trials, "exact_trials": exact, "gomaxprocs": runtime.GOMAXPROCS(0),
		"plan_digest": hexd(plan), "state_digest": hexd(state)}, nil
}

func atomicCAS(p params) (obs, error) {
	units, seed := p.int("units", 1000), p.int("seed", 1)
	var v int64
	var wg sync.WaitGroup
	var retries atomic.Int64
	for i := 0; i < units; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				old := atomic.LoadInt64(&v)
				if atomic.CompareAndSwapInt64(&v, old, old+1) {
					return
				}
				retries.Add(1)
			}
		}()
	}
	wg.Wait()
	final := atomic.LoadInt64(&v)
	stale := final - 1 // an old value that is no longer current
	swapped := atomic.CompareAndSwapInt64(&v, stale, -1)
	after := atomic.LoadInt64(&v)
	return obs{
		"cas_loop_exact":   final == int64(units),
		"stale_cas_failed": !swapped && after == final,
		"final":            final,
		"cas_retries":      retries.Load(),
		"state_digest":     hexd(term(seed, 0, 0, uint64(final)) + term(seed, 0, 1, uint64(after))),
	}, nil
}

// fanOut runs body(per) on units goroutines, per = n/units, and returns the wall seconds
// and the increments done.
func fanOut(n, units int, body func(per int)) (sec float64, ops int) {
	per := n / units
	var wg sync.WaitGroup
	sec = timed(func() {
		wg.Add(units)
		for u := 0; u < units; u++ {
			go func() { defer wg.Done(); body(per) }()
		}
		wg.Wait()
	})
	return sec, per * units
}

// nsPer is ns per op, or nil when nothing ran (n=1 leaves the two contended units no work).
func nsPer(sec float64, ops int) any {
	if ops == 0 {
		return nil
	}
	return sec / float64(ops) * 1e9
}

// incrementLoops runs the four loops once on fresh counters (mutex and atomic, by one unit
// and by two units sharing the counter and its lock) and returns their ns/op and final
// counters. The loops are written out so none pays for an indirect call per increment.
func incrementLoops(n int) (ns [4]any, counters [4]int64) {
	var mu1, mu2 sync.Mutex
	var c1, c2 int64
	var a1, a2 atomic.Int64
	mutexLoop := func(mu *sync.Mutex, c *int64) func(int) {
		return func(per int) {
			for i := 0; i < per; i++ {
				mu.Lock()
				*c++
				mu.Unlock()
			}
		}
	}
	atomicLoop := func(a *atomic.Int64) func(int) {
		return func(per int) {
			for i := 0; i < per; i++ {
				a.Add(1)
			}
		}
	}
	ns[0] = nsPer(fanOut(n, 1, mutexLoop(&mu1, &c1)))
	ns[1] = nsPer(fanOut(n, 1, atomicLoop(&a1)))
	ns[2] = nsPer(fanOut(n, 2, mutexLoop(&mu2, &c2))) // one shared counter under one lock
	ns[3] = nsPer(fanOut(n, 2, atomicLoop(&a2)))
	return ns, [4]int64{c1, a1.Load(), c2, a2.Load()}
}

func atomicVsMutex(p params) (obs, error) {
	n, warmup, seed := p.int("n", 1_000_000), p.int("warmup", 1), p.int("seed", 1)
	for i := 0; i < warmup; i++ {
		incrementLoops(n)
	}
	ns, counters := incrementLoops(n)
	var state uint64
	for k, c := range counters {
		state += term(seed, 0, k, uint64(c))
	}
	out := obs{"mutex_ns": ns[0], "atomic_ns": ns[1], "mutex_contended_ns": ns[2],
		"atomic_contended_ns": ns[3], "gomaxprocs": runtime.GOMAXPROCS(0),
		"state_digest": hexd(state)}
	if ns[0] != nil && ns[1] != nil && ns[2] != nil && ns[3] != nil {
		out["ratio_uncontended"] = ns[0].(float64) / ns[1].(float64)
		out["ratio_contended"] = ns[2].(float64) / ns[3].(float64)
	}
	return out, nil
}

func atomicAdd(p params) (obs, error) {
	n, seed := p.int("n", 1_000_000), p.int("seed", 1)
	var c atomic.Int64
	sec, cpu := clock(func() {
		for i := 0; i < n; i++ {
			c.Add(1)
		}
	})
	return obs{"seconds": sec, "cpu_seconds": cpu, "ops": n, "ns_per_op": sec / float64(n) * 1e9,
		"value": c.Load(), "state_digest": hexd(term(seed, 0, 0, uint64(c.Load())))}, nil
}
