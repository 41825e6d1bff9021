package main

// Parts that kill the Go process by design (a fatal error, a stack overflow, a global
// deadlock, a race report) run as a child: this same binary re-executed with a "child:" name.

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"syscall"
	"time"
)

// children are entry points that are not scenarios: they print or crash, and the parent
// scenario reads what they left behind.
var children = map[string]func(){}

type childResult struct {
	stdout, stderr string
	exitCode       int
	timedOut       bool
	seconds        float64
}

// runChild re-executes this binary (or exe when set) as `<name> <json>`, bounded by timeout.
func runChildExe(exe, name, jsonArgs string, timeout time.Duration, env ...string) childResult {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, exe, name, jsonArgs)
	cmd.Env = append(os.Environ(), env...)
	cmd.SysProcAttr = dieWithParent()
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	start := time.Now()
	err := cmd.Run()
	r := childResult{stdout: out.String(), stderr: errb.String(), seconds: time.Since(start).Seconds()}
	var ee *exec.ExitError
	switch {
	case ctx.Err() != nil:
		r.timedOut, r.exitCode = true, -1
	case errors.As(err, &ee):
		r.exitCode = ee.ExitCode()
	case err != nil:
		r.stderr += err.Error()
		r.exitCode = -1
	}
	return r
}

func runChild(name, jsonArgs string, timeout time.Duration, env ...string) childResult {
	exe, err := os.Executable()
	if err != nil {
		return childResult{stderr: "os.Executable: " + err.Error(), exitCode: -1}
	}
	return runChildExe(exe, name, jsonArgs, timeout, env...)
}

func (r childResult) contains(s string) bool { return strings.Contains(r.stderr, s) }

// firstLines returns the first stderr line matching pattern plus the following ones, up to n
// lines in all, or the first n lines of stderr when nothing matches.
func (r childResult) firstLines(pattern string, n int) string {
	lines := strings.Split(strings.TrimRight(r.stderr, "\n"), "\n")
	re := regexp.MustCompile(pattern)
	from := 0
	for i, l := range lines {
		if re.MatchString(l) {
			from = i
			break
		}
	}
	end := min(from+n, len(lines))
	return strings.Join(lines[from:end], "\n")
}

func execCommand(exe string, args ...string) *exec.Cmd {
	cmd := exec.Command(exe, args...)
	cmd.SysProcAttr = dieWithParent()
	return cmd
}

// dieWithParent makes the kernel kill a child whose parent died (e.g. the suite killed this
// scenario at its timeout), so no helper process outlives the run.
func dieWithParent() *syscall.SysProcAttr { return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL} }
