package main

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"dvpulse/demo"
	"dvpulse/event"
	"dvpulse/internal/itest"
	"dvpulse/locality"
)

func TestHelpListsEveryCommand(t *testing.T) {
	var out, errb bytes.Buffer
	if code := run(context.Background(), []string{"help"}, &out, &errb); code != 0 {
		t.Fatalf("help exited %d", code)
	}
	for _, cmd := range []string{"all", "ingest", "projector", "dashboard", "migrate", "demo", "import", "keys", "users", "score", "train"} {
		if !strings.Contains(out.String(), "\n  "+cmd+" ") {
			t.Errorf("help does not list %q", cmd)
		}
	}
	if code := run(context.Background(), []string{"frobnicate"}, &out, &errb); code != 2 || !strings.Contains(errb.String(), "unknown command") {
		t.Errorf("unknown command: exit %d, %q", code, errb.String())
	}
}

// TestEveryServiceExplainsItsOptions checks that --help works and names
// each option's environment variable.
func TestEveryServiceExplainsItsOptions(t *testing.T) {
	for _, cmd := range []string{"all", "ingest", "projector", "dashboard", "migrate", "demo", "projector rebuild", "projector rescore"} {
		var out, errb bytes.Buffer
		if code := run(context.Background(), append(strings.Fields(cmd), "--help"), &out, &errb); code != 0 {
			t.Errorf("%s --help exited %d", cmd, code)
		}
		if !strings.Contains(errb.String(), "env DVPULSE_") {
			t.Errorf("%s --help does not name the environment variables:\n%s", cmd, errb.String())
		}
	}
}

// TestRescoreCommand runs `dvpulse projector rescore` on a database with
// one feedback scored by another model version and one by the sender.
func TestRescoreCommand(t *testing.T) {
	cfg, conn := itest.ClickHouse(t)
	ctx := context.Background()
	batch, err := conn.PrepareBatch(ctx, "INSERT INTO events (event_id, event_type, aggregate_id, text, sentiment_label, sentiment_method, topics, topics_method)")
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range [][]any{
		{"00000000-0000-4000-8000-000000000001", "feedback.received", "PA-1", "Đường hỏng nặng, dân rất bức xúc", "neutral", "model:old", []string{}, ""},
		{"00000000-0000-4000-8000-000000000002", "feedback.received", "PA-2", "Cảm ơn xã", "positive", "sender", []string{"land"}, "sender"},
	} {
		if err := batch.Append(r...); err != nil {
			t.Fatal(err)
		}
	}
	if err := batch.Send(); err != nil {
		t.Fatal(err)
	}
	db := []string{"--clickhouse-addr", cfg.Addr, "--clickhouse-database", cfg.Database, "--log-level", "warn"}
	var out, errb bytes.Buffer
	if code := run(ctx, append([]string{"projector", "rescore", "--dry-run"}, db...), &out, &errb); code != 0 || !strings.Contains(out.String(), "1 feedback texts would be rescored") {
		t.Fatalf("rescore --dry-run: exit %d\n%s%s", code, out.String(), errb.String())
	}
	out.Reset()
	if code := run(ctx, append([]string{"projector", "rescore", "--rebuild"}, db...), &out, &errb); code != 0 ||
		!strings.Contains(out.String(), "rescored 1 feedback texts") || !strings.Contains(out.String(), "projection feedback_topic_daily rebuilt") {
		t.Fatalf("rescore --rebuild: exit %d\n%s%s", code, out.String(), errb.String())
	}
	if n := itest.Count(t, conn, "SELECT count() FROM feedback_rescores WHERE feedback_id = 'PA-1'"); n != 1 {
		t.Errorf("feedback_rescores rows for PA-1: %d, want 1", n)
	}
	if n := itest.Count(t, conn, "SELECT toUInt64(sum(scored)) FROM feedback_topic_daily WHERE is_primary = 1"); n != 2 {
		t.Errorf("feedback_topic_daily after the rebuild scores %d feedback, want 2", n)
	}
	out.Reset()
	if code := run(ctx, append([]string{"projector", "rescore"}, db...), &out, &errb); code != 0 || !strings.Contains(out.String(), "rescored 0 feedback texts") {
		t.Errorf("second rescore: exit %d\n%s", code, out.String())
	}
}

// TestAllAcknowledgesOnlyDurableEventsAndStopsInOrder runs `dvpulse all`,
// sends events until it is told to stop with SIGTERM, and then checks that
// it exited cleanly, in order, and that every event ingest acknowledged is
// stored exactly once once a projector has caught up.
func TestAllAcknowledgesOnlyDurableEventsAndStopsInOrder(t *testing.T) {
	brokers := itest.Brokers(t)
	topic := itest.Topic(t, brokers, "all", 3)
	dlq := itest.Topic(t, brokers, "all-dlq", 1)
	chcfg, conn := itest.ClickHouse(t)
	bin := itest.BuildDvpulse(t)
	port := func() string { return fmt.Sprintf("127.0.0.1:%d", itest.FreePort(t)) }
	ingestAddr, projOps := port(), port()
	group := "all-" + itest.Suffix()
	common := []string{"--kafka-brokers", brokers[0], "--kafka-topic", topic, "--kafka-deadletter-topic", dlq,
		"--clickhouse-addr", chcfg.Addr, "--clickhouse-database", chcfg.Database, "--projector-group", group,
		"--projector-ops-addr", projOps}
	all := itest.NewProc(t, bin, projOps, append([]string{"all", "--ingest-addr", ingestAddr, "--ingest-ops-addr", port(),
		"--dashboard-addr", port(), "--dashboard-ops-addr", port(), "--dashboard-auth", "off", "--ingest-auth", "off"}, common...), nil)
	all.Start()
	itest.Eventually(t, 60*time.Second, "ingest ready", func() bool {
		resp, err := http.Get("http://" + ingestAddr + "/-/ready")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	})

	reg, err := locality.Load("42")
	if err != nil {
		t.Fatal(err)
	}
	gen := demo.NewGenerator(reg, 21, time.Now(), 60)
	sender := &demo.Sender{URL: "http://" + ingestAddr, Client: &http.Client{Timeout: 5 * time.Second}}
	var acked, sent []string
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		for b := 0; ; b++ {
			select {
			case <-stop:
				return
			default:
			}
			batch := make([]*event.Event, 50)
			for i := range batch {
				batch[i] = gen.Feedback(b*50 + i)
				sent = append(sent, batch[i].EventID)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
			n, err := sender.Send(ctx, batch, len(batch))
			cancel()
			if err != nil {
				return // the service is going away
			}
			if n == len(batch) {
				for _, e := range batch {
					acked = append(acked, e.EventID)
				}
			}
		}
	}()
	time.Sleep(3 * time.Second)
	if code := all.Term(60 * time.Second); code != 0 {
		t.Fatalf("dvpulse all exited %d after SIGTERM; log:\n%s", code, all.Tail(40))
	}
	close(stop)
	<-done
	if len(acked) == 0 {
		t.Fatal("no batch was acknowledged before SIGTERM")
	}
	log := all.Tail(200)
	for _, step := range []string{"http server draining", "ingest flushing the Kafka writer", "projector stopping", "stopped cleanly"} {
		if !strings.Contains(log, step) {
			t.Errorf("shutdown log lacks %q:\n%s", step, log)
		}
	}

	// Whatever the projector had not read yet is still in Kafka: a new
	// projector in the same group finishes the job.
	proj := itest.NewProc(t, bin, projOps, append([]string{"projector"}, common...), nil)
	proj.Start()
	missing := func() (int, map[string]uint64) {
		stored := storedIDs(t, conn)
		n := 0
		for _, id := range acked {
			if stored[id] == 0 {
				n++
			}
		}
		return n, stored
	}
	itest.Eventually(t, 2*time.Minute, "every acknowledged event stored", func() bool { n, _ := missing(); return n == 0 })
	time.Sleep(time.Second)
	if code := proj.Term(60 * time.Second); code != 0 {
		t.Fatalf("projector exited %d", code)
	}
	if n, stored := missing(); n > 0 {
		t.Errorf("%d acknowledged events are not stored", n)
	} else {
		for _, id := range acked {
			if stored[id] != 1 {
				t.Errorf("event %s stored %d times", id, stored[id])
			}
		}
	}
	if total, distinct := itest.Count(t, conn, "SELECT count() FROM events"), itest.Count(t, conn, "SELECT uniqExact(event_id) FROM events"); total != distinct || total > uint64(len(sent)) {
		t.Errorf("events: %d rows, %d distinct, %d sent", total, distinct, len(sent))
	}
	t.Logf("%d events sent, %d acknowledged before SIGTERM, all stored once", len(sent), len(acked))
}

// storedIDs counts the rows of each event_id in the event log.
func storedIDs(t *testing.T, conn driver.Conn) map[string]uint64 {
	t.Helper()
	rows, err := conn.Query(context.Background(), "SELECT toString(event_id), count() FROM events GROUP BY event_id")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]uint64{}
	for rows.Next() {
		var id string
		var n uint64
		if err := rows.Scan(&id, &n); err != nil {
			t.Fatal(err)
		}
		out[id] = n
	}
	return out
}
