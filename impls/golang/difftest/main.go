// Differential-testing interpreter in Go: the reference side of native/tests/test_differential.py.
//
// Reads programs of the tiny concurrent language (one JSON object per line on stdin; the format
// is described in native/tests/diff_interp.c, the same interpreter over the native runtime) and
// prints one JSON line of observables per program. A program whose main ends with "block"
// prints its observables first and then blocks; the Go runtime then ends the process with
// "fatal error: all goroutines are asleep - deadlock!", so the driver runs those alone.
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

type Program struct {
	Procs int               `json:"procs"`
	Chans []int             `json:"chans"`
	NMu   int               `json:"nmu"`
	NRw   int               `json:"nrw"`
	NWg   int               `json:"nwg"`
	NOnce int               `json:"nonce"`
	NCtr  int               `json:"nctr"`
	Gs    [][][]interface{} `json:"gs"`
}

type Result struct {
	End  string     `json:"end"`
	Err  string     `json:"err"`
	Ctr  []int64    `json:"ctr"`
	Viol int64      `json:"viol"`
	Recv [][][3]any `json:"recv"`
	Pan  [][]string `json:"pan"`
}

type run struct {
	p    *Program
	ch   []chan int64
	mu   []sync.Mutex
	rw   []sync.RWMutex
	wg   []sync.WaitGroup
	once []sync.Once
	ctr  []int64
	viol int64
	recv [][][3]any
	pan  [][]string
	seq  []int64
}

func num(op []interface{}, i int) int64 {
	if i < len(op) {
		if f, ok := op[i].(float64); ok {
			return int64(f)
		}
	}
	return 0
}

func str(op []interface{}, i int) string {
	if i < len(op) {
		if s, ok := op[i].(string); ok {
			return s
		}
	}
	return ""
}

func ints(op []interface{}, i int) []int64 {
	var out []int64
	if i < len(op) {
		if l, ok := op[i].([]interface{}); ok {
			for _, x := range l {
				out = append(out, int64(x.(float64)))
			}
		}
	}
	return out
}

func (r *run) chanOf(c int64) chan int64 {
	if c >= 0 && int(c) < len(r.ch) {
		return r.ch[c]
	}
	return nil
}

func (r *run) next(g int) int64 {
	v := int64(g)*1000000 + r.seq[g]
	r.seq[g]++
	return v
}

func (r *run) log(g int, c int64, v int64, ok bool) {
	r.recv[g] = append(r.recv[g], [3]any{c, v, ok})
}

func (r *run) body(g int) {
	for _, op := range r.p.Gs[g] {
		r.op(g, op)
	}
}

func (r *run) try(g int, op []interface{}) {
	msg, order, second := "none", "", false
	func() {
		if str(op, 1) == "recover2" {
			defer func() { // runs after the first recover: nothing left to recover
				if recover() != nil {
					second = true
				}
			}()
		}
		defer func() {
			if x := recover(); x != nil {
				msg = fmt.Sprint(x)
			}
		}()
		if str(op, 0) == "oncepanic" {
			m := str(op, 2)
			r.once[num(op, 1)].Do(func() { panic(m) })
			return
		}
		switch str(op, 1) {
		case "defers":
			for _, c := range "abc" {
				defer func() { order += string(c) }()
			}
			panic(str(op, 2))
		case "recover2":
			panic(str(op, 2))
		case "indirect":
			func() {
				defer func() {
					func() { // not called by the deferred function itself: recover() is nil
						if recover() != nil {
							second = true
						}
					}()
				}()
				panic(str(op, 2))
			}()
		case "msg":
			panic(str(op, 2))
		case "close2", "sendclosed", "closenil", "negwg":
			misuse(str(op, 1))
		case "repanic":
			m := str(op, 2)
			func() {
				defer func() { panic(m + " again") }()
				panic(m)
			}()
		}
	}()
	if order != "" {
		msg += " order=" + order
	}
	if second {
		msg += " second"
	}
	r.pan[g] = append(r.pan[g], msg)
}

// die ends the process the way an unrecovered panic or a fatal error does (after the
// observables are out).
func (r *run) die(op []interface{}) {
	r.report("die", "")
	msg := str(op, 2)
	switch str(op, 1) {
	case "panic":
		panic(msg)
	case "gopanic":
		go func() { panic(msg) }()
		select {}
	case "unlock":
		var m sync.Mutex
		m.Unlock()
	case "runlock":
		var m sync.RWMutex
		m.RUnlock()
	case "rwunlock":
		var m sync.RWMutex
		m.Unlock()
	case "negwg", "close2", "sendclosed", "closenil":
		misuse(str(op, 1))
	}
}

// misuse panics the way Go's runtime and sync do on the named misuse (recovered by the
// caller's deferred recover, or ending the program in die).
func misuse(kind string) {
	switch kind {
	case "close2":
		c := make(chan int64, 1)
		close(c)
		close(c)
	case "sendclosed":
		c := make(chan int64, 1)
		close(c)
		c <- 1
	case "closenil":
		var c chan int64
		close(c)
	case "negwg":
		var w sync.WaitGroup
		w.Add(-1)
	}
}

func (r *run) op(g int, op []interface{}) {
	switch str(op, 0) {
	case "go":
		h := int(num(op, 1))
		if h > 0 && h < len(r.p.Gs) {
			go r.body(h)
		}
	case "send":
		c := r.chanOf(num(op, 1))
		for i := int64(0); i < num(op, 2); i++ {
			c <- r.next(g)
		}
	case "recv":
		ci := num(op, 1)
		c := r.chanOf(ci)
		for i := int64(0); i < num(op, 2); i++ {
			v, ok := <-c
			r.log(g, ci, v, ok)
		}
	case "range":
		ci := num(op, 1)
		c := r.chanOf(ci)
		for {
			v, ok := <-c
			r.log(g, ci, v, ok)
			if !ok {
				break
			}
		}
	case "pollrecv":
		ci, n := num(op, 1), num(op, 2)
		c := r.chanOf(ci)
		for got := int64(0); got < n; {
			select {
			case v, ok := <-c:
				r.log(g, ci, v, ok)
				got++
			default:
				runtime.Gosched()
			}
		}
	case "pollsend":
		c, n := r.chanOf(num(op, 1)), num(op, 2)
		for i := int64(0); i < n; i++ {
			v := r.next(g)
		retry:
			select {
			case c <- v:
			default:
				runtime.Gosched()
				goto retry
			}
		}
	case "selrecv", "selrange", "selsend":
		list := ints(op, 1)
		if len(list) == 0 {
			return
		}
		cases := make([]reflectCase, len(list))
		for i, ci := range list {
			cases[i] = reflectCase{ci, r.chanOf(ci)}
		}
		switch str(op, 0) {
		case "selrange":
			r.selrange(g, cases)
		case "selrecv":
			for k := int64(0); k < num(op, 2); k++ {
				ci, v, ok := selectRecv(cases)
				r.log(g, ci, v, ok)
			}
		case "selsend":
			for k := int64(0); k < num(op, 2); k++ {
				selectSend(cases, r.next(g))
			}
		}
	case "pump":
		// receive m from cin and send n on cout through one select; a finished side's case
		// is disabled with a nil channel
		ci, m, n := num(op, 1), num(op, 2), num(op, 4)
		in, out := r.chanOf(ci), r.chanOf(num(op, 3))
		var vout int64
		if n > 0 {
			vout = r.next(g)
		}
		for got, sent := int64(0), int64(0); got < m || sent < n; {
			cin, cout := in, out
			if got >= m {
				cin = nil
			}
			if sent >= n {
				cout = nil
			}
			select {
			case v, ok := <-cin:
				r.log(g, ci, v, ok)
				got++
			case cout <- vout:
				sent++
				if sent < n {
					vout = r.next(g)
				}
			}
		}
	case "pollsel":
		list := ints(op, 1)
		if len(list) == 0 {
			return
		}
		cases := make([]reflectCase, len(list))
		for i, ci := range list {
			cases[i] = reflectCase{ci, r.chanOf(ci)}
		}
		for got := int64(0); got < num(op, 2); {
			i, v, ok, chosen := selectRecvDefault(cases)
			if !chosen {
				runtime.Gosched()
				continue
			}
			r.log(g, cases[i].id, v, ok)
			got++
		}
	case "len":
		c := r.chanOf(num(op, 1))
		r.pan[g] = append(r.pan[g], fmt.Sprintf("len %d cap %d", len(c), cap(c)))
	case "stage":
		ci := num(op, 1)
		in, out := r.chanOf(ci), r.chanOf(num(op, 2))
		for {
			v, ok := <-in
			r.log(g, ci, v, ok)
			if !ok {
				break
			}
			out <- r.next(g)
		}
	case "close":
		close(r.chanOf(num(op, 1)))
	case "wgadd":
		r.wg[num(op, 1)].Add(int(num(op, 2)))
	case "wgdone":
		r.wg[num(op, 1)].Done()
	case "wgwait":
		r.wg[num(op, 1)].Wait()
	case "lock":
		m, c := &r.mu[num(op, 1)], &r.ctr[num(op, 2)]
		for i := int64(0); i < num(op, 3); i++ {
			m.Lock()
			t := *c
			if num(op, 4) != 0 {
				runtime.Gosched()
			}
			*c = t + 1
			m.Unlock()
		}
	case "wlock":
		m, c := &r.rw[num(op, 1)], &r.ctr[num(op, 2)]
		for i := int64(0); i < num(op, 3); i++ {
			m.Lock()
			t := *c
			runtime.Gosched()
			*c = t + 1
			m.Unlock()
		}
	case "rlock":
		m, c := &r.rw[num(op, 1)], &r.ctr[num(op, 2)]
		for i := int64(0); i < num(op, 3); i++ {
			m.RLock()
			a := *c
			runtime.Gosched()
			b := *c
			if a != b {
				atomic.AddInt64(&r.viol, 1)
			}
			m.RUnlock()
		}
	case "atomic":
		c, d := &r.ctr[num(op, 1)], num(op, 2)
		for i := int64(0); i < num(op, 3); i++ {
			atomic.AddInt64(c, d)
		}
	case "once":
		k := num(op, 2)
		r.once[num(op, 1)].Do(func() { atomic.AddInt64(&r.ctr[k], 1) })
	case "oncepanic", "try":
		r.try(g, op)
	case "sleep":
		time.Sleep(time.Duration(num(op, 1)) * time.Microsecond)
	case "yield":
		runtime.Gosched()
	case "die":
		r.die(op)
	case "block":
		// blocks for ever on something nobody else can reach: every other goroutine has
		// ended, so the runtime reports the deadlock and ends the process
		r.report("deadlock", "")
		switch str(op, 1) {
		case "nilchan":
			var c chan int64
			<-c
		case "wg":
			var w sync.WaitGroup
			w.Add(1)
			w.Wait()
		case "mutex":
			var m sync.Mutex
			m.Lock()
			m.Lock()
		case "rw":
			var m sync.RWMutex
			m.Lock()
			m.RLock()
		case "select":
			select {}
		default:
			c := make(chan int64)
			<-c
		}
	}
}

type reflectCase struct {
	id int64
	c  chan int64
}

func (r *run) selrange(g int, cases []reflectCase) {
	active := len(cases)
	for active > 0 {
		i, v, ok := selectRecvIdx(cases)
		r.log(g, cases[i].id, v, ok)
		if !ok {
			cases[i].c = nil // a nil channel's case is never ready
			active--
		}
	}
}

var out = bufio.NewWriter(os.Stdout)
var current *run

func (r *run) report(end, err string) {
	res := Result{End: end, Err: err, Ctr: r.ctr, Viol: atomic.LoadInt64(&r.viol), Recv: r.recv, Pan: r.pan}
	if res.Ctr == nil {
		res.Ctr = []int64{}
	}
	b, _ := json.Marshal(res)
	out.Write(b)
	out.WriteByte('\n')
	out.Flush()
}

func execute(p *Program) {
	if len(p.Gs) == 0 {
		fmt.Fprintln(out, `{"end":"einval","err":"no gs"}`)
		out.Flush()
		return
	}
	if p.Procs > 0 {
		runtime.GOMAXPROCS(p.Procs)
	}
	ng := len(p.Gs)
	r := &run{p: p, mu: make([]sync.Mutex, p.NMu), rw: make([]sync.RWMutex, p.NRw),
		wg: make([]sync.WaitGroup, p.NWg), once: make([]sync.Once, p.NOnce),
		ctr: make([]int64, p.NCtr), recv: make([][][3]any, ng), pan: make([][]string, ng),
		seq: make([]int64, ng)}
	for i := range r.recv {
		r.recv[i] = [][3]any{}
		r.pan[i] = []string{}
	}
	for _, c := range p.Chans {
		r.ch = append(r.ch, make(chan int64, c))
	}
	r.body(0)
	r.report("ok", "")
}

func main() {
	in := bufio.NewReaderSize(os.Stdin, 1<<20)
	for {
		line, err := in.ReadBytes('\n')
		if len(line) > 0 {
			var p Program
			if e := json.Unmarshal(line, &p); e != nil {
				fmt.Fprintf(out, "{\"end\":\"einval\",\"err\":%q}\n", e.Error())
				out.Flush()
			} else {
				execute(&p)
			}
		}
		if err != nil {
			return
		}
	}
}
