package warehouse

import (
	"context"
	"embed"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"log/slog"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"
	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// Config says how to reach ClickHouse.
type Config struct {
	// Addr is the native-protocol address. Default 127.0.0.1:9000.
	Addr string
	// Database holds every dvpulse table. Default dvpulse.
	Database string
	// User and Password authenticate. Default "default" with no password.
	User, Password string
	// DialTimeout bounds connecting. Default 5 s.
	DialTimeout time.Duration
	// Cluster, when set, names the ClickHouse cluster: migrations become
	// Replicated tables + Distributed tables ON CLUSTER (see
	// ClusterStatements) and inserts into Distributed tables are synchronous.
	// Default "" (one server).
	Cluster string
}

// DefaultConfig returns settings that work against deploy/local.
func DefaultConfig() Config {
	return Config{Addr: "127.0.0.1:9000", Database: "dvpulse", User: "default", DialTimeout: 5 * time.Second}
}

// RegisterFlags binds the fields to flags on fs.
func (c *Config) RegisterFlags(fs *flag.FlagSet) {
	fs.StringVar(&c.Addr, "clickhouse-addr", c.Addr, "ClickHouse native-protocol address (host:port)")
	fs.StringVar(&c.Database, "clickhouse-database", c.Database, "ClickHouse database for dvpulse's tables")
	fs.StringVar(&c.User, "clickhouse-user", c.User, "ClickHouse user")
	fs.StringVar(&c.Password, "clickhouse-password", c.Password, "ClickHouse password")
	fs.StringVar(&c.Cluster, "clickhouse-cluster", c.Cluster, "ClickHouse cluster name for Replicated + Distributed tables ON CLUSTER; empty for one server")
}

var identRe = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// Validate reports invalid settings.
func (c *Config) Validate() error {
	var errs []error
	if c.Addr == "" {
		errs = append(errs, errors.New("clickhouse-addr: empty"))
	}
	if c.Cluster != "" && !identRe.MatchString(c.Cluster) {
		errs = append(errs, fmt.Errorf("clickhouse-cluster: %q is not a plain identifier (letters, digits, _)", c.Cluster))
	}
	if !identRe.MatchString(c.Database) {
		errs = append(errs, fmt.Errorf("clickhouse-database: %q is not a plain identifier (letters, digits, _)", c.Database))
	}
	return errors.Join(errs...)
}

// Open connects to cfg.Database, creating the database first when it is
// missing, and pings the server.
func Open(ctx context.Context, cfg Config) (driver.Conn, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	boot, err := open(ctx, cfg, "default")
	if err != nil {
		return nil, err
	}
	create := "CREATE DATABASE IF NOT EXISTS " + cfg.Database
	if cfg.Cluster != "" {
		create += " ON CLUSTER " + cfg.Cluster
	}
	err = boot.Exec(ctx, create)
	boot.Close()
	if err != nil {
		return nil, fmt.Errorf("create database %s: %w", cfg.Database, err)
	}
	return open(ctx, cfg, cfg.Database)
}

func open(ctx context.Context, cfg Config, db string) (driver.Conn, error) {
	timeout := cfg.DialTimeout
	if timeout <= 0 {
		timeout = 5 * time.Second
	}
	var settings clickhouse.Settings
	if cfg.Cluster != "" {
		// An insert into a Distributed table returns only once every shard
		// stored its rows: the projector's commit point stays an insert.
		settings = clickhouse.Settings{"insert_distributed_sync": 1}
	}
	conn, err := clickhouse.Open(&clickhouse.Options{
		Settings:     settings,
		Protocol:     clickhouse.Native,
		Addr:         []string{cfg.Addr},
		Auth:         clickhouse.Auth{Database: db, Username: cfg.User, Password: cfg.Password},
		DialTimeout:  timeout,
		MaxOpenConns: 20,
		// As many idle as open: with fewer, a busy dashboard closes and
		// reopens connections between its queries.
		MaxIdleConns: 20,
		// Each pooled connection keeps its compression buffer; the default
		// (10 MiB, grown to the largest block) cost the projector ~37 MB.
		MaxCompressionBuffer: 1 << 20,
		ConnMaxLifetime:      time.Hour,
		ReadTimeout:          5 * time.Minute,
	})
	if err != nil {
		return nil, fmt.Errorf("clickhouse %s: %w", cfg.Addr, err)
	}
	pctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	if err := conn.Ping(pctx); err != nil {
		conn.Close()
		return nil, fmt.Errorf("clickhouse %s is not answering (start it with deploy/local/up.sh, or set --clickhouse-addr): %w", cfg.Addr, err)
	}
	return conn, nil
}

// Migration is one numbered .sql file.
type Migration struct {
	Version    int
	Name       string
	Statements []string
}

var migrationName = regexp.MustCompile(`^(\d{4})_([a-z0-9_]+)\.sql$`)

// Migrations returns the embedded migrations in order.
func Migrations() ([]Migration, error) {
	entries, err := fs.ReadDir(migrationFS, "migrations")
	if err != nil {
		return nil, err
	}
	var out []Migration
	for _, e := range entries {
		m := migrationName.FindStringSubmatch(e.Name())
		if m == nil {
			return nil, fmt.Errorf("migration file %s: name must look like 0001_name.sql", e.Name())
		}
		v, _ := strconv.Atoi(m[1])
		b, err := migrationFS.ReadFile("migrations/" + e.Name())
		if err != nil {
			return nil, err
		}
		out = append(out, Migration{Version: v, Name: m[2], Statements: SplitStatements(string(b))})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Version < out[j].Version })
	for i := 1; i < len(out); i++ {
		if out[i].Version == out[i-1].Version {
			return nil, fmt.Errorf("two migrations numbered %04d", out[i].Version)
		}
	}
	return out, nil
}

// SplitStatements splits SQL text on semicolons that end a line, and drops
// comment-only lines.
func SplitStatements(sql string) []string {
	var out []string
	var cur strings.Builder
	for _, line := range strings.Split(sql, "\n") {
		t := strings.TrimSpace(line)
		if t == "" || strings.HasPrefix(t, "--") {
			continue
		}
		cur.WriteString(line)
		cur.WriteByte('\n')
		if strings.HasSuffix(t, ";") {
			s := strings.TrimSuffix(strings.TrimSpace(cur.String()), ";")
			out = append(out, s)
			cur.Reset()
		}
	}
	if s := strings.TrimSpace(cur.String()); s != "" {
		out = append(out, s)
	}
	return out
}

const trackingTable = `CREATE TABLE IF NOT EXISTS schema_migrations (
    version UInt32,
    name String,
    applied_at DateTime
) ENGINE = MergeTree() ORDER BY version`

// Migrate applies every migration not yet recorded in schema_migrations, in
// order, and returns the names it applied. Statements use IF NOT EXISTS, so a
// migration interrupted half-way is safe to run again. A migration that adds
// a projection to a database whose event log already holds events fails
// (nothing would fill the projection with the past): use MigrateWith and a
// Backfill.
func Migrate(ctx context.Context, conn driver.Conn, log *slog.Logger) ([]string, error) {
	return MigrateWith(ctx, conn, log, MigrateOptions{})
}

// MigrateCluster is Migrate in cluster mode when cluster is not empty: every
// statement, the tracking table's included, is rewritten by
// ClusterStatements.
func MigrateCluster(ctx context.Context, conn driver.Conn, log *slog.Logger, cluster string) ([]string, error) {
	return MigrateWith(ctx, conn, log, MigrateOptions{Cluster: cluster})
}

// MigrateOptions tune MigrateWith.
type MigrateOptions struct {
	// Cluster, when set, rewrites every statement for that cluster.
	Cluster string
	// Backfill fills projections that a migration adds (tables that its
	// materialized views feed from events) with the events already stored;
	// the projector's Rebuild does this exactly while events keep arriving.
	// It runs after the migration's statements and before the migration is
	// recorded, so a backfill that fails or is interrupted runs again next
	// time. It is only called when events holds rows.
	Backfill func(ctx context.Context, projections []string) error
}

// NewProjections returns the projections (see Projections) whose feeding
// views migration m creates.
func NewProjections(m Migration) ([]string, error) {
	ps, err := Projections()
	if err != nil {
		return nil, err
	}
	known := map[string]bool{}
	for _, p := range ps {
		known[p.Name] = true
	}
	seen := map[string]bool{}
	var out []string
	for _, st := range m.Statements {
		if g := createMVRe.FindStringSubmatch(st); g != nil && known[g[2]] && !seen[g[2]] {
			seen[g[2]] = true
			out = append(out, g[2])
		}
	}
	return out, nil
}

// MigrateWith is Migrate with options.
func MigrateWith(ctx context.Context, conn driver.Conn, log *slog.Logger, opts MigrateOptions) ([]string, error) {
	cluster := opts.Cluster
	rw := NewClusterRewriter(cluster)
	tracking, err := rw.Rewrite([]string{trackingTable})
	if err != nil {
		return nil, err
	}
	for _, st := range tracking {
		if err := conn.Exec(ctx, st); err != nil {
			return nil, fmt.Errorf("create schema_migrations: %w", err)
		}
	}
	done := map[int]bool{}
	rows, err := conn.Query(ctx, "SELECT version FROM schema_migrations")
	if err != nil {
		return nil, fmt.Errorf("read schema_migrations: %w", err)
	}
	for rows.Next() {
		var v uint32
		if err := rows.Scan(&v); err != nil {
			rows.Close()
			return nil, fmt.Errorf("read schema_migrations: %w", err)
		}
		done[int(v)] = true
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read schema_migrations: %w", err)
	}
	ms, err := Migrations()
	if err != nil {
		return nil, err
	}
	var applied []string
	for _, m := range ms {
		stmts, err := rw.Rewrite(m.Statements)
		if err != nil {
			return applied, fmt.Errorf("migration %04d_%s in cluster mode: %w", m.Version, m.Name, err)
		}
		if done[m.Version] {
			continue
		}
		name := fmt.Sprintf("%04d_%s", m.Version, m.Name)
		log.Info("applying migration", "migration", name, "statements", len(stmts))
		for i, st := range stmts {
			if err := conn.Exec(ctx, st); err != nil {
				return applied, fmt.Errorf("migration %s, statement %d: %w", name, i+1, err)
			}
		}
		if err := backfill(ctx, conn, log, m, name, opts); err != nil {
			return applied, err
		}
		if err := insertRow(ctx, conn, "INSERT INTO schema_migrations (version, name, applied_at)", uint32(m.Version), m.Name, time.Now()); err != nil {
			return applied, fmt.Errorf("record migration %s: %w", name, err)
		}
		applied = append(applied, name)
	}
	return applied, nil
}

// backfill fills the projections migration m added when events already
// holds rows (a database upgraded in place).
func backfill(ctx context.Context, conn driver.Conn, log *slog.Logger, m Migration, name string, opts MigrateOptions) error {
	news, err := NewProjections(m)
	if err != nil || len(news) == 0 {
		return err
	}
	var n uint64
	if err := conn.QueryRow(ctx, "SELECT count() FROM events").Scan(&n); err != nil {
		return fmt.Errorf("migration %s: count events: %w", name, err)
	}
	if n == 0 {
		return nil
	}
	if opts.Backfill == nil || opts.Cluster != "" {
		return fmt.Errorf("migration %s adds projections (%s) to a database that already holds %d events, and nothing here can fill them from the event log: run `dvpulse migrate` (single server), or in cluster mode apply it and then `dvpulse projector rebuild NAME` for each", name, strings.Join(news, ", "), n)
	}
	log.Info("backfilling the projections this migration adds from the event log", "migration", name, "projections", strings.Join(news, ", "), "events", n)
	if err := opts.Backfill(ctx, news); err != nil {
		return fmt.Errorf("migration %s: backfill %s: %w (run `dvpulse migrate` again to retry)", name, strings.Join(news, ", "), err)
	}
	return nil
}

// insertRow inserts one row through a native batch, the form ClickHouse
// 18.16 accepts (an INSERT with bound VALUES through Exec does not finish).
func insertRow(ctx context.Context, conn driver.Conn, insert string, values ...any) error {
	b, err := conn.PrepareBatch(ctx, insert)
	if err != nil {
		return err
	}
	defer b.Close()
	if err := b.Append(values...); err != nil {
		return err
	}
	return b.Send()
}
