package projector

import "dvpulse/internal/idset"

// uuidKey is an event_id in binary form.
type uuidKey = idset.Key

// parseUUID parses the canonical 8-4-4-4-12 form.
func parseUUID(s string) (uuidKey, bool) { return idset.Parse(s) }

// maxSeenCapacity bounds --projector-dedup-capacity: ring positions are
// stored as uint32.
const maxSeenCapacity = 1 << 30

// seenSet remembers the most recent event_ids, up to a capacity; the oldest
// is forgotten first. It is not safe for concurrent use.
//
// It holds no pointers, so the garbage collector never scans it, and it
// grows with use instead of being allocated at full capacity. The ids sit in
// a ring in insertion order (16 bytes each); an open-addressing hash table
// (linear probing, load factor at most 1/2) maps an id to its ring position
// (a uint32, so 4 to 8 bytes per id). A full set of 2,000,000 ids takes
// 48 MB (32 MB ring + 16 MB table).
type seenSet struct {
	capacity int
	ring     []uuidKey // insertion order, circular; grows by doubling up to capacity
	head, n  int
	index    idset.Index // id → ring position
}

func (s *seenSet) keyAt(pos uint32) *uuidKey { return &s.ring[pos] }

func newSeenSet(capacity int) *seenSet {
	s := &seenSet{capacity: max(capacity, 1)}
	s.resize(min(s.capacity, 1024))
	return s
}

func (s *seenSet) has(k uuidKey) bool {
	_, _, ok := s.index.Find(&k, s.keyAt)
	return ok
}

func (s *seenSet) add(k uuidKey) {
	if _, _, ok := s.index.Find(&k, s.keyAt); ok {
		return
	}
	if s.n == s.capacity {
		// Forget the oldest id; its ring position is reused below.
		if slot, _, ok := s.index.Find(&s.ring[s.head], s.keyAt); ok {
			s.index.Delete(slot, s.keyAt)
		}
		s.head = (s.head + 1) % len(s.ring)
		s.n--
	}
	if s.n == len(s.ring) {
		s.resize(min(2*len(s.ring), s.capacity))
	}
	pos := (s.head + s.n) % len(s.ring)
	s.ring[pos] = k
	s.n++
	slot, _, _ := s.index.Find(&k, s.keyAt)
	s.index.Set(slot, uint32(pos))
}

// resize gives the ring room for size ids, oldest first at position 0, and
// rebuilds the index.
func (s *seenSet) resize(size int) {
	ring := make([]uuidKey, size)
	for i := 0; i < s.n; i++ {
		ring[i] = s.ring[(s.head+i)%len(s.ring)]
	}
	s.ring, s.head = ring, 0
	s.index.Reset(size)
	for pos := 0; pos < s.n; pos++ {
		slot, _, _ := s.index.Find(&s.ring[pos], s.keyAt)
		s.index.Set(slot, uint32(pos))
	}
}

func (s *seenSet) len() int { return s.n }
