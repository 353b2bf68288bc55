package itest

import (
	"bytes"
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

	"github.com/segmentio/kafka-go"
)

// KafkaProc is a private, single-node Kafka broker (KRaft, broker and
// controller in one JVM) that a test owns: its own free ports and its own
// data folder under t.TempDir(), so the test can stop and restart it
// without disturbing the shared local broker other tests use. It runs the
// jars deploy/local/up.sh resolved into $DVPULSE_STATE/kafka/libs-<version>,
// with the server.properties template of deploy/local/kafka.
//
// The broker is killed when the test ends. Methods are safe to call from
// the test goroutine only.
type KafkaProc struct {
	t              testing.TB
	root, libs     string
	dir            string
	port, ctrlPort int
	cmd            *exec.Cmd
	exited         chan struct{}
	mu             sync.Mutex
	log            bytes.Buffer
}

// StartKafka formats storage and starts a private broker, failing the test
// with a clear message when Java or the Kafka jars are missing.
func StartKafka(t testing.TB) *KafkaProc {
	t.Helper()
	gate(t)
	root, err := repoRoot()
	if err != nil {
		t.Fatalf("private Kafka: %v", err)
	}
	state := env("DVPULSE_STATE", filepath.Join(root, ".state"))
	libs := filepath.Join(state, "kafka", "libs-"+env("KAFKA_VERSION", "4.4.0"))
	if _, err := os.Stat(filepath.Join(libs, ".complete")); err != nil {
		t.Fatalf("private Kafka: the Kafka jars are not in %s; run deploy/local/up.sh once to resolve them", libs)
	}
	if _, err := exec.LookPath("java"); err != nil {
		t.Fatal("private Kafka: java not found; Kafka needs Java 17 (Debian: apt-get install openjdk-17-jre-headless)")
	}
	k := &KafkaProc{t: t, root: root, libs: libs, dir: t.TempDir(), port: freePort(t), ctrlPort: freePort(t)}
	tmpl, err := os.ReadFile(filepath.Join(root, "deploy", "local", "kafka", "server.properties.in"))
	if err != nil {
		t.Fatalf("private Kafka: %v", err)
	}
	props := strings.NewReplacer("@STATE@", k.dir, "@PORT@", strconv.Itoa(k.port), "@CONTROLLER_PORT@", strconv.Itoa(k.ctrlPort)).Replace(string(tmpl))
	if err := os.WriteFile(k.propsFile(), []byte(props), 0o600); err != nil {
		t.Fatalf("private Kafka: %v", err)
	}
	if out, err := k.java("kafka.tools.StorageTool", "format", "--standalone", "-t", "dvpulse-itest-"+Suffix(), "-c", k.propsFile()).CombinedOutput(); err != nil {
		t.Fatalf("private Kafka: formatting storage failed: %v\n%s", err, out)
	}
	t.Cleanup(func() { k.kill(syscall.SIGKILL) })
	k.Start()
	return k
}

// Addr returns the broker's bootstrap address.
func (k *KafkaProc) Addr() string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(k.port)) }

func (k *KafkaProc) propsFile() string { return filepath.Join(k.dir, "server.properties") }

func (k *KafkaProc) java(args ...string) *exec.Cmd {
	a := append([]string{"-Xms64m", "-Xmx384m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
		"-Dlog4j2.configurationFile=" + filepath.Join(k.root, "deploy", "local", "kafka", "log4j2.properties"),
		"-Dkafka.logs.dir=" + filepath.Join(k.dir, "log"), "-cp", filepath.Join(k.libs, "*")}, args...)
	return exec.Command("java", a...)
}

// Start runs the broker on the same data folder and ports, and waits until
// it answers metadata requests (up to 2 minutes).
func (k *KafkaProc) Start() {
	k.t.Helper()
	cmd := k.java("kafka.Kafka", k.propsFile())
	cmd.Stdout, cmd.Stderr = &lockedWriter{k}, &lockedWriter{k}
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		k.t.Fatalf("private Kafka: start: %v", err)
	}
	k.cmd, k.exited = cmd, make(chan struct{})
	go func(done chan struct{}) { _ = cmd.Wait(); close(done) }(k.exited)
	deadline := time.Now().Add(2 * time.Minute)
	for {
		if c, err := kafka.DialContext(context.Background(), "tcp", k.Addr()); err == nil {
			_, err = c.Brokers()
			c.Close()
			if err == nil {
				return
			}
		}
		select {
		case <-k.exited:
			k.t.Fatalf("private Kafka exited during start; its output:\n%s", k.output())
		default:
		}
		if time.Now().After(deadline) {
			k.t.Fatalf("private Kafka did not answer on %s within 2 minutes; its output:\n%s", k.Addr(), k.output())
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// Stop sends SIGTERM and waits for the broker to exit (SIGKILL after 60 s).
func (k *KafkaProc) Stop() { k.kill(syscall.SIGTERM) }

func (k *KafkaProc) kill(sig syscall.Signal) {
	if k.cmd == nil || k.cmd.Process == nil {
		return
	}
	_ = k.cmd.Process.Signal(sig)
	select {
	case <-k.exited:
	case <-time.After(60 * time.Second):
		_ = k.cmd.Process.Kill()
		<-k.exited
	}
	k.cmd = nil
}

// CreateTopic creates a topic and waits until every partition has a leader.
func (k *KafkaProc) CreateTopic(name string, partitions int) {
	k.t.Helper()
	c, err := kafka.Dial("tcp", k.Addr())
	if err != nil {
		k.t.Fatalf("private Kafka: %v", err)
	}
	defer c.Close()
	if err := c.CreateTopics(kafka.TopicConfig{Topic: name, NumPartitions: partitions, ReplicationFactor: 1}); err != nil {
		k.t.Fatalf("private Kafka: create topic %s: %v", name, err)
	}
	deadline := time.Now().Add(60 * time.Second)
	for {
		parts, err := c.ReadPartitions(name)
		if err == nil && len(parts) == partitions && parts[0].Leader.Port != 0 {
			return
		}
		if time.Now().After(deadline) {
			k.t.Fatalf("private Kafka: topic %s not ready: %v", name, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func (k *KafkaProc) output() string {
	k.mu.Lock()
	defer k.mu.Unlock()
	s := k.log.String()
	if len(s) > 4000 {
		s = s[len(s)-4000:]
	}
	return s
}

type lockedWriter struct{ k *KafkaProc }

func (w *lockedWriter) Write(p []byte) (int, error) {
	w.k.mu.Lock()
	defer w.k.mu.Unlock()
	if w.k.log.Len() < 1<<20 {
		w.k.log.Write(p)
	}
	return len(p), nil
}

func freePort(t testing.TB) int {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("free port: %v", err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// repoRoot finds the module root (the folder holding go.mod) above the
// working directory.
func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("go.mod not found above the working directory")
		}
		dir = parent
	}
}
