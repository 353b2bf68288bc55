package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
	"github.com/segmentio/kafka-go"

	"dvpulse/demo"
	"dvpulse/event"
	"dvpulse/internal/kafkaadmin"
	"dvpulse/locality"
	"dvpulse/warehouse"
)

var hanoi, _ = time.LoadLocation("Asia/Ho_Chi_Minh")

// loadState pins the generator's settings of a topic, so that a resumed
// load regenerates exactly the same event stream.
type loadState struct {
	Topic  string    `json:"topic"`
	Seed   uint64    `json:"seed"`
	End    time.Time `json:"end"`
	Days   int       `json:"days"`
	Events int       `json:"events"`
}

func runLoad(args []string) error {
	fs := flag.NewFlagSet("load", flag.ExitOnError)
	n := fs.Int("events", 10_000_000, "events to load (total, including any loaded before)")
	db := fs.String("db", "dvpulse_bench10m", "private ClickHouse database")
	topic := fs.String("topic", "bench.dashboard.10m", "private Kafka topic (created when missing)")
	brokers := fs.String("kafka", "127.0.0.1:9092", "Kafka bootstrap broker")
	chAddr := fs.String("clickhouse", "127.0.0.1:9000", "ClickHouse native address")
	days := fs.Int("days", 730, "days the events are spread over, ending today")
	seed := fs.Uint64("seed", 10, "demo generator seed")
	parts := fs.Int("partitions", 6, "partitions of the topic")
	flushRows := fs.Int("flush-rows", 50000, "--projector-flush-rows")
	bin := fs.String("dvpulse", "", "dvpulse binary (default: go build ./cmd/dvpulse)")
	maxWait := fs.Duration("max-wait", 3*time.Hour, "give up when the projector has not caught up by then (resume later)")
	_ = fs.Parse(args)
	ctx := context.Background()

	logf("machine: %d CPUs, %s", nproc(), cpuModel())
	stateFile := filepath.Join(".state", "bench-dashboard", *topic+".json")
	st := loadState{Topic: *topic, Seed: *seed, Days: *days, Events: *n}
	if b, err := os.ReadFile(stateFile); err == nil {
		if err := json.Unmarshal(b, &st); err != nil {
			return err
		}
		st.Events = *n
		logf("resuming %s: seed %d, %d days ending %s (from %s)", *topic, st.Seed, st.Days, st.End.Format(time.RFC3339), stateFile)
	} else {
		now := time.Now().In(hanoi)
		st.End = time.Date(now.Year(), now.Month(), now.Day(), 18, 0, 0, 0, hanoi)
		if st.End.After(now) {
			st.End = now.Truncate(time.Second)
		}
	}
	if err := os.MkdirAll(filepath.Dir(stateFile), 0o755); err != nil {
		return err
	}
	b, _ := json.MarshalIndent(st, "", "  ")
	if err := os.WriteFile(stateFile, b, 0o644); err != nil {
		return err
	}

	cfg := warehouse.DefaultConfig()
	cfg.Addr, cfg.Database = *chAddr, *db
	conn, err := warehouse.Open(ctx, cfg)
	if err != nil {
		return err
	}
	defer conn.Close()
	if _, err := warehouse.Migrate(ctx, conn, slog.New(slog.NewTextHandler(io.Discard, nil))); err != nil {
		return fmt.Errorf("migrate %s: %w", *db, err)
	}
	if err := ensureTopic(*brokers, *topic, *parts); err != nil {
		return err
	}
	already, err := topicSize(*brokers, *topic)
	if err != nil {
		return err
	}
	logf("topic %s holds %d messages; database %s holds %d events; target %d", *topic, already, *db, countOf(ctx, conn, "SELECT count() FROM events"), *n)

	if *bin == "" {
		dir, err := os.MkdirTemp("", "dvpulse-dashbench")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		*bin = filepath.Join(dir, "dvpulse")
		if out, err := exec.Command("go", "build", "-o", *bin, "./cmd/dvpulse").CombinedOutput(); err != nil {
			return fmt.Errorf("go build (run from the repository root): %v\n%s", err, out)
		}
	}
	ops := freeAddr()
	cmd := exec.Command(*bin, "projector", "--kafka-brokers", *brokers, "--kafka-topic", *topic,
		"--kafka-deadletter-topic", *topic+".dlq", "--projector-group", "bench-dash-"+*topic,
		"--clickhouse-addr", *chAddr, "--clickhouse-database", *db, "--projector-ops-addr", ops,
		"--projector-flush-rows", strconv.Itoa(*flushRows), "--projector-flush-bytes", strconv.Itoa(64<<20), "--log-level", "warn")
	cmd.Stderr, cmd.Stdout = os.Stderr, os.Stdout
	if err := cmd.Start(); err != nil {
		return err
	}
	defer func() { _ = cmd.Process.Signal(os.Interrupt); _ = cmd.Wait() }()

	var produced atomic.Int64
	produced.Store(int64(already))
	prodErr := make(chan error, 1)
	first, last := time.Time{}, time.Time{}
	go func() { prodErr <- produce(ctx, *brokers, *topic, st, int(already), *n, &produced) }()

	reg, _ := locality.Load("42")
	_ = reg
	start := time.Now()
	prodDone := already >= uint64(*n)
	if prodDone {
		<-prodErr
	}
	var lastCount uint64
	lastAt := time.Now()
	base := countOf(ctx, conn, "SELECT count() FROM events")
	for {
		time.Sleep(5 * time.Second)
		if !prodDone {
			select {
			case err := <-prodErr:
				if err != nil {
					return fmt.Errorf("producer: %w", err)
				}
				prodDone = true
				logf("producer done: %d messages in the topic", produced.Load())
			default:
			}
		}
		c := countOf(ctx, conn, "SELECT count() FROM events")
		dead := countOf(ctx, conn, "SELECT count() FROM dead_letters")
		now := time.Now()
		if c > base && first.IsZero() {
			first = now
		}
		if c > lastCount {
			last = now
		}
		rate := float64(c-min(c, lastCount)) / now.Sub(lastAt).Seconds()
		lastCount, lastAt = c, now
		logf("produced %d/%d, projected %d (%.0f events/s now, %.0f%%), dead letters %d, %s elapsed",
			produced.Load(), *n, c, rate, 100*float64(c)/float64(*n), dead, now.Sub(start).Round(time.Second))
		if prodDone && c+dead >= uint64(*n) {
			break
		}
		if now.Sub(start) > *maxWait {
			return fmt.Errorf("projector has not caught up after %s (%d of %d events); rerun the same command to resume", *maxWait, c, *n)
		}
	}
	c := countOf(ctx, conn, "SELECT count() FROM events")
	if !first.IsZero() {
		logf("projector: %d new events in %s (%.0f events/s from first new row to last)", c-base, last.Sub(first).Round(time.Second), float64(c-base)/max(last.Sub(first).Seconds(), 1))
	}
	var minAt, maxAt time.Time
	_ = conn.QueryRow(ctx, "SELECT min(occurred_at), max(occurred_at) FROM events").Scan(&minAt, &maxAt)
	logf("done: events table holds %d events (sent %d), occurred %s … %s", c, *n, minAt.In(hanoi).Format("2006-01-02"), maxAt.In(hanoi).Format("2006-01-02"))
	rows, err := conn.Query(ctx, "SELECT event_type, count() FROM events GROUP BY event_type ORDER BY event_type")
	if err == nil {
		for rows.Next() {
			var t string
			var k uint64
			_ = rows.Scan(&t, &k)
			logf("  %-24s %10d", t, k)
		}
		rows.Close()
	}
	if c != uint64(*n) {
		return fmt.Errorf("events table holds %d events, %d were sent", c, *n)
	}
	return nil
}

// produce writes events from index skip up to n of the demo stream (units
// 0, 1, … in order, each unit's events in order) to the topic.
func produce(ctx context.Context, brokers, topic string, st loadState, skip, n int, produced *atomic.Int64) error {
	if skip >= n {
		return nil
	}
	reg, err := locality.Load("42")
	if err != nil {
		return err
	}
	gen := demo.NewGenerator(reg, st.Seed, st.End, st.Days)
	w := &kafka.Writer{Addr: kafka.TCP(brokers), Topic: topic, Balancer: &kafka.Hash{}, RequiredAcks: kafka.RequireAll,
		BatchTimeout: 5 * time.Millisecond, BatchSize: 2000, BatchBytes: 1_000_000, Compression: kafka.Lz4}
	defer w.Close()
	const chunk = 20000
	batch := make([]kafka.Message, 0, chunk)
	flush := func() error {
		var err error
		for a := 0; a < 30; a++ {
			if err = w.WriteMessages(ctx, batch...); err == nil {
				produced.Add(int64(len(batch)))
				batch = batch[:0]
				return nil
			}
			time.Sleep(time.Second)
		}
		return err
	}
	now := time.Now()
	idx := 0
	for u := 0; idx < n; u++ {
		for _, e := range gen.Unit(u) {
			if idx >= n {
				break
			}
			if idx >= skip {
				e.SetReceived(now)
				v, err := event.Marshal(e)
				if err != nil {
					return err
				}
				batch = append(batch, kafka.Message{Key: []byte(e.AggregateID()), Value: v, Time: now, Headers: []kafka.Header{
					{Key: "event_type", Value: []byte(e.EventType)},
					{Key: "schema_version", Value: []byte(strconv.Itoa(e.SchemaVersion))},
				}})
				if len(batch) == chunk {
					if err := flush(); err != nil {
						return err
					}
				}
			}
			idx++
		}
	}
	if len(batch) > 0 {
		return flush()
	}
	return nil
}

func ensureTopic(brokers, name string, partitions int) error {
	if err := kafkaadmin.CreateTopics(brokers, kafka.TopicConfig{Topic: name, NumPartitions: partitions, ReplicationFactor: 1},
		kafka.TopicConfig{Topic: name + ".dlq", NumPartitions: 1, ReplicationFactor: 1}); err != nil {
		return err
	}
	time.Sleep(2 * time.Second)
	return nil
}

// topicSize is the number of messages in the topic (sum of the partitions'
// end offsets; the topic is private, so nothing is compacted or deleted).
func topicSize(brokers, topic string) (uint64, error) {
	conn, err := kafka.Dial("tcp", brokers)
	if err != nil {
		return 0, err
	}
	defer conn.Close()
	ps, err := conn.ReadPartitions(topic)
	if err != nil {
		return 0, err
	}
	var total uint64
	for _, p := range ps {
		lc, err := kafka.DialLeader(context.Background(), "tcp", brokers, topic, p.ID)
		if err != nil {
			return 0, err
		}
		first, last, err := lc.ReadOffsets()
		lc.Close()
		if err != nil {
			return 0, err
		}
		total += uint64(last - first)
	}
	return total, nil
}

func countOf(ctx context.Context, conn driver.Conn, q string) uint64 {
	var c uint64
	_ = conn.QueryRow(ctx, q).Scan(&c)
	return c
}

func freeAddr() string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func nproc() int {
	b, _ := os.ReadFile("/proc/cpuinfo")
	n := 0
	for _, l := range splitLines(string(b)) {
		if len(l) > 9 && l[:9] == "processor" {
			n++
		}
	}
	return n
}

func splitLines(s string) []string {
	var out []string
	for len(s) > 0 {
		i := 0
		for i < len(s) && s[i] != '\n' {
			i++
		}
		out = append(out, s[:i])
		if i < len(s) {
			i++
		}
		s = s[i:]
	}
	return out
}
