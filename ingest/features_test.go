package ingest

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/segmentio/kafka-go"

	"dvpulse/event"
	"dvpulse/internal/itest"
	"dvpulse/internal/svc"
	"dvpulse/locality"
)

// testServer is a Server with the registry its metrics went to.
type testServer struct {
	*Server
	reg *prometheus.Registry
}

func newServerWith(t *testing.T, pub Publisher, edit func(*Config), opts ...Option) testServer {
	t.Helper()
	locs, err := locality.Load("42")
	if err != nil {
		t.Fatal(err)
	}
	cfg := DefaultConfig()
	cfg.KeysFile = filepath.Join(t.TempDir(), "keys.json")
	if edit != nil {
		edit(&cfg)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	h := &svc.Health{}
	h.SetReady()
	reg := prometheus.NewRegistry()
	return testServer{NewServer(cfg, itest.Discard(), &event.Decoder{Localities: locs}, pub, reg, h, opts...), reg}
}

func do(t *testing.T, h http.Handler, method, path, contentType string, body []byte, hdr ...string) (*httptest.ResponseRecorder, Response) {
	t.Helper()
	req := httptest.NewRequest(method, path, bytes.NewReader(body))
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	var resp Response
	_ = json.Unmarshal(rec.Body.Bytes(), &resp)
	return rec, resp
}

func oneLine(s string) string { return strings.ReplaceAll(s, "\n", "") }

func ndjson(lines ...string) []byte {
	var b bytes.Buffer
	for _, l := range lines {
		b.WriteString(oneLine(l))
		b.WriteByte('\n')
	}
	return b.Bytes()
}

func gz(b []byte) []byte {
	var out bytes.Buffer
	w := gzip.NewWriter(&out)
	w.Write(b)
	w.Close()
	return out.Bytes()
}

func TestNDJSON(t *testing.T) {
	bad := strings.Replace(feedbackJSON(3), `"18073"`, `"1"`, 1)
	body := ndjson(feedbackJSON(1), `{"event_id": "x",`, "", feedbackJSON(2), bad, feedbackJSON(4))
	for _, enc := range []string{"", "gzip"} {
		pub := &fakePublisher{}
		s := newServerWith(t, pub, func(c *Config) { c.ChunkEvents = 2 })
		b := body
		if enc == "gzip" {
			b = gz(body)
		}
		rec, resp := do(t, s.Handler(), "POST", "/v1/events/ndjson", "application/x-ndjson", b, "Content-Encoding", enc)
		if rec.Code != 207 || resp.Accepted != 3 || resp.Rejected != 2 || len(pub.msgs) != 3 {
			t.Fatalf("%s: status %d accepted %d rejected %d published %d: %s", enc, rec.Code, resp.Accepted, resp.Rejected, len(pub.msgs), rec.Body)
		}
		// Line numbers: 0 ok, 1 malformed, 2 blank (no result), 3 ok, 4 bad locality, 5 ok.
		want := []struct {
			index  int
			status string
		}{{0, StatusAccepted}, {1, StatusRejected}, {3, StatusAccepted}, {4, StatusRejected}, {5, StatusAccepted}}
		for i, w := range want {
			if r := resp.Results[i]; r.Index != w.index || r.Status != w.status {
				t.Fatalf("result %d: %+v, want %+v", i, r, w)
			}
		}
		if reasonCode(resp.Results[1].Errors) != ReasonMalformedJSON || resp.Results[3].Errors[0].Field != "locality.code" {
			t.Fatalf("reasons: %+v", resp.Results)
		}
	}
	s := newServerWith(t, &fakePublisher{}, func(c *Config) { c.MaxLines = 2; c.ChunkEvents = 1 })
	rec, resp := do(t, s.Handler(), "POST", "/v1/events/ndjson", "application/x-ndjson", ndjson(feedbackJSON(10), feedbackJSON(11), feedbackJSON(12)))
	if rec.Code != 413 || resp.Accepted != 2 || resp.Error == nil || resp.Error.Code != "too_many_lines" || *resp.Error.Index != 2 {
		t.Fatalf("max lines: %d %s", rec.Code, rec.Body)
	}
	s = newServerWith(t, &fakePublisher{}, func(c *Config) { c.MaxLineBytes = 1024 })
	long := strings.Replace(feedbackJSON(13), "Đề nghị cấp sổ đỏ", strings.Repeat("x", 2000), 1)
	rec, resp = do(t, s.Handler(), "POST", "/v1/events/ndjson", "application/x-ndjson", ndjson(long, feedbackJSON(14)))
	if rec.Code != 207 || resp.Results[0].Status != StatusRejected || reasonCode(resp.Results[0].Errors) != ReasonTooLarge {
		t.Fatalf("long line: %d %s", rec.Code, rec.Body)
	}
	for _, tt := range []struct {
		ct, enc string
		body    []byte
		status  int
	}{
		{"application/json", "", ndjson(feedbackJSON(1)), 415},
		{"application/x-ndjson", "br", ndjson(feedbackJSON(1)), 415},
		{"application/x-ndjson", "gzip", []byte("not gzip"), 400},
		{"application/x-ndjson", "", []byte("\n\n"), 400},
		{"application/x-ndjson", "", ndjson(strings.Replace(feedbackJSON(1), `"18073"`, `"1"`, 1)), 422},
	} {
		rec, _ := do(t, s.Handler(), "POST", "/v1/events/ndjson", tt.ct, tt.body, "Content-Encoding", tt.enc)
		if rec.Code != tt.status {
			t.Errorf("%s %s: %d, want %d: %s", tt.ct, tt.enc, rec.Code, tt.status, rec.Body)
		}
	}
}

// TestNDJSONChunksBoundMemory checks that a long stream is published in
// chunks while it is read, not after.
func TestNDJSONChunksBoundMemory(t *testing.T) {
	pub := &countingPublisher{}
	s := newServerWith(t, pub, func(c *Config) { c.ChunkEvents = 100 })
	var b bytes.Buffer
	for i := range 1000 {
		b.WriteString(oneLine(feedbackJSON(i)) + "\n")
	}
	rec, resp := do(t, s.Handler(), "POST", "/v1/events/ndjson", "application/x-ndjson", b.Bytes())
	if rec.Code != 200 || resp.Accepted != 1000 {
		t.Fatalf("%d %d", rec.Code, resp.Accepted)
	}
	if pub.calls.Load() != 10 || pub.maxBatch.Load() != 100 {
		t.Fatalf("published in %d calls of at most %d; want 10 of 100", pub.calls.Load(), pub.maxBatch.Load())
	}
}

type countingPublisher struct {
	calls, maxBatch atomic.Int64
}

func (c *countingPublisher) Publish(_ context.Context, msgs []kafka.Message) error {
	c.calls.Add(1)
	if int64(len(msgs)) > c.maxBatch.Load() {
		c.maxBatch.Store(int64(len(msgs)))
	}
	return nil
}
func (c *countingPublisher) Close() error { return nil }

func TestGzipBatch(t *testing.T) {
	pub := &fakePublisher{}
	s := newServerWith(t, pub, nil)
	rec, resp := do(t, s.Handler(), "POST", "/v1/events", "application/json", gz([]byte("["+feedbackJSON(1)+"]")), "Content-Encoding", "gzip")
	if rec.Code != 200 || resp.Accepted != 1 {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
	s = newServerWith(t, pub, func(c *Config) { c.MaxBodyBytes = 2048 })
	bomb := gz(bytes.Repeat([]byte(" "), 1<<20))
	if rec, _ := do(t, s.Handler(), "POST", "/v1/events", "application/json", bomb, "Content-Encoding", "gzip"); rec.Code != 413 {
		t.Fatalf("gzip bomb: %d", rec.Code)
	}
}

// flakyPublisher fails while fail is set and records what it wrote.
type flakyPublisher struct {
	fakePublisher
	fail  atomic.Bool
	delay time.Duration
}

func (f *flakyPublisher) Publish(ctx context.Context, msgs []kafka.Message) error {
	time.Sleep(f.delay)
	if f.fail.Load() {
		return errors.New("kafka: connection refused")
	}
	return f.fakePublisher.Publish(ctx, msgs)
}

func TestDedup(t *testing.T) {
	pub := &flakyPublisher{}
	s := newServerWith(t, pub, nil)
	body := []byte("[" + feedbackJSON(1) + "," + feedbackJSON(2) + "," + feedbackJSON(1) + "]")
	rec1, resp1 := do(t, s.Handler(), "POST", "/v1/events", "application/json", body)
	rec2, resp2 := do(t, s.Handler(), "POST", "/v1/events", "application/json", body)
	if rec1.Code != 200 || rec2.Code != 200 || rec1.Body.String() != rec2.Body.String() {
		t.Fatalf("answers differ:\n%s\n%s", rec1.Body, rec2.Body)
	}
	if len(pub.msgs) != 2 || resp1.Accepted != 3 || resp2.Accepted != 3 {
		t.Fatalf("published %d, want 2 (the in-request duplicate and the resend are not published)", len(pub.msgs))
	}
	if got := counterValue(s.m.dedupHits); got != 2 {
		t.Fatalf("dedup hits %v, want 2", got)
	}

	// A failed write is not remembered: the retry publishes.
	pub.fail.Store(true)
	rec, _ := do(t, s.Handler(), "POST", "/v1/events", "application/json", []byte(feedbackJSON(3)))
	if rec.Code != 503 {
		t.Fatalf("want 503, got %d", rec.Code)
	}
	pub.fail.Store(false)
	rec, _ = do(t, s.Handler(), "POST", "/v1/events", "application/json", []byte(feedbackJSON(3)))
	if rec.Code != 200 || len(pub.msgs) != 3 {
		t.Fatalf("retry after 503: %d, published %d", rec.Code, len(pub.msgs))
	}
}

func TestDedupConcurrentDuplicatesPublishOnce(t *testing.T) {
	pub := &flakyPublisher{delay: 20 * time.Millisecond}
	s := newServerWith(t, pub, nil)
	body := []byte("[" + feedbackJSON(1) + "," + feedbackJSON(2) + "]")
	rev := []byte("[" + feedbackJSON(2) + "," + feedbackJSON(1) + "]")
	var wg sync.WaitGroup
	codes := make([]int, 20)
	for i := range codes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			b := body
			if i%2 == 1 {
				b = rev // opposite order: must not deadlock
			}
			rec, _ := do(t, s.Handler(), "POST", "/v1/events", "application/json", b)
			codes[i] = rec.Code
		}()
	}
	wg.Wait()
	for _, c := range codes {
		if c != 200 {
			t.Fatalf("codes %v", codes)
		}
	}
	if len(pub.msgs) != 2 {
		t.Fatalf("published %d copies, want 2", len(pub.msgs))
	}
}

func TestDedupBounds(t *testing.T) {
	now := time.Unix(1000, 0)
	d := NewDedup(time.Minute, 3, func() time.Time { return now })
	ids := []idKey{keyOf("a"), keyOf("b"), keyOf("c"), keyOf("d")}
	for _, id := range ids {
		if st, _ := d.claim(id); st != claimed {
			t.Fatal("not claimed")
		}
		if st, _ := d.claim(id); st != busy {
			t.Fatal("in flight not busy")
		}
		d.release(id, true)
	}
	if d.Len() != 3 {
		t.Fatalf("len %d, want 3 (count bound)", d.Len())
	}
	if st, _ := d.claim(ids[0]); st != claimed {
		t.Fatal("oldest not forgotten")
	}
	d.release(ids[0], false)
	if st, _ := d.claim(ids[3]); st != seen {
		t.Fatal("recent id forgotten")
	}
	now = now.Add(2 * time.Minute)
	if st, _ := d.claim(ids[3]); st != claimed {
		t.Fatal("expired id still seen")
	}
	if keyOf("3F2B8C1E-6A4D-4F7E-9B1A-2C3D4E5F6A7B") != keyOf("3f2b8c1e-6a4d-4f7e-9b1a-2c3d4e5f6a7b") {
		t.Fatal("uuid case")
	}
}

func TestDeadLettersAndMetrics(t *testing.T) {
	pub, dlq := &fakePublisher{}, &fakePublisher{}
	s := newServerWith(t, pub, nil, WithDeadLetterPublisher(dlq))
	bad := strings.Replace(feedbackJSON(2), `"18073"`, `"1"`, 1)
	utf := strings.Replace(feedbackJSON(3), "Đề nghị", "\xc3\x28 nghị", 1)
	unk := strings.Replace(feedbackJSON(4), "feedback.received", "feedback.teleported", 1)
	rec, _ := do(t, s.Handler(), "POST", "/v1/events", "application/json", []byte("["+feedbackJSON(1)+","+bad+","+utf+","+unk+"]"))
	if rec.Code != 207 || len(dlq.msgs) != 3 || len(pub.msgs) != 1 {
		t.Fatalf("%d dlq %d pub %d", rec.Code, len(dlq.msgs), len(pub.msgs))
	}
	m := dlq.msgs[1]
	hdr := map[string]string{}
	for _, h := range m.Headers {
		hdr[h.Key] = string(h.Value)
	}
	if !bytes.Contains(m.Value, []byte("\xc3\x28")) || hdr["stage"] != "ingest" || hdr["source"] != "test" ||
		hdr["reason_code"] != ReasonInvalidUTF8 || !strings.Contains(hdr["reason"], `"field":"text"`) || hdr["received_at"] == "" {
		t.Fatalf("dead letter: %q %v", m.Value, hdr)
	}
	rec, _ = do(t, s.Handler(), "GET", "/v1/deadletters?source=test&limit=2", "", nil)
	var list struct {
		DeadLetters []DeadLetter `json:"dead_letters"`
	}
	json.Unmarshal(rec.Body.Bytes(), &list)
	if rec.Code != 200 || len(list.DeadLetters) != 2 || list.DeadLetters[0].Reason != ReasonUnknownType || list.DeadLetters[1].RawBase64 == nil {
		t.Fatalf("list: %s", rec.Body)
	}
	if rec, _ := do(t, s.Handler(), "GET", "/v1/deadletters?source=nobody", "", nil); !strings.Contains(rec.Body.String(), `"dead_letters":[]`) {
		t.Fatalf("empty list: %s", rec.Body)
	}
	for labels, want := range map[[4]string]float64{
		{"feedback.received", "test", "accepted", "none"}:             1,
		{"feedback.received", "test", "rejected", "unknown_locality"}: 1,
		{"feedback.received", "test", "rejected", "invalid_utf8"}:     1,
		{"other", "test", "rejected", "unknown_type"}:                 1,
	} {
		if got := counterValue(s.m.events.WithLabelValues(labels[:]...)); got != want {
			t.Errorf("events%v = %v, want %v", labels, got, want)
		}
	}

	// A failing dead-letter topic does not change the answer.
	dlq.err = errors.New("dlq down")
	rec, _ = do(t, s.Handler(), "POST", "/v1/events", "application/json", []byte(bad))
	if rec.Code != 422 || counterValue(s.m.dlqWrites.WithLabelValues("error")) != 1 {
		t.Fatalf("dlq failure: %d", rec.Code)
	}
}

func TestWriteKeys(t *testing.T) {
	pub := &fakePublisher{}
	dir := t.TempDir()
	file := filepath.Join(dir, "keys.json")
	now := time.Now()
	tok, err := CreateKey(file, NewKeyRequest{Name: "hotline_1022", Types: []string{"feedback.*"}, Localities: []string{"2025:18073"}, Rate: 5, Burst: 3}, now)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := CreateKey(file, NewKeyRequest{Name: "hotline_1022", Types: []string{"*"}, Localities: []string{"*"}}, now); !errors.Is(err, ErrKeyExists) {
		t.Fatalf("duplicate name: %v", err)
	}
	tok2, _ := CreateKey(file, NewKeyRequest{Name: "portal", Types: []string{"*"}, Localities: []string{"*"}}, now)
	clock := now
	s := newServerWith(t, pub, func(c *Config) { c.KeysFile = file }, withClock(func() time.Time { return clock }))
	h := s.Handler()
	other := strings.Replace(feedbackJSON(2), `"code":"18073"`, `"code":"18100"`, 1)
	body := []byte("[" + feedbackJSON(1) + "," + other + "]")

	if rec, resp := do(t, h, "POST", "/v1/events", "application/json", body); rec.Code != 401 || resp.Error.Code != "unauthorized" || rec.Header().Get("WWW-Authenticate") == "" {
		t.Fatalf("no token: %d %s", rec.Code, rec.Body)
	}
	if rec, _ := do(t, h, "POST", "/v1/events", "application/json", body, "Authorization", "Bearer dvp_nope"); rec.Code != 401 {
		t.Fatalf("unknown token: %d", rec.Code)
	}
	rec, resp := do(t, h, "POST", "/v1/events", "application/json", body, "Authorization", "Bearer "+tok)
	if rec.Code != 207 || resp.Results[0].Status != StatusAccepted || resp.Results[1].Status != StatusRejected {
		t.Fatalf("scoped: %d %s", rec.Code, rec.Body)
	}
	if e := resp.Results[1].Errors[0]; e.Field != "locality.code" || !strings.Contains(e.Reason, "key hotline_1022 may not write locality 2025:18100") {
		t.Fatalf("scope error: %+v", e)
	}
	if rec, _ := do(t, h, "POST", "/v1/events", "application/json", []byte(other), "Authorization", "Bearer "+tok2); rec.Code != 200 {
		t.Fatalf("wide key: %d %s", rec.Code, rec.Body)
	}
	// Burst 3: two more requests pass, the next is limited.
	for i := range 3 {
		rec, _ := do(t, h, "POST", "/v1/events", "application/json", []byte(feedbackJSON(10+i)), "Authorization", "Bearer "+tok)
		if want := map[bool]int{true: 429, false: 200}[i == 2]; rec.Code != want {
			t.Fatalf("request %d: %d, want %d", i, rec.Code, want)
		}
		if i == 2 && rec.Header().Get("Retry-After") != "1" {
			t.Fatalf("Retry-After %q", rec.Header().Get("Retry-After"))
		}
	}
	clock = clock.Add(time.Second) // 5 tokens/s refill
	if rec, _ := do(t, h, "POST", "/v1/events", "application/json", []byte(feedbackJSON(20)), "Authorization", "Bearer "+tok); rec.Code != 200 {
		t.Fatalf("after refill: %d", rec.Code)
	}
	if err := RevokeKey(file, "hotline_1022", now); err != nil {
		t.Fatal(err)
	}
	clock = clock.Add(2 * time.Second)
	s.keys.now = func() time.Time { return clock }
	forceReload(s.keys)
	if rec, _ := do(t, h, "POST", "/v1/events", "application/json", []byte(feedbackJSON(21)), "Authorization", "Bearer "+tok); rec.Code != 401 {
		t.Fatalf("revoked key: %d", rec.Code)
	}
	if got := counterValue(s.m.authFailures.WithLabelValues("invalid_token")); got != 2 {
		t.Fatalf("auth failures %v", got)
	}
	if got := counterValue(s.m.rateLimited.WithLabelValues("hotline_1022")); got != 1 {
		t.Fatalf("rate limited %v", got)
	}
	b, _ := json.Marshal(mustRead(t, file))
	if bytes.Contains(b, []byte(strings.TrimPrefix(tok, tokenPrefix))) {
		t.Fatal("token stored in the clear")
	}
}

// forceReload makes the next lookup re-stat the file even if the clock and
// the file's mtime did not move (coarse file-system timestamps).
func forceReload(ks *KeyStore) {
	ks.mu.Lock()
	ks.stamp = ""
	ks.nextCheck = time.Time{}
	ks.mu.Unlock()
}

func mustRead(t *testing.T, file string) KeyFile {
	kf, err := ReadKeyFile(file)
	if err != nil {
		t.Fatal(err)
	}
	return kf
}

func TestAuthModes(t *testing.T) {
	dir := t.TempDir()
	missing := filepath.Join(dir, "none.json")
	for _, tt := range []struct {
		mode, file string
		enforced   bool
	}{
		{AuthAuto, missing, false},
		{AuthRequired, missing, true},
		{AuthOff, missing, false},
	} {
		ks, _ := NewKeyStore(tt.file, tt.mode)
		if ks.Enforced() != tt.enforced {
			t.Errorf("%s: enforced %v", tt.mode, ks.Enforced())
		}
	}
	broken := filepath.Join(dir, "broken.json")
	writeFile(t, broken, `{"keys": [{"name": "x"}]}`)
	ks, err := NewKeyStore(broken, AuthAuto)
	if err == nil || !ks.Enforced() {
		t.Fatal("a broken keys file must enforce keys")
	}
	file := filepath.Join(dir, "k.json")
	CreateKey(file, NewKeyRequest{Name: "a", Types: []string{"*"}, Localities: []string{"*"}}, time.Now())
	RevokeKey(file, "a", time.Now())
	if ks, _ := NewKeyStore(file, AuthAuto); !ks.Enforced() {
		t.Fatal("revoking the last key must not turn auth off")
	}
	if _, err := CreateKey(file, NewKeyRequest{Name: "b", Types: []string{"*"}, Localities: []string{"18073"}}, time.Now()); err == nil {
		t.Fatal("locality without scheme accepted")
	}
}

func writeFile(t *testing.T, path, s string) {
	t.Helper()
	if err := osWriteFile(path, []byte(s)); err != nil {
		t.Fatal(err)
	}
}

func TestSchemasEndpoints(t *testing.T) {
	s := newServerWith(t, &fakePublisher{}, nil)
	rec, _ := do(t, s.Handler(), "GET", "/v1/schemas", "", nil)
	if rec.Code != 200 || !strings.Contains(rec.Body.String(), `"feedback.received"`) {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
	rec, _ = do(t, s.Handler(), "GET", "/v1/schemas/feedback.received/1", "", nil)
	if rec.Code != 200 || !strings.Contains(rec.Body.String(), "$schema") {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
	for _, p := range []string{"/v1/schemas/feedback.received/9", "/v1/schemas/nope/1", "/v1/schemas/feedback.received/x"} {
		rec, resp := do(t, s.Handler(), "GET", p, "", nil)
		if rec.Code != 404 || resp.Error == nil || resp.Error.Code != "unknown_schema" {
			t.Fatalf("%s: %d %s", p, rec.Code, rec.Body)
		}
	}
	_ = fmt.Sprint()
}

func osWriteFile(path string, b []byte) error { return os.WriteFile(path, b, 0o600) }

// counterValue reads a counter (or a vector's child) without the testutil
// package, which needs a module this repository does not carry.
func counterValue(c prometheus.Collector) float64 {
	ch := make(chan prometheus.Metric, 1)
	c.Collect(ch)
	var d dto.Metric
	if err := (<-ch).Write(&d); err != nil {
		panic(err)
	}
	return d.GetCounter().GetValue()
}
