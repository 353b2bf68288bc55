package projector

import (
	"context"
	"fmt"
	"log/slog"
	"sort"
	"strings"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"
	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"dvpulse/warehouse"
)

// backfillGroupByBytes is where a backfill's GROUP BY and sort start to
// spill to disk (ClickHouse settings), well below the local server's
// 4 GB per-query limit.
const backfillGroupByBytes = 1 << 30

// RebuildOptions tune Rebuild.
type RebuildOptions struct {
	// FenceTTL bounds how long projectors may be held by one fenced step if
	// the rebuild dies holding the fence. Default 30 s.
	FenceTTL time.Duration
	// AfterAttach and AfterBackfill, when set, run after step 2 and after
	// step 3; tests use them to make inserts land in those windows.
	AfterAttach, AfterBackfill func()
}

// Rebuild recomputes projection name from the event log into a new table
// and swaps it in, while projectors keep inserting and the dashboard keeps
// reading. See DESIGN.md, "Rebuild":
//
//  1. Create name__rebuild (the projection's DDL from the migrations).
//  2. Under the write fence (no insert into events in flight): create a
//     copy view__rebuild of each of its views, into the new table, and read the stored positions P, the
//     highest (topic, partition, offset) in events. Every event above P
//     reaches the new table through the view; every event at or below P is
//     already in events.
//  3. Backfill, without the fence: INSERT INTO name__rebuild SELECT … FROM
//     events WHERE (topic, partition, offset) <= P.
//  4. Under the fence: RENAME name TO name__old, name__rebuild TO name,
//     name__old TO name__rebuild, then DROP the view copies. The original
//     views (TO name) resolves its target by name, so it now feeds
//     the new table, and no view ever points at a missing table.
//  5. Drop name__rebuild, which now holds the old data.
//
// A rebuild that dies part-way leaves the live table untouched (or already
// swapped); running it again cleans up and starts over.
func Rebuild(ctx context.Context, conn driver.Conn, name string, log *slog.Logger, opts RebuildOptions) error {
	if opts.FenceTTL <= 0 {
		opts.FenceTTL = 30 * time.Second
	}
	proj, err := warehouse.LookupProjection(name)
	if err != nil {
		return err
	}
	db, err := warehouse.CurrentDatabase(ctx, conn)
	if err != nil {
		return err
	}
	newT := proj.Name + "__rebuild"
	newMV := func(v warehouse.View) string { return v.Name + "__rebuild" }
	fenced := func(what string, f func() error) error {
		start := time.Now()
		if err := warehouse.AcquireFence(ctx, conn, db, opts.FenceTTL); err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
		ferr := f()
		rerr := warehouse.ReleaseFence(context.Background(), conn)
		log.Info("fenced step done", "step", what, "held", time.Since(start).Round(time.Millisecond))
		if ferr != nil {
			return fmt.Errorf("%s: %w", what, ferr)
		}
		return rerr
	}
	exec := func(q string) error {
		if err := conn.Exec(ctx, q); err != nil {
			return fmt.Errorf("%s: %w", firstLine(q), err)
		}
		return nil
	}

	log.Info("rebuild: cleaning up leftovers of an earlier rebuild", "projection", proj.Name)
	if err := fenced("clean up", func() error {
		for _, v := range proj.Views {
			if err := exec("DROP TABLE IF EXISTS " + newMV(v)); err != nil {
				return err
			}
		}
		return exec("DROP TABLE IF EXISTS " + newT)
	}); err != nil {
		return err
	}
	if err := exec(proj.DDLFor(newT)); err != nil {
		return err
	}
	var pos map[partKey]int64
	if err := fenced("attach view", func() error {
		for _, v := range proj.Views {
			if err := exec("CREATE MATERIALIZED VIEW " + newMV(v) + " TO " + newT + " AS " + v.Select); err != nil {
				return err
			}
		}
		var err error
		pos, err = eventPositions(ctx, conn, "events")
		return err
	}); err != nil {
		return err
	}
	if opts.AfterAttach != nil {
		opts.AfterAttach()
	}
	cols, err := tableColumns(ctx, conn, newT)
	if err != nil {
		return err
	}
	cl := strings.Join(cols, ", ")
	source := "(SELECT * FROM events WHERE " + fenceCondition(pos) + ")"
	if viewsReadScores(proj) {
		var rescored uint64
		if err := conn.QueryRow(ctx, "SELECT count() FROM feedback_rescores").Scan(&rescored); err != nil {
			return fmt.Errorf("count rescored feedback: %w", err)
		}
		if rescored > 0 {
			evCols, err := tableColumns(ctx, conn, "events")
			if err != nil {
				return err
			}
			log.Info("rebuild: taking sentiment from feedback_rescores where rescored", "projection", proj.Name, "rescore_rows", rescored)
			source = rescoredSource(evCols, fenceCondition(pos), readColumns(proj))
		}
	}
	start := time.Now()
	log.Info("rebuild: backfilling from the event log", "projection", proj.Name, "partitions", len(pos))
	for _, v := range proj.Views {
		backfill := fmt.Sprintf("INSERT INTO %s (%s) SELECT %s FROM (%s)", newT, cl, cl, v.SelectFrom(source))
		// A view that groups by case or model over the whole log holds
		// millions of aggregate states: let ClickHouse spill them to disk
		// rather than fail on its per-query memory limit.
		bctx := clickhouse.Context(ctx, clickhouse.WithSettings(clickhouse.Settings{
			"max_bytes_before_external_group_by": backfillGroupByBytes,
			"max_bytes_before_external_sort":     backfillGroupByBytes,
		}))
		if err := conn.Exec(bctx, backfill); err != nil {
			return fmt.Errorf("%s: %w", firstLine(backfill), err)
		}
	}
	log.Info("rebuild: backfill done", "projection", proj.Name, "took", time.Since(start).Round(time.Millisecond))
	if opts.AfterBackfill != nil {
		opts.AfterBackfill()
	}
	if err := fenced("swap", func() error {
		if err := exec(fmt.Sprintf("RENAME TABLE %s TO %s__old, %s TO %s, %s__old TO %s", proj.Name, proj.Name, newT, proj.Name, proj.Name, newT)); err != nil {
			return err
		}
		for _, v := range proj.Views {
			if err := exec("DROP TABLE " + newMV(v)); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		return err
	}
	if err := exec("DROP TABLE IF EXISTS " + newT); err != nil {
		return err
	}
	log.Info("rebuild: swapped in", "projection", proj.Name)
	return nil
}

// eventPositions returns the highest offset per partition in source.
func eventPositions(ctx context.Context, conn driver.Conn, source string) (map[partKey]int64, error) {
	rows, err := conn.Query(ctx, "SELECT kafka_topic, kafka_partition, max(kafka_offset) FROM "+source+" GROUP BY kafka_topic, kafka_partition")
	if err != nil {
		return nil, fmt.Errorf("read event positions: %w", err)
	}
	defer rows.Close()
	out := map[partKey]int64{}
	for rows.Next() {
		var topic string
		var part int32
		var off int64
		if err := rows.Scan(&topic, &part, &off); err != nil {
			return nil, err
		}
		out[partKey{topic, int(part)}] = off
	}
	return out, rows.Err()
}

// fenceCondition selects the rows at or below pos.
func fenceCondition(pos map[partKey]int64) string {
	if len(pos) == 0 {
		return "0"
	}
	keys := make([]partKey, 0, len(pos))
	for k := range pos {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if keys[i].topic != keys[j].topic {
			return keys[i].topic < keys[j].topic
		}
		return keys[i].partition < keys[j].partition
	})
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("(kafka_topic = '%s' AND kafka_partition = %d AND kafka_offset <= %d)", strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(k.topic), k.partition, pos[k])
	}
	return "(" + strings.Join(parts, " OR ") + ")"
}

func tableColumns(ctx context.Context, conn driver.Conn, table string) ([]string, error) {
	rows, err := conn.Query(ctx, "SELECT name FROM system.columns WHERE database = currentDatabase() AND table = ?", table)
	if err != nil {
		return nil, fmt.Errorf("columns of %s: %w", table, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return nil, err
		}
		out = append(out, n)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("table %s has no columns (does it exist?)", table)
	}
	return out, rows.Err()
}

func firstLine(q string) string {
	q = strings.TrimSpace(q)
	if i := strings.IndexByte(q, '\n'); i > 0 {
		q = q[:i]
	}
	if len(q) > 120 {
		q = q[:120] + "…"
	}
	return q
}
