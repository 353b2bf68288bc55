package dashboard

import (
	"encoding/json"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"dvpulse/dashboard/auth"
)

// TestHotspotsHonourChannel seeds a jump of hotline feedback in one commune
// and topic, while letters stay flat, and checks that the hot spot shows
// without a channel filter and with channel=hotline_1022, and not with
// channel=letter.
func TestHotspotsHonourChannel(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.Auth = "off" })
	now := time.Now()
	var evs []ev
	add := func(channel string, at time.Time, n int) {
		for i := 0; i < n; i++ {
			evs = append(evs, ev{Type: "feedback.received", ID: newID(), Commune: "18073", Channel: channel, Text: "Rác thải ùn ứ",
				Topics: []string{"moi_truong"}, Sentiment: "negative", Score: -0.8, Explain: "[]", At: at})
		}
	}
	add("hotline_1022", now.Add(-2*time.Hour), 30)
	for d := 1; d <= 7; d++ {
		at := now.Add(-time.Duration(d)*24*time.Hour - 2*time.Hour)
		add("hotline_1022", at, 1)
		add("letter", at, 3)
	}
	add("letter", now.Add(-2*time.Hour), 3)
	insertEvents(t, e.conn, evs)

	hot := func(channel string) bool {
		path := "/api/v1/hotspots"
		if channel != "" {
			path += "?channel=" + channel
		}
		code, body := e.apiGet("", path)
		if code != 200 {
			t.Fatalf("%s: %d %.300s", path, code, body)
		}
		var r struct {
			Rows []struct {
				Commune string `json:"commune_code"`
				Topic   string `json:"topic"`
				Recent  uint64 `json:"last_24h"`
			} `json:"rows"`
		}
		if err := json.Unmarshal([]byte(body), &r); err != nil {
			t.Fatalf("%s: %v: %.300s", path, err, body)
		}
		for _, h := range r.Rows {
			if h.Commune == "18073" && h.Topic == "moi_truong" {
				want := uint64(33)
				if channel == "hotline_1022" {
					want = 30
				}
				if h.Recent != want {
					t.Errorf("%s: hot spot counts %d in the last 24 h, want %d", path, h.Recent, want)
				}
				return true
			}
		}
		return false
	}
	if !hot("") {
		t.Error("no hot spot without a channel filter")
	}
	if !hot("hotline_1022") {
		t.Error("no hot spot with channel=hotline_1022")
	}
	if hot("letter") {
		t.Error("channel=letter shows the hotline jump as a hot spot: the channel filter is ignored")
	}
}

// TestKeptHotSpotsMatchClickHouse seeds feedback in three communes, three
// topics (and none) and three channels over the 8 days before now, with
// jumps in some cells, and compares the hot spots of the default server
// (windows and drivers kept in memory from a reference time's second
// request on) with a server that asks ClickHouse every time, for an
// analyst and a locality officer and many filters. Then one more feedback
// in a hot cell must show at once.
func TestKeptHotSpotsMatchClickHouse(t *testing.T) {
	e := newEnv(t, nil)
	ref := e.sibling(func(c *Config) { c.NoSnapshots, c.NoResultCache = true, true })
	now := time.Now()
	rng := rand.New(rand.NewPCG(5, 42))
	communes := []string{"18073", "18496", "18115"}
	topics := [][]string{{"environment"}, {"land"}, {"environment", "education"}, nil}
	channels := []string{"hotline_1022", "letter", "public_service_portal"}
	var evs []ev
	add := func(commune, channel string, topics []string, at time.Time) {
		label, score := "neutral", float32(0.1)
		if rng.IntN(3) == 0 {
			label, score = "negative", -0.2-0.7*rng.Float32()
		}
		evs = append(evs, ev{Type: "feedback.received", ID: newID(), Commune: commune, Channel: channel, Text: "Phản ánh " + commune,
			Topics: topics, Sentiment: label, Score: score, Explain: "[]", At: at})
	}
	for _, c := range communes {
		for _, tp := range topics {
			for _, ch := range channels {
				for d := 0; d < 8; d++ {
					for range rng.IntN(3) {
						add(c, ch, tp, now.Add(-time.Duration(d*24+1+rng.IntN(22))*time.Hour))
					}
				}
			}
		}
	}
	// Jumps: environment in 18073 by hotline, land in 18496 by letter and
	// portal, feedback without topics in 18115.
	for range 25 {
		add("18073", "hotline_1022", topics[0], now.Add(-time.Duration(1+rng.IntN(20))*time.Hour))
		add("18496", channels[1+rng.IntN(2)], topics[1], now.Add(-time.Duration(1+rng.IntN(20))*time.Hour))
		add("18115", "public_service_portal", nil, now.Add(-time.Duration(1+rng.IntN(20))*time.Hour))
	}
	// And one on a whole day in Hanoi, three days ago: land in 18115 by
	// hotline only.
	noon := day(now).AddDate(0, 0, -3).Add(12 * time.Hour)
	for range 20 {
		add("18115", "hotline_1022", topics[1], noon.Add(time.Duration(rng.IntN(600))*time.Minute-5*time.Hour))
	}
	// Some exactly at midnight: on the bounds of the windows of reference
	// times at midnight.
	for k := range 10 {
		for range 3 {
			add("18115", "hotline_1022", topics[1], day(now).AddDate(0, 0, -k))
		}
	}
	insertEvents(t, e.conn, evs)
	e.addUser("ana", auth.RoleAnalyst, "analyst-password")
	e.addUser("loc", auth.RoleLocalityOfficer, "officer-password", "18496")

	yesterday := now.AddDate(0, 0, -1).In(Hanoi).Format("2006-01-02")
	// Periods ending before today have a reference time at midnight: their
	// windows are whole days.
	daysAgo := func(n int) string { return now.AddDate(0, 0, -n).In(Hanoi).Format("2006-01-02") }
	queries := []string{"", "channel=hotline_1022", "channel=letter", "topic=environment", "topic=land&channel=public_service_portal",
		"locality=c:18073", "locality=c:18496&channel=letter", "locality=c:18115",
		"period=custom&from=2020-01-01&to=" + yesterday, "period=custom&from=2020-01-01&to=" + yesterday + "&topic=environment",
		"channel=press", "topic=religion",
		"period=custom&from=2020-01-01&to=" + daysAgo(3), "period=custom&from=2020-01-01&to=" + daysAgo(3) + "&locality=c:18496&channel=letter",
		"period=custom&from=2020-01-01&to=" + daysAgo(3) + "&channel=hotline_1022", "period=custom&from=2020-01-01&to=" + daysAgo(3) + "&channel=letter&topic=land",
		"period=custom&from=2020-01-01&to=" + daysAgo(6) + "&topic=land", "period=custom&from=2020-01-01&to=" + daysAgo(9)}
	tokens := map[string]string{}
	for _, user := range []string{"ana", "loc"} {
		tok, _, err := e.s.store.CreateToken(t.Context(), user, "test", 0)
		if err != nil {
			t.Fatal(err)
		}
		tokens[user] = tok
	}
	hot := 0
	check := func(round string) {
		t.Helper()
		for user, tok := range tokens {
			for _, q := range queries {
				path := "/api/v1/hotspots?" + q
				// Three times: the first request of a reference time reads
				// ClickHouse, the second keeps its windows, the third uses them.
				for i := range 3 {
					wc, want := ref.apiGet(tok, path)
					gc, got := e.apiGet(tok, path)
					if wc != 200 || gc != wc || got != want {
						t.Fatalf("%s: %s as %s, request %d: %d %s\nClickHouse every time: %d %s", round, path, user, i+1, gc, got, wc, want)
					}
					hot += strings.Count(got, `"reason"`)
				}
			}
		}
	}
	check("seeded")
	if hot == 0 {
		t.Fatal("no hot spot in any answer: the comparison shows nothing")
	}
	e.s.hotRefs.mu.Lock()
	kept := len(e.s.hotRefs.kept)
	e.s.hotRefs.mu.Unlock()
	e.s.hotDrivers.mu.Lock()
	drivers := len(e.s.hotDrivers.cells)
	e.s.hotDrivers.mu.Unlock()
	if kept < 2 || drivers == 0 {
		t.Fatalf("%d reference times and %d cells' drivers kept: the comparison did not cover the kept answers", kept, drivers)
	}
	// One more (very negative) feedback in the hot environment cell: the
	// count and the first driver change at once.
	add("18073", "hotline_1022", topics[0], now.Add(-30*time.Minute))
	evs[len(evs)-1].Sentiment, evs[len(evs)-1].Score, evs[len(evs)-1].Text = "negative", -0.99, "Rác thải ngập đường"
	insertEvents(t, e.conn, evs[len(evs)-1:])
	check("after one more feedback")
	code, body := e.apiGet(tokens["ana"], "/api/v1/hotspots?channel=hotline_1022&locality=c:18073")
	if code != 200 || !strings.Contains(body, "Rác thải ngập đường") {
		t.Fatalf("the new feedback is not the hot spot's first driver: %d %.600s", code, body)
	}
}
