package dashboard

import (
	"context"
	"encoding/json"
	"testing"
	"time"
)

// TestCasePageShowsRescoredSentiment checks that the case API shows the
// newest rescore of an event (feedback_rescores, written by `dvpulse
// projector rescore`) instead of the score stored with it, and the stored
// score for events that were never rescored.
func TestCasePageShowsRescoredSentiment(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.Auth = "off" })
	at := time.Now().Add(-time.Hour)
	insertEvents(t, e.conn, []ev{
		{Type: "feedback.received", ID: "R-1", Commune: "18073", Channel: "hotline_1022", Text: "Đường hỏng nặng, dân bức xúc",
			Sentiment: "neutral", Score: 0, Explain: `[]`, At: at},
		{Type: "feedback.received", ID: "R-2", Commune: "18073", Channel: "hotline_1022", Text: "Cảm ơn cán bộ xã",
			Sentiment: "positive", Score: 0.7, Explain: `[{"text":"cảm ơn","weight":0.5}]`, At: at},
	})
	var eventID string
	if err := e.conn.QueryRow(context.Background(), "SELECT toString(event_id) FROM events WHERE aggregate_id = 'R-1'").Scan(&eventID); err != nil {
		t.Fatal(err)
	}
	b, err := e.conn.PrepareBatch(context.Background(), `INSERT INTO feedback_rescores (feedback_id, event_id, sentiment_label, sentiment_score,
		sentiment_confidence, sentiment_method, sentiment_explain, version, rescored_at)`)
	if err != nil {
		t.Fatal(err)
	}
	// An older rescore and the newest one: the newest must win.
	for _, r := range []struct {
		label, method, explain string
		score                  float32
		version                uint64
	}{
		{"positive", "model:v2", `[{"text":"old","weight":0.1}]`, 0.2, 1},
		{"negative", "model:v3", `[{"text":"bức xúc","weight":0.8}]`, -0.9, 2},
	} {
		if err := b.Append("R-1", eventID, r.label, r.score, float32(0.8), r.method, r.explain, r.version, time.Now()); err != nil {
			t.Fatal(err)
		}
	}
	if err := b.Send(); err != nil {
		t.Fatal(err)
	}
	type caseJSON struct {
		Received struct {
			Sentiment string   `json:"sentiment"`
			Score     *float64 `json:"sentiment_score"`
			Method    string   `json:"sentiment_method"`
			Explain   []struct {
				Text string `json:"text"`
			} `json:"sentiment_explanation"`
		} `json:"received"`
	}
	get := func(id string) caseJSON {
		code, body := e.apiGet("", "/api/v1/cases/"+id)
		if code != 200 {
			t.Fatalf("case %s: %d %.300s", id, code, body)
		}
		var c caseJSON
		if err := json.Unmarshal([]byte(body), &c); err != nil {
			t.Fatalf("case %s: %v", id, err)
		}
		return c
	}
	r1 := get("R-1").Received
	if r1.Sentiment != "negative" || r1.Method != "model:v3" || r1.Score == nil || *r1.Score != -0.9 || len(r1.Explain) != 1 || r1.Explain[0].Text != "bức xúc" {
		t.Errorf("rescored case R-1 shows %+v, want the v3 rescore (negative, -0.9, bức xúc)", r1)
	}
	r2 := get("R-2").Received
	if r2.Sentiment != "positive" || r2.Method != "model" || r2.Score == nil || *r2.Score != 0.7 {
		t.Errorf("case R-2, never rescored, shows %+v, want its stored sentiment", r2)
	}
}
