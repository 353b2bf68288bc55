package ingest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"sync"
	"time"
)

// idKey is an event_id in 16 bytes: the UUID's bytes, or the first 16 bytes
// of the SHA-256 of an id that is not a UUID.
type idKey [16]byte

func keyOf(id string) idKey {
	var k idKey
	if len(id) == 36 && id[8] == '-' && id[13] == '-' && id[18] == '-' && id[23] == '-' {
		b := []byte(id[0:8] + id[9:13] + id[14:18] + id[19:23] + id[24:36])
		if _, err := hex.Decode(k[:], b); err == nil {
			return k
		}
	}
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
// forgotten first); each remembered id costs about 55 bytes of live heap. An id is
// remembered only after Kafka acknowledged it: an id whose write failed
// can be sent again. Ids being published are held in an in-flight set, so
// two concurrent requests never both publish the same id.
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
	seenAt   map[idKey]int64 // unix nanos of the acknowledgement
	ring     []dedupSlot     // insertion order, circular
	head, n  int
	inflight map[idKey]chan struct{}
}

type dedupSlot struct {
	id idKey
	at int64
}

// NewDedup returns a Dedup, or nil when window or maxIDs is 0.
func NewDedup(window time.Duration, maxIDs int, now func() time.Time) *Dedup {
	if window <= 0 || maxIDs <= 0 {
		return nil
	}
	if now == nil {
		now = time.Now
	}
	return &Dedup{window: window, max: maxIDs, now: now,
		seenAt: make(map[idKey]int64), inflight: make(map[idKey]chan struct{})}
}

// Len returns how many ids are remembered.
func (d *Dedup) Len() int {
	if d == nil {
		return 0
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	return len(d.seenAt)
}

// claim tries to take id for publishing.
func (d *Dedup) claim(id idKey) (claim, <-chan struct{}) {
	if d == nil {
		return claimed, nil
	}
	now := d.now().UnixNano()
	d.mu.Lock()
	defer d.mu.Unlock()
	if at, ok := d.seenAt[id]; ok {
		if now-at <= int64(d.window) {
			return seen, nil
		}
		delete(d.seenAt, id)
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
	if d.n == len(d.ring) {
		d.grow()
	}
	d.ring[(d.head+d.n)%len(d.ring)] = dedupSlot{id: id, at: now}
	d.n++
	d.seenAt[id] = now
}

// expire forgets ids older than the window, oldest first.
func (d *Dedup) expire(now int64) {
	for d.n > 0 && now-d.ring[d.head].at > int64(d.window) {
		d.popOldest()
	}
}

func (d *Dedup) popOldest() {
	s := d.ring[d.head]
	if at, ok := d.seenAt[s.id]; ok && at == s.at {
		delete(d.seenAt, s.id)
	}
	d.ring[d.head] = dedupSlot{}
	d.head = (d.head + 1) % len(d.ring)
	d.n--
}

func (d *Dedup) grow() {
	size := min(max(2*len(d.ring), 1024), d.max)
	nr := make([]dedupSlot, size)
	for i := 0; i < d.n; i++ {
		nr[i] = d.ring[(d.head+i)%len(d.ring)]
	}
	d.ring, d.head = nr, 0
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
