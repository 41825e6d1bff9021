package main

// §2 M:N scheduling: which OS threads goroutines run on, work stealing, hand-off of a P from a
// goroutine blocked in a syscall, GOMAXPROCS and what it bounds.

import (
	"fmt"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

func init() {
	register("thread_ids", threadIDs)
	register("work_stealing", workStealing)
	register("syscall_handoff", syscallHandoff)
	register("gomaxprocs", gomaxprocs)
	register("parallel_speedup", parallelSpeedup)
	children["child:pipe_watchdog"] = pipeWatchdog
}

func distinct(tids []int) int {
	set := map[int]bool{}
	for _, t := range tids {
		set[t] = true
	}
	return len(set)
}

// threadIDs: n goroutines note their gettid, then all wait at one gate so they overlap.
func threadIDs(p params) (obs, error) {
	n := p.int("n", 10_000)
	threads0 := threadsCreated()
	tids := make([]int, n)
	gate := make(chan struct{})
	var arrived, done sync.WaitGroup
	arrived.Add(n)
	done.Add(n)
	for i := 0; i < n; i++ {
		go func() {
			defer done.Done()
			tids[i] = gettid()
			arrived.Done()
			<-gate
		}()
	}
	arrived.Wait()
	close(gate)
	done.Wait()
	return obs{"units": n, "distinct_threads": distinct(tids), "gomaxprocs": runtime.GOMAXPROCS(0),
		// No goroutine here makes a blocking syscall, so none of the run's threads is one
		// parked in a syscall; threads the runtime started meanwhile are reported apart.
		"threads_in_syscalls": 0, "threads_created_during_run": threadsCreated() - threads0,
		"threads_total": threadsCreated()}, nil
}

// itersPerMs calibrates arith: iterations per millisecond on this machine, on one goroutine.
// The best of three samples of at least 20 ms: separate processes (procs=1 and procs=2 runs)
// must get the same count, and a sample slowed by another process would lower it.
func itersPerMs() float64 {
	iters := 1 << 16
	for timed(func() { sink += arith(iters) }) < 0.02 {
		iters *= 2
	}
	best := 0.0
	for i := 0; i < 3; i++ {
		sec := timed(func() { sink += arith(iters) })
		best = max(best, float64(iters)/(sec*1e3))
	}
	return best
}

// workStealing: one spawner goroutine starts n CPU-bound goroutines (~work_us µs of calibrated
// arithmetic each) in waves of `wave`, waiting for each wave before the next; each records the
// OS thread it ran on. Go does not expose a steal counter, so steals is None.
func workStealing(p params) (obs, error) {
	n, wave, workUs := p.int("n", 10_000), p.int("wave", 200), p.int("work_us", 20)
	perUnit := int(itersPerMs() * float64(workUs) / 1e3)
	tids := make([]int, n)
	done := make(chan struct{})
	sec := timed(func() {
		go func() { // the single spawner: each wave lands on its P's queue first
			for start := 0; start < n; start += wave {
				var wg sync.WaitGroup
				for i := start; i < min(start+wave, n); i++ {
					wg.Add(1)
					go func() {
						defer wg.Done()
						keep(arith(perUnit))
						tids[i] = gettid()
					}()
				}
				wg.Wait()
			}
			close(done)
		}()
		<-done
	})
	return obs{"units": n, "distinct_threads": distinct(tids), "steals": nil,
		"gomaxprocs": runtime.GOMAXPROCS(0), "seconds": sec, "work_us_per_unit": workUs,
		"iters_per_unit": perUnit}, nil
}

// pipeWatchdog is a separate process (so independent of this runtime's scheduler): it sleeps
// the given ms and then writes 'w' to fd 3, unblocking a read that nothing else unblocked.
func pipeWatchdog() {
	var ms int
	fmt.Sscanf(os.Args[2], "%d", &ms)
	time.Sleep(time.Duration(ms) * time.Millisecond)
	syscall.Write(3, []byte{'w'})
}

// syscallHandoff: at GOMAXPROCS=1, A blocks in a real read(2) on a pipe (blocking fds from
// syscall.Pipe, not the netpoller), B counts, C sleeps block_ms and writes the pipe.
func syscallHandoff(p params) (obs, error) {
	blockMs := p.int("block_ms", 200)
	yieldEvery := p.int("yield_every", 1)
	runtime.GOMAXPROCS(1)
	var fds [2]int
	if err := syscall.Pipe2(fds[:], syscall.O_CLOEXEC); err != nil {
		return nil, err
	}
	defer syscall.Close(fds[0])
	defer syscall.Close(fds[1])
	dup, err := syscall.Dup(fds[1]) // the child gets its own copy of the write end as fd 3
	if err != nil {
		return nil, err
	}
	wd := os.NewFile(uintptr(dup), "pipe-w")
	watchdog := startWatchdog(wd, 5*blockMs)
	wd.Close()
	defer watchdog.stop()

	var count atomic.Int64
	var stop atomic.Bool
	var wg sync.WaitGroup
	var blocked time.Duration
	var progress int64
	got := byte(0)
	wg.Add(3)
	go func() { // A
		defer wg.Done()
		buf := make([]byte, 1)
		before := count.Load()
		start := time.Now()
		syscall.Read(fds[0], buf) // blocks this M in the kernel
		blocked = time.Since(start)
		progress = count.Load() - before
		got = buf[0]
		stop.Store(true)
	}()
	go func() { // B: yields every yieldEvery counts; 0 never, so only preemption lets C run
		defer wg.Done()
		deadline := time.Now().Add(time.Duration(20*blockMs) * time.Millisecond) // no hang
		for n := 1; !stop.Load(); n++ {
			count.Add(1)
			if yieldEvery > 0 && n%yieldEvery == 0 {
				runtime.Gosched()
			}
			if n%1024 == 0 && time.Now().After(deadline) {
				break
			}
		}
	}()
	go func() { // C
		defer wg.Done()
		time.Sleep(time.Duration(blockMs) * time.Millisecond)
		syscall.Write(fds[1], []byte{'c'})
	}()
	wg.Wait()
	return obs{"blocked_ms": float64(blocked.Microseconds()) / 1e3,
		"progress_during_block": progress, "watchdog_fired": got == 'w',
		"counted_total": count.Load(), "gomaxprocs": runtime.GOMAXPROCS(0)}, nil
}

type watchdogProc struct{ stop func() }

func startWatchdog(w *os.File, ms int) watchdogProc {
	exe, err := os.Executable()
	if err != nil {
		return watchdogProc{stop: func() {}}
	}
	cmd := execCommand(exe, "child:pipe_watchdog", fmt.Sprint(ms))
	cmd.ExtraFiles = []*os.File{w} // becomes fd 3 in the child
	if err := cmd.Start(); err != nil {
		return watchdogProc{stop: func() {}}
	}
	return watchdogProc{stop: func() { cmd.Process.Kill(); cmd.Wait() }}
}

func gomaxprocs(p params) (obs, error) {
	return obs{"gomaxprocs": runtime.GOMAXPROCS(0), "cpu_count": runtime.NumCPU()}, nil
}

// parallelSpeedup: two goroutines each do work_ms of arithmetic (a fixed iteration count, so
// preemption cannot shorten it) at GOMAXPROCS=procs (set by main from the param); one
// measurement. The suite alternates procs=1 and procs=2 and compares the medians.
func parallelSpeedup(p params) (obs, error) {
	workMs, procs := p.int("work_ms", 200), p.int("procs", 2)
	iters := int(itersPerMs() * float64(workMs))
	var wg sync.WaitGroup
	sec := timed(func() {
		wg.Add(2)
		for i := 0; i < 2; i++ {
			go func() { defer wg.Done(); keep(arith(iters)) }()
		}
		wg.Wait()
	})
	return obs{"seconds": sec, "gomaxprocs": runtime.GOMAXPROCS(0), "procs": procs,
		"cpu_count": runtime.NumCPU(), "iters_per_unit": iters}, nil
}
