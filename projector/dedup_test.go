package projector

import "testing"

func TestSeenSetEvictsOldest(t *testing.T) {
	s := newSeenSet(3)
	keys := []uuidKey{{1}, {2}, {3}, {4}}
	for _, k := range keys {
		s.add(k)
	}
	if s.has(keys[0]) {
		t.Fatal("oldest key should have been evicted")
	}
	for _, k := range keys[1:] {
		if !s.has(k) {
			t.Fatalf("key %v missing", k[0])
		}
	}
	s.add(keys[3]) // re-adding must not evict
	if !s.has(keys[1]) || s.len() != 3 {
		t.Fatal("re-adding a present key changed the set")
	}
}

func TestParseUUID(t *testing.T) {
	k, ok := parseUUID("3f2b8c1e-6a4d-4f7e-9b1a-2c3d4e5f6a7b")
	if !ok || k[0] != 0x3f || k[15] != 0x7b {
		t.Fatalf("parse failed: %v %x", ok, k)
	}
	for _, bad := range []string{"", "3f2b8c1e6a4d4f7e9b1a2c3d4e5f6a7b", "zf2b8c1e-6a4d-4f7e-9b1a-2c3d4e5f6a7b"} {
		if _, ok := parseUUID(bad); ok {
			t.Errorf("%q parsed", bad)
		}
	}
}

// TestSeenSetMatchesModel checks the open-addressing set against a plain map
// and FIFO, through growth, eviction and backward-shift deletion, with
// random and with sequential ids.
func TestSeenSetMatchesModel(t *testing.T) {
	for _, capacity := range []int{1, 3, 1000, 5000} {
		for _, sequential := range []bool{false, true} {
			s := newSeenSet(capacity)
			model := map[uuidKey]bool{}
			var fifo []uuidKey
			rng := uint64(capacity)*2 + 1
			next := func() uuidKey {
				rng ^= rng << 13
				rng ^= rng >> 7
				rng ^= rng << 17
				var k uuidKey
				n := rng % uint64(3*capacity+10)
				if sequential {
					k[15], k[14], k[13] = byte(n), byte(n>>8), byte(n>>16)
				} else {
					for i := range k {
						k[i] = byte((n * 0x9e3779b97f4a7c15) >> (4 * i))
					}
				}
				return k
			}
			for step := 0; step < 20*capacity+200; step++ {
				k := next()
				if got := s.has(k); got != model[k] {
					t.Fatalf("capacity %d sequential %v step %d: has %v, model %v", capacity, sequential, step, got, model[k])
				}
				s.add(k)
				if !model[k] {
					model[k] = true
					fifo = append(fifo, k)
					if len(fifo) > capacity {
						delete(model, fifo[0])
						fifo = fifo[1:]
					}
				}
				if s.len() != len(model) {
					t.Fatalf("capacity %d step %d: len %d, model %d", capacity, step, s.len(), len(model))
				}
			}
			for k := range model {
				if !s.has(k) {
					t.Fatalf("capacity %d: id missing at the end", capacity)
				}
			}
		}
	}
}

// TestSeenSetGrowsLazily checks that the default capacity is not allocated
// up front and that a full set stays compact (about 24 bytes per id).
func TestSeenSetGrowsLazily(t *testing.T) {
	s := newSeenSet(2_000_000)
	if len(s.ring) > 1024 || s.index.Slots() > 2048 {
		t.Fatalf("empty set allocated %d ring slots, %d table slots", len(s.ring), s.index.Slots())
	}
	for i := 0; i < 100_000; i++ {
		var k uuidKey
		k[0], k[1], k[2] = byte(i), byte(i>>8), byte(i>>16)
		s.add(k)
	}
	if bytes := len(s.ring)*16 + s.index.Slots()*4; len(s.ring) > 2*100_000 || bytes > 100_000*48 {
		t.Fatalf("100,000 ids take %d ring slots, %d bytes", len(s.ring), bytes)
	}
}
