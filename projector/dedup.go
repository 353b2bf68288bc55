package projector

import "encoding/hex"

// uuidKey is an event_id in binary form.
type uuidKey [16]byte

// parseUUID parses the canonical 8-4-4-4-12 form.
func parseUUID(s string) (uuidKey, bool) {
	var k uuidKey
	if len(s) != 36 || s[8] != '-' || s[13] != '-' || s[18] != '-' || s[23] != '-' {
		return k, false
	}
	var buf [32]byte
	copy(buf[0:8], s[0:8])
	copy(buf[8:12], s[9:13])
	copy(buf[12:16], s[14:18])
	copy(buf[16:20], s[19:23])
	copy(buf[20:32], s[24:36])
	if _, err := hex.Decode(k[:], buf[:]); err != nil {
		return k, false
	}
	return k, true
}

// seenSet remembers the most recent event_ids, up to a capacity; the oldest
// is forgotten first. It is not safe for concurrent use.
type seenSet struct {
	m    map[uuidKey]struct{}
	ring []uuidKey
	next int
	full bool
}

func newSeenSet(capacity int) *seenSet {
	return &seenSet{m: make(map[uuidKey]struct{}, min(capacity, 1<<16)), ring: make([]uuidKey, capacity)}
}

func (s *seenSet) has(k uuidKey) bool { _, ok := s.m[k]; return ok }

func (s *seenSet) add(k uuidKey) {
	if _, ok := s.m[k]; ok {
		return
	}
	if s.full {
		delete(s.m, s.ring[s.next])
	}
	s.ring[s.next] = k
	s.m[k] = struct{}{}
	s.next++
	if s.next == len(s.ring) {
		s.next, s.full = 0, true
	}
}

func (s *seenSet) len() int { return len(s.m) }
