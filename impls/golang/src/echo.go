package main

// Anecdote: a loopback TCP echo server with one goroutine per connection. The suite's own
// client (python -m suite.echo_client) runs as a child process and drives it: it opens the
// connections (idle), then sends traffic; the server reads its own RSS at each stage.

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"strings"
	"time"
)

func init() { register("echo_server", echoServer) }

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
