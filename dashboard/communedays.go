package dashboard

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"
	"time"
)

// The commune roll-ups (feedback_commune_daily and _monthly) answer every
// feedback figure without a topic or channel filter: about half of the
// indicator requests. Their daily table is small (one row per day and
// commune with feedback: ~106,000 rows for two years of Hà Tĩnh), so the
// dashboard keeps it whole in memory until it changes, like the
// commitments and models, and sums a request's rows in Go instead of
// sending ClickHouse a query. The answers are those of
// feedback_rollup_grouped.sql and feedback_figures.sql on that table.

// communeDay is one day's figures in one commune. day is yyyymmdd and
// commune an index into communeDays.codes.
type communeDay struct {
	day     uint32
	commune uint16
	n       [nCommuneCounts]uint64
	sum, sq float64 // sentiment_sum, sentiment_sq
}

// The counts of a communeDay, in commune_days.sql's order.
const (
	cReceived = iota
	cNegative
	cPositive
	cScored
	cDue
	cDone
	cDoneInTime
	cAnswered
	cAnsweredKnown
	cAnsweredInTime
	cResolved
	cReopened
	nCommuneCounts
)

// communeDays is commune_days.sql's answer, sorted by day.
type communeDays struct {
	rows []communeDay
	communeIndex
}

// communeIndex numbers the communes of a snapshot (commitStates,
// communeDays), so that its rows hold a 2-byte index instead of the code.
type communeIndex struct {
	codes []string          // by index
	index map[string]uint16 // by code
}

// id returns code's index, numbering it when it is new.
func (x *communeIndex) id(code string) (uint16, error) {
	if c, ok := x.index[code]; ok {
		return c, nil
	}
	if len(x.codes) > math.MaxUint16 {
		return 0, errors.New("more than 65,536 communes")
	}
	if x.index == nil {
		x.index = map[string]uint16{}
	}
	c := uint16(len(x.codes))
	x.index[code] = c
	x.codes = append(x.codes, code)
	return c, nil
}

// allowed returns, per index, whether the code is in list; nil when not
// restricted (every code allowed).
func (x *communeIndex) allowed(list []string, restricted bool) []bool {
	if !restricted {
		return nil
	}
	out := make([]bool, len(x.codes))
	for _, c := range list {
		if i, ok := x.index[c]; ok {
			out[i] = true
		}
	}
	return out
}

// want returns code's index for a filter: -1 for "" (any), and ok false
// when the code is not numbered (nothing matches).
func (x *communeIndex) want(code string) (i int, ok bool) {
	if code == "" {
		return -1, true
	}
	n, ok := x.index[code]
	return int(n), ok
}

// countsDest returns the scan destinations of a snapshot row's counts
// and sentiment sums, in commune_days.sql's (and cell_months.sql's) order.
func countsDest(n *[nCommuneCounts]uint64, sum, sq *float64) []any {
	var dest []any
	for i := cReceived; i <= cScored; i++ {
		dest = append(dest, &n[i])
	}
	dest = append(dest, sum, sq)
	for i := cDue; i < nCommuneCounts; i++ {
		dest = append(dest, &n[i])
	}
	return dest
}

// communeDays returns the rows of feedback_commune_daily, kept until that
// table changes; ok is false while the kept rows are of an older version
// (see snapshotCache.current), for the caller to ask ClickHouse.
func (s *Server) communeDays(ctx context.Context) (*communeDays, bool, error) {
	v, ok, err := s.currentSnapshot(ctx, "feedback_commune_daily", "commune days", func(ctx context.Context) (any, error) {
		return s.loadCommuneDays(ctx)
	})
	if !ok || err != nil {
		return nil, ok, err
	}
	return v.(*communeDays), true, nil
}

// fromCommuneDays reports whether the commune roll-up tbl is answered
// from communeDays: with snapshots on.
func (s *Server) fromCommuneDays(tbl string) bool {
	return s.snapshots != nil && strings.HasPrefix(tbl, "feedback_commune_")
}

// loadCommuneDays reads commune_days.sql. It scans the rows itself rather
// than through fetch's generic rows: ~106,000 rows of 16 columns.
func (s *Server) loadCommuneDays(ctx context.Context) (*communeDays, error) {
	out := &communeDays{}
	rows, done, err := s.openRows(ctx, "commune_days")
	if err != nil {
		return nil, err
	}
	defer done()
	var commune string
	var x communeDay
	dest := append([]any{&x.day, &commune}, countsDest(&x.n, &x.sum, &x.sq)...)
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return nil, fmt.Errorf("query commune_days: scan: %w", err)
		}
		if x.commune, err = out.id(commune); err != nil {
			return nil, fmt.Errorf("query commune_days: %w", err)
		}
		out.rows = append(out.rows, x)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("query commune_days: %w", err)
	}
	// The query sorts by day; sorting again costs little and does not
	// depend on it.
	if !sort.SliceIsSorted(out.rows, func(i, j int) bool { return out.rows[i].day < out.rows[j].day }) {
		sort.SliceStable(out.rows, func(i, j int) bool { return out.rows[i].day < out.rows[j].day })
	}
	return out, nil
}

// communeSums are the summed figures of one key.
type communeSums struct {
	key     string
	n       [nCommuneCounts]uint64
	sum, sq float64
}

// sum sums the rows of f's period and communes (with scope sc)
// per key of by ("bucket" by f.Granularity, "commune" or "total"), sorted
// by key: the rows feedback_figures.sql returns on a commune roll-up.
func (d *communeDays) sum(f Filter, sc Scope, by string) []communeSums {
	allowed := d.allowed(f.communes(sc))
	from, to := yyyymmdd(f.From), yyyymmdd(f.To)
	lo, _ := slices.BinarySearchFunc(d.rows, from, func(r communeDay, t uint32) int { return cmpUint32(r.day, t) })
	acc := sumsByKey{}
	buckets := bucketKeys{granularity: f.Granularity}
	for i := lo; i < len(d.rows) && d.rows[i].day <= to; i++ {
		r := &d.rows[i]
		if allowed != nil && !allowed[r.commune] {
			continue
		}
		var key string
		switch by {
		case "bucket":
			key = buckets.of(r.day)
		case "commune":
			key = d.codes[r.commune]
		case "total":
		default:
			panic("dashboard: unknown grouping " + by)
		}
		addSums(acc, key, &r.n, r.sum, r.sq)
	}
	return acc.sorted()
}

// sumsByKey accumulates the figures of snapshot rows per key.
type sumsByKey map[string]*communeSums

// addSums adds one row's counts and sentiment sums to key's in m.
func addSums[T uint32 | uint64](m sumsByKey, key string, n *[nCommuneCounts]T, sum, sq float64) {
	a := m[key]
	if a == nil {
		a = &communeSums{key: key}
		m[key] = a
	}
	for j, v := range n {
		a.n[j] += uint64(v)
	}
	a.sum += sum
	a.sq += sq
}

// sorted returns m's sums sorted by key.
func (m sumsByKey) sorted() []communeSums {
	out := make([]communeSums, 0, len(m))
	for _, a := range m {
		out = append(out, *a)
	}
	slices.SortFunc(out, func(a, b communeSums) int { return strings.Compare(a.key, b.key) })
	return out
}

func cmpUint32(a, b uint32) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// bucketKeys gives the bucketKey of days that come in order, computing
// it once per run of equal days.
type bucketKeys struct {
	granularity string
	day         uint32
	key         string
}

func (b *bucketKeys) of(day uint32) string {
	if day != b.day || b.key == "" {
		b.day, b.key = day, bucketKey(b.granularity, day)
	}
	return b.key
}

// bucketKey is bucketOf's key of the day yyyymmdd in Go: the first day of
// its week (Monday), month or quarter, or the day, as YYYY-MM-DD.
func bucketKey(granularity string, day uint32) string {
	t := time.Date(int(day/10000), time.Month(day/100%100), int(day%100), 0, 0, 0, 0, time.UTC)
	switch granularity {
	case "week":
		t = t.AddDate(0, 0, -((int(t.Weekday()) + 6) % 7))
	case "month":
		t = time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC)
	case "quarter":
		t = time.Date(t.Year(), time.Month((int(t.Month())-1)/3*3+1), 1, 0, 0, 0, 0, time.UTC)
	}
	return t.Format("2006-01-02")
}

// feedbackRow is x's feedback counts, keyed; withSentiment adds the rest.
func (x communeSums) feedbackRow() FeedbackRow {
	return FeedbackRow{Key: x.key, Received: x.n[cReceived], Negative: x.n[cNegative], Positive: x.n[cPositive], Scored: x.n[cScored]}
}
