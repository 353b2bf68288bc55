package projector

import (
	"context"
	"fmt"
	"time"

	"github.com/segmentio/kafka-go"

	"dvpulse/event"
	"dvpulse/locality"
)

// eventRow is one row of the events table.
type eventRow struct {
	ev      *event.Event
	commune string
	payload string
	msg     kafka.Message
}

// deadRow is one row of the dead_letters table.
type deadRow struct {
	msg    kafka.Message
	reason string
}

// prepared is a decoded batch, ready to write (and to write again after a
// failure: building it has no side effects).
type prepared struct {
	events     []eventRow
	dead       []deadRow
	keys       []uuidKey
	duplicates int
}

// build decodes batch, sets aside poison messages and drops events whose
// event_id is already stored or appears earlier in the batch.
func (p *Projector) build(batch []kafka.Message) *prepared {
	out := &prepared{}
	inBatch := make(map[uuidKey]struct{}, len(batch))
	for _, m := range batch {
		ev, errs := p.dec.Decode(m.Value)
		if errs != nil {
			out.dead = append(out.dead, deadRow{msg: m, reason: errs.Error()})
			continue
		}
		k, ok := parseUUID(ev.EventID)
		if !ok {
			out.dead = append(out.dead, deadRow{msg: m, reason: "event_id: not a UUID"})
			continue
		}
		if _, dup := inBatch[k]; dup || p.seen.has(k) {
			out.duplicates++
			continue
		}
		inBatch[k] = struct{}{}
		commune := ev.Locality.Code
		if p.loc != nil {
			if c, ok := p.loc.Current(locality.Scheme(ev.Locality.Scheme), ev.Locality.Code); ok {
				commune = c
			}
		}
		out.events = append(out.events, eventRow{ev: ev, commune: commune, payload: string(m.Value), msg: m})
		out.keys = append(out.keys, k)
	}
	return out
}

const insertEvents = `INSERT INTO events (event_id, event_type, schema_version, occurred_at, received_at,
    source_system, source_record_id, locality_scheme, locality_code, commune_code, aggregate_id,
    channel, topics, org, payload, kafka_topic, kafka_partition, kafka_offset)`

const insertDead = `INSERT INTO dead_letters (kafka_topic, kafka_partition, kafka_offset, reason, payload, dead_at)`

// write stores a prepared batch: dead letters first (Kafka topic, then
// table), then the events as one block. The events insert is the commit
// point: its rows carry their offsets, and the materialized views fed by it
// see exactly that block.
func (p *Projector) write(ctx context.Context, b *prepared) error {
	if len(b.dead) > 0 {
		msgs := make([]kafka.Message, len(b.dead))
		for i, d := range b.dead {
			msgs[i] = kafka.Message{Key: d.msg.Key, Value: d.msg.Value, Headers: []kafka.Header{
				{Key: "reason", Value: []byte(d.reason)},
				{Key: "origin", Value: []byte(fmt.Sprintf("%s/%d/%d", d.msg.Topic, d.msg.Partition, d.msg.Offset))},
				{Key: "stage", Value: []byte("projector")},
			}}
		}
		if err := p.dlq.WriteMessages(ctx, msgs...); err != nil {
			return fmt.Errorf("dead-letter topic %s: %w", p.cfg.DeadLetterTopic, err)
		}
		batch, err := p.conn.PrepareBatch(ctx, insertDead)
		if err != nil {
			return fmt.Errorf("prepare dead_letters insert: %w", err)
		}
		defer batch.Close()
		now := time.Now()
		for _, d := range b.dead {
			if err := batch.Append(d.msg.Topic, int32(d.msg.Partition), d.msg.Offset, d.reason, string(d.msg.Value), now); err != nil {
				return fmt.Errorf("append dead letter: %w", err)
			}
		}
		if err := batch.Send(); err != nil {
			return fmt.Errorf("insert dead_letters: %w", err)
		}
		for _, d := range b.dead {
			p.log.Warn("message sent to the dead-letter topic", "topic", d.msg.Topic, "partition", d.msg.Partition, "offset", d.msg.Offset, "reason", d.reason)
		}
	}
	if len(b.events) == 0 {
		return nil
	}
	batch, err := p.conn.PrepareBatch(ctx, insertEvents)
	if err != nil {
		return fmt.Errorf("prepare events insert: %w", err)
	}
	defer batch.Close()
	for _, r := range b.events {
		ev := r.ev
		received := ev.Received()
		if received.IsZero() {
			received = r.msg.Time
		}
		topics := ev.Topics
		if topics == nil {
			topics = []string{}
		}
		if err := batch.Append(ev.EventID, ev.EventType, uint16(ev.SchemaVersion), ev.Occurred(), received,
			ev.Source.System, ev.Source.RecordID, ev.Locality.Scheme, ev.Locality.Code, r.commune, ev.AggregateID(),
			ev.Channel, topics, ev.Org, r.payload, r.msg.Topic, int32(r.msg.Partition), r.msg.Offset); err != nil {
			return fmt.Errorf("append event %s: %w", ev.EventID, err)
		}
	}
	if err := batch.Send(); err != nil {
		return fmt.Errorf("insert events: %w", err)
	}
	return nil
}
