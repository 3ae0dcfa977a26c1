package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Deadlines of the end-to-end tests. They bound waits that normally take
// milliseconds, so they only matter when something is broken.
const (
	startTimeout    = 30 * time.Second
	deliveryTimeout = 20 * time.Second
	exitTimeout     = 20 * time.Second
	pollInterval    = 20 * time.Millisecond
)

var (
	binDir    string // temporary directory of the built server
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "integrations-server-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "create the build directory:", err)
		os.Exit(1)
	}
	binDir = dir
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// serverBinary builds this package once per test run and returns the path
// of the executable. It uses -race only when the tests do, because the
// packages are then already compiled that way.
func serverBinary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		goTool, err := exec.LookPath("go")
		if err != nil {
			goTool = filepath.Join(runtime.GOROOT(), "bin", "go")
		}
		binPath = filepath.Join(binDir, "server")
		args := []string{"build", "-o", binPath}
		if raceEnabled {
			args = append(args, "-race")
		}
		cmd := exec.Command(goTool, append(args, ".")...)
		out, err := cmd.CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build of the server failed: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}

	return binPath
}

// logBuffer collects the child's log lines and wakes waiters on each one.
type logBuffer struct {
	mu      sync.Mutex
	lines   []string
	changed chan struct{}
	closed  bool
}

func newLogBuffer() *logBuffer { return &logBuffer{changed: make(chan struct{})} }

func (b *logBuffer) add(line string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.lines = append(b.lines, line)
	close(b.changed)
	b.changed = make(chan struct{})
}

func (b *logBuffer) close() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.closed = true
	close(b.changed)
	b.changed = make(chan struct{})
}

func (b *logBuffer) text() string {
	b.mu.Lock()
	defer b.mu.Unlock()

	return strings.Join(b.lines, "\n")
}

// wait returns the first line that match accepts, or an error when the
// stream ends or the timeout passes first.
func (b *logBuffer) wait(timeout time.Duration, match func(string) bool) (string, error) {
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		b.mu.Lock()
		for _, l := range b.lines {
			if match(l) {
				b.mu.Unlock()
				return l, nil
			}
		}
		changed, closed := b.changed, b.closed
		b.mu.Unlock()
		if closed {
			return "", errors.New("the server exited first")
		}
		select {
		case <-changed:
		case <-deadline.C:
			return "", fmt.Errorf("no matching log line after %v", timeout)
		}
	}
}

// child is one server process.
type child struct {
	t      *testing.T
	cmd    *exec.Cmd
	url    string // http://127.0.0.1:port
	logs   *logBuffer
	exited chan struct{}
}

// childOptions configure startChild.
type childOptions struct {
	args []string // -addr 127.0.0.1:0 is added unless args set -addr
	env  []string // the child's whole environment
	dir  string   // working directory, by default the test's
}

// startChild starts the server, waits until it logs its address and
// /healthz returns 200, and kills it at the end of the test if it still runs.
func startChild(t *testing.T, opts childOptions) *child {
	t.Helper()
	args := opts.args
	if !hasFlag(args, "-addr") {
		args = append([]string{"-addr", "127.0.0.1:0"}, args...)
	}
	cmd := exec.Command(serverBinary(t), args...)
	cmd.Env = append([]string{}, opts.env...)
	cmd.Dir = opts.dir
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	c := &child{t: t, cmd: cmd, logs: newLogBuffer(), exited: make(chan struct{})}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start the server: %v", err)
	}
	go c.readLogs(stderr)
	t.Cleanup(c.kill)

	line, err := c.logs.wait(startTimeout, isListeningLine)
	if err != nil {
		t.Fatalf("server did not report its address: %v\nlog:\n%s", err, c.logs.text())
	}
	c.url = "http://" + listenAddr(line)
	c.waitHealthy()

	return c
}

func hasFlag(args []string, name string) bool {
	for _, a := range args {
		if a == name || strings.HasPrefix(a, name+"=") {
			return true
		}
	}

	return false
}

// readLogs copies stderr into the log buffer and then reaps the process.
func (c *child) readLogs(r io.Reader) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for sc.Scan() {
		c.logs.add(sc.Text())
	}
	_ = c.cmd.Wait() // the exit code is read from ProcessState
	c.logs.close()
	close(c.exited)
}

var textAddr = regexp.MustCompile(`\baddr=(\S+)`)

// isListeningLine matches the "listening" record in the JSON or text format.
func isListeningLine(line string) bool {
	var rec map[string]any
	if json.Unmarshal([]byte(line), &rec) == nil {
		return rec["msg"] == "listening"
	}

	return strings.Contains(line, " msg=listening ")
}

func listenAddr(line string) string {
	var rec map[string]any
	if json.Unmarshal([]byte(line), &rec) == nil {
		addr, _ := rec["addr"].(string)
		return addr
	}
	if m := textAddr.FindStringSubmatch(line); m != nil {
		return m[1]
	}

	return ""
}

// waitHealthy polls /healthz until it returns 200.
func (c *child) waitHealthy() {
	c.t.Helper()
	poll(c.t, "GET /healthz answers 200", startTimeout, func() error {
		resp, err := http.Get(c.url + "/healthz")
		if err != nil {
			return err
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("status %d", resp.StatusCode)
		}
		return nil
	})
}

// stop sends sig and waits for the process to exit, returning its exit code.
func (c *child) stop(sig syscall.Signal) int {
	c.t.Helper()
	if err := c.cmd.Process.Signal(sig); err != nil {
		c.t.Fatalf("signal the server: %v", err)
	}

	return c.waitExit()
}

func (c *child) waitExit() int {
	c.t.Helper()
	select {
	case <-c.exited:
	case <-time.After(exitTimeout):
		c.t.Fatalf("server still running %v after the signal\nlog:\n%s", exitTimeout, c.logs.text())
	}

	return c.cmd.ProcessState.ExitCode()
}

// kill ends the process if it still runs. It is the t.Cleanup of every child.
func (c *child) kill() {
	select {
	case <-c.exited:
		return
	default:
	}
	_ = c.cmd.Process.Kill()
	<-c.exited
}

// logRecords returns the child's JSON log records.
func (c *child) logRecords() []map[string]any {
	var out []map[string]any
	for _, line := range strings.Split(c.logs.text(), "\n") {
		var rec map[string]any
		if json.Unmarshal([]byte(line), &rec) == nil {
			out = append(out, rec)
		}
	}

	return out
}

// poll calls check until it returns nil, failing the test with the last
// error when timeout passes first.
func poll(t *testing.T, what string, timeout time.Duration, check func() error) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	ticker := time.NewTicker(pollInterval)
	defer ticker.Stop()
	for {
		err := check()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: still failing after %v: %v", what, timeout, err)
		}
		<-ticker.C
	}
}

// client calls the server as one user.
type client struct {
	t     *testing.T
	base  string
	token string
}

func (c *child) as(t *testing.T, token string) *client {
	return &client{t: t, base: c.url, token: token}
}

// response is one HTTP response, read in full.
type response struct {
	status int
	header http.Header
	body   []byte
}

// do sends a request with body encoded as JSON (none when nil). It fails the
// test only when no response arrives.
func (c *client) do(method, path string, body any) response {
	c.t.Helper()
	var rd io.Reader
	if body != nil {
		raw, ok := body.(string)
		if !ok {
			b, err := json.Marshal(body)
			if err != nil {
				c.t.Fatal(err)
			}
			raw = string(b)
		}
		rd = strings.NewReader(raw)
	}
	req, err := http.NewRequest(method, c.base+path, rd)
	if err != nil {
		c.t.Fatal(err)
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		c.t.Fatalf("%s %s: read the body: %v", method, path, err)
	}

	return response{status: resp.StatusCode, header: resp.Header, body: b}
}

// api calls the integrations REST API with path relative to its prefix.
func (c *client) api(method, path string, body any) response {
	c.t.Helper()
	return c.do(method, "/api/v1/integrations-external/"+path, body)
}

// must checks the status and returns the JSON object of the body.
func (r response) must(t *testing.T, status int) map[string]any {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d, want %d; body %s", r.status, status, r.body)
	}
	var obj map[string]any
	if len(r.body) > 0 {
		if err := json.Unmarshal(r.body, &obj); err != nil {
			t.Fatalf("body is not a JSON object: %v: %s", err, r.body)
		}
	}

	return obj
}

// list checks for 200 and returns the JSON array of the body.
func (r response) list(t *testing.T) []map[string]any {
	t.Helper()
	if r.status != http.StatusOK {
		t.Fatalf("status %d, want 200; body %s", r.status, r.body)
	}
	var arr []map[string]any
	if err := json.Unmarshal(r.body, &arr); err != nil {
		t.Fatalf("body is not a JSON array: %v: %s", err, r.body)
	}

	return arr
}

// compact returns the body without its trailing newline, for exact
// comparisons.
func (r response) compact() string { return string(bytes.TrimSpace(r.body)) }
