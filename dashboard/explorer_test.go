package dashboard

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"dvpulse/dashboard/auth"
)

// TestExplorerPagesMatchDirectQuery pages through the explorer in every
// order, with and without filters and searches, and compares each page's
// cases with the same page read straight from feedback_index: the page
// narrowing (pageDays from the roll-ups, pageCut, or feedback_terms and its
// day windows for searches) must never change which cases a page shows,
// nor their order. A search's reference is its meaning: every word of the
// term is a word of the folded text (folded in SQL for rows without
// text_folded).
//
// It runs twice: with the list rows kept in memory (the default,
// keptlist.go), and with snapshots off, where ClickHouse finds the pages.
func TestExplorerPagesMatchDirectQuery(t *testing.T) {
	t.Run("memory", func(t *testing.T) { explorerPagesMatch(t, true) })
	t.Run("clickhouse", func(t *testing.T) { explorerPagesMatch(t, false) })
}

func explorerPagesMatch(t *testing.T, kept bool) {
	e := newEnv(t, func(c *Config) { c.NoSnapshots = !kept })
	now := time.Now().In(Hanoi)
	rng := rand.New(rand.NewPCG(7, 11))
	texts := []string{"Bãi rác ở Hương Khê bốc mùi", "Đường làng xuống cấp", "Cảm ơn cán bộ xã nhiệt tình",
		"Kênh rạch ở Khê Hương ô nhiễm", "Rác!\tĐường ngập"}
	channels := []string{"hotline_1022", "provincial_app"}
	communes := []string{"18073", "18496", "18115"}
	// Topic filters read the roll-ups' rows of that topic: cases with one
	// topic, two, or none.
	topicSets := [][]string{{"environment"}, {"environment"}, {"land", "environment"}, {"land"}, {}}
	var evs []ev
	for i := 0; i < 420; i++ {
		// Many cases a day, and some at the same second, over 20 days.
		at := now.Add(-time.Duration(rng.IntN(20*24*60)) * time.Minute).Truncate(time.Minute)
		x := ev{Type: "feedback.received", ID: fmt.Sprintf("FB-P-%03d", i), Commune: communes[rng.IntN(len(communes))],
			Channel: channels[rng.IntN(len(channels))], Topics: topicSets[rng.IntN(len(topicSets))], Text: texts[rng.IntN(len(texts))], At: at,
			// Some rows as written before the projector filled text_folded.
			Unfolded: rng.IntN(10) == 0}
		if rng.IntN(4) > 0 {
			// Scores -1 … 1 in steps of 0.05, many cases per score:
			// feedback_scores' buckets, their edges and ties.
			x.Score = float32(rng.IntN(41)-20) / 20
			if rng.IntN(4) == 0 {
				// Crowded near -1, as the model's scores are: the finest buckets.
				x.Score = []float32{-0.9999, -0.9995, -0.999, -0.995, -0.99, -0.98}[rng.IntN(6)]
			}
			x.Sentiment = map[bool]string{true: "negative", false: "positive"}[x.Score < 0]
		}
		evs = append(evs, x)
	}
	insertEvents(t, e.conn, evs)
	e.addUser("ana", auth.RoleAnalyst, "analyst-password")
	tok, _, err := e.s.store.CreateToken(t.Context(), "ana", "test", 0)
	if err != nil {
		t.Fatal(err)
	}
	from := now.AddDate(0, 0, -25).Format("2006-01-02")
	to := now.Format("2006-01-02")
	direct := func(cond string, args []any, order string, offset int) []string {
		q := "SELECT aggregate_id FROM feedback_index WHERE day >= toDate('" + from + "') AND day <= toDate('" + to + "')" + cond +
			" ORDER BY " + listOrders[order] + fmt.Sprintf(" LIMIT %d, %d", offset, pageSize)
		rows, err := e.conn.Query(t.Context(), q, args...)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		ids := []string{}
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				t.Fatal(err)
			}
			ids = append(ids, id)
		}
		return ids
	}
	// hasWords: the text's words (Words' rule; folded in SQL from text
	// for rows without text_folded) include all of ?.
	hasWords := "hasAll(" + wordsExpr("if(unfolded = 1, "+strings.ReplaceAll(foldRawExpr, textExpr, "text")+", text_folded)") + ", ?)"
	checked := 0
	for _, c := range []struct {
		query, cond string
		args        []any
	}{
		{"", "", nil},
		{"&channel=hotline_1022", " AND channel = 'hotline_1022'", nil},
		{"&locality=c:18496", " AND commune_code = '18496'", nil},
		{"&q=huong+khe", " AND " + hasWords, []any{[]string{"huong", "khe"}}},
		{"&q=R%C3%A1c", " AND " + hasWords, []any{[]string{"rac"}}},
		{"&q=%C4%91%C6%B0%E1%BB%9Dng+r%C3%A1c", " AND " + hasWords, []any{[]string{"duong", "rac"}}},
		{"&q=rac+khe+huong&channel=provincial_app", " AND channel = 'provincial_app' AND " + hasWords, []any{[]string{"rac", "khe", "huong"}}},
		{"&q=duong&locality=c:18115", " AND commune_code = '18115' AND " + hasWords, []any{[]string{"duong"}}},
		{"&q=rac&topic=environment", " AND has(topics, 'environment') AND " + hasWords, []any{[]string{"rac"}}},
		{"&topic=environment", " AND has(topics, 'environment')", nil},
		{"&topic=land&locality=c:18073", " AND has(topics, 'land') AND commune_code = '18073'", nil},
	} {
		for _, order := range []string{"newest", "oldest", "score"} {
			for page := 1; page <= 10; page++ {
				path := fmt.Sprintf("/api/v1/feedback?from=%s&to=%s&sort=%s&page=%d%s", from, to, order, page, c.query)
				code, body := e.apiGet(tok, path)
				if code != 200 {
					t.Fatalf("%s: %d %.300s", path, code, body)
				}
				var r struct {
					Rows  []ListItem `json:"rows"`
					Total uint64     `json:"total"`
				}
				if err := json.Unmarshal([]byte(body), &r); err != nil {
					t.Fatal(err)
				}
				if page == 1 {
					// The count, from the roll-ups without a search (with
					// or without a topic filter), is the list's length.
					var n uint64
					q := "SELECT count() FROM feedback_index WHERE day >= toDate('" + from + "') AND day <= toDate('" + to + "')" + c.cond
					if err := e.conn.QueryRow(t.Context(), q, c.args...).Scan(&n); err != nil {
						t.Fatal(err)
					}
					if r.Total != n {
						t.Fatalf("%s: total %d, want %d", path, r.Total, n)
					}
				}
				got := []string{}
				for _, x := range r.Rows {
					got = append(got, x.ID)
				}
				want := direct(c.cond, c.args, order, (page-1)*pageSize)
				if !slices.Equal(got, want) {
					t.Fatalf("%s:\n got  %v\n want %v", path, got, want)
				}
				if len(want) == 0 {
					break
				}
				checked += len(want)
			}
		}
	}
	// A search's count stops at its cap, and says so; below the cap it is
	// exact.
	var matches uint64
	if err := e.conn.QueryRow(t.Context(), "SELECT count() FROM feedback_index WHERE day >= toDate(?) AND day <= toDate(?) AND "+hasWords,
		from, to, []string{"huong", "khe"}).Scan(&matches); err != nil {
		t.Fatal(err)
	}
	defer func(old int) { searchCountCap = old }(searchCountCap)
	for _, limit := range []int{int(matches) - 1, int(matches)} {
		searchCountCap = limit
		code, body := e.apiGet(tok, fmt.Sprintf("/api/v1/feedback?from=%s&to=%s&q=huong+khe", from, to))
		var r struct {
			Total  uint64 `json:"total"`
			Capped bool   `json:"total_capped"`
		}
		if err := json.Unmarshal([]byte(body), &r); code != 200 || err != nil {
			t.Fatalf("search: %d %v %.300s", code, err, body)
		}
		if wantCapped := limit < int(matches); r.Total != uint64(limit) || r.Capped != wantCapped {
			t.Fatalf("cap %d, %d matches: total %d, capped %v; want %d, %v", limit, matches, r.Total, r.Capped, limit, wantCapped)
		}
	}
	if n := e.s.listsKept.Load(); kept != (n > 0) {
		t.Fatalf("%d list pages and counts answered from memory, with memory %v", n, kept)
	}
	if checked < 1500 {
		t.Fatalf("only %d rows compared; the data is too thin for the test to mean much", checked)
	}
}
