package dashboard

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"reflect"
	"slices"
	"sort"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"
	"github.com/prometheus/client_golang/prometheus"

	"dvpulse/dashboard/auth"
	"dvpulse/internal/itest"
	"dvpulse/internal/svc"
	"dvpulse/projector"
)

// caseEventsFromEvents is case_events.sql reading `events` itself: the
// reference the timeline (feedback_timeline) must reproduce exactly.
const caseEventsFromEvents = `SELECT toString(event_id) AS eid, event_type, occurred_at, received_at, source_system, channel, commune_code,
    locality_scheme, locality_code, topics, topics_method, org, status, note, outcome, within_deadline, due_at,
    {{text}} AS body, sentiment_label, sentiment_score, sentiment_confidence, sentiment_method, sentiment_explain, payload
FROM events
PREWHERE aggregate_id = ? AND event_type LIKE 'feedback.%'
ORDER BY occurred_at, received_at, event_id`

// caseEventsWithRescores is case_events.sql as it was before migration
// 0010, rescores applied in SQL: the reference for the sentiment and
// topics loadCase shows once it applies case_rescores.sql in Go. Its ?
// are the case id, four times.
const caseEventsWithRescores = `SELECT event_type, occurred_at, received_at, source_system, channel, commune_code,
    locality_scheme, locality_code,
    if(r_has = 1 AND r_topics_method != '', r_topics,
        if(topics_method = 'case' AND (SELECT argMax(topics_method, version) FROM feedback_rescores WHERE feedback_id = ?) != '',
            (SELECT argMax(topics, version) FROM feedback_rescores WHERE feedback_id = ?), topics)) AS topics_now,
    org, status, note, outcome, within_deadline, due_at,
    body,
    if(r_has = 1 AND r_method != '', r_label, sentiment_label) AS label,
    if(r_has = 1 AND r_method != '', r_score, sentiment_score) AS score,
    if(r_has = 1 AND r_method != '', r_confidence, sentiment_confidence) AS confidence,
    if(r_has = 1 AND r_method != '', r_method, sentiment_method) AS method,
    if(r_has = 1 AND r_method != '', r_explain, sentiment_explain) AS explain,
    payload
FROM (
    SELECT event_id, event_type, occurred_at, received_at, source_system, channel, commune_code,
        locality_scheme, locality_code, topics, topics_method, org, status, note, outcome, within_deadline, due_at,
        {{text}} AS body, sentiment_label, sentiment_score, sentiment_confidence, sentiment_method, sentiment_explain, payload
    FROM events
    PREWHERE aggregate_id = ? AND event_type LIKE 'feedback.%'
) AS stored
ANY LEFT JOIN (
    SELECT event_id, argMax(sentiment_label, version) AS r_label, argMax(sentiment_score, version) AS r_score,
        argMax(sentiment_confidence, version) AS r_confidence, argMax(sentiment_method, version) AS r_method,
        argMax(sentiment_explain, version) AS r_explain, argMax(topics, version) AS r_topics,
        argMax(topics_method, version) AS r_topics_method, toUInt8(1) AS r_has
    FROM feedback_rescores
    WHERE feedback_id = ?
    GROUP BY event_id
) AS rescored USING event_id
ORDER BY occurred_at, received_at`

// tlEvent is one row of events with every column the case page reads.
type tlEvent struct {
	typ, id, commune, channel, org, text, payload string
	status, note, outcome                         string
	topics                                        []string
	topicsMethod                                  string
	at, due                                       time.Time
	within                                        int8 // -1 unknown
	label, method, explain                        string
	score, conf                                   float32
	eventID                                       string // set by insertTimelineEvents
}

// insertTimelineEvents writes evs into events, as the projector (or, for
// rows with empty typed columns and a payload, an older projector) would,
// each with its own Kafka offset so that a rebuild's fence takes them all.
func insertTimelineEvents(t *testing.T, e *testEnv, offset *int64, evs []*tlEvent) {
	t.Helper()
	b, err := e.conn.PrepareBatch(context.Background(), `INSERT INTO events (event_id, event_type, schema_version, occurred_at, received_at,
		source_system, source_record_id, locality_scheme, locality_code, commune_code, aggregate_id, channel, topics, topics_method, org,
		payload, kafka_topic, kafka_partition, kafka_offset, text, due_at, status, note, outcome, within_deadline,
		sentiment_label, sentiment_score, sentiment_confidence, sentiment_method, sentiment_explain)`)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	for _, x := range evs {
		x.eventID = newID()
		due := x.due
		if due.IsZero() {
			due = time.Unix(0, 0)
		}
		topics := x.topics
		if topics == nil {
			topics = []string{}
		}
		*offset++
		// received_at a little after occurred_at, as for events sent late.
		if err := b.Append(x.eventID, x.typ, uint16(1), x.at, x.at.Add(3*time.Second), "timeline-test", x.id, "2025", x.commune, x.commune,
			x.id, x.channel, topics, x.topicsMethod, x.org, x.payload, "timeline-test", int32(0), *offset, x.text, due,
			x.status, x.note, x.outcome, x.within, x.label, x.score, x.conf, x.method, x.explain); err != nil {
			t.Fatal(err)
		}
	}
	if err := b.Send(); err != nil {
		t.Fatal(err)
	}
}

// TestCaseTimelineMatchesEvents loads feedback cases with every lifecycle
// event, some written with the typed columns filled (today's projector),
// some with only a payload (older rows, whose fields the page reads from
// the payload), some rescored, across two months, and checks that the case
// page read from feedback_timeline equals the one read from events with the
// old query: after the inserts, after a new event (which the result cache
// must see), and after `dvpulse projector rebuild feedback_timeline` (which
// applies the rescores). It also checks that feedback_timeline keeps a
// payload only for the older rows, that a case costs a few granules of it,
// and that a locality officer still gets 404 for a case outside the scope.
func TestCaseTimelineMatchesEvents(t *testing.T) {
	e := newEnv(t, nil)
	ctx := context.Background()
	var offset int64

	// Other feedback around the cases, so that reading one case by key is
	// measurably cheaper than reading the whole table.
	start := time.Date(2026, 9, 28, 8, 0, 0, 0, Hanoi)
	var filler []*tlEvent
	for i := 0; i < 3000; i++ {
		id := fmt.Sprintf("TL-F-%04d", i)
		at := start.Add(time.Duration(i) * time.Minute)
		filler = append(filler,
			&tlEvent{typ: "feedback.received", id: id, commune: "18073", channel: "hotline_1022", text: "Đường làng xuống cấp",
				topics: []string{"infrastructure"}, topicsMethod: "sender", at: at, within: -1, label: "negative", score: -0.4, conf: 0.7,
				method: "model:v1", explain: "[]", payload: `{"text":"Đường làng xuống cấp"}`},
			&tlEvent{typ: "feedback.assigned", id: id, commune: "18073", channel: "hotline_1022", org: "ubnd_xa", topics: []string{"infrastructure"},
				topicsMethod: "case", at: at.Add(time.Hour), within: -1, payload: `{"org":"ubnd_xa"}`})
	}
	insertTimelineEvents(t, e, &offset, filler)

	due := start.Add(15 * 24 * time.Hour)
	day := func(days, hours int) time.Time {
		return start.Add(time.Duration(days)*24*time.Hour + time.Duration(hours)*time.Hour)
	}
	// TL-A: today's projector, every typed column filled; the payload says
	// the same and must not be kept.
	a := []*tlEvent{
		{typ: "feedback.received", id: "TL-A", commune: "18073", channel: "hotline_1022", text: "Bãi rác tự phát bốc mùi",
			topics: []string{"environment"}, topicsMethod: "model:v1", at: day(0, 1), due: due, within: -1, label: "negative", score: -0.62,
			conf: 0.81, method: "model:v1", explain: `[{"text":"bốc mùi","weight":-0.4}]`,
			payload: `{"feedback_id":"TL-A","text":"Bãi rác tự phát bốc mùi","due_at":"2026-10-13T08:00:00+07:00"}`},
		{typ: "feedback.assigned", id: "TL-A", commune: "18073", channel: "hotline_1022", org: "ubnd_xa", note: "Giao tổ môi trường",
			topics: []string{"environment"}, topicsMethod: "case", at: day(1, 0), within: -1,
			payload: `{"feedback_id":"TL-A","org":"ubnd_xa","note":"Giao tổ môi trường"}`},
		{typ: "feedback.status_changed", id: "TL-A", commune: "18073", channel: "hotline_1022", status: "in_progress",
			topics: []string{"environment"}, topicsMethod: "case", at: day(2, 0), within: -1, payload: `{"status":"in_progress"}`},
		{typ: "feedback.answered", id: "TL-A", commune: "18073", channel: "hotline_1022", outcome: "accepted", within: 1,
			topics: []string{"environment"}, topicsMethod: "case", at: day(5, 0), payload: `{"outcome":"accepted","within_deadline":true}`},
		{typ: "feedback.resolved", id: "TL-A", commune: "18073", channel: "hotline_1022", outcome: "accepted", within: 0,
			topics: []string{"environment"}, topicsMethod: "case", at: day(20, 0), payload: `{"outcome":"accepted","within_deadline":false}`},
		{typ: "feedback.reopened", id: "TL-A", commune: "18073", channel: "hotline_1022", note: "Rác lại đổ về",
			topics: []string{"environment"}, topicsMethod: "case", at: day(25, 0), within: -1, payload: `{"note":"Rác lại đổ về"}`},
	}
	// TL-B: older rows, typed columns empty, everything in the payload,
	// with white space and upper-case keys that encoding/json accepts.
	// The resolution's typed columns say it all: no payload kept.
	b := []*tlEvent{
		{typ: "feedback.received", id: "TL-B", commune: "18073", channel: "provincial_app", at: day(0, 3), within: -1,
			payload: `{"text":"Đèn đường hỏng cả tháng","due_at":"2026-10-20T17:00:00+07:00","sentiment":{"label":"negative","score":-0.5,"confidence":0.6}}`},
		{typ: "feedback.assigned", id: "TL-B", commune: "18073", channel: "provincial_app", at: day(0, 5), within: -1,
			payload: `{"Note" : "Chuyển phòng kinh tế"}`},
		{typ: "feedback.status_changed", id: "TL-B", commune: "18073", channel: "provincial_app", at: day(1, 3), within: -1,
			payload: `{"status" : "in_progress", "Note": "Đã báo điện lực"}`},
		{typ: "feedback.answered", id: "TL-B", commune: "18073", channel: "provincial_app", at: day(4, 3), within: -1,
			payload: `{"OUTCOME":"partially_accepted","within_deadline":true}`},
		{typ: "feedback.resolved", id: "TL-B", commune: "18073", channel: "provincial_app", outcome: "accepted", within: 1, at: day(9, 3),
			payload: `{"outcome":"accepted","within_deadline":true}`},
		{typ: "feedback.reopened", id: "TL-B", commune: "18073", channel: "provincial_app", at: day(12, 3), within: -1,
			payload: `{"note":"Lại hỏng"}`},
	}
	// TL-C: rescored after a model upgrade (sentiment and topics), with an
	// assignment that inherited the case's topics.
	c := []*tlEvent{
		{typ: "feedback.received", id: "TL-C", commune: "18073", channel: "hotline_1022", text: "Đất bị lấn chiếm làm đường",
			topics: []string{"land"}, topicsMethod: "model:v1", at: day(3, 2), within: -1, label: "neutral", conf: 0.5, method: "model:v1",
			explain: "[]", payload: `{"text":"Đất bị lấn chiếm làm đường"}`},
		{typ: "feedback.assigned", id: "TL-C", commune: "18073", channel: "hotline_1022", org: "ubnd_xa", topics: []string{"land"},
			topicsMethod: "case", at: day(4, 2), within: -1, payload: `{"org":"ubnd_xa"}`},
		{typ: "feedback.answered", id: "TL-C", commune: "18073", channel: "hotline_1022", outcome: "rejected", within: 1, topics: []string{"land"},
			topicsMethod: "case", at: day(6, 2), payload: `{"outcome":"rejected","within_deadline":true}`},
	}
	// TL-D: the sender's sentiment and topics, in another commune.
	d := []*tlEvent{
		{typ: "feedback.received", id: "TL-D", commune: "18496", channel: "hotline_1022", text: "Cảm ơn cán bộ xã",
			topics: []string{"admin_procedures"}, topicsMethod: "sender", at: day(2, 5), within: -1, label: "positive", score: 0.7, conf: 0.9,
			method: "sender", payload: `{"text":"Cảm ơn cán bộ xã","sentiment":{"label":"positive","score":0.7,"confidence":0.9}}`},
		{typ: "feedback.resolved", id: "TL-D", commune: "18496", channel: "hotline_1022", outcome: "accepted", within: 1,
			topics: []string{"admin_procedures"}, topicsMethod: "case", at: day(3, 5), payload: `{"outcome":"accepted","within_deadline":true}`},
	}
	// Two inserts, as from two projector batches.
	insertTimelineEvents(t, e, &offset, append(append([]*tlEvent{}, a...), b...))
	insertTimelineEvents(t, e, &offset, append(append([]*tlEvent{}, c...), d...))

	rb, err := e.conn.PrepareBatch(ctx, `INSERT INTO feedback_rescores (feedback_id, event_id, model, sentiment_label, sentiment_score,
		sentiment_confidence, sentiment_method, sentiment_explain, topics, topics_method, version, rescored_at)`)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range []struct {
		x              *tlEvent
		label, method  string
		score          float32
		topics         []string
		topicsMethod   string
		version        uint64
		explain, model string
	}{
		{c[0], "positive", "model:v2", 0.1, []string{"land"}, "model:v2", 1, `[{"text":"cũ","weight":0.1}]`, "model:v2"},
		{c[0], "negative", "model:v3", -0.8, []string{"land", "infrastructure"}, "model:v3", 2, `[{"text":"lấn chiếm","weight":-0.7}]`, "model:v3"},
		{d[0], "", "", 0, []string{"admin_procedures"}, "", 2, "", "model:v3"}, // the sender's: nothing replaced
	} {
		if err := rb.Append(r.x.id, r.x.eventID, r.model, r.label, r.score, float32(0.8), r.method, r.explain, r.topics, r.topicsMethod,
			r.version, time.Now()); err != nil {
			t.Fatal(err)
		}
	}
	if err := rb.Send(); err != nil {
		t.Fatal(err)
	}

	ref, err := NewServer(e.s.cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), e.conn, prometheus.NewRegistry(), &svc.Health{})
	if err != nil {
		t.Fatal(err)
	}
	ref.queries["case_events"] = caseEventsFromEvents
	ids := []string{"TL-A", "TL-B", "TL-C", "TL-D", "TL-F-0042", "TL-NONE"}
	compare := func(when string) {
		t.Helper()
		for _, id := range ids {
			got, gotOK, err := e.s.loadCase(ctx, id, Scope{})
			if err != nil {
				t.Fatalf("%s: case %s: %v", when, id, err)
			}
			want, wantOK, err := ref.loadCase(ctx, id, Scope{})
			if err != nil {
				t.Fatalf("%s: case %s from events: %v", when, id, err)
			}
			if gotOK != wantOK || !reflect.DeepEqual(got, want) {
				t.Errorf("%s: case %s from feedback_timeline (found %v):\n%s\nfrom events (found %v):\n%s", when, id, gotOK, caseString(got), wantOK, caseString(want))
			}
		}
	}
	compare("after the inserts")
	compareRescored := func(when string) {
		t.Helper()
		for _, id := range ids {
			got, _, err := e.s.loadCase(ctx, id, Scope{})
			if err != nil {
				t.Fatal(err)
			}
			rows, err := e.conn.Query(ctx, fillSQL(caseEventsWithRescores, map[string]string{"text": textExpr}), id, id, id, id)
			if err != nil {
				t.Fatal(err)
			}
			i := 0
			for ; rows.Next(); i++ {
				var typ, source, channel, commune, scheme, code, org, status, note, outcome, body, label, method, explain, payload string
				var at, recv, due time.Time
				var within int8
				var topics []string
				var score, conf float32
				if err := rows.Scan(&typ, &at, &recv, &source, &channel, &commune, &scheme, &code, &topics, &org, &status, &note, &outcome,
					&within, &due, &body, &label, &score, &conf, &method, &explain, &payload); err != nil {
					t.Fatal(err)
				}
				if i >= len(got.Events) {
					continue
				}
				g := got.Events[i]
				if g.Type != typ || !slices.Equal(g.Topics, topics) {
					t.Errorf("%s: case %s event %d: %s topics %v, the SQL rescore gives %s %v", when, id, i, g.Type, g.Topics, typ, topics)
				}
				if label == "" {
					continue // the page then falls back to the payload's sentiment
				}
				var wantExplain []Contribution
				if explain != "" {
					_ = json.Unmarshal([]byte(explain), &wantExplain)
				}
				if g.Sentiment != label || g.Method != method || g.Score == nil || *g.Score != round3(float64(score)) ||
					g.Confidence == nil || *g.Confidence != round3(float64(conf)) || !reflect.DeepEqual(g.Explain, wantExplain) {
					t.Errorf("%s: case %s event %d: sentiment %s %s %v, the SQL rescore gives %s %s %v", when, id, i, g.Sentiment, g.Method,
						g.Score, label, method, score)
				}
			}
			if err := rows.Err(); err != nil {
				t.Fatal(err)
			}
			rows.Close()
			if i != len(got.Events) {
				t.Errorf("%s: case %s: %d events, the SQL rescore reads %d", when, id, len(got.Events), i)
			}
		}
	}
	compareRescored("after the inserts")

	// The fallbacks were exercised: TL-B's fields come from its payload.
	cb, _, err := e.s.loadCase(ctx, "TL-B", Scope{})
	if err != nil {
		t.Fatal(err)
	}
	if len(cb.Events) != 6 || cb.Received == nil || cb.Received.Text != "Đèn đường hỏng cả tháng" || cb.Received.DueAt == "" ||
		cb.Received.Sentiment != "negative" || cb.Received.Method != "sender" || cb.Events[1].Note != "Chuyển phòng kinh tế" ||
		cb.Events[2].Status != "in_progress" || cb.Events[2].Note != "Đã báo điện lực" || cb.Events[3].Outcome != "partially_accepted" ||
		cb.Events[3].WithinDeadline == nil || !*cb.Events[3].WithinDeadline || cb.Events[5].Note != "Lại hỏng" {
		t.Errorf("case TL-B does not show the fields of its payloads: %s", caseString(cb))
	}
	// Only those payloads are kept: every row whose typed columns are
	// empty while its payload has the field, and none else.
	keptPayloads := func() []string {
		rows, err := e.conn.Query(ctx, "SELECT concat(aggregate_id, ' ', event_type) FROM feedback_timeline WHERE payload != '' ORDER BY aggregate_id, occurred_at")
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var out []string
		for rows.Next() {
			var s string
			if err := rows.Scan(&s); err != nil {
				t.Fatal(err)
			}
			out = append(out, s)
		}
		return out
	}
	wantKept := []string{"TL-B feedback.received", "TL-B feedback.assigned", "TL-B feedback.status_changed", "TL-B feedback.answered",
		"TL-B feedback.reopened"}
	if got := keptPayloads(); !slices.Equal(got, wantKept) {
		t.Errorf("feedback_timeline keeps the payload of %v, want only %v", got, wantKept)
	}
	feedbackEvents := itest.Count(t, e.conn, "SELECT count() FROM events WHERE event_type LIKE 'feedback.%'")
	if got := itest.Count(t, e.conn, "SELECT count() FROM feedback_timeline"); got != feedbackEvents {
		t.Errorf("feedback_timeline holds %d rows, events %d feedback events", got, feedbackEvents)
	}

	// The page's cache keys on the versions of both tables the query reads.
	var tables []string
	for _, q := range []string{"case_events", "case_rescores"} {
		for _, m := range tablesRe.FindAllStringSubmatch(fillSQL(e.s.queries[q], map[string]string{"text": textExpr}), -1) {
			if !slices.Contains(tables, m[1]) {
				tables = append(tables, m[1])
			}
		}
	}
	sort.Strings(tables)
	if !slices.Equal(tables, []string{"feedback_rescores", "feedback_timeline"}) {
		t.Errorf("case_events and case_rescores read tables %v, want feedback_rescores and feedback_timeline", tables)
	}
	// A new event of a case shows at once, though the case's rows were
	// kept by the result cache.
	insertTimelineEvents(t, e, &offset, []*tlEvent{{typ: "feedback.resolved", id: "TL-C", commune: "18073", channel: "hotline_1022",
		outcome: "accepted", within: 0, topics: []string{"land"}, topicsMethod: "case", at: day(30, 2), payload: `{"outcome":"accepted"}`}})
	if cc, _, err := e.s.loadCase(ctx, "TL-C", Scope{}); err != nil || len(cc.Events) != 4 {
		t.Errorf("case TL-C after a new resolution: %d events (%v), want 4", len(cc.Events), err)
	}
	compare("after a new event")
	compareRescored("after a new event")

	// Rows read: a case is a few granules of feedback_timeline, where
	// events costs a granule of 8,192 rows per event type and month (its
	// rescores are one more query, case_rescores.sql).
	rowsRead := func(sql, id string) uint64 {
		var n atomic.Uint64
		qctx := clickhouse.Context(ctx, clickhouse.WithProgress(func(p *clickhouse.Progress) { n.Add(p.Rows) }))
		rows, err := e.conn.Query(qctx, fillSQL(sql, map[string]string{"text": textExpr}), id)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		rows.Close()
		return n.Load()
	}
	for _, id := range []string{"TL-A", "TL-F-1500"} {
		timeline, old := rowsRead(e.s.queries["case_events"], id), rowsRead(caseEventsFromEvents, id)
		t.Logf("case %s: %d rows read from feedback_timeline, %d from events", id, timeline, old)
		if timeline > 4*256 {
			t.Errorf("case %s reads %d rows of feedback_timeline, want at most four granules of 256", id, timeline)
		}
	}

	// A locality officer of 18496 sees TL-D, not TL-A (18073).
	e.addUser("officer", auth.RoleLocalityOfficer, "officer-password", "18496")
	tok, _, err := e.s.store.CreateToken(ctx, "officer", "test", 0)
	if err != nil {
		t.Fatal(err)
	}
	if code, body := e.apiGet(tok, "/api/v1/cases/TL-A"); code != 404 {
		t.Errorf("case outside the officer's commune: %d %.200s", code, body)
	}
	if code, body := e.apiGet(tok, "/api/v1/cases/TL-D"); code != 200 {
		t.Errorf("case in the officer's commune: %d %.200s", code, body)
	}
	if _, ok, err := e.s.loadCase(ctx, "TL-A", Scope{Communes: []string{"18496"}}); ok || err != nil {
		t.Errorf("loadCase outside the scope: found %v, %v; want not found", ok, err)
	}

	// A rebuild recomputes the table from the log, taking sentiment and
	// topics from the rescores; the page must not change.
	if err := projector.Rebuild(ctx, e.conn, "feedback_timeline", slog.New(slog.NewTextHandler(io.Discard, nil)), projector.RebuildOptions{}); err != nil {
		t.Fatalf("rebuild feedback_timeline: %v", err)
	}
	if got := itest.Count(t, e.conn, "SELECT count() FROM feedback_timeline"); got != feedbackEvents+1 {
		t.Errorf("feedback_timeline holds %d rows after the rebuild, want %d", got, feedbackEvents+1)
	}
	if got := keptPayloads(); !slices.Equal(got, wantKept) {
		t.Errorf("after the rebuild feedback_timeline keeps the payload of %v, want only %v", got, wantKept)
	}
	compare("after the rebuild")
	compareRescored("after the rebuild")
}

// caseString prints a case with its events' pointers followed.
func caseString(c Case) string {
	s := fmt.Sprintf("{ID:%s Commune:%s Status:%+v Events:[", c.ID, c.Commune, c.Status)
	for _, x := range c.Events {
		w := "nil"
		if x.WithinDeadline != nil {
			w = fmt.Sprint(*x.WithinDeadline)
		}
		sc, cf := "nil", "nil"
		if x.Score != nil {
			sc = fmt.Sprint(*x.Score)
		}
		if x.Confidence != nil {
			cf = fmt.Sprint(*x.Confidence)
		}
		s += fmt.Sprintf("\n  {%s at %s recv %s %s/%s topics %v org %q status %q note %q outcome %q within %s due %q text %q sentiment %q %s %s %q %v}",
			x.Type, x.OccurredAt, x.ReceivedAt, x.LocalityScheme, x.LocalityCode, x.Topics, x.Org, x.Status, x.Note, x.Outcome, w, x.DueAt,
			x.Text, x.Sentiment, sc, cf, x.Method, x.Explain)
	}
	return s + "]}"
}
