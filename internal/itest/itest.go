// Package itest gives integration tests the real Kafka and ClickHouse that
// deploy/local/up.sh starts, each test with its own topics and database.
//
// A test that calls Kafka or ClickHouse fails, never skips, when the service
// does not answer: the message says which service and how to start it. Set
// DVPULSE_INTEGRATION=skip to skip such tests on purpose (never in CI).
// DVPULSE_TEST_KAFKA and DVPULSE_TEST_CLICKHOUSE override the addresses
// (defaults 127.0.0.1:9092 and 127.0.0.1:9000).
package itest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
	"github.com/segmentio/kafka-go"

	"dvpulse/internal/kafkaadmin"
	"dvpulse/warehouse"
)

const howToStart = "start the local services with deploy/local/up.sh (the README's test command does this), or set DVPULSE_INTEGRATION=skip to skip integration tests"

func gate(t testing.TB) {
	t.Helper()
	if os.Getenv("DVPULSE_INTEGRATION") == "skip" {
		if os.Getenv("CI") != "" {
			t.Fatal("DVPULSE_INTEGRATION=skip is not allowed in CI: integration tests must run")
		}
		t.Skip("integration test skipped: DVPULSE_INTEGRATION=skip")
	}
}

func env(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

// Suffix returns a short random string for unique names.
func Suffix() string {
	var b [5]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// Brokers returns the Kafka bootstrap address after checking that the broker
// answers.
func Brokers(t testing.TB) []string {
	t.Helper()
	gate(t)
	addr := env("DVPULSE_TEST_KAFKA", "127.0.0.1:9092")
	conn, err := kafka.DialContext(context.Background(), "tcp", addr)
	if err != nil {
		t.Fatalf("Kafka is not reachable at %s: %v\n%s", addr, err, howToStart)
	}
	defer conn.Close()
	if _, err := conn.Brokers(); err != nil {
		t.Fatalf("Kafka at %s does not answer metadata requests: %v\n%s", addr, err, howToStart)
	}
	return []string{addr}
}

// Topic creates a topic with a unique name and the given partitions, waits
// until it is usable, and deletes it when the test ends.
func Topic(t testing.TB, brokers []string, prefix string, partitions int) string {
	t.Helper()
	name := fmt.Sprintf("test.%s.%s", prefix, Suffix())
	if err := kafkaadmin.CreateTopics(brokers[0], kafka.TopicConfig{Topic: name, NumPartitions: partitions, ReplicationFactor: 1}); err != nil {
		t.Fatalf("%v\n%s", err, howToStart)
	}
	conn, err := kafka.Dial("tcp", brokers[0])
	if err != nil {
		t.Fatalf("Kafka: %v\n%s", err, howToStart)
	}
	defer conn.Close()
	ctrl, err := conn.Controller()
	if err != nil {
		t.Fatalf("Kafka controller: %v", err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		parts, err := conn.ReadPartitions(name)
		if err == nil && len(parts) == partitions && parts[0].Leader.Port != 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("topic %s not ready after 30 s: %v", name, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Cleanup(func() {
		if c, err := kafka.Dial("tcp", net.JoinHostPort(ctrl.Host, strconv.Itoa(ctrl.Port))); err == nil {
			_ = c.DeleteTopics(name)
			c.Close()
		}
	})
	return name
}

// ReadAll reads every message currently in topic (all partitions).
func ReadAll(t testing.TB, brokers []string, topic string) []kafka.Message {
	t.Helper()
	conn, err := kafka.Dial("tcp", brokers[0])
	if err != nil {
		t.Fatalf("Kafka: %v", err)
	}
	parts, err := conn.ReadPartitions(topic)
	conn.Close()
	if err != nil {
		t.Fatalf("partitions of %s: %v", topic, err)
	}
	var out []kafka.Message
	for _, p := range parts {
		pc, err := kafka.DialLeader(context.Background(), "tcp", brokers[0], topic, p.ID)
		if err != nil {
			t.Fatalf("leader of %s/%d: %v", topic, p.ID, err)
		}
		last, err := pc.ReadLastOffset()
		if err != nil {
			t.Fatalf("last offset: %v", err)
		}
		pc.Close()
		if last == 0 {
			continue
		}
		r := kafka.NewReader(kafka.ReaderConfig{Brokers: brokers, Topic: topic, Partition: p.ID, MaxWait: 100 * time.Millisecond})
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		for {
			m, err := r.ReadMessage(ctx)
			if err != nil {
				cancel()
				r.Close()
				t.Fatalf("read %s/%d: %v", topic, p.ID, err)
			}
			out = append(out, m)
			if m.Offset >= last-1 {
				break
			}
		}
		cancel()
		r.Close()
	}
	return out
}

// ClickHouse returns settings for a fresh database that is dropped when the
// test ends, and a connection to it, migrated.
func ClickHouse(t testing.TB) (warehouse.Config, driver.Conn) {
	t.Helper()
	gate(t)
	cfg := warehouse.DefaultConfig()
	cfg.Addr = env("DVPULSE_TEST_CLICKHOUSE", cfg.Addr)
	cfg.Database = "test_" + Suffix()
	ctx := context.Background()
	conn, err := warehouse.Open(ctx, cfg)
	if err != nil {
		t.Fatalf("ClickHouse is not reachable at %s: %v\n%s", cfg.Addr, err, howToStart)
	}
	if _, err := warehouse.Migrate(ctx, conn, discard()); err != nil {
		t.Fatalf("migrate %s: %v", cfg.Database, err)
	}
	t.Cleanup(func() {
		_ = conn.Exec(context.Background(), "DROP DATABASE IF EXISTS "+cfg.Database)
		conn.Close()
	})
	return cfg, conn
}

// Count runs a count query and returns its value.
func Count(t testing.TB, conn driver.Conn, query string, args ...any) uint64 {
	t.Helper()
	var n uint64
	if err := conn.QueryRow(context.Background(), query, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

// Eventually polls cond until it is true or timeout passes.
func Eventually(t testing.TB, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", timeout, what)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
