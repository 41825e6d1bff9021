package main

// §10 Worker pool: the article's pool of numWorkers goroutines squaring jobs from a channel.

import (
	"runtime"
	"sync"
)

func init() {
	register("pool_result", poolResult)
	register("pool_bounded", poolBounded)
	register("worker_pool", workerPool)
}

// pool is the §10 program (without the per-job Printf): workers square jobs 1..numJobs; the
// consumer (the caller) sums the results and, when each is not nil, hands it every result.
func pool(numWorkers, numJobs int, each func(r int)) int {
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
		if each != nil {
			each(r)
		}
	}
	return total
}

func sumSquares(n int) int { return n * (n + 1) * (2*n + 1) / 6 }

func poolResult(p params) (obs, error) {
	workers, jobs, seed := p.int("workers", 5), p.int("jobs", 20), p.int("seed", 1)
	var plan uint64
	total := pool(workers, jobs, func(r int) { plan += term(seed, 0, 0, uint64(r)) })
	return obs{"total": total, "expected": sumSquares(jobs), "plan_digest": hexd(plan),
		"state_digest": hexd(term(seed, 0, 1, uint64(total)))}, nil
}

// poolBounded: the consumer samples runtime.NumGoroutine after every sample_every results;
// baseline is the count before the pool starts, so peak-baseline is what the pool adds (its
// workers plus the goroutine that closes results).
func poolBounded(p params) (obs, error) {
	workers, jobs, every := p.int("workers", 5), p.int("jobs", 100_000), p.int("sample_every", 100)
	seed := p.int("seed", 1)
	baseline := runtime.NumGoroutine()
	peak, got, samples := baseline, 0, 0
	var plan uint64
	total := pool(workers, jobs, func(r int) {
		plan += term(seed, 0, 0, uint64(r))
		if got++; got%every == 0 {
			peak = max(peak, runtime.NumGoroutine())
			samples++
		}
	})
	return obs{"peak_live": peak, "baseline": baseline, "workers": workers, "samples": samples,
		"total": total, "expected": sumSquares(jobs), "plan_digest": hexd(plan),
		"state_digest": hexd(term(seed, 0, 1, uint64(total)))}, nil
}

func workerPool(p params) (obs, error) {
	workers, jobs, seed := p.int("workers", 8), p.int("jobs", 100_000), p.int("seed", 1)
	var total int
	sec, cpu := clock(func() { total = pool(workers, jobs, nil) })
	return obs{"seconds": sec, "cpu_seconds": cpu, "ops": jobs, "ns_per_job": sec / float64(jobs) * 1e9,
		"total": total, "gomaxprocs": runtime.GOMAXPROCS(0),
		"state_digest": hexd(term(seed, 0, 1, uint64(total)))}, nil
}
