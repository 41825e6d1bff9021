package main

// Anecdote: a loopback TCP echo server with one goroutine per connection. The suite's own
// client (python -m suite.echo_client) runs as a child process and drives it: it opens the
// connections (idle), then sends traffic; the server reads its own RSS at each stage.

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"strings"
	"sync"
	"time"
)

func init() {
	register("echo_server", echoServer)
	register("echo_rtt", echoRTT)
}

// handle is the per-connection goroutine: read into a buffer of bufBytes, write back, until
// the peer closes.
func handle(c net.Conn, bufBytes int) {
	defer c.Close()
	buf := make([]byte, bufBytes)
	for {
		n, err := c.Read(buf)
		if err != nil {
			return
		}
		if _, err := c.Write(buf[:n]); err != nil {
			return
		}
	}
}

func serve(ln net.Listener, bufBytes int) {
	for {
		c, err := ln.Accept()
		if err != nil {
			return // listener closed
		}
		go handle(c, bufBytes)
	}
}

// client wraps the echo client process: it sends command lines and reads reply lines, each
// read bounded so a stuck client fails the scenario instead of hanging it.
type client struct {
	cmd   *exec.Cmd
	stdin io.WriteCloser
	lines chan string
}

func (c *client) expect(prefix string, bound time.Duration) (string, error) {
	select {
	case line, ok := <-c.lines:
		if !ok {
			return "", fmt.Errorf("echo client exited before %q", prefix)
		}
		if !strings.HasPrefix(line, prefix+" ") {
			return "", fmt.Errorf("echo client: %s", line)
		}
		return strings.TrimPrefix(line, prefix+" "), nil
	case <-time.After(bound):
		return "", fmt.Errorf("echo client said nothing within %v (waiting for %q)", bound, prefix)
	}
}

func startClient(port, conns, rounds int) (*client, error) {
	python := os.Getenv("GOSCEN_PYTHON")
	if python == "" {
		return nil, fmt.Errorf("echo_server needs GOSCEN_PYTHON (the Python that runs suite.echo_client)")
	}
	cmd := execCommand(python, "-m", "suite.echo_client", "--port", fmt.Sprint(port),
		"--conns", fmt.Sprint(conns), "--rounds", fmt.Sprint(rounds))
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	c := &client{cmd: cmd, stdin: stdin, lines: make(chan string, 4)}
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			c.lines <- sc.Text()
		}
		close(c.lines)
	}()
	return c, nil
}

func echoServer(p params) (obs, error) {
	conns, rounds, bufBytes := p.int("conns", 5000), p.int("rounds", 2), p.int("buf_bytes", 1024)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	defer ln.Close()
	go serve(ln, bufBytes)
	baseline := rss()
	cl, err := startClient(ln.Addr().(*net.TCPAddr).Port, conns, rounds)
	if err != nil {
		return nil, err
	}
	defer func() {
		cl.stdin.Close()
		done := make(chan struct{})
		go func() { cl.cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			cl.cmd.Process.Kill()
			<-done
		}
	}()
	const bound = 180 * time.Second
	if _, err := cl.expect("idle", bound); err != nil {
		return nil, err
	}
	idle := rss()
	io.WriteString(cl.stdin, "traffic\n")
	echoedText, err := cl.expect("done", bound)
	if err != nil {
		return nil, err
	}
	traffic := rss()
	io.WriteString(cl.stdin, "close\n")
	var echoed int
	fmt.Sscan(echoedText, &echoed)
	return obs{"conns": conns, "rss_baseline": baseline, "rss_idle": idle, "rss_traffic": traffic,
		"bytes_per_conn_idle":    float64(idle-baseline) / float64(conns),
		"bytes_per_conn_traffic": float64(traffic-baseline) / float64(conns),
		"echoed":                 echoed,
		"expected_echoes":        conns * rounds,
		"read_buffer_bytes":      bufBytes,
	}, nil
}

// echoRTT is BenchmarkEcho: a loopback echo server (one goroutine per accepted connection,
// handle above) and conns client goroutines in this process. Each client dials (untimed);
// then all do rounds round trips of msgBytes at once (timed). Message r of client c is
// msgBytes copies of the little-endian word draw(seed, c, r); the reply is checked whole and
// term(seed, c, r, first reply word) goes into plan_digest. Go raises RLIMIT_NOFILE's soft
// limit to the hard one at start-up (os package, Go >= 1.19), which the 2*conns descriptors need.
func echoRTT(p params) (obs, error) {
	conns, rounds, msgBytes, seed := p.int("conns", 100), p.int("rounds", 100), p.int("msg_bytes", 64), p.int("seed", 1)
	baseline := rss()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	defer ln.Close()
	var servers sync.WaitGroup
	accepted := make(chan error, 1)
	go func() {
		for i := 0; i < conns; i++ {
			c, err := ln.Accept()
			if err != nil {
				accepted <- err
				return
			}
			servers.Add(1)
			go func() { defer servers.Done(); handle(c, msgBytes) }()
		}
		accepted <- nil
	}()
	addr := ln.Addr().String()
	cs := make([]net.Conn, conns)
	for i := range cs { // dialled one by one, untimed
		if cs[i], err = net.Dial("tcp", addr); err != nil {
			return nil, err
		}
	}
	if err := <-accepted; err != nil {
		return nil, err
	}
	connected := rss()

	start := make(chan struct{})
	var clients sync.WaitGroup
	echoed := make([]int, conns)
	digests := make([]uint64, conns)
	errs := make([]error, conns)
	for c := 0; c < conns; c++ {
		clients.Add(1)
		go func(c int) {
			defer clients.Done()
			conn := cs[c]
			msg, reply := make([]byte, msgBytes), make([]byte, msgBytes)
			<-start
			for r := 0; r < rounds; r++ {
				word := draw(seed, c, r)
				for i := range msg {
					msg[i] = byte(word >> (8 * (i % 8)))
				}
				if _, err := conn.Write(msg); err != nil {
					errs[c] = err
					return
				}
				if _, err := io.ReadFull(conn, reply); err != nil {
					errs[c] = err
					return
				}
				matched := uint64(0) // the outcome: msg_bytes when the whole reply matched
				if bytes.Equal(msg, reply) {
					echoed[c]++
					matched = uint64(msgBytes)
				}
				digests[c] += term(seed, c, r, matched)
			}
		}(c)
	}
	t0 := time.Now()
	close(start)
	clients.Wait()
	elapsed := time.Since(t0)
	for _, c := range cs {
		c.Close()
	}
	servers.Wait()
	total, digest := 0, uint64(0)
	for c := 0; c < conns; c++ {
		if errs[c] != nil {
			return nil, errs[c]
		}
		total += echoed[c]
		digest += digests[c]
	}
	ops := conns * rounds
	return obs{"seconds": elapsed.Seconds(), "ops": ops,
		"ns_per_op": float64(elapsed.Nanoseconds()) / float64(ops), "echoed": total,
		"rss_baseline": baseline, "rss_connected": connected,
		"bytes_per_conn": float64(connected-baseline) / float64(conns),
		"plan_digest":    hexd(digest)}, nil
}
