package dashboard

import (
	"context"
	"fmt"
	"slices"
	"sort"
)

// Issues raised at dialogues, per time bucket, from memory: with
// snapshots on, the dashboard keeps dialogue_issues_daily whole (12 bytes
// a row) until it changes and sums a request's period, communes and topic
// in Go, instead of a query that reads the period's rows of the table
// for every request (~5 ms of ClickHouse CPU on the 10 M-event demo).

// issueDay is one row of issue_days.sql.
type issueDay struct {
	day     uint32 // YYYYMMDD
	raised  uint32
	commune uint16 // communeIndex
	topic   uint8  // issueDays.topics
	primary bool
}

// issueDays is issue_days.sql's answer, sorted by day.
type issueDays struct {
	rows []issueDay
	communeIndex
	topics communeIndex // numbers topics the way communeIndex numbers communes
}

// issueDays returns the rows of dialogue_issues_daily, kept until that
// table changes; ok is false while the kept rows are of an older version
// (see snapshotCache.current) and with snapshots off, for the caller to
// ask ClickHouse.
func (s *Server) issueDays(ctx context.Context) (*issueDays, bool, error) {
	v, ok, err := s.currentSnapshot(ctx, "dialogue_issues_daily", "issue days", func(ctx context.Context) (any, error) {
		return s.loadIssueDays(ctx)
	})
	if !ok || err != nil {
		return nil, ok, err
	}
	return v.(*issueDays), true, nil
}

func (s *Server) loadIssueDays(ctx context.Context) (*issueDays, error) {
	rows, done, err := s.openRows(ctx, "issue_days")
	if err != nil {
		return nil, err
	}
	defer done()
	out := &issueDays{}
	var commune, topic string
	var primary uint8
	var raised uint64
	var x issueDay
	for rows.Next() {
		if err := rows.Scan(&x.day, &commune, &topic, &primary, &raised); err != nil {
			return nil, fmt.Errorf("query issue_days: scan: %w", err)
		}
		if raised > 1<<32-1 {
			return nil, fmt.Errorf("query issue_days: %d issues on one day in %s does not fit", raised, commune)
		}
		x.raised, x.primary = uint32(raised), primary == 1
		var t uint16
		if x.commune, err = out.id(commune); err == nil {
			t, err = out.topics.id(topic)
		}
		if err == nil && t > 255 {
			err = fmt.Errorf("more than 256 topics")
		}
		if err != nil {
			return nil, fmt.Errorf("query issue_days: %w", err)
		}
		x.topic = uint8(t)
		out.rows = append(out.rows, x)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("query issue_days: %w", err)
	}
	if !sort.SliceIsSorted(out.rows, func(i, j int) bool { return out.rows[i].day < out.rows[j].day }) {
		sort.SliceStable(out.rows, func(i, j int) bool { return out.rows[i].day < out.rows[j].day })
	}
	return out, nil
}

// sum returns dialogue_issues_grouped.sql's answer grouped by time bucket:
// the issues raised in f's period and communes (with scope sc), of f's
// topic (or each issue once, under its first topic, without one), per
// bucket of f.Granularity, sorted by bucket.
func (d *issueDays) sum(f Filter, sc Scope) []CountRow {
	allowed := d.allowed(f.communes(sc))
	topic, ok := d.topics.want(f.Topic)
	out := []CountRow{}
	if !ok {
		return out
	}
	from, to := yyyymmdd(f.From), yyyymmdd(f.To)
	lo, _ := slices.BinarySearchFunc(d.rows, from, func(r issueDay, t uint32) int { return cmpUint32(r.day, t) })
	buckets := bucketKeys{granularity: f.Granularity}
	for i := lo; i < len(d.rows) && d.rows[i].day <= to; i++ {
		r := &d.rows[i]
		if allowed != nil && !allowed[r.commune] || topic >= 0 && int(r.topic) != topic || topic < 0 && !r.primary {
			continue
		}
		// Rows come by day, so a bucket's rows are together.
		key := buckets.of(r.day)
		if n := len(out); n == 0 || out[n-1].Key != key {
			out = append(out, CountRow{Key: key})
		}
		out[len(out)-1].Count += uint64(r.raised)
	}
	return out
}
