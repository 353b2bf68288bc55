package projector

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
	"unsafe"

	"github.com/ClickHouse/clickhouse-go/v2"

	"dvpulse/nlp"
	"dvpulse/nlp/textnorm"
)

// Feedback lifecycle event types, by role.
var (
	feedbackLifecycle = map[string]bool{
		"feedback.assigned": true, "feedback.status_changed": true, "feedback.answered": true,
		"feedback.resolved": true, "feedback.reopened": true,
	}
	feedbackAction = map[string]bool{
		"feedback.assigned": true, "feedback.status_changed": true, "feedback.answered": true, "feedback.resolved": true,
	}
	feedbackDone = map[string]bool{"feedback.answered": true, "feedback.resolved": true}
)

// caseState is what the projector needs to know of a feedback case's
// earlier events to project a lifecycle event.
type caseState struct {
	received, due  time.Time
	topics         []string
	channel        string
	actions, dones uint64
}

const caseQuery = `SELECT aggregate_id,
    minIf(occurred_at, event_type = 'feedback.received') AS received,
    maxIf(due_at, event_type = 'feedback.received') AS due,
    anyIf(topics, event_type = 'feedback.received') AS topics,
    anyIf(channel, event_type = 'feedback.received') AS channel,
    countIf(event_type IN ('feedback.assigned', 'feedback.status_changed', 'feedback.answered', 'feedback.resolved')) AS actions,
    countIf(event_type IN ('feedback.answered', 'feedback.resolved')) AS dones
FROM events
WHERE event_type IN ('feedback.received', 'feedback.assigned', 'feedback.status_changed', 'feedback.answered', 'feedback.resolved', 'feedback.reopened')
    AND aggregate_id IN ?
GROUP BY aggregate_id`

// loadCases reads the stored state of the given feedback cases.
func (p *Projector) loadCases(ctx context.Context, ids []string) (map[string]*caseState, error) {
	out := make(map[string]*caseState, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	vals := make([]any, len(ids))
	for i, id := range ids {
		vals[i] = id
	}
	rows, err := p.conn.Query(ctx, caseQuery, clickhouse.GroupSet{Value: vals})
	if err != nil {
		return nil, fmt.Errorf("read feedback cases: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		st := &caseState{}
		if err := rows.Scan(&id, &st.received, &st.due, &st.topics, &st.channel, &st.actions, &st.dones); err != nil {
			return nil, fmt.Errorf("read feedback cases: %w", err)
		}
		if st.received.Unix() <= 0 {
			st.received = time.Time{}
		}
		if st.due.Unix() <= 0 {
			st.due = time.Time{}
		}
		out[id] = st
	}
	return out, rows.Err()
}

// enrich gives every feedback lifecycle event of rows its case's context:
// when the case was received, its deadline, its topics and channel when the
// event has none, and whether the event is the case's first action or first
// answer/resolution. Rows are in Kafka order per partition, and a case's
// events share a partition, so walking the batch in order after the stored
// state gives each event what came before it.
func (p *Projector) enrich(ctx context.Context, b *prepared) error {
	var rows []*eventRow
	for _, st := range b.steps {
		rows = append(rows, st.events...)
	}
	var ids []string
	seen := map[string]bool{}
	for _, r := range rows {
		ev := r.ev
		if feedbackLifecycle[ev.EventType] && !seen[ev.FeedbackID] {
			seen[ev.FeedbackID] = true
			ids = append(ids, ev.FeedbackID)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	cases, err := p.loadCases(ctx, ids)
	if err != nil {
		return err
	}
	for _, r := range rows {
		ev := r.ev
		if ev.FeedbackID == "" || !seen[ev.FeedbackID] {
			continue
		}
		st := cases[ev.FeedbackID]
		if st == nil {
			st = &caseState{}
			cases[ev.FeedbackID] = st
		}
		if ev.EventType == "feedback.received" {
			if st.received.IsZero() || ev.Occurred().Before(st.received) {
				st.received = ev.Occurred()
			}
			st.due, st.topics, st.channel = ev.Due(), ev.Topics, ev.Channel
			continue
		}
		if !feedbackLifecycle[ev.EventType] {
			continue
		}
		if !ev.Due().IsZero() {
			st.due = ev.Due()
		}
		r.caseReceived, r.caseDue = st.received, st.due
		if len(ev.Topics) == 0 && len(st.topics) > 0 {
			ev.Topics, r.topicsMethod = st.topics, "case"
		}
		if ev.Channel == "" {
			ev.Channel = st.channel
		}
		if feedbackAction[ev.EventType] {
			r.firstAction = st.actions == 0
			st.actions++
		}
		if feedbackDone[ev.EventType] {
			r.firstDone = st.dones == 0
			st.dones++
		}
	}
	return nil
}

// explainJSON is the stored form of a sentiment explanation.
type explainJSON struct {
	Text   string  `json:"text"`
	Weight float64 `json:"weight"`
}

// explainText is the stored form of an explanation: what json.Marshal
// gives for it as []explainJSON, written by hand when no text needs
// escaping (the usual case: n-grams of normalised words), with one
// allocation.
func explainText(ex []nlp.Contribution) string {
	buf := make([]byte, 0, 2+40*len(ex))
	buf = append(buf, '[')
	for i, c := range ex {
		if !plainJSONString(c.Text) || math.IsNaN(c.Weight) || math.IsInf(c.Weight, 0) {
			return explainMarshal(ex)
		}
		if i > 0 {
			buf = append(buf, ',')
		}
		buf = append(buf, `{"text":"`...)
		buf = append(buf, c.Text...)
		buf = append(buf, `","weight":`...)
		buf = appendJSONFloat(buf, c.Weight)
		buf = append(buf, '}')
	}
	buf = append(buf, ']')
	return unsafe.String(unsafe.SliceData(buf), len(buf))
}

// explainMarshal is explainText through encoding/json.
func explainMarshal(ex []nlp.Contribution) string {
	out := make([]explainJSON, len(ex))
	for i, c := range ex {
		out[i] = explainJSON{Text: c.Text, Weight: c.Weight}
	}
	b, _ := json.Marshal(out)
	return string(b)
}

// plainJSONString reports whether encoding/json writes s unchanged between
// quotes: valid UTF-8 without control characters, '"', '\\', the HTML
// characters '<', '>', '&' (escaped by default), U+2028 or U+2029.
func plainJSONString(s string) bool {
	for i := 0; i < len(s); {
		b := s[i]
		if b < utf8.RuneSelf {
			if b < 0x20 || b == '"' || b == '\\' || b == '<' || b == '>' || b == '&' {
				return false
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 || r == '\u2028' || r == '\u2029' {
			return false
		}
		i += size
	}
	return true
}

// appendJSONFloat appends f as encoding/json writes a float64.
func appendJSONFloat(b []byte, f float64) []byte {
	format := byte('f')
	if abs := math.Abs(f); abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	b = strconv.AppendFloat(b, f, format, -1, 64)
	if format == 'e' {
		// e-09 to e-9
		if n := len(b); n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return b
}

// scoreFeedback fills the sentiment, model topics and folded text of a
// feedback.received row: a sender's sentiment and topics are kept and
// marked as the sender's; otherwise the model's are used, with its version.
//
// topicsOnly, when not nil, is the same model without explanations, used
// when only the topics are wanted (the sender supplied the sentiment).
// method is "model:" + the model version, built once instead of per text;
// empty, or another version, it is built here.
func scoreFeedback(sc, topicsOnly *nlp.Scorer, method string, r *eventRow) {
	ev := r.ev
	// event.Decoder has put the text in NFC, so it is normalised once here
	// (lower case) and that form is both folded and scored, instead of
	// normalising it again for each.
	norm := textnorm.NormalizeNFC(ev.Text)
	r.folded = textnorm.Strip(norm)
	if len(ev.Topics) > 0 {
		r.topicsMethod = "sender"
	}
	if ev.Sentiment != nil {
		r.sentiment = senderSentiment(ev.Sentiment)
		if len(ev.Topics) > 0 || sc == nil {
			return
		}
	}
	if sc == nil {
		return
	}
	if ev.Sentiment != nil && topicsOnly != nil {
		sc = topicsOnly
	}
	// Topics are scored only when they will be used.
	res := sc.ScoreNormalized(norm, len(ev.Topics) == 0)
	if v, ok := strings.CutPrefix(method, "model:"); !ok || v != res.ModelVersion {
		method = "model:" + res.ModelVersion
	}
	if ev.Sentiment == nil {
		r.sentiment = sentimentCols{label: res.Label, score: res.Score, confidence: res.Confidence, method: method, explain: explainText(res.Explain)}
	}
	if len(ev.Topics) == 0 {
		if t := modelTopics(res); len(t) > 0 {
			ev.Topics, r.topicsMethod = t, method
		}
	}
}
