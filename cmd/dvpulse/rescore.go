package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"time"

	"dvpulse/internal/config"
	"dvpulse/nlp"
	"dvpulse/projector"
	"dvpulse/warehouse"
)

// RunRescore is `dvpulse projector rescore [options]`: after a model
// upgrade it scores the model-scored feedback again with this binary's
// model and, with --rebuild, rebuilds the projections that use sentiment.
func RunRescore(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("dvpulse projector rescore", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var lf logFlags
	lf.register(fs)
	chcfg := warehouse.DefaultConfig()
	chcfg.RegisterFlags(fs)
	dry := fs.Bool("dry-run", false, "only count the feedback that would be rescored")
	rebuild := fs.Bool("rebuild", false, "afterwards, rebuild every projection that uses sentiment, so the indicators show the new scores")
	batchRows := fs.Int("batch-rows", 10000, "rescored rows per insert")
	ttl := fs.Duration("fence-ttl", 30*time.Second, "longest a fenced step of --rebuild may hold the projectors' inserts if it dies holding it")
	fs.Usage = config.Usage(fs, "dvpulse projector rescore [options]", `Scores again, with this binary's model and topic lexicon, every feedback
text whose sentiment or topics came from another model version (a sender's
sentiment or topics are never touched), and stores the new scores in
feedback_rescores. The event log itself is not changed. The indicators keep
the old scores until their projections are rebuilt: add --rebuild, or run
"dvpulse projector rebuild NAME" for each projection it lists.

Upgrade the projectors first, so that new feedback is scored by the new
model too. Safe to run while the services run, and to run again: feedback
already scored by this version is skipped. See projector/DESIGN.md,
"Rescoring".`)
	if err := config.Parse(fs, args, nil); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		fmt.Fprintln(stderr, "dvpulse:", err)
		return 2
	}
	if fs.NArg() != 0 {
		fmt.Fprintf(stderr, "dvpulse projector rescore: unexpected argument %q (see --help)\n", fs.Arg(0))
		return 2
	}
	log, err := lf.logger(stderr)
	if err != nil {
		fmt.Fprintln(stderr, "dvpulse:", err)
		return 2
	}
	sc, err := nlp.Default()
	if err != nil {
		fmt.Fprintln(stderr, "dvpulse projector rescore: load the model:", err)
		return 1
	}
	conn, err := warehouse.Open(ctx, chcfg)
	if err != nil {
		fmt.Fprintln(stderr, "dvpulse projector rescore:", err)
		return 1
	}
	defer conn.Close()
	if _, err := migrate(ctx, conn, log, chcfg.Cluster); err != nil {
		fmt.Fprintln(stderr, "dvpulse projector rescore: migrate:", err)
		return 1
	}
	names, err := projector.ScoredProjections()
	if err != nil {
		fmt.Fprintln(stderr, "dvpulse projector rescore:", err)
		return 1
	}
	start := time.Now()
	last := time.Time{}
	res, err := projector.Rescore(ctx, conn, sc, projector.RescoreOptions{
		BatchRows: *batchRows,
		DryRun:    *dry,
		Progress: func(done, total uint64) {
			if time.Since(last) < time.Second && done < total {
				return
			}
			last = time.Now()
			pct := 100.0
			if total > 0 {
				pct = 100 * float64(done) / float64(total)
			}
			fmt.Fprintf(stderr, "rescored %d of %d (%.0f%%) in %s\n", done, total, pct, time.Since(start).Round(time.Second))
		},
	})
	if err != nil {
		fmt.Fprintln(stderr, "dvpulse projector rescore:", err)
		return 1
	}
	if *dry {
		fmt.Fprintf(stdout, "%d feedback texts would be rescored with %s\n", res.Candidates, res.Model)
		return 0
	}
	fmt.Fprintf(stdout, "rescored %d feedback texts with %s in %s; %d changed label\n", res.Rescored, res.Model, time.Since(start).Round(time.Millisecond), res.Changed)
	if !*rebuild {
		if res.Rescored > 0 {
			fmt.Fprintln(stdout, "the indicators show the new scores after these projections are rebuilt (or rerun with --rebuild):")
			for _, n := range names {
				fmt.Fprintf(stdout, "  dvpulse projector rebuild %s\n", n)
			}
		}
		return 0
	}
	for i, n := range names {
		fmt.Fprintf(stderr, "rebuilding %s (%d of %d)\n", n, i+1, len(names))
		t := time.Now()
		if err := projector.Rebuild(ctx, conn, n, log, projector.RebuildOptions{FenceTTL: *ttl}); err != nil {
			fmt.Fprintf(stderr, "dvpulse projector rescore: rebuild %s: %v\n(the rescores are stored; rerun with --rebuild, or rebuild the rest by hand)\n", n, err)
			return 1
		}
		fmt.Fprintf(stdout, "projection %s rebuilt in %s\n", n, time.Since(t).Round(time.Millisecond))
	}
	return 0
}
