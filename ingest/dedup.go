package ingest

import (
	"context"
	"crypto/sha256"
	"math"
	"sync"
	"time"

	"dvpulse/internal/idset"
)

// idKey is an event_id in 16 bytes: the UUID's bytes, or the first 16 bytes
// of the SHA-256 of an id that is not a UUID.
type idKey = idset.Key

func keyOf(id string) idKey {
	if k, ok := idset.Parse(id); ok {
		return k
	}
	var k idKey
	sum := sha256.Sum256([]byte(id))
	copy(k[:], sum[:16])
	return k
}

// claim is the outcome of Dedup.claim for one event_id.
type claim int

const (
	// claimed: the caller now owns the id and must call release.
	claimed claim = iota
	// seen: Kafka already acknowledged the id within the window.
	seen
	// busy: another request is publishing the id; wait on the channel.
	busy
)

// Dedup remembers the event_ids that Kafka acknowledged, so that a resend
// within the window is answered from memory instead of being published
// again. It is bounded both by age (window) and by count (maxIDs, oldest
// forgotten first). An id is remembered only after Kafka acknowledged it: an
// id whose write failed can be sent again. Ids being published are held in
// an in-flight set, so two concurrent requests never both publish the same
// id.
//
// The remembered ids take no pointers, so the garbage collector never scans
// them, and the table grows with use up to maxIDs: a ring in acknowledgement
// order (16-byte id + 8-byte time per id) indexed by an open-addressing hash
// table of ring positions (uint32, linear probing, load factor at most 1/2:
// 4 to 8 bytes per id). 1,000,000 ids take 32 MB.
//
// Dedup is per process: behind a load balancer each instance has its own,
// and the projector's own event_id deduplication is the final guard.
// A nil *Dedup (window or maxIDs 0) remembers nothing. It is safe for
// concurrent use.
type Dedup struct {
	window time.Duration
	max    int
	now    func() time.Time

	mu       sync.Mutex
	ids      []idKey // ring in acknowledgement order, circular
	ats      []int64 // unix nanos of each acknowledgement; staleAt: forgotten
	head, n  int     // ring slots in use, stale ones included
	live     int     // ids remembered (ring slots not stale)
	index    idset.Index
	inflight map[idKey]chan struct{}
}

func (d *Dedup) keyAt(pos uint32) *idKey { return &d.ids[pos] }

// staleAt marks a ring slot whose id was forgotten (expired when claimed, or
// acknowledged again later): it only waits for its turn to leave the ring.
const staleAt = math.MinInt64

// maxDedupIDs bounds --ingest-dedup-max-ids: ring positions are uint32.
const maxDedupIDs = 1 << 30

// NewDedup returns a Dedup, or nil when window or maxIDs is 0.
func NewDedup(window time.Duration, maxIDs int, now func() time.Time) *Dedup {
	if window <= 0 || maxIDs <= 0 {
		return nil
	}
	if now == nil {
		now = time.Now
	}
	d := &Dedup{window: window, max: min(maxIDs, maxDedupIDs), now: now, inflight: make(map[idKey]chan struct{})}
	d.resize(min(d.max, 1024))
	return d
}

// Len returns how many ids are remembered.
func (d *Dedup) Len() int {
	if d == nil {
		return 0
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.live
}

// claim tries to take id for publishing.
func (d *Dedup) claim(id idKey) (claim, <-chan struct{}) {
	if d == nil {
		return claimed, nil
	}
	now := d.now().UnixNano()
	d.mu.Lock()
	defer d.mu.Unlock()
	if slot, pos, ok := d.index.Find(&id, d.keyAt); ok {
		if now-d.ats[pos] <= int64(d.window) {
			return seen, nil
		}
		d.forget(slot, pos)
	}
	if ch, ok := d.inflight[id]; ok {
		return busy, ch
	}
	d.inflight[id] = make(chan struct{})
	return claimed, nil
}

// release ends a claim: acked ids are remembered, the others can be
// claimed again. Waiters are woken either way.
func (d *Dedup) release(id idKey, acked bool) {
	if d == nil {
		return
	}
	now := d.now().UnixNano()
	d.mu.Lock()
	defer d.mu.Unlock()
	if ch, ok := d.inflight[id]; ok {
		close(ch)
		delete(d.inflight, id)
	}
	if !acked {
		return
	}
	d.expire(now)
	if d.n == d.max {
		d.popOldest()
	}
	if d.n == len(d.ids) {
		d.resize(min(2*len(d.ids), d.max))
	}
	pos := (d.head + d.n) % len(d.ids)
	d.ids[pos], d.ats[pos] = id, now
	d.n++
	slot, old, ok := d.index.Find(&id, d.keyAt)
	if ok {
		d.ats[old] = staleAt // remembered again: the newer time counts
	} else {
		d.live++
	}
	d.index.Set(slot, uint32(pos))
}

// expire forgets ids older than the window, oldest first.
func (d *Dedup) expire(now int64) {
	for d.n > 0 {
		if at := d.ats[d.head]; at != staleAt && now-at <= int64(d.window) {
			return
		}
		d.popOldest()
	}
}

func (d *Dedup) popOldest() {
	if d.ats[d.head] != staleAt {
		if slot, pos, ok := d.index.Find(&d.ids[d.head], d.keyAt); ok {
			d.forget(slot, pos)
		}
	}
	d.ids[d.head], d.ats[d.head] = idKey{}, 0
	d.head = (d.head + 1) % len(d.ids)
	d.n--
}

// forget removes the id at ring position pos (index slot slot); its ring
// slot becomes stale.
func (d *Dedup) forget(slot uint64, pos uint32) {
	d.ats[pos] = staleAt
	d.live--
	d.index.Delete(slot, d.keyAt)
}

// resize gives the ring room for size ids, oldest first at position 0, and
// rebuilds the table.
func (d *Dedup) resize(size int) {
	ids, ats := make([]idKey, size), make([]int64, size)
	for i := 0; i < d.n; i++ {
		ids[i], ats[i] = d.ids[(d.head+i)%len(d.ids)], d.ats[(d.head+i)%len(d.ids)]
	}
	d.ids, d.ats, d.head = ids, ats, 0
	d.index.Reset(size)
	for pos := 0; pos < d.n; pos++ {
		if d.ats[pos] != staleAt {
			slot, _, _ := d.index.Find(&d.ids[pos], d.keyAt)
			d.index.Set(slot, uint32(pos))
		}
	}
}

// wait blocks until ch closes or ctx ends.
func wait(ctx context.Context, ch <-chan struct{}) error {
	select {
	case <-ch:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
