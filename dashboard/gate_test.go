package dashboard

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"
)

// TestGateServesTheOldestRequestFirst: with every slot taken, the freed
// slots go to the waiters in the order their requests started, not in
// the order they asked; a waiter whose context ends leaves the queue
// without taking a slot; and the slots are all free again at the end.
func TestGateServesTheOldestRequestFirst(t *testing.T) {
	g := newGate(2)
	ctx := context.Background()
	r1, err := g.acquire(ctx, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	r2, _ := g.acquire(ctx, time.Now())

	base := time.Now()
	// Asking order 3, 1, 4, 0, 2; request start order 0 … 4.
	var mu sync.Mutex
	var order []int
	var wg sync.WaitGroup
	releases := make(chan func(), 5)
	for k, i := range []int{3, 1, 4, 0, 2} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rel, err := g.acquire(ctx, base.Add(time.Duration(i)*time.Second))
			if err != nil {
				t.Error(err)
				return
			}
			mu.Lock()
			order = append(order, i)
			mu.Unlock()
			releases <- rel
		}()
		waitQueued(t, g, k+1)
	}
	// A sixth waiter, older than all, gives up.
	cctx, cancel := context.WithCancel(ctx)
	gaveUp := make(chan error, 1)
	go func() {
		_, err := g.acquire(cctx, base.Add(-time.Hour))
		gaveUp <- err
	}()
	waitQueued(t, g, 6)
	cancel()
	if err := <-gaveUp; !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled waiter: %v", err)
	}
	// Free the slots one at a time: each goes to the oldest waiter left.
	r1()
	for range 5 {
		rel := <-releases
		rel()
	}
	r2()
	wg.Wait()
	if want := []int{0, 1, 2, 3, 4}; !slices.Equal(order, want) {
		t.Fatalf("served %v, want %v", order, want)
	}
	if g.free != 2 || len(g.waiting) != 0 {
		t.Fatalf("at the end: %d free, %d waiting; want 2, 0", g.free, len(g.waiting))
	}
}

// waitQueued waits until n waiters are queued.
func waitQueued(t *testing.T, g *gate, n int) {
	t.Helper()
	for i := 0; i < 1000; i++ {
		g.mu.Lock()
		k := len(g.waiting)
		g.mu.Unlock()
		if k >= n {
			return
		}
		time.Sleep(time.Millisecond)
	}
	t.Fatalf("%d waiters never queued", n)
}

// TestGateReleasesOnce: a release called twice (loadKeptList frees its
// slot before sorting and again on return) frees one slot, not two.
func TestGateReleasesOnce(t *testing.T) {
	g := newGate(1)
	release, err := g.acquire(context.Background(), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	release()
	release()
	if g.free != 1 {
		t.Fatalf("%d free slots after one query released twice, want 1", g.free)
	}
}
