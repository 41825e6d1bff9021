package main

// Measurement plumbing shared by the scenarios: memory from /proc, context switches from
// getrusage, thread ids from gettid, and the runtime's own counters.

import (
	"bufio"
	"os"
	"runtime"
	"runtime/metrics"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"
)

// procStatus returns VmRSS and VmSize of this process in bytes (from /proc/self/status).
func procStatus() (rss, vm int64) {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return -1, -1
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		for _, want := range []struct {
			key string
			dst *int64
		}{{"VmRSS:", &rss}, {"VmSize:", &vm}} {
			if strings.HasPrefix(line, want.key) {
				fields := strings.Fields(line[len(want.key):])
				kb, _ := strconv.ParseInt(fields[0], 10, 64)
				*want.dst = kb * 1024
			}
		}
	}
	return rss, vm
}

func rss() int64 { r, _ := procStatus(); return r }

// nvcsw is the process's voluntary context switches so far (all threads).
func nvcsw() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return -1
	}
	return ru.Nvcsw
}

func gettid() int { return syscall.Gettid() }

// threadsCreated counts OS threads (Ms) the runtime has created so far.
func threadsCreated() int { return pprof.Lookup("threadcreate").Count() }

// metric reads one runtime/metrics uint64 value (0 when the name is unknown).
func metric(name string) uint64 {
	s := []metrics.Sample{{Name: name}}
	metrics.Read(s)
	if s[0].Value.Kind() == metrics.KindUint64 {
		return s[0].Value.Uint64()
	}
	return 0
}

func memStats() runtime.MemStats {
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m
}

// timed returns the wall seconds f takes, by the monotonic clock.
func timed(f func()) float64 {
	start := time.Now()
	f()
	return time.Since(start).Seconds()
}

// spin does about us microseconds of arithmetic and returns a value so it is not elided.
func spin(us int) uint64 {
	end := time.Now().Add(time.Duration(us) * time.Microsecond)
	x := uint64(1)
	for time.Now().Before(end) {
		for i := 0; i < 200; i++ {
			x = x*6364136223846793005 + 1442695040888963407
		}
	}
	return x
}

// arith does a fixed amount of arithmetic (iters rounds) and returns a value so it is kept.
func arith(iters int) uint64 {
	x := uint64(iters)
	for i := 0; i < iters; i++ {
		x = x*6364136223846793005 + 1442695040888963407
	}
	return x
}

// sink receives results of busy work so the compiler keeps the work; keep adds atomically so
// goroutines doing it in parallel do not race.
var sink uint64

func keep(x uint64) { atomic.AddUint64(&sink, x) }

// clock times f like timed and also returns the process CPU seconds (user+sys, all threads)
// it used: on a shared machine, cpu/wall shows how much of the wall time we actually ran.
func clock(f func()) (wall, cpu float64) {
	var before, after syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &before)
	wall = timed(f)
	syscall.Getrusage(syscall.RUSAGE_SELF, &after)
	tv := func(t syscall.Timeval) float64 { return float64(t.Sec) + float64(t.Usec)/1e6 }
	cpu = tv(after.Utime) - tv(before.Utime) + tv(after.Stime) - tv(before.Stime)
	return wall, cpu
}
