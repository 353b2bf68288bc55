package importer

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
)

// csvReader reads RFC 4180 CSV as spreadsheets write it: quoted cells may
// hold the delimiter, doubled quotes and line breaks; lines end in LF, CRLF
// or CR. Unlike encoding/csv it returns blank lines as records (one empty
// cell), so that record numbers match the row numbers a spreadsheet shows,
// and it is lenient about a stray quote inside an unquoted cell. Cells are
// returned as read; the caller checks UTF-8.
type csvReader struct {
	r     *bufio.Reader
	comma byte
	line  int // physical line where the next record starts, 1-based
}

func newCSVReader(r *bufio.Reader, comma byte) *csvReader {
	return &csvReader{r: r, comma: comma, line: 1}
}

// errUnclosedQuote is wrapped when the input ends inside a quoted cell.
var errUnclosedQuote = errors.New("a quoted cell is never closed")

// read returns the next record, or io.EOF when there is none.
func (c *csvReader) read() ([]string, error) {
	var (
		fields []string
		cell   bytes.Buffer
		start  = c.line
	)
	b, err := c.r.ReadByte()
	if err == io.EOF {
		return nil, io.EOF
	}
	if err != nil {
		return nil, err
	}
	for {
		// b is the first byte of a cell (err == nil) or the input ended.
		if err == nil && b == '"' {
			// Quoted cell.
			for {
				b, err = c.r.ReadByte()
				if err != nil {
					if err == io.EOF {
						return nil, fmt.Errorf("%w: the cell opened on line %d", errUnclosedQuote, start)
					}
					return nil, err
				}
				if b == '"' {
					b, err = c.r.ReadByte()
					if err == nil && b == '"' {
						cell.WriteByte('"')
						continue
					}
					break // closing quote; b/err is what follows
				}
				if b == '\n' {
					c.line++
				}
				cell.WriteByte(b)
			}
		}
		// Unquoted cell, or what follows a closing quote.
		for err == nil && b != c.comma && b != '\n' && b != '\r' {
			cell.WriteByte(b)
			b, err = c.r.ReadByte()
		}
		fields = append(fields, cell.String())
		cell.Reset()
		if err != nil {
			if err == io.EOF {
				return fields, nil
			}
			return nil, err
		}
		switch b {
		case c.comma:
			b, err = c.r.ReadByte()
			if err != nil && err != io.EOF {
				return nil, err
			}
			if err == io.EOF {
				// A trailing delimiter ends the record with an empty cell.
				return append(fields, ""), nil
			}
			continue
		case '\r':
			if nb, perr := c.r.Peek(1); perr == nil && nb[0] == '\n' {
				c.r.ReadByte()
			}
		}
		c.line++
		return fields, nil
	}
}

// utf8BOM is the byte-order mark Excel writes at the start of "CSV UTF-8".
var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

// skipBOM drops a UTF-8 byte-order mark and rejects UTF-16 files, which
// Excel writes for "Unicode Text".
func skipBOM(r *bufio.Reader) error {
	p, _ := r.Peek(3)
	switch {
	case bytes.HasPrefix(p, utf8BOM):
		r.Discard(3)
	case bytes.HasPrefix(p, []byte{0xFF, 0xFE}), bytes.HasPrefix(p, []byte{0xFE, 0xFF}):
		return errors.New(`the file is UTF-16 ("Unicode Text"); save it as "CSV UTF-8 (Comma delimited)" in Excel, or as CSV with character set "Unicode (UTF-8)" in LibreOffice`)
	}
	return nil
}

// delimiters are the cell separators sniffCSV chooses from.
var delimiters = []byte{',', ';', '\t'}

// sniffCSV picks the delimiter of a CSV file from its first bytes: the one
// under which the most cells of one of the first records are known column
// names; when no header is recognised, the one that splits the first
// record into the most cells. It defaults to ",".
func sniffCSV(head []byte, known func(string) bool) byte {
	best, bestScore, bestCells := byte(','), -1, 0
	for _, d := range delimiters {
		cr := newCSVReader(bufio.NewReader(bytes.NewReader(head)), d)
		score, cells := 0, 0
		for i := 0; i < 10; i++ {
			rec, err := cr.read()
			if err != nil {
				break
			}
			if i == 0 || cells == 1 {
				cells = len(rec)
			}
			n := 0
			for _, f := range rec {
				if known(f) {
					n++
				}
			}
			score = max(score, n)
		}
		if score > bestScore || score == bestScore && cells > bestCells {
			best, bestScore, bestCells = d, score, cells
		}
	}
	return best
}
