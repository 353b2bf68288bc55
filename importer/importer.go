package importer

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"dvpulse/event"
)

// Formats Run reads.
const (
	FormatCSV    = "csv"
	FormatNDJSON = "ndjson"
)

// ErrNoLayout is wrapped by Run when a CSV file is to be read as an event
// type that has no Mapping.
var ErrNoLayout = errors.New("importer: no CSV layout")

// Options configure a Run.
type Options struct {
	// Format is FormatCSV, FormatNDJSON or "" to guess from the file name
	// (.csv; .ndjson, .jsonl, .json) and else from the first byte ("{").
	Format string
	// EventType picks the CSV Mapping. Default feedback.received.
	EventType string
	// Source is source.system of CSV events. Default commune_spreadsheet.
	Source string
	// Delimiter of CSV cells; 0 sniffs it from the header.
	Delimiter byte
	// Location of dates written without an offset. Default Asia/Ho_Chi_Minh.
	Location *time.Location
	// Decoder validates every event before it is sent. Required; give it
	// the locality registry so that unknown commune codes are caught.
	Decoder *event.Decoder
	// Sender posts valid events; nil validates only (a dry run).
	Sender *Sender
	// Batch is the number of events per request. Default 500.
	Batch int
	// Progress, when set, receives progress lines: refreshed in place when
	// InPlace is set (a terminal), else one line every ProgressEvery
	// (default 5 s). Retries are logged there too.
	Progress      io.Writer
	InPlace       bool
	ProgressEvery time.Duration
}

// Issue is one problem with one row.
type Issue struct {
	// Row is the row as a spreadsheet shows it: the header is row 1. For
	// NDJSON it is the line number.
	Row int
	// Column is the CSV header as written in the file (the canonical
	// Vietnamese name when the column is missing), or the event field path
	// for NDJSON; empty when the row as a whole is wrong.
	Column string
	// ID is the row's feedback_id (CSV) or event_id (NDJSON), when known.
	ID     string
	Reason string
}

// Result sums up a Run.
type Result struct {
	Format    string
	Delimiter byte // CSV only
	EventType string
	// Rows counts data rows (CSV, blank rows excluded) or non-blank lines.
	Rows int
	// Valid rows passed local validation; Sent of them were accepted by
	// ingest (none in a dry run).
	Valid, Sent int
	// Rejected rows failed validation here or at ingest; each has Issues.
	Rejected int
	// Duplicates are rows identical to an earlier row (same event_id); they
	// are skipped, not rejected.
	Duplicates int
	// NotSent counts valid rows that were not sent because sending failed;
	// SendError says why.
	NotSent   int
	SendError error
	// Ignored lists CSV headers that no column uses.
	Ignored []string
	Issues  []Issue
	DryRun  bool
}

// OK reports whether every row went through.
func (r *Result) OK() bool {
	return r.Rejected == 0 && r.NotSent == 0 && r.SendError == nil && len(r.Issues) == 0
}

// Run reads one file from r (name is used to guess the format) and
// imports it. It returns an error only when the file cannot be read at all
// or the options are wrong; problems with rows, the header and sending are
// in the Result.
func Run(ctx context.Context, r io.Reader, name string, opt Options) (*Result, error) {
	if opt.Decoder == nil {
		return nil, errors.New("importer: Options.Decoder is required")
	}
	if opt.EventType == "" {
		opt.EventType = "feedback.received"
	}
	if opt.Source == "" {
		opt.Source = "commune_spreadsheet"
	}
	if opt.Batch <= 0 {
		opt.Batch = 500
	}
	if opt.Location == nil {
		opt.Location = HoChiMinh()
	}
	br := bufio.NewReaderSize(r, 64<<10)
	if err := skipBOM(br); err != nil {
		return nil, err
	}
	format := opt.Format
	if format == "" {
		format = guessFormat(name, br)
	}
	im := &run{opt: opt, res: &Result{Format: format, DryRun: opt.Sender == nil}, seen: map[string]int{}, byAgg: map[string]aggSeen{}}
	im.prog = newProgress(opt)
	if opt.Sender != nil && opt.Progress != nil {
		s := *opt.Sender
		s.Log = im.prog.log
		im.opt.Sender = &s
	}
	var err error
	switch format {
	case FormatCSV:
		m, ok := MappingFor(opt.EventType)
		if !ok {
			return nil, fmt.Errorf("%w for event type %q; CSV layouts: %s (NDJSON accepts every type)", ErrNoLayout, opt.EventType, strings.Join(CSVTypes(), ", "))
		}
		im.res.EventType = m.EventType
		err = im.readCSV(ctx, br, m)
	case FormatNDJSON:
		err = im.readNDJSON(ctx, br)
	default:
		return nil, fmt.Errorf("importer: unknown format %q; csv or ndjson", format)
	}
	if err == nil {
		im.flush(ctx)
	}
	if n := im.res.NotSent; n > 0 {
		im.issue(im.firstNotSent, "", "", fmt.Sprintf(
			"not sent: %d valid rows between row %d and row %d were not sent (%v). Run the same command again when ingest is back: rows already sent keep their event_id and are not counted twice",
			n, im.firstNotSent, im.lastNotSent, im.res.SendError))
	}
	im.prog.done(im.res)
	slices.SortStableFunc(im.res.Issues, func(a, b Issue) int { return a.Row - b.Row })
	return im.res, err
}

// HoChiMinh returns Asia/Ho_Chi_Minh, or a fixed +07:00 zone (the same
// since 1975) when the system has no time-zone data.
func HoChiMinh() *time.Location {
	if loc, err := time.LoadLocation("Asia/Ho_Chi_Minh"); err == nil {
		return loc
	}
	return time.FixedZone("ICT", 7*3600)
}

func guessFormat(name string, br *bufio.Reader) string {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".csv", ".txt", ".tsv":
		return FormatCSV
	case ".ndjson", ".jsonl", ".json":
		return FormatNDJSON
	}
	p, _ := br.Peek(512)
	if t := bytes.TrimLeft(p, " \t\r\n"); len(t) > 0 && t[0] == '{' {
		return FormatNDJSON
	}
	return FormatCSV
}

// pendingEvent is a valid row waiting in the current batch.
type pendingEvent struct {
	row  int
	id   string // feedback_id or event_id, for the report
	body json.RawMessage
}

type aggSeen struct {
	row     int
	content string // contentKey of the row
}

type run struct {
	opt   Options
	res   *Result
	prog  *progress
	batch []pendingEvent
	seen  map[string]int     // event_id → first row
	byAgg map[string]aggSeen // CSV: aggregate id → first row
	// failed is set once sending failed; later valid rows are counted as
	// not sent, from row firstNotSent on.
	failed       bool
	firstNotSent int
	lastNotSent  int
	// fieldColumn maps an event field path to the CSV column it came from.
	fieldColumn func(field string) string
}

func (im *run) issue(row int, col, id, reason string) {
	im.res.Issues = append(im.res.Issues, Issue{Row: row, Column: col, ID: id, Reason: reason})
}

// accept queues a valid event; duplicates of an earlier row are skipped.
func (im *run) accept(ctx context.Context, row int, id, eventID string, body json.RawMessage) {
	if _, dup := im.seen[eventID]; dup {
		im.res.Duplicates++
		return
	}
	im.seen[eventID] = row
	im.res.Valid++
	if im.opt.Sender == nil {
		return
	}
	if im.failed {
		im.notSent(row)
		return
	}
	im.batch = append(im.batch, pendingEvent{row: row, id: id, body: body})
	if len(im.batch) >= im.opt.Batch {
		im.flush(ctx)
	}
}

func (im *run) notSent(row int) {
	im.res.NotSent++
	if im.firstNotSent == 0 || row < im.firstNotSent {
		im.firstNotSent = row
	}
	im.lastNotSent = max(im.lastNotSent, row)
}

// flush sends the current batch.
func (im *run) flush(ctx context.Context) {
	if len(im.batch) == 0 || im.opt.Sender == nil {
		return
	}
	bodies := make([]json.RawMessage, len(im.batch))
	for i, p := range im.batch {
		bodies[i] = p.body
	}
	results, err := im.opt.Sender.send(ctx, bodies)
	for i, r := range results {
		p := im.batch[i]
		switch {
		case !r.done:
			im.notSent(p.row)
		case r.accepted:
			im.res.Sent++
		default:
			im.res.Rejected++
			if len(r.errs) == 0 {
				im.issue(p.row, "", p.id, "ingest: rejected")
			}
			for _, fe := range r.errs {
				im.issue(p.row, im.columnFor(fe.Field), p.id, "ingest: "+fe.Reason)
			}
		}
	}
	if err != nil && !im.failed {
		im.failed = true
		im.res.SendError = err
	}
	im.batch = im.batch[:0]
	im.prog.update(im.res)
}

// columnFor names the column an event field came from; set by readCSV.
func (im *run) columnFor(field string) string {
	if im.fieldColumn != nil {
		return im.fieldColumn(field)
	}
	return field
}

// readNDJSON reads one event per line.
func (im *run) readNDJSON(ctx context.Context, br *bufio.Reader) error {
	for line := 1; ; line++ {
		if err := ctx.Err(); err != nil {
			im.res.SendError = err
			return nil
		}
		raw, err := br.ReadBytes('\n')
		if err != nil && err != io.EOF {
			return fmt.Errorf("importer: read line %d: %w", line, err)
		}
		if t := bytes.TrimSpace(raw); len(t) > 0 {
			im.ndjsonLine(ctx, line, t)
		}
		if err == io.EOF {
			return nil
		}
	}
}

func (im *run) ndjsonLine(ctx context.Context, line int, raw []byte) {
	im.res.Rows++
	defer im.prog.update(im.res)
	ev, errs := im.opt.Decoder.Decode(raw)
	if errs != nil {
		im.res.Rejected++
		id := peekEventID(raw)
		for _, fe := range errs {
			im.issue(line, fe.Field, id, fe.Reason)
		}
		return
	}
	body, err := event.Marshal(ev)
	if err != nil {
		im.res.Rejected++
		im.issue(line, "", ev.EventID, "cannot encode: "+err.Error())
		return
	}
	im.accept(ctx, line, ev.EventID, ev.EventID, body)
}

func peekEventID(raw []byte) string {
	var v struct {
		EventID any `json:"event_id"`
	}
	if json.Unmarshal(raw, &v) != nil {
		return ""
	}
	s, _ := v.EventID.(string)
	if len(s) > 64 || !utf8.ValidString(s) {
		return ""
	}
	return s
}
