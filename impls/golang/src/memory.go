package main

// §1 Threads vs goroutines: memory of parked goroutines, stack growth and overflow, and the
// cost of spawning and switching.

import (
	"fmt"
	"runtime"
	"runtime/debug"
	"strings"
	"sync"
	"time"
	"unsafe"
)

func init() {
	register("parked", parked)
	register("spawn_empty_wait", spawnEmptyWait)
	register("stack_growth", stackGrowth)
	register("stack_overflow", stackOverflow)
	register("spawn", spawn)
	register("pingpong_yield", pingpongYield)
	register("pingpong_chan", pingpongChan)
	children["child:stack_overflow"] = overflowChild
}

// parked: n goroutines each block on a channel receive; memory is read with all of them parked.
func parked(p params) (obs, error) {
	n := p.int("n", 100_000)
	runtime.GC()
	rssBefore, vmBefore := procStatus()
	release := make(chan struct{})
	var started, finished sync.WaitGroup
	start := time.Now()
	started.Add(n)
	finished.Add(n)
	for i := 0; i < n; i++ {
		go func() {
			defer finished.Done()
			started.Done()
			<-release
		}()
	}
	started.Wait()
	// Started is not yet parked: wait (bounded) until the scheduler counts all n as waiting.
	waiting := awaitWaiting(uint64(n), 30*time.Second)
	secondsToPark := time.Since(start).Seconds()
	rssParked, vmParked := procStatus()
	m := memStats()
	live := runtime.NumGoroutine() - 1
	close(release)
	finished.Wait()
	return obs{
		"requested": n, "reached": n, "error": nil, "live_goroutines": live,
		"waiting_goroutines": waiting,
		"rss_before":         rssBefore, "rss_parked": rssParked,
		"vm_before": vmBefore, "vm_parked": vmParked,
		"rss_per_unit":        float64(rssParked-rssBefore) / float64(n),
		"vm_per_unit":         float64(vmParked-vmBefore) / float64(n),
		"runtime_stack_bytes": m.StackInuse, "runtime_heap_bytes": m.HeapAlloc,
		"stack_bytes_per_unit": float64(m.StackInuse) / float64(n),
		"starting_stack_bytes": metric("/gc/stack/starting-size:bytes"),
		"seconds_to_park":      secondsToPark,
		"gomaxprocs":           runtime.GOMAXPROCS(0),
	}, nil
}

// awaitWaiting yields until the runtime counts at least n goroutines as waiting (blocked),
// or the bound passes; it returns the last count.
func awaitWaiting(n uint64, bound time.Duration) uint64 {
	deadline := time.Now().Add(bound)
	w := metric("/sched/goroutines/waiting:goroutines")
	for w < n && time.Now().Before(deadline) {
		runtime.Gosched()
		w = metric("/sched/goroutines/waiting:goroutines")
	}
	return w
}

// spawnEmptyWait is the article's §1-2 program: n empty goroutines, Wait, read HeapAlloc.
func spawnEmptyWait(p params) (obs, error) {
	n := p.int("n", 100_000)
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
		}()
	}
	wg.Wait()
	var mem runtime.MemStats
	runtime.ReadMemStats(&mem)
	return obs{"n": n, "heap_bytes": mem.HeapAlloc, "rss_bytes": rss(),
		"stack_inuse_bytes": mem.StackInuse}, nil
}

// recurse descends depth frames of at least 1 KiB each (a buffer it touches) and returns, at
// the deepest frame, how far below root's buffer the stack reached.
//
//go:noinline
func recurse(depth int, root *byte) uintptr {
	var buf [1024]byte
	buf[depth%len(buf)] = byte(depth)
	if depth <= 1 {
		// root points into this same (possibly moved) stack: the runtime adjusts it on growth.
		return uintptr(unsafe.Pointer(root)) - uintptr(unsafe.Pointer(&buf[0])) + uintptr(len(buf))
	}
	reached := recurse(depth-1, root)
	sink += uint64(buf[(depth*7)%len(buf)]) // read after the call: the frame must stay live
	return reached
}

// stackGrowth: a goroutine recurses through depth_kib KiB of frames while 1000 idle
// goroutines stay parked; their stack share is reported next to the deep one.
func stackGrowth(p params) (obs, error) {
	depth := p.int("depth_kib", 256)
	release := make(chan struct{})
	var idle sync.WaitGroup
	const idleN = 1000
	before := memStats().StackInuse
	idle.Add(idleN)
	for i := 0; i < idleN; i++ {
		go func() { idle.Done(); <-release }()
	}
	idle.Wait()
	idleStacks := memStats().StackInuse - before
	done := make(chan uintptr)
	var peak uint64
	go func() {
		var root [1]byte
		reached := recurse(depth, &root[0])
		peak = memStats().StackInuse // the deep stack is still ours here
		done <- reached
	}()
	reached := <-done
	close(release)
	// A failed growth would have killed the process (Go has no recoverable stack error), so
	// reaching here means it worked; ok still checks the depth the frames really spanned.
	return obs{"ok": reached >= uintptr(depth)*1024, "recursed_bytes": reached, "error": nil,
		"idle_units": idleN, "idle_stack_bytes_per_unit": float64(idleStacks) / idleN,
		"stack_inuse_with_deep": peak}, nil
}

// forever recurses without bound; the child process dies with Go's stack overflow error.
//
//go:noinline
func forever(n int) int {
	var buf [256]byte
	buf[n%len(buf)] = byte(n)
	return forever(n+1) + int(buf[0])
}

func overflowChild() {
	debug.SetMaxStack(8 << 20) // 8 MiB instead of 1 GiB: same error, reached in milliseconds
	done := make(chan int)
	go func() { done <- forever(0) }()
	fmt.Println(<-done)
}

func stackOverflow(p params) (obs, error) {
	r := runChild("child:stack_overflow", "{}", 60*time.Second)
	msg := strings.Join([]string{r.firstLines(`goroutine stack exceeds`, 1),
		r.firstLines(`^fatal error`, 1)}, "\n")
	return obs{"clear_error": r.contains("stack overflow") || r.contains("goroutine stack exceeds"),
		"message": msg, "exit_code": r.exitCode, "timed_out": r.timedOut}, nil
}

// spawn: n empty goroutines started and joined through one WaitGroup, the way a Go benchmark
// of goroutine creation is written. A warm-up round fills the runtime's free lists first.
func spawn(p params) (obs, error) {
	n := p.int("n", 100_000)
	run := func(n int) {
		var wg sync.WaitGroup
		wg.Add(n)
		for i := 0; i < n; i++ {
			go func() { wg.Done() }()
		}
		wg.Wait()
	}
	run(min(n, 10_000))
	sec, cpu := clock(func() { run(n) })
	return obs{"seconds": sec, "cpu_seconds": cpu, "ops": n, "ns_per_spawn": sec / float64(n) * 1e9,
		"gomaxprocs": runtime.GOMAXPROCS(0)}, nil
}

// pingpongYield: two goroutines at GOMAXPROCS=1 hand the processor to each other with
// runtime.Gosched; each call is one one-way switch.
func pingpongYield(p params) (obs, error) {
	n := p.int("n", 200_000)
	runtime.GOMAXPROCS(1)
	var wg sync.WaitGroup
	var ready sync.WaitGroup
	gate := make(chan struct{})
	player := func() {
		defer wg.Done()
		ready.Done()
		<-gate
		for i := 0; i < n/2; i++ {
			runtime.Gosched()
		}
	}
	wg.Add(2)
	ready.Add(2)
	go player()
	go player()
	ready.Wait()
	cs := nvcsw()
	sec, cpu := clock(func() {
		close(gate)
		wg.Wait()
	})
	d := nvcsw() - cs
	ops := n / 2 * 2
	return obs{"seconds": sec, "cpu_seconds": cpu, "ops": ops, "ns_per_switch": sec / float64(ops) * 1e9,
		"nvcsw": d, "nvcsw_per_switch": float64(d) / float64(ops), "gomaxprocs": 1}, nil
}

// pingpongChan: main and one goroutine bounce a value over two unbuffered channels at
// GOMAXPROCS=1; ops counts one-way messages.
func pingpongChan(p params) (obs, error) {
	n := p.int("n", 200_000)
	runtime.GOMAXPROCS(1)
	ping, pong := make(chan int), make(chan int)
	go func() {
		for v := range ping {
			pong <- v + 1
		}
	}()
	ping <- 0 // warm-up round trip: the partner is running
	<-pong
	rounds := n / 2
	cs := nvcsw()
	v := 0
	sec, cpu := clock(func() {
		for i := 0; i < rounds; i++ {
			ping <- v
			v = <-pong
		}
	})
	d := nvcsw() - cs
	close(ping)
	ops := rounds * 2
	if v != rounds {
		return nil, fmt.Errorf("pingpong_chan: %d round trips returned %d", rounds, v)
	}
	return obs{"seconds": sec, "cpu_seconds": cpu, "ops": ops, "ns_per_message": sec / float64(ops) * 1e9,
		"nvcsw": d, "nvcsw_per_message": float64(d) / float64(ops), "gomaxprocs": 1}, nil
}
