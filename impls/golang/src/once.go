package main

// §9 sync.Once: the function runs exactly once, and every caller returns only after it ran.

import (
	"sync"
	"sync/atomic"
	"time"
)

func init() {
	register("once_runs_once", onceRunsOnce)
	register("once_waits", onceWaits)
	register("once", onceBench)
}

// Database stands for the article's singleton.
type Database struct{ id int }

// atOnce starts callers goroutines that wait at a gate, so that all call Do at the same time,
// then each runs caller(i); it returns once every one has.
func atOnce(callers int, caller func(i int)) {
	gate := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(callers)
	for i := 0; i < callers; i++ {
		go func() {
			defer wg.Done()
			<-gate
			caller(i)
		}()
	}
	close(gate)
	wg.Wait()
}

func onceRunsOnce(p params) (obs, error) {
	callers, trials, seed := p.int("callers", 10), p.int("trials", 1000), p.int("seed", 1)
	maxInit, allSame := 0, true
	var plan atomic.Uint64 // caller c of trial t adds term(seed, t, c, 1) after Do
	var state uint64
	for t := 0; t < trials; t++ {
		var once sync.Once
		var instance *Database
		inits := 0
		get := func() *Database {
			once.Do(func() {
				inits++
				instance = &Database{id: t}
			})
			return instance
		}
		got := make([]*Database, callers)
		atOnce(callers, func(i int) {
			got[i] = get()
			plan.Add(term(seed, t, i, 1))
		})
		state += term(seed, t, callers, uint64(inits))
		maxInit = max(maxInit, inits)
		for _, g := range got {
			if g == nil || g != instance {
				allSame = false
			}
		}
	}
	return obs{"trials": trials, "max_init_count": maxInit, "all_same_instance": allSame,
		"plan_digest": hexd(plan.Load()), "state_digest": hexd(state)}, nil
}

func onceWaits(p params) (obs, error) {
	callers, trials, initMs := p.int("callers", 10), p.int("trials", 100), p.int("init_ms", 1)
	seed := p.int("seed", 1)
	unset := 0
	var mu sync.Mutex
	var plan atomic.Uint64
	var state uint64
	for t := 0; t < trials; t++ {
		var once sync.Once
		var instance *Database
		inits := 0
		atOnce(callers, func(i int) {
			once.Do(func() {
				inits++
				time.Sleep(time.Duration(initMs) * time.Millisecond) // a slow init
				instance = &Database{id: t}
			})
			if instance == nil { // Do returned before init finished
				mu.Lock()
				unset++
				mu.Unlock()
			}
			plan.Add(term(seed, t, i, 1))
		})
		state += term(seed, t, callers, uint64(inits))
	}
	return obs{"trials": trials, "unset_observed": unset, "plan_digest": hexd(plan.Load()),
		"state_digest": hexd(state)}, nil
}

// onceBench times once.Do on the fast path (after the first call).
func onceBench(p params) (obs, error) {
	n, seed := p.int("n", 1_000_000), p.int("seed", 1)
	var once sync.Once
	calls := 0
	f := func() { calls++ }
	once.Do(f)
	sec, cpu := clock(func() {
		for i := 0; i < n; i++ {
			once.Do(f)
		}
	})
	return obs{"seconds": sec, "cpu_seconds": cpu, "ops": n, "ns_per_op": sec / float64(n) * 1e9,
		"init_calls": calls, "state_digest": hexd(term(seed, 0, 0, uint64(calls)))}, nil
}
