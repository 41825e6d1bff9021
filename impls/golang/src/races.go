package main

// §5 Race conditions: the unsynchronised counter loses updates, and the race detector
// (a `-race` build of this same program) reports it with its location.

import (
	"fmt"
	"regexp"
	"runtime"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

func init() {
	register("racy_counter", racyCounter)
	register("race_detector", raceDetector)
	register("race_overhead", raceOverhead)
	children["child:race_racy"] = func() { fmt.Println(racyOnce(1000, 1)) }
	children["child:race_mutex"] = func() { fmt.Println(mutexOnce(1000, 1)) }
	children["child:race_atomic"] = func() { fmt.Println(atomicOnce(1000)) }
}

// racyOnce is the article's §5 program: `counter++` from units goroutines, no lock.
func racyOnce(units, increments int) int {
	var counter int
	var wg sync.WaitGroup
	for i := 0; i < units; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < increments; j++ {
				counter++ // ❌ data race
			}
		}()
	}
	wg.Wait()
	return counter
}

// racyTrial is racyOnce plus the plan digest: unit u of trial t stores
// term(seed, t, u, increments) in a slot of its own once done, so the digest itself never races.
func racyTrial(seed, t, units, increments int, slots []uint64) (final int, plan uint64) {
	var counter int
	var wg sync.WaitGroup
	for u := 0; u < units; u++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < increments; j++ {
				counter++ // ❌ data race
			}
			slots[u] = term(seed, t, u, uint64(increments))
		}()
	}
	wg.Wait()
	for _, s := range slots {
		plan += s
	}
	return counter, plan
}

func racyCounter(p params) (obs, error) {
	units, incs, trials := p.int("units", 1000), p.int("increments", 1), p.int("trials", 1000)
	seed := p.int("seed", 1)
	expected := units * incs
	lossy, lowest := 0, expected
	values := map[int]bool{}
	slots := make([]uint64, units)
	var plan uint64
	for t := 0; t < trials; t++ {
		v, pl := racyTrial(seed, t, units, incs, slots)
		plan += pl
		if v < expected {
			lossy++
		}
		lowest = min(lowest, v)
		values[v] = true
	}
	distinct := make([]int, 0, len(values))
	for v := range values {
		distinct = append(distinct, v)
	}
	sort.Ints(distinct)
	if len(distinct) > 20 {
		distinct = distinct[:20]
	}
	return obs{"trials": trials, "expected": expected, "lossy_trials": lossy, "min": lowest,
		"distinct_values": distinct, "distinct_count": len(values),
		"gomaxprocs": runtime.GOMAXPROCS(0), "plan_digest": hexd(plan)}, nil
}

var raceLocation = regexp.MustCompile(`\S+\.go:\d+`)

// raceDetector runs in the -race build: each counter program runs as a child of it, and the
// child's stderr tells whether the detector reported a race (it exits 66 when it did).
func raceDetector(p params) (obs, error) {
	if !raceEnabled {
		return nil, fmt.Errorf("race_detector must run in the -race build of goscen")
	}
	out := obs{}
	for _, prog := range []string{"racy", "mutex", "atomic"} {
		r := runChild("child:race_"+prog, "{}", 120*time.Second)
		reported := strings.Contains(r.stderr, "WARNING: DATA RACE")
		out[prog+"_reported"] = reported
		out[prog+"_exit_code"] = r.exitCode
		if prog == "racy" {
			out["report_excerpt"] = r.firstLines(`WARNING: DATA RACE`, 9)
			loc := raceLocation.FindString(r.firstLines(`WARNING: DATA RACE`, 9))
			out["report_location"] = loc
		}
	}
	return out, nil
}

// raceOverhead times the Mutex counter (units x increments Lock/Unlock) once in this binary.
// The Python side runs the normal binary for race=0 and the -race one for race=1 (both built
// at Go's default optimisation, -trimpath only besides -race); this checks it got the right one.
func raceOverhead(p params) (obs, error) {
	units, incs, race := p.int("units", 1000), p.int("increments", 1000), p.int("race", 0)
	if (race == 1) != raceEnabled {
		return nil, fmt.Errorf("race_overhead: race=%d asked of a binary built with race=%v",
			race, raceEnabled)
	}
	var total int
	sec := timed(func() { total = mutexOnce(units, incs) })
	return obs{"seconds": sec, "total": total, "race_build": raceEnabled,
		"workload": fmt.Sprintf("%d goroutines x %d Lock/Unlock", units, incs)}, nil
}

// atomicOnce is the article's §8 program: atomic.AddInt64 from units goroutines.
func atomicOnce(units int) int64 {
	var counter int64
	var wg sync.WaitGroup
	for i := 0; i < units; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			atomic.AddInt64(&counter, 1)
		}()
	}
	wg.Wait()
	return atomic.LoadInt64(&counter)
}
