package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
	"github.com/prometheus/client_golang/prometheus"

	"dvpulse/dashboard"
	"dvpulse/event"
	"dvpulse/ingest"
	"dvpulse/internal/config"
	"dvpulse/internal/svc"
	"dvpulse/locality"
	"dvpulse/projector"
	"dvpulse/warehouse"
)

// logFlags are the logging options every command shares.
type logFlags struct{ level, format string }

func (l *logFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&l.level, "log-level", "info", "log level: debug, info, warn or error")
	fs.StringVar(&l.format, "log-format", "text", "log format: text or json")
}

func (l *logFlags) logger(w io.Writer) (*slog.Logger, error) {
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(l.level)); err != nil {
		return nil, fmt.Errorf("log-level: %q is not debug, info, warn or error", l.level)
	}
	opts := &slog.HandlerOptions{Level: lv}
	switch l.format {
	case "text":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	}
	return nil, fmt.Errorf("log-format: %q is not text or json", l.format)
}

var serviceHelp = map[string]string{
	"all": `Runs the ingest API, the projector and the dashboard in one process: the
simplest install. Applies the ClickHouse migrations first. Stops in order on
SIGINT or SIGTERM: readiness goes to 503, HTTP servers drain, the Kafka writer
flushes, the projector writes the batch in hand, then ClickHouse is closed.`,
	"ingest": `Runs the ingest HTTP API: POST /v1/events takes one event or an array,
validates each against the event contract, and answers 2xx only after Kafka
acknowledged the accepted events (acks=all).`,
	"projector": `Runs the projector: a Kafka consumer-group member that writes every event
exactly once to ClickHouse. Applies the ClickHouse migrations first.`,
	"dashboard": `Runs the dashboard: HTML pages (Vietnamese by default, ?lang=en for English)
and the JSON/CSV API under /api/v1.`,
}

func runServices(ctx context.Context, which string, args []string, stderr io.Writer) int {
	fs := flag.NewFlagSet("dvpulse "+which, flag.ContinueOnError)
	fs.SetOutput(stderr)
	var lf logFlags
	lf.register(fs)
	icfg, pcfg, dcfg, chcfg := ingest.DefaultConfig(), projector.DefaultConfig(), dashboard.DefaultConfig(), warehouse.DefaultConfig()
	runIngest, runProjector, runDashboard := which == "all" || which == "ingest", which == "all" || which == "projector", which == "all" || which == "dashboard"
	if runIngest {
		icfg.RegisterFlags(fs)
	}
	if runProjector {
		pcfg.RegisterFlags(fs)
	}
	if runDashboard {
		dcfg.RegisterFlags(fs)
	}
	if runProjector || runDashboard {
		chcfg.RegisterFlags(fs)
	}
	fs.Usage = config.Usage(fs, "dvpulse "+which+" [options]", serviceHelp[which])
	if err := config.Parse(fs, args, nil); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		fmt.Fprintln(stderr, "dvpulse:", err)
		return 2
	}
	if runIngest && runProjector {
		// Shared flags were registered once, on the ingest config.
		pcfg.Brokers, pcfg.Topic, pcfg.Province = icfg.Brokers, icfg.Topic, icfg.Province
		pcfg.DeadLetterTopic = icfg.DeadLetterTopic
	}
	log, err := lf.logger(stderr)
	if err != nil {
		fmt.Fprintln(stderr, "dvpulse:", err)
		return 2
	}
	var cfgErrs []error
	if runIngest {
		cfgErrs = append(cfgErrs, icfg.Validate())
	}
	if runProjector {
		cfgErrs = append(cfgErrs, pcfg.Validate())
	}
	if runDashboard {
		cfgErrs = append(cfgErrs, dcfg.Validate())
	}
	if err := errors.Join(cfgErrs...); err != nil {
		fmt.Fprintf(stderr, "dvpulse %s: invalid configuration:\n%v\n", which, err)
		return 2
	}
	province := icfg.Province
	if !runIngest {
		province = pcfg.Province
	}
	reg, err := locality.Load(province)
	if err != nil {
		fmt.Fprintln(stderr, "dvpulse:", err)
		return 2
	}
	dec := &event.Decoder{Localities: reg}
	dcfg.Province = province

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	var conn driver.Conn
	if runProjector || runDashboard {
		conn, err = warehouse.Open(ctx, chcfg)
		if err != nil {
			log.Error("cannot open ClickHouse", "err", err)
			return 1
		}
		defer conn.Close()
		if runProjector {
			if applied, err := migrate(ctx, conn, log, chcfg.Cluster); err != nil {
				log.Error("migrations failed", "err", err)
				return 1
			} else if len(applied) > 0 {
				log.Info("migrations applied", "migrations", strings.Join(applied, ", "))
			}
			if err := warehouse.SeedLocalities(ctx, conn, reg); err != nil {
				log.Error("writing the locality registry to ClickHouse failed", "err", err)
				return 1
			}
		}
	}

	type component struct {
		name, opsAddr string
		run           func(ctx context.Context, reg *prometheus.Registry, h *svc.Health) error
	}
	var comps []component
	if runIngest {
		comps = append(comps, component{"ingest", icfg.OpsAddr, func(ctx context.Context, r *prometheus.Registry, h *svc.Health) error {
			return ingest.Run(ctx, icfg, log.With("service", "ingest"), dec, r, h)
		}})
	}
	if runProjector {
		comps = append(comps, component{"projector", pcfg.OpsAddr, func(ctx context.Context, r *prometheus.Registry, h *svc.Health) error {
			p, err := projector.New(pcfg, log.With("service", "projector"), conn, dec, reg, r, h)
			if err != nil {
				return err
			}
			return p.Run(ctx)
		}})
	}
	if runDashboard {
		comps = append(comps, component{"dashboard", dcfg.OpsAddr, func(ctx context.Context, r *prometheus.Registry, h *svc.Health) error {
			return dashboard.Run(ctx, dcfg, log.With("service", "dashboard"), conn, r, h)
		}})
	}

	var wg sync.WaitGroup
	errs := make([]error, len(comps))
	opsCtx, opsCancel := context.WithCancel(context.Background())
	defer opsCancel()
	for i, c := range comps {
		promReg := svc.NewRegistry()
		health := &svc.Health{}
		ln, err := svc.Listen(c.opsAddr, c.name+" metrics", c.name+"-ops-addr")
		if err != nil {
			log.Error("cannot start", "service", c.name, "err", err)
			cancel()
			errs[i] = err
			break
		}
		go func() {
			_ = svc.Serve(opsCtx, log, &http.Server{Handler: svc.OpsHandler(promReg, health), ReadHeaderTimeout: 5 * time.Second}, ln, time.Second)
		}()
		log.Info("metrics and health", "service", c.name, "url", "http://"+ln.Addr().String()+"/metrics")
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := c.run(ctx, promReg, health); err != nil {
				errs[i] = fmt.Errorf("%s: %w", c.name, err)
				log.Error("service stopped with an error; stopping the others", "service", c.name, "err", err)
				cancel()
			}
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return 1
	}
	log.Info("stopped cleanly")
	return 0
}

func runMigrate(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("dvpulse migrate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var lf logFlags
	lf.register(fs)
	chcfg := warehouse.DefaultConfig()
	chcfg.RegisterFlags(fs)
	province := fs.String("province", "42", "province whose locality registry is written to the localities table")
	fs.Usage = config.Usage(fs, "dvpulse migrate [options]", `Applies every embedded ClickHouse migration that schema_migrations does not
record yet, in order, creating the database when it is missing, then writes
the province's locality registry (both schemes and the crosswalk) to the
localities table. When a migration adds a projection to a database that
already holds events (an upgrade), the projection is filled from the event
log by the same exact rebuild as "dvpulse projector rebuild", while the
services keep running. Safe to run again at any time.`)
	if err := config.Parse(fs, args, nil); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		fmt.Fprintln(stderr, "dvpulse:", err)
		return 2
	}
	log, err := lf.logger(stderr)
	if err != nil {
		fmt.Fprintln(stderr, "dvpulse:", err)
		return 2
	}
	conn, err := warehouse.Open(ctx, chcfg)
	if err != nil {
		fmt.Fprintln(stderr, "dvpulse migrate:", err)
		return 1
	}
	defer conn.Close()
	applied, err := migrate(ctx, conn, log, chcfg.Cluster)
	if err != nil {
		fmt.Fprintln(stderr, "dvpulse migrate:", err)
		return 1
	}
	reg, err := locality.Load(*province)
	if err != nil {
		fmt.Fprintln(stderr, "dvpulse migrate:", err)
		return 2
	}
	if err := warehouse.SeedLocalities(ctx, conn, reg); err != nil {
		fmt.Fprintln(stderr, "dvpulse migrate:", err)
		return 1
	}
	if len(applied) == 0 {
		fmt.Fprintf(stdout, "database %s is up to date\n", chcfg.Database)
	} else {
		fmt.Fprintf(stdout, "applied to database %s: %s\n", chcfg.Database, strings.Join(applied, ", "))
	}
	return 0
}
