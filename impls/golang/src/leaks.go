package main

// §11 Goroutine leaks: a sender nobody reads stays forever; a context's cancel lets it go;
// runtime.NumGoroutine counts the live ones.

import (
	"context"
	"runtime"
	"time"
)

func init() {
	register("leak_blocked_sender", leakBlockedSender)
	register("leak_context_cancel", leakContextCancel)
	register("num_goroutine", numGoroutine)
}

// leak is the article's ❌ function.
func leak() {
	ch := make(chan int)
	go func() {
		ch <- 1 // nobody receives: blocked forever
	}()
}

// noLeak is the article's ✅ function.
func noLeak(ctx context.Context) {
	ch := make(chan int)
	go func() {
		select {
		case ch <- 1:
		case <-ctx.Done():
			return
		}
	}()
}

func leakBlockedSender(p params) (obs, error) {
	calls := p.int("calls", 100)
	baseline := runtime.NumGoroutine()
	for i := 0; i < calls; i++ {
		leak()
	}
	after := runtime.NumGoroutine()
	return obs{"baseline": baseline, "after": after, "growth": after - baseline}, nil
}

// settle polls NumGoroutine until it reaches want or the bound passes; returns the last count.
func settle(want int, bound time.Duration) int {
	deadline := time.Now().Add(bound)
	n := runtime.NumGoroutine()
	for n > want && time.Now().Before(deadline) {
		time.Sleep(100 * time.Microsecond) // polling period, not synchronisation
		n = runtime.NumGoroutine()
	}
	return n
}

func leakContextCancel(p params) (obs, error) {
	calls := p.int("calls", 100)
	baseline := runtime.NumGoroutine()
	ctx, cancel := context.WithCancel(context.Background())
	for i := 0; i < calls; i++ {
		noLeak(ctx)
	}
	during := runtime.NumGoroutine()
	cancel()
	after := settle(baseline, 5*time.Second)
	return obs{"baseline": baseline, "during": during, "after_cancel": after}, nil
}

func numGoroutine(p params) (obs, error) {
	k := p.int("k", 50)
	baseline := runtime.NumGoroutine()
	block := make(chan struct{})
	for i := 0; i < k; i++ {
		go func() { <-block }()
	}
	reported := runtime.NumGoroutine()
	close(block)
	return obs{"reported": reported, "expected": baseline + k, "baseline": baseline}, nil
}
