package dashboard

import (
	"container/heap"
	"context"
	"fmt"
	"sync"
	"time"
)

// gate lets at most n indicator queries run in ClickHouse at once
// (Config.MaxQueries). The others wait, and a freed slot goes to the query
// of the request that started first, not to the query that asked first:
// a request answered by several queries in turn (a list: its page, then
// its rows) then waits for a slot about once, instead of once per query
// behind newer requests. Under load this keeps the slow requests from
// growing slower while light ones pass them; without load nobody waits.
type gate struct {
	mu      sync.Mutex
	free    int
	seq     uint64
	waiting waiters
}

func newGate(n int) *gate { return &gate{free: n} }

type waiter struct {
	start time.Time
	seq   uint64 // FIFO among equal starts
	ready chan struct{}
	index int // in waiters; -1 once granted
}

type waiters []*waiter

func (w waiters) Len() int { return len(w) }
func (w waiters) Less(i, j int) bool {
	if !w[i].start.Equal(w[j].start) {
		return w[i].start.Before(w[j].start)
	}
	return w[i].seq < w[j].seq
}
func (w waiters) Swap(i, j int) {
	w[i], w[j] = w[j], w[i]
	w[i].index, w[j].index = i, j
}
func (w *waiters) Push(x any) {
	x.(*waiter).index = len(*w)
	*w = append(*w, x.(*waiter))
}
func (w *waiters) Pop() any {
	old := *w
	x := old[len(old)-1]
	old[len(old)-1] = nil
	*w = old[:len(old)-1]
	x.index = -1
	return x
}

// acquire waits for a slot for a query of a request that started at
// start, and returns its release, which frees the slot once however often
// it is called (a loader may free its slot early and again on return). It
// gives up when ctx ends.
func (g *gate) acquire(ctx context.Context, start time.Time) (func(), error) {
	g.mu.Lock()
	if g.free > 0 && len(g.waiting) == 0 {
		g.free--
		g.mu.Unlock()
		return sync.OnceFunc(g.release), nil
	}
	g.seq++
	w := &waiter{start: start, seq: g.seq, ready: make(chan struct{})}
	heap.Push(&g.waiting, w)
	g.mu.Unlock()
	select {
	case <-w.ready:
		return sync.OnceFunc(g.release), nil
	case <-ctx.Done():
		g.mu.Lock()
		granted := w.index < 0
		if !granted {
			heap.Remove(&g.waiting, w.index)
		}
		g.mu.Unlock()
		if granted {
			// The slot came as ctx ended: pass it on.
			g.release()
		}
		return nil, fmt.Errorf("waiting for a ClickHouse query slot: %w", ctx.Err())
	}
}

// release frees a slot: to the earliest-started waiter, if any.
func (g *gate) release() {
	g.mu.Lock()
	defer g.mu.Unlock()
	if len(g.waiting) > 0 {
		close(heap.Pop(&g.waiting).(*waiter).ready)
		return
	}
	g.free++
}

type startKey struct{}

// withStart records in ctx when the request began, for the gate.
func withStart(ctx context.Context, t time.Time) context.Context {
	return context.WithValue(ctx, startKey{}, t)
}

// startOf is when ctx's request began (withStart), or now.
func startOf(ctx context.Context) time.Time {
	if t, ok := ctx.Value(startKey{}).(time.Time); ok {
		return t
	}
	return time.Now()
}
