package main

import (
	"context"
	"encoding/csv"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"dvpulse/internal/config"
	"dvpulse/locality"
	"dvpulse/warehouse"
)

const populationUsage = `Usage: dvpulse population <import FILE | list> [options]

Keeps the population of each 2025 commune in ClickHouse (applying the
migrations first), so that the dashboard shows "Dân vận khéo" models per
10,000 people where the population is known.

  dvpulse population import dan-so-2025.csv [--source "Cục Thống kê 2025"]
        reads a CSV file (UTF-8, a header line, comma-separated) with the
        columns commune_code and population, and optionally year and
        source; a commune imported again takes the newest figures. Rows
        with an unknown commune or a bad number are reported (line, column,
        why) and skipped; the others are stored. Exit status 1 when any row
        was skipped.
  dvpulse population list
        prints the stored figures.

Every command takes the ClickHouse options (--clickhouse-addr, …) and
--province (default 42).
`

// populationRow is one commune's population as imported.
type populationRow struct {
	code       string
	population uint64
	year       uint16
	source     string
}

// runPopulation implements "dvpulse population".
func runPopulation(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		fmt.Fprint(stdout, populationUsage)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	sub, rest := args[0], args[1:]
	if sub != "import" && sub != "list" {
		fmt.Fprintf(stderr, "dvpulse population: unknown command %q\n\n%s", sub, populationUsage)
		return 2
	}
	fs := flag.NewFlagSet("dvpulse population "+sub, flag.ContinueOnError)
	fs.SetOutput(stderr)
	chcfg := warehouse.DefaultConfig()
	chcfg.RegisterFlags(fs)
	province := fs.String("province", "42", "province whose 2025 commune codes the file may use")
	source := fs.String("source", "", "import: where the figures come from, for rows without a source column")
	fs.Usage = config.Usage(fs, "dvpulse population "+sub+" [options]", populationUsage)
	if err := config.Parse(fs, rest, nil); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		fmt.Fprintln(stderr, "dvpulse population:", err)
		return 2
	}
	fail := func(code int, format string, a ...any) int {
		fmt.Fprintf(stderr, "dvpulse population %s: "+format+"\n", append([]any{sub}, a...)...)
		return code
	}
	reg, err := locality.Load(*province)
	if err != nil {
		return fail(2, "%v", err)
	}
	var rows []populationRow
	var problems []string
	if sub == "import" {
		// Options may also follow the file name.
		file := fs.Arg(0)
		if fs.NArg() > 1 {
			if err := fs.Parse(fs.Args()[1:]); err != nil {
				return fail(2, "%v", err)
			}
			if fs.NArg() > 0 {
				return fail(2, "give exactly one CSV file (also got %q)", fs.Arg(0))
			}
		}
		if file == "" {
			return fail(2, "give exactly one CSV file")
		}
		f, err := os.Open(file)
		if err != nil {
			return fail(1, "%v", err)
		}
		rows, problems, err = readPopulation(f, reg, *source)
		f.Close()
		if err != nil {
			return fail(1, "%s: %v", file, err)
		}
		for _, p := range problems {
			fmt.Fprintf(stderr, "%s: %s\n", file, p)
		}
	}

	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	conn, err := warehouse.Open(ctx, chcfg)
	if err != nil {
		return fail(1, "%v", err)
	}
	defer conn.Close()
	if _, err := migrate(ctx, conn, slog.New(slog.NewTextHandler(io.Discard, nil)), chcfg.Cluster); err != nil {
		return fail(1, "migrations: %v", err)
	}

	if sub == "list" {
		q, err := conn.Query(ctx, `SELECT commune_code, argMax(population, version), argMax(year, version), argMax(source, version)
			FROM locality_population GROUP BY commune_code ORDER BY commune_code`)
		if err != nil {
			return fail(1, "%v", err)
		}
		defer q.Close()
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "COMMUNE\tNAME\tPOPULATION\tYEAR\tSOURCE")
		n := 0
		for q.Next() {
			var r populationRow
			if err := q.Scan(&r.code, &r.population, &r.year, &r.source); err != nil {
				return fail(1, "%v", err)
			}
			name := ""
			if u, err := reg.Lookup(locality.Scheme2025, r.code); err == nil {
				name = u.Name
			}
			fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%s\n", r.code, name, r.population, r.year, r.source)
			n++
		}
		if err := q.Err(); err != nil {
			return fail(1, "%v", err)
		}
		tw.Flush()
		fmt.Fprintf(stderr, "%d communes with a population\n", n)
		return 0
	}

	if len(rows) > 0 {
		b, err := conn.PrepareBatch(ctx, "INSERT INTO locality_population (commune_code, population, year, source, imported_at, version)")
		if err != nil {
			return fail(1, "%v", err)
		}
		now := time.Now()
		for _, r := range rows {
			if err := b.Append(r.code, r.population, r.year, r.source, now, uint64(now.UnixNano())); err != nil {
				return fail(1, "%v", err)
			}
		}
		if err := b.Send(); err != nil {
			return fail(1, "storing the rows: %v", err)
		}
	}
	fmt.Fprintf(stdout, "stored the population of %d communes; %d rows skipped\n", len(rows), len(problems))
	if len(problems) > 0 {
		return 1
	}
	return 0
}

// readPopulation reads a population CSV: a header naming the columns
// (commune_code and population, optionally year and source), then one
// commune a line. It returns the valid rows and, for every other line, a
// problem naming the line, the column and why.
func readPopulation(r io.Reader, reg *locality.Registry, defaultSource string) ([]populationRow, []string, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true
	header, err := cr.Read()
	if err != nil {
		return nil, nil, fmt.Errorf("reading the header line: %w", err)
	}
	col := map[string]int{}
	for i, h := range header {
		if i == 0 {
			h = strings.TrimPrefix(h, "\ufeff")
		}
		col[strings.ToLower(strings.TrimSpace(h))] = i
	}
	for _, need := range []string{"commune_code", "population"} {
		if _, ok := col[need]; !ok {
			return nil, nil, fmt.Errorf("the header has no %q column (it has %q); the columns are commune_code, population and optionally year and source",
				need, strings.Join(header, ","))
		}
	}
	get := func(rec []string, name string) string {
		if i, ok := col[name]; ok && i < len(rec) {
			return strings.TrimSpace(rec[i])
		}
		return ""
	}
	var rows []populationRow
	var problems []string
	seen := map[string]int{}
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		line, _ := cr.FieldPos(0)
		if err != nil {
			problems = append(problems, fmt.Sprintf("line %d: %v", line, err))
			continue
		}
		bad := func(column, format string, a ...any) {
			problems = append(problems, fmt.Sprintf("line %d, column %s: %s", line, column, fmt.Sprintf(format, a...)))
		}
		row := populationRow{code: get(rec, "commune_code"), source: get(rec, "source")}
		if row.source == "" {
			row.source = defaultSource
		}
		if _, err := reg.Lookup(locality.Scheme2025, row.code); err != nil {
			bad("commune_code", "%v", err)
			continue
		}
		if prev, ok := seen[row.code]; ok {
			bad("commune_code", "%s is also on line %d; give each commune once", row.code, prev)
			continue
		}
		p, err := strconv.ParseUint(strings.ReplaceAll(strings.ReplaceAll(get(rec, "population"), ".", ""), " ", ""), 10, 64)
		if err != nil || p == 0 || p > 100_000_000 {
			bad("population", "%q is not a number of people (a whole number from 1 to 100,000,000)", get(rec, "population"))
			continue
		}
		row.population = p
		if y := get(rec, "year"); y != "" {
			n, err := strconv.Atoi(y)
			if err != nil || n < 1900 || n > 2100 {
				bad("year", "%q is not a year between 1900 and 2100", y)
				continue
			}
			row.year = uint16(n)
		}
		seen[row.code] = line
		rows = append(rows, row)
	}
	return rows, problems, nil
}
