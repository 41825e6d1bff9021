package main

// §6 Mutex and RWMutex: exact counters, Unlock by defer through a panic, the fatal error of
// unlocking an unlocked Mutex, readers sharing an RWMutex, writers excluding everyone, and
// what RWMutex buys on read-heavy work.

import (
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

func init() {
	register("mutex_counter", mutexCounter)
	register("mutex_unlock_on_panic", mutexUnlockOnPanic)
	register("mutex_unlock_unlocked", mutexUnlockUnlocked)
	register("rw_readers_share", rwReadersShare)
	register("rw_writer_exclusive", rwWriterExclusive)
	register("rw_vs_mutex", rwVsMutex)
	register("mutex_uncontended", mutexUncontended)
	register("mutex_contended", mutexContended)
	children["child:unlock_unlocked"] = func() {
		var mu sync.Mutex
		mu.Unlock()
	}
}

// SafeCounter is the article's §6 type.
type SafeCounter struct {
	mu    sync.Mutex
	count int
}

func (c *SafeCounter) Increment() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.count++
}

func (c *SafeCounter) Value() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.count
}

func mutexOnce(units, increments int) int {
	var wg sync.WaitGroup
	counter := &SafeCounter{}
	for i := 0; i < units; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < increments; j++ {
				counter.Increment()
			}
		}()
	}
	wg.Wait()
	return counter.Value()
}

// mutexTrial is one trial of mutex_counter: mutexOnce, except that unit u, once it is done,
// adds term(seed, t, u, increments) to the trial's plan digest under the same lock.
func mutexTrial(seed, t, units, increments int) (final int, plan uint64) {
	var wg sync.WaitGroup
	counter := &SafeCounter{}
	for u := 0; u < units; u++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < increments; j++ {
				counter.Increment()
			}
			counter.mu.Lock()
			plan += term(seed, t, u, uint64(increments))
			counter.mu.Unlock()
		}()
	}
	wg.Wait()
	return counter.Value(), plan
}

func mutexCounter(p params) (obs, error) {
	units, incs, trials := p.int("units", 1000), p.int("increments", 1), p.int("trials", 1000)
	seed := p.int("seed", 1)
	exact := 0
	var plan, state uint64
	for t := 0; t < trials; t++ {
		final, pl := mutexTrial(seed, t, units, incs)
		if final == units*incs {
			exact++
		}
		plan += pl
		state += term(seed, t, units, uint64(final))
	}
	return obs{"trials": trials, "exact_trials": exact, "gomaxprocs": runtime.GOMAXPROCS(0),
		"plan_digest": hexd(plan), "state_digest": hexd(state)}, nil
}

func mutexUnlockOnPanic(p params) (obs, error) {
	var mu sync.Mutex
	panicked, recovered := false, false
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer func() { recovered = recover() != nil }()
		mu.Lock()
		defer mu.Unlock() // runs while the panic unwinds
		panicked = true
		panic("inside the critical section")
	}()
	<-done
	acquired := make(chan struct{})
	go func() {
		mu.Lock()
		mu.Unlock()
		close(acquired)
	}()
	lockFree := false
	select {
	case <-acquired:
		lockFree = true
	case <-time.After(2 * time.Second): // bounded: a lock left held would show up here
	}
	return obs{"panicked": panicked, "recovered": recovered, "lock_free_after": lockFree}, nil
}

// mutexUnlockUnlocked: Go makes this a fatal error (not a recoverable panic), so a child
// process does it and the parent reads its message.
func mutexUnlockUnlocked(p params) (obs, error) {
	r := runChild("child:unlock_unlocked", "{}", 60*time.Second)
	msg := r.firstLines(`fatal error`, 1)
	return obs{"raised": r.exitCode != 0, "error": msg, "fatal": r.exitCode != 0 && !r.timedOut,
		"exit_code": r.exitCode}, nil
}

// rwReadersShare: every reader holds RLock while waiting at a barrier of all readers, so the
// peak count of readers inside is the real number of simultaneous holders.
func rwReadersShare(p params) (obs, error) {
	readers := p.int("readers", 10)
	var rw sync.RWMutex
	var inside, peak, arrived atomic.Int64
	all := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(readers)
	for i := 0; i < readers; i++ {
		go func() {
			defer wg.Done()
			rw.RLock()
			defer rw.RUnlock()
			now := inside.Add(1)
			for old := peak.Load(); now > old && !peak.CompareAndSwap(old, now); old = peak.Load() {
			}
			if arrived.Add(1) == int64(readers) {
				close(all)
			}
			select { // bounded barrier: a lock that admitted one reader at a time times out
			case <-all:
			case <-time.After(2 * time.Second):
			}
			inside.Add(-1)
		}()
	}
	wg.Wait()
	return obs{"peak_readers": peak.Load(), "readers": readers}, nil
}

// rwWriterExclusive: workers follow the plan (plan.go writerOp) on GOMAXPROCS=procs; every
// section announces itself, a writer checks it is alone before and after yielding inside its
// section, a reader checks no writer is inside.
func rwWriterExclusive(p params) (obs, error) {
	ops, workers, writePct := p.int("ops", 100_000), p.int("workers", 8), p.int("write_pct", 10)
	slots, yieldEvery := p.int("slots", 64), p.int("yield_every", 64)
	seed, trace := p.int("seed", 1), p.int("trace", 0)
	each := opsEach(ops, workers)
	plans := make([][]planOp, workers)
	for w := range plans {
		plans[w] = planOps(writerOp, seed, w, each, writePct, slots)
	}
	counts := make([]uint64, slots) // written only under the write lock
	var rw sync.RWMutex
	var readersIn, writersIn, violations atomic.Int64
	var wg sync.WaitGroup
	wg.Add(workers)
	for w := 0; w < workers; w++ {
		go func() {
			defer wg.Done()
			for i, op := range plans[w] {
				if op.kind == opWrite {
					rw.Lock()
					if writersIn.Add(1) != 1 || readersIn.Load() != 0 {
						violations.Add(1)
					}
					runtime.Gosched() // let others try to get in while we hold it
					if writersIn.Load() != 1 || readersIn.Load() != 0 {
						violations.Add(1)
					}
					counts[op.key]++
					writersIn.Add(-1)
					rw.Unlock()
				} else {
					rw.RLock()
					readersIn.Add(1)
					if writersIn.Load() != 0 {
						violations.Add(1)
					}
					readersIn.Add(-1)
					rw.RUnlock()
				}
				if i%yieldEvery == yieldEvery-1 {
					runtime.Gosched()
				}
			}
		}()
	}
	wg.Wait()
	out := obs{"ops": each * workers, "violations": violations.Load(), "workers": workers,
		"gomaxprocs": runtime.GOMAXPROCS(0), "plan_digest": planDigest(seed, plans),
		"state_digest": tableDigest(seed, counts)}
	if trace > 0 {
		out["trace"] = traces(plans, trace)
	}
	return out, nil
}

// planDigest is the digest of every op of the plans: term(seed, w, i, kind<<32 | key).
func planDigest(seed int, plans [][]planOp) string {
	var acc uint64
	for w, ops := range plans {
		for i, op := range ops {
			acc += term(seed, w, i, uint64(op.kind)<<32|uint64(op.key))
		}
	}
	return hexd(acc)
}

func traces(plans [][]planOp, k int) [][]string {
	out := make([][]string, len(plans))
	for w, ops := range plans {
		out[w] = traceOf(ops, k)
	}
	return out
}

// rwVsMutex: workers follow the plan (plan.go rwOp): reads are `chain` dependent loads over
// the table under RLock, writes bump one word under Lock, with an RWMutex (rw=1) or a Mutex
// (rw=0, readers take the Mutex too). The table is reset before each run; `warmup` untimed
// runs, then one timed run. The suite alternates rw=1 and rw=0 and takes medians.
func rwVsMutex(p params) (obs, error) {
	n, readPct, rwFlag := p.int("n", 200_000), p.int("read_pct", 95), p.int("rw", 1)
	workers, size, chain := p.int("workers", 4), p.int("table", 1024), p.int("chain", 256)
	warmup, seed, trace := p.int("warmup", 1), p.int("seed", 1), p.int("trace", 0)
	each := opsEach(n, workers)
	plans := make([][]planOp, workers) // built before anything is timed
	for w := range plans {
		plans[w] = planOps(rwOp, seed, w, each, readPct, size)
	}
	var rw sync.RWMutex
	var mu sync.Mutex
	var wlock, rlock sync.Locker = &rw, rw.RLocker()
	if rwFlag == 0 {
		wlock, rlock = &mu, &mu
	}
	table := make([]uint64, size)
	run := func() float64 {
		for j := range table {
			table[j] = uint64(j)
		}
		var wg sync.WaitGroup
		return timed(func() {
			wg.Add(workers)
			for w := 0; w < workers; w++ {
				go func() {
					defer wg.Done()
					var s uint64
					for _, op := range plans[w] {
						if op.kind == opRead {
							rlock.Lock()
							s += readSection(table, op.key, chain)
							rlock.Unlock()
						} else {
							wlock.Lock()
							table[op.key]++
							wlock.Unlock()
						}
					}
					keep(s)
				}()
			}
			wg.Wait()
		})
	}
	for i := 0; i < warmup; i++ {
		run()
	}
	sec := run()
	ops := each * workers
	out := obs{"seconds": sec, "ops": ops, "ns_per_op": sec / float64(ops) * 1e9,
		"workers": workers, "gomaxprocs": runtime.GOMAXPROCS(0),
		"plan_digest": planDigest(seed, plans), "state_digest": tableDigest(seed, table)}
	if trace > 0 {
		out["trace"] = traces(plans, trace)
	}
	return out, nil
}

func mutexUncontended(p params) (obs, error) {
	n, seed := p.int("n", 1_000_000), p.int("seed", 1)
	var mu sync.Mutex
	counter := 0
	sec, cpu := clock(func() {
		for i := 0; i < n; i++ {
			mu.Lock()
			counter++
			mu.Unlock()
		}
	})
	return obs{"seconds": sec, "cpu_seconds": cpu, "ops": n, "ns_per_op": sec / float64(n) * 1e9,
		"state_digest": hexd(term(seed, 0, 0, uint64(counter)))}, nil
}

// mutexContended: units goroutines each do n/units Lock/++/Unlock; each notes how many it did
// (one store after its loop), and the digests are computed from those counts after timing.
func mutexContended(p params) (obs, error) {
	n, units, seed := p.int("n", 1_000_000), p.int("units", 2), p.int("seed", 1)
	per := n / units
	if per == 0 {
		return nil, fmt.Errorf("mutex_contended: n=%d is less than units=%d", n, units)
	}
	var mu sync.Mutex
	counter := 0
	did := make([]int, units)
	var wg sync.WaitGroup
	sec, cpu := clock(func() {
		wg.Add(units)
		for u := 0; u < units; u++ {
			go func() {
				defer wg.Done()
				i := 0
				for ; i < per; i++ {
					mu.Lock()
					counter++
					mu.Unlock()
				}
				did[u] = i
			}()
		}
		wg.Wait()
	})
	ops := per * units
	if counter != ops {
		return nil, fmt.Errorf("mutex_contended: counter %d != %d", counter, ops)
	}
	var plan uint64
	for u, d := range did {
		plan += term(seed, 0, u, uint64(d))
	}
	return obs{"seconds": sec, "cpu_seconds": cpu, "ops": ops, "ns_per_op": sec / float64(ops) * 1e9,
		"gomaxprocs": runtime.GOMAXPROCS(0), "plan_digest": hexd(plan),
		"state_digest": hexd(term(seed, 0, 0, uint64(counter)))}, nil
}
