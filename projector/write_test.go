package projector

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"

	"dvpulse/event"
)

func testEvent(t *testing.T, id string) []byte {
	t.Helper()
	e := &event.Event{EventID: id, EventType: "feedback.received", SchemaVersion: 1,
		OccurredAt: "2026-01-05T08:00:00+07:00", Source: event.Source{System: "hotline_1022"},
		Locality: event.Locality{Scheme: "2025", Code: "18073"}, Topics: []string{"environment"},
		Channel: "hotline_1022", FeedbackID: "F-" + id[:8], Text: "x"}
	e.SetReceived(time.Now())
	b, err := json.Marshal(e)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestBuildOrdersPoisonSteps checks that dead letters are never stored
// before the events that precede them in their partition, nor events before
// the dead letters that precede them.
func TestBuildOrdersPoisonSteps(t *testing.T) {
	p := &Projector{dec: &event.Decoder{}, seen: newSeenSet(1000)}
	id := func(n int) string {
		return "00000000-0000-4000-8000-" + string(rune('a'+n/10)) + "0000000000" + string(rune('0'+n%10))
	}
	msg := func(part int, off int64, v []byte) kafka.Message {
		return kafka.Message{Topic: "t", Partition: part, Offset: off, Value: v}
	}
	batch := []kafka.Message{
		msg(0, 10, testEvent(t, id(1))),
		msg(1, 5, testEvent(t, id(2))),
		msg(0, 11, []byte("not json")),
		msg(0, 12, testEvent(t, id(3))),
		msg(1, 6, testEvent(t, id(2))), // duplicate in batch
		msg(1, 7, []byte("{}")),
		msg(0, 13, []byte("[")),
		msg(0, 14, testEvent(t, id(4))),
	}
	b := p.build(batch)
	if b.events != 4 || b.dead != 3 || b.duplicates != 1 {
		t.Fatalf("events %d dead %d duplicates %d, want 4 3 1", b.events, b.dead, b.duplicates)
	}
	type off struct {
		kind      string
		partition int
		offset    int64
	}
	var got []off
	for _, st := range b.steps {
		for _, r := range st.events {
			got = append(got, off{"e", r.msg.Partition, r.msg.Offset})
		}
		for _, d := range st.dead {
			got = append(got, off{"d", d.msg.Partition, d.msg.Offset})
		}
		got = append(got, off{"|", 0, 0})
	}
	want := []off{
		{"e", 0, 10}, {"e", 1, 5}, {"|", 0, 0},
		{"d", 0, 11}, {"d", 1, 7}, {"|", 0, 0},
		{"e", 0, 12}, {"|", 0, 0},
		{"d", 0, 13}, {"|", 0, 0},
		{"e", 0, 14}, {"|", 0, 0},
	}
	if len(got) != len(want) {
		t.Fatalf("steps %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("steps %v, want %v", got, want)
		}
	}
	if b.last[partKey{"t", 0}] != 14 || b.last[partKey{"t", 1}] != 7 {
		t.Fatalf("last offsets %v", b.last)
	}

	// After an insert of unknown outcome stored partition 0 up to 12, only
	// the rest is written again.
	b.dropStored(map[partKey]int64{{"t", 0}: 12})
	var left []int64
	for _, st := range b.steps {
		for _, r := range st.events {
			left = append(left, r.msg.Offset)
		}
		for _, d := range st.dead {
			left = append(left, d.msg.Offset)
		}
	}
	if len(left) != 4 || left[0] != 5 || left[1] != 7 || left[2] != 13 || left[3] != 14 {
		t.Fatalf("left after dropStored: %v, want [5 7 13 14]", left)
	}
}

func TestBuildWithoutPoisonIsOneInsert(t *testing.T) {
	p := &Projector{dec: &event.Decoder{}, seen: newSeenSet(1000)}
	k, _ := parseUUID("00000000-0000-4000-8000-000000000002")
	p.seen.add(k) // already stored
	b := p.build([]kafka.Message{
		{Topic: "t", Partition: 0, Offset: 1, Value: testEvent(t, "00000000-0000-4000-8000-000000000001")},
		{Topic: "t", Partition: 2, Offset: 1, Value: testEvent(t, "00000000-0000-4000-8000-000000000002")},
		{Topic: "t", Partition: 1, Offset: 1, Value: testEvent(t, "00000000-0000-4000-8000-000000000003")},
	})
	if len(b.steps) != 1 || len(b.steps[0].events) != 2 || b.duplicates != 1 {
		t.Fatalf("steps %d, duplicates %d; want one insert of 2 rows and 1 duplicate", len(b.steps), b.duplicates)
	}
}
