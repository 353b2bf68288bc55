package dashboard

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
	"time"
)

// TestListRowsMatchTheirTables checks list_rows.sql, which reads a list
// page's rows and their cases' statuses from feedback_timeline, against
// the tables the lists read before: each row's fields against its
// feedback_index row (text from events for rows without text), and each
// status against feedback_cases (argMaxMerge(status)), the table the case
// page shows. The cases go through every lifecycle event type, in random
// orders, at distinct times (on equal times feedback_cases keeps either).
func TestListRowsMatchTheirTables(t *testing.T) {
	e := newEnv(t, nil)
	rng := rand.New(rand.NewPCG(3, 5))
	now := time.Now().In(Hanoi).Truncate(time.Second)
	lifecycle := []ev{
		{Type: "feedback.assigned"},
		{Type: "feedback.status_changed", Status: "in_progress"},
		{Type: "feedback.status_changed", Status: "on_hold"},
		{Type: "feedback.answered"},
		{Type: "feedback.resolved"},
		{Type: "feedback.reopened"},
	}
	communes := []string{"18073", "18496", "18115"}
	var evs []ev
	var ids []string
	for i := 0; i < 300; i++ {
		id := fmt.Sprintf("FB-R-%03d", i)
		ids = append(ids, id)
		at := now.Add(-time.Duration(rng.IntN(30*24)) * time.Hour)
		x := ev{Type: "feedback.received", ID: id, Commune: communes[rng.IntN(len(communes))], Channel: "hotline_1022",
			Topics: []string{"environment", "land"}[:1+rng.IntN(2)], Text: fmt.Sprintf("Phản ánh số %d", i), At: at,
			Due: at.Add(15 * 24 * time.Hour)}
		if rng.IntN(3) > 0 {
			x.Score = float32(rng.IntN(201)-100) / 100
			x.Sentiment = map[bool]string{true: "negative", false: "positive"}[x.Score < 0]
		}
		if i%25 == 0 {
			// Written before the projector filled text: read from the
			// payload.
			x.Text = ""
		}
		evs = append(evs, x)
		// 0 … 4 lifecycle events, some before the received event (a
		// sender's clock, or a late import), each at its own minute.
		for j, n := 0, rng.IntN(5); j < n; j++ {
			l := lifecycle[rng.IntN(len(lifecycle))]
			l.ID, l.Commune = id, x.Commune
			l.At = at.Add(time.Duration(rng.IntN(600)-60)*time.Minute + time.Duration(j)*time.Second)
			evs = append(evs, l)
		}
	}
	insertEvents(t, e.conn, evs)

	type want struct {
		item   ListItem
		status string
	}
	wants := map[rowKey]want{}
	rows, err := e.conn.Query(t.Context(), "SELECT aggregate_id, toString(event_id), occurred_at, commune_code, channel, topics, "+
		"text, sentiment_label, sentiment_score, due_at FROM feedback_index")
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var x ListItem
		var eid string
		var at, due time.Time
		var score float32
		if err := rows.Scan(&x.ID, &eid, &at, &x.Commune, &x.Channel, &x.Topics, &x.Text, &x.Sentiment, &score, &due); err != nil {
			t.Fatal(err)
		}
		if x.Text == "" {
			// What the test events' payload says (insertEvents).
			x.Text = "payload"
		}
		x.ReceivedAt = at.In(Hanoi).Format("2006-01-02 15:04")
		x.DueAt = due.In(Hanoi).Format("2006-01-02")
		if x.Sentiment != "" {
			x.Score = fptr(math.Round(float64(score)*1000) / 1000)
		}
		x.CommuneName = e.s.communeName(x.Commune)
		wants[rowKey{x.ID, eid}] = want{item: x}
	}
	rows.Close()
	statuses := map[string]string{}
	rows, err = e.conn.Query(t.Context(), "SELECT feedback_id, argMaxMerge(status) FROM feedback_cases GROUP BY feedback_id")
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id, st string
		if err := rows.Scan(&id, &st); err != nil {
			t.Fatal(err)
		}
		statuses[id] = st
	}
	rows.Close()
	if len(wants) != len(ids) {
		t.Fatalf("%d feedback_index rows, want %d", len(wants), len(ids))
	}
	seen := map[string]int{}
	for _, st := range statuses {
		seen[st]++
	}
	if len(seen) < 6 {
		t.Fatalf("statuses %v: the data should reach every status", seen)
	}

	// Pages of 50 scattered cases, as the lists ask.
	keys := []rowKey{}
	for k := range wants {
		keys = append(keys, k)
	}
	rng.Shuffle(len(keys), func(i, j int) { keys[i], keys[j] = keys[j], keys[i] })
	for start := 0; start < len(keys); start += 50 {
		page := keys[start:min(start+50, len(keys))]
		got, err := e.s.listRows(t.Context(), page)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(page) {
			t.Fatalf("%d rows for %d keys", len(got), len(page))
		}
		for _, k := range page {
			w := wants[k].item
			w.Status = statuses[k.id]
			if w.Status == "" {
				w.Status = "received"
			}
			g := got[k]
			gs, ws := fl(g.Score), fl(w.Score)
			g.Score, w.Score = nil, nil
			if gs != ws || fmt.Sprintf("%+v", g) != fmt.Sprintf("%+v", w) {
				t.Fatalf("case %s:\n got  %+v %v\n want %+v %v", k.id, g, gs, w, ws)
			}
		}
	}
}
