package systest

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"

	"dvpulse/internal/itest"
)

// TestPoisonMessagesGoToDeadLetters puts three poison messages in the
// middle of one partition: not JSON, an unknown schema_version and an
// invalid event. They go to the dead-letter topic and table with a reason;
// the events around them are projected; a restart sends none of them again.
func TestPoisonMessagesGoToDeadLetters(t *testing.T) {
	brokers := itest.Brokers(t)
	topic := itest.Topic(t, brokers, "poison", 1)
	dlq := itest.Topic(t, brokers, "poison-dlq", 1)
	_, conn := itest.ClickHouse(t)
	reg := registry(t)
	w := newWorkload(t, generators(reg, 13), 45, 1_000_000, 13)
	good := w.msgs // no resends at this rate

	badVersion := *w.distinct[10]
	badVersion.EventID = "11111111-2222-4333-8444-555555555555"
	badVersion.SchemaVersion = 99
	invalid := *w.distinct[20]
	invalid.EventID = "11111111-2222-4333-8444-666666666666"
	invalid.Locality.Code = "99999"
	poison := []kafka.Message{
		{Key: []byte("x"), Value: []byte(`{"event_id": "not json`)},
		message(t, &badVersion),
		message(t, &invalid),
	}
	var msgs []kafka.Message
	msgs = append(msgs, good[:10]...)
	msgs = append(msgs, poison[0])
	msgs = append(msgs, good[10:20]...)
	msgs = append(msgs, poison[1])
	msgs = append(msgs, good[20:30]...)
	msgs = append(msgs, poison[2])
	msgs = append(msgs, good[30:40]...)
	if err := produce(context.Background(), brokers, topic, msgs, 1, 0); err != nil {
		t.Fatal(err)
	}
	group := "poison-" + itest.Suffix()
	stop := runProjector(t, brokers, topic, dlq, group, conn, reg, nil)
	waitEvents(t, conn, 40, 60*time.Second, nil)
	itest.Eventually(t, 30*time.Second, "3 dead letters", func() bool {
		return itest.Count(t, conn, "SELECT count() FROM dead_letters FINAL") >= 3
	})
	stop()

	rows, err := conn.Query(context.Background(), "SELECT kafka_offset, reason FROM dead_letters FINAL ORDER BY kafka_offset")
	if err != nil {
		t.Fatal(err)
	}
	var offsets []int64
	var reasons []string
	for rows.Next() {
		var off int64
		var reason string
		if err := rows.Scan(&off, &reason); err != nil {
			t.Fatal(err)
		}
		offsets, reasons = append(offsets, off), append(reasons, reason)
	}
	rows.Close()
	wantOffsets := []int64{10, 21, 32}
	wantReason := []string{"malformed JSON", "schema_version", "locality"}
	if len(offsets) != 3 {
		t.Fatalf("dead letters at offsets %v, want %v", offsets, wantOffsets)
	}
	for i := range offsets {
		if offsets[i] != wantOffsets[i] || !strings.Contains(reasons[i], wantReason[i]) {
			t.Errorf("dead letter %d: offset %d reason %q; want offset %d and a reason about %s", i, offsets[i], reasons[i], wantOffsets[i], wantReason[i])
		}
	}
	checkDLQTopic := func() {
		t.Helper()
		dead := itest.ReadAll(t, brokers, dlq)
		if len(dead) != 3 {
			t.Fatalf("dead-letter topic holds %d messages, want 3", len(dead))
		}
		for _, m := range dead {
			var reason, origin string
			for _, h := range m.Headers {
				switch h.Key {
				case "reason":
					reason = string(h.Value)
				case "origin":
					origin = string(h.Value)
				}
			}
			if reason == "" || !strings.HasPrefix(origin, topic+"/0/") {
				t.Errorf("dead-letter message without reason or origin: reason %q origin %q", reason, origin)
			}
		}
	}
	checkDLQTopic()

	// Restart with more events after the poison: nothing sent twice.
	if err := produce(context.Background(), brokers, topic, good[40:], 1, 0); err != nil {
		t.Fatal(err)
	}
	stop = runProjector(t, brokers, topic, dlq, group, conn, reg, nil)
	waitEvents(t, conn, 45, 60*time.Second, nil)
	time.Sleep(time.Second)
	stop()
	if n := itest.Count(t, conn, "SELECT count() FROM dead_letters"); n != 3 {
		t.Errorf("dead_letters holds %d rows after a restart, want 3", n)
	}
	checkDLQTopic()
	verify(t, reg, conn, brokers, topic, w.distinct, badVersion.EventID, invalid.EventID)
}
