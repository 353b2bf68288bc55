package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"regexp"
	"strings"
	"testing"
	"time"

	"dvpulse/internal/itest"
	"dvpulse/warehouse"
)

// TestMigrateBackfillsNewProjections upgrades a database that holds events
// but not yet migration 0003 (its roll-ups are missing), as a site running
// an older release would. A bare warehouse.Migrate must refuse, naming what
// to run; `dvpulse migrate` must apply 0003 and fill its projections with
// the stored events, exactly.
func TestMigrateBackfillsNewProjections(t *testing.T) {
	cfg, conn := itest.ClickHouse(t)
	ctx := context.Background()
	const n = 200
	b, err := conn.PrepareBatch(ctx, `INSERT INTO events (event_id, event_type, occurred_at, received_at, commune_code, aggregate_id,
		channel, topics, text, sentiment_label, sentiment_score, sentiment_method, kafka_topic, kafka_partition, kafka_offset)`)
	if err != nil {
		t.Fatal(err)
	}
	at := time.Now().Add(-48 * time.Hour)
	for i := 0; i < n; i++ {
		label := []string{"negative", "neutral", "positive"}[i%3]
		if err := b.Append(fmt.Sprintf("00000000-0000-4000-8000-%012d", i), "feedback.received", at, at, []string{"18073", "18505"}[i%2],
			fmt.Sprintf("PA-%d", i), "hotline_1022", []string{"moi_truong"}, "Rác thải ùn ứ", label, float32(i%3-1), "sender", "t", int32(0), int64(i)); err != nil {
			t.Fatal(err)
		}
	}
	if err := b.Send(); err != nil {
		t.Fatal(err)
	}

	// Make the database look as it did before 0003: its tables and views
	// gone and the migration not recorded.
	var m3 warehouse.Migration
	ms, err := warehouse.Migrations()
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range ms {
		if m.Version == 3 {
			m3 = m
		}
	}
	news, err := warehouse.NewProjections(m3)
	if err != nil || len(news) == 0 {
		t.Fatalf("migration 0003 adds no projections (%v); the test needs one", err)
	}
	nameRe := regexp.MustCompile(`(?i)CREATE\s+(?:TABLE|MATERIALIZED\s+VIEW)\s+IF\s+NOT\s+EXISTS\s+([A-Za-z0-9_]+)`)
	for i := len(m3.Statements) - 1; i >= 0; i-- {
		if g := nameRe.FindStringSubmatch(m3.Statements[i]); g != nil {
			if err := conn.Exec(ctx, "DROP TABLE IF EXISTS "+g[1]); err != nil {
				t.Fatal(err)
			}
		}
	}
	for _, q := range []string{
		"CREATE TABLE schema_migrations_old AS schema_migrations",
		"INSERT INTO schema_migrations_old SELECT * FROM schema_migrations WHERE version != 3",
		"DROP TABLE schema_migrations",
		"RENAME TABLE schema_migrations_old TO schema_migrations",
	} {
		if err := conn.Exec(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}

	_, err = warehouse.Migrate(ctx, conn, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err == nil || !strings.Contains(err.Error(), "dvpulse migrate") {
		t.Fatalf("a bare Migrate of a database with events must refuse to add empty projections; got %v", err)
	}

	var out, errb bytes.Buffer
	code := run(ctx, []string{"migrate", "--clickhouse-addr", cfg.Addr, "--clickhouse-database", cfg.Database, "--log-level", "warn"}, &out, &errb)
	if code != 0 || !strings.Contains(out.String(), "0003_rollups") {
		t.Fatalf("dvpulse migrate: exit %d\n%s%s", code, out.String(), errb.String())
	}
	if got := itest.Count(t, conn, "SELECT toUInt64(sum(received)) FROM feedback_commune_daily"); got != n {
		t.Errorf("feedback_commune_daily after the upgrade counts %d feedback, want %d", got, n)
	}
	if got := itest.Count(t, conn, "SELECT toUInt64(sum(negative)) FROM feedback_commune_daily"); got != (n+2)/3 {
		t.Errorf("feedback_commune_daily after the upgrade counts %d negative, want %d", got, (n+2)/3)
	}
	if got := itest.Count(t, conn, "SELECT count() FROM feedback_index"); got != n {
		t.Errorf("feedback_index after the upgrade holds %d rows, want %d", got, n)
	}
	if got := itest.Count(t, conn, "SELECT count() FROM schema_migrations WHERE version = 3"); got != 1 {
		t.Errorf("migration 0003 recorded %d times, want once", got)
	}
}
