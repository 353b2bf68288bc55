package warehouse

import (
	"flag"
	"os"
	"regexp"
	"strings"
	"testing"

	"dvpulse/internal/golden"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden")

func TestClusterGolden(t *testing.T) {
	in, err := os.ReadFile("testdata/cluster_input.sql")
	if err != nil {
		t.Fatal(err)
	}
	out, err := ClusterStatements(SplitStatements(string(in)), "dvpulse_cluster")
	if err != nil {
		t.Fatal(err)
	}
	got := strings.Join(out, ";\n\n") + ";\n"
	golden.Check(t, "testdata/cluster.golden", got, *update, "go test ./warehouse -run TestClusterGolden -update")
}

func TestClusterSingleNodeUnchanged(t *testing.T) {
	in := []string{"CREATE TABLE IF NOT EXISTS a (x UInt8) ENGINE = MergeTree() ORDER BY x"}
	out, err := ClusterStatements(in, "")
	if err != nil || len(out) != 1 || out[0] != in[0] {
		t.Fatalf("single node: %v %v", out, err)
	}
}

// TestClusterRewritesEveryMigration checks the real migrations: each one
// rewrites, every MergeTree table is Replicated with a Distributed twin,
// every statement is ON CLUSTER, and views read and write local tables.
func TestClusterRewritesEveryMigration(t *testing.T) {
	ms, err := Migrations()
	if err != nil {
		t.Fatal(err)
	}
	rw := NewClusterRewriter("c1")
	var all []string
	for _, m := range ms {
		out, err := rw.Rewrite(m.Statements)
		if err != nil {
			t.Fatalf("migration %04d_%s: %v", m.Version, m.Name, err)
		}
		all = append(all, out...)
	}
	plainEngine := regexp.MustCompile(`ENGINE = (Summing|Replacing|Aggregating|Collapsing)?MergeTree\(`)
	for _, st := range all {
		if !strings.Contains(st, " ON CLUSTER c1") {
			t.Errorf("statement without ON CLUSTER: %.80s", st)
		}
		if plainEngine.MatchString(st) {
			t.Errorf("MergeTree not made Replicated: %.120s", st)
		}
		if strings.HasPrefix(st, "CREATE MATERIALIZED VIEW") && (!strings.Contains(st, "_local AS ") || strings.Contains(st, "FROM events\n")) {
			t.Errorf("view not on local tables: %.200s", st)
		}
	}
	joined := strings.Join(all, "\n")
	for _, want := range []string{
		"CREATE TABLE IF NOT EXISTS events_local ON CLUSTER c1",
		"ENGINE = ReplicatedMergeTree('/clickhouse/tables/{shard}/dvpulse/events', '{replica}')",
		"CREATE TABLE IF NOT EXISTS events ON CLUSTER c1 AS events_local ENGINE = Distributed(c1, currentDatabase(), events_local, kafka_partition)",
		"ReplicatedSummingMergeTree('/clickhouse/tables/{shard}/dvpulse/feedback_daily', '{replica}')",
		"CREATE TABLE IF NOT EXISTS feedback_daily ON CLUSTER c1 AS feedback_daily_local ENGINE = Distributed(c1, currentDatabase(), feedback_daily_local, rand())",
	} {
		if !strings.Contains(joined, want) {
			t.Errorf("rewrite lacks %q", want)
		}
	}
}
