package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"dvpulse/event"
	"dvpulse/internal/itest"
)

// TestEveryTypeReachesClickHouse sends the contract's valid example of every
// event type through ingest and checks that each reaches the event log and
// the projections fed from it; a feedback sent without sentiment or topics
// is scored by the projector, with the model's version and an explanation.
func TestEveryTypeReachesClickHouse(t *testing.T) {
	pl := startPipeline(t)
	files, err := filepath.Glob(filepath.Join("..", "..", "event", "testdata", "valid", "*.json"))
	if err != nil || len(files) != len(event.Types()) {
		t.Fatalf("want one example per type (%d), found %d: %v", len(event.Types()), len(files), err)
	}
	// Lifecycle order matters for the case context: received first.
	sort.Slice(files, func(i, j int) bool { return order(files[i]) < order(files[j]) })
	var batch []json.RawMessage
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		batch = append(batch, b)
	}
	unscored := `{"event_id":"22222222-0000-4000-8000-000000000001","event_type":"feedback.received","schema_version":1,
"occurred_at":"2026-10-02T10:00:00+07:00","source":{"system":"hotline_1022"},"locality":{"scheme":"pre2025","code":"18505"},
"channel":"hotline_1022","feedback_id":"FB-2","text":"Bãi rác gần trường học bốc mùi hôi thối, ruồi nhặng rất nhiều, người dân bức xúc"}`
	batch = append(batch, json.RawMessage(unscored))
	body, _ := json.Marshal(batch)
	resp, err := http.Post(pl.ingestURL+"/v1/events", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("ingest answered %s", resp.Status)
	}
	conn := pl.conn
	itest.Eventually(t, 30*time.Second, "every example in ClickHouse", func() bool {
		return itest.Count(t, conn, "SELECT count() FROM events") >= uint64(len(batch))
	})
	for _, typ := range event.Types() {
		if n := itest.Count(t, conn, "SELECT count() FROM events WHERE event_type = ?", typ); n < 1 {
			t.Errorf("%s not in the event log", typ)
		}
	}

	// The sender's sentiment is kept and marked; the other is scored.
	var label, method, explain, topicsMethod, commune string
	var score float32
	var topics []string
	row := conn.QueryRow(context.Background(), `SELECT sentiment_label, sentiment_score, sentiment_method, sentiment_explain, topics, topics_method, commune_code
		FROM events WHERE aggregate_id = 'FB-2'`)
	if err := row.Scan(&label, &score, &method, &explain, &topics, &topicsMethod, &commune); err != nil {
		t.Fatal(err)
	}
	if label != "negative" || score >= 0 || !strings.HasPrefix(method, "model:") || !strings.Contains(explain, `"text"`) {
		t.Errorf("unscored feedback: label %q score %v method %q explain %s", label, score, method, explain)
	}
	if len(topics) == 0 || topics[0] != "environment" || !strings.HasPrefix(topicsMethod, "model:") {
		t.Errorf("model topics %v (%s)", topics, topicsMethod)
	}
	if want, _ := pl.reg.Current("pre2025", "18505"); commune != want {
		t.Errorf("pre-2025 code 18505 rolled up to %q, want %q", commune, want)
	}
	if n := itest.Count(t, conn, "SELECT count() FROM events WHERE aggregate_id = 'FB-1' AND event_type = 'feedback.received' AND sentiment_method = 'sender'"); n != 1 {
		t.Error("the sender's sentiment was not kept as the sender's")
	}

	// Lifecycle context: first action and first answer are flagged once.
	checks := map[string]string{
		"first actions of FB-1":             "SELECT sum(first_action) FROM events WHERE aggregate_id = 'FB-1'",
		"first answers/resolutions of FB-1": "SELECT sum(first_done) FROM events WHERE aggregate_id = 'FB-1'",
		"lifecycle rows knowing their case": "SELECT countIf(toUInt32(case_received_at) > 0) FROM events WHERE aggregate_id = 'FB-1' AND event_type != 'feedback.received'",
		"status of FB-1 is reopened":        "SELECT toUInt64(argMaxMerge(status) = 'reopened') FROM feedback_cases WHERE feedback_id = 'FB-1'",
		"volume in feedback_topic_daily":    "SELECT sum(received) FROM feedback_topic_daily WHERE is_primary = 1",
		"negative feedback":                 "SELECT sum(negative) FROM feedback_topic_daily WHERE is_primary = 1",
		"cases due":                         "SELECT sum(due) FROM feedback_due_daily WHERE is_primary = 1",
		"cases done in time":                "SELECT sum(done_in_time) FROM feedback_due_daily WHERE is_primary = 1",
		"dialogues held":                    "SELECT countMerge(held) FROM dialogues_monthly",
		"dialogue issues":                   "SELECT sum(raised) FROM dialogue_issues_daily WHERE is_primary = 1",
		"commitments fulfilled":             "SELECT toUInt64(sum(f)) FROM (SELECT maxMerge(fulfilled) AS f FROM commitments GROUP BY commitment_id)",
		"models":                            "SELECT uniqExact(model_id) FROM models",
		"effective models":                  "SELECT toUInt64(countIf(e = 1)) FROM (SELECT argMaxMerge(effective) AS e FROM models GROUP BY model_id)",
		"land handed over (m², whole)":      "SELECT toUInt64(sum(land_m2)) FROM campaign_daily",
		"criticism opinions accepted":       "SELECT sum(opinions_accepted) FROM criticism_daily",
		"hot issues in situation reports":   "SELECT sum(mentions) FROM situation_issues_daily",
		"time-to-act observations":          "SELECT countMerge(n) FROM feedback_latency_daily WHERE kind = 'act' AND is_primary = 1",
	}
	want := map[string]uint64{
		"first actions of FB-1": 1, "first answers/resolutions of FB-1": 1, "lifecycle rows knowing their case": 5,
		"status of FB-1 is reopened": 1, "volume in feedback_topic_daily": 2, "negative feedback": 2, "cases due": 1,
		"cases done in time": 1, "dialogues held": 1, "dialogue issues": 1, "commitments fulfilled": 1, "models": 2,
		"effective models": 1, "land handed over (m², whole)": 12500, "criticism opinions accepted": 21,
		"hot issues in situation reports": 1, "time-to-act observations": 1,
	}
	// Rows of events become visible before the views fed by the same insert
	// are written, so poll until the projections have caught up.
	var wrong []string
	deadline := time.Now().Add(30 * time.Second)
	for {
		wrong = wrong[:0]
		for name, q := range checks {
			if got := itest.Count(t, conn, q); got != want[name] {
				wrong = append(wrong, fmt.Sprintf("%s: %d, want %d", name, got, want[name]))
			}
		}
		if len(wrong) == 0 || time.Now().After(deadline) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	sort.Strings(wrong)
	for _, w := range wrong {
		t.Error(w)
	}
}

// order puts feedback.received first, then the rest of the lifecycle in
// the examples' own sequence.
func order(path string) int {
	for i, typ := range []string{"feedback.received", "feedback.assigned", "feedback.status_changed", "feedback.answered",
		"feedback.resolved", "feedback.reopened", "dialogue.held", "dialogue.issue_raised", "commitment.made", "commitment.fulfilled",
		"model.registered", "model.recognized", "model.replicated", "model.assessed"} {
		if strings.HasSuffix(path, typ+".json") {
			return i
		}
	}
	return 100
}
