package dashboard

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strings"
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
	release, err := s.slot(ctx)
	if err != nil {
		return nil, err
	}
	defer release()
	rows, err := s.conn.Query(s.querySettings(ctx), s.queries["cell_months"])
	if err != nil {
		return nil, fmt.Errorf("query cell_months: %w", err)
	}
	defer rows.Close()
	out := &cellMonths{rows: map[cellKey][]cellMonth{}}
	var commune, topic, channel string
	var primary uint8
	var n [nCommuneCounts]uint64
	var x cellMonth
	dest := []any{&x.day, &commune, &topic, &channel, &primary}
	for i := cReceived; i <= cScored; i++ {
		dest = append(dest, &n[i])
	}
	dest = append(dest, &x.sum, &x.sq)
	for i := cDue; i < nCommuneCounts; i++ {
		dest = append(dest, &n[i])
	}
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
	var allowed []bool
	if list, restricted := f.communes(sc); restricted {
		allowed = make([]bool, len(m.communes.codes))
		for _, c := range list {
			if i, ok := m.communes.index[c]; ok {
				allowed[i] = true
			}
		}
	}
	wantTopic, wantChannel := -1, -1
	if f.Topic != "" {
		i, ok := m.topics.index[f.Topic]
		if !ok {
			return nil
		}
		wantTopic = int(i)
	}
	if t.channel != "" && f.Channel != "" {
		i, ok := m.channels.index[f.Channel]
		if !ok {
			return nil
		}
		wantChannel = int(i)
	}
	primaryOnly := t.topic == "column" && f.Topic == ""
	from, to := yyyymmdd(f.From), yyyymmdd(f.To)
	acc := map[string]*communeSums{}
	for k, rows := range m.rows {
		if wantTopic >= 0 && int(k.topic) != wantTopic || wantChannel >= 0 && int(k.channel) != wantChannel {
			continue
		}
		lo, _ := slices.BinarySearchFunc(rows, from, func(r cellMonth, d uint32) int { return cmpUint32(r.day, d) })
		var lastDay uint32
		var dayKey string
		for i := lo; i < len(rows) && rows[i].day <= to; i++ {
			r := &rows[i]
			if primaryOnly && !r.primary || allowed != nil && !allowed[r.commune] {
				continue
			}
			var key string
			switch by {
			case "bucket":
				if r.day != lastDay {
					lastDay, dayKey = r.day, bucketKey(f.Granularity, r.day)
				}
				key = dayKey
			case "topic":
				key = m.topics.codes[k.topic]
			case "commune":
				key = m.communes.codes[r.commune]
			case "total":
			default:
				panic("dashboard: unknown grouping " + by)
			}
			a := acc[key]
			if a == nil {
				a = &communeSums{key: key}
				acc[key] = a
			}
			for j, v := range r.n {
				a.n[j] += uint64(v)
			}
			a.sum += r.sum
			a.sq += r.sq
		}
	}
	out := make([]communeSums, 0, len(acc))
	for _, a := range acc {
		out = append(out, *a)
	}
	slices.SortFunc(out, func(a, b communeSums) int { return strings.Compare(a.key, b.key) })
	return out
}
