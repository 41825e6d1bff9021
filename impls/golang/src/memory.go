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

// spawnEmptyWait is the article's §1-2 program: n empty goroutines, Wait, read the memory.
// The baseline is read after a GC so garbage of the start-up is not counted against the units.
func spawnEmptyWait(p params) (obs, error) {
	n, seed := p.int("n", 100_000), p.int("seed", 1)
	runtime.GC()
	rssBefore := rss()
	var wg sync.WaitGroup
	spawned := 0
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
		}()
		spawned++
	}
	wg.Wait()
	rssAfter := rss()
	m := memStats()
	return obs{"n": n, "rss_before": rssBefore, "rss_after": rssAfter,
		"rss_delta": rssAfter - rssBefore, "runtime_heap_bytes": m.HeapAlloc,
		"stack_inuse_bytes": m.StackInuse, "plan_digest": seqDigest(seed, spawned, 0, 0)}, nil
}

// recurse descends depth frames of at least 1 KiB each (a buffer it touches); in the deepest
// frame it reads the process RSS into *deepRSS. It returns the frames reached and how far
// below root's buffer the stack reached.
//
//go:noinline
func recurse(depth int, root *byte, deepRSS *int64) (frames int, span uintptr) {
	var buf [1024]byte
	buf[depth%len(buf)] = byte(depth)
	if depth <= 1 {
		*deepRSS = rss()
		// root points into this same (possibly moved) stack: the runtime adjusts it on growth.
		return 1, uintptr(unsafe.Pointer(root)) - uintptr(unsafe.Pointer(&buf[0])) + uintptr(len(buf))
	}
	frames, span = recurse(depth-1, root, deepRSS)
	sink += uint64(buf[(depth*7)%len(buf)]) // read after the call: the frame must stay live
	return frames + 1, span
}

// stackGrowth: a goroutine recurses through depth_kib frames of 1 KiB while `idle` goroutines
// stay parked; RSS is read just before the recursion and in the deepest frame.
func stackGrowth(p params) (obs, error) {
	depth, idleN := p.int("depth_kib", 256), p.int("idle", 100)
	release := make(chan struct{})
	var idle sync.WaitGroup
	before := memStats().StackInuse
	idle.Add(idleN)
	for i := 0; i < idleN; i++ {
		go func() { idle.Done(); <-release }()
	}
	idle.Wait()
	idleStacks := memStats().StackInuse - before
	type result struct {
		frames             int
		span               uintptr
		rssBefore, rssDeep int64
		stackInuseWithDeep uint64
	}
	done := make(chan result)
	go func() {
		var r result
		var root [1]byte
		r.rssBefore = rss()
		r.frames, r.span = recurse(depth, &root[0], &r.rssDeep)
		r.stackInuseWithDeep = memStats().StackInuse // the deep stack is still ours here
		done <- r
	}()
	r := <-done
	close(release)
	perIdle := 0.0
	if idleN > 0 {
		perIdle = float64(idleStacks) / float64(idleN)
	}
	// A failed growth would have killed the process (Go has no recoverable stack error), so
	// reaching here means it worked; ok still checks the frames and the span they covered.
	return obs{"ok": r.frames == depth && r.span >= uintptr(depth)*1024,
		"recursed_bytes": r.frames * 1024, "rss_growth": r.rssDeep - r.rssBefore, "error": nil,
		"stack_span_bytes": r.span, "rss_before_recursion": r.rssBefore,
		"rss_deepest_frame": r.rssDeep, "idle_units": idleN,
		"idle_stack_bytes_per_unit": perIdle, "stack_inuse_with_deep": r.stackInuseWithDeep}, nil
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
// of goroutine creation is written. warmup_units first, untimed, fill the runtime's free lists.
func spawn(p params) (obs, error) {
	return timedFan(p, "ns_per_spawn", func(n int) int {
		var wg sync.WaitGroup
		wg.Add(n)
		i := 0
		for ; i < n; i++ {
			go func() { wg.Done() }()
		}
		wg.Wait()
		return i
	})
}

// timeTurns is the measurement around a ping-pong: once the two goroutines have reported ready
// and are parked on the gate (waiting0 is the waiting count before they started), it opens the
// gate and times until wg says both are done, counting voluntary context switches meanwhile.
func timeTurns(ready, wg *sync.WaitGroup, waiting0 uint64, gate chan struct{}) (sec, cpu float64, nvcsws int64) {
	ready.Wait()
	awaitWaiting(waiting0+2, time.Second) // both parked on the gate, not merely started
	cs := nvcsw()
	sec, cpu = clock(func() {
		close(gate)
		wg.Wait()
	})
	return sec, cpu, nvcsw() - cs
}

// pingpongYield: two goroutines at GOMAXPROCS=1 hand the processor to each other with
// runtime.Gosched; each call is one one-way switch. Both are parked on the gate before timing.
func pingpongYield(p params) (obs, error) {
	n, seed := p.int("n", 200_000), p.int("seed", 1)
	runtime.GOMAXPROCS(1)
	var wg sync.WaitGroup
	var ready sync.WaitGroup
	gate := make(chan struct{})
	var turns [2]int
	player := func(side int) {
		defer wg.Done()
		ready.Done()
		<-gate
		for i := 0; i < n/2; i++ {
			runtime.Gosched()
			turns[side]++
		}
	}
	waiting0 := metric("/sched/goroutines/waiting:goroutines")
	wg.Add(2)
	ready.Add(2)
	go player(0)
	go player(1)
	sec, cpu, d := timeTurns(&ready, &wg, waiting0, gate)
	ops := n / 2 * 2
	return obs{"seconds": sec, "cpu_seconds": cpu, "ops": ops, "ns_per_switch": sec / float64(ops) * 1e9,
		"nvcsw": d, "nvcsw_per_switch": float64(d) / float64(ops), "gomaxprocs": 1,
		"state_digest": hexd(term(seed, 0, 0, uint64(turns[0])) + term(seed, 0, 1, uint64(turns[1])))}, nil
}

// pingpongChan: a client and a server goroutine bounce a ball over two unbuffered channels at
// GOMAXPROCS=1, the server sending back ball+1; ops counts one-way messages. Both are parked
// on the gate before timing.
func pingpongChan(p params) (obs, error) {
	n, seed := p.int("n", 200_000), p.int("seed", 1)
	runtime.GOMAXPROCS(1)
	ping, pong := make(chan int), make(chan int)
	gate := make(chan struct{})
	rounds := n / 2
	var wg, ready sync.WaitGroup
	ball := 0
	waiting0 := metric("/sched/goroutines/waiting:goroutines")
	wg.Add(2)
	ready.Add(2)
	go func() { // server
		defer wg.Done()
		ready.Done()
		<-gate
		for v := range ping {
			pong <- v + 1
		}
	}()
	go func() { // client
		defer wg.Done()
		ready.Done()
		<-gate
		for i := 0; i < rounds; i++ {
			ping <- ball
			ball = <-pong
		}
		close(ping)
	}()
	sec, cpu, d := timeTurns(&ready, &wg, waiting0, gate)
	ops := rounds * 2
	return obs{"seconds": sec, "cpu_seconds": cpu, "ops": ops, "ns_per_message": sec / float64(ops) * 1e9,
		"nvcsw": d, "nvcsw_per_message": float64(d) / float64(ops), "gomaxprocs": 1,
		"state_digest": hexd(term(seed, 0, 0, uint64(ball)))}, nil
}
