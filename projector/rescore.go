package projector

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"dvpulse/event"
	"dvpulse/nlp"
	"dvpulse/warehouse"
)

// rescoreFrom selects the feedback.received whose sentiment or topics
// are not the sender's and whose newest score (its newest rescore, else
// what the projector stored) came from a model other than ?.
var rescoreFrom = `FROM events ANY LEFT JOIN (` + newestRescore("event_id", "r_", []string{"model", "sentiment_label"}) + `) AS rescored USING event_id
WHERE event_type = 'feedback.received' AND (sentiment_method != 'sender' OR topics_method != 'sender')
  AND if(r_has = 1, r_model, if(sentiment_method LIKE 'model:%', sentiment_method, topics_method)) != ?`

var (
	rescoreCountQuery = "SELECT count() " + rescoreFrom
	rescoreReadQuery  = "SELECT aggregate_id, toString(event_id), text, sentiment_method, topics_method, topics, if(r_has = 1 AND r_sentiment_label != '', r_sentiment_label, sentiment_label) AS prev " + rescoreFrom
)

// RescoreOptions tune Rescore.
type RescoreOptions struct {
	// BatchRows is the number of rescored rows per insert (default 10,000).
	BatchRows int
	// DryRun counts the feedback that would be rescored and stops.
	DryRun bool
	// Progress, when set, is called after each insert and at the end.
	Progress func(done, total uint64)
}

// RescoreResult says what Rescore did.
type RescoreResult struct {
	// Model is the method the rescored rows carry: "model:<version>".
	Model string
	// Candidates is the number of model-scored feedback texts whose current
	// score came from another model version.
	Candidates uint64
	// Rescored is the number written to feedback_rescores.
	Rescored uint64
	// Changed is how many of those got a different sentiment label or,
	// where the sentiment is the sender's, different topics.
	Changed uint64
}

// newestRescore is the subquery giving, per key (event_id, or feedback_id
// AS aggregate_id), the newest rescore: its columns are the key and
// <prefix><column> for each column, plus <prefix>has = 1. A LEFT JOIN on the
// key leaves <prefix>has = 0 where nothing was rescored. FINAL keeps the
// row with the highest version per (feedback_id, event_id) and streams in
// key order, which needs far less memory than argMax over a GROUP BY.
func newestRescore(key, prefix string, columns []string) string {
	var b strings.Builder
	b.WriteString("SELECT " + key)
	for _, c := range columns {
		fmt.Fprintf(&b, ", %s AS %s%s", c, prefix, c)
	}
	fmt.Fprintf(&b, ", toUInt8(1) AS %shas FROM feedback_rescores FINAL", prefix)
	return b.String()
}

// sentimentColumns are the events columns a rescore's sentiment replaces.
var sentimentColumns = []string{"sentiment_label", "sentiment_score", "sentiment_confidence", "sentiment_method", "sentiment_explain"}

// rescoreColumns are every events column a rescore replaces.
var rescoreColumns = append(append([]string{}, sentimentColumns...), "topics", "topics_method")

// Rescore scores again, with sc, every feedback.received whose sentiment
// came from a model ("model:…", not "sender") other than sc's version, and
// stores the new sentiment in feedback_rescores. It is safe to run while
// the projectors run, and to run again: feedback already scored by sc's
// version (in events or in feedback_rescores) is skipped. The projections
// keep the old scores until they are rebuilt (Rebuild applies the rescores).
func Rescore(ctx context.Context, conn driver.Conn, sc *nlp.Scorer, opts RescoreOptions) (RescoreResult, error) {
	if opts.BatchRows <= 0 {
		opts.BatchRows = 10000
	}
	model := "model:" + sc.ModelVersion()
	res := RescoreResult{Model: model}
	if err := conn.QueryRow(ctx, rescoreCountQuery, model).Scan(&res.Candidates); err != nil {
		return res, fmt.Errorf("count the feedback to rescore: %w", err)
	}
	if opts.DryRun || res.Candidates == 0 {
		return res, nil
	}
	rows, err := conn.Query(ctx, rescoreReadQuery, model)
	if err != nil {
		return res, fmt.Errorf("read the feedback to rescore: %w", err)
	}
	defer rows.Close()

	version := uint64(time.Now().UnixNano())
	now := time.Now()
	var batch driver.Batch
	flush := func() error {
		if batch == nil {
			return nil
		}
		n := uint64(batch.Rows())
		if err := batch.Send(); err != nil {
			return fmt.Errorf("insert into feedback_rescores: %w", err)
		}
		batch = nil
		res.Rescored += n
		if opts.Progress != nil {
			opts.Progress(res.Rescored, res.Candidates)
		}
		return nil
	}
	for rows.Next() {
		var (
			feedbackID, eventID, text, sentMethod, topicsMethod, prev string
			storedTopics                                              []string
		)
		if err := rows.Scan(&feedbackID, &eventID, &text, &sentMethod, &topicsMethod, &storedTopics, &prev); err != nil {
			return res, fmt.Errorf("read the feedback to rescore: %w", err)
		}
		if batch == nil {
			if batch, err = conn.PrepareBatch(ctx, `INSERT INTO feedback_rescores (feedback_id, event_id, model, sentiment_label, sentiment_score,
				sentiment_confidence, sentiment_method, sentiment_explain, topics, topics_method, version, rescored_at)`); err != nil {
				return res, fmt.Errorf("insert into feedback_rescores: %w", err)
			}
		}
		scored := sc.Score(text)
		// The parts the sender supplied stay as they are: '' methods.
		var s sentimentCols
		if sentMethod != "sender" {
			s = modelSentiment(scored)
			if s.label != prev {
				res.Changed++
			}
		}
		topics, tMethod := []string{}, ""
		if topicsMethod != "sender" {
			topics, tMethod = modelTopics(scored), model
			if sentMethod == "sender" && !slices.Equal(topics, storedTopics) {
				res.Changed++
			}
		}
		if err := batch.Append(feedbackID, eventID, model, s.label, float32(s.score), float32(s.confidence), s.method, s.explain,
			topics, tMethod, version, now); err != nil {
			return res, fmt.Errorf("insert into feedback_rescores: %w", err)
		}
		if batch.Rows() >= opts.BatchRows {
			if err := flush(); err != nil {
				return res, err
			}
		}
	}
	if err := rows.Err(); err != nil {
		return res, fmt.Errorf("read the feedback to rescore: %w", err)
	}
	return res, flush()
}

// modelSentiment is the stored form of a model's sentiment, exactly as
// scoreFeedback stores it: label, score, confidence, "model:<version>" and
// the explanation as JSON.
func modelSentiment(res nlp.Result) sentimentCols {
	return sentimentCols{label: res.Label, score: res.Score, confidence: res.Confidence, method: "model:" + res.ModelVersion, explain: explainText(res.Explain)}
}

// modelTopics are the taxonomy topics the projector takes from a model's
// result when the sender gave none: at most three, each with confidence at
// least 0.5.
func modelTopics(res nlp.Result) []string {
	out := []string{}
	for _, t := range res.Topics {
		if t.Confidence >= 0.5 && event.Topics.Has(t.Code) && len(out) < 3 {
			out = append(out, t.Code)
		}
	}
	return out
}

// ScoredProjections are the projections whose views read the sentiment
// or topics columns: the ones to rebuild after a rescore.
func ScoredProjections() ([]string, error) {
	ps, err := warehouse.Projections()
	if err != nil {
		return nil, err
	}
	var out []string
	for _, p := range ps {
		if viewsReadScores(p) {
			out = append(out, p.Name)
		}
	}
	return out, nil
}

func viewsReadScores(p warehouse.Projection) bool {
	for _, v := range p.Views {
		for _, c := range rescoreColumns {
			if strings.Contains(v.Select, c) {
				return true
			}
		}
	}
	return false
}

// readColumns are the columns of rescoreColumns that p's views read, plus
// the ones that say whether a rescore replaced them (sentiment_method,
// topics_method, and topics, which a lifecycle event may inherit). Only
// these are joined in, to keep the rebuild's memory down.
func readColumns(p warehouse.Projection) []string {
	var out []string
	for _, c := range rescoreColumns {
		for _, v := range p.Views {
			if strings.Contains(v.Select, c) {
				out = append(out, c)
				break
			}
		}
	}
	if len(out) == 0 {
		return nil
	}
	for _, m := range []string{"sentiment_method", "topics", "topics_method"} {
		if !slices.Contains(out, m) {
			out = append(out, m)
		}
	}
	return out
}

// rescoredSource returns a subquery with every column of events, read
// from the rows matching cond, where the columns of replace (a subset of
// rescoreColumns, with sentiment_method, topics and topics_method) come
// from the newest rescore of each event when it replaced them, and the
// topics of lifecycle events that inherited their case's topics
// (topics_method 'case') from the newest rescore of the case. columns are
// the events table's columns.
func rescoredSource(columns []string, cond string, replace []string) string {
	replaced := map[string]bool{}
	for _, c := range replace {
		replaced[c] = true
	}
	var l0, l1, l2 []string
	for _, c := range columns {
		if !replaced[c] {
			l0, l1, l2 = append(l0, c), append(l1, c), append(l2, c)
			continue
		}
		l0 = append(l0, fmt.Sprintf("%s AS stored_%s", c, c))
		switch c {
		case "topics":
			l1 = append(l1, "if(r_has = 1 AND r_topics_method != '', r_topics, stored_topics) AS mid_topics")
			l2 = append(l2, "if(mid_topics_method = 'case' AND c_has = 1 AND c_topics_method != '', c_topics, mid_topics) AS topics")
		case "topics_method":
			l1 = append(l1, "if(r_has = 1 AND r_topics_method != '', if(empty(r_topics), '', r_topics_method), stored_topics_method) AS mid_topics_method")
			l2 = append(l2, "mid_topics_method AS topics_method")
		default: // sentiment
			l1 = append(l1, fmt.Sprintf("if(r_has = 1 AND r_sentiment_method != '', r_%s, stored_%s) AS %s", c, c, c))
			l2 = append(l2, c)
		}
	}
	level0 := fmt.Sprintf("SELECT %s FROM events WHERE %s", strings.Join(l0, ", "), cond)
	level1 := fmt.Sprintf("SELECT %s FROM (%s) AS stored ANY LEFT JOIN (%s) AS rescored USING event_id",
		strings.Join(l1, ", "), level0, newestRescore("event_id", "r_", replace))
	return fmt.Sprintf("(SELECT %s FROM (%s) AS events1 ANY LEFT JOIN (%s) AS cases USING aggregate_id)",
		strings.Join(l2, ", "), level1, newestRescore("feedback_id AS aggregate_id", "c_", []string{"topics", "topics_method"}))
}
