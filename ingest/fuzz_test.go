package ingest

import (
	"bytes"
	"errors"
	"io"
	"testing"
)

// FuzzSplitEvents feeds arbitrary bodies to the two request splitters:
// splitEvents (POST /v1/events) and the NDJSON line reader. Neither may
// panic; splitEvents returns events or an error, never both; every line is
// at most the line limit and there are never more lines than newlines + 1.
//
//	go test -run XXX -fuzz FuzzSplitEvents -fuzztime 20s ./ingest
func FuzzSplitEvents(f *testing.F) {
	f.Add([]byte(feedbackJSON(1)))
	f.Add([]byte("[" + feedbackJSON(1) + "," + feedbackJSON(2) + "]"))
	f.Add([]byte(`[{"a":1}, {"b":]`))
	f.Add([]byte("{\"a\":\"\xff\"}\n\r\n{}\n" + string(bytes.Repeat([]byte("x"), 3000))))
	f.Add([]byte(" [ ] "))
	f.Fuzz(func(t *testing.T, body []byte) {
		raws, err := splitEvents(body)
		if (err == nil) == (raws == nil) && !(err == nil && len(raws) == 0) {
			t.Fatalf("events %d and error %v", len(raws), err)
		}
		if err != nil && err.index != nil && *err.index < 0 {
			t.Fatalf("negative index %d", *err.index)
		}
		const max = 1024
		lr := newLineReader(bytes.NewReader(body), max)
		n := 0
		for {
			line, _, err := lr.next()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				t.Fatalf("line reader: %v", err)
			}
			if len(line) > max {
				t.Fatalf("line of %d bytes over the %d limit", len(line), max)
			}
			n++
			if n > bytes.Count(body, []byte{'\n'})+1 {
				t.Fatalf("%d lines from %d newlines", n, bytes.Count(body, []byte{'\n'}))
			}
		}
	})
}
