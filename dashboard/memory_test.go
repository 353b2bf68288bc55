package dashboard

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"dvpulse/internal/itest"
)

// TestRowCacheKeepsOneVersion checks the row cache's rules: rows are
// served only for the version they were read under, a new version drops
// the old rows, and a full cache starts again empty.
func TestRowCacheKeepsOneVersion(t *testing.T) {
	c := newRowCache(3)
	item := func(id, text string) ListItem { return ListItem{ID: id, Text: text, Status: "received"} }
	c.store("v1", map[rowKey]ListItem{
		{"A", "a1"}: item("A", "first"), {"A", "a2"}: item("A", "second"), {"B", "b1"}: item("B", "b"),
	})
	got := map[rowKey]ListItem{}
	missing := c.lookup("v1", []string{"A", "B", "C"}, got)
	if !slices.Equal(missing, []string{"C"}) {
		t.Fatalf("missing %v, want [C]", missing)
	}
	if len(got) != 3 || got[rowKey{"A", "a2"}].Text != "second" || got[rowKey{"B", "b1"}].Text != "b" {
		t.Fatalf("got %v", got)
	}
	// Another version serves nothing, and storing under it drops v1.
	if m := c.lookup("v2", []string{"A"}, map[rowKey]ListItem{}); !slices.Equal(m, []string{"A"}) {
		t.Fatalf("v2 lookup missing %v, want [A]", m)
	}
	c.store("v2", map[rowKey]ListItem{{"C", "c1"}: item("C", "c")})
	if m := c.lookup("v1", []string{"A"}, map[rowKey]ListItem{}); !slices.Equal(m, []string{"A"}) {
		t.Fatalf("v1 rows served after v2 was stored: missing %v", m)
	}
	if m := c.lookup("v2", []string{"A", "C"}, map[rowKey]ListItem{}); !slices.Equal(m, []string{"A"}) {
		t.Fatalf("v2 missing %v, want [A]", m)
	}
	// Over max cases it starts again empty, keeping the newest rows.
	c.store("v2", map[rowKey]ListItem{{"D", "d1"}: item("D", "d"), {"E", "e1"}: item("E", "e"), {"F", "f1"}: item("F", "f")})
	if m := c.lookup("v2", []string{"C", "D", "E", "F"}, map[rowKey]ListItem{}); !slices.Equal(m, []string{"C"}) {
		t.Fatalf("after overflow missing %v, want [C]", m)
	}
	var off *rowCache
	off.store("v1", map[rowKey]ListItem{{"A", "a1"}: item("A", "x")})
	if m := off.lookup("v1", []string{"A"}, map[rowKey]ListItem{}); !slices.Equal(m, []string{"A"}) {
		t.Fatal("a nil row cache must keep nothing")
	}
	if newRowCache(0) != nil {
		t.Fatal("size 0 must turn the row cache off")
	}
}

// TestBucketKeyMatchesBucketStarts checks communeDays' buckets in Go
// against bucketStarts, whose buckets the charts show: every day of a
// period falls in the last bucket starting on or before it.
func TestBucketKeyMatchesBucketStarts(t *testing.T) {
	for _, g := range granularities {
		f := Filter{Granularity: g, From: time.Date(2024, 12, 25, 0, 0, 0, 0, Hanoi), To: time.Date(2026, 3, 3, 0, 0, 0, 0, Hanoi)}
		starts := bucketStarts(f)
		for d := f.From; !d.After(f.To); d = d.AddDate(0, 0, 1) {
			k := bucketKey(g, yyyymmdd(d))
			i, ok := slices.BinarySearch(starts, k)
			if !ok {
				t.Fatalf("%s: bucket %s of %s is not a bucket start", g, k, d.Format("2006-01-02"))
			}
			if next := i + 1; next < len(starts) && starts[next] <= d.Format("2006-01-02") {
				t.Fatalf("%s: %s falls in bucket %s, but %s starts later and before it", g, d.Format("2006-01-02"), k, starts[next])
			}
		}
	}
}

// TestHotRefsKeepTheMostAsked checks which reference times hotRefs keeps:
// none on its first request, one asked twice while there is room, with
// all places taken only one asked more often than the least asked kept
// (which goes), and everything loaded again under a new version.
func TestHotRefsKeepTheMostAsked(t *testing.T) {
	var c hotRefs
	loads := map[uint32]int{}
	get := func(ref uint32, version string) bool {
		t.Helper()
		hw, err := c.get(t.Context(), ref, version, func(context.Context) (*hotWindows, error) {
			loads[ref]++
			return &hotWindows{}, nil
		})
		if err != nil {
			t.Fatal(err)
		}
		return hw != nil
	}
	if get(1, "v1") {
		t.Fatal("kept on its first request")
	}
	if !get(1, "v1") || !get(1, "v1") || loads[1] != 1 {
		t.Fatalf("asked 3 times: loaded %d times, want once, kept from the second request", loads[1])
	}
	// Fill every place with reference times asked 3 times.
	for ref := uint32(2); ref <= hotRefsKept; ref++ {
		get(ref, "v1")
		get(ref, "v1")
		get(ref, "v1")
	}
	if len(c.kept) != hotRefsKept {
		t.Fatalf("%d kept, want %d", len(c.kept), hotRefsKept)
	}
	// A new one asked twice does not push out one asked 3 times.
	get(1000, "v1")
	if get(1000, "v1") || loads[1000] != 0 {
		t.Fatal("a reference time asked twice pushed out one asked 3 times")
	}
	// Asked twice more (4 times), it takes the place of one asked 3 times.
	get(1000, "v1")
	if !get(1000, "v1") || len(c.kept) != hotRefsKept {
		t.Fatalf("asked 4 times: not kept (%d kept)", len(c.kept))
	}
	// A new version keeps nothing of v1, but remembers what is asked.
	if !get(1, "v2") || loads[1] != 2 {
		t.Fatalf("under v2: %d loads of 1, want 2 (kept at once, loaded afresh)", loads[1])
	}
	if len(c.kept) != 1 {
		t.Fatalf("%d kept under v2, want 1", len(c.kept))
	}
}

// TestSnapshotCurrentLoadsInTheBackground checks snapshotCache.current: the
// first load is waited for; a new version is loaded in the background
// while callers are told to answer without it (never from the older
// version); and loads are spaced by snapshotSpacing times their duration.
func TestSnapshotCurrentLoadsInTheBackground(t *testing.T) {
	c := newSnapshotCache()
	var mu sync.Mutex
	loads := 0
	release := make(chan struct{})
	load := func(v string, block bool) func(context.Context) (any, error) {
		return func(context.Context) (any, error) {
			if block {
				<-release
			}
			mu.Lock()
			loads++
			mu.Unlock()
			return v, nil
		}
	}
	v, ok, err := c.current(t.Context(), "k", "v1", load("one", false))
	if err != nil || !ok || v != "one" {
		t.Fatalf("first load: %v %v %v, want one true nil", v, ok, err)
	}
	if v, ok, _ := c.current(t.Context(), "k", "v1", load("again", false)); !ok || v != "one" || loads != 1 {
		t.Fatalf("same version: %v %v after %d loads, want the kept one, loaded once", v, ok, loads)
	}
	// Long after the first load: a new version starts loading at once, in
	// the background, and nobody gets v1's answer for v2.
	c.mu.Lock()
	c.loads["k"].started = time.Now().Add(-time.Minute)
	c.mu.Unlock()
	if v, ok, _ := c.current(t.Context(), "k", "v2", load("two", true)); ok || v != nil {
		t.Fatalf("new version while it loads: %v %v, want nothing", v, ok)
	}
	if v, ok, _ := c.current(t.Context(), "k", "v2", load("other", false)); ok || v != nil {
		t.Fatalf("new version, second caller while it loads: %v %v, want nothing", v, ok)
	}
	// Another version while one loads starts no second load.
	if _, ok, _ := c.current(t.Context(), "k", "v3", load("three", false)); ok {
		t.Fatal("v3 answered while v2 loads")
	}
	close(release)
	itest.Eventually(t, 5*time.Second, "v2 loaded in the background", func() bool {
		v, ok, _ := c.current(t.Context(), "k", "v2", load("x", false))
		return ok && v == "two"
	})
	mu.Lock()
	if loads != 2 {
		t.Errorf("%d loads, want 2 (v1, v2)", loads)
	}
	mu.Unlock()
	// A load that took long holds the next one back.
	c.mu.Lock()
	c.loads["k"].took = time.Hour
	c.mu.Unlock()
	if _, ok, _ := c.current(t.Context(), "k", "v4", load("four", false)); ok {
		t.Fatal("v4 answered from v2's load")
	}
	c.mu.Lock()
	held := c.entries["k"].version == "v2"
	c.mu.Unlock()
	if !held {
		t.Fatal("a load of v4 started within snapshotSpacing × the last load's duration")
	}
}
