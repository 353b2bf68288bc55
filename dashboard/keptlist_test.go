package dashboard

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"dvpulse/internal/itest"
)

// TestKeptListFollowsTheTables checks that a list answered from the rows in
// memory never shows an older version: right after a feedback reaches
// feedback_index and feedback_terms, the explorer shows it (ClickHouse
// answers while the rows reload), and it still does once the reloaded
// rows answer again.
func TestKeptListFollowsTheTables(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.Auth = "off" })
	now := time.Now()
	var evs []ev
	for i := range 30 {
		evs = append(evs, ev{Type: "feedback.received", ID: fmt.Sprintf("KL-%02d", i), Commune: "18073", Channel: "hotline_1022",
			Text: "Đường làng hỏng", Topics: []string{"transport"}, Sentiment: "negative", Score: -0.5, Explain: "[]",
			At: now.Add(-time.Duration(i+2) * time.Hour)})
	}
	insertEvents(t, e.conn, evs)
	ids := func(query string) []string {
		t.Helper()
		code, body := e.apiGet("", "/api/v1/feedback?"+query)
		if code != 200 {
			t.Fatalf("%s: %d %.300s", query, code, body)
		}
		var r struct {
			Rows []ListItem `json:"rows"`
		}
		if err := json.Unmarshal([]byte(body), &r); err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, x := range r.Rows {
			out = append(out, x.ID)
		}
		return out
	}
	queries := []string{"sort=newest", "sort=score", "q=duong+lang", "q=hong&sort=oldest&channel=hotline_1022"}
	for _, q := range queries {
		if got := ids(q); len(got) != 30 {
			t.Fatalf("%s: %d rows, want 30", q, len(got))
		}
	}
	before := e.s.listsKept.Load()
	if before == 0 {
		t.Fatal("no list was answered from memory; the test would prove nothing")
	}
	// The newest and most negative case, with the searched words.
	insertEvents(t, e.conn, []ev{{Type: "feedback.received", ID: "KL-NEW", Commune: "18073", Channel: "hotline_1022",
		Text: "Đường làng hỏng nặng", Topics: []string{"transport"}, Sentiment: "negative", Score: -0.9, Explain: "[]",
		At: now.Add(-time.Hour)}})
	check := func() {
		t.Helper()
		for _, q := range queries {
			if got := ids(q); len(got) != 31 || q != "q=hong&sort=oldest&channel=hotline_1022" && got[0] != "KL-NEW" ||
				!slices.Contains(got, "KL-NEW") {
				t.Fatalf("%s after the insert: %v, want 31 rows with KL-NEW (first unless oldest first)", q, got)
			}
		}
	}
	check()
	// The rows reload in the background: once they answer again, the
	// answers are the same.
	itest.Eventually(t, 10*time.Second, "the reloaded rows answering", func() bool {
		n := e.s.listsKept.Load()
		check()
		return e.s.listsKept.Load() > n
	})
	check()
}

// TestTermPostingsKeepTheRecentlyUsed checks the bound on the words' rows
// kept: past keptListTerms, the least recently used words go; a word with
// more than a quarter of the bound is not kept (ok false, loaded once);
// a failed load is not kept.
func TestTermPostingsKeepTheRecentlyUsed(t *testing.T) {
	defer func(old int) { keptListTerms = old }(keptListTerms)
	keptListTerms = 100
	tp := termPostings{m: map[string]*termEntry{}}
	loads := map[string]int{}
	get := func(word string, n int) bool {
		t.Helper()
		p, ok, err := tp.get(context.Background(), word, func(context.Context) ([]uint32, error) {
			loads[word]++
			return make([]uint32, n), nil
		})
		if err != nil || ok && len(p) != n {
			t.Fatalf("%s: %d ordinals, %v", word, len(p), err)
		}
		return ok
	}
	for _, w := range []string{"a", "b", "c", "d"} {
		if !get(w, 25) {
			t.Fatalf("%s not kept", w)
		}
	}
	get("a", 25) // a is now more recent than b
	if !get("e", 25) {
		t.Fatal("e not kept")
	}
	if _, kept := tp.m["b"]; kept || tp.m["a"] == nil || tp.kept != 100 {
		t.Fatalf("after e: b kept %v, a kept %v, %d ordinals kept; want b gone, a kept, 100", tp.m["b"] != nil, tp.m["a"] != nil, tp.kept)
	}
	if get("huge", 26) || get("huge", 26) || loads["huge"] != 1 {
		t.Fatalf("a word over a quarter of the bound: kept, or loaded %d times", loads["huge"])
	}
	_, ok, err := tp.get(context.Background(), "bad", func(context.Context) ([]uint32, error) { return nil, errors.New("boom") })
	if ok || err == nil || tp.m["bad"] != nil {
		t.Fatalf("a failed load: ok %v, err %v, kept %v", ok, err, tp.m["bad"] != nil)
	}
	if loads["a"] != 1 {
		t.Fatalf("a loaded %d times, want once", loads["a"])
	}
}
