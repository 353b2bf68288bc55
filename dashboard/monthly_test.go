package dashboard

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"dvpulse/dashboard/auth"
)

// TestWholeMonthsPicksMonthlyRollups checks which periods and groupings the
// monthly roll-ups may answer.
func TestWholeMonthsPicksMonthlyRollups(t *testing.T) {
	d := func(s string) time.Time {
		x, err := time.ParseInLocation("2006-01-02", s, Hanoi)
		if err != nil {
			t.Fatal(err)
		}
		return x
	}
	for _, c := range []struct {
		from, to, gran, by string
		want               bool
	}{
		{"2026-01-01", "2026-12-31", "month", "bucket", true},
		{"2026-04-01", "2026-06-30", "quarter", "bucket", true},
		{"2026-04-01", "2026-06-30", "week", "bucket", false},
		{"2026-04-01", "2026-06-30", "day", "bucket", false},
		{"2026-04-01", "2026-06-30", "day", "topic", true},
		{"2026-02-01", "2026-02-28", "day", "commune", true},
		{"2024-02-01", "2024-02-29", "day", "total", true},
		{"2024-02-01", "2024-02-28", "day", "total", false}, // leap year: not the month's last day
		{"2026-04-02", "2026-06-30", "month", "topic", false},
		{"2026-04-01", "2026-06-29", "month", "topic", false},
	} {
		f := Filter{From: d(c.from), To: d(c.to), Granularity: c.gran}
		if got := wholeMonths(f, c.by); got != c.want {
			t.Errorf("wholeMonths(%s … %s, %s, by %s) = %v, want %v", c.from, c.to, c.gran, c.by, got, c.want)
		}
	}
	s := &Server{}
	f := Filter{From: d("2026-04-01"), To: d("2026-06-30"), Granularity: "month", Topic: "land", Locality: "c:18073", Communes: []string{"18073"}}
	if tbl, _ := s.rollup(f, Scope{}, "bucket"); tbl != "feedback_cell_monthly" {
		t.Errorf("a quarter by month with a topic and a commune reads %s, want feedback_cell_monthly", tbl)
	}
	wide := Filter{From: f.From, To: f.To, Granularity: "quarter"}
	if tbl, _ := s.rollup(wide, Scope{}, "total"); tbl != "feedback_commune_monthly" {
		t.Errorf("a quarter without filters reads %s, want feedback_commune_monthly", tbl)
	}
	wide.Channel = "letter"
	if tbl, _ := s.rollup(wide, Scope{}, "bucket"); tbl != "feedback_topic_channel_monthly" {
		t.Errorf("a quarter with a channel over the province reads %s, want feedback_topic_channel_monthly", tbl)
	}
	wide.Granularity = "week"
	if tbl, _ := s.rollup(wide, Scope{}, "bucket"); tbl != "feedback_topic_channel_daily" {
		t.Errorf("a quarter by week reads %s, want feedback_topic_channel_daily", tbl)
	}
	s.cfg.NoMonthly = true
	if tbl, _ := s.rollup(f, Scope{}, "bucket"); tbl != "feedback_cell_daily" {
		t.Errorf("with NoMonthly it reads %s, want feedback_cell_daily", tbl)
	}
}

// TestMonthlyRollupsMatchDaily compares the feedback endpoints answered
// from the monthly roll-ups (whole-month periods, the default) with the
// same answers from the daily ones, over feedback spread across 14 months
// with several topics, channels and communes, deadlines in later months
// and every lifecycle event the cells count.
func TestMonthlyRollupsMatchDaily(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.NoMonthly = true; c.NoSnapshots = true })
	now := time.Now().In(Hanoi)
	rng := rand.New(rand.NewPCG(42, 6))
	topics := [][]string{{"environment"}, {"land", "site_clearance"}, {"site_clearance"}, nil, {"land"}}
	channels := []string{"hotline_1022", "provincial_app", "public_service_portal"}
	communes := []string{"18073", "18496", "18073", "18115"}
	var received, lifecycle []ev
	for i := 0; i < 600; i++ {
		at := now.Add(-time.Duration(rng.IntN(14*30*24)) * time.Hour)
		x := ev{Type: "feedback.received", ID: fmt.Sprintf("FB-M-%d", i), Commune: communes[rng.IntN(len(communes))],
			Channel: channels[rng.IntN(len(channels))], Topics: topics[rng.IntN(len(topics))], Text: "Đường làng xuống cấp", At: at}
		switch rng.IntN(3) {
		case 0:
			x.Sentiment, x.Score = "negative", -0.2-rng.Float32()/2
		case 1:
			x.Sentiment, x.Score = "positive", 0.2+rng.Float32()/2
		}
		due := at.Add(time.Duration(10+rng.IntN(40)) * 24 * time.Hour)
		if rng.IntN(4) > 0 {
			x.Due = due
		}
		received = append(received, x)
		base := ev{ID: x.ID, Commune: x.Commune, Channel: x.Channel, Topics: x.Topics, CaseReceived: at, CaseDue: x.Due}
		steps := []string{"feedback.assigned", "feedback.answered", "feedback.resolved", "feedback.reopened"}[:rng.IntN(5)]
		for j, typ := range steps {
			y := base
			y.Type, y.At = typ, at.Add(time.Duration(j+1)*time.Duration(1+rng.IntN(20))*24*time.Hour)
			if j == 0 {
				y.FirstAction = 1
			}
			if typ == "feedback.answered" {
				y.Within = int8(rng.IntN(3) - 1)
			}
			if typ == "feedback.resolved" && !x.Due.IsZero() {
				y.FirstDone = 1
			}
			lifecycle = append(lifecycle, y)
		}
	}
	insertEvents(t, e.conn, received)
	insertEvents(t, e.conn, lifecycle)
	var n uint64
	if err := e.conn.QueryRow(t.Context(), "SELECT sum(received) FROM feedback_cell_monthly WHERE is_primary = 1").Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != uint64(len(received)) {
		t.Fatalf("feedback_cell_monthly counts %d feedback received, want %d", n, len(received))
	}
	e.addUser("ana", auth.RoleAnalyst, "analyst-password")
	e.addUser("loc", auth.RoleLocalityOfficer, "officer-password", "18496")

	monthly := e.sibling(func(c *Config) { c.NoMonthly = false })

	y, q := now.Year(), (int(now.Month())-1)/3+1
	prevQ, prevQY := q-1, y
	if prevQ == 0 {
		prevQ, prevQY = 4, y-1
	}
	queries := []string{
		fmt.Sprintf("period=year&year=%d&granularity=month&topic=land", y),
		fmt.Sprintf("period=year&year=%d&granularity=quarter&channel=hotline_1022&locality=c:18073", y-1),
		fmt.Sprintf("period=quarter&year=%d&n=%d&granularity=month&locality=c:18496", prevQY, prevQ),
		fmt.Sprintf("period=half&year=%d&granularity=quarter&topic=site_clearance&channel=provincial_app", y),
		fmt.Sprintf("period=nine&year=%d&granularity=month&topic=environment&locality=c:18073", y-1),
		fmt.Sprintf("period=month&year=%d&n=%d&granularity=month&channel=public_service_portal", y, int(now.Month())),
		fmt.Sprintf("period=year&year=%d&granularity=week&topic=land&locality=c:18115", y), // weeks: daily cells either way
		fmt.Sprintf("period=year&year=%d&granularity=quarter", y-1),
		fmt.Sprintf("period=half&year=%d&granularity=month&channel=hotline_1022", y),
	}
	paths := []string{"feedback/volume", "overview", "sentiment/series", "sentiment/topics", "sentiment/localities", "localities"}
	nonzero := 0
	for _, user := range []string{"ana", "loc"} {
		tok, _, err := e.s.store.CreateToken(t.Context(), user, "test", 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range paths {
			for _, q := range queries {
				path := "/api/v1/" + p + "?" + q
				wc, want := e.apiGet(tok, path)
				gc, got := monthly.apiGet(tok, path)
				if wc != 200 || gc != wc || !sameJSON(got, want) {
					t.Fatalf("%s as %s: monthly cells answered %d %s\ndaily cells: %d %s", path, user, gc, got, wc, want)
				}
				if strings.Contains(want, `"received":`) && !strings.Contains(want, `"received":0`) {
					nonzero++
				}
			}
		}
	}
	if nonzero < 20 {
		t.Fatalf("only %d answers had feedback in them: the comparison is too thin", nonzero)
	}
}

// sameJSON reports whether two JSON documents are equal, numbers within a
// relative 1e-9: sums of float scores come out of ClickHouse in whatever
// order its parts and merges hold them, so the last digits of a mean can
// differ between two tables holding the same scores.
func sameJSON(a, b string) bool {
	var x, y any
	if json.Unmarshal([]byte(a), &x) != nil || json.Unmarshal([]byte(b), &y) != nil {
		return a == b
	}
	return sameValue(x, y)
}

func sameValue(x, y any) bool {
	switch x := x.(type) {
	case float64:
		y, ok := y.(float64)
		return ok && math.Abs(x-y) <= 1e-9*math.Max(1, math.Max(math.Abs(x), math.Abs(y)))
	case []any:
		y, ok := y.([]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !sameValue(x[i], y[i]) {
				return false
			}
		}
		return true
	case map[string]any:
		y, ok := y.(map[string]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for k, v := range x {
			if w, ok := y[k]; !ok || !sameValue(v, w) {
				return false
			}
		}
		return true
	}
	return x == y
}
