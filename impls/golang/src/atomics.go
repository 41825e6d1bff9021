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

func atomicCounter(p params) (obs, error) {
	units, trials := p.int("units", 1000), p.int("trials", 1000)
	exact := 0
	for t := 0; t < trials; t++ {
		if atomicOnce(units) == int64(units) {
			exact++
		}
	}
	return obs{"trials": trials, "exact_trials": exact, "gomaxprocs": runtime.GOMAXPROCS(0)}, nil
}

func atomicCAS(p params) (obs, error) {
	units := p.int("units", 1000)
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
	return obs{
		"cas_loop_exact":   final == int64(units),
		"stale_cas_failed": !swapped && atomic.LoadInt64(&v) == final,
		"final":            final,
		"cas_retries":      retries.Load(),
	}, nil
}

// fanOut runs body(per) on units goroutines and returns ns per increment.
func fanOut(n, units int, body func(per int)) float64 {
	per := n / units
	var wg sync.WaitGroup
	sec := timed(func() {
		wg.Add(units)
		for u := 0; u < units; u++ {
			go func() { defer wg.Done(); body(per) }()
		}
		wg.Wait()
	})
	return sec / float64(per*units) * 1e9
}

// incrementBoth times n increments of one counter split over units goroutines, by Mutex and
// by atomic add (loops written out so neither pays for an indirect call).
func incrementBoth(n, units int) (mutexNs, atomicNs float64) {
	var mu sync.Mutex
	var c int64
	var a atomic.Int64
	mutexNs = fanOut(n, units, func(per int) {
		for i := 0; i < per; i++ {
			mu.Lock()
			c++
			mu.Unlock()
		}
	})
	atomicNs = fanOut(n, units, func(per int) {
		for i := 0; i < per; i++ {
			a.Add(1)
		}
	})
	return
}

func atomicVsMutex(p params) (obs, error) {
	n := max(p.int("n", 1_000_000), 2)
	mu1, at1 := incrementBoth(n, 1)
	mu2, at2 := incrementBoth(n, 2)
	return obs{"mutex_ns": mu1, "atomic_ns": at1, "mutex_contended_ns": mu2,
		"atomic_contended_ns": at2, "ratio_uncontended": mu1 / at1, "ratio_contended": mu2 / at2,
		"gomaxprocs": runtime.GOMAXPROCS(0)}, nil
}

func atomicAdd(p params) (obs, error) {
	n := p.int("n", 1_000_000)
	var c atomic.Int64
	sec, cpu := clock(func() {
		for i := 0; i < n; i++ {
			c.Add(1)
		}
	})
	return obs{"seconds": sec, "cpu_seconds": cpu, "ops": n, "ns_per_op": sec / float64(n) * 1e9, "value": c.Load()}, nil
}
