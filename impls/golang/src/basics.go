package main

// §3 Basics: `go f()` returns at once, and the order of concurrently started goroutines varies.
// (The loop-variable program lives in ../loopvar: it is built twice, as go 1.21 and go 1.22.)

import (
	"fmt"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
)

func init() {
	register("go_returns", goReturns)
	register("completion_order", completionOrder)
}

// goReturns: spawn a goroutine that blocks forever; the spawner notes it got control back and
// whether the child had started by then.
func goReturns(p params) (obs, error) {
	trials := p.int("trials", 100)
	forever := make(chan struct{}) // never closed: the children stay blocked until exit
	spawnerFirst := 0
	for t := 0; t < trials; t++ {
		var started atomic.Bool
		go func() {
			started.Store(true)
			<-forever
		}()
		if !started.Load() {
			spawnerFirst++
		}
	}
	return obs{"spawn_returned": true, "spawner_first": spawnerFirst, "trials": trials,
		"blocked_children": runtime.NumGoroutine() - 1}, nil
}

// completionOrder: 3 goroutines each print a greeting and append their id under a Mutex;
// count the distinct orders.
func completionOrder(p params) (obs, error) {
	trials, seed := p.int("trials", 200), p.int("seed", 1)
	var plan uint64
	orders := map[string]int{}
	// The article's units print a greeting: a real write(2), here to /dev/null, so the unit
	// enters the kernel as sayHello does (three empty units finish in spawn-LIFO order nearly
	// always: runnext runs the last-spawned first).
	out, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		return nil, err
	}
	defer out.Close()
	for t := 0; t < trials; t++ {
		var mu sync.Mutex
		var wg sync.WaitGroup
		order := make([]byte, 0, 3)
		for id := 0; id < 3; id++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				fmt.Fprintln(out, "hello from", id)
				mu.Lock()
				order = append(order, byte('0'+id))
				mu.Unlock()
			}()
		}
		wg.Wait()
		orders[string(order)]++
		for _, id := range order { // the units that appended, by the ids they appended
			plan += term(seed, t, int(id-'0'), 1)
		}
	}
	return obs{"trials": trials, "distinct_orders": len(orders), "orders": orders,
		"gomaxprocs": runtime.GOMAXPROCS(0), "plan_digest": hexd(plan)}, nil
}
