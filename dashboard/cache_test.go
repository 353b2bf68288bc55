package dashboard

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"dvpulse/dashboard/auth"
	"dvpulse/internal/itest"
)

func TestQueryCacheTTLSingleflightErrors(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	var mu sync.Mutex
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	c := newQueryCache(10*time.Second, 100, clock)
	var loads atomic.Int32
	release := make(chan struct{})
	load := func(context.Context) ([]cachedRow, error) {
		loads.Add(1)
		<-release
		return []cachedRow{{uint64(7), "a", []string{"x"}}}, nil
	}
	// Concurrent identical queries run once.
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rows, err := c.rows(context.Background(), "k", load)
			if err != nil || len(rows) != 1 {
				t.Errorf("rows = %v, %v", rows, err)
			}
		}()
	}
	time.Sleep(50 * time.Millisecond)
	close(release)
	wg.Wait()
	if n := loads.Load(); n != 1 {
		t.Fatalf("%d loads for 8 concurrent identical queries, want 1", n)
	}
	// Served from the cache within the ttl, loaded again after it.
	_, _ = c.rows(context.Background(), "k", load)
	if n := loads.Load(); n != 1 {
		t.Fatalf("%d loads within the ttl, want 1", n)
	}
	// Within a ttl after expiry: the stale answer, refreshed in the
	// background; later than that: loaded again before answering.
	mu.Lock()
	now = now.Add(11 * time.Second)
	mu.Unlock()
	if rows, err := c.rows(context.Background(), "k", load); err != nil || len(rows) != 1 {
		t.Fatalf("stale answer: %v, %v", rows, err)
	}
	for i := 0; i < 100 && loads.Load() != 2; i++ {
		time.Sleep(10 * time.Millisecond)
	}
	if n := loads.Load(); n != 2 {
		t.Fatalf("%d loads after the ttl, want 2 (one background refresh)", n)
	}
	mu.Lock()
	now = now.Add(time.Hour)
	mu.Unlock()
	_, _ = c.rows(context.Background(), "k", load)
	if n := loads.Load(); n != 3 {
		t.Fatalf("%d loads long after the ttl, want 3", n)
	}
	// Errors are not kept.
	boom := errors.New("boom")
	if _, err := c.rows(context.Background(), "e", func(context.Context) ([]cachedRow, error) { return nil, boom }); !errors.Is(err, boom) {
		t.Fatalf("err = %v", err)
	}
	rows, err := c.rows(context.Background(), "e", func(context.Context) ([]cachedRow, error) { return []cachedRow{{uint64(1)}}, nil })
	if err != nil || len(rows) != 1 {
		t.Fatalf("after an error: %v, %v", rows, err)
	}
	// Rows scan like driver rows, and callers get their own slices.
	var n uint64
	var s string
	var xs []string
	r := cachedRow{uint64(7), "a", []string{"x"}}
	if err := r.Scan(&n, &s, &xs); err != nil || n != 7 || s != "a" || xs[0] != "x" {
		t.Fatalf("scan: %v %d %q %v", err, n, s, xs)
	}
	xs[0] = "changed"
	if r[2].([]string)[0] != "x" {
		t.Fatal("a scanned slice shares the cached one")
	}
	if err := r.Scan(&s, &s, &xs); err == nil {
		t.Fatal("scanning a UInt64 into a string: no error")
	}
	if newQueryCache(0, 100, clock) != nil {
		t.Fatal("ttl 0 must turn the cache off")
	}
}

// TestCachedAnswersMatch compares every indicator endpoint with the cache on
// and off over the same data, for an unscoped and a scoped token: the
// cache (and the answers computed from cached state) must change nothing,
// nor leak across scopes.
func TestCachedAnswersMatch(t *testing.T) {
	// The reference computes everything in ClickHouse per request: no ttl
	// cache, no snapshots.
	e := newEnv(t, func(c *Config) { c.CacheTTL = 0; c.NoSnapshots = true; c.NoResultCache = true })
	seedBasic(t, e)
	seedCampaigns(t, e)
	now := time.Now()
	insertEvents(t, e.conn, []ev{
		{Type: "commitment.made", ID: "CM-1", Commune: "18073", At: now.Add(-40 * time.Hour), Due: now.Add(-2 * time.Hour)},
		{Type: "commitment.made", ID: "CM-2", Commune: "18496", At: now.Add(-30 * time.Hour), Due: now.Add(48 * time.Hour)},
		// On the periods' last day, and long before: the bounds of the
		// snapshot's day range.
		{Type: "commitment.made", ID: "CM-3", Commune: "18496", At: now.Add(-time.Minute), Due: now.Add(24 * time.Hour)},
		{Type: "commitment.made", ID: "CM-4", Commune: "18073", At: now.AddDate(0, 0, -200), Due: now.AddDate(0, 0, -150)},
		// For the monthly cell roll-ups: a second topic on the filtered
		// channel (is_primary = 0 rows), and feedback before the periods.
		{Type: "feedback.received", ID: "F-CM-1", Commune: "18496", Channel: "hotline_1022", Text: "Rác và đất",
			Topics: []string{"land", "environment"}, Sentiment: "negative", Score: -0.6, Explain: "[]", At: now.Add(-3 * time.Hour)},
		{Type: "feedback.received", ID: "F-CM-2", Commune: "18496", Channel: "hotline_1022", Text: "Rác cũ",
			Topics: []string{"environment"}, Sentiment: "positive", Score: 0.4, Explain: "[]", At: now.AddDate(-1, -4, 0)},
		{Type: "feedback.received", ID: "F-CM-3", Commune: "18073", Channel: "hotline_1022", Text: "Rác cũ hơn",
			Topics: []string{"environment"}, Sentiment: "negative", Score: -0.4, Explain: "[]", At: now.AddDate(-2, -1, 0)},
		// Issues raised at dialogues with two topics (is_primary = 0 rows),
		// none, and in two communes, on several days.
		{Type: "dialogue.issue_raised", ID: "DI-1", Commune: "18073", Topics: []string{"land", "environment"}, At: now.Add(-5 * time.Hour)},
		{Type: "dialogue.issue_raised", ID: "DI-2", Commune: "18496", Topics: []string{"environment", "land"}, At: now.Add(-50 * time.Hour)},
		{Type: "dialogue.issue_raised", ID: "DI-3", Commune: "18496", At: now.AddDate(0, 0, -20)},
		{Type: "dialogue.issue_raised", ID: "DI-4", Commune: "18073", Topics: []string{"environment"}, At: now.AddDate(0, -2, 0)},
	})
	e.addUser("ana", auth.RoleAnalyst, "analyst-password")
	e.addUser("loc", auth.RoleLocalityOfficer, "officer-password", "18496")
	// Against it: the ttl cache with snapshots, and the defaults (snapshots
	// and the result cache).
	var others []*testEnv
	for _, ttl := range []time.Duration{time.Minute, 0} {
		others = append(others, e.sibling(func(c *Config) { c.CacheTTL, c.NoSnapshots, c.NoResultCache = ttl, false, false }))
	}
	paths := []string{"feedback/volume", "overview", "hotspots", "sentiment/series", "sentiment/topics", "sentiment/localities",
		"sentiment/drivers", "feedback", "feedback?q=rac&sort=score", "localities", "dialogues", "dialogues/hosts", "dialogues/issues",
		"dialogues/commitments", "models", "models/localities", "models/years", "campaigns", "criticism"}
	for _, user := range []string{"ana", "loc"} {
		tok, _, err := e.s.store.CreateToken(t.Context(), user, "test", 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range paths {
			for _, q := range []string{"granularity=week", "period=year&granularity=month", "granularity=day&topic=environment&locality=c:18073",
				"period=quarter&granularity=day&locality=c:18073", "granularity=month&locality=c:18496",
				// Whole months with a topic or channel: the monthly cell roll-ups.
				"period=year&granularity=quarter&topic=environment", "period=year&granularity=month&channel=hotline_1022",
				"period=quarter&granularity=month&topic=environment&channel=hotline_1022&locality=c:18496"} {
				sep := "?"
				if strings.Contains(p, "?") {
					sep = "&"
				}
				path := "/api/v1/" + p + sep + q
				// Twice through the cached server: the second answer
				// comes from the cache.
				for i := 0; i < 2; i++ {
					wc, want := e.apiGet(tok, path)
					for j, ce := range others {
						gc, got := ce.apiGet(tok, path)
						if wc != 200 || gc != wc || got != want {
							t.Fatalf("%s as %s (round %d, server %d: ttl %s, snapshots on): %d %s\nreference (all in ClickHouse): %d %s",
								path, user, i, j, ce.s.cfg.CacheTTL, gc, got, wc, want)
						}
					}
				}
			}
		}
	}
}

// TestSnapshotsFollowTheTable checks that a model answer kept by the
// snapshot cache (on by default, ttl cache off) changes as soon as a new
// model reaches the models table, and a commitment answer likewise.
func TestSnapshotsFollowTheTable(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.Auth = "off" })
	now := time.Now()
	year := uint16(now.Year())
	insertEvents(t, e.conn, []ev{{Type: "model.registered", ID: "MD-S1", Commune: "18073", Field: "economy", Year: year, At: now}})
	registered := func() uint64 {
		code, body := e.apiGet("", "/api/v1/models?period=year")
		if code != 200 {
			t.Fatalf("models: %d %.300s", code, body)
		}
		var r struct {
			Rows []ModelRow `json:"rows"`
		}
		if err := json.Unmarshal([]byte(body), &r); err != nil {
			t.Fatal(err)
		}
		var n uint64
		for _, x := range r.Rows {
			n += x.Registered
		}
		return n
	}
	itest.Eventually(t, 10*time.Second, "the first model", func() bool { return registered() == 1 })
	if e.s.snapshots == nil || len(e.s.snapshots.entries) == 0 {
		t.Fatal("the models answer was not kept by the snapshot cache; the test would prove nothing")
	}
	insertEvents(t, e.conn, []ev{{Type: "model.registered", ID: "MD-S2", Commune: "18496", Field: "economy", Year: year, At: now}})
	itest.Eventually(t, 10*time.Second, "the second model in the answer", func() bool { return registered() == 2 })

	made := func() uint64 {
		code, body := e.apiGet("", "/api/v1/dialogues/commitments?granularity=day")
		if code != 200 {
			t.Fatalf("commitments: %d %.300s", code, body)
		}
		var r struct {
			Rows []CommitmentRow `json:"rows"`
		}
		if err := json.Unmarshal([]byte(body), &r); err != nil {
			t.Fatal(err)
		}
		var n uint64
		for _, x := range r.Rows {
			n += x.Made
		}
		return n
	}
	insertEvents(t, e.conn, []ev{{Type: "commitment.made", ID: "CM-S1", Commune: "18073", At: now.Add(-time.Hour), Due: now.Add(time.Hour)}})
	itest.Eventually(t, 10*time.Second, "the first commitment", func() bool { return made() == 1 })
	insertEvents(t, e.conn, []ev{{Type: "commitment.made", ID: "CM-S2", Commune: "18073", At: now.Add(-time.Hour), Due: now.Add(time.Hour)}})
	itest.Eventually(t, 10*time.Second, "the second commitment in the answer", func() bool { return made() == 2 })
}

// TestResultCacheFollowsTheTables checks the result cache with the default
// version reuse: an identical query is answered from the cache, and an
// answer follows its table within moments of a change.
func TestResultCacheFollowsTheTables(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.Auth = "off"; c.VersionReuse = DefaultConfig().VersionReuse })
	if e.s.results == nil {
		t.Fatal("the result cache is off by default")
	}
	seedBasic(t, e)
	received := func(path string) uint64 {
		code, body := e.apiGet("", path)
		if code != 200 {
			t.Fatalf("%s: %d %.300s", path, code, body)
		}
		var r struct {
			Total uint64 `json:"total"`
		}
		if err := json.Unmarshal([]byte(body), &r); err != nil {
			t.Fatal(err)
		}
		return r.Total
	}
	// A channel filter: without one the commune roll-up answers from
	// memory (communeDays), past the result cache.
	const path = "/api/v1/feedback/volume?granularity=week&channel=hotline_1022"
	itest.Eventually(t, 10*time.Second, "the seeded feedback", func() bool { return received(path) == 6 })
	entries := func() int {
		e.s.results.mu.Lock()
		defer e.s.results.mu.Unlock()
		return len(e.s.results.entries)
	}
	n := entries()
	if n == 0 {
		t.Fatal("the answer was not kept by the result cache; the test would prove nothing")
	}
	if received(path) != 6 || entries() != n {
		t.Fatalf("the same query again made %d new cache entries; want it answered from the cache", entries()-n)
	}
	if received(strings.Replace(path, "hotline_1022", "provincial_app", 1)) != 4 || entries() == n {
		t.Fatal("another filter must be a query of its own")
	}
	insertEvents(t, e.conn, []ev{{Type: "feedback.received", ID: "FB-R-1", Commune: "18073", Channel: "hotline_1022",
		Topics: []string{"environment"}, Text: "Đèn đường hỏng", At: time.Now().Add(-time.Hour)}})
	itest.Eventually(t, 10*time.Second, "the new feedback in the answer", func() bool { return received(path) == 7 })
}

// TestMemoryAnswersFollowTheTables checks the two answers kept in memory
// with the default settings: the commune roll-up (communeDays) and the
// list rows (rowCache). Each is shown to be in use, then an insert must
// reach the API within moments: a new feedback in the volume, a case's
// new status in the explorer.
func TestMemoryAnswersFollowTheTables(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.Auth = "off"; c.VersionReuse = DefaultConfig().VersionReuse })
	seedBasic(t, e)
	volume := func() uint64 {
		code, body := e.apiGet("", "/api/v1/feedback/volume?granularity=day")
		if code != 200 {
			t.Fatalf("volume: %d %.300s", code, body)
		}
		var r struct {
			Total uint64 `json:"total"`
		}
		if err := json.Unmarshal([]byte(body), &r); err != nil {
			t.Fatal(err)
		}
		return r.Total
	}
	itest.Eventually(t, 10*time.Second, "the seeded feedback", func() bool { return volume() == 10 })
	e.s.snapshots.mu.Lock()
	kept := e.s.snapshots.entries["commune days"] != nil
	e.s.snapshots.mu.Unlock()
	if !kept {
		t.Fatal("the volume was not computed from the kept commune roll-up; the test would prove nothing")
	}
	insertEvents(t, e.conn, []ev{{Type: "feedback.received", ID: "FB-M-1", Commune: "18496", Channel: "hotline_1022",
		Text: "Đèn đường hỏng", At: time.Now().Add(-time.Hour)}})
	itest.Eventually(t, 10*time.Second, "the new feedback in the volume", func() bool { return volume() == 11 })

	status := func(id string) string {
		code, body := e.apiGet("", "/api/v1/feedback?locality=c:18496")
		if code != 200 {
			t.Fatalf("feedback: %d %.300s", code, body)
		}
		var r struct {
			Rows []ListItem `json:"rows"`
		}
		if err := json.Unmarshal([]byte(body), &r); err != nil {
			t.Fatal(err)
		}
		for _, x := range r.Rows {
			if x.ID == id {
				return x.Status
			}
		}
		return ""
	}
	if got := status("FB-B-a"); got != "received" {
		t.Fatalf("FB-B-a: status %q, want received", got)
	}
	if got := e.s.rows.lookup(e.s.rows.version, []string{"FB-B-a"}, map[rowKey]ListItem{}); len(got) != 0 {
		t.Fatal("the list's rows were not kept by the row cache; the test would prove nothing")
	}
	// FB-B-a was received when seedBasic ran: resolved after that.
	insertEvents(t, e.conn, []ev{{Type: "feedback.resolved", ID: "FB-B-a", Commune: "18496", Channel: "provincial_app",
		At: time.Now().Add(time.Second)}})
	itest.Eventually(t, 10*time.Second, "the resolved status in the list", func() bool { return status("FB-B-a") == "resolved" })
}
