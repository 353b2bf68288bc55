package dashboard

import (
	"context"
	"fmt"
	"math"
	"slices"
)

// Feedback figures with a topic or channel filter, or grouped by topic,
// over whole months read the monthly cell roll-ups: feedback_cell_monthly
// (topic × channel × commune × month) and feedback_topic_channel_monthly
// (the same sums without the commune). About a fifth of ClickHouse's work
// under the dashboard benchmark went to them: ~3 ms a query for ~30,000
// rows. feedback_cell_monthly is small enough to keep (436,000 rows for
// two years of 10 M demo events: ~30 MB here), so the dashboard keeps it
// whole until it changes, like feedback_commune_daily (communeDays), and
// sums a request's rows in Go. It answers the topic-channel roll-up too:
// both hold the sums of the same events.

// cellMonth is one month's figures in one commune, topic and channel.
// day is the month's first day as yyyymmdd, commune an index into
// cellMonths.communes.
type cellMonth struct {
	day     uint32
	commune uint16
	primary bool // is_primary: the row counts the feedback's first topic
	n       [nCommuneCounts]uint32
	sum, sq float64 // sentiment_sum, sentiment_sq
}

// cellKey is one topic and channel of cellMonths (indexes into its lists).
type cellKey struct{ topic, channel uint16 }

// cellMonths is cell_months.sql's answer: per topic and channel, its rows
// sorted by month.
type cellMonths struct {
	rows     map[cellKey][]cellMonth
	communes communeIndex
	topics   communeIndex // numbers topics the way communeIndex numbers communes
	channels communeIndex
}

// fromCellMonths reports whether the roll-up tbl is answered from
// cellMonths: the monthly cell and topic-channel roll-ups, with snapshots
// on.
func (s *Server) fromCellMonths(tbl string) bool {
	return s.snapshots != nil && (tbl == "feedback_cell_monthly" || tbl == "feedback_topic_channel_monthly")
}

// cellMonths returns the rows of feedback_cell_monthly, kept until that
// table changes; ok is false while the kept rows are of an older version
// (see snapshotCache.current), for the caller to ask ClickHouse.
func (s *Server) cellMonths(ctx context.Context) (*cellMonths, bool, error) {
	v, ok, err := s.currentSnapshot(ctx, "feedback_cell_monthly", "cell months", func(ctx context.Context) (any, error) {
		return s.loadCellMonths(ctx)
	})
	if !ok || err != nil {
		return nil, ok, err
	}
	return v.(*cellMonths), true, nil
}

// loadCellMonths reads cell_months.sql, scanning the rows itself like
// loadCommuneDays.
func (s *Server) loadCellMonths(ctx context.Context) (*cellMonths, error) {
	rows, done, err := s.openRows(ctx, "cell_months")
	if err != nil {
		return nil, err
	}
	defer done()
	out := &cellMonths{rows: map[cellKey][]cellMonth{}}
	var commune, topic, channel string
	var primary uint8
	var n [nCommuneCounts]uint64
	var x cellMonth
	dest := append([]any{&x.day, &commune, &topic, &channel, &primary}, countsDest(&n, &x.sum, &x.sq)...)
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return nil, fmt.Errorf("query cell_months: scan: %w", err)
		}
		var k cellKey
		if x.commune, err = out.communes.id(commune); err == nil {
			if k.topic, err = out.topics.id(topic); err == nil {
				k.channel, err = out.channels.id(channel)
			}
		}
		if err != nil {
			return nil, fmt.Errorf("query cell_months: %w", err)
		}
		x.primary = primary == 1
		for i, v := range n {
			if v > math.MaxUint32 {
				return nil, fmt.Errorf("query cell_months: a count of %d in one month and cell does not fit", v)
			}
			x.n[i] = uint32(v)
		}
		out.rows[k] = append(out.rows[k], x)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("query cell_months: %w", err)
	}
	// The query sorts by month; sorting again costs little and does not
	// depend on it.
	for k, r := range out.rows {
		slices.SortStableFunc(r, func(a, b cellMonth) int { return cmpUint32(a.day, b.day) })
		out.rows[k] = slices.Clip(r)
	}
	return out, nil
}

// sum sums the rows of f's period, communes (with scope sc), topic and
// channel per key of by ("bucket" by f.Granularity, "topic", "commune" or
// "total"), sorted by key: the rows feedback_rollup_grouped.sql and
// feedback_figures.sql return on the monthly cell roll-ups, where t says
// how the topic filter applies (cond): "column" keeps the rows of the
// feedback's first topic unless a topic is asked, "cells" every topic's.
func (m *cellMonths) sum(f Filter, sc Scope, t table, by string) []communeSums {
	allowed := m.communes.allowed(f.communes(sc))
	wantTopic, okTopic := m.topics.want(f.Topic)
	wantChannel, okChannel := m.channels.want(f.Channel)
	if !okTopic || !okChannel {
		return nil
	}
	primaryOnly := t.topic == "column" && f.Topic == ""
	from, to := yyyymmdd(f.From), yyyymmdd(f.To)
	acc := sumsByKey{}
	for k, rows := range m.rows {
		if wantTopic >= 0 && int(k.topic) != wantTopic || wantChannel >= 0 && int(k.channel) != wantChannel {
			continue
		}
		lo, _ := slices.BinarySearchFunc(rows, from, func(r cellMonth, d uint32) int { return cmpUint32(r.day, d) })
		buckets := bucketKeys{granularity: f.Granularity}
		for i := lo; i < len(rows) && rows[i].day <= to; i++ {
			r := &rows[i]
			if primaryOnly && !r.primary || allowed != nil && !allowed[r.commune] {
				continue
			}
			var key string
			switch by {
			case "bucket":
				key = buckets.of(r.day)
			case "topic":
				key = m.topics.codes[k.topic]
			case "commune":
				key = m.communes.codes[r.commune]
			case "total":
			default:
				panic("dashboard: unknown grouping " + by)
			}
			addSums(acc, key, &r.n, r.sum, r.sq)
		}
	}
	return acc.sorted()
}
