package projector

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"dvpulse/nlp"
	"dvpulse/warehouse"
)

// rescoreFrom selects the model-scored feedback whose newest score (a
// rescore, else the stored one) came from a model version other than ?.
var rescoreFrom = `FROM events ANY LEFT JOIN (` + effectiveSentiment([]string{"sentiment_method", "sentiment_label"}) + `) AS rescored USING event_id
WHERE event_type = 'feedback.received' AND sentiment_method LIKE 'model:%'
  AND if(r_has = 1, r_sentiment_method, sentiment_method) != ?`

var (
	rescoreCountQuery = "SELECT count() " + rescoreFrom
	rescoreReadQuery  = "SELECT aggregate_id, toString(event_id), text, sentiment_label, if(r_has = 1, r_sentiment_label, '') AS prev " + rescoreFrom
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
	// Changed is how many of those got a different label.
	Changed uint64
}

// effectiveSentiment is the subquery giving, per rescored event, the newest
// rescore: its columns are event_id and r_<column> for each column, plus
// r_has = 1. A LEFT JOIN on event_id leaves r_has = 0 for events never
// rescored.
func effectiveSentiment(columns []string) string {
	var b strings.Builder
	b.WriteString("SELECT event_id")
	for _, c := range columns {
		fmt.Fprintf(&b, ", argMax(%s, version) AS r_%s", c, c)
	}
	b.WriteString(", toUInt8(1) AS r_has FROM feedback_rescores GROUP BY event_id")
	return b.String()
}

// rescoreColumns are the events columns a rescore replaces.
var rescoreColumns = []string{"sentiment_label", "sentiment_score", "sentiment_confidence", "sentiment_method", "sentiment_explain"}

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
			feedbackID, eventID, text, stored, prev string
		)
		if err := rows.Scan(&feedbackID, &eventID, &text, &stored, &prev); err != nil {
			return res, fmt.Errorf("read the feedback to rescore: %w", err)
		}
		if batch == nil {
			if batch, err = conn.PrepareBatch(ctx, "INSERT INTO feedback_rescores (feedback_id, event_id, sentiment_label, sentiment_score, sentiment_confidence, sentiment_method, sentiment_explain, version, rescored_at)"); err != nil {
				return res, fmt.Errorf("insert into feedback_rescores: %w", err)
			}
		}
		s := modelSentiment(sc.Score(text))
		if prev == "" {
			prev = stored
		}
		if s.label != prev {
			res.Changed++
		}
		if err := batch.Append(feedbackID, eventID, s.label, float32(s.score), float32(s.confidence), s.method, s.explain, version, now); err != nil {
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

// SentimentProjections are the projections whose views read the sentiment
// columns: the ones to rebuild after a rescore.
func SentimentProjections() ([]string, error) {
	ps, err := warehouse.Projections()
	if err != nil {
		return nil, err
	}
	var out []string
	for _, p := range ps {
		if viewsReadSentiment(p) {
			out = append(out, p.Name)
		}
	}
	return out, nil
}

func viewsReadSentiment(p warehouse.Projection) bool {
	for _, v := range p.Views {
		for _, c := range rescoreColumns {
			if strings.Contains(v.Select, c) {
				return true
			}
		}
	}
	return false
}

// rescoredSource returns a subquery with every column of events, read
// from the rows matching cond, where the sentiment columns come from the
// newest rescore of each event when there is one. columns are the events
// table's columns in order.
func rescoredSource(columns []string, cond string) string {
	replaced := map[string]bool{}
	for _, c := range rescoreColumns {
		replaced[c] = true
	}
	inner := make([]string, len(columns))
	outer := make([]string, len(columns))
	for i, c := range columns {
		if replaced[c] {
			inner[i] = fmt.Sprintf("%s AS stored_%s", c, c)
			outer[i] = fmt.Sprintf("if(r_has = 1, r_%s, stored_%s) AS %s", c, c, c)
		} else {
			inner[i], outer[i] = c, c
		}
	}
	return fmt.Sprintf("(SELECT %s FROM (SELECT %s FROM events WHERE %s) AS stored ANY LEFT JOIN (%s) AS rescored USING event_id)",
		strings.Join(outer, ", "), strings.Join(inner, ", "), cond, effectiveSentiment(rescoreColumns))
}
