package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"dvpulse/internal/itest"
)

// TestPopulationImport imports a file with good and bad rows: the good
// ones are stored, each bad one is named (line, column, why), the exit
// status says some were skipped, and a second import of a commune wins.
func TestPopulationImport(t *testing.T) {
	cfg, conn := itest.ClickHouse(t)
	ctx := context.Background()
	dir := t.TempDir()
	file := filepath.Join(dir, "dan-so.csv")
	csv := "\ufeffcommune_code,population,year\n" +
		"18073,25400,2025\n" +
		"18496,\"31.250\",2025\n" + // thousands separator as Vietnamese writes it
		"99999,1000,2025\n" + // no such commune
		"18115,nhiều,2025\n" + // not a number
		"18115,12000,1890\n" + // bad year
		"18073,26000,2025\n" // twice
	if err := os.WriteFile(file, []byte(csv), 0o644); err != nil {
		t.Fatal(err)
	}
	var out, errb bytes.Buffer
	args := []string{"--clickhouse-addr", cfg.Addr, "--clickhouse-database", cfg.Database}
	code := run(ctx, append([]string{"population", "import", file, "--source", "test"}, args...), &out, &errb)
	if code != 1 {
		t.Fatalf("exit %d, want 1 (rows skipped)\n%s\n%s", code, out.String(), errb.String())
	}
	for _, want := range []string{"line 4, column commune_code", "99999", "line 5, column population", `"nhiều"`,
		"line 6, column year", "line 7, column commune_code: 18073 is also on line 2", "stored the population of 2 communes; 4 rows skipped"} {
		if !strings.Contains(errb.String()+out.String(), want) {
			t.Errorf("output lacks %q:\n%s%s", want, out.String(), errb.String())
		}
	}
	got := map[string]uint64{}
	rows, err := conn.Query(ctx, "SELECT commune_code, argMax(population, version) FROM locality_population GROUP BY commune_code")
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var c string
		var n uint64
		if err := rows.Scan(&c, &n); err != nil {
			t.Fatal(err)
		}
		got[c] = n
	}
	rows.Close()
	if len(got) != 2 || got["18073"] != 25400 || got["18496"] != 31250 {
		t.Fatalf("stored %v, want 18073: 25400 and 18496: 31250", got)
	}

	// A newer import of a commune replaces its figure.
	if err := os.WriteFile(file, []byte("commune_code,population\n18073,27000\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	errb.Reset()
	if code := run(ctx, append([]string{"population", "import", file}, args...), &out, &errb); code != 0 {
		t.Fatalf("second import: exit %d\n%s", code, errb.String())
	}
	out.Reset()
	errb.Reset()
	if code := run(ctx, append([]string{"population", "list"}, args...), &out, &errb); code != 0 {
		t.Fatalf("list: exit %d\n%s", code, errb.String())
	}
	if !strings.Contains(out.String(), "27000") || strings.Contains(out.String(), "25400") || !strings.Contains(out.String(), "31250") {
		t.Fatalf("list after the second import:\n%s", out.String())
	}

	// A file without the needed columns is refused as a whole.
	if err := os.WriteFile(file, []byte("ma_xa,dan_so\n18073,1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	errb.Reset()
	if code := run(ctx, append([]string{"population", "import", file}, args...), &out, &errb); code != 1 || !strings.Contains(errb.String(), `no "commune_code" column`) {
		t.Fatalf("file without the columns: exit %d\n%s", code, errb.String())
	}
}
