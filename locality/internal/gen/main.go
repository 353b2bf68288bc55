// Command gen derives the locality data file of one province from the
// shared reference data, for package dvpulse/locality to embed.
//
// Run it from the repository root:
//
//	go run ./locality/internal/gen -shared ../shared/data/localities -province 42 -out locality/data/42.json
//
// Flags and their defaults:
//
//	-shared    folder holding the two source files (../shared/data/localities)
//	-province  2025 province code (42, Hà Tĩnh)
//	-out       output file, "-" for standard output (locality/data/<province>.json)
//
// The output depends only on the source files and the province, so running
// gen twice gives the same bytes. A summary, including how many crosswalk
// rows were skipped and why, goes to standard error.
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"dvpulse/locality/internal/datafile"
)

func main() {
	shared := flag.String("shared", "../shared/data/localities", "folder holding the shared locality source files")
	province := flag.String("province", "42", "2025 province code")
	out := flag.String("out", "", `output file, "-" for standard output (default "locality/data/<province>.json")`)
	flag.Parse()
	if flag.NArg() > 0 {
		fmt.Fprintf(os.Stderr, "gen: unexpected arguments %q\n", flag.Args())
		flag.Usage()
		os.Exit(2)
	}
	if *out == "" {
		*out = filepath.Join("locality", "data", *province+".json")
	}
	if err := run(*shared, *province, *out, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

func run(shared, province, out string, log io.Writer) error {
	src, err := loadSources(shared)
	if err != nil {
		return err
	}
	f, rep, err := src.generate(province)
	if err != nil {
		return err
	}
	rep.print(log)
	b, err := datafile.Marshal(f)
	if err != nil {
		return err
	}
	if out == "-" {
		_, err = os.Stdout.Write(b)
		return err
	}
	if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(out, b, 0o644); err != nil {
		return err
	}
	fmt.Fprintf(log, "gen: wrote %s (%d bytes)\n", out, len(b))
	return nil
}
