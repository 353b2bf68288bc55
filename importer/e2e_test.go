package importer

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"dvpulse/event"
	"dvpulse/ingest"
)

// fakeIngest mimics ingest's POST /v1/events: the same decoder, the same
// Response format and status codes, and a map keyed by event_id standing in
// for the projector's dedup downstream.
type fakeIngest struct {
	dec        *event.Decoder
	token      string // when set, required as the Bearer token
	failAfter  int    // when > 0, every request after this many batches answers 503
	maxBatch   int    // when > 0, larger requests answer 413
	rejectText string // events whose text holds it are rejected, on field "text"
	retryAfter string

	mu       sync.Mutex
	batches  int                     // requests that succeeded
	posted   []string                // accepted event_ids, resends included
	store    map[string]*event.Event // what ends up downstream, by event_id
	onAccept func(*event.Event)
}

func newFakeIngest(t *testing.T) (*fakeIngest, *httptest.Server) {
	f := &fakeIngest{dec: decoder(t), store: map[string]*event.Event{}, retryAfter: "3"}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	return f, srv
}

func (f *fakeIngest) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	reply := func(status int, resp ingest.Response) {
		w.Header().Set("Content-Type", "application/json")
		if status == http.StatusServiceUnavailable {
			w.Header().Set("Retry-After", f.retryAfter)
		}
		w.WriteHeader(status)
		json.NewEncoder(w).Encode(resp)
	}
	if r.Method != http.MethodPost || r.URL.Path != "/v1/events" || r.Header.Get("Content-Type") != "application/json" {
		reply(http.StatusBadRequest, ingest.Response{Error: &ingest.RequestError{Code: "bad_request", Message: r.Method + " " + r.URL.Path}})
		return
	}
	if f.token != "" && r.Header.Get("Authorization") != "Bearer "+f.token {
		reply(http.StatusUnauthorized, ingest.Response{Error: &ingest.RequestError{Code: "unauthorized", Message: "unknown write key"}})
		return
	}
	body, _ := io.ReadAll(r.Body)
	var raws []json.RawMessage
	if err := json.Unmarshal(body, &raws); err != nil {
		reply(http.StatusBadRequest, ingest.Response{Error: &ingest.RequestError{Code: "malformed_json", Message: err.Error()}})
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.maxBatch > 0 && len(raws) > f.maxBatch {
		reply(http.StatusRequestEntityTooLarge, ingest.Response{Error: &ingest.RequestError{Code: "batch_too_large", Message: fmt.Sprintf("%d events; at most %d", len(raws), f.maxBatch)}})
		return
	}
	fail := f.failAfter > 0 && f.batches >= f.failAfter
	resp := ingest.Response{Results: make([]ingest.Result, len(raws))}
	for i, raw := range raws {
		res := &resp.Results[i]
		res.Index = i
		ev, errs := f.dec.Decode(raw)
		switch {
		case errs != nil:
			res.Status, res.Errors = ingest.StatusRejected, errs
			resp.Rejected++
		case f.rejectText != "" && strings.Contains(ev.Text, f.rejectText):
			res.Status, res.EventID = ingest.StatusRejected, ev.EventID
			res.Errors = []event.FieldError{{Field: "text", Reason: "contains a forbidden word"}}
			resp.Rejected++
		case fail:
			res.Status, res.EventID = ingest.StatusUnavailable, ev.EventID
			res.Errors = []event.FieldError{{Reason: "Kafka did not acknowledge the event; retry the request with the same event_id"}}
			resp.Unavailable++
		default:
			res.Status, res.EventID = ingest.StatusAccepted, ev.EventID
			resp.Accepted++
			f.posted = append(f.posted, ev.EventID)
			f.store[ev.EventID] = ev
			if f.onAccept != nil {
				f.onAccept(ev)
			}
		}
	}
	switch {
	case resp.Unavailable > 0:
		reply(http.StatusServiceUnavailable, resp)
		return
	case resp.Rejected == 0:
		reply(http.StatusOK, resp)
	case resp.Accepted > 0:
		reply(http.StatusMultiStatus, resp)
	default:
		reply(http.StatusUnprocessableEntity, resp)
	}
	f.batches++
}

func (f *fakeIngest) snapshot() (batches int, posted []string, stored int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.batches, slices.Clone(f.posted), len(f.store)
}

// captureSender returns a Sender to a fake ingest that appends accepted
// events to evs.
func captureSender(t *testing.T, evs *[]*event.Event) *Sender {
	f, srv := newFakeIngest(t)
	f.onAccept = func(e *event.Event) { *evs = append(*evs, e) }
	return &Sender{URL: srv.URL, sleep: func(context.Context, time.Duration) error { return nil }}
}

const sampleRows = 16

func TestImportEndToEnd(t *testing.T) {
	f, srv := newFakeIngest(t)
	f.token = "khoa-ghi"
	code, out, errs := runMain(t, testCLI(nil), "--ingest-url", srv.URL, "--token", "khoa-ghi", "--batch", "5", "testdata/mau-phan-anh.csv")
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, out, errs)
	}
	batches, posted, stored := f.snapshot()
	if batches != 4 || len(posted) != sampleRows || stored != sampleRows {
		t.Errorf("batches %d, posted %d, stored %d; want 4, %d, %d", batches, len(posted), stored, sampleRows, sampleRows)
	}
	if !strings.Contains(out, "16 rows read, 16 sent, 0 rejected") {
		t.Errorf("summary:\n%s", out)
	}
	// What reached ingest is what the sheet says.
	f.mu.Lock()
	var got *event.Event
	for _, e := range f.store {
		if e.FeedbackID == "DT-2026-0012" {
			got = e
		}
	}
	f.mu.Unlock()
	if got == nil || got.Channel != "dialogue" || got.GroupSize != 8 || got.PetitionerKind != "group" ||
		strings.Join(got.Topics, ",") != "land,site_clearance" || got.DueAt != "2026-11-30T23:59:59+07:00" ||
		!strings.Contains(got.Text, "Bắc – Nam.\nĐề nghị") || got.Source.System != "commune_spreadsheet" {
		t.Errorf("event of row 4: %+v", got)
	}

	// A wrong token stops the import: nothing is sent, exit 1.
	code, out, _ = runMain(t, testCLI(nil), "--ingest-url", srv.URL, "--token", "sai", "testdata/mau-phan-anh.csv")
	if code != 1 || !strings.Contains(out, "16 valid rows between row 2 and row 17 were not sent") || !strings.Contains(out, "check --token") {
		t.Errorf("wrong token: exit %d\n%s", code, out)
	}
}

// A row that ingest rejects is reported like a local rejection, on the
// column that the field came from.
func TestIngestRejection(t *testing.T) {
	f, srv := newFakeIngest(t)
	f.rejectText = "than"
	code, out, _ := runMain(t, testCLI(nil), "--ingest-url", srv.URL, "--batch", "4", "testdata/mau-phan-anh.csv")
	if code != 1 {
		t.Errorf("exit %d, want 1", code)
	}
	if !strings.Contains(out, "16 rows read, 15 sent, 1 rejected") {
		t.Errorf("summary:\n%s", out)
	}
	if !regexpMatch(`\n5 +noi_dung +VA-2026-0230 +ingest: contains a forbidden word\n`, out) {
		t.Errorf("report does not name row 5, noi_dung:\n%s", out)
	}
}

// A run that fails half-way exits 1 and says what was not sent; a rerun
// sends the same event_ids, so nothing is duplicated downstream.
func TestPartialFailureAndRerun(t *testing.T) {
	f, srv := newFakeIngest(t)
	f.failAfter = 2 // 503 forever after 2 batches of 5
	var waits []time.Duration
	code, out, errs := runMain(t, testCLI(&waits), "--ingest-url", srv.URL, "--batch", "5", "--retry-for", "10s", "testdata/mau-phan-anh.csv")
	if code != 1 {
		t.Fatalf("exit %d, want 1\n%s\n%s", code, out, errs)
	}
	_, first, stored := f.snapshot()
	if len(first) != 10 || stored != 10 {
		t.Fatalf("first run: %d accepted, %d stored; want 10", len(first), stored)
	}
	for _, want := range []string{"16 rows read, 10 sent, 0 rejected, 6 not sent",
		"not sent: 6 valid rows between row 12 and row 17 were not sent", "Run the same command again"} {
		if !strings.Contains(out, want) {
			t.Errorf("stdout lacks %q:\n%s", want, out)
		}
	}
	// Retry-After (3 s) is honoured, the backoff grows, and it gives up
	// within --retry-for.
	if len(waits) != 3 || waits[0] != 3*time.Second || waits[1] != 3*time.Second || waits[2] != 4*time.Second {
		t.Errorf("waits %v; want [3s 3s 4s]", waits)
	}
	if !strings.Contains(errs, "ingest answered 503 Service Unavailable; retrying 5 events in 3s (attempt 2)") {
		t.Errorf("stderr does not log the retries:\n%s", errs)
	}

	// Ingest is back; the same command again.
	f.mu.Lock()
	f.failAfter = 0
	f.mu.Unlock()
	code, out, errs = runMain(t, testCLI(nil), "--ingest-url", srv.URL, "--batch", "5", "testdata/mau-phan-anh.csv")
	if code != 0 {
		t.Fatalf("rerun: exit %d\n%s\n%s", code, out, errs)
	}
	_, all, stored := f.snapshot()
	second := all[len(first):]
	if len(second) != sampleRows {
		t.Fatalf("rerun sent %d events, want %d", len(second), sampleRows)
	}
	for _, id := range first {
		if !slices.Contains(second, id) {
			t.Errorf("rerun did not resend event_id %s with the same id", id)
		}
	}
	if stored != sampleRows {
		t.Errorf("%d distinct events downstream after the rerun, want %d (no duplicates)", stored, sampleRows)
	}
}

// Connection errors are retried, then the import stops with exit 1.
func TestIngestUnreachable(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close()
	var waits []time.Duration
	code, out, errs := runMain(t, testCLI(&waits), "--ingest-url", url, "--retry-for", "5s", "testdata/mau-phan-anh.csv")
	if code != 1 || len(waits) != 2 || !strings.Contains(out, "16 valid rows between row 2 and row 17 were not sent") || !strings.Contains(errs, "not reachable") {
		t.Errorf("exit %d, waits %v\n%s\n%s", code, waits, out, errs)
	}
}

// A batch that is too large for ingest is split.
func TestBatchTooLargeIsSplit(t *testing.T) {
	f, srv := newFakeIngest(t)
	f.maxBatch = 3
	code, out, _ := runMain(t, testCLI(nil), "--ingest-url", srv.URL, "--batch", "10", "testdata/mau-phan-anh.csv")
	if _, posted, _ := f.snapshot(); code != 0 || len(posted) != sampleRows {
		t.Errorf("exit %d, %d posted\n%s", code, len(posted), out)
	}
}

func TestNDJSON(t *testing.T) {
	f, srv := newFakeIngest(t)
	good := func(id, fb string) string {
		return fmt.Sprintf(`{"event_id":%q,"event_type":"feedback.received","schema_version":1,"occurred_at":"2026-11-20T08:30:00+07:00","source":{"system":"hotline_1022","record_id":%q},"locality":{"scheme":"2025","code":"18073"},"topics":["environment"],"channel":"hotline_1022","feedback_id":%q,"text":"Bãi rác bốc mùi"}`, id, fb, fb)
	}
	lines := []string{
		"\xEF\xBB\xBF" + good("3f2b8c1e-6a4d-4f7e-9b1a-2c3d4e5f6a7b", "HL-1"),
		"",
		`{"event_id":"3f2b8c1e-6a4d-4f7e-9b1a-2c3d4e5f6a7c","event_type":"feedback.received","schema_version":1}`,
		good("3F2B8C1E-6A4D-4F7E-9B1A-2C3D4E5F6A7D", "HL-2"),
		good("3f2b8c1e-6a4d-4f7e-9b1a-2c3d4e5f6a7b", "HL-1"),
		`{not json`,
	}
	path := filepath.Join(t.TempDir(), "events.ndjson")
	os.WriteFile(path, []byte(strings.Join(lines, "\r\n")), 0o644)
	code, out, _ := runMain(t, testCLI(nil), "--ingest-url", srv.URL, path)
	if code != 1 {
		t.Errorf("exit %d", code)
	}
	if !strings.Contains(out, "(NDJSON): 5 rows read, 2 sent, 2 rejected, 1 duplicate rows skipped") {
		t.Errorf("summary:\n%s", out)
	}
	for _, re := range []string{`\n3 +occurred_at +3f2b8c1e-6a4d-4f7e-9b1a-2c3d4e5f6a7c +missing`, `\n3 +locality.scheme `, `\n6 +- +- +malformed JSON`} {
		if !regexpMatch(re, out) {
			t.Errorf("report lacks %s:\n%s", re, out)
		}
	}
	if _, posted, _ := f.snapshot(); !slices.Equal(posted, []string{"3f2b8c1e-6a4d-4f7e-9b1a-2c3d4e5f6a7b", "3f2b8c1e-6a4d-4f7e-9b1a-2c3d4e5f6a7d"}) {
		t.Errorf("posted %v", posted)
	}
	// From stdin, with the format sniffed.
	c := testCLI(nil)
	c.stdin = strings.NewReader(lines[0] + "\n")
	code, out, _ = runMain(t, c, "--dry-run", "-")
	if code != 0 || !strings.Contains(out, "stdin (NDJSON): 1 rows read, 1 valid") {
		t.Errorf("stdin: exit %d\n%s", code, out)
	}
}

func TestUsage(t *testing.T) {
	code, out, _ := runMain(t, testCLI(nil), "--help")
	for _, want := range []string{"Usage: dvpulse import [options] FILE", "ma_phan_anh  feedback_id", "Examples:", "--dry-run", "DVPULSE_INGEST_URL", "Exit status"} {
		if code != 0 || !strings.Contains(out, want) {
			t.Errorf("--help (exit %d) lacks %q", code, want)
		}
	}
	for _, args := range [][]string{
		{},
		{"a.csv", "b.csv"},
		{"--batch", "0", "testdata/mau-phan-anh.csv"},
		{"--no-such-flag", "x.csv"},
		{"--ingest-url", "localhost:8080", "testdata/mau-phan-anh.csv"},
		{"--format", "xlsx", "testdata/mau-phan-anh.csv"},
		{"--type", "dialogue.held", "testdata/mau-phan-anh.csv"},
		{"--dry-run", "testdata/khong-co.csv"},
		{"--province", "99", "testdata/mau-phan-anh.csv"},
	} {
		if code, _, errs := runMain(t, testCLI(nil), args...); code != 2 || !strings.Contains(errs, "dvpulse import") {
			t.Errorf("%q: exit %d, want 2; stderr %s", args, code, errs)
		}
	}
	// Options may follow the file, and come from the environment.
	c := testCLI(nil)
	c.lookupEnv = func(k string) (string, bool) {
		if k == "DVPULSE_DRY_RUN" {
			return "true", true
		}
		return "", false
	}
	if code, out, _ := runMain(t, c, "testdata/mau-phan-anh.csv", "--delimiter", ","); code != 0 || !strings.Contains(out, "dry run") {
		t.Errorf("env and trailing flags: exit %d\n%s", code, out)
	}
}

func TestProgress(t *testing.T) {
	var buf bytes.Buffer
	_, err := Run(context.Background(), strings.NewReader(sampleCSV(t)), "x.csv", Options{Decoder: decoder(t), Progress: &buf, ProgressEvery: time.Nanosecond})
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) < sampleRows || !strings.HasPrefix(lines[len(lines)-1], "import: 16 rows read, 16 valid, 0 rejected") {
		t.Errorf("progress lines:\n%s", buf.String())
	}
	buf.Reset()
	Run(context.Background(), strings.NewReader(sampleCSV(t)), "x.csv", Options{Decoder: decoder(t), Progress: &buf, InPlace: true, ProgressEvery: time.Nanosecond})
	if s := buf.String(); !strings.HasPrefix(s, "\r\033[Kimport: ") || strings.Count(s, "\n") != 1 || !strings.HasSuffix(s, "\n") {
		t.Errorf("in-place progress: %q", s)
	}
}

func sampleCSV(t *testing.T) string {
	b, err := os.ReadFile("testdata/mau-phan-anh.csv")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// The write key's rate limit (429 with Retry-After) is waited out, not fatal.
func TestRateLimitIsRetried(t *testing.T) {
	f, inner := newFakeIngest(t)
	var mu sync.Mutex
	limited := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		limit := limited < 2
		limited++
		mu.Unlock()
		if limit {
			w.Header().Set("Retry-After", "2")
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusTooManyRequests)
			json.NewEncoder(w).Encode(ingest.Response{Error: &ingest.RequestError{Code: "rate_limited", Message: "key x is limited to 1 requests/s"}})
			return
		}
		f.ServeHTTP(w, r)
	}))
	defer srv.Close()
	_ = inner
	var waits []time.Duration
	code, out, errs := runMain(t, testCLI(&waits), "--ingest-url", srv.URL, "testdata/mau-phan-anh.csv")
	if _, posted, _ := f.snapshot(); code != 0 || len(posted) != sampleRows || !slices.Equal(waits, []time.Duration{2 * time.Second, 2 * time.Second}) {
		t.Errorf("exit %d, %d posted, waits %v\n%s\n%s", code, len(posted), waits, out, errs)
	}
}
