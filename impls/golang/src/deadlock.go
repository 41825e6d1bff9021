package main

// §7 Deadlock: the article's lock-order inversion, run as a child process because Go ends it
// with "fatal error: all goroutines are asleep - deadlock!", and the consistent-order fix.

import (
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"
)

func init() {
	register("lock_order_inversion", lockOrderInversion)
	register("consistent_order", consistentOrder)
	children["child:lock_order_inversion"] = inversionChild
}

// inversionChild is the §7 program, except that main waits with a WaitGroup (as the scenario
// asks) instead of sleeping a second, so the runtime can see that nothing can ever proceed.
func inversionChild() {
	var p params
	json.Unmarshal([]byte(os.Args[2]), &p)
	pause := time.Duration(p.int("pause_ms", 10)) * time.Millisecond
	var mu1, mu2 sync.Mutex
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { // A: mu1 then mu2
		defer wg.Done()
		mu1.Lock()
		time.Sleep(pause)
		mu2.Lock()
		fmt.Println("A done")
		mu2.Unlock()
		mu1.Unlock()
	}()
	go func() { // B: mu2 then mu1
		defer wg.Done()
		mu2.Lock()
		time.Sleep(pause)
		mu1.Lock()
		fmt.Println("B done")
		mu1.Unlock()
		mu2.Unlock()
	}()
	wg.Wait()
}

var goroutineHeader = regexp.MustCompile(`(?m)^goroutine (\d+) \[([^\]]+)\]:`)

func lockOrderInversion(p params) (obs, error) {
	pauseMs, timeoutMs := p.int("pause_ms", 10), p.int("timeout_ms", 1000)
	arg := fmt.Sprintf(`{"pause_ms": %d}`, pauseMs)
	// The bound covers the pauses plus timeout_ms; Go normally ends the child long before.
	r := runChild("child:lock_order_inversion", arg,
		time.Duration(2*pauseMs+timeoutMs)*time.Millisecond)
	finished := strings.Count(r.stdout, " done")
	const fatal = "all goroutines are asleep - deadlock!"
	detected := r.contains(fatal)
	var message any
	if detected {
		message = r.firstLines(`all goroutines are asleep`, 1)
	}
	var blocked []obs
	mainReason := ""
	for _, m := range goroutineHeader.FindAllStringSubmatch(r.stderr, -1) {
		id, _ := strconv.Atoi(m[1])
		if id == 1 { // main, waiting for A and B
			mainReason = m[2]
			continue
		}
		blocked = append(blocked, obs{"id": id, "reason": m[2]})
	}
	var blockedOut any = blocked
	if !detected {
		blockedOut = nil
	}
	return obs{"deadlocked": finished < 2 && (detected || r.timedOut), "detected": detected,
		"message": message, "blocked": blockedOut, "main_blocked_on": mainReason,
		"finished_units": finished, "exit_code": r.exitCode, "timed_out": r.timedOut,
		"seconds_to_verdict": r.seconds}, nil
}

// consistentOrder: both goroutines take mu1 then mu2 (the §7-1 fix), with a pause between;
// each trial's wait is bounded.
func consistentOrder(p params) (obs, error) {
	trials, pauseUs, seed := p.int("trials", 1000), p.int("pause_us", 10), p.int("seed", 1)
	pause := time.Duration(pauseUs) * time.Microsecond
	finished := 0
	var plan uint64 // term(seed, t, u, 1) for each unit u that finished within the bound
	for t := 0; t < trials; t++ {
		var mu1, mu2 sync.Mutex
		done := make(chan int, 2)
		for u := 0; u < 2; u++ {
			go func() {
				mu1.Lock() // always mu1 first
				time.Sleep(pause)
				mu2.Lock() // then mu2
				mu2.Unlock()
				mu1.Unlock()
				done <- u
			}()
		}
		timeout := time.After(time.Second + 4*pause)
		ok := true
		for u := 0; u < 2 && ok; u++ {
			select {
			case id := <-done:
				plan += term(seed, t, id, 1)
			case <-timeout:
				ok = false
			}
		}
		if ok {
			finished++
		}
	}
	return obs{"trials": trials, "finished": finished, "plan_digest": hexd(plan)}, nil
}
