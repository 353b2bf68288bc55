package ingest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"

	"dvpulse/internal/itest"
)

func batchBody(from, n int, edit func(i int, s string) string) []byte {
	var b bytes.Buffer
	b.WriteByte('[')
	for i := from; i < from+n; i++ {
		if i > from {
			b.WriteByte(',')
		}
		s := feedbackJSON(i)
		if edit != nil {
			s = edit(i, s)
		}
		b.WriteString(s)
	}
	b.WriteByte(']')
	return b.Bytes()
}

func eventIDs(t *testing.T, msgs []kafka.Message) map[string]int {
	t.Helper()
	ids := map[string]int{}
	for _, m := range msgs {
		var v struct {
			EventID string `json:"event_id"`
		}
		if err := json.Unmarshal(m.Value, &v); err != nil {
			t.Fatalf("message is not an event: %s", m.Value)
		}
		ids[v.EventID]++
	}
	return ids
}

// TestResentBatchIsPublishedOnce sends the same batch three times to a
// server publishing to a real topic: each answer is the first one, and the
// topic holds one copy of each event.
func TestResentBatchIsPublishedOnce(t *testing.T) {
	brokers := itest.Brokers(t)
	topic := itest.Topic(t, brokers, "dedup", 3)
	pub := NewKafkaPublisher(brokers, topic, 2*time.Millisecond)
	t.Cleanup(func() { pub.Close() })
	s := newServerWith(t, pub, nil)
	body := batchBody(5000, 300, nil)
	var first string
	for round := range 3 {
		rec, resp := do(t, s.Handler(), "POST", "/v1/events", "application/json", body)
		if rec.Code != 200 || resp.Accepted != 300 {
			t.Fatalf("round %d: %d %d", round, rec.Code, resp.Accepted)
		}
		if round == 0 {
			first = rec.Body.String()
		} else if rec.Body.String() != first {
			t.Fatalf("round %d answered differently", round)
		}
	}
	ids := eventIDs(t, itest.ReadAll(t, brokers, topic))
	if len(ids) != 300 {
		t.Fatalf("topic holds %d distinct events, want 300", len(ids))
	}
	for id, n := range ids {
		if n != 1 {
			t.Fatalf("%s published %d times", id, n)
		}
	}
	if hits := counterValue(s.m.dedupHits); hits != 600 {
		t.Fatalf("dedup hits %v, want 600", hits)
	}
}

// TestDeadLetterTopic sends 1,000 events of which 7 are invalid: exactly
// 993 are published, the answer names the 7 with their reasons, and the
// dead-letter topic holds the 7 raw bodies with their headers.
func TestDeadLetterTopic(t *testing.T) {
	brokers := itest.Brokers(t)
	topic := itest.Topic(t, brokers, "events", 3)
	dlqTopic := itest.Topic(t, brokers, "deadletter", 1)
	pub := NewKafkaPublisher(brokers, topic, 2*time.Millisecond)
	dlq := NewKafkaPublisher(brokers, dlqTopic, 2*time.Millisecond)
	t.Cleanup(func() { pub.Close(); dlq.Close() })
	s := newServerWith(t, pub, nil, WithDeadLetterPublisher(dlq))

	bad := map[int]struct{ field, edit string }{
		17:  {"locality.code", `"code":"00001"`},
		99:  {"event_type", "feedback.teleported"},
		250: {"feedback_id", "no feedback_id"},
		400: {"text", "\xc3\x28"},
		512: {"channel", "fax"},
		777: {"occurred_at", "no offset"},
		901: {"topics[0]", "weather"},
	}
	body := batchBody(0, 1000, func(i int, s string) string {
		b, ok := bad[i]
		if !ok {
			return s
		}
		switch b.field {
		case "locality.code":
			return strings.Replace(s, `"code":"18073"`, b.edit, 1)
		case "event_type":
			return strings.Replace(s, "feedback.received", b.edit, 1)
		case "feedback_id":
			return strings.Replace(s, fmt.Sprintf(`"feedback_id":"F-%d",`, i), "", 1)
		case "text":
			return strings.Replace(s, "Đề nghị", "\xc3\x28 nghị", 1)
		case "channel":
			return strings.Replace(s, `"hotline_1022"`, `"fax"`, 1)
		case "occurred_at":
			return strings.Replace(s, "2025-10-01T09:00:00+07:00", "2025-10-01T09:00:00", 1)
		default:
			return strings.Replace(s, `["land"]`, `["weather"]`, 1)
		}
	})
	rec, resp := do(t, s.Handler(), "POST", "/v1/events", "application/json", body)
	if rec.Code != http.StatusMultiStatus || resp.Accepted != 993 || resp.Rejected != 7 {
		t.Fatalf("status %d accepted %d rejected %d", rec.Code, resp.Accepted, resp.Rejected)
	}
	for i, r := range resp.Results {
		b, isBad := bad[i]
		if !isBad {
			continue
		}
		if r.Status != StatusRejected || len(r.Errors) == 0 || r.Errors[0].Field != b.field || r.Errors[0].Reason == "" {
			t.Fatalf("event %d: %+v, want rejected on %s", i, r, b.field)
		}
	}
	if n := len(itest.ReadAll(t, brokers, topic)); n != 993 {
		t.Fatalf("events topic holds %d, want 993", n)
	}
	dead := itest.ReadAll(t, brokers, dlqTopic)
	if len(dead) != 7 {
		t.Fatalf("dead-letter topic holds %d, want 7", len(dead))
	}
	seen := map[int]bool{}
	for _, m := range dead {
		h := map[string]string{}
		for _, x := range m.Headers {
			h[x.Key] = string(x.Value)
		}
		var idx int
		fmt.Sscan(h["index"], &idx)
		b, ok := bad[idx]
		var reasons []map[string]string
		if !ok || h["stage"] != "ingest" || h["source"] != "test" || h["received_at"] == "" ||
			json.Unmarshal([]byte(h["reason"]), &reasons) != nil || reasons[0]["field"] != b.field {
			t.Fatalf("dead letter %d: headers %v", idx, h)
		}
		if b.field == "text" && !bytes.Contains(m.Value, []byte("\xc3\x28")) {
			t.Fatal("invalid UTF-8 not kept as bytes")
		}
		seen[idx] = true
	}
	if len(seen) != 7 {
		t.Fatalf("dead letters for %v", seen)
	}
	rec, _ = do(t, s.Handler(), "GET", "/v1/deadletters?source=test&limit=100", "", nil)
	var list struct {
		DeadLetters []DeadLetter `json:"dead_letters"`
	}
	if json.Unmarshal(rec.Body.Bytes(), &list) != nil || len(list.DeadLetters) != 7 {
		t.Fatalf("GET /v1/deadletters: %s", rec.Body)
	}
}

// TestKafkaDownMidLoad runs load against a private broker, stops the broker
// (SIGTERM) mid-load, checks that ingest answers 503 with Retry-After while
// it is down, restarts it on the same data and ports, and checks that
// every event that got a 2xx is in the topic.
func TestKafkaDownMidLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a private Kafka broker; skipped with -short")
	}
	k := itest.StartKafka(t)
	topic := "test.down." + itest.Suffix()
	k.CreateTopic(topic, 3)
	pub := NewKafkaPublisher([]string{k.Addr()}, topic, 2*time.Millisecond)
	t.Cleanup(func() { pub.Close() })
	s := newServerWith(t, pub, func(c *Config) { c.WriteTimeout = 3 * time.Second })

	var (
		mu        sync.Mutex
		acked     = map[string]bool{}
		next      atomic.Int64
		ok, fails atomic.Int64
		stop      atomic.Bool
		wg        sync.WaitGroup
	)
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for !stop.Load() {
				from := int(next.Add(50)) - 50
				rec, resp := do(t, s.Handler(), "POST", "/v1/events", "application/json", batchBody(100000+from, 50, nil))
				switch rec.Code {
				case 200:
					ok.Add(1)
					mu.Lock()
					for _, r := range resp.Results {
						acked[r.EventID] = true
					}
					mu.Unlock()
				case 503:
					fails.Add(1)
					if rec.Header().Get("Retry-After") == "" {
						t.Error("503 without Retry-After")
					}
					mu.Lock()
					for _, r := range resp.Results {
						if r.Status == StatusAccepted {
							acked[r.EventID] = true
						}
					}
					mu.Unlock()
					time.Sleep(100 * time.Millisecond)
				default:
					t.Errorf("unexpected status %d: %s", rec.Code, rec.Body)
					return
				}
			}
		}()
	}
	waitFor := func(what string, cond func() bool) {
		deadline := time.Now().Add(2 * time.Minute)
		for !cond() {
			if time.Now().After(deadline) {
				stop.Store(true)
				wg.Wait()
				t.Fatalf("timed out waiting for %s (ok %d, 503 %d)", what, ok.Load(), fails.Load())
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	waitFor("first 2xx answers", func() bool { return ok.Load() >= 20 })
	k.Stop()
	okAtStop := ok.Load()
	waitFor("503 answers while Kafka is down", func() bool { return fails.Load() >= 3 })
	k.Start()
	waitFor("2xx answers after the restart", func() bool { return ok.Load() >= okAtStop+20 })
	stop.Store(true)
	wg.Wait()

	ids := eventIDs(t, itest.ReadAll(t, []string{k.Addr()}, topic))
	missing := 0
	for id := range acked {
		if ids[id] == 0 {
			missing++
		}
	}
	t.Logf("2xx answers %d, 503 answers %d; %d events acknowledged, %d in the topic", ok.Load(), fails.Load(), len(acked), len(ids))
	if missing > 0 {
		t.Fatalf("%d events answered 2xx are not in Kafka", missing)
	}
}
