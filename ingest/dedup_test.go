package ingest

import (
	"math/rand/v2"
	"strconv"
	"testing"
	"time"
)

// refDedup is the map-based table that Dedup replaced, kept as the model
// whose answers the compact table must reproduce.
type refDedup struct {
	window, max int64
	seenAt      map[idKey]int64
	ring        []refSlot
	inflight    map[idKey]bool
}

type refSlot struct {
	id idKey
	at int64
}

func (d *refDedup) claim(id idKey, now int64) claim {
	if at, ok := d.seenAt[id]; ok {
		if now-at <= d.window {
			return seen
		}
		delete(d.seenAt, id)
	}
	if d.inflight[id] {
		return busy
	}
	d.inflight[id] = true
	return claimed
}

func (d *refDedup) release(id idKey, acked bool, now int64) {
	delete(d.inflight, id)
	if !acked {
		return
	}
	for len(d.ring) > 0 && now-d.ring[0].at > d.window {
		d.pop()
	}
	if int64(len(d.ring)) == d.max {
		d.pop()
	}
	d.ring = append(d.ring, refSlot{id, now})
	d.seenAt[id] = now
}

func (d *refDedup) pop() {
	s := d.ring[0]
	if at, ok := d.seenAt[s.id]; ok && at == s.at {
		delete(d.seenAt, s.id)
	}
	d.ring = d.ring[1:]
}

// TestDedupMatchesModel drives the compact table and the model with the
// same random claims, releases (acknowledged or not) and clock steps, and
// compares every answer and the count, through growth, eviction by count
// and by age, expired claims and ids acknowledged again.
func TestDedupMatchesModel(t *testing.T) {
	for _, maxIDs := range []int{1, 2, 7, 100, 3000} {
		for _, pool := range []int{3, maxIDs + 5, 4 * maxIDs} {
			rng := rand.New(rand.NewPCG(uint64(maxIDs), uint64(pool)))
			now := time.Unix(1000, 0)
			window := time.Duration(50+rng.IntN(200)) * time.Millisecond
			d := NewDedup(window, maxIDs, func() time.Time { return now })
			ref := &refDedup{window: int64(window), max: int64(maxIDs), seenAt: map[idKey]int64{}, inflight: map[idKey]bool{}}
			var held []idKey
			for step := 0; step < 30*maxIDs+3000; step++ {
				switch r := rng.IntN(10); {
				case r < 5:
					var id idKey
					n := rng.IntN(pool)
					id[15], id[14], id[13] = byte(n), byte(n>>8), byte(n>>16) // sequential ids
					got, _ := d.claim(id)
					if want := ref.claim(id, now.UnixNano()); got != want {
						t.Fatalf("max %d pool %d step %d: claim %v, model %v", maxIDs, pool, step, got, want)
					}
					if got == claimed {
						held = append(held, id)
					}
				case r < 8 && len(held) > 0:
					i := rng.IntN(len(held))
					id := held[i]
					held = append(held[:i], held[i+1:]...)
					acked := rng.IntN(4) != 0
					d.release(id, acked)
					ref.release(id, acked, now.UnixNano())
				default:
					now = now.Add(time.Duration(rng.IntN(20)) * time.Millisecond)
				}
				if d.Len() != len(ref.seenAt) {
					t.Fatalf("max %d pool %d step %d: len %d, model %d", maxIDs, pool, step, d.Len(), len(ref.seenAt))
				}
			}
		}
	}
}

// TestDedupGrowsLazily checks that the table is not allocated at full size
// up front and stays compact: 32 bytes per id when its ring is full.
func TestDedupGrowsLazily(t *testing.T) {
	now := time.Unix(1000, 0)
	d := NewDedup(time.Hour, 1_000_000, func() time.Time { return now })
	if len(d.ids) > 1024 {
		t.Fatalf("empty table has %d ring slots", len(d.ids))
	}
	for i := range 1 << 17 {
		id := keyOf(strconv.Itoa(i))
		if st, _ := d.claim(id); st == claimed {
			d.release(id, true)
		}
	}
	if bytes := len(d.ids)*24 + d.index.Slots()*4; d.Len() != 1<<17 || bytes > d.Len()*32 {
		t.Fatalf("%d ids take %d bytes", d.Len(), bytes)
	}
}
