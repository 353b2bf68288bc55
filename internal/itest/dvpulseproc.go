package itest

import (
	"bufio"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// BuildDvpulse builds the dvpulse binary into a temporary folder and returns
// its path.
func BuildDvpulse(t testing.TB) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "dvpulse")
	cmd := exec.Command("go", "build", "-o", bin, "./cmd/dvpulse")
	cmd.Dir = RepoRoot(t)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build ./cmd/dvpulse: %v\n%s", err, out)
	}
	return bin
}

// Proc is a dvpulse subprocess (e.g. `dvpulse projector`) whose output goes
// to a log file under t.TempDir(). It is killed when the test ends.
type Proc struct {
	t       testing.TB
	bin     string
	args    []string
	env     []string
	OpsAddr string
	LogPath string

	mu     sync.Mutex
	cmd    *exec.Cmd
	exited chan struct{}
	starts int
}

// NewProc prepares bin with args and extra environment; opsAddr is where
// its /metrics listen. Start runs it.
func NewProc(t testing.TB, bin, opsAddr string, args, env []string) *Proc {
	p := &Proc{t: t, bin: bin, args: args, env: env, OpsAddr: opsAddr, LogPath: filepath.Join(t.TempDir(), "proc.log")}
	t.Cleanup(func() { p.Kill() })
	return p
}

// Start starts the process (again).
func (p *Proc) Start() {
	p.t.Helper()
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cmd != nil {
		p.t.Fatal("Proc.Start: already running")
	}
	out, err := os.OpenFile(p.LogPath, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		p.t.Fatal(err)
	}
	p.starts++
	fmt.Fprintf(out, "\n===== start %d at %s\n", p.starts, time.Now().Format(time.RFC3339Nano))
	cmd := exec.Command(p.bin, p.args...)
	cmd.Env = append(os.Environ(), p.env...)
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		out.Close()
		p.t.Fatalf("start %s: %v", p.bin, err)
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); out.Close(); close(exited) }()
	p.cmd, p.exited = cmd, exited
}

// Running reports whether the process runs.
func (p *Proc) Running() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cmd == nil {
		return false
	}
	select {
	case <-p.exited:
		return false
	default:
		return true
	}
}

// Kill sends SIGKILL and waits for the exit. Killing a stopped process does
// nothing.
func (p *Proc) Kill() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cmd == nil {
		return
	}
	_ = p.cmd.Process.Signal(syscall.SIGKILL)
	<-p.exited
	p.cmd = nil
}

// Term sends SIGTERM and returns the exit code, failing the test when the
// process does not exit within timeout.
func (p *Proc) Term(timeout time.Duration) int {
	p.t.Helper()
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cmd == nil {
		p.t.Fatal("Proc.Term: not running")
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.exited:
	case <-time.After(timeout):
		_ = p.cmd.Process.Kill()
		<-p.exited
		p.cmd = nil
		p.t.Fatalf("process did not exit within %s of SIGTERM; log: %s", timeout, p.Tail(40))
	}
	code := p.cmd.ProcessState.ExitCode()
	p.cmd = nil
	return code
}

// Pid returns the process id, or 0.
func (p *Proc) Pid() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cmd == nil {
		return 0
	}
	return p.cmd.Process.Pid
}

// Tail returns the last n lines of the log.
func (p *Proc) Tail(n int) string {
	b, _ := os.ReadFile(p.LogPath)
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// Metrics scrapes /metrics and returns each sample by its full name with
// labels as printed (e.g. `x{a="b"}`). It returns nil when the endpoint
// does not answer.
func (p *Proc) Metrics() map[string]float64 {
	c := http.Client{Timeout: 2 * time.Second}
	resp, err := c.Get("http://" + p.OpsAddr + "/metrics")
	if err != nil {
		return nil
	}
	defer resp.Body.Close()
	return ParseMetrics(resp.Body)
}

// ParseMetrics parses the Prometheus text format (samples only).
func ParseMetrics(r io.Reader) map[string]float64 {
	out := map[string]float64{}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || line[0] == '#' {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		if i < 0 {
			continue
		}
		v, err := strconv.ParseFloat(line[i+1:], 64)
		if err != nil {
			continue
		}
		out[line[:i]] = v
	}
	return out
}

// Sum adds every sample of metric name (any labels).
func Sum(m map[string]float64, name string) float64 {
	var s float64
	for k, v := range m {
		if k == name || strings.HasPrefix(k, name+"{") {
			s += v
		}
	}
	return s
}
