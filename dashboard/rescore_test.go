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
	// the sender's sentiment, topics from an old lexicon; and an
	// assignment of R-1 that inherited its case's topics.
	lb, err := e.conn.PrepareBatch(context.Background(), `INSERT INTO events (event_id, event_type, occurred_at, received_at, commune_code,
		aggregate_id, text, topics, topics_method, sentiment_label, sentiment_score, sentiment_method)`)
	if err != nil {
		t.Fatal(err)
	}
	if err := lb.Append(newID(), "feedback.received", at, at, "18073", "R-3", "Đất bị lấn chiếm", []string{"land"}, "model:v2",
		"negative", float32(-0.5), "sender"); err != nil {
		t.Fatal(err)
	}
	if err := lb.Append(newID(), "feedback.assigned", at.Add(time.Minute), at.Add(time.Minute), "18073", "R-1", "", []string{"land"}, "case",
		"", float32(0), ""); err != nil {
		t.Fatal(err)
	}
	if err := lb.Send(); err != nil {
		t.Fatal(err)
	}
	idOf := func(feedback string) string {
		var id string
		if err := e.conn.QueryRow(context.Background(), "SELECT toString(event_id) FROM events WHERE aggregate_id = ? AND event_type = 'feedback.received'", feedback).Scan(&id); err != nil {
			t.Fatal(err)
		}
		return id
	}
	b, err := e.conn.PrepareBatch(context.Background(), `INSERT INTO feedback_rescores (feedback_id, event_id, model, sentiment_label, sentiment_score,
		sentiment_confidence, sentiment_method, sentiment_explain, topics, topics_method, version, rescored_at)`)
	if err != nil {
		t.Fatal(err)
	}
	// For R-1 an older rescore and the newest one: the newest must win. For
	// R-3 only the topics (its sentiment is the sender's).
	for _, r := range []struct {
		feedback, label, method, explain string
		topics                           []string
		score                            float32
		version                          uint64
	}{
		{"R-1", "positive", "model:v2", `[{"text":"old","weight":0.1}]`, []string{"land"}, 0.2, 1},
		{"R-1", "negative", "model:v3", `[{"text":"bức xúc","weight":0.8}]`, []string{"environment"}, -0.9, 2},
		{"R-3", "", "", "", []string{"site_clearance"}, 0, 2},
	} {
		if err := b.Append(r.feedback, idOf(r.feedback), "model:v3", r.label, r.score, float32(0.8), r.method, r.explain, r.topics, "model:v3",
			r.version, time.Now()); err != nil {
			t.Fatal(err)
		}
	}
	if err := b.Send(); err != nil {
		t.Fatal(err)
	}
	type eventJSON struct {
		Type      string   `json:"event_type"`
		Topics    []string `json:"topics"`
		Sentiment string   `json:"sentiment"`
		Score     *float64 `json:"sentiment_score"`
		Method    string   `json:"sentiment_method"`
		Explain   []struct {
			Text string `json:"text"`
		} `json:"sentiment_explanation"`
	}
	type caseJSON struct {
		Received eventJSON   `json:"received"`
		Events   []eventJSON `json:"events"`
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
	c1 := get("R-1")
	r1 := c1.Received
	if r1.Sentiment != "negative" || r1.Method != "model:v3" || r1.Score == nil || *r1.Score != -0.9 || len(r1.Explain) != 1 || r1.Explain[0].Text != "bức xúc" ||
		len(r1.Topics) != 1 || r1.Topics[0] != "environment" {
		t.Errorf("rescored case R-1 shows %+v, want the v3 rescore (negative, -0.9, bức xúc, environment)", r1)
	}
	if len(c1.Events) != 2 || c1.Events[1].Type != "feedback.assigned" || len(c1.Events[1].Topics) != 1 || c1.Events[1].Topics[0] != "environment" {
		t.Errorf("R-1's assignment, which inherited the case's topics, shows %+v, want the rescored topics", c1.Events)
	}
	r3 := get("R-3").Received
	if r3.Sentiment != "negative" || r3.Method != "sender" || len(r3.Topics) != 1 || r3.Topics[0] != "site_clearance" {
		t.Errorf("case R-3 shows %+v, want the sender's sentiment kept and the rescored topics", r3)
	}
	r2 := get("R-2").Received
	if r2.Sentiment != "positive" || r2.Method != "model" || r2.Score == nil || *r2.Score != 0.7 {
		t.Errorf("case R-2, never rescored, shows %+v, want its stored sentiment", r2)
	}
}
