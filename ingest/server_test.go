package ingest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/segmentio/kafka-go"

	"dvpulse/event"
	"dvpulse/internal/itest"
	"dvpulse/internal/svc"
	"dvpulse/locality"
)

// fakePublisher records messages, or fails with err.
type fakePublisher struct {
	mu   sync.Mutex
	msgs []kafka.Message
	err  error
}

func (f *fakePublisher) Publish(_ context.Context, msgs []kafka.Message) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err != nil {
		return f.err
	}
	f.msgs = append(f.msgs, msgs...)
	return nil
}
func (f *fakePublisher) Close() error { return nil }

func newTestServer(t *testing.T, pub Publisher, maxBody int64) *Server {
	t.Helper()
	reg, err := locality.Load("42")
	if err != nil {
		t.Fatal(err)
	}
	cfg := DefaultConfig()
	if maxBody > 0 {
		cfg.MaxBodyBytes = maxBody
	}
	h := &svc.Health{}
	h.SetReady()
	return NewServer(cfg, itest.Discard(), &event.Decoder{Localities: reg}, pub, prometheus.NewRegistry(), h)
}

// feedbackJSON returns a valid feedback.received event with a unique id.
func feedbackJSON(i int) string {
	return fmt.Sprintf(`{"event_id":"00000000-0000-4000-8000-%012d","event_type":"feedback.received","schema_version":1,
"occurred_at":"2025-10-01T09:00:00+07:00","source":{"system":"test"},"locality":{"scheme":"2025","code":"18073"},
"topics":["land"],"channel":"hotline_1022","feedback_id":"F-%d","text":"Đề nghị cấp sổ đỏ"}`, i, i)
}

func post(t *testing.T, h http.Handler, contentType string, body []byte) (*httptest.ResponseRecorder, Response) {
	t.Helper()
	req := httptest.NewRequest(http.MethodPost, "/v1/events", bytes.NewReader(body))
	req.Header.Set("Content-Type", contentType)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	var resp Response
	if err := json.Unmarshal(rec.Body.Bytes(), &resp); err != nil {
		t.Fatalf("answer is not JSON (%d): %s", rec.Code, rec.Body)
	}
	return rec, resp
}

func TestStatusCodes(t *testing.T) {
	bad := strings.Replace(feedbackJSON(9), `"18073"`, `"1"`, 1)
	tests := []struct {
		name       string
		body       string
		pubErr     error
		wantStatus int
		accepted   int
	}{
		{"one valid", feedbackJSON(1), nil, 200, 1},
		{"array valid", "[" + feedbackJSON(1) + "," + feedbackJSON(2) + "]", nil, 200, 2},
		{"mixed", "[" + feedbackJSON(1) + "," + bad + "]", nil, 207, 1},
		{"all invalid", "[" + bad + "]", nil, 422, 0},
		{"kafka down", feedbackJSON(1), errors.New("dial: connection refused"), 503, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pub := &fakePublisher{err: tt.pubErr}
			rec, resp := post(t, newTestServer(t, pub, 0).Handler(), "application/json", []byte(tt.body))
			if rec.Code != tt.wantStatus || resp.Accepted != tt.accepted || len(pub.msgs) != tt.accepted {
				t.Fatalf("status %d accepted %d published %d; want %d %d: %s", rec.Code, resp.Accepted, len(pub.msgs), tt.wantStatus, tt.accepted, rec.Body)
			}
			if tt.wantStatus == 503 && rec.Header().Get("Retry-After") == "" {
				t.Fatal("503 without Retry-After")
			}
		})
	}
}

func TestMessagesKeyedByAggregate(t *testing.T) {
	pub := &fakePublisher{}
	post(t, newTestServer(t, pub, 0).Handler(), "application/json", []byte(feedbackJSON(7)))
	if len(pub.msgs) != 1 || string(pub.msgs[0].Key) != "F-7" {
		t.Fatalf("key %q", pub.msgs[0].Key)
	}
	var ev event.Event
	if err := json.Unmarshal(pub.msgs[0].Value, &ev); err != nil || ev.ReceivedAt == "" {
		t.Fatalf("published value lacks received_at: %s", pub.msgs[0].Value)
	}
}

func TestSplitEvents(t *testing.T) {
	for _, tt := range []struct {
		body    string
		n       int
		errIdx  int // -1: no index expected
		wantErr bool
	}{
		{`{"a":1}`, 1, 0, false},
		{` [ {"a":1}, {"b":2} ] `, 2, 0, false},
		{`[]`, 0, 0, false},
		{`[{"a":1}, {"b":]`, 0, 1, true},
		{`[{"a":1}`, 0, 1, true},
		{`"x"`, 0, -1, true},
		{`{"a":1} {"b":2}`, 0, -1, true},
	} {
		raws, err := splitEvents([]byte(tt.body))
		if (err != nil) != tt.wantErr || len(raws) != tt.n {
			t.Errorf("%s: got %d events, err %v", tt.body, len(raws), err)
			continue
		}
		if err != nil && tt.errIdx >= 0 && (err.index == nil || *err.index != tt.errIdx) {
			t.Errorf("%s: index %v, want %d", tt.body, err.index, tt.errIdx)
		}
	}
}
