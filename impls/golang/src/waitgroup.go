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

func wgWaitsAll(p params) (obs, error) {
	n, trials := p.int("n", 5), p.int("trials", 1000)
	violations := 0
	for t := 0; t < trials; t++ {
		var wg sync.WaitGroup
		done := make([]bool, n)
		for i := 0; i < n; i++ {
			wg.Add(1)
			go func(id int) {
				defer wg.Done()
				done[id] = true
			}(i)
		}
		wg.Wait()
		for _, d := range done {
			if !d {
				violations++
				break
			}
		}
	}
	return obs{"trials": trials, "violations": violations, "n": n}, nil
}

func wgAddBefore(p params) (obs, error) {
	n, trials := p.int("n", 10), p.int("trials", 1000)
	early := 0
	for t := 0; t < trials; t++ {
		var wg sync.WaitGroup
		var finished atomic.Int64
		for i := 0; i < n; i++ {
			wg.Add(1) // ✅ before go
			go func() {
				defer wg.Done()
				finished.Add(1)
			}()
		}
		wg.Wait()
		if finished.Load() != int64(n) {
			early++
		}
	}
	return obs{"trials": trials, "early_returns": early, "n": n}, nil
}

// wgAddInside: each worker calls Add(1) itself (the article's ❌ pattern). The sync package
// may panic on this misuse ("WaitGroup is reused before previous Wait has returned"); the
// panic is recovered where it happens and the trial counted in errors. Wait runs on its own
// goroutine with a bound, since misuse could in principle leave it waiting on a count that
// nobody will bring down; a second, correctly used WaitGroup ends each trial.
func wgAddInside(p params) (obs, error) {
	n, trials := p.int("n", 10), p.int("trials", 1000)
	early, errorsSeen, stuck := 0, 0, 0
	var firstError any
	for t := 0; t < trials; t++ {
		var wg, all sync.WaitGroup
		var finished atomic.Int64
		var misuse atomic.Value
		catch := func() {
			if r := recover(); r != nil {
				misuse.CompareAndSwap(nil, fmt.Sprint(r))
			}
		}
		all.Add(n)
		for i := 0; i < n; i++ {
			go func() {
				defer all.Done()
				defer catch()
				wg.Add(1) // ❌ inside the goroutine
				defer wg.Done()
				finished.Add(1)
			}()
		}
		waited := make(chan bool, 1) // true: Wait returned before every worker finished
		go func() {
			isEarly := false
			defer func() { waited <- isEarly }() // sent even when Wait panicked
			defer catch()
			wg.Wait()
			isEarly = finished.Load() != int64(n)
		}()
		all.Wait() // workers never block: this always returns
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
		"first_error": firstError, "n": n, "wait_stuck": stuck}, nil
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
func waitgroupBench(p params) (obs, error) {
	n := p.int("n", 100_000)
	fan := func(n int) {
		var wg sync.WaitGroup
		wg.Add(n)
		for i := 0; i < n; i++ {
			go wg.Done()
		}
		wg.Wait()
	}
	fan(min(n, 10_000)) // warm-up: fills the runtime's free lists of goroutines and stacks
	sec, cpu := clock(func() { fan(n) })
	return obs{"seconds": sec, "cpu_seconds": cpu, "ops": n, "ns_per_unit": sec / float64(n) * 1e9,
		"gomaxprocs": runtime.GOMAXPROCS(0)}, nil
}
