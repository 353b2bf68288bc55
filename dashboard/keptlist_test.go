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
	// The rows and the words' rows load in the background, ClickHouse
	// answering meanwhile: wait until a round of the queries is answered
	// from memory (6 answers: each search's page and count, each other
	// list's page; their counts come from the roll-ups).
	itest.Eventually(t, 10*time.Second, "the lists answered from memory", func() bool {
		n := e.s.listsKept.Load()
		for _, q := range queries {
			if got := ids(q); len(got) != 30 {
				t.Fatalf("%s: %d rows, want 30", q, len(got))
			}
		}
		return e.s.listsKept.Load()-n >= 6
	})
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
		}, true)
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
	_, ok, err := tp.get(context.Background(), "bad", func(context.Context) ([]uint32, error) { return nil, errors.New("boom") }, true)
	if ok || err == nil || tp.m["bad"] != nil {
		t.Fatalf("a failed load: ok %v, err %v, kept %v", ok, err, tp.m["bad"] != nil)
	}
	if loads["a"] != 1 {
		t.Fatalf("a loaded %d times, want once", loads["a"])
	}
}

// TestKeptListWaitsForNothing checks the loads no request waits for: the
// list rows' first load (snapshotCache.background), retried after a
// failure no sooner than the spacing, and a word's rows, at most
// keptListLoads at once.
func TestKeptListWaitsForNothing(t *testing.T) {
	c := newSnapshotCache()
	release := make(chan struct{})
	fail := true
	load := func(context.Context) (any, error) {
		<-release
		if fail {
			return nil, errors.New("boom")
		}
		return "rows", nil
	}
	if v, ok, err := c.background(t.Context(), "k", "v1", load); ok || v != nil || err != nil {
		t.Fatalf("first call: %v %v %v, want nothing at once", v, ok, err)
	}
	release <- struct{}{} // the first load fails
	itest.Eventually(t, 5*time.Second, "the failed load forgotten", func() bool {
		c.mu.Lock()
		defer c.mu.Unlock()
		return c.entries["k"] == nil && c.loads["k"].took > 0
	})
	// Within the spacing after the failure nothing starts (a load would
	// block on release and leave an entry).
	c.mu.Lock()
	c.loads["k"].took = time.Hour
	c.mu.Unlock()
	if _, ok, _ := c.background(t.Context(), "k", "v1", load); ok || c.entries["k"] != nil {
		t.Fatal("a load started within the spacing after a failed one")
	}
	c.mu.Lock()
	c.loads["k"].started = time.Now().Add(-11 * time.Hour)
	c.mu.Unlock()
	fail = false
	if _, ok, _ := c.background(t.Context(), "k", "v1", load); ok {
		t.Fatal("answered before the load")
	}
	close(release)
	itest.Eventually(t, 5*time.Second, "the loaded rows", func() bool {
		v, ok, err := c.background(t.Context(), "k", "v1", load)
		return ok && v == "rows" && err == nil
	})

	tp := termPostings{m: map[string]*termEntry{}}
	block := make(chan struct{})
	word := func(n int) func(context.Context) ([]uint32, error) {
		return func(context.Context) ([]uint32, error) { <-block; return make([]uint32, n), nil }
	}
	for _, w := range []string{"a", "b", "c"} {
		if _, ok, err := tp.get(t.Context(), w, word(3), false); ok || err != nil {
			t.Fatalf("%s answered before its load: %v %v", w, ok, err)
		}
	}
	if tp.m["c"] != nil || tp.loading != keptListLoads {
		t.Fatalf("%d loads running, c started %v; want %d, false", tp.loading, tp.m["c"] != nil, keptListLoads)
	}
	close(block)
	itest.Eventually(t, 5*time.Second, "a's rows", func() bool {
		p, ok, _ := tp.get(t.Context(), "a", word(3), false)
		return ok && len(p) == 3
	})
}
