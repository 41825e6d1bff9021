package main

// §10 Worker pool: the article's pool of numWorkers goroutines squaring jobs from a channel.

import (
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

func init() {
	register("pool_result", poolResult)
	register("pool_bounded", poolBounded)
	register("worker_pool", workerPool)
}

// pool is the §10 program (without the per-job Printf): workers square jobs 1..numJobs.
func pool(numWorkers, numJobs int) int {
	jobs := make(chan int, numJobs)
	results := make(chan int, numJobs)
	var wg sync.WaitGroup
	for w := 0; w < numWorkers; w++ {
		wg.Add(1)
		go func(id int) {
			defer wg.Done()
			for job := range jobs {
				results <- job * job
			}
		}(w)
	}
	for j := 1; j <= numJobs; j++ {
		jobs <- j
	}
	close(jobs)
	go func() {
		wg.Wait()
		close(results)
	}()
	var total int
	for r := range results {
		total += r
	}
	return total
}

func sumSquares(n int) int { return n * (n + 1) * (2*n + 1) / 6 }

func poolResult(p params) (obs, error) {
	workers, jobs := p.int("workers", 5), p.int("jobs", 20)
	return obs{"total": pool(workers, jobs), "expected": sumSquares(jobs)}, nil
}

// poolBounded samples runtime.NumGoroutine from a goroutine of its own while the pool runs;
// baseline is taken with the sampler already running, so peak-baseline is what the pool adds
// (its workers plus the goroutine that closes results).
func poolBounded(p params) (obs, error) {
	workers, jobs := p.int("workers", 5), p.int("jobs", 100_000)
	var peak atomic.Int64
	stop := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		for {
			if n := int64(runtime.NumGoroutine()); n > peak.Load() {
				peak.Store(n)
			}
			select {
			case <-stop:
				return
			case <-time.After(50 * time.Microsecond): // the sampling period
			}
		}
	}()
	for peak.Load() == 0 { // wait until the sampler has taken its first sample
		runtime.Gosched()
	}
	baseline := runtime.NumGoroutine()
	total := pool(workers, jobs)
	close(stop)
	<-sampled
	return obs{"peak_live": peak.Load(), "baseline": baseline, "workers": workers,
		"total": total, "expected": sumSquares(jobs)}, nil
}

func workerPool(p params) (obs, error) {
	workers, jobs := p.int("workers", 8), p.int("jobs", 100_000)
	var total int
	sec, cpu := clock(func() { total = pool(workers, jobs) })
	return obs{"seconds": sec, "cpu_seconds": cpu, "ops": jobs, "ns_per_job": sec / float64(jobs) * 1e9,
		"total": total, "gomaxprocs": runtime.GOMAXPROCS(0)}, nil
}
