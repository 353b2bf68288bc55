package importer

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"strings"
	"time"

	"dvpulse/event"
	"dvpulse/internal/config"
	"dvpulse/locality"
)

const synopsis = "dvpulse import [options] FILE"

const description = `Imports a file of events into dvpulse: a CSV sheet filled in by a commune
officer (Excel or LibreOffice), or NDJSON (one event object per line, any
event type). Every row is checked locally first — the same checks as
ingest, including commune codes — then the valid rows are sent to ingest's
POST /v1/events in batches. Nhập tệp CSV (bảng tính của xã) hoặc NDJSON.

CSV layout for feedback.received (header in row 1; Vietnamese or English
header, upper/lower case and diacritics do not matter; "," ";" or tab):
%s
Dates without an offset are Vietnam time (Asia/Ho_Chi_Minh). Unknown
columns (such as STT) are ignored. Save the file as "CSV UTF-8". A sample:
importer/testdata/mau-phan-anh.csv; the layout: importer/README.md.

Rerunning is safe: each CSV row gets a fixed event_id computed from
--source, ma_phan_anh and the row's values (not its position or format), so
rows that already went through are dropped as duplicates downstream. An
edited row is a new event. NDJSON events carry their own event_id.

Progress goes to stderr. At the end a report lists every rejected row: row
(as the spreadsheet shows it, header = row 1), column and reason — as a
table on stdout, or with --report as a CSV file that Excel opens.

Exit status: 0 every row went through; 1 some rows were rejected or not
sent (the report says which; rerun after fixing them); 2 bad usage.

Examples:
  dvpulse import --dry-run phan-anh-thang-3.csv
  dvpulse import --token "$KEY" --report loi.csv phan-anh-thang-3.csv
  dvpulse import --ingest-url http://ingest.internal:8080 events.ndjson`

// cli holds what Main takes from the process, so tests can replace it.
type cli struct {
	stdin      io.Reader
	lookupEnv  func(string) (string, bool)
	isTerminal func(io.Writer) bool
	sleep      func(context.Context, time.Duration) error
}

// Main runs `dvpulse import` and returns the exit status: 0 every row went
// through, 1 some rows were rejected or not sent, 2 bad usage.
func Main(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	return cli{stdin: os.Stdin, lookupEnv: os.LookupEnv, isTerminal: isTerminal}.main(ctx, args, stdout, stderr)
}

func columnHelp() string {
	var b strings.Builder
	for _, c := range feedbackReceived.Columns {
		req := ""
		if c.Required {
			req = " (bắt buộc/required)"
		}
		line := fmt.Sprintf("  %-12s %-16s%s", c.Name, c.Alias, req)
		fmt.Fprintf(&b, "%s\n      %s\n", strings.TrimRight(line, " "), c.Help)
	}
	return b.String()
}

func (c cli) main(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("dvpulse import", flag.ContinueOnError)
	fs.SetOutput(stderr)
	ingestURL := fs.String("ingest-url", "http://127.0.0.1:8080", "base URL of the ingest API")
	batch := fs.Int("batch", 500, "events per request")
	token := fs.String("token", "", "write key, sent as \"Authorization: Bearer <token>\"")
	source := fs.String("source", "commune_spreadsheet", "source.system of CSV events (part of their event_id: keep it the same between reruns)")
	dryRun := fs.Bool("dry-run", false, "validate only; send nothing")
	report := fs.String("report", "", "write the report to this CSV file (UTF-8 with BOM, for Excel) instead of a table on stdout")
	format := fs.String("format", "auto", "file format: auto (from the extension, else the first byte), csv or ndjson")
	eventType := fs.String("type", "feedback.received", "event type of CSV rows; CSV layouts: "+strings.Join(CSVTypes(), ", "))
	delim := fs.String("delimiter", "auto", `CSV cell delimiter: auto (sniffed from the header), ",", ";" or tab`)
	province := fs.String("province", "42", "province whose commune codes are accepted")
	retryFor := fs.Duration("retry-for", 2*time.Minute, "keep retrying a batch that ingest cannot take (503, unreachable) for this long, then stop")
	fs.Usage = func() {
		fs.SetOutput(stdout)
		config.Usage(fs, synopsis, fmt.Sprintf(description, columnHelp()))()
	}
	files, err := parseInterleaved(fs, args, c.lookupEnv)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	usageErr := func(format string, a ...any) int {
		fmt.Fprintf(stderr, "dvpulse import: "+format+"\nRun \"dvpulse import --help\" for the layout and the options.\n", a...)
		return 2
	}
	if err != nil {
		return usageErr("%v", err)
	}
	if len(files) != 1 {
		return usageErr("give exactly one FILE (or - for stdin); got %d", len(files))
	}
	if *batch < 1 {
		return usageErr("--batch must be at least 1")
	}
	if u, err := url.Parse(*ingestURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return usageErr("--ingest-url %q is not an http(s) URL", *ingestURL)
	}
	if s := strings.TrimSpace(*source); s == "" || len(s) > 64 {
		return usageErr("--source must be 1 to 64 bytes")
	}
	opt := Options{EventType: *eventType, Source: strings.TrimSpace(*source), Batch: *batch, Location: HoChiMinh()}
	switch *format {
	case "auto":
	case FormatCSV, FormatNDJSON:
		opt.Format = *format
	default:
		return usageErr("--format %q: use auto, csv or ndjson", *format)
	}
	switch *delim {
	case "auto":
	case ",", ";":
		opt.Delimiter = (*delim)[0]
	case "tab", `\t`, "\t":
		opt.Delimiter = '\t'
	default:
		return usageErr(`--delimiter %q: use auto, ",", ";" or tab`, *delim)
	}
	reg, err := locality.Load(*province)
	if err != nil {
		return usageErr("%v", err)
	}
	opt.Decoder = &event.Decoder{Localities: reg}

	var in io.Reader
	name := files[0]
	if name == "-" {
		in, name = c.stdin, "stdin"
	} else {
		f, err := os.Open(name)
		if err != nil {
			return usageErr("%v", err)
		}
		defer f.Close()
		in = f
	}
	var reportFile *os.File
	if *report != "" {
		// Open it now, so a bad path fails before anything is sent.
		if reportFile, err = os.Create(*report); err != nil {
			return usageErr("--report: %v", err)
		}
		defer reportFile.Close()
	}
	if !*dryRun {
		opt.Sender = &Sender{URL: *ingestURL, Token: *token, RetryFor: *retryFor, sleep: c.sleep}
	}
	opt.Progress = stderr
	opt.InPlace = c.isTerminal != nil && c.isTerminal(stderr)

	res, err := Run(ctx, in, name, opt)
	if errors.Is(err, ErrNoLayout) {
		return usageErr("%v", err)
	}
	if err != nil {
		fmt.Fprintf(stderr, "dvpulse import: %s: %v\n", name, err)
		return 1
	}
	WriteSummary(stdout, name, res)
	if reportFile != nil {
		var buf bytes.Buffer
		WriteCSV(&buf, res.Issues, res.Delimiter)
		if _, err := reportFile.Write(buf.Bytes()); err == nil {
			err = reportFile.Close()
		}
		if err != nil {
			fmt.Fprintf(stderr, "dvpulse import: write report: %v\n", err)
			return 1
		}
		fmt.Fprintf(stdout, "report: %d problems written to %s\n", len(res.Issues), *report)
	} else {
		WriteTable(stdout, res.Issues)
	}
	if !res.OK() {
		return 1
	}
	return 0
}

// parseInterleaved parses flags before and after the file name
// ("import FILE --dry-run" works), applying DVPULSE_* variables first.
func parseInterleaved(fs *flag.FlagSet, args []string, lookup func(string) (string, bool)) ([]string, error) {
	if lookup == nil {
		lookup = func(string) (string, bool) { return "", false }
	}
	if err := config.Parse(fs, args, lookup); err != nil {
		return nil, err
	}
	var files []string
	for rest := fs.Args(); len(rest) > 0; rest = fs.Args() {
		if rest[0] == "--" {
			return append(files, rest[1:]...), nil
		}
		files = append(files, rest[0])
		if err := fs.Parse(rest[1:]); err != nil {
			return nil, err
		}
	}
	return files, nil
}

// isTerminal reports whether w is a character device (a terminal).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
