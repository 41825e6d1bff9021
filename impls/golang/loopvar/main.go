// Command loopvar is the article's §3-2 loop: goroutines started in a loop each record the
// loop variable their closure sees. The same file is built twice, under a generated go.mod
// saying `go 1.21` (one variable shared by all iterations) and `go 1.22` (one per iteration):
//
//	loopvar '{"n": 5, "trials": 100}'  ->  {"trials": ..., "runs_all_distinct": ..., ...}
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"sync"
)

// run starts n goroutines in a loop; each closure reads the loop variable i.
func run(n int) []int {
	var wg sync.WaitGroup
	var mu sync.Mutex
	seen := make([]int, 0, n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			mu.Lock()
			seen = append(seen, i) // which i? that is what the go line of go.mod decides
			mu.Unlock()
		}()
	}
	wg.Wait()
	return seen
}

func allDistinct(vals []int) bool {
	set := map[int]bool{}
	for _, v := range vals {
		if set[v] {
			return false
		}
		set[v] = true
	}
	return true
}

func main() {
	p := struct{ N, Trials int }{5, 100}
	if len(os.Args) > 1 {
		if err := json.Unmarshal([]byte(os.Args[1]), &p); err != nil || p.N < 1 || p.Trials < 1 {
			fmt.Fprintln(os.Stderr, `loopvar: params must be {"n": >=1, "trials": >=1}`)
			os.Exit(2)
		}
	}
	distinct, dup := 0, 0
	var sample []int
	for t := 0; t < p.Trials; t++ {
		vals := run(p.N)
		if t == 0 {
			sample = vals
		}
		if allDistinct(vals) {
			distinct++
		} else {
			dup++
		}
	}
	json.NewEncoder(os.Stdout).Encode(map[string]any{"trials": p.Trials,
		"runs_all_distinct": distinct, "runs_with_duplicates": dup, "sample": sample})
}
