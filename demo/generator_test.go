package demo

import (
	"reflect"
	"testing"
	"time"

	"dvpulse/event"
	"dvpulse/locality"
)

func newGen(t *testing.T) (*Generator, *event.Decoder) {
	t.Helper()
	reg, err := locality.Load("42")
	if err != nil {
		t.Fatal(err)
	}
	end := time.Date(2026, 11, 20, 12, 0, 0, 0, time.FixedZone("ICT", 7*3600))
	return NewGenerator(reg, 3, end, 120), &event.Decoder{Localities: reg}
}

// TestEveryGeneratedEventIsValid runs the contract's own decoder over a few
// thousand generated events of every type.
func TestEveryGeneratedEventIsValid(t *testing.T) {
	g, dec := newGen(t)
	types := map[string]int{}
	ids := map[string]bool{}
	for _, e := range g.Units(5000) {
		raw, err := event.Marshal(e)
		if err != nil {
			t.Fatal(err)
		}
		if _, errs := dec.Decode(raw); errs != nil {
			t.Fatalf("generated %s is invalid: %v\n%s", e.EventType, errs, raw)
		}
		if ids[e.EventID] {
			t.Fatalf("event_id %s generated twice", e.EventID)
		}
		ids[e.EventID] = true
		types[e.EventType]++
	}
	for _, typ := range event.Types() {
		if types[typ] == 0 {
			t.Errorf("no %s generated", typ)
		}
	}
}

func TestGeneratorIsDeterministic(t *testing.T) {
	g1, _ := newGen(t)
	g2, _ := newGen(t)
	for i := 0; i < 200; i++ {
		if !reflect.DeepEqual(g1.Unit(i), g2.Unit(i)) {
			t.Fatalf("unit %d differs between two generators with the same seed", i)
		}
	}
}
