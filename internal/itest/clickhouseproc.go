package itest

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"dvpulse/warehouse"
)

// ClickHouseProc is a private clickhouse-server process for tests that must
// stop and start ClickHouse (the shared server must never be stopped). It
// uses deploy/local/clickhouse's config with free ports and a data folder
// under t.TempDir(), so Stop and Start keep the data.
type ClickHouseProc struct {
	t        testing.TB
	dir      string
	TCPPort  int
	HTTPPort int

	mu     sync.Mutex
	cmd    *exec.Cmd
	out    *os.File
	exited chan struct{}
}

// FreePort returns a TCP port that was free a moment ago.
func FreePort(t testing.TB) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("free port: %v", err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// RepoRoot returns the module root (the folder of go.mod).
func RepoRoot(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("go.mod not found above the working directory")
		}
		dir = parent
	}
}

// StartClickHouse renders the config, starts clickhouse-server and waits
// until it answers SELECT 1. The process is stopped when the test ends.
func StartClickHouse(t testing.TB) *ClickHouseProc {
	t.Helper()
	gate(t)
	if _, err := exec.LookPath("clickhouse-server"); err != nil {
		t.Fatalf("clickhouse-server not found on PATH: %v\n%s", err, howToStart)
	}
	root := RepoRoot(t)
	c := &ClickHouseProc{t: t, dir: t.TempDir(), TCPPort: FreePort(t), HTTPPort: FreePort(t)}
	for _, d := range []string{"data", "tmp", "user_files", "format_schemas", "log", "etc"} {
		if err := os.MkdirAll(filepath.Join(c.dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	tmpl, err := os.ReadFile(filepath.Join(root, "deploy/local/clickhouse/config.xml.in"))
	if err != nil {
		t.Fatal(err)
	}
	cfg := strings.NewReplacer("@STATE@", c.dir, "@TCP_PORT@", strconv.Itoa(c.TCPPort), "@HTTP_PORT@", strconv.Itoa(c.HTTPPort)).Replace(string(tmpl))
	// A test server needs no big caches.
	cfg = strings.NewReplacer("<mark_cache_size>1073741824</mark_cache_size>", "<mark_cache_size>67108864</mark_cache_size>",
		"<uncompressed_cache_size>1073741824</uncompressed_cache_size>", "<uncompressed_cache_size>67108864</uncompressed_cache_size>").Replace(cfg)
	if err := os.WriteFile(filepath.Join(c.dir, "etc/config.xml"), []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	users, err := os.ReadFile(filepath.Join(root, "deploy/local/clickhouse/users.xml"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(c.dir, "etc/users.xml"), users, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Stop() })
	c.Start()
	return c
}

// Addr is the native-protocol address.
func (c *ClickHouseProc) Addr() string { return "127.0.0.1:" + strconv.Itoa(c.TCPPort) }

// Start starts the server on the same data and waits until it answers.
func (c *ClickHouseProc) Start() {
	c.t.Helper()
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.cmd != nil {
		return
	}
	out, err := os.OpenFile(filepath.Join(c.dir, "log/stdout.log"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		c.t.Fatal(err)
	}
	cmd := exec.Command("clickhouse-server", "--config-file="+filepath.Join(c.dir, "etc/config.xml"))
	cmd.Dir = c.dir
	cmd.Stdout, cmd.Stderr = out, out
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		out.Close()
		c.t.Fatalf("start clickhouse-server: %v", err)
	}
	exited := make(chan struct{})
	c.cmd, c.out, c.exited = cmd, out, exited
	go func() { _ = cmd.Wait(); close(exited) }()
	deadline := time.Now().Add(60 * time.Second)
	for {
		if c.ping() == nil {
			return
		}
		select {
		case <-exited:
			c.cmd = nil
			c.t.Fatalf("clickhouse-server exited during start; see %s", filepath.Join(c.dir, "log"))
		default:
		}
		if time.Now().After(deadline) {
			c.t.Fatalf("private clickhouse-server did not answer SELECT 1 within 60 s; see %s", filepath.Join(c.dir, "log"))
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func (c *ClickHouseProc) ping() error {
	cfg := warehouse.DefaultConfig()
	cfg.Addr, cfg.Database, cfg.DialTimeout = c.Addr(), "default", time.Second
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	conn, err := warehouse.Open(ctx, cfg)
	if err != nil {
		return err
	}
	defer conn.Close()
	var one uint8
	return conn.QueryRow(ctx, "SELECT 1").Scan(&one)
}

// Stop sends SIGTERM and waits until the server exits (SIGKILL after 60 s).
// Stopping a stopped server does nothing.
func (c *ClickHouseProc) Stop() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.cmd == nil {
		return
	}
	_ = c.cmd.Process.Signal(syscall.SIGTERM)
	deadline := time.Now().Add(60 * time.Second)
	select {
	case <-c.exited:
	case <-time.After(60 * time.Second):
		_ = c.cmd.Process.Kill()
		<-c.exited
	}
	// Wait for the port to close, so Start can bind it again.
	for time.Now().Before(deadline) {
		conn, err := net.DialTimeout("tcp", c.Addr(), 200*time.Millisecond)
		if err != nil {
			break
		}
		conn.Close()
		time.Sleep(50 * time.Millisecond)
	}
	c.out.Close()
	c.cmd, c.out = nil, nil
}

// Database creates a fresh migrated database on the private server and
// returns its settings and a connection (closed when the test ends).
func (c *ClickHouseProc) Database(t testing.TB) (warehouse.Config, driver.Conn) {
	t.Helper()
	cfg := warehouse.DefaultConfig()
	cfg.Addr = c.Addr()
	cfg.Database = "test_" + Suffix()
	ctx := context.Background()
	conn, err := warehouse.Open(ctx, cfg)
	if err != nil {
		t.Fatalf("private ClickHouse at %s: %v", cfg.Addr, err)
	}
	if _, err := warehouse.Migrate(ctx, conn, discard()); err != nil {
		t.Fatalf("migrate %s: %v", cfg.Database, err)
	}
	t.Cleanup(func() { conn.Close() })
	return cfg, conn
}

// String describes the process for logs.
func (c *ClickHouseProc) String() string {
	return fmt.Sprintf("clickhouse-server %s (data %s)", c.Addr(), c.dir)
}
