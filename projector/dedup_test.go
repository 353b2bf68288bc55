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
