// Package idset holds what ingest's and the projector's event_id
// deduplication share: event_ids as 16-byte keys, and a pointer-free
// open-addressing index from a key to its position in a ring the caller
// owns. The garbage collector never scans either.
package idset

import (
	"encoding/binary"
	"encoding/hex"
	"math/bits"
)

// Key is an event_id in binary form.
type Key [16]byte

// Parse parses the canonical 8-4-4-4-12 form of a UUID.
func Parse(s string) (Key, bool) {
	var k Key
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

// Hash mixes all 16 bytes of k: ids need not be random (senders may use
// time-ordered or sequential UUIDs).
func Hash(k *Key) uint64 {
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

// Index maps keys to their positions in a ring of keys the caller owns
// (linear probing, load factor at most 1/2, positions stored as uint32).
// keyAt returns the key at a ring position. The zero value is unusable;
// call Reset first. It is not safe for concurrent use.
type Index struct {
	slots []uint32 // 0: empty; otherwise ring position + 1
	mask  uint64
}

// Reset empties the index and sizes it for up to size keys.
func (x *Index) Reset(size int) {
	n := uint64(1) << bits.Len64(uint64(2*max(size, 1)-1))
	x.slots, x.mask = make([]uint32, n), n-1
}

// Find returns the slot that holds k and k's ring position, or the empty
// slot where k would go.
func (x *Index) Find(k *Key, keyAt func(pos uint32) *Key) (slot uint64, pos uint32, ok bool) {
	for i := Hash(k) & x.mask; ; i = (i + 1) & x.mask {
		v := x.slots[i]
		if v == 0 {
			return i, 0, false
		}
		if *keyAt(v - 1) == *k {
			return i, v - 1, true
		}
	}
}

// Set makes slot (from Find) point at ring position pos.
func (x *Index) Set(slot uint64, pos uint32) { x.slots[slot] = pos + 1 }

// Delete empties slot, moving later entries of its probe run back
// (backward-shift deletion keeps every entry reachable without tombstones).
func (x *Index) Delete(slot uint64, keyAt func(pos uint32) *Key) {
	i := slot
	for {
		x.slots[i] = 0
		j := i
		for {
			j = (j + 1) & x.mask
			v := x.slots[j]
			if v == 0 {
				return
			}
			home := Hash(keyAt(v-1)) & x.mask
			// The entry at j may move to i unless its home lies cyclically in (i, j].
			if (j > i && (home <= i || home > j)) || (j < i && home <= i && home > j) {
				x.slots[i] = v
				i = j
				break
			}
		}
	}
}

// Slots returns the size of the index's table, for memory accounting.
func (x *Index) Slots() int { return len(x.slots) }
