package main

// §5 Race conditions: the unsynchronised counter loses updates, and the race detector
// (a `-race` build of this same program) reports it with its location.

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
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
	children["child:mutex_timed"] = mutexTimedChild
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

func racyCounter(p params) (obs, error) {
	units, incs, trials := p.int("units", 1000), p.int("increments", 1), p.int("trials", 1000)
	expected := units * incs
	lossy, lowest := 0, expected
	values := map[int]bool{}
	for t := 0; t < trials; t++ {
		v := racyOnce(units, incs)
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
		"gomaxprocs": runtime.GOMAXPROCS(0)}, nil
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

// mutexTimedChild times the Mutex counter (units x increments Lock/Unlock) and prints
// {"seconds": s}; race_overhead runs it in the normal and in the -race binary.
func mutexTimedChild() {
	var p params
	dec := json.NewDecoder(strings.NewReader(os.Args[2]))
	dec.UseNumber()
	if err := dec.Decode(&p); err != nil {
		fail("child:mutex_timed: " + err.Error())
	}
	units, incs := p.int("units", 1000), p.int("increments", 1000)
	var total int
	sec := timed(func() { total = mutexOnce(units, incs) })
	json.NewEncoder(os.Stdout).Encode(obs{"seconds": sec, "total": total, "race": raceEnabled})
}

// raceOverhead runs the same timed Mutex counter in this binary and in the -race one
// (GOSCEN_RACE_BIN, set by the Python side), each as a child process timing itself.
func raceOverhead(p params) (obs, error) {
	raceBin := os.Getenv("GOSCEN_RACE_BIN")
	if raceBin == "" {
		return nil, fmt.Errorf("race_overhead needs GOSCEN_RACE_BIN (the -race build of goscen)")
	}
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	units, incs := p.int("units", 1000), p.int("increments", 1000)
	arg := fmt.Sprintf(`{"units": %d, "increments": %d}`, units, incs)
	// Alternate the two builds three times and keep each one's best, so a burst of load from
	// other processes during one sample does not decide the ratio.
	secs := map[string]float64{"normal": math.Inf(1), "race": math.Inf(1)}
	for rep := 0; rep < 3; rep++ {
		for _, name := range []string{"normal", "race"} {
			bin := map[string]string{"normal": exe, "race": raceBin}[name]
			r := runChildExe(bin, "child:mutex_timed", arg, 600*time.Second)
			var res struct{ Seconds float64 }
			if r.exitCode != 0 || json.Unmarshal([]byte(r.stdout), &res) != nil {
				return nil, fmt.Errorf("%s build of the mutex counter failed (exit %d): %s",
					name, r.exitCode, firstLine(r.stderr))
			}
			secs[name] = min(secs[name], res.Seconds)
		}
	}
	return obs{"normal_seconds": secs["normal"], "race_seconds": secs["race"],
		"ratio":    secs["race"] / secs["normal"],
		"workload": fmt.Sprintf("%d goroutines x %d Lock/Unlock", units, incs)}, nil
}

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
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
