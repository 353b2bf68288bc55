package dashboard

import (
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// table says how a filter applies to one source table. Every field is a
// constant of this package, never request input.
type table struct {
	// date is the expression of the calendar day, e.g. "day" or
	// "toDate(occurred_at)"; "" when the period does not apply.
	date string
	// topic is "column" (topic + is_primary columns), "array" (the topics
	// array of events), "cells" (topic column, every topic counts) or "" (no
	// topic dimension: the topic filter does not apply).
	topic string
	// channel is the channel column, or "" when there is none.
	channel string
	// communeKey writes the commune restriction as an IN over a subquery,
	// which ClickHouse can match against a primary key starting with (or,
	// after equality conditions, continuing with) commune_code.
	communeKey bool
}

var (
	tHourly = table{topic: "cells", channel: "channel"}
	// tIndex is feedback_index (0003): feedback.received rows ordered by
	// commune_code, day.
	tIndex   = table{date: "day", topic: "array", channel: "channel", communeKey: true}
	tIssues  = table{date: "day", topic: "column"}
	tMonthly = table{date: "month"}
	tCommit  = table{date: "toDate(made_at)"}
	// Campaign and criticism tables have no topic or channel: those
	// filters do not apply to them.
	tCampaigns = table{date: "day"}
	tCriticism = table{date: "day"}
	tNoPeriod  = table{}
	// The roll-ups of migration 0003: feedback_commune_daily has no topic
	// or channel (only for filters without them); feedback_cell_daily has
	// both and is ordered by topic, channel, commune_code, day.
	tRollCommune = table{date: "day", communeKey: true}
	tRollCell    = table{date: "day", topic: "column", channel: "channel", communeKey: true}
	tRollCells   = table{date: "day", topic: "cells", channel: "channel", communeKey: true}
	// feedback_topic_channel_daily has no commune: only for queries over
	// the whole province.
	tRollTC      = table{date: "day", topic: "column", channel: "channel"}
	tRollTCCells = table{date: "day", topic: "cells", channel: "channel"}
)

// where is a WHERE clause under construction: SQL fragments written in
// this package and the values bound to their ? placeholders.
type where struct {
	parts []string
	args  []any
}

func (w *where) add(sql string, args ...any) {
	if strings.Count(sql, "?") != len(args) {
		panic(fmt.Sprintf("dashboard: condition %q takes %d values, got %d", sql, strings.Count(sql, "?"), len(args)))
	}
	w.parts = append(w.parts, sql)
	w.args = append(w.args, args...)
}

func (w *where) String() string {
	if len(w.parts) == 0 {
		return "1 = 1"
	}
	return strings.Join(w.parts, " AND ")
}

// cond builds the conditions of f for t, limited to the scope sc.
func cond(f Filter, sc Scope, t table) *where {
	w := &where{}
	if t.date != "" {
		w.add(t.date+" >= toDate(?) AND "+t.date+" <= toDate(?)", f.From.Format("2006-01-02"), f.To.Format("2006-01-02"))
	}
	if t.date == "month" {
		// Monthly tables: every month that overlaps the period.
		w.args[len(w.args)-2] = time.Date(f.From.Year(), f.From.Month(), 1, 0, 0, 0, 0, Hanoi).Format("2006-01-02")
	}
	if list, restricted := f.communes(sc); restricted {
		if t.communeKey {
			w.add("commune_code IN (SELECT arrayJoin(?))", list)
		} else {
			w.add("has(?, commune_code)", list)
		}
	}
	switch t.topic {
	case "column":
		if f.Topic != "" {
			w.add("topic = ?", f.Topic)
		} else {
			w.add("is_primary = 1")
		}
	case "cells":
		if f.Topic != "" {
			w.add("topic = ?", f.Topic)
		}
	case "array":
		if f.Topic != "" {
			w.add("has(topics, ?)", f.Topic)
		}
	}
	if t.channel != "" && f.Channel != "" {
		w.add(t.channel+" = ?", f.Channel)
	}
	return w
}

// bucketOf whitelists the granularities: the bucket of a Date expression,
// as a String (YYYY-MM-DD, the bucket's first day).
func bucketOf(granularity, date string) string {
	switch granularity {
	case "week":
		return "toString(toMonday(" + date + "))"
	case "month":
		return "toString(toStartOfMonth(" + date + "))"
	case "quarter":
		return "toString(toStartOfQuarter(" + date + "))"
	}
	return "toString(" + date + ")"
}

// textExpr is a feedback text: the typed column, or the payload's text for
// rows written before the projector filled it.
const textExpr = "if(text != '', text, visitParamExtractString(payload, 'text'))"

// foldRawExpr folds textExpr in ClickHouse the way Fold does in Go (lower
// case, no diacritics, đ → d) with functions that exist in ClickHouse 18.16
// and current versions. Migration 0012 indexes the words of events written
// before the projector filled text_folded with it (feedback_terms_unfolded_mv,
// which must hold wordsExpr(foldRawExpr) verbatim: TestMigrationIndexesWords).
var foldRawExpr = func() string {
	e := "lowerUTF8(" + textExpr + ")"
	for _, g := range foldGroups {
		e = "replaceRegexpAll(" + e + ", '" + strings.Join(strings.Split(g.from, ""), "|") + "', '" + g.to + "')"
	}
	return "replaceRegexpAll(" + e + ", '[[:space:]]+', ' ')"
}()

// wordsExpr is Words in ClickHouse, for the String expression e: its runs
// of letters and digits, in order, repeats kept. extractAll and RE2's
// Unicode classes behave alike in ClickHouse 18.16 and current versions;
// migration 0012 indexes the distinct wordsExpr of text_folded.
func wordsExpr(e string) string {
	return "extractAll(" + e + `, '[\\pL\\pN]+')`
}

// addSearch adds to w, the conditions of a list on feedback_terms (see
// listWhere), a search for words (Words of the folded term): an event has
// one row per distinct word of its folded text there (rows written before
// the projector filled text_folded too, folded in SQL by the migration),
// and it matches when it has a row for every word. The search reads the
// rows of one word, the shortest (a one- or two-letter syllable such as
// "o" or "di" is among the commonest words, whose set of events costs the
// most to build), and keeps those whose event is in the set of events of
// each other word under the same conditions: a semi-join, each set built
// once per query. Grouping the rows of all the words by event instead
// cost 2 to 4 times more (measured on 1 M events). Either way a matching
// event is one row. With no word (a q of punctuation only, which
// explorerParams answers with 400) nothing matches.
func addSearch(w *where, words []string) {
	if len(words) == 0 {
		w.add("0 = 1")
		return
	}
	filters, args := w.String(), slices.Clone(w.args)
	first := 0
	for i, x := range words {
		if utf8.RuneCountInString(x) < utf8.RuneCountInString(words[first]) {
			first = i
		}
	}
	w.add("term = ?", words[first])
	for i, x := range words {
		if i != first {
			w.add("event_id IN (SELECT event_id FROM feedback_terms WHERE term = ? AND "+filters+")", append([]any{x}, args...)...)
		}
	}
}

// fillSQL replaces each {{name}} in sql with vars[name]; it panics when a
// placeholder is left, a programming error that tests catch.
func fillSQL(sql string, vars map[string]string) string {
	for k, v := range vars {
		sql = strings.ReplaceAll(sql, "{{"+k+"}}", v)
	}
	if i := strings.Index(sql, "{{"); i >= 0 {
		panic("dashboard: unfilled placeholder in query: " + sql[i:min(len(sql), i+30)])
	}
	return sql
}
