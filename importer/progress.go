package importer

import (
	"fmt"
	"io"
	"time"
)

// progress prints how far a Run got to stderr.
type progress struct {
	w        io.Writer
	inPlace  bool
	every    time.Duration
	start    time.Time
	last     time.Time
	printed  bool
	dirty    bool // an in-place line is on screen without a newline
	stopped  bool
	lastRows int
}

func newProgress(opt Options) *progress {
	p := &progress{w: opt.Progress, inPlace: opt.InPlace, every: opt.ProgressEvery, start: time.Now()}
	if p.every <= 0 {
		p.every = 5 * time.Second
		if p.inPlace {
			p.every = 250 * time.Millisecond
		}
	}
	p.last = p.start
	return p
}

func (p *progress) line(r *Result) string {
	rate := float64(r.Rows) / max(time.Since(p.start).Seconds(), 1e-3)
	if r.DryRun {
		return fmt.Sprintf("import: %d rows read, %d valid, %d rejected, %.0f rows/s (dry run)", r.Rows, r.Valid, r.Rejected, rate)
	}
	return fmt.Sprintf("import: %d rows read, %d sent, %d rejected, %.0f rows/s", r.Rows, r.Sent, r.Rejected, rate)
}

// update prints a line when the interval has passed since the last one.
func (p *progress) update(r *Result) {
	if p.w == nil {
		return
	}
	now := time.Now()
	if now.Sub(p.last) < p.every {
		return
	}
	p.last = now
	p.print(r)
}

func (p *progress) print(r *Result) {
	p.printed = true
	if p.inPlace {
		fmt.Fprintf(p.w, "\r\033[K%s", p.line(r))
		p.dirty = true
		return
	}
	fmt.Fprintln(p.w, p.line(r))
}

// log prints a message (a retry) on its own line.
func (p *progress) log(format string, args ...any) {
	if p.w == nil {
		return
	}
	if p.dirty {
		fmt.Fprint(p.w, "\r\033[K")
		p.dirty = false
	}
	fmt.Fprintf(p.w, "import: "+format+"\n", args...)
}

// done prints the final figures when progress was shown at all.
func (p *progress) done(r *Result) {
	if p.w == nil || !p.printed {
		return
	}
	p.print(r)
	if p.inPlace {
		fmt.Fprintln(p.w)
		p.dirty = false
	}
}
