package ingest

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"

	"github.com/gin-gonic/gin"

	"dvpulse/event"
)

// ndjsonTypes are the Content-Types POST /v1/events/ndjson accepts.
var ndjsonTypes = map[string]bool{
	"application/x-ndjson": true, "application/ndjson": true, "application/jsonl": true,
	"application/x-jsonlines": true, "application/jsonlines": true,
}

var errStreamTooLarge = errors.New("ingest: NDJSON body over the stream limit")

// limitReader fails with errStreamTooLarge once more than n bytes were read.
type limitReader struct {
	r io.Reader
	n int64
}

func (l *limitReader) Read(p []byte) (int, error) {
	if l.n < 0 {
		return 0, errStreamTooLarge
	}
	if int64(len(p)) > l.n+1 {
		p = p[:l.n+1]
	}
	n, err := l.r.Read(p)
	l.n -= int64(n)
	if l.n < 0 {
		return n, errStreamTooLarge
	}
	return n, err
}

// lineReader splits a stream into lines without their line ends ("\n" or
// "\r\n"). A line longer than max is cut to its first max bytes and
// flagged; the rest of it is skipped.
type lineReader struct {
	br  *bufio.Reader
	max int
	buf []byte
}

func newLineReader(r io.Reader, max int) *lineReader {
	return &lineReader{br: bufio.NewReaderSize(r, 64<<10), max: max}
}

// next returns the next line, valid until the following call, and whether
// it was cut. It returns io.EOF after the last line.
func (l *lineReader) next() (line []byte, tooLong bool, err error) {
	l.buf = l.buf[:0]
	for {
		frag, err := l.br.ReadSlice('\n')
		if !tooLong {
			content := frag
			if n := len(content); n > 0 && content[n-1] == '\n' {
				content = content[:n-1]
			}
			if len(l.buf)+len(content) > l.max {
				l.buf = append(l.buf, content[:l.max-len(l.buf)]...)
				tooLong = true
			} else {
				l.buf = append(l.buf, content...)
			}
		}
		switch {
		case errors.Is(err, bufio.ErrBufferFull):
			continue
		case errors.Is(err, io.EOF):
			if len(frag) == 0 && len(l.buf) == 0 && !tooLong {
				return nil, false, io.EOF
			}
		case err != nil:
			return nil, false, err
		}
		return bytes.TrimSuffix(l.buf, []byte{'\r'}), tooLong, nil
	}
}

// postNDJSON streams newline-delimited events, one per line (gzip
// allowed), validating and publishing them in chunks of ChunkEvents lines
// so memory stays bounded whatever the body's size. Each line gets a
// result whose index is its line number (0-based); blank lines are
// skipped. A line that is not valid JSON is rejected alone. Reading stops
// with 413 after MaxLines lines or MaxStreamBytes bytes, and with 400 on a
// corrupt gzip stream; the answer then still lists the lines already
// processed, which are in Kafka when accepted (resending them is safe:
// their event_ids are remembered).
func (s *Server) postNDJSON(c *gin.Context) error {
	key, err := s.admit(c)
	if err != nil {
		return err
	}
	if !s.health.Ready() {
		return errNotReady
	}
	mt, _, err := mime.ParseMediaType(c.GetHeader("Content-Type"))
	if err != nil || !ndjsonTypes[mt] {
		return &apiError{status: http.StatusUnsupportedMediaType, code: "unsupported_media_type",
			msg: fmt.Sprintf("Content-Type %q is not accepted; send application/x-ndjson (one event per line)", c.GetHeader("Content-Type"))}
	}
	gz, err := contentEncoding(c)
	if err != nil {
		return err
	}
	var r io.Reader = c.Request.Body
	if gz {
		zr, err := gzip.NewReader(r)
		if err != nil {
			return badGzip(err)
		}
		defer zr.Close()
		r = zr
	}
	lr := newLineReader(&limitReader{r: r, n: s.cfg.MaxStreamBytes}, s.cfg.MaxLineBytes)
	b := s.newBatch(key, 0)
	chunk := make([]item, 0, min(s.cfg.ChunkEvents, 4096))
	arena := make([]byte, 0, 1<<20)
	flush := func() {
		if len(chunk) > 0 {
			s.processChunk(c.Request.Context(), b, chunk)
			chunk, arena = chunk[:0], arena[:0]
		}
	}
	lines, events := 0, 0
	defer func() { s.m.batchSize.WithLabelValues("ndjson").Observe(float64(events)) }()
	for ; ; lines++ {
		line, tooLong, err := lr.next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			flush()
			if errors.Is(err, errStreamTooLarge) {
				return &apiError{status: http.StatusRequestEntityTooLarge, code: "body_too_large", resp: &b.resp, index: &lines,
					msg: fmt.Sprintf("the body is over the %d-byte limit; reading stopped at line %d (lines before it are answered; resend the rest)", s.cfg.MaxStreamBytes, lines)}
			}
			if gz {
				e := badGzip(err).(*apiError)
				e.resp, e.index = &b.resp, &lines
				return e
			}
			return &apiError{status: http.StatusBadRequest, code: "read_error", resp: &b.resp, index: &lines, err: err,
				msg: fmt.Sprintf("could not read the body at line %d: %v", lines, err)}
		}
		if !tooLong && len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		if events == s.cfg.MaxLines {
			flush()
			return &apiError{status: http.StatusRequestEntityTooLarge, code: "too_many_lines", resp: &b.resp, index: &lines,
				msg: fmt.Sprintf("more than %d events in one request; reading stopped at line %d (lines before it are answered; send the rest in another request)", s.cfg.MaxLines, lines)}
		}
		events++
		off := len(arena)
		arena = append(arena, line...)
		it := item{index: lines, raw: arena[off:len(arena):len(arena)]}
		if tooLong {
			it.errs = []event.FieldError{{Reason: fmt.Sprintf("line is longer than %d bytes; the event is too large", s.cfg.MaxLineBytes)}}
		}
		chunk = append(chunk, it)
		if len(chunk) == s.cfg.ChunkEvents {
			flush()
		}
	}
	flush()
	if events == 0 {
		return &apiError{status: http.StatusBadRequest, code: "empty_body", msg: "empty body; send one event per line"}
	}
	s.answer(c, b)
	return nil
}
