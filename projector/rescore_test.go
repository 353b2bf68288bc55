package projector_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"math"
	"testing"
	"time"

	"dvpulse/internal/itest"
	"dvpulse/nlp"
	"dvpulse/projector"
)

// TestRescoreThenRebuild stores feedback scored by an older model version,
// by the current one and by the sender, rescores, rebuilds the sentiment
// projections and checks that every indicator then counts each event once
// with the current model's score, that the sender's scores are kept, and
// that a second rescore finds nothing to do.
func TestRescoreThenRebuild(t *testing.T) {
	_, conn := itest.ClickHouse(t)
	ctx := context.Background()
	sc, err := nlp.Default()
	if err != nil {
		t.Fatal(err)
	}
	current := "model:" + sc.ModelVersion()
	texts := []string{
		"Đường liên xã xuống cấp nghiêm trọng, người dân rất bức xúc vì chính quyền không giải quyết",
		"Cảm ơn cán bộ xã đã hỗ trợ thủ tục rất nhanh và tận tình",
		"Đề nghị cho biết lịch tiếp công dân của huyện trong tháng tới",
		"Rác thải ùn ứ ở chợ, mùi hôi thối, không ai thu gom suốt tuần",
		"Cán bộ một cửa thái độ hách dịch, gây khó dễ cho dân",
		"Hệ thống điện chiếu sáng mới lắp rất tốt, bà con hài lòng",
	}
	type row struct {
		id, text, method, label, topicsMethod string
		score                                 float32
		topics                                []string
	}
	var rows []row
	const n = 300
	for i := 0; i < n; i++ {
		r := row{id: fmt.Sprintf("00000000-0000-4000-8000-%012d", i), text: texts[i%len(texts)]}
		// Sentiment.
		switch {
		case i%10 == 0 || i%10 == 2: // the sender's own score: never rescored
			r.method, r.label, r.score = "sender", "positive", 0.8
		case i%10 == 1: // already scored by this model
			res := sc.Score(r.text)
			r.method, r.label, r.score = current, res.Label, float32(res.Score)
		default: // an older model that called everything neutral
			r.method, r.label, r.score = "model:old-test", "neutral", 0
		}
		// Topics.
		switch i % 10 {
		case 0: // the sender's own topics
			r.topics, r.topicsMethod = []string{"land"}, "sender"
		case 1:
			if r.topics = modelTopics(t, sc, r.text); len(r.topics) > 0 {
				r.topicsMethod = current
			}
		default: // an older lexicon that saw land everywhere
			r.topics, r.topicsMethod = []string{"land"}, "model:old-test"
		}
		rows = append(rows, r)
	}
	batch, err := conn.PrepareBatch(ctx, `INSERT INTO events (event_id, event_type, schema_version, occurred_at, received_at,
		locality_scheme, locality_code, commune_code, aggregate_id, channel, topics, topics_method, kafka_topic, kafka_partition, kafka_offset,
		text, sentiment_label, sentiment_score, sentiment_confidence, sentiment_method)`)
	if err != nil {
		t.Fatal(err)
	}
	day := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	for i, r := range rows {
		at := day.Add(time.Duration(i%5) * 24 * time.Hour)
		if err := batch.Append(r.id, "feedback.received", uint16(1), at, at, "2025", "18073", "18073", fmt.Sprintf("PA-%d", i),
			"hotline_1022", r.topics, r.topicsMethod, "rescore-test", int32(0), int64(i), r.text, r.label, r.score, float32(0.5), r.method); err != nil {
			t.Fatal(err)
		}
	}
	// Each case is assigned later; the assignment inherited the case's
	// topics when it was projected (topics_method 'case').
	for i, r := range rows {
		at := day.Add(time.Duration(i%5)*24*time.Hour + time.Hour)
		if err := batch.Append(fmt.Sprintf("00000000-0000-4000-9000-%012d", i), "feedback.assigned", uint16(1), at, at, "2025", "18073", "18073",
			fmt.Sprintf("PA-%d", i), "hotline_1022", r.topics, "case", "rescore-test", int32(0), int64(n+i), "", "", float32(0), float32(0), ""); err != nil {
			t.Fatal(err)
		}
	}
	if err := batch.Send(); err != nil {
		t.Fatal(err)
	}
	itest.Eventually(t, 30*time.Second, "the projections of the inserted feedback", func() bool {
		return itest.Count(t, conn, "SELECT toUInt64(sum(received)) FROM feedback_topic_daily WHERE is_primary = 1") == n &&
			itest.Count(t, conn, "SELECT count() FROM (SELECT feedback_id FROM feedback_cases GROUP BY feedback_id)") == n
	})

	// What every indicator must show afterwards.
	var wantNeg, wantPos uint64
	var wantSum float64
	wantLabel := map[string]string{}
	wantTopics := map[string][]string{} // by case
	wantPrimary := map[string]uint64{}  // first topic ('' for none) → feedback
	for i, r := range rows {
		label, score := r.label, float64(r.score)
		if r.method != "sender" {
			res := sc.Score(r.text)
			label, score = res.Label, float64(float32(res.Score))
		}
		topics := r.topics
		if r.topicsMethod != "sender" {
			topics = modelTopics(t, sc, r.text)
		}
		wantTopics[fmt.Sprintf("PA-%d", i)] = topics
		first := ""
		if len(topics) > 0 {
			first = topics[0]
		}
		wantPrimary[first]++
		wantLabel[fmt.Sprintf("PA-%d", i)] = label
		switch label {
		case "negative":
			wantNeg++
		case "positive":
			wantPos++
		}
		wantSum += score
	}
	if wantNeg == 0 {
		t.Fatal("the current model calls none of the texts negative; the test would prove nothing")
	}

	res, err := projector.Rescore(ctx, conn, sc, projector.RescoreOptions{BatchRows: 100})
	if err != nil {
		t.Fatal(err)
	}
	if want := uint64(n * 8 / 10); res.Candidates != want || res.Rescored != want {
		t.Fatalf("rescore: %+v; want %d candidates, all rescored", res, want)
	}
	if res.Model != current {
		t.Errorf("rescore model %q, want %q", res.Model, current)
	}
	if got := itest.Count(t, conn, "SELECT count() FROM feedback_rescores WHERE sentiment_method = ? AND sentiment_explain LIKE '[{%'", current); got != uint64(n*7/10) {
		t.Errorf("feedback_rescores holds %d rows of %s with an explanation, want %d (the sender's sentiment is kept)", got, current, n*7/10)
	}
	again, err := projector.Rescore(ctx, conn, sc, projector.RescoreOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if again.Candidates != 0 || again.Rescored != 0 {
		t.Errorf("second rescore: %+v; want nothing left to do", again)
	}

	// Before the rebuild the projections still hold the old scores: only
	// the rows the current model scored on arrival can be negative.
	var negBefore uint64
	for _, r := range rows {
		if r.label == "negative" {
			negBefore++
		}
	}
	if got := itest.Count(t, conn, "SELECT toUInt64(sum(negative)) FROM feedback_topic_daily WHERE is_primary = 1"); got != negBefore || negBefore >= wantNeg {
		t.Fatalf("feedback_topic_daily counts %d negative before any rebuild, want %d (and fewer than the %d after)", got, negBefore, wantNeg)
	}
	names, err := projector.ScoredProjections()
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	for _, name := range names {
		if err := projector.Rebuild(ctx, conn, name, log, projector.RebuildOptions{}); err != nil {
			t.Fatalf("rebuild %s: %v", name, err)
		}
	}
	for _, want := range []string{"feedback_topic_daily", "feedback_hourly", "feedback_cases"} {
		found := false
		for _, name := range names {
			found = found || name == want
		}
		if !found {
			t.Errorf("ScoredProjections() = %v, missing %s", names, want)
		}
	}

	var received, negative, positive, scored uint64
	var sum float64
	if err := conn.QueryRow(ctx, `SELECT toUInt64(sum(received)), toUInt64(sum(negative)), toUInt64(sum(positive)), toUInt64(sum(scored)), sum(sentiment_sum)
		FROM feedback_topic_daily WHERE is_primary = 1`).Scan(&received, &negative, &positive, &scored, &sum); err != nil {
		t.Fatal(err)
	}
	if received != n || scored != n || negative != wantNeg || positive != wantPos || math.Abs(sum-wantSum) > 1e-3 {
		t.Errorf("feedback_topic_daily after rebuild: received %d scored %d negative %d positive %d sum %.4f; want %d %d %d %d %.4f",
			received, scored, negative, positive, sum, n, n, wantNeg, wantPos, wantSum)
	}
	if got := itest.Count(t, conn, "SELECT toUInt64(sum(negative)) FROM feedback_hourly WHERE is_primary = 1"); got != wantNeg {
		t.Errorf("feedback_hourly negative after rebuild: %d, want %d", got, wantNeg)
	}
	cases, err := conn.Query(ctx, "SELECT feedback_id, anyMerge(sentiment_label) FROM feedback_cases GROUP BY feedback_id")
	if err != nil {
		t.Fatal(err)
	}
	defer cases.Close()
	seen := 0
	for cases.Next() {
		var id, label string
		if err := cases.Scan(&id, &label); err != nil {
			t.Fatal(err)
		}
		seen++
		if wantLabel[id] != label {
			t.Errorf("feedback_cases %s: sentiment %q, want %q", id, label, wantLabel[id])
		}
	}
	if seen != n {
		t.Errorf("feedback_cases holds %d cases after rebuild, want %d", seen, n)
	}
	// Topics: the primary topic of each feedback, and the topics an
	// assignment inherited from its case.
	prim, err := conn.Query(ctx, "SELECT topic, toUInt64(sum(received)) FROM feedback_topic_daily WHERE is_primary = 1 GROUP BY topic")
	if err != nil {
		t.Fatal(err)
	}
	gotPrimary := map[string]uint64{}
	for prim.Next() {
		var topic string
		var c uint64
		if err := prim.Scan(&topic, &c); err != nil {
			t.Fatal(err)
		}
		gotPrimary[topic] = c
	}
	prim.Close()
	if fmt.Sprint(gotPrimary) != fmt.Sprint(wantPrimary) {
		t.Errorf("feedback_topic_daily primary topics after rebuild: %v, want %v", gotPrimary, wantPrimary)
	}
	if wantPrimary["land"] != n/10 {
		t.Fatalf("the test expects only the sender's %d feedback to keep 'land', not %d", n/10, wantPrimary["land"])
	}
	evCols := []string{}
	colRows, err := conn.Query(ctx, "SELECT name FROM system.columns WHERE database = currentDatabase() AND table = 'events'")
	if err != nil {
		t.Fatal(err)
	}
	for colRows.Next() {
		var c string
		if err := colRows.Scan(&c); err != nil {
			t.Fatal(err)
		}
		evCols = append(evCols, c)
	}
	colRows.Close()
	inherited, err := conn.Query(ctx, "SELECT aggregate_id, topics FROM "+projector.RescoredSourceForTest(evCols, "event_type = 'feedback.assigned'", []string{"sentiment_method", "topics", "topics_method"}))
	if err != nil {
		t.Fatal(err)
	}
	seenAssigned := 0
	for inherited.Next() {
		var id string
		var topics []string
		if err := inherited.Scan(&id, &topics); err != nil {
			t.Fatal(err)
		}
		seenAssigned++
		if fmt.Sprint(topics) != fmt.Sprint(wantTopics[id]) {
			t.Errorf("assignment of %s reads topics %v through the rescores, want its case's %v", id, topics, wantTopics[id])
		}
	}
	inherited.Close()
	if seenAssigned != n {
		t.Errorf("read %d assignments through the rescores, want %d", seenAssigned, n)
	}

	// The event log itself is unchanged.
	if got := itest.Count(t, conn, "SELECT count() FROM events WHERE sentiment_method = 'model:old-test'"); got != uint64(n*7/10) {
		t.Errorf("events rows with the old model: %d, want %d (the log must not change)", got, n*7/10)
	}
}

// modelTopics is the projector's rule for model topics: at most three
// taxonomy topics with confidence at least 0.5.
func modelTopics(t *testing.T, sc *nlp.Scorer, text string) []string {
	t.Helper()
	out := []string{}
	for _, tp := range sc.Score(text).Topics {
		if tp.Confidence >= 0.5 && len(out) < 3 {
			out = append(out, tp.Code)
		}
	}
	return out
}
