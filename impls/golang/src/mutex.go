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

func mutexCounter(p params) (obs, error) {
	units, incs, trials := p.int("units", 1000), p.int("increments", 1), p.int("trials", 1000)
	exact := 0
	for t := 0; t < trials; t++ {
		if mutexOnce(units, incs) == units*incs {
			exact++
		}
	}
	return obs{"trials": trials, "exact_trials": exact, "gomaxprocs": runtime.GOMAXPROCS(0)}, nil
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

// rwWriterExclusive: readers and writers (1 op in 10 a write) on GOMAXPROCS=procs; every
// section announces itself, and a writer checks it is alone.
func rwWriterExclusive(p params) (obs, error) {
	ops := p.int("ops", 100_000)
	var rw sync.RWMutex
	var readersIn, writersIn, violations, done atomic.Int64
	const workers = 8
	var wg sync.WaitGroup
	wg.Add(workers)
	for w := 0; w < workers; w++ {
		go func() {
			defer wg.Done()
			for i := w; i < ops; i += workers {
				if i%10 == 0 {
					rw.Lock()
					if writersIn.Add(1) != 1 || readersIn.Load() != 0 {
						violations.Add(1)
					}
					runtime.Gosched() // let others try to get in while we hold it
					if readersIn.Load() != 0 {
						violations.Add(1)
					}
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
				done.Add(1)
			}
		}()
	}
	wg.Wait()
	return obs{"ops": done.Load(), "violations": violations.Load(), "workers": workers,
		"gomaxprocs": runtime.GOMAXPROCS(0)}, nil
}

// table is the shared data of rw_vs_mutex: a read sums it (about 1 µs), a write bumps a slot.
type table struct{ vals [2048]int64 }

func (t *table) read() int64 {
	var s int64
	for _, v := range t.vals {
		s += v
	}
	return s
}

// rwVsMutex: 2*GOMAXPROCS workers do n operations in all, read_pct% reads, once under an
// RWMutex and once under a Mutex.
func rwVsMutex(p params) (obs, error) {
	n, readPct := p.int("n", 200_000), p.int("read_pct", 95)
	workers := 2 * runtime.GOMAXPROCS(0)
	run := func(lock, unlock, rlock, runlock func()) float64 {
		t := &table{}
		var wg sync.WaitGroup
		return timed(func() {
			wg.Add(workers)
			for w := 0; w < workers; w++ {
				go func() {
					defer wg.Done()
					var s int64
					for i := w; i < n; i += workers {
						if i%100 < readPct {
							rlock()
							s += t.read()
							runlock()
						} else {
							lock()
							t.vals[i%len(t.vals)]++
							unlock()
						}
					}
					keep(uint64(s))
				}()
			}
			wg.Wait()
		})
	}
	var rw sync.RWMutex
	var mu sync.Mutex
	run(rw.Lock, rw.Unlock, rw.RLock, rw.RUnlock) // warm-up
	rwSec := run(rw.Lock, rw.Unlock, rw.RLock, rw.RUnlock)
	muSec := run(mu.Lock, mu.Unlock, mu.Lock, mu.Unlock)
	return obs{"seconds": rwSec, "ops": n, "rw_seconds": rwSec, "mutex_seconds": muSec,
		"ratio": muSec / rwSec, "ns_per_op": rwSec / float64(n) * 1e9, "workers": workers,
		"gomaxprocs": runtime.GOMAXPROCS(0)}, nil
}

func mutexUncontended(p params) (obs, error) {
	n := p.int("n", 1_000_000)
	var mu sync.Mutex
	sec, cpu := clock(func() {
		for i := 0; i < n; i++ {
			mu.Lock()
			mu.Unlock()
		}
	})
	return obs{"seconds": sec, "cpu_seconds": cpu, "ops": n, "ns_per_op": sec / float64(n) * 1e9}, nil
}

func mutexContended(p params) (obs, error) {
	n, units := p.int("n", 1_000_000), p.int("units", 2)
	per := n / units
	if per == 0 {
		return nil, fmt.Errorf("mutex_contended: n=%d is less than units=%d", n, units)
	}
	var mu sync.Mutex
	counter := 0
	var wg sync.WaitGroup
	sec, cpu := clock(func() {
		wg.Add(units)
		for u := 0; u < units; u++ {
			go func() {
				defer wg.Done()
				for i := 0; i < per; i++ {
					mu.Lock()
					counter++
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
	})
	ops := per * units
	if counter != ops {
		return nil, fmt.Errorf("mutex_contended: counter %d != %d", counter, ops)
	}
	return obs{"seconds": sec, "cpu_seconds": cpu, "ops": ops, "ns_per_op": sec / float64(ops) * 1e9,
		"gomaxprocs": runtime.GOMAXPROCS(0)}, nil
}
