package ingest

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"

	"dvpulse/internal/itest"
)

// TestBadInputAgainstKafka sends each kind of bad input to an ingest
// server that publishes to a real Kafka topic. Each gets a 4xx with a JSON
// error naming the event index and field, and nothing is published for it;
// the valid events sent alongside are published.
func TestBadInputAgainstKafka(t *testing.T) {
	brokers := itest.Brokers(t)
	topic := itest.Topic(t, brokers, "badinput", 3)
	pub := NewKafkaPublisher(brokers, topic, 2*time.Millisecond)
	t.Cleanup(func() { pub.Close() })
	srv := newTestServer(t, pub, 64<<10).Handler()

	good := func(i int) string { return feedbackJSON(1000 + i) }
	type want struct {
		status        int
		index         int // index of the bad event
		field         string
		reasonHas     string
		wantPublished int // valid events in the body
	}
	tests := []struct {
		name        string
		contentType string
		body        []byte
		want        want
	}{
		{"malformed JSON", "application/json",
			[]byte("[" + good(1) + `, {"event_id": "x",` + "]"),
			want{400, 1, "", "malformed JSON in event 1", 0}},
		{"unknown event_type", "application/json",
			[]byte("[" + good(2) + "," + strings.Replace(good(3), "feedback.received", "feedback.teleported", 1) + "]"),
			want{207, 1, "event_type", "unknown event type", 1}},
		{"missing required field", "application/json",
			[]byte("[" + strings.Replace(good(4), `"feedback_id":"F-1004",`, "", 1) + "," + good(5) + "]"),
			want{207, 0, "feedback_id", "missing", 1}},
		{"unknown locality code", "application/json",
			[]byte("[" + good(6) + "," + strings.Replace(good(7), `"code":"18073"`, `"code":"00001"`, 1) + "]"),
			want{207, 1, "locality.code", "scheme 2025", 1}},
		{"locality code of the other scheme", "application/json",
			[]byte(strings.Replace(good(8), `"code":"18073"`, `"code":"18505"`, 1)),
			want{422, 0, "locality.code", "it is a unit of scheme pre2025", 0}},
		{"body over the size limit", "application/json",
			[]byte("[" + good(9) + "," + strings.Replace(good(10), "Đề nghị cấp sổ đỏ", strings.Repeat("x", 70<<10), 1) + "]"),
			want{413, -1, "", "limit", 0}},
		{"invalid UTF-8", "application/json",
			[]byte("[" + good(11) + "," + strings.Replace(good(12), "Đề nghị", "\xc3\x28 nghị", 1) + "]"),
			want{207, 1, "text", "UTF-8", 1}},
		{"wrong content type", "text/csv",
			[]byte(good(13)),
			want{415, -1, "", "application/json", 0}},
	}
	published := 0
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec, resp := post(t, srv, tt.contentType, tt.body)
			if rec.Code != tt.want.status {
				t.Fatalf("status %d, want %d: %s", rec.Code, tt.want.status, rec.Body)
			}
			if resp.Accepted != tt.want.wantPublished {
				t.Fatalf("accepted %d, want %d", resp.Accepted, tt.want.wantPublished)
			}
			published += resp.Accepted
			if resp.Error != nil {
				if !strings.Contains(resp.Error.Message, tt.want.reasonHas) {
					t.Fatalf("error %q lacks %q", resp.Error.Message, tt.want.reasonHas)
				}
				if tt.want.index >= 0 && (resp.Error.Index == nil || *resp.Error.Index != tt.want.index) {
					t.Fatalf("error index %v, want %d", resp.Error.Index, tt.want.index)
				}
				return
			}
			r := resp.Results[tt.want.index]
			if r.Status != StatusRejected || r.Index != tt.want.index {
				t.Fatalf("result %d: %+v", tt.want.index, r)
			}
			for _, e := range r.Errors {
				if e.Field == tt.want.field && strings.Contains(e.Reason, tt.want.reasonHas) {
					return
				}
			}
			t.Fatalf("no error on field %q with %q: %+v", tt.want.field, tt.want.reasonHas, r.Errors)
		})
	}
	msgs := itest.ReadAll(t, brokers, topic)
	if len(msgs) != published {
		t.Fatalf("topic holds %d messages; the server accepted %d", len(msgs), published)
	}
	for _, m := range msgs {
		if bytes.Contains(m.Value, []byte("teleported")) || bytes.Contains(m.Value, []byte(`"00001"`)) || !bytes.Contains(m.Value, []byte("received_at")) {
			t.Fatalf("a rejected event was published: %s", m.Value)
		}
	}
	t.Logf("published %d valid events; every bad one was refused (%s)", published, fmt.Sprint(len(tests), " cases"))
}
