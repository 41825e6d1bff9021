package main

// §4 WaitGroup: Wait returns after every Done; Add must come before `go`; a negative counter
// panics.

import (
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

func init() {
	register("wg_waits_all", wgWaitsAll)
	register("wg_add_before", wgAddBefore)
	register("wg_add_inside", wgAddInside)
	register("wg_negative", wgNegative)
	register("waitgroup", waitgroupBench)
}

// flagDigest is trial t's contribution: term(seed, t, w, 1) for every worker w whose flag is set.
func flagDigest(seed, t int, flags []atomic.Bool) (acc uint64, set int) {
	for w := range flags {
		if flags[w].Load() {
			acc += term(seed, t, w, 1)
			set++
		}
	}
	return acc, set
}

func wgWaitsAll(p params) (obs, error) {
	n, trials, seed := p.int("n", 5), p.int("trials", 1000), p.int("seed", 1)
	violations := 0
	var plan uint64
	for t := 0; t < trials; t++ {
		var wg sync.WaitGroup
		done := make([]atomic.Bool, n) // atomic: a Wait that returned early must not race
		for i := 0; i < n; i++ {
			wg.Add(1)
			go func(id int) {
				defer wg.Done()
				done[id].Store(true)
			}(i)
		}
		wg.Wait()
		acc, set := flagDigest(seed, t, done) // right after Wait
		plan += acc
		if set != n {
			violations++
		}
	}
	return obs{"trials": trials, "violations": violations, "n": n, "plan_digest": hexd(plan)}, nil
}

func wgAddBefore(p params) (obs, error) {
	n, trials, seed := p.int("n", 10), p.int("trials", 1000), p.int("seed", 1)
	early := 0
	var plan uint64
	for t := 0; t < trials; t++ {
		var wg sync.WaitGroup
		finished := make([]atomic.Bool, n)
		for i := 0; i < n; i++ {
			wg.Add(1) // ✅ before go
			go func() {
				defer wg.Done()
				finished[i].Store(true)
			}()
		}
		wg.Wait()
		acc, set := flagDigest(seed, t, finished)
		plan += acc
		if set != n {
			early++
		}
	}
	return obs{"trials": trials, "early_returns": early, "n": n, "plan_digest": hexd(plan)}, nil
}

// wgAddInside: each worker calls Add(1) itself (the article's ❌ pattern) and the spawner
// calls Wait right after spawning them. The sync package may panic on this misuse ("Add called
// concurrently with Wait", "WaitGroup is reused before previous Wait has returned"); a panic is
// recovered where it happens and the trial counted in errors. An Add that panicked leaves the
// counter up with no Done to bring it down, so Wait could then block forever: each trial's
// spawner is a goroutine of its own, and main waits for it with a bound.
func wgAddInside(p params) (obs, error) {
	n, trials, seed := p.int("n", 10), p.int("trials", 1000), p.int("seed", 1)
	early, errorsSeen, stuck := 0, 0, 0
	var firstError any
	var plan uint64
	for t := 0; t < trials; t++ {
		var wg, all sync.WaitGroup
		finished := make([]atomic.Bool, n)
		var misuse atomic.Value
		catch := func() {
			if r := recover(); r != nil {
				misuse.CompareAndSwap(nil, fmt.Sprint(r))
			}
		}
		waited := make(chan bool, 1) // true: Wait returned before every worker finished
		all.Add(n)
		go func() { // the spawner
			isEarly := false
			defer func() { waited <- isEarly }() // sent even when Wait panicked
			defer catch()
			for i := 0; i < n; i++ {
				go func() {
					defer all.Done()
					defer catch()
					wg.Add(1) // ❌ inside the goroutine
					defer wg.Done()
					finished[i].Store(true)
				}()
			}
			wg.Wait()
			_, set := flagDigest(seed, t, finished)
			isEarly = set != n
		}()
		all.Wait()                              // workers never block: this always returns
		acc, _ := flagDigest(seed, t, finished) // once every worker has finished
		plan += acc
		select {
		case e := <-waited:
			if e {
				early++
			}
		case <-time.After(5 * time.Second):
			stuck++
		}
		if m := misuse.Load(); m != nil {
			errorsSeen++
			if firstError == nil {
				firstError = m
			}
		}
	}
	return obs{"trials": trials, "early_returns": early, "errors": errorsSeen,
		"first_error": firstError, "n": n, "wait_stuck": stuck, "plan_digest": hexd(plan)}, nil
}

func wgNegative(p params) (obs, error) {
	var msg any
	func() {
		defer func() { msg = recover() }()
		var wg sync.WaitGroup
		wg.Done()
	}()
	if msg == nil {
		return obs{"raised": false, "error": nil}, nil
	}
	return obs{"raised": true, "error": fmt.Sprint(msg)}, nil
}

// waitgroupBench is the fan-out/fan-in benchmark: Add(n), n goroutines that each Done, Wait.
// warmup_units first, untimed, fill the runtime's free lists of goroutines and stacks.
func waitgroupBench(p params) (obs, error) {
	return timedFan(p, "ns_per_unit", func(n int) int {
		var wg sync.WaitGroup
		wg.Add(n)
		i := 0
		for ; i < n; i++ {
			go wg.Done()
		}
		wg.Wait()
		return i
	})
}

// timedFan times fan(n) after an untimed fan(warmup_units): the measurement of spawn and of
// waitgroupBench, whose fan-outs differ only in the goroutine they start; key names the time
// per goroutine. fan returns how many it started, for the plan digest.
func timedFan(p params, key string, fan func(n int) int) (obs, error) {
	n, warm, seed := p.int("n", 100_000), p.int("warmup_units", 10_000), p.int("seed", 1)
	fan(warm)
	var spawned int
	sec, cpu := clock(func() { spawned = fan(n) })
	return obs{"seconds": sec, "cpu_seconds": cpu, "ops": n, key: sec / float64(n) * 1e9,
		"gomaxprocs": runtime.GOMAXPROCS(0), "plan_digest": seqDigest(seed, spawned, 0, 0)}, nil
}
