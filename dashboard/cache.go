package dashboard

import (
	"context"
	"fmt"
	"reflect"
	"sync"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
)

// queryCache keeps the rows of recent queries for a short time, keyed by
// the query's final SQL and its bound values. Everything a result depends
// on is in that key: the filter, the caller's scope (its communes are
// bound values of every scoped query) and the reference times, so a
// cached answer is never served to a query that would read other rows.
// Concurrent identical queries run once (singleflight): the first runs it,
// the others wait for its rows. Errors are not kept.
//
// It is safe for concurrent use. A nil *queryCache caches nothing.
type queryCache struct {
	ttl        time.Duration
	maxEntries int
	now        func() time.Time

	mu      sync.Mutex
	entries map[string]*cacheEntry
}

type cacheEntry struct {
	done       chan struct{} // closed when val and err are set
	val        any
	err        error
	expires    time.Time
	refreshing bool // a background load is refreshing this stale entry
}

func newQueryCache(ttl time.Duration, maxEntries int, now func() time.Time) *queryCache {
	if ttl <= 0 {
		return nil
	}
	return &queryCache{ttl: ttl, maxEntries: maxEntries, now: now, entries: map[string]*cacheEntry{}}
}

// cacheKey is the identity of a query: its SQL and the Go values bound to
// its placeholders, with their types.
func cacheKey(sql string, args []any) string {
	return sql + "\x00" + fmt.Sprintf("%#v", args)
}

// rows returns the cached rows of key, or runs load (once, however many
// callers ask at the same time) and keeps its rows for the ttl.
func (c *queryCache) rows(ctx context.Context, key string, load func(context.Context) ([]cachedRow, error)) ([]cachedRow, error) {
	v, err := c.value(ctx, "rows\x00"+key, func(ctx context.Context) (any, error) { return load(ctx) })
	rows, _ := v.([]cachedRow)
	return rows, err
}

// refreshTimeout bounds a background refresh (see value).
const refreshTimeout = 30 * time.Second

// value is rows for any value (a result computed from query rows), kept
// for the ttl. load gets ctx, or for a background refresh a context of
// its own. During the ttl after its expiry, an answer is still served
// while one background load refreshes it, so that callers do not all wait
// for a slow query every ttl: an answer served is never older than two
// ttls plus the time its query took.
func (c *queryCache) value(ctx context.Context, key string, load func(context.Context) (any, error)) (any, error) {
	c.mu.Lock()
	e, ok := c.entries[key]
	if ok && e.expires.IsZero() { // being loaded: wait for it
		c.mu.Unlock()
		select {
		case <-e.done:
			return e.val, e.err
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	if ok {
		now := c.now()
		if now.Before(e.expires) {
			c.mu.Unlock()
			return e.val, nil
		}
		if now.Before(e.expires.Add(c.ttl)) {
			if !e.refreshing {
				e.refreshing = true
				go c.refresh(key, e, load)
			}
			c.mu.Unlock()
			return e.val, nil
		}
	}
	if len(c.entries) >= c.maxEntries {
		c.evictLocked()
	}
	e = &cacheEntry{done: make(chan struct{})}
	c.entries[key] = e
	c.mu.Unlock()

	val, err := load(ctx)
	c.mu.Lock()
	e.val, e.err = val, err
	if err != nil {
		delete(c.entries, key)
	} else {
		e.expires = c.now().Add(c.ttl)
	}
	c.mu.Unlock()
	close(e.done)
	return val, err
}

// refresh loads key again in the background and replaces the stale entry
// old; on an error old stays (until it is too old to serve).
func (c *queryCache) refresh(key string, old *cacheEntry, load func(context.Context) (any, error)) {
	ctx, cancel := context.WithTimeout(context.Background(), refreshTimeout)
	defer cancel()
	val, err := load(ctx)
	c.mu.Lock()
	defer c.mu.Unlock()
	if err != nil {
		old.refreshing = false
		return
	}
	if c.entries[key] == old {
		done := make(chan struct{})
		close(done)
		c.entries[key] = &cacheEntry{done: done, val: val, expires: c.now().Add(c.ttl)}
	}
}

// evictLocked drops expired entries, and every finished one when that is
// not enough. c.mu is held.
func (c *queryCache) evictLocked() {
	now := c.now()
	for k, e := range c.entries {
		if !e.expires.IsZero() && !now.Before(e.expires) {
			delete(c.entries, k)
		}
	}
	if len(c.entries) < c.maxEntries {
		return
	}
	for k, e := range c.entries {
		if !e.expires.IsZero() {
			delete(c.entries, k)
		}
	}
}

// cachedRow is one result row, its values as the driver scanned them.
type cachedRow []any

// Scan copies the row into dest like driver.Rows.Scan. Slices are copied,
// so callers may keep or change what they get.
func (r cachedRow) Scan(dest ...any) error {
	if len(dest) != len(r) {
		return fmt.Errorf("cached row: %d columns, scan into %d", len(r), len(dest))
	}
	for i, d := range dest {
		dv := reflect.ValueOf(d)
		if dv.Kind() != reflect.Pointer || dv.IsNil() {
			return fmt.Errorf("cached row: column %d: scan into %T, not a pointer", i, d)
		}
		dv = dv.Elem()
		v := reflect.ValueOf(r[i])
		if v.Type() != dv.Type() {
			// Only between types of the same kind (a named type and its
			// base): no number-to-string or width changes.
			if v.Kind() != dv.Kind() || !v.CanConvert(dv.Type()) {
				return fmt.Errorf("cached row: column %d: cannot scan %s into %s", i, v.Type(), dv.Type())
			}
			v = v.Convert(dv.Type())
		}
		if v.Kind() == reflect.Slice && !v.IsNil() {
			cp := reflect.MakeSlice(v.Type(), v.Len(), v.Len())
			reflect.Copy(cp, v)
			v = cp
		}
		dv.Set(v)
	}
	return nil
}

// readRows reads every row of rows into memory, each column as the
// driver's scan type for it.
func readRows(rows driver.Rows) ([]cachedRow, error) {
	cts := rows.ColumnTypes()
	types := make([]reflect.Type, len(cts))
	for i, ct := range cts {
		types[i] = ct.ScanType()
	}
	var out []cachedRow
	for rows.Next() {
		ptrs := make([]any, len(types))
		for i, t := range types {
			ptrs[i] = reflect.New(t).Interface()
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, fmt.Errorf("scan: %w", err)
		}
		row := make(cachedRow, len(types))
		for i, p := range ptrs {
			row[i] = reflect.ValueOf(p).Elem().Interface()
		}
		out = append(out, row)
	}
	return out, rows.Err()
}

// snapshotCache keeps answers that depend only on one table's contents
// (e.g. every model's current state, summed per cell) until that table
// changes. Each call first reads the table's version (see tableVersions)
// and recomputes only when it differs from the kept answer's, so an answer
// is never more than Config.VersionReuse older than the table, unlike the
// ttl cache. Concurrent calls for the same version run the load once.
type snapshotCache struct {
	mu      sync.Mutex
	entries map[string]*snapshot
	loads   map[string]*loadStat // for current
}

// loadStat is how the latest load of a key kept by current went.
type loadStat struct {
	started time.Time
	took    time.Duration // 0 while it runs
	loaded  bool          // a load of the key has succeeded
}

func newSnapshotCache() *snapshotCache {
	return &snapshotCache{entries: map[string]*snapshot{}, loads: map[string]*loadStat{}}
}

// tableVersions reads the version of every table of the database
// (table_version.sql: one small query on system.parts) for the snapshot
// and result caches. A read started less than reuse ago is shared (waited
// for when still running), so that a busy dashboard sends a few of these
// reads a second rather than one per query; an answer kept by either cache
// is then at most reuse (plus the read's own time) older than its tables.
// With reuse 0 every call reads afresh.
type tableVersions struct {
	reuse time.Duration
	now   func() time.Time

	mu  sync.Mutex
	cur *versionRead
}

type versionRead struct {
	started time.Time
	*sharedLoad[map[string]string]
}

func (v *tableVersions) get(ctx context.Context, read func(context.Context) (map[string]string, error)) (map[string]string, error) {
	v.mu.Lock()
	r := v.cur
	if r == nil || v.reuse <= 0 || v.now().Sub(r.started) >= v.reuse {
		r = &versionRead{started: v.now(), sharedLoad: newSharedLoad[map[string]string]()}
		v.cur = r
		v.mu.Unlock()
		return r.run(ctx, read, func() {
			v.mu.Lock()
			if v.cur == r {
				v.cur = nil
			}
			v.mu.Unlock()
		})
	}
	v.mu.Unlock()
	return r.wait(ctx)
}

type snapshot struct {
	version string
	*sharedLoad[any]
}

// sharedLoad is one load whose answer the callers that arrive while it
// runs share: the first runs it, the others wait for it.
type sharedLoad[T any] struct {
	done chan struct{} // closed when val and err are set
	val  T
	err  error
}

func newSharedLoad[T any]() *sharedLoad[T] { return &sharedLoad[T]{done: make(chan struct{})} }

// run runs load detached from ctx's end (so that the first caller's going
// away does not fail the others), within snapshotLoadTimeout; on an error
// it calls forget, so that the failed load is not shared any longer.
func (l *sharedLoad[T]) run(ctx context.Context, load func(context.Context) (T, error), forget func()) (T, error) {
	lctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), snapshotLoadTimeout)
	l.val, l.err = load(lctx)
	cancel()
	if l.err != nil {
		forget()
	}
	close(l.done)
	return l.val, l.err
}

// wait returns the load's answer once it is there, or ctx's error.
func (l *sharedLoad[T]) wait(ctx context.Context) (T, error) {
	select {
	case <-l.done:
		return l.val, l.err
	case <-ctx.Done():
		var zero T
		return zero, ctx.Err()
	}
}

// snapshotLoadTimeout bounds a load, which runs detached from the first
// caller's context so that its going away does not fail the others.
const snapshotLoadTimeout = time.Minute

// snapshotSpacing bounds the work of current's loads: a new one starts
// no sooner than this many times the last one's duration after its
// start, so that reloading takes at most a tenth of the time however often
// the table changes.
const snapshotSpacing = 10

// current is value for answers that also have a way without the kept one
// (a query per request), for big snapshots: reloading one after each
// change of a table that changes every few seconds would make its users
// wait for most of the loads. Only the first load of key is waited for.
// After that, when the kept answer is of another version, current starts
// loading the new one in the background (at most one at a time, spaced
// by snapshotSpacing) and returns ok false at once: the caller answers
// the other way, never from an older version.
func (c *snapshotCache) current(ctx context.Context, key, version string, load func(context.Context) (any, error)) (v any, ok bool, err error) {
	return c.keep(ctx, key, version, load, true)
}

// background is current that does not wait for the first load either:
// for answers that take seconds to load (keptList), so that the first
// requests after a start are answered the other way meanwhile. A failed
// load is tried again no sooner than snapshotSpacing times its duration.
func (c *snapshotCache) background(ctx context.Context, key, version string, load func(context.Context) (any, error)) (v any, ok bool, err error) {
	return c.keep(ctx, key, version, load, false)
}

func (c *snapshotCache) keep(ctx context.Context, key, version string, load func(context.Context) (any, error), waitFirst bool) (v any, ok bool, err error) {
	c.mu.Lock()
	st := c.loads[key]
	if st == nil {
		st = &loadStat{}
		c.loads[key] = st
	}
	e := c.entries[key]
	if e != nil && e.version == version {
		loaded := st.loaded
		c.mu.Unlock()
		select {
		case <-e.done:
			return e.val, true, e.err
		default:
		}
		if loaded || !waitFirst {
			return nil, false, nil
		}
		v, err := e.wait(ctx)
		return v, true, err
	}
	if st.loaded || !waitFirst && !st.started.IsZero() {
		running := e != nil && st.took == 0
		if running || time.Since(st.started) < snapshotSpacing*st.took {
			c.mu.Unlock()
			return nil, false, nil
		}
	}
	first := !st.loaded
	e = &snapshot{version: version, sharedLoad: newSharedLoad[any]()}
	c.entries[key] = e
	st.started, st.took = time.Now(), 0
	c.mu.Unlock()
	timed := func(ctx context.Context) (any, error) {
		v, err := load(ctx)
		c.mu.Lock()
		st.took = max(time.Since(st.started), time.Millisecond)
		st.loaded = st.loaded || err == nil
		c.mu.Unlock()
		return v, err
	}
	forget := func() {
		c.mu.Lock()
		if c.entries[key] == e {
			delete(c.entries, key)
		}
		c.mu.Unlock()
	}
	if first && waitFirst {
		v, err := e.run(ctx, timed, forget)
		return v, true, err
	}
	go e.run(ctx, timed, forget)
	return nil, false, nil
}

func (c *snapshotCache) value(ctx context.Context, key, version string, load func(context.Context) (any, error)) (any, error) {
	c.mu.Lock()
	e := c.entries[key]
	if e == nil || e.version != version {
		e = &snapshot{version: version, sharedLoad: newSharedLoad[any]()}
		c.entries[key] = e
		c.mu.Unlock()
		return e.run(ctx, load, func() {
			c.mu.Lock()
			if c.entries[key] == e {
				delete(c.entries, key)
			}
			c.mu.Unlock()
		})
	}
	c.mu.Unlock()
	return e.wait(ctx)
}
