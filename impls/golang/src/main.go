// Command goscen runs one scenario of the goroutine-claims suite in real Go and prints its
// observables as one JSON object on stdout:
//
//	goscen <scenario> '<json params>'
//
// Each file of this package holds the scenarios of one section of the article (memory.go for
// §1, scheduling.go for §2, ...). Params arrive validated by the Python side; the defaults
// here only make the program usable by hand. Scenarios that crash the process by design re-run
// this same binary as a child (see child.go) so the parent can report what happened.
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"runtime"
	"sort"
	"strings"
	"sync"
)

// params are the scenario's JSON params; obs are the observables it returns.
type params map[string]any
type obs map[string]any

// scenario runs with its params and returns its observables, or an error that the
// Python side turns into the scenario's error.
type scenario func(p params) (obs, error)

var scenarios = map[string]scenario{}

// register is called from each section file's init.
func register(name string, f scenario) { scenarios[name] = f }

// effective records every param value a scenario read through params.int: main adds it to
// the observables as "effective", so the suite can check the program used what it was asked
// for (a constant standing in for a param would show up there).
var effective = struct {
	sync.Mutex
	vals map[string]int
}{vals: map[string]int{}}

// int returns the integer param key, or def when it is absent or null, and records it.
func (p params) int(key string, def int) int {
	n := p.value(key, def)
	effective.Lock()
	effective.vals[key] = n
	effective.Unlock()
	return n
}

func (p params) value(key string, def int) int {
	v, ok := p[key]
	if !ok || v == nil {
		return def
	}
	switch x := v.(type) {
	case json.Number:
		n, err := x.Int64()
		if err == nil {
			return int(n)
		}
	case float64:
		return int(x)
	}
	fail(fmt.Sprintf("param %s must be an integer, got %v", key, v))
	return 0
}

// has reports whether key is present with a non-null value.
func (p params) has(key string) bool { v, ok := p[key]; return ok && v != nil }

func fail(msg string) {
	fmt.Fprintln(os.Stderr, "goscen: "+msg)
	os.Exit(2)
}

func main() {
	if len(os.Args) < 2 || len(os.Args) > 3 {
		fail("usage: goscen <scenario> ['<json params>']")
	}
	name := os.Args[1]
	if child, ok := children[name]; ok { // a crash-by-design part, run as its own process
		child()
		return
	}
	f, ok := scenarios[name]
	if !ok {
		names := make([]string, 0, len(scenarios))
		for n := range scenarios {
			names = append(names, n)
		}
		sort.Strings(names)
		fail(fmt.Sprintf("unknown scenario %q; accepted: %s", name, strings.Join(names, ", ")))
	}
	p := params{}
	if len(os.Args) == 3 {
		dec := json.NewDecoder(strings.NewReader(os.Args[2]))
		dec.UseNumber()
		if err := dec.Decode(&p); err != nil {
			fail(fmt.Sprintf("params must be a JSON object: %v", err))
		}
	}
	if p.has("procs") { // procs is GOMAXPROCS; absent/null keeps the runtime default
		n := p.int("procs", 0)
		if n < 1 {
			fail(fmt.Sprintf("procs must be >= 1, got %d", n))
		}
		runtime.GOMAXPROCS(n)
	}
	out, err := f(p)
	if err != nil {
		out = obs{"@error": err.Error()}
	} else {
		effective.Lock()
		out["effective"] = effective.vals
		effective.Unlock()
	}
	if err := json.NewEncoder(os.Stdout).Encode(out); err != nil {
		fail("encoding observables: " + err.Error())
	}
}
