package projector

import (
	"encoding/binary"
	"encoding/hex"
	"math/bits"
)

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

// hashKey mixes all 16 bytes of k (ids need not be random: senders may use
// time-ordered or sequential UUIDs).
func hashKey(k *uuidKey) uint64 {
	a := binary.LittleEndian.Uint64(k[0:8])
	b := binary.LittleEndian.Uint64(k[8:16])
	h := a*0x9e3779b97f4a7c15 ^ bits.RotateLeft64(b, 31)
	h ^= h >> 33
	h *= 0xff51afd7ed558ccd
	h ^= h >> 33
	h *= 0xc4ceb9fe1a85ec53
	h ^= h >> 33
	return h
}

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
	slots    []uint32 // 0: empty; otherwise ring position + 1
	mask     uint64
}

func newSeenSet(capacity int) *seenSet {
	s := &seenSet{capacity: max(capacity, 1)}
	s.resize(min(s.capacity, 1024))
	return s
}

func (s *seenSet) has(k uuidKey) bool {
	_, ok := s.find(&k)
	return ok
}

// find returns the table slot holding k.
func (s *seenSet) find(k *uuidKey) (uint64, bool) {
	for i := hashKey(k) & s.mask; ; i = (i + 1) & s.mask {
		v := s.slots[i]
		if v == 0 {
			return i, false
		}
		if s.ring[v-1] == *k {
			return i, true
		}
	}
}

func (s *seenSet) add(k uuidKey) {
	if _, ok := s.find(&k); ok {
		return
	}
	if s.n == s.capacity {
		// Forget the oldest id; its ring position is reused below.
		if i, ok := s.find(&s.ring[s.head]); ok {
			s.remove(i)
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
	i, _ := s.find(&k)
	s.slots[i] = uint32(pos) + 1
}

// remove empties table slot i, moving later entries of its probe run back
// (backward-shift deletion keeps every entry reachable without tombstones).
func (s *seenSet) remove(i uint64) {
	for {
		s.slots[i] = 0
		j := i
		for {
			j = (j + 1) & s.mask
			v := s.slots[j]
			if v == 0 {
				return
			}
			home := hashKey(&s.ring[v-1]) & s.mask
			// The entry at j may move to i unless its home lies cyclically in (i, j].
			if (j > i && (home <= i || home > j)) || (j < i && home <= i && home > j) {
				s.slots[i] = v
				i = j
				break
			}
		}
	}
}

// resize gives the ring room for size ids, oldest first at position 0, and
// rebuilds the table.
func (s *seenSet) resize(size int) {
	ring := make([]uuidKey, size)
	for i := 0; i < s.n; i++ {
		ring[i] = s.ring[(s.head+i)%len(s.ring)]
	}
	s.ring, s.head = ring, 0
	tsize := uint64(1) << bits.Len64(uint64(2*size-1))
	s.slots, s.mask = make([]uint32, tsize), tsize-1
	for pos := 0; pos < s.n; pos++ {
		i, _ := s.find(&s.ring[pos])
		s.slots[i] = uint32(pos) + 1
	}
}

func (s *seenSet) len() int { return s.n }
