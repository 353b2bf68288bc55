package importer

import (
	"bufio"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"dvpulse/event"
)

// notUTF8 is the reason given for a row that is not valid UTF-8.
const notUTF8 = `not valid UTF-8 text: the file seems to be saved in another encoding (Windows-1258, "ANSI"). In Excel use File → Save As → "CSV UTF-8 (Comma delimited) (*.csv)"; in LibreOffice tick "Edit filter settings" and choose character set "Unicode (UTF-8)"`

// headerSearch is how many records may precede the header (a title, blank
// rows).
const headerSearch = 10

// csvLayout is a header matched against a Mapping.
type csvLayout struct {
	m      *Mapping
	colOf  []int    // per cell position: Mapping column, or -1
	names  []string // per Mapping column: header as written, or its Name
	header []string
}

func (l *csvLayout) fieldColumn(field string) string {
	if i := l.m.columnOf(field); i >= 0 {
		return l.names[i]
	}
	return field
}

// readCSV reads the header, then every row.
func (im *run) readCSV(ctx context.Context, br *bufio.Reader, m *Mapping) error {
	delim := im.opt.Delimiter
	if delim == 0 {
		head, _ := br.Peek(64 << 10)
		delim = sniffCSV(head, func(h string) bool { _, ok := m.column(h); return ok })
	}
	im.res.Delimiter = delim
	cr := newCSVReader(br, delim)

	row := 0
	var lay *csvLayout
	sawBadUTF8 := false
	for lay == nil {
		rec, err := cr.read()
		row++
		if err == io.EOF || row > headerSearch {
			reason := fmt.Sprintf("no header row found in the first %d rows; the first row must name the columns, e.g. %s", headerSearch, requiredList(m))
			if row == 1 {
				reason = "the file is empty; " + reason
			}
			if sawBadUTF8 {
				reason += "; " + notUTF8
			}
			im.issue(1, "", "", reason)
			return nil
		}
		if err != nil {
			return im.readError(row, err)
		}
		known := 0
		for _, c := range rec {
			sawBadUTF8 = sawBadUTF8 || !utf8.ValidString(c)
			if _, ok := m.column(c); ok {
				known++
			}
		}
		if known >= min(2, len(m.Columns)) {
			lay = im.layout(row, rec, m)
			if lay == nil {
				return nil
			}
		}
	}
	im.fieldColumn = lay.fieldColumn

	for {
		if err := ctx.Err(); err != nil {
			im.res.SendError = err
			return nil
		}
		rec, err := cr.read()
		row++
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return im.readError(row, err)
		}
		if blank(rec) {
			continue
		}
		im.res.Rows++
		im.csvRow(ctx, row, rec, lay)
		im.prog.update(im.res)
	}
}

// readError reports an unclosed quote as an issue; other errors end Run.
func (im *run) readError(row int, err error) error {
	if errors.Is(err, errUnclosedQuote) {
		im.issue(row, "", "", err.Error()+`; the rest of the file could not be read. Close the quote (") or remove it`)
		return nil
	}
	return fmt.Errorf("importer: read row %d: %w", row, err)
}

func requiredList(m *Mapping) string {
	var out []string
	for _, c := range m.Columns {
		if c.Required {
			out = append(out, c.Name)
		}
	}
	return strings.Join(out, ", ")
}

// layout matches a header row against m. It reports duplicate and missing
// required columns as issues and then returns nil.
func (im *run) layout(row int, rec []string, m *Mapping) *csvLayout {
	l := &csvLayout{m: m, colOf: make([]int, len(rec)), names: make([]string, len(m.Columns)), header: rec}
	where := make([]int, len(m.Columns))
	ok := true
	for j, h := range rec {
		h = strings.TrimSpace(strings.ToValidUTF8(h, "?"))
		l.colOf[j] = -1
		c, known := m.column(h)
		switch {
		case known && l.names[c] != "":
			im.issue(row, h, "", fmt.Sprintf("column %q appears twice (cells %d and %d of the header); keep one", m.Columns[c].Name, where[c]+1, j+1))
			ok = false
		case known:
			l.colOf[j], l.names[c], where[c] = c, h, j
		case !m.ignored(h):
			im.res.Ignored = append(im.res.Ignored, h)
		}
	}
	for c, col := range m.Columns {
		if l.names[c] != "" {
			continue
		}
		l.names[c] = col.Name
		if col.Required {
			im.issue(row, col.Name, "", fmt.Sprintf("required column missing; add a column headed %q (or %q): %s", col.Name, col.Alias, col.Help))
			ok = false
		}
	}
	if !ok {
		return nil
	}
	return l
}

func blank(rec []string) bool {
	for _, c := range rec {
		if strings.TrimSpace(c) != "" {
			return false
		}
	}
	return true
}

// csvRow turns one row into an event, validates it and queues it.
func (im *run) csvRow(ctx context.Context, row int, rec []string, l *csvLayout) {
	m := l.m
	e := &event.Event{EventType: m.EventType, SchemaVersion: m.SchemaVersion, Source: event.Source{System: im.opt.Source}}
	if m.Init != nil {
		m.Init(e)
	}
	rc := &rowContext{loc: im.opt.Location}
	var bad []Issue
	badCol := map[string]bool{}
	add := func(col, reason string) {
		bad = append(bad, Issue{Row: row, Column: col, Reason: reason})
		badCol[col] = true
	}
	for j, cell := range rec {
		if !utf8.ValidString(cell) {
			col := fmt.Sprintf("cell %d", j+1)
			if j < len(l.header) {
				col = strings.TrimSpace(strings.ToValidUTF8(l.header[j], "?"))
			}
			bad = []Issue{{Row: row, Column: col, Reason: notUTF8}}
			im.reject(bad, "")
			return
		}
		v := strings.TrimSpace(cell)
		if j >= len(l.colOf) {
			if v != "" && !badCol[""] {
				add("", fmt.Sprintf("the row has %d cells but the header only %d; a cell probably holds the delimiter %q without quotes", len(rec), len(l.header), string(im.res.Delimiter)))
			}
			continue
		}
		c := l.colOf[j]
		if c < 0 || v == "" {
			continue
		}
		if err := m.Columns[c].Set(e, v, rc); err != nil {
			add(l.names[c], err.Error())
		}
	}
	eventID, err := EventID(e)
	if err != nil {
		add("", err.Error())
	}
	e.EventID = eventID
	body, err := event.Marshal(e)
	if err != nil {
		add("", "cannot encode: "+err.Error())
	}
	ev, errs := im.opt.Decoder.Decode(body)
	for _, fe := range errs {
		col := l.fieldColumn(fe.Field)
		if badCol[col] {
			continue
		}
		reason := fe.Reason
		if fe.Field == "locality.code" && e.Locality.Scheme == "2025" && strings.Contains(reason, "scheme pre2025 (") {
			reason += fmt.Sprintf("; for a unit from before 1 July 2025 write pre2025 in column %q", l.fieldColumn("locality.scheme"))
		}
		add(col, reason)
	}
	if len(bad) > 0 {
		im.reject(bad, e.AggregateID())
		return
	}
	agg := ev.AggregateID()
	if m.UniqueAggregate {
		content := contentKey(ev)
		if prev, ok := im.byAgg[agg]; ok && prev.content != content {
			im.reject([]Issue{{Row: row, Column: l.fieldColumn(aggregateField(m)),
				Reason: fmt.Sprintf("row %d has the same code with different content; give each case its own code, or keep only the corrected row", prev.row)}}, agg)
			return
		} else if !ok {
			im.byAgg[agg] = aggSeen{row: row, content: content}
		}
	}
	if body, err = event.Marshal(ev); err != nil {
		im.reject([]Issue{{Row: row, Reason: "cannot encode: " + err.Error()}}, agg)
		return
	}
	im.accept(ctx, row, agg, ev.EventID, body)
}

// aggregateField is the field path of m's aggregate id column: the first
// field of the first required column.
func aggregateField(m *Mapping) string {
	for _, c := range m.Columns {
		if c.Required && len(c.Fields) > 0 {
			return c.Fields[0]
		}
	}
	return ""
}

func (im *run) reject(issues []Issue, id string) {
	im.res.Rejected++
	for _, is := range issues {
		is.ID = id
		im.res.Issues = append(im.res.Issues, is)
	}
}

// contentKey identifies what a row says, apart from its event_id: two rows
// for one case with the same key are an exact repeat (skipped), with
// different keys a conflict (rejected).
func contentKey(ev *event.Event) string {
	c := *ev
	c.EventID = ""
	b, _ := event.Marshal(&c)
	sum := sha256.Sum256(b)
	return string(sum[:])
}
