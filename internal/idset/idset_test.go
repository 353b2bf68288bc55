package idset

import (
	"math/rand/v2"
	"testing"
)

// TestIndexAgainstMap inserts and deletes random keys, sequential ones
// included, and compares every lookup with a Go map.
func TestIndexAgainstMap(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	ring := make([]Key, 0, 4096)
	keyAt := func(p uint32) *Key { return &ring[p] }
	var x Index
	x.Reset(cap(ring))
	model := map[Key]uint32{}
	for step := 0; step < 20000; step++ {
		var k Key
		if r.IntN(2) == 0 {
			k[15] = byte(r.IntN(64)) // sequential-looking ids collide on purpose
		} else {
			k[0], k[7] = byte(r.IntN(256)), byte(r.IntN(256))
		}
		slot, pos, ok := x.Find(&k, keyAt)
		mpos, mok := model[k]
		if ok != mok || (ok && pos != mpos) {
			t.Fatalf("step %d: Find = %d,%v; model %d,%v", step, pos, ok, mpos, mok)
		}
		switch {
		case ok && r.IntN(2) == 0:
			x.Delete(slot, keyAt)
			delete(model, k)
		case !ok && len(ring) < cap(ring):
			ring = append(ring, k)
			x.Set(slot, uint32(len(ring)-1))
			model[k] = uint32(len(ring) - 1)
		}
	}
}

func TestParse(t *testing.T) {
	k, ok := Parse("3f2b8c1e-6a4d-4f7e-9b1a-2c3d4e5f6a7b")
	if !ok || k[0] != 0x3f || k[15] != 0x7b {
		t.Fatalf("parse failed: %v %x", ok, k)
	}
	for _, bad := range []string{"", "3f2b8c1e6a4d4f7e9b1a2c3d4e5f6a7b", "zf2b8c1e-6a4d-4f7e-9b1a-2c3d4e5f6a7b"} {
		if _, ok := Parse(bad); ok {
			t.Errorf("%q parsed", bad)
		}
	}
}
