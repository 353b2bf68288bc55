package dashboard

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"
	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"dvpulse/event"
)

// The data sets below are what pages, charts, JSON and CSV all show. Each
// is a slice of structs whose json tags name the JSON fields and the CSV
// columns.

// FeedbackRow is feedback volume and sentiment for one key: a time bucket,
// a topic or a commune.
type FeedbackRow struct {
	Key           string   `json:"key"`
	Label         string   `json:"label"`
	Received      uint64   `json:"received"`
	Scored        uint64   `json:"scored"`
	Negative      uint64   `json:"negative"`
	Positive      uint64   `json:"positive"`
	NegativeShare *float64 `json:"negative_share"`
	Index         *float64 `json:"sentiment_index"`
	IndexLow      *float64 `json:"sentiment_index_low"`
	IndexHigh     *float64 `json:"sentiment_index_high"`
}

func ratio(a, b uint64) *float64 {
	if b == 0 {
		return nil
	}
	r := float64(a) / float64(b)
	return &r
}

func fptr(x float64) *float64 { return &x }

// query runs a named query with its placeholders filled and scans every
// row with scan.
func (s *Server) query(ctx context.Context, name string, vars map[string]string, args []any, scan func(r scanner) error) error {
	if s.cache == nil && s.results != nil {
		return s.queryVersioned(ctx, name, vars, args, scan)
	}
	return s.queryVia(ctx, s.cache, name, vars, args, scan)
}

// queryDirect is query straight from ClickHouse, past every cache.
func (s *Server) queryDirect(ctx context.Context, name string, vars map[string]string, args []any, scan func(r scanner) error) error {
	return s.queryVia(ctx, nil, name, vars, args, scan)
}

// tableVersions returns every table's version (see tableVersions).
func (s *Server) tableVersions(ctx context.Context) (map[string]string, error) {
	return s.versions.get(ctx, func(ctx context.Context) (map[string]string, error) {
		m := map[string]string{}
		// Not through a cache: the versions must be read afresh.
		err := s.queryDirect(ctx, "table_version", nil, nil, func(r scanner) error {
			var t, v string
			if err := r.Scan(&t, &v); err != nil {
				return err
			}
			m[t] = v
			return nil
		})
		return m, err
	})
}

// tablesRe finds the tables a dashboard query reads: every name after FROM
// or JOIN (the queries are this package's files, their placeholders filled
// with whitelisted SQL).
var tablesRe = regexp.MustCompile(`(?i)\b(?:FROM|JOIN)\s+([A-Za-z_][A-Za-z0-9_]*)\b`)

// queryVersioned is query through the result cache: the rows of an
// identical query (same SQL and bound values) are reused while none of the
// tables it reads has changed, so an answer is never more than
// Config.VersionReuse older than the tables.
func (s *Server) queryVersioned(ctx context.Context, name string, vars map[string]string, args []any, scan func(r scanner) error) error {
	sql, ok := s.queries[name]
	if !ok {
		panic("dashboard: no query " + name)
	}
	sql = fillSQL(sql, vars)
	versions, err := s.tableVersions(ctx)
	if err != nil {
		return fmt.Errorf("query %s: table versions: %w", name, err)
	}
	var key strings.Builder
	key.WriteString(cacheKey(sql, args))
	for _, m := range tablesRe.FindAllStringSubmatch(sql, -1) {
		key.WriteString("\x00" + m[1] + "@" + versions[m[1]])
	}
	return s.cachedQuery(ctx, s.results, key.String(), name, sql, args, scan)
}

// cachedQuery scans the rows of sql kept under key in c, running it once
// when they are not there.
func (s *Server) cachedQuery(ctx context.Context, c *queryCache, key, name, sql string, args []any, scan func(r scanner) error) error {
	cached, err := c.rows(ctx, key, func(ctx context.Context) ([]cachedRow, error) {
		return s.fetch(ctx, sql, args)
	})
	if err != nil {
		return fmt.Errorf("query %s: %w", name, err)
	}
	for _, r := range cached {
		if err := scan(r); err != nil {
			return fmt.Errorf("query %s: scan: %w", name, err)
		}
	}
	return nil
}

// queryVia is query through cache c (nil: straight to ClickHouse).
func (s *Server) queryVia(ctx context.Context, c *queryCache, name string, vars map[string]string, args []any, scan func(r scanner) error) error {
	sql, ok := s.queries[name]
	if !ok {
		panic("dashboard: no query " + name)
	}
	sql = fillSQL(sql, vars)
	if c != nil {
		return s.cachedQuery(ctx, c, cacheKey(sql, args), name, sql, args, scan)
	}
	// The rows are read whole before they are scanned: the query's slot
	// (see gate) is free again before scan runs, whatever scan does.
	all, err := s.fetch(ctx, sql, args)
	if err != nil {
		return fmt.Errorf("query %s: %w", name, err)
	}
	for _, r := range all {
		if err := scan(r); err != nil {
			return fmt.Errorf("query %s: scan: %w", name, err)
		}
	}
	return nil
}

// fetch runs sql in a query slot (see gate) and returns all its rows.
func (s *Server) fetch(ctx context.Context, sql string, args []any) ([]cachedRow, error) {
	release, err := s.slot(ctx)
	if err != nil {
		return nil, err
	}
	defer release()
	rows, err := s.conn.Query(s.querySettings(ctx), sql, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	return readRows(rows)
}

// openRows runs the named query in a query slot (see gate) and returns
// its rows, for loaders of big snapshots that scan them themselves rather
// than through fetch's generic rows; done closes the rows and frees the
// slot.
func (s *Server) openRows(ctx context.Context, name string, args ...any) (rows driver.Rows, done func(), err error) {
	release, err := s.slot(ctx)
	if err != nil {
		return nil, nil, err
	}
	rows, err = s.conn.Query(s.querySettings(ctx), s.queries[name], args...)
	if err != nil {
		release()
		return nil, nil, fmt.Errorf("query %s: %w", name, err)
	}
	return rows, func() { rows.Close(); release() }, nil
}

// slot waits for a free query slot (Config.MaxQueries, see gate) and
// returns its release; without a limit it returns at once.
func (s *Server) slot(ctx context.Context) (func(), error) {
	if s.gate == nil {
		return func() {}, nil
	}
	return s.gate.acquire(ctx, startOf(ctx))
}

// querySettings returns ctx with the ClickHouse settings of Config for
// the dashboard's queries: use_uncompressed_cache unless
// NoUncompressedCache, and max_threads when QueryThreads > 0.
func (s *Server) querySettings(ctx context.Context) context.Context {
	set := clickhouse.Settings{}
	if !s.cfg.NoUncompressedCache {
		set["use_uncompressed_cache"] = 1
	}
	if s.cfg.QueryThreads > 0 {
		set["max_threads"] = s.cfg.QueryThreads
	}
	if len(set) == 0 {
		return ctx
	}
	return clickhouse.Context(ctx, clickhouse.WithSettings(set))
}

// scanner is one result row.
type scanner = interface{ Scan(...any) error }

// collect runs a named query and returns one T per row, filled by scan.
// The slice is never nil, so an empty result encodes as [].
func collect[T any](ctx context.Context, s *Server, name string, vars map[string]string, args []any, scan func(r scanner, x *T) error) ([]T, error) {
	out := []T{}
	err := s.query(ctx, name, vars, args, func(r scanner) error {
		var x T
		if err := scan(r, &x); err != nil {
			return err
		}
		out = append(out, x)
		return nil
	})
	return out, err
}

// keyExpr whitelists the grouping keys of the *_grouped queries.
func keyExpr(by string, f Filter, date string) string {
	switch by {
	case "bucket":
		return bucketOf(f.Granularity, date)
	case "topic":
		return "topic"
	case "commune":
		return "commune_code"
	case "total":
		return "''"
	}
	panic("dashboard: unknown grouping " + by)
}

// rollup returns the table (and how filters apply to it) that answers a
// feedback, due or flow query of f in scope sc grouped by by with the
// fewest rows read, among the roll-ups of migrations 0003, 0006 and 0008:
// by commune (feedback_commune_*) when there is no topic or channel filter
// and no topic grouping; by topic and channel (feedback_topic_channel_*,
// no commune column) for the others over the whole province not grouped
// by commune; else the cells (topic × channel × commune,
// feedback_cell_*). Each is read by month (*_monthly) when the period is
// whole months and the query needs no finer time than a month, else by day
// (*_daily). Every roll-up holds the same sums as the 0002 daily tables,
// so the answer is the same.
func (s *Server) rollup(f Filter, sc Scope, by string) (string, table) {
	_, restricted := f.communes(sc)
	wide := !restricted && by != "commune"
	per := "_daily"
	if !s.cfg.NoMonthly && wholeMonths(f, by) {
		per = "_monthly"
	}
	switch {
	case by == "topic" && wide:
		return "feedback_topic_channel" + per, tRollTCCells
	case by == "topic":
		return "feedback_cell" + per, tRollCells
	case f.Topic == "" && f.Channel == "":
		return "feedback_commune" + per, tRollCommune
	case wide:
		return "feedback_topic_channel" + per, tRollTC
	}
	return "feedback_cell" + per, tRollCell
}

// wholeMonths reports whether a monthly roll-up (day = the month's first
// day) answers f grouped by by exactly: f's period runs from a month's
// first day to a month's last, so it holds whole months only, and the
// grouping is not by day or week.
func wholeMonths(f Filter, by string) bool {
	if f.From.Day() != 1 || f.To.AddDate(0, 0, 1).Day() != 1 {
		return false
	}
	return by != "bucket" || f.Granularity == "month" || f.Granularity == "quarter"
}

// feedbackGrouped returns feedback volume and sentiment grouped by "bucket",
// "topic", "commune" or "total".
func (s *Server) feedbackGrouped(ctx context.Context, f Filter, sc Scope, by string) ([]FeedbackRow, error) {
	tbl, t := s.rollup(f, sc, by)
	out := []FeedbackRow{}
	if sums, kept, err := s.keptSums(ctx, tbl, t, f, sc, by); kept {
		if err != nil {
			return out, err
		}
		for _, x := range sums {
			// HAVING received > 0, as feedback_rollup_grouped.sql.
			if x.n[cReceived] > 0 {
				out = append(out, withSentiment(x.feedbackRow(), x.sum, x.sq))
			}
		}
		return out, nil
	}
	w := cond(f, sc, t)
	err := s.query(ctx, "feedback_rollup_grouped", map[string]string{"key": keyExpr(by, f, "day"), "where": w.String(), "rollup": tbl}, w.args,
		func(r scanner) error {
			var x FeedbackRow
			var sum, sq float64
			if err := r.Scan(&x.Key, &x.Received, &x.Negative, &x.Positive, &x.Scored, &sum, &sq); err != nil {
				return err
			}
			out = append(out, withSentiment(x, sum, sq))
			return nil
		})
	return out, err
}

// keptSums returns the sums of the roll-up tbl's rows of f and sc grouped
// by by, when tbl is kept in memory (communeDays, cellMonths): the rows
// feedback_rollup_grouped.sql and feedback_figures.sql would return.
// kept is false when tbl is read from ClickHouse instead.
func (s *Server) keptSums(ctx context.Context, tbl string, t table, f Filter, sc Scope, by string) (sums []communeSums, kept bool, err error) {
	switch {
	case s.fromCommuneDays(tbl):
		d, ok, err := s.communeDays(ctx)
		if !ok || err != nil {
			return nil, ok, err
		}
		return d.sum(f, sc, by), true, nil
	case s.fromCellMonths(tbl):
		m, ok, err := s.cellMonths(ctx)
		if !ok || err != nil {
			return nil, ok, err
		}
		return m.sum(f, sc, t, by), true, nil
	}
	return nil, false, nil
}

// withSentiment sets x's negative share and sentiment index (the mean
// score with its 95 % band) from the sum and the sum of squares of the
// scores.
func withSentiment(x FeedbackRow, sum, sq float64) FeedbackRow {
	x.NegativeShare = ratio(x.Negative, x.Scored)
	if x.Scored > 0 {
		n := float64(x.Scored)
		mean := sum / n
		sd := math.Sqrt(math.Max(sq/n-mean*mean, 0))
		half := 1.96 * sd / math.Sqrt(n)
		x.Index, x.IndexLow, x.IndexHigh = fptr(mean), fptr(mean-half), fptr(mean+half)
	}
	return x
}

// fillBuckets returns rows for every bucket of the period, with zero rows
// where the query had none, so charts show gaps as zeros.
func fillBuckets[T any](f Filter, rows []T, key func(*T) string, zero func(string) T) []T {
	have := map[string]T{}
	for _, r := range rows {
		have[key(&r)] = r
	}
	var out []T
	for _, b := range bucketStarts(f) {
		if r, ok := have[b]; ok {
			out = append(out, r)
		} else {
			out = append(out, zero(b))
		}
	}
	return out
}

// bucketStarts lists the first day of every bucket that overlaps f's
// period, as YYYY-MM-DD; at most 5000.
func bucketStarts(f Filter) []string {
	start := f.From
	switch f.Granularity {
	case "week":
		start = start.AddDate(0, 0, -((int(start.Weekday()) + 6) % 7))
	case "month":
		start = time.Date(start.Year(), start.Month(), 1, 0, 0, 0, 0, Hanoi)
	case "quarter":
		start = time.Date(start.Year(), time.Month((int(start.Month())-1)/3*3+1), 1, 0, 0, 0, 0, Hanoi)
	}
	var out []string
	for t := start; !t.After(f.To) && len(out) < 5000; {
		out = append(out, t.Format("2006-01-02"))
		switch f.Granularity {
		case "week":
			t = t.AddDate(0, 0, 7)
		case "month":
			t = t.AddDate(0, 1, 0)
		case "quarter":
			t = t.AddDate(0, 3, 0)
		default:
			t = t.AddDate(0, 0, 1)
		}
	}
	return out
}

// DueRow is resolution and deadline figures for one key.
type DueRow struct {
	Key            string   `json:"key"`
	Label          string   `json:"label"`
	Due            uint64   `json:"due"`
	Done           uint64   `json:"done"`
	DoneInTime     uint64   `json:"done_in_time"`
	ResolutionRate *float64 `json:"resolution_rate"`
}

// FlowRow is answers, resolutions and reopenings for one key.
type FlowRow struct {
	Key            string   `json:"key"`
	Answered       uint64   `json:"answered"`
	AnsweredKnown  uint64   `json:"answered_known"`
	AnsweredInTime uint64   `json:"answered_in_time"`
	Resolved       uint64   `json:"resolved"`
	Reopened       uint64   `json:"reopened"`
	InDeadline     *float64 `json:"in_deadline_share"`
	ReopenRate     *float64 `json:"reopen_rate"`
}

// feedbackFigures returns, grouped by "total" or "commune" (or "bucket"),
// feedback volume and sentiment, due figures and flow in one query: what
// feedbackGrouped, and the due and flow figures, would return. Keys
// without feedback are left out of the feedback rows, and keys without due
// or done cases out of the due rows (the flow rows of a key with none are
// all zero, as a missing key reads).
func (s *Server) feedbackFigures(ctx context.Context, f Filter, sc Scope, by string) ([]FeedbackRow, map[string]DueRow, map[string]FlowRow, error) {
	tbl, t := s.rollup(f, sc, by)
	fb, due, flow := []FeedbackRow{}, map[string]DueRow{}, map[string]FlowRow{}
	add := func(x FeedbackRow, sum, sq float64, d DueRow, fl FlowRow) {
		if x.Received > 0 {
			fb = append(fb, withSentiment(x, sum, sq))
		}
		if d.Due > 0 || d.Done > 0 {
			d.Key = x.Key
			d.ResolutionRate = ratio(d.Done, d.Due)
			due[x.Key] = d
		}
		fl.Key = x.Key
		fl.InDeadline = ratio(fl.AnsweredInTime, fl.AnsweredKnown)
		fl.ReopenRate = ratio(fl.Reopened, fl.Resolved)
		flow[x.Key] = fl
	}
	if sums, kept, err := s.keptSums(ctx, tbl, t, f, sc, by); kept {
		if err != nil {
			return fb, due, flow, err
		}
		for _, x := range sums {
			add(x.feedbackRow(), x.sum, x.sq,
				DueRow{Due: x.n[cDue], Done: x.n[cDone], DoneInTime: x.n[cDoneInTime]},
				FlowRow{Answered: x.n[cAnswered], AnsweredKnown: x.n[cAnsweredKnown], AnsweredInTime: x.n[cAnsweredInTime],
					Resolved: x.n[cResolved], Reopened: x.n[cReopened]})
		}
		return fb, due, flow, nil
	}
	w := cond(f, sc, t)
	err := s.query(ctx, "feedback_figures", map[string]string{"key": keyExpr(by, f, "day"), "where": w.String(), "rollup": tbl}, w.args,
		func(r scanner) error {
			var x FeedbackRow
			var sum, sq float64
			var d DueRow
			var fl FlowRow
			if err := r.Scan(&x.Key, &x.Received, &x.Negative, &x.Positive, &x.Scored, &sum, &sq,
				&d.Due, &d.Done, &d.DoneInTime,
				&fl.Answered, &fl.AnsweredKnown, &fl.AnsweredInTime, &fl.Resolved, &fl.Reopened); err != nil {
				return err
			}
			add(x, sum, sq, d, fl)
			return nil
		})
	return fb, due, flow, err
}

// DialogueHost is one host's dialogues in one month.
type DialogueHost struct {
	Month        string `json:"month"`
	Commune      string `json:"commune_code"`
	CommuneName  string `json:"commune_name"`
	HostLevel    string `json:"host_level"`
	HostRole     string `json:"host_role"`
	Held         uint64 `json:"held"`
	Participants uint64 `json:"participants"`
	Days         uint64 `json:"reception_days"`
	RequiredDays uint64 `json:"required_days"`
	MeetsRule    bool   `json:"meets_rule"`
}

// requiredDays is the reception-day rule: provincial heads at least one
// day a month, commune heads at least two.
func requiredDays(level string) uint64 {
	if level == "commune" {
		return 2
	}
	return 1
}

// dialogueHosts returns every host's dialogues per month in f's period and
// scope. With snapshots on, every host's months are read once per version
// of dialogues_monthly (a few tens of thousands of rows) and filtered here,
// in the query's order.
func (s *Server) dialogueHosts(ctx context.Context, f Filter, sc Scope) ([]DialogueHost, error) {
	if s.snapshots == nil {
		return s.readDialogueHosts(ctx, s.query, cond(f, sc, tMonthly))
	}
	v, err := s.tableSnapshot(ctx, "dialogues_monthly", "dialogue_hosts", func(ctx context.Context) (any, error) {
		// Not through the query caches: this answer is what the snapshot
		// keeps.
		return s.readDialogueHosts(ctx, s.queryDirect, &where{})
	})
	if err != nil {
		return nil, err
	}
	// As cond with tMonthly: every month that overlaps the period.
	from := time.Date(f.From.Year(), f.From.Month(), 1, 0, 0, 0, 0, Hanoi).Format("2006-01-02")
	to := f.To.Format("2006-01-02")
	list, restricted := f.communes(sc)
	in := map[string]bool{}
	for _, c := range list {
		in[c] = true
	}
	// The snapshot is in month order (dialogues_hosts.sql): the period's
	// months are one run of it.
	all := v.([]DialogueHost)
	lo := sort.Search(len(all), func(i int) bool { return all[i].Month >= from })
	hi := sort.Search(len(all), func(i int) bool { return all[i].Month > to })
	if hi < lo {
		hi = lo
	}
	if !restricted {
		return slices.Clone(all[lo:hi:hi]), nil
	}
	out := []DialogueHost{}
	for _, x := range all[lo:hi] {
		if in[x.Commune] {
			out = append(out, x)
		}
	}
	return out, nil
}

// readDialogueHosts reads dialogues_hosts.sql under w with run (s.query,
// or s.queryDirect for an answer a snapshot keeps).
func (s *Server) readDialogueHosts(ctx context.Context, run func(context.Context, string, map[string]string, []any, func(scanner) error) error, w *where) ([]DialogueHost, error) {
	out := []DialogueHost{}
	err := run(ctx, "dialogues_hosts", map[string]string{"where": w.String()}, w.args, func(r scanner) error {
		var x DialogueHost
		if err := r.Scan(&x.Month, &x.Commune, &x.HostLevel, &x.HostRole, &x.Held, &x.Participants, &x.Days); err != nil {
			return err
		}
		x.RequiredDays = requiredDays(x.HostLevel)
		x.MeetsRule = x.Days >= x.RequiredDays
		out = append(out, x)
		return nil
	})
	return out, err
}

// CountRow is one count per key.
type CountRow struct {
	Key   string `json:"key"`
	Label string `json:"label"`
	Count uint64 `json:"count"`
}

func (s *Server) issuesGrouped(ctx context.Context, f Filter, sc Scope, by string) ([]CountRow, error) {
	if by == "bucket" {
		if d, ok, err := s.issueDays(ctx); err != nil {
			return []CountRow{}, err
		} else if ok {
			return d.sum(f, sc), nil
		}
	}
	w := cond(f, sc, tIssues)
	return collect(ctx, s, "dialogue_issues_grouped", map[string]string{"key": keyExpr(by, f, "day"), "where": w.String()}, w.args, func(r scanner, x *CountRow) error {
		return r.Scan(&x.Key, &x.Count)
	})
}

// CommitmentRow is commitments made in the period for one key.
type CommitmentRow struct {
	Key           string   `json:"key"`
	Label         string   `json:"label"`
	Made          uint64   `json:"made"`
	Fulfilled     uint64   `json:"fulfilled"`
	InTime        uint64   `json:"fulfilled_in_time"`
	Overdue       uint64   `json:"overdue"`
	FulfilledRate *float64 `json:"fulfilled_share"`
}

func (s *Server) commitmentsGrouped(ctx context.Context, f Filter, sc Scope, by string) ([]CommitmentRow, error) {
	now := uint32(s.now().Unix())
	if (s.snapshots != nil || s.cache != nil) && (by == "total" || by == "commune") {
		return s.commitmentsFromState(ctx, f, sc, by, now)
	}
	w := cond(f, sc, tCommit)
	args := append([]any{now}, w.args...)
	return collect(ctx, s, "commitments_grouped", map[string]string{"key": keyExpr(by, f, "toDate(made_at)"), "where": w.String()}, args, func(r scanner, x *CommitmentRow) error {
		if err := r.Scan(&x.Key, &x.Made, &x.Fulfilled, &x.InTime, &x.Overdue); err != nil {
			return err
		}
		x.FulfilledRate = ratio(x.Fulfilled, x.Made)
		return nil
	})
}

// tableSnapshot returns load's answer, which depends only on table's
// contents, kept until the table changes (snapshotCache). Without
// snapshots it goes through the ttl query cache when that is on, and
// otherwise runs load.
func (s *Server) tableSnapshot(ctx context.Context, table, key string, load func(context.Context) (any, error)) (any, error) {
	if s.snapshots == nil {
		if s.cache != nil {
			return s.cache.value(ctx, key, load)
		}
		return load(ctx)
	}
	versions, err := s.tableVersions(ctx)
	if err != nil {
		return nil, err
	}
	version := versions[table]
	return s.snapshots.value(ctx, key, version, load)
}

// currentSnapshot is tableSnapshot for big snapshots whose users have
// another way to answer (see snapshotCache.current): ok false means the
// kept answer is of an older version of table, being replaced, or that
// snapshots are off.
func (s *Server) currentSnapshot(ctx context.Context, table, key string, load func(context.Context) (any, error)) (v any, ok bool, err error) {
	if s.snapshots == nil {
		return nil, false, nil
	}
	versions, err := s.tableVersions(ctx)
	if err != nil {
		return nil, false, err
	}
	return s.snapshots.current(ctx, key, versions[table], load)
}

// commitState is the commitments made on one day in one commune with the
// same fulfilled, in-time and open-due values, and how many. day is
// yyyymmdd and commune an index into commitStates.codes, so that
// counting a filter's rows in Go (once per request) walks 16-byte values.
type commitState struct {
	day       uint32
	openDue   uint32
	n         uint32
	commune   uint16
	fulfilled uint8
	inTime    int8
}

// commitStates is commitments_state.sql's answer, sorted by day.
type commitStates struct {
	rows []commitState
	communeIndex
}

// yyyymmdd is t's day as the number YYYYMMDD (ClickHouse's toYYYYMMDD).
func yyyymmdd(t time.Time) uint32 {
	return uint32(t.Year()*10000 + int(t.Month())*100 + t.Day())
}

// commitmentStates returns the rows of commitments_state sorted by day,
// kept until the commitments table changes (or, without snapshots, by the
// query cache for its ttl).
func (s *Server) commitmentStates(ctx context.Context) (*commitStates, error) {
	v, err := s.tableSnapshot(ctx, "commitments", "commitment states", func(ctx context.Context) (any, error) {
		out := &commitStates{}
		// Not through the cache: this value is what it keeps.
		err := s.queryDirect(ctx, "commitments_state", nil, nil, func(r scanner) error {
			var commune string
			var x commitState
			var n uint64
			if err := r.Scan(&x.day, &commune, &x.fulfilled, &x.inTime, &x.openDue, &n); err != nil {
				return err
			}
			if n > math.MaxUint32 {
				return fmt.Errorf("commitments_state: %d commitments on one row", n)
			}
			x.n = uint32(n)
			var err error
			if x.commune, err = out.id(commune); err != nil {
				return fmt.Errorf("commitments_state: %w", err)
			}
			out.rows = append(out.rows, x)
			return nil
		})
		sort.Slice(out.rows, func(i, j int) bool { return out.rows[i].day < out.rows[j].day })
		return out, err
	})
	states, _ := v.(*commitStates)
	if states == nil {
		states = &commitStates{}
	}
	return states, err
}

// commitmentsFromState computes commitmentsGrouped's rows ("total" or
// "commune") from commitmentStates, one answer for every filter: the same
// conditions as commitments_grouped.sql, applied in Go.
func (s *Server) commitmentsFromState(ctx context.Context, f Filter, sc Scope, by string, now uint32) ([]CommitmentRow, error) {
	states, err := s.commitmentStates(ctx)
	if err != nil {
		return nil, err
	}
	from, to := yyyymmdd(f.From), yyyymmdd(f.To)
	list, restricted := f.communes(sc)
	allowed := make([]bool, len(states.codes))
	for i, c := range states.codes {
		allowed[i] = !restricted || slices.Contains(list, c)
	}
	perCommune := by == "commune"
	groups := make([]CommitmentRow, len(states.codes))
	seen := make([]bool, len(states.codes))
	rows := states.rows
	first := sort.Search(len(rows), func(i int) bool { return rows[i].day >= from })
	for _, x := range rows[first:] {
		if x.day > to {
			break
		}
		if !allowed[x.commune] {
			continue
		}
		k := 0
		if perCommune {
			k = int(x.commune)
		}
		seen[k] = true
		g := &groups[k]
		n := uint64(x.n)
		g.Made += n
		if x.fulfilled == 1 {
			g.Fulfilled += n
		}
		if x.inTime == 1 {
			g.InTime += n
		}
		if x.fulfilled == 0 && x.openDue > 0 && x.openDue < now {
			g.Overdue += n
		}
	}
	out := []CommitmentRow{}
	for i := range groups {
		if !seen[i] {
			continue
		}
		g := groups[i]
		if perCommune {
			g.Key = states.codes[i]
		}
		g.FulfilledRate = ratio(g.Fulfilled, g.Made)
		out = append(out, g)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out, nil
}

// ModelRow is models for one key (field, commune or year).
type ModelRow struct {
	Key          string `json:"key"`
	Label        string `json:"label"`
	Registered   uint64 `json:"registered"`
	Recognized   uint64 `json:"recognized"`
	Effective    uint64 `json:"effective"`
	Replications uint64 `json:"replications"`
	// Population of the commune (rows by commune, where one was imported
	// with `dvpulse population import`) and the models registered per
	// 10,000 people.
	Population     *uint64  `json:"population,omitempty"`
	PerTenThousand *float64 `json:"registered_per_10k,omitempty"`
}

// population returns the population of every 2025 commune that has one
// (migration 0009), kept until the table changes.
func (s *Server) population(ctx context.Context) (map[string]uint64, error) {
	v, err := s.tableSnapshot(ctx, "locality_population", "population", func(ctx context.Context) (any, error) {
		m := map[string]uint64{}
		err := s.queryDirect(ctx, "population", nil, nil, func(r scanner) error {
			var code string
			var n uint64
			var year uint16
			if err := r.Scan(&code, &n, &year); err != nil {
				return err
			}
			m[code] = n
			return nil
		})
		return m, err
	})
	if err != nil {
		return nil, err
	}
	return v.(map[string]uint64), nil
}

// modelsGrouped returns the models in f's scope registered up to f's
// year, grouped by "field", "commune", "year" or "total".
func (s *Server) modelsGrouped(ctx context.Context, f Filter, sc Scope, by string) ([]ModelRow, error) {
	g, err := s.modelsGroupings(ctx, f, sc, by)
	if err != nil {
		return nil, err
	}
	return g[0], nil
}

// modelsGroupings is modelsGrouped for several groupings at once, from
// one pass over the snapshot of per-cell counts (field × commune ×
// registration year, kept until the models table changes).
func (s *Server) modelsGroupings(ctx context.Context, f Filter, sc Scope, bys ...string) ([][]ModelRow, error) {
	v, err := s.tableSnapshot(ctx, "models", "model cells", func(ctx context.Context) (any, error) {
		cells := []modelCell{}
		// Not through the ttl cache: this answer is what the snapshot keeps.
		err := s.queryDirect(ctx, "models_cells", nil, nil, func(r scanner) error {
			var x modelCell
			if err := r.Scan(&x.field, &x.commune, &x.year, &x.Registered, &x.Recognized, &x.Effective, &x.Replications); err != nil {
				return err
			}
			x.yearKey = strconv.Itoa(int(x.year))
			cells = append(cells, x)
			return nil
		})
		return cells, err
	})
	if err != nil {
		return nil, err
	}
	cells, _ := v.([]modelCell)
	list, restricted := f.communes(sc)
	var in map[string]bool
	if restricted {
		in = make(map[string]bool, len(list))
		for _, c := range list {
			in[c] = true
		}
	}
	last := uint16(f.To.Year())
	keys := make([]func(c *modelCell) string, len(bys))
	groups := make([]map[string]*ModelRow, len(bys))
	for i, by := range bys {
		switch by {
		case "field":
			keys[i] = func(c *modelCell) string { return c.field }
		case "commune":
			keys[i] = func(c *modelCell) string { return c.commune }
		case "year":
			keys[i] = func(c *modelCell) string { return c.yearKey }
		case "total":
			keys[i] = func(*modelCell) string { return "" }
		default:
			panic("dashboard: unknown models grouping " + by)
		}
		groups[i] = map[string]*ModelRow{}
	}
	for j := range cells {
		c := &cells[j]
		if c.year > last || restricted && !in[c.commune] {
			continue
		}
		for i, key := range keys {
			k := key(c)
			g := groups[i][k]
			if g == nil {
				g = &ModelRow{Key: k}
				groups[i][k] = g
			}
			addModels(g, c.ModelRow)
		}
	}
	out := make([][]ModelRow, len(bys))
	for i := range groups {
		out[i] = []ModelRow{}
		for _, g := range groups[i] {
			out[i] = append(out[i], *g)
		}
		sort.Slice(out[i], func(a, b int) bool { return out[i][a].Key < out[i][b].Key })
	}
	return out, nil
}

// modelCell is the models of one field, commune and registration year.
type modelCell struct {
	field, commune string
	year           uint16
	yearKey        string // year as a decimal string
	ModelRow
}

// Hotspot is a locality × topic cell whose last 24 h jump above its own
// 7-day baseline.
type Hotspot struct {
	Commune        string     `json:"commune_code"`
	CommuneName    string     `json:"commune_name"`
	Topic          string     `json:"topic"`
	TopicLabel     string     `json:"topic_label"`
	Recent         uint64     `json:"last_24h"`
	RecentNegative uint64     `json:"last_24h_negative"`
	Mean           float64    `json:"baseline_mean"`
	Sigma          float64    `json:"baseline_sigma"`
	Threshold      float64    `json:"threshold"`
	NegShare       *float64   `json:"last_24h_negative_share"`
	BaseNegShare   *float64   `json:"baseline_negative_share"`
	Reason         string     `json:"reason"`
	Drivers        []ListItem `json:"drivers"`
}

// hotspots returns the hot cells in the 24 h before the end of f's period
// (or now, whichever is earlier), most recent volume first.
func (s *Server) hotspots(ctx context.Context, f Filter, sc Scope, lang string) ([]Hotspot, time.Time, error) {
	ref := f.To.AddDate(0, 0, 1)
	if now := s.now(); now.Before(ref) {
		ref = now.Truncate(time.Hour).Add(time.Hour)
	}
	cells, err := s.hotCells(ctx, f, sc, uint32(ref.Unix()))
	if err != nil {
		return nil, ref, err
	}
	k := s.cfg.HotspotK
	out := []Hotspot{}
	for _, c := range cells {
		h := Hotspot{Commune: c.commune, Topic: c.topic, Recent: c.recent, RecentNegative: c.recentNeg}
		h.Mean = float64(c.base) / 7
		h.Sigma = math.Sqrt(math.Max(float64(c.baseSq)/7-h.Mean*h.Mean, 0))
		h.Threshold = h.Mean + k*h.Sigma
		h.NegShare = ratio(h.RecentNegative, h.Recent)
		h.BaseNegShare = ratio(c.baseNeg, c.base)
		if h.Recent < uint64(s.cfg.HotspotMinCount) {
			continue
		}
		volume := float64(h.Recent) > h.Threshold
		negative := false
		if h.NegShare != nil {
			p := 0.0
			if h.BaseNegShare != nil {
				p = *h.BaseNegShare
			}
			sigma := math.Sqrt(p * (1 - p) / float64(h.Recent))
			negative = *h.NegShare > p+k*sigma && h.RecentNegative >= uint64(s.cfg.HotspotMinCount)
		}
		switch {
		case volume && negative:
			h.Reason = "volume+negative"
		case volume:
			h.Reason = "volume"
		case negative:
			h.Reason = "negative"
		default:
			continue
		}
		out = append(out, h)
	}
	if len(out) > 20 {
		out = out[:20]
	}
	drivers, err := s.hotspotDrivers(ctx, out, sc, ref)
	if err != nil {
		return nil, ref, err
	}
	for i := range out {
		h := &out[i]
		h.CommuneName, h.TopicLabel = s.communeName(h.Commune), s.topicLabel(h.Topic, lang)
		h.Drivers = drivers[h.Commune+"|"+h.Topic]
		if h.Drivers == nil {
			h.Drivers = []ListItem{}
		}
	}
	return out, ref, nil
}

// hotspotDrivers returns, per cell commune|topic, the three most negative
// feedback of the cell in the 24 h before ref (topic "" is feedback without
// topics), from one query for all cells: the list each cell would get from
// feedbackItems with that commune and topic, order "score", limit 3.
func (s *Server) hotspotDrivers(ctx context.Context, hs []Hotspot, sc Scope, ref time.Time) (map[string][]ListItem, error) {
	out := map[string][]ListItem{}
	if len(hs) == 0 {
		return out, nil
	}
	// Cells outside the scope (none come from hotspots) get no drivers, so
	// that the ids read for a cell never depend on the scope.
	var cells []string
	for _, h := range hs {
		if sc.Communes == nil || slices.Contains(sc.Communes, h.Commune) {
			cells = append(cells, h.Commune+"|"+h.Topic)
		}
	}
	r := uint32(ref.Unix())
	// With snapshots on, the ids of cells read before under feedback_index's
	// current version are kept (hotDrivers); only the others are read.
	ids := map[string][]rowKey{}
	var version string
	if s.snapshots != nil {
		versions, err := s.tableVersions(ctx)
		if err != nil {
			return nil, fmt.Errorf("hot spot drivers: table versions: %w", err)
		}
		version = versions["feedback_index"]
		ids, cells = s.hotDrivers.lookup(version, r, cells)
	}
	if len(cells) > 0 {
		var read map[string][]rowKey
		l, ok, err := s.keptList(ctx)
		switch {
		case err != nil:
			return nil, err
		case ok:
			// From the list rows in memory (keptlist.go).
			read = l.hotDrivers(cells, r)
		default:
			if read, err = s.readHotDrivers(ctx, cells, sc, ref); err != nil {
				return nil, err
			}
		}
		if s.snapshots != nil {
			s.hotDrivers.store(version, r, read)
		}
		maps.Copy(ids, read)
	}
	var keys []rowKey
	var keyCell []string
	for _, h := range hs {
		cell := h.Commune + "|" + h.Topic
		for _, k := range ids[cell] {
			keys, keyCell = append(keys, k), append(keyCell, cell)
		}
	}
	got, err := s.listRows(ctx, keys)
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	for i, k := range keys {
		// A case listing one topic twice is one driver, as with has().
		if x, ok := got[k]; ok && !seen[keyCell[i]+"|"+k.eid] {
			seen[keyCell[i]+"|"+k.eid] = true
			out[keyCell[i]] = append(out[keyCell[i]], x)
		}
	}
	return out, nil
}

// readHotDrivers reads hotspot_drivers.sql for cells (commune|topic):
// each cell's first 3 ids in order "score", in the 24 h before ref. Every
// cell is in the answer, with no ids if it has none.
func (s *Server) readHotDrivers(ctx context.Context, cells []string, sc Scope, ref time.Time) (map[string][]rowKey, error) {
	w := &where{}
	from := ref.Add(-24 * time.Hour)
	// day and commune_code narrow the rows read by feedback_index's key;
	// the exact window and the cells select the rows.
	w.add("day >= toDate(?) AND day <= toDate(?)", from.In(Hanoi).Format("2006-01-02"), ref.In(Hanoi).Format("2006-01-02"))
	w.add("toUInt32(occurred_at) >= ? AND toUInt32(occurred_at) < ?", uint32(from.Unix()), uint32(ref.Unix()))
	communes := make([]string, len(cells))
	for i, c := range cells {
		communes[i], _, _ = strings.Cut(c, "|")
	}
	w.add("commune_code IN (SELECT arrayJoin(?))", communes)
	if sc.Communes != nil {
		w.add("has(?, commune_code)", sc.Communes)
	}
	w.add("has(?, concat(commune_code, '|', cell_topic))", cells)
	out := make(map[string][]rowKey, len(cells))
	for _, c := range cells {
		out[c] = []rowKey{}
	}
	err := s.query(ctx, "hotspot_drivers", map[string]string{"key": "concat(commune_code, '|', cell_topic)", "where": w.String(), "order": listOrders["score"]}, w.args,
		func(r scanner) error {
			var k rowKey
			var cell string
			if err := r.Scan(&k.id, &k.eid, &cell); err != nil {
				return err
			}
			out[cell] = append(out[cell], k)
			return nil
		})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// ListItem is one feedback case in a list.
type ListItem struct {
	ID          string   `json:"feedback_id"`
	ReceivedAt  string   `json:"received_at"`
	Commune     string   `json:"commune_code"`
	CommuneName string   `json:"commune_name"`
	Channel     string   `json:"channel"`
	Topics      []string `json:"topics"`
	Text        string   `json:"text"`
	Sentiment   string   `json:"sentiment"`
	Score       *float64 `json:"sentiment_score"`
	DueAt       string   `json:"due_at"`
	Status      string   `json:"status"`
}

type listOptions struct {
	// total is the count feedbackCount gave, when known (0: unknown), and
	// totalCapped whether it stopped at its cap.
	total       uint64
	totalCapped bool
	search      string // folded search term
	order       string // newest | oldest | score
	offset      int
	limit       int
	from, to    time.Time // optional exact time window instead of f's days
	emptyTopic  bool      // topic filter "" means feedback with no topic
}

// byDays reports whether the list of o finds its page's days in the
// roll-ups by day (pageDays): a list in time order without a search, a
// time window or the empty-topic filter.
func (o listOptions) byDays() bool {
	return o.search == "" && o.order != "score" && o.from.IsZero() && !o.emptyTopic
}

var listOrders = map[string]string{
	"newest": "occurred_at DESC, aggregate_id",
	"oldest": "occurred_at ASC, aggregate_id",
	"score":  "sentiment_label = '', sentiment_score ASC, occurred_at DESC, aggregate_id",
}

func (s *Server) listWhere(f Filter, sc Scope, o listOptions) *where {
	t := tIndex
	if !o.from.IsZero() {
		t.date = ""
	}
	w := cond(f, sc, t)
	if !o.from.IsZero() {
		w.add("toUInt32(occurred_at) >= ? AND toUInt32(occurred_at) < ?", uint32(o.from.Unix()), uint32(o.to.Unix()))
	}
	if o.emptyTopic {
		w.add("empty(topics)")
	}
	// A search's own conditions are added where it is read (searchPage,
	// feedbackCount), after any window on the days: they hold subqueries
	// on the same conditions.
	return w
}

// feedbackItems lists feedback received, with each case's current status.
func (s *Server) feedbackItems(ctx context.Context, f Filter, sc Scope, o listOptions, lang string) ([]ListItem, error) {
	// From the list rows in memory when they are current (keptlist.go).
	if l, ok, err := s.keptList(ctx); err != nil {
		return []ListItem{}, err
	} else if ok {
		page, ok, err := l.page(ctx, s, f, sc, o)
		if err != nil {
			return []ListItem{}, err
		}
		if ok {
			return s.itemsOf(ctx, page)
		}
	}
	w := s.listWhere(f, sc, o)
	order, ok := listOrders[o.order]
	if !ok {
		order = listOrders["newest"]
	}
	// A list in score order over the whole province reads feedback_scores,
	// whose key starts with the score; restricted to some communes it
	// reads feedback_index, whose key starts with the commune (there
	// feedback_scores would read every score bucket of the period).
	_, restricted := f.communes(sc)
	byScore := o.order == "score" && o.search == "" && !restricted
	switch {
	case o.search != "":
		// A search reads only its words' rows of feedback_terms (see
		// addSearch): a cut would read them once more.
	case byScore:
		// scorePage reads the most negative rows first, no cut needed.
	case o.byDays():
		if err := s.pageDays(ctx, w, f, sc, o); err != nil {
			return []ListItem{}, err
		}
	default:
		if err := s.pageCut(ctx, w, o); err != nil {
			return []ListItem{}, err
		}
	}
	// Two steps: the page's ids (light columns over the rows up to the
	// page's end), then the wide columns of those rows by primary key.
	list := func(w *where) ([]rowKey, error) {
		if o.search != "" {
			return s.searchPage(ctx, w, order, o)
		}
		return s.listPage(ctx, "feedback_list", w, order, o)
	}
	var page []rowKey
	var err error
	full := true
	switch {
	case byScore:
		page, err = s.scorePage(ctx, w, order, o)
		if err != nil {
			return []ListItem{}, err
		}
		full = false
	case o.search != "" && o.order != "score" && (o.total == 0 || o.totalCapped || o.total >= uint64(o.offset+o.limit)):
		// A search in time order: first in the period's newest (or
		// oldest) days only. A window holding a whole page holds the
		// page, since every row outside it sorts after every row in it.
		for _, days := range searchWindows {
			ww, ok := searchWindow(w, f, o, days, day(s.now()))
			if !ok {
				break
			}
			if page, err = list(ww); err != nil {
				return []ListItem{}, err
			}
			if len(page) == o.limit {
				full = false
				break
			}
		}
	}
	if full {
		if page, err = list(w); err != nil {
			return []ListItem{}, err
		}
	}
	return s.itemsOf(ctx, page)
}

// itemsOf returns the list items of page's rows, in its order.
func (s *Server) itemsOf(ctx context.Context, page []rowKey) ([]ListItem, error) {
	got, err := s.listRows(ctx, page)
	if err != nil {
		return nil, err
	}
	out := []ListItem{}
	for _, k := range page {
		if x, ok := got[k]; ok {
			out = append(out, x)
		}
	}
	return out, nil
}

// scoreBuckets are the bounds, in feedback_scores' buckets
// (floor(100·sqrt(score+1)), migration 0011), below which a list in score
// order looks for its page before it reads every bucket: scores under
// -0.9991, -0.99, -0.9 and 0. A bucket never decreases as the score grows,
// so the rows under a bound are the first rows of the score order, and a
// bound under which at least offset+limit rows lie holds the page.
var scoreBuckets = []uint8{3, 10, 32, 100}

// scorePage returns the page of a list in score order (without a search)
// from feedback_scores, trying the bounds of scoreBuckets first.
func (s *Server) scorePage(ctx context.Context, w *where, order string, o listOptions) ([]rowKey, error) {
	for _, b := range scoreBuckets {
		ww := &where{parts: slices.Clone(w.parts), args: slices.Clone(w.args)}
		ww.add("unscored = 0 AND score_bucket < ?", b)
		page, err := s.listPage(ctx, "feedback_list_scores", ww, order, o)
		if err != nil || (o.limit > 0 && len(page) == o.limit) {
			return page, err
		}
	}
	return s.listPage(ctx, "feedback_list_scores", w, order, o)
}

// listPage runs a list query (feedback_list, feedback_list_scores or
// feedback_search_list): the keys of the page o.offset, o.limit of the
// rows meeting w in order.
func (s *Server) listPage(ctx context.Context, name string, w *where, order string, o listOptions) ([]rowKey, error) {
	var page []rowKey
	args := append(slices.Clone(w.args), uint64(o.offset), uint64(o.limit))
	err := s.query(ctx, name, map[string]string{"where": w.String(), "order": order}, args,
		func(r scanner) error {
			var k rowKey
			if err := r.Scan(&k.id, &k.eid); err != nil {
				return err
			}
			page = append(page, k)
			return nil
		})
	return page, err
}

// searchWindows are the spans, in days from the period's newest (or
// oldest) end, in which a search in time order looks for its page before
// it reads the whole period.
var searchWindows = []int{7, 31, 92}

// searchWindow returns w limited to the days newest (or oldest, by o) of
// f's period, which ends today at the latest; false when the period is not
// longer than that.
func searchWindow(w *where, f Filter, o listOptions, days int, today time.Time) (*where, bool) {
	from, to := f.From, f.To
	if !o.from.IsZero() {
		from, to = day(o.from), day(o.to)
	}
	if to.After(today) {
		to = today
	}
	if to.Sub(from) < time.Duration(days)*24*time.Hour {
		return nil, false
	}
	ww := &where{parts: slices.Clone(w.parts), args: slices.Clone(w.args)}
	if o.order == "oldest" {
		ww.add("day <= toDate(?)", from.AddDate(0, 0, days-1).Format("2006-01-02"))
	} else {
		ww.add("day >= toDate(?)", to.AddDate(0, 0, -(days-1)).Format("2006-01-02"))
	}
	return ww, true
}

// searchPage returns the page o.offset, o.limit of the search o.search
// in order, from feedback_terms: w holds listWhere's conditions (and maybe
// a window's), to which addSearch adds the search's.
func (s *Server) searchPage(ctx context.Context, w *where, order string, o listOptions) ([]rowKey, error) {
	sw := &where{parts: slices.Clone(w.parts), args: slices.Clone(w.args)}
	addSearch(sw, Words(o.search))
	return s.listPage(ctx, "feedback_search_list", sw, order, o)
}

// pageCut adds to w the condition "at or before the page's last row" in
// the order o.order, on its first sort columns only: every row of the page
// meets it (at least offset+limit rows sort at or before that row), and
// feedback_list reads aggregate_id and event_id only for the rows that
// meet it, not for every row of the period. When fewer rows match than
// the page's end, w is left as is.
func (s *Server) pageCut(ctx context.Context, w *where, o listOptions) error {
	if o.limit <= 0 {
		return nil
	}
	var cut, order string
	switch o.order {
	case "oldest":
		cut, order = "toUInt32(occurred_at)", "occurred_at ASC"
	case "score":
		cut, order = "toUInt8(sentiment_label = ''), toFloat64(sentiment_score)", "sentiment_label = '', sentiment_score ASC"
	default:
		cut, order = "toUInt32(occurred_at)", "occurred_at DESC"
	}
	args := append(slices.Clone(w.args), uint64(o.offset+o.limit-1))
	var at uint32
	var unscored uint8
	var score float64
	found := false
	err := s.query(ctx, "feedback_cut", map[string]string{"cut": cut, "order": order, "where": w.String()}, args,
		func(r scanner) error {
			found = true
			if o.order == "score" {
				return r.Scan(&unscored, &score)
			}
			return r.Scan(&at)
		})
	if err != nil || !found {
		return err
	}
	// For the time orders the cut's day as well, which feedback_index's
	// key (commune_code, day) can use.
	day := time.Unix(int64(at), 0).In(Hanoi).Format("2006-01-02")
	switch o.order {
	case "oldest":
		w.add("day <= toDate(?) AND toUInt32(occurred_at) <= ?", day, at)
	case "score":
		// toFloat64 of a Float32 is exact, and the bound float64 prints in
		// full, so the page's last row itself meets the condition.
		w.add("((sentiment_label = '') < ? OR ((sentiment_label = '') = ? AND toFloat64(sentiment_score) <= ?))", unscored, unscored, score)
	default:
		w.add("day >= toDate(?) AND toUInt32(occurred_at) >= ?", day, at)
	}
	return nil
}

// pageDays adds to w, for the time orders, the days that hold the page:
// the feedback roll-ups count every case once per day (with or without a
// topic filter, see feedbackCount), so the newest days that together hold offset+limit cases hold
// the newest page (and likewise for the oldest). That costs a small
// roll-up query instead of pageCut's scan of the period in feedback_index.
// When the period holds fewer cases than the page's end, w is left as is.
func (s *Server) pageDays(ctx context.Context, w *where, f Filter, sc Scope, o listOptions) error {
	if o.limit <= 0 {
		return nil
	}
	byDay := f
	byDay.Granularity = "day"
	rows, err := s.feedbackGrouped(ctx, byDay, sc, "bucket")
	if err != nil {
		return err
	}
	// rows are ordered by day (YYYY-MM-DD).
	if o.order == "newest" || o.order == "" {
		slices.Reverse(rows)
	}
	need := uint64(o.offset + o.limit)
	var n uint64
	for _, r := range rows {
		if n += r.Received; n >= need {
			if o.order == "oldest" {
				w.add("day <= toDate(?)", r.Key)
			} else {
				w.add("day >= toDate(?)", r.Key)
			}
			return nil
		}
	}
	return nil
}

// rowKey is a feedback.received row: its case and event_id.
type rowKey struct{ id, eid string }

// listRows reads the given feedback.received rows with their text and each
// case's current status, keyed by case and event_id (list_rows.sql).
func (s *Server) listRows(ctx context.Context, keys []rowKey) (map[rowKey]ListItem, error) {
	got := map[rowKey]ListItem{}
	if len(keys) == 0 {
		return got, nil
	}
	aggs := make([]string, 0, len(keys))
	for _, k := range keys {
		aggs = append(aggs, k.id)
	}
	slices.Sort(aggs)
	aggs = slices.Compact(aggs)
	// Cases shown before under the tables' current version come from the
	// row cache; only the others are read.
	var version string
	if s.rows != nil {
		versions, err := s.tableVersions(ctx)
		if err != nil {
			return nil, fmt.Errorf("list rows: table versions: %w", err)
		}
		version = "feedback_timeline@" + versions["feedback_timeline"] + "\x00events@" + versions["events"]
		if aggs = s.rows.lookup(version, aggs, got); len(aggs) == 0 {
			return got, nil
		}
	}
	read := map[rowKey]ListItem{}
	item := func(id, eid string, at time.Time, commune, channel string, topics []string, text, label string, score float32, due time.Time) {
		x := ListItem{ID: id, Commune: commune, Channel: channel, Topics: topics, Text: text, Sentiment: label}
		x.ReceivedAt = at.In(Hanoi).Format("2006-01-02 15:04")
		if due.Unix() > 0 {
			x.DueAt = due.In(Hanoi).Format("2006-01-02")
		}
		if x.Sentiment != "" {
			x.Score = fptr(math.Round(float64(score)*1000) / 1000)
		}
		x.CommuneName = s.communeName(x.Commune)
		read[rowKey{id, eid}] = x
	}
	status := map[string]string{}
	var noText []string
	err := s.query(ctx, "list_rows", nil, []any{aggs}, func(r scanner) error {
		var id, st string
		var eids, communes, channels, texts, labels []string
		var ats, dues []time.Time
		var topics [][]string
		var scores []float32
		if err := r.Scan(&id, &eids, &ats, &communes, &channels, &topics, &texts, &labels, &scores, &dues, &st); err != nil {
			return err
		}
		for i := range eids {
			item(id, eids[i], ats[i], communes[i], channels[i], topics[i], texts[i], labels[i], scores[i], dues[i])
			if texts[i] == "" {
				noText = append(noText, id)
			}
		}
		status[id] = st
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(noText) > 0 {
		// Rows written before the projector filled text: from events,
		// whose text expression reads the payload.
		rw := &where{}
		rw.add("aggregate_id IN (SELECT arrayJoin(?))", noText)
		err := s.query(ctx, "feedback_rows", map[string]string{"where": rw.String(), "text": textExpr}, rw.args, func(r scanner) error {
			var id, eid, commune, channel, text, label string
			var topics []string
			var at, due time.Time
			var score float32
			if err := r.Scan(&id, &eid, &at, &commune, &channel, &topics, &text, &label, &score, &due); err != nil {
				return err
			}
			item(id, eid, at, commune, channel, topics, text, label, score, due)
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	for k, x := range read {
		x.Status = status[x.ID]
		if x.Status == "" {
			x.Status = "received"
		}
		read[k] = x
		got[k] = x
	}
	s.rows.store(version, read)
	return got, nil
}

// searchCountCap is where a search's count stops: "more than 10,000
// results" is all a reader needs, and counting every match of a common
// word would read every row of that word in the period.
// (A variable for tests.)
var searchCountCap = 10000

// feedbackCount returns how many cases the list of o pages through. For a
// search the count stops above searchCountCap: capped is then true and n
// is searchCountCap.
func (s *Server) feedbackCount(ctx context.Context, f Filter, sc Scope, o listOptions) (n uint64, capped bool, err error) {
	if o.byDays() && o.limit > 0 {
		// A list in time order finds its page's days in the roll-up by
		// day (pageDays, at the same time as this count): the sum of the
		// same rows is the count, and the identical query runs once
		// (result cache) or is summed from memory (communeDays).
		byDay := f
		byDay.Granularity = "day"
		days, err := s.feedbackGrouped(ctx, byDay, sc, "bucket")
		for _, d := range days {
			n += d.Received
		}
		return n, false, err
	}
	if o.search == "" && o.from.IsZero() && !o.emptyTopic {
		// Without a search every case counts once in the roll-ups: once
		// under its first topic (is_primary = 1) without a topic filter,
		// once under the topic with one (an event's topics are a set,
		// see event.Decoder). Their received is the count.
		fb, err := s.feedbackGrouped(ctx, f, sc, "total")
		if err != nil || len(fb) == 0 {
			return 0, false, err
		}
		return fb[0].Received, false, nil
	}
	if l, ok, err := s.keptList(ctx); err != nil {
		return 0, false, err
	} else if ok {
		limit := 0
		if o.search != "" {
			limit = searchCountCap
		}
		n, ok, err := l.count(ctx, s, f, sc, o, limit)
		if err != nil || ok {
			if limit > 0 {
				n, capped = searchCapped(n)
			}
			return n, capped, err
		}
	}
	w := s.listWhere(f, sc, o)
	if o.search == "" {
		err = s.query(ctx, "feedback_count", map[string]string{"where": w.String()}, w.args,
			func(r scanner) error { return r.Scan(&n) })
		return n, false, err
	}
	addSearch(w, Words(o.search))
	args := append(w.args, uint64(searchCountCap+1))
	err = s.query(ctx, "feedback_search_count", map[string]string{"where": w.String()}, args,
		func(r scanner) error { return r.Scan(&n) })
	n, capped = searchCapped(n)
	return n, capped, err
}

// searchCapped is a search's count n (counted up to searchCountCap + 1) as
// feedbackCount gives it: searchCountCap and true above the cap.
func searchCapped(n uint64) (uint64, bool) {
	if n > uint64(searchCountCap) {
		return uint64(searchCountCap), true
	}
	return n, false
}

// CaseStatus is the current state of a feedback case.
type CaseStatus struct {
	Status        string `json:"status"`
	DueAt         string `json:"due_at"`
	FirstActionAt string `json:"first_action_at"`
	AnsweredAt    string `json:"answered_at"`
	ResolvedAt    string `json:"resolved_at"`
	Reopened      uint64 `json:"reopened"`
}

func fmtTime(t time.Time) string {
	if t.Unix() <= 0 {
		return ""
	}
	return t.In(Hanoi).Format("2006-01-02 15:04")
}

func (s *Server) caseStatus(ctx context.Context, ids []string) (map[string]CaseStatus, error) {
	out := map[string]CaseStatus{}
	err := s.query(ctx, "case_status", nil, []any{ids}, func(r scanner) error {
		var id string
		var c CaseStatus
		var due, act, ans, res time.Time
		if err := r.Scan(&id, &c.Status, &due, &act, &ans, &res, &c.Reopened); err != nil {
			return err
		}
		c.DueAt, c.FirstActionAt, c.AnsweredAt, c.ResolvedAt = fmtTime(due), fmtTime(act), fmtTime(ans), fmtTime(res)
		out[id] = c
		return nil
	})
	return out, err
}

// CaseEvent is one event of a case's timeline.
type CaseEvent struct {
	Type           string         `json:"event_type"`
	OccurredAt     string         `json:"occurred_at"`
	ReceivedAt     string         `json:"received_at"`
	Source         string         `json:"source_system"`
	Channel        string         `json:"channel"`
	Commune        string         `json:"commune_code"`
	LocalityScheme string         `json:"locality_scheme"`
	LocalityCode   string         `json:"locality_code"`
	Topics         []string       `json:"topics"`
	Org            string         `json:"org"`
	Status         string         `json:"status"`
	Note           string         `json:"note"`
	Outcome        string         `json:"outcome"`
	WithinDeadline *bool          `json:"within_deadline"`
	DueAt          string         `json:"due_at"`
	Text           string         `json:"text"`
	Sentiment      string         `json:"sentiment"`
	Score          *float64       `json:"sentiment_score"`
	Confidence     *float64       `json:"sentiment_confidence"`
	Method         string         `json:"sentiment_method"`
	Explain        []Contribution `json:"sentiment_explanation"`
}

// Contribution is one n-gram of a sentiment explanation.
type Contribution struct {
	Text   string  `json:"text"`
	Weight float64 `json:"weight"`
}

// Case is a feedback case with its timeline.
type Case struct {
	ID          string      `json:"feedback_id"`
	Commune     string      `json:"commune_code"`
	CommuneName string      `json:"commune_name"`
	Status      CaseStatus  `json:"state"`
	Received    *CaseEvent  `json:"received"`
	Events      []CaseEvent `json:"events"`
}

// payloadFields are the fields read from an event's JSON when the typed
// columns are empty (rows written before the projector filled them).
type payloadFields struct {
	Text      string `json:"text"`
	Status    string `json:"status"`
	Note      string `json:"note"`
	Outcome   string `json:"outcome"`
	DueAt     string `json:"due_at"`
	Within    *bool  `json:"within_deadline"`
	Sentiment *struct {
		Label      string   `json:"label"`
		Score      float64  `json:"score"`
		Confidence *float64 `json:"confidence"`
	} `json:"sentiment"`
}

// loadCase returns the case with its events, or ok=false when it does not
// exist or lies outside the scope.
func (s *Server) loadCase(ctx context.Context, id string, sc Scope) (Case, bool, error) {
	c := Case{ID: id, Events: []CaseEvent{}}
	// The case's rescores, its state and its events at once; the rescores
	// are applied to the events once all three are read.
	var rescores map[string]rescore
	var caseTopics *rescore
	var st map[string]CaseStatus
	type caseRow struct {
		e                 CaseEvent
		eid, topicsMethod string
		at, recv, due     time.Time
		within            int8
		score, conf       float32
		explain, payload  string
	}
	var rows []caseRow
	err := together(func() (err error) {
		rescores, caseTopics, err = s.caseRescores(ctx, id)
		return err
	}, func() (err error) {
		st, err = s.caseStatus(ctx, []string{id})
		return err
	}, func() error {
		return s.query(ctx, "case_events", map[string]string{"text": textExpr}, []any{id}, func(r scanner) error {
			var x caseRow
			e := &x.e
			if err := r.Scan(&x.eid, &e.Type, &x.at, &x.recv, &e.Source, &e.Channel, &e.Commune, &e.LocalityScheme, &e.LocalityCode, &e.Topics, &x.topicsMethod, &e.Org,
				&e.Status, &e.Note, &e.Outcome, &x.within, &x.due, &e.Text, &e.Sentiment, &x.score, &x.conf, &e.Method, &x.explain, &x.payload); err != nil {
				return err
			}
			rows = append(rows, x)
			return nil
		})
	})
	if err != nil {
		return c, false, err
	}
	for _, x := range rows {
		e, eid, topicsMethod, at, recv, due := x.e, x.eid, x.topicsMethod, x.at, x.recv, x.due
		within, score, conf, explain, payload := x.within, x.score, x.conf, x.explain, x.payload
		// The newest rescore replaces what the event stored: its
		// sentiment where it has a method, its topics where it has a
		// topics method; events that inherited the case's topics follow
		// the case's newest rescore.
		if rs, ok := rescores[eid]; ok && rs.method != "" {
			e.Sentiment, score, conf, e.Method, explain = rs.label, rs.score, rs.confidence, rs.method, rs.explain
		}
		if rs, ok := rescores[eid]; ok && rs.topicsMethod != "" {
			e.Topics = rs.topics
		} else if topicsMethod == "case" && caseTopics != nil {
			e.Topics = caseTopics.topics
		}
		e.OccurredAt, e.ReceivedAt, e.DueAt = fmtTime(at), fmtTime(recv), fmtTime(due)
		if within >= 0 && e.Type != "feedback.received" && (e.Type == "feedback.answered" || e.Type == "feedback.resolved") {
			b := within == 1
			e.WithinDeadline = &b
		}
		var p payloadFields
		_ = json.Unmarshal([]byte(payload), &p)
		if e.Status == "" {
			e.Status = p.Status
		}
		if e.Note == "" {
			e.Note = p.Note
		}
		if e.Outcome == "" {
			e.Outcome = p.Outcome
		}
		if e.DueAt == "" && p.DueAt != "" {
			if t, err := time.Parse(time.RFC3339, p.DueAt); err == nil {
				e.DueAt = fmtTime(t)
			}
		}
		if e.WithinDeadline == nil && p.Within != nil {
			e.WithinDeadline = p.Within
		}
		if e.Sentiment != "" {
			e.Score, e.Confidence = fptr(round3(float64(score))), fptr(round3(float64(conf)))
		} else if p.Sentiment != nil {
			e.Sentiment, e.Score, e.Confidence, e.Method = p.Sentiment.Label, fptr(p.Sentiment.Score), p.Sentiment.Confidence, "sender"
		}
		if explain != "" {
			_ = json.Unmarshal([]byte(explain), &e.Explain)
		}
		c.Events = append(c.Events, e)
	}
	if len(c.Events) == 0 {
		return c, false, nil
	}
	c.Commune = c.Events[0].Commune
	for i := range c.Events {
		if c.Events[i].Type == "feedback.received" {
			c.Received = &c.Events[i]
			c.Commune = c.Events[i].Commune
			break
		}
	}
	if sc.Communes != nil && !slices.Contains(sc.Communes, c.Commune) {
		return Case{}, false, nil
	}
	c.CommuneName = s.communeName(c.Commune)
	c.Status = st[id]
	if c.Status.Status == "" {
		c.Status.Status = "received"
	}
	return c, true, nil
}

// rescore is the newest rescore of one event (case_rescores.sql).
type rescore struct {
	version                uint64
	label, method, explain string
	score, confidence      float32
	topics                 []string
	topicsMethod           string
}

// caseRescores returns the newest rescore of each rescored event of the
// case, by event_id, and the case's newest rescore when its topics method
// is set (the topics that events with topics_method 'case' follow), else
// nil.
func (s *Server) caseRescores(ctx context.Context, id string) (map[string]rescore, *rescore, error) {
	out := map[string]rescore{}
	var newest *rescore
	err := s.query(ctx, "case_rescores", nil, []any{id}, func(r scanner) error {
		var eid string
		var x rescore
		if err := r.Scan(&eid, &x.version, &x.label, &x.score, &x.confidence, &x.method, &x.explain, &x.topics, &x.topicsMethod); err != nil {
			return err
		}
		out[eid] = x
		if newest == nil || x.version > newest.version {
			newest = &x
		}
		return nil
	})
	if newest != nil && newest.topicsMethod == "" {
		newest = nil
	}
	return out, newest, err
}

func round3(x float64) float64 { return math.Round(x*1000) / 1000 }

// communeName returns the name of a 2025 commune code, or the code.
func (s *Server) communeName(code string) string {
	if n, ok := s.communeNames[code]; ok {
		return n
	}
	if code == "" {
		return "—"
	}
	return code
}

func (s *Server) topicLabel(code, lang string) string {
	if code == "" {
		if lang == "en" {
			return "(no topic)"
		}
		return "(chưa phân loại)"
	}
	return event.Topics.Label(code, lang)
}

// labelKeys sets Label on rows keyed by topic or commune.
func (s *Server) labelFeedback(rows []FeedbackRow, by, lang string) {
	for i := range rows {
		switch by {
		case "topic":
			rows[i].Label = s.topicLabel(rows[i].Key, lang)
		case "commune":
			rows[i].Label = s.communeName(rows[i].Key)
		default:
			rows[i].Label = rows[i].Key
		}
	}
}

// sortFeedbackBy sorts rows by received, descending.
func sortFeedbackBy(rows []FeedbackRow) {
	sort.SliceStable(rows, func(i, j int) bool { return rows[i].Received > rows[j].Received })
}

// joinTopics renders topic codes as labels.
func (s *Server) joinTopics(codes []string, lang string) string {
	ls := make([]string, len(codes))
	for i, c := range codes {
		ls[i] = s.topicLabel(c, lang)
	}
	return strings.Join(ls, "; ")
}

// String renders the n-gram and its weight, e.g. "ô nhiễm (0.42)".
func (c Contribution) String() string {
	return c.Text + " (" + strconv.FormatFloat(c.Weight, 'f', 2, 64) + ")"
}

// seriesKey whitelists the grouping keys of the campaigns_series and
// criticism_series queries: a time bucket or the total.
func seriesKey(by string, f Filter) string {
	switch by {
	case "bucket":
		return bucketOf(f.Granularity, "day")
	case "total":
		return "''"
	}
	panic("dashboard: unknown series grouping " + by)
}

// CampaignFigures are campaign activities for one time bucket (or the
// total, Bucket "").
type CampaignFigures struct {
	Bucket       string  `json:"bucket"`
	Activities   uint64  `json:"activities"`
	Participants uint64  `json:"participants"`
	MoneyVND     int64   `json:"money_vnd"`
	LandM2       float64 `json:"land_m2"`
}

// CampaignRow is the campaign activities of one campaign and activity kind.
type CampaignRow struct {
	Campaign     string  `json:"campaign_id"`
	Kind         string  `json:"activity_kind"`
	KindLabel    string  `json:"activity_kind_label"`
	Activities   uint64  `json:"activities"`
	Participants uint64  `json:"participants"`
	MoneyVND     int64   `json:"money_vnd"`
	LandM2       float64 `json:"land_m2"`
}

// campaignSeries returns campaign figures grouped by "bucket" or "total".
func (s *Server) campaignSeries(ctx context.Context, f Filter, sc Scope, by string) ([]CampaignFigures, error) {
	w := cond(f, sc, tCampaigns)
	return collect(ctx, s, "campaigns_series", map[string]string{"key": seriesKey(by, f), "where": w.String()}, w.args, func(r scanner, x *CampaignFigures) error {
		return r.Scan(&x.Bucket, &x.Activities, &x.Participants, &x.MoneyVND, &x.LandM2)
	})
}

// campaignTotals returns campaign figures per campaign × activity kind.
func (s *Server) campaignTotals(ctx context.Context, f Filter, sc Scope, lang string) ([]CampaignRow, error) {
	w := cond(f, sc, tCampaigns)
	return collect(ctx, s, "campaigns_totals", map[string]string{"where": w.String()}, w.args, func(r scanner, x *CampaignRow) error {
		if err := r.Scan(&x.Campaign, &x.Kind, &x.Activities, &x.Participants, &x.MoneyVND, &x.LandM2); err != nil {
			return err
		}
		x.KindLabel = event.ActivityKinds.Label(x.Kind, lang)
		return nil
	})
}

// CriticismFigures are social criticism sessions for one time bucket (or
// the total, Bucket "").
type CriticismFigures struct {
	Bucket        string   `json:"bucket"`
	Sessions      uint64   `json:"sessions"`
	Given         uint64   `json:"opinions_given"`
	Accepted      uint64   `json:"opinions_accepted"`
	AcceptedShare *float64 `json:"accepted_share"`
}

// CriticismRow is the social criticism of one organiser and form.
type CriticismRow struct {
	Org           string   `json:"org"`
	Form          string   `json:"form"`
	FormLabel     string   `json:"form_label"`
	Sessions      uint64   `json:"sessions"`
	Given         uint64   `json:"opinions_given"`
	Accepted      uint64   `json:"opinions_accepted"`
	AcceptedShare *float64 `json:"accepted_share"`
}

// criticismSeries returns criticism figures grouped by "bucket" or "total".
func (s *Server) criticismSeries(ctx context.Context, f Filter, sc Scope, by string) ([]CriticismFigures, error) {
	w := cond(f, sc, tCriticism)
	return collect(ctx, s, "criticism_series", map[string]string{"key": seriesKey(by, f), "where": w.String()}, w.args, func(r scanner, x *CriticismFigures) error {
		if err := r.Scan(&x.Bucket, &x.Sessions, &x.Given, &x.Accepted); err != nil {
			return err
		}
		x.AcceptedShare = ratio(x.Accepted, x.Given)
		return nil
	})
}

// criticismTotals returns criticism figures per organiser × form.
func (s *Server) criticismTotals(ctx context.Context, f Filter, sc Scope, lang string) ([]CriticismRow, error) {
	w := cond(f, sc, tCriticism)
	return collect(ctx, s, "criticism_totals", map[string]string{"where": w.String()}, w.args, func(r scanner, x *CriticismRow) error {
		if err := r.Scan(&x.Org, &x.Form, &x.Sessions, &x.Given, &x.Accepted); err != nil {
			return err
		}
		x.FormLabel = event.CriticismForms.Label(x.Form, lang)
		x.AcceptedShare = ratio(x.Accepted, x.Given)
		return nil
	})
}
