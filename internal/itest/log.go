package itest

import (
	"io"
	"log/slog"
	"sync/atomic"
	"testing"
)

func discard() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// Discard returns a logger that drops everything.
func Discard() *slog.Logger { return discard() }

// Logger returns a logger that writes through t.Log, so output shows only
// for failing or verbose tests. Lines logged after the test ended are
// dropped rather than panicking.
func Logger(t testing.TB) *slog.Logger {
	w := &tWriter{t: t}
	t.Cleanup(func() { w.done.Store(true) })
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelInfo}))
}

type tWriter struct {
	t    testing.TB
	done atomic.Bool
}

func (w *tWriter) Write(p []byte) (int, error) {
	if !w.done.Load() {
		w.t.Log(string(p))
	}
	return len(p), nil
}
