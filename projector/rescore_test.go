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
		id, text, method, label string
		score                   float32
	}
	var rows []row
	const n = 300
	for i := 0; i < n; i++ {
		r := row{id: fmt.Sprintf("00000000-0000-4000-8000-%012d", i), text: texts[i%len(texts)]}
		switch {
		case i%10 == 0: // the sender's own score: never rescored
			r.method, r.label, r.score = "sender", "positive", 0.8
		case i%10 == 1: // already scored by this model
			res := sc.Score(r.text)
			r.method, r.label, r.score = current, res.Label, float32(res.Score)
		default: // an older model that called everything neutral
			r.method, r.label, r.score = "model:old-test", "neutral", 0
		}
		rows = append(rows, r)
	}
	batch, err := conn.PrepareBatch(ctx, `INSERT INTO events (event_id, event_type, schema_version, occurred_at, received_at,
		locality_scheme, locality_code, commune_code, aggregate_id, channel, topics, kafka_topic, kafka_partition, kafka_offset,
		text, sentiment_label, sentiment_score, sentiment_confidence, sentiment_method)`)
	if err != nil {
		t.Fatal(err)
	}
	day := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	for i, r := range rows {
		at := day.Add(time.Duration(i%5) * 24 * time.Hour)
		if err := batch.Append(r.id, "feedback.received", uint16(1), at, at, "2025", "18073", "18073", fmt.Sprintf("PA-%d", i),
			"hotline_1022", []string{"giao_thong"}, "rescore-test", int32(0), int64(i), r.text, r.label, r.score, float32(0.5), r.method); err != nil {
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
	for i, r := range rows {
		label, score := r.label, float64(r.score)
		if r.method != "sender" {
			res := sc.Score(r.text)
			label, score = res.Label, float64(float32(res.Score))
		}
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
	if got := itest.Count(t, conn, "SELECT count() FROM feedback_rescores WHERE sentiment_method = ? AND sentiment_explain LIKE '[{%'", current); got != res.Rescored {
		t.Errorf("feedback_rescores holds %d rows of %s with an explanation, want %d", got, current, res.Rescored)
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
	names, err := projector.SentimentProjections()
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
			t.Errorf("SentimentProjections() = %v, missing %s", names, want)
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
	// The event log itself is unchanged.
	if got := itest.Count(t, conn, "SELECT count() FROM events WHERE sentiment_method = 'model:old-test'"); got != uint64(n*8/10) {
		t.Errorf("events rows with the old model: %d, want %d (the log must not change)", got, n*8/10)
	}
}
