package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"dvpulse/internal/config"
	"dvpulse/projector"
	"dvpulse/warehouse"
)

// RunRebuild is `dvpulse projector rebuild [options] <projection>`: it
// recomputes one projection from the event log into a new table and swaps
// it in while the projectors and the dashboard keep running.
func RunRebuild(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("dvpulse projector rebuild", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var lf logFlags
	lf.register(fs)
	chcfg := warehouse.DefaultConfig()
	chcfg.RegisterFlags(fs)
	list := fs.Bool("list", false, "list the projections that can be rebuilt and exit")
	ttl := fs.Duration("fence-ttl", 30*time.Second, "longest a fenced step may hold the projectors' inserts if the rebuild dies holding it")
	fs.Usage = config.Usage(fs, "dvpulse projector rebuild [options] <projection>", `Rebuilds a projection (a table fed from the event log by a materialized
view, e.g. feedback_daily) from the events table into a new table and swaps
it in atomically. Projectors keep running: they pause their inserts only for
the two short fenced steps (attaching the new view, and the swap), and every
event is counted exactly once in the result. The dashboard keeps serving.
See projector/DESIGN.md.`)
	if err := config.Parse(fs, args, nil); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		fmt.Fprintln(stderr, "dvpulse:", err)
		return 2
	}
	if *list {
		ps, err := warehouse.Projections()
		if err != nil {
			fmt.Fprintln(stderr, "dvpulse projector rebuild:", err)
			return 1
		}
		for _, p := range ps {
			var vs []string
			for _, v := range p.Views {
				vs = append(vs, v.Name)
			}
			fmt.Fprintf(stdout, "%s\t(views: %s)\n", p.Name, strings.Join(vs, ", "))
		}
		return 0
	}
	if fs.NArg() != 1 {
		fmt.Fprintln(stderr, "dvpulse projector rebuild: name one projection (see --list)")
		return 2
	}
	name := fs.Arg(0)
	if _, err := warehouse.LookupProjection(name); err != nil {
		fmt.Fprintln(stderr, "dvpulse projector rebuild:", err)
		return 2
	}
	log, err := lf.logger(stderr)
	if err != nil {
		fmt.Fprintln(stderr, "dvpulse:", err)
		return 2
	}
	conn, err := warehouse.Open(ctx, chcfg)
	if err != nil {
		fmt.Fprintln(stderr, "dvpulse projector rebuild:", err)
		return 1
	}
	defer conn.Close()
	start := time.Now()
	if err := projector.Rebuild(ctx, conn, name, log, projector.RebuildOptions{FenceTTL: *ttl}); err != nil {
		fmt.Fprintln(stderr, "dvpulse projector rebuild:", err)
		return 1
	}
	fmt.Fprintf(stdout, "projection %s rebuilt from the event log in %s\n", name, time.Since(start).Round(time.Millisecond))
	return 0
}

// migrate applies the migrations. Projections that a migration adds to a
// database already holding events are filled from the event log by
// projector.Rebuild, exactly, even while projectors write.
func migrate(ctx context.Context, conn driver.Conn, log *slog.Logger, cluster string) ([]string, error) {
	return warehouse.MigrateWith(ctx, conn, log, warehouse.MigrateOptions{
		Cluster: cluster,
		Backfill: func(ctx context.Context, names []string) error {
			for _, n := range names {
				if err := projector.Rebuild(ctx, conn, n, log, projector.RebuildOptions{}); err != nil {
					return fmt.Errorf("rebuild %s: %w", n, err)
				}
			}
			return nil
		},
	})
}
