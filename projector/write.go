package projector

import (
	"context"
	"fmt"
	"runtime"
	"sort"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/segmentio/kafka-go"

	"dvpulse/event"
	"dvpulse/locality"
	"dvpulse/warehouse"
)

// eventRow is one row of the events table.
type eventRow struct {
	ev           *event.Event
	commune      string
	payload      string
	received     time.Time
	msg          position      // where the message is in Kafka; payload holds its value
	folded       string        // text without diacritics, for search
	topicsMethod string        // sender, case, or model:<version>
	sentiment    sentimentCols // feedback.received only
	// Case context of a feedback lifecycle event (see enrich.go).
	caseReceived, caseDue  time.Time
	firstAction, firstDone bool
}

// position is a message's place in Kafka.
type position struct {
	Topic     string
	Partition int
	Offset    int64
}

// deadRow is one row of the dead_letters table.
type deadRow struct {
	msg    kafka.Message
	reason string
}

// step is one insert: either events or dead letters.
type step struct {
	events []*eventRow
	dead   []deadRow
}

// partKey names a Kafka partition.
type partKey struct {
	topic     string
	partition int
}

// prepared is a decoded batch split into ordered inserts (steps), ready to
// write and to write again after a failure: building it has no side effects.
//
// Dead letters also advance the stored offsets (projector_offsets is fed
// from dead_letters too), so a dead letter must never be stored before the
// events that precede it in its partition, nor events before the dead
// letters that precede them. The steps alternate accordingly: the events of
// every partition up to its first poison run, those dead letters, the events
// up to the next poison run, and so on. Without poison a batch is a single
// insert. Each step is a commit point for its rows.
type prepared struct {
	enriched   bool // lifecycle rows have their case context
	steps      []step
	dlq        []deadRow // still to publish to the dead-letter topic
	keys       []uuidKey
	events     int
	dead       int
	duplicates int
	minRecv    time.Time
	last       map[partKey]int64 // highest offset per partition in the batch
}

type item struct {
	ev   *eventRow
	dead *deadRow
}

// decoded is one message after decoding and scoring, which need no state
// of the projector and so run in parallel. It holds everything assemble
// needs, not the message itself: a row keeps only its Kafka position and
// its value (as the payload).
type decoded struct {
	row  *eventRow // nil: poison (dead)
	dead *deadRow
	key  uuidKey
}

// decodeChunk is how many messages a decoding goroutine takes at a time.
const decodeChunk = 128

// decodeAll decodes (and scores) batch on up to GOMAXPROCS goroutines.
// The batch's rows are allocated together, one slot per message, instead
// of one allocation per row: they live and die with the batch anyway.
func (p *Projector) decodeAll(batch []kafka.Message) []decoded {
	out := make([]decoded, len(batch))
	rows := make([]eventRow, len(batch))
	workers := min(runtime.GOMAXPROCS(0), (len(batch)+decodeChunk-1)/decodeChunk)
	if workers <= 1 {
		for i := range batch {
			out[i] = p.decode(&batch[i], &rows[i])
		}
		return out
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for {
				start := int(next.Add(decodeChunk)) - decodeChunk
				if start >= len(batch) {
					return
				}
				for i := start; i < min(start+decodeChunk, len(batch)); i++ {
					out[i] = p.decode(&batch[i], &rows[i])
				}
			}
		})
	}
	wg.Wait()
	return out
}

// decode turns one message into its row, filled into row, or into a dead
// letter saying why it is poison.
func (p *Projector) decode(m *kafka.Message, row *eventRow) decoded {
	ev, errs := p.dec.Decode(m.Value)
	if errs != nil {
		return decoded{dead: &deadRow{msg: *m, reason: errs.Error()}}
	}
	k, ok := parseUUID(ev.EventID)
	if !ok {
		return decoded{dead: &deadRow{msg: *m, reason: "event_id: not a UUID"}}
	}
	commune := ev.Locality.Code
	if p.loc != nil {
		if c, ok := p.loc.Current(locality.Scheme(ev.Locality.Scheme), ev.Locality.Code); ok {
			commune = c
		}
	}
	received := ev.Received()
	if received.IsZero() {
		received = m.Time
	}
	// The payload shares the message's bytes, which are never modified:
	// one copy of each message instead of two.
	*row = eventRow{ev: ev, commune: commune, payload: unsafe.String(unsafe.SliceData(m.Value), len(m.Value)), received: received,
		msg: position{m.Topic, m.Partition, m.Offset}}
	if ev.EventType == "feedback.received" {
		scoreFeedback(p.scorer, p.topicScorer, p.method, row)
	}
	return decoded{row: row, key: k}
}

// build decodes batch (in parallel: decoding needs no state of the
// projector) and assembles it.
func (p *Projector) build(batch []kafka.Message) *prepared {
	return p.assemble(p.decodeAll(batch))
}

// assemble takes a decoded batch in Kafka order, sets aside poison
// messages, drops events whose event_id is already stored or appears earlier
// in the batch, and orders the inserts. It reads the dedup set, so it runs
// only after every earlier batch is stored and its ids added to the set.
func (p *Projector) assemble(decs []decoded) *prepared {
	out := &prepared{last: map[partKey]int64{}}
	inBatch := make(map[uuidKey]struct{}, len(decs))
	perPart := map[partKey][]item{}
	var order []partKey
	for i := range decs {
		d := &decs[i]
		var pos position
		if d.row != nil {
			pos = d.row.msg
		} else {
			pos = position{d.dead.msg.Topic, d.dead.msg.Partition, d.dead.msg.Offset}
		}
		pk := partKey{pos.Topic, pos.Partition}
		if _, ok := perPart[pk]; !ok {
			order = append(order, pk)
			perPart[pk] = nil
		}
		out.last[pk] = max(out.last[pk], pos.Offset)
		if d.row == nil {
			perPart[pk] = append(perPart[pk], item{dead: d.dead})
			continue
		}
		k := d.key
		if _, dup := inBatch[k]; dup || p.seen.has(k) {
			out.duplicates++
			continue
		}
		inBatch[k] = struct{}{}
		if out.minRecv.IsZero() || d.row.received.Before(out.minRecv) {
			out.minRecv = d.row.received
		}
		perPart[pk] = append(perPart[pk], item{ev: d.row})
		out.keys = append(out.keys, k)
		out.events++
	}
	sort.Slice(order, func(i, j int) bool {
		if order[i].topic != order[j].topic {
			return order[i].topic < order[j].topic
		}
		return order[i].partition < order[j].partition
	})
	cursor := make([]int, len(order))
	for {
		var st step
		var dt step
		for i, pk := range order {
			items := perPart[pk]
			for cursor[i] < len(items) && items[cursor[i]].ev != nil {
				st.events = append(st.events, items[cursor[i]].ev)
				cursor[i]++
			}
			for cursor[i] < len(items) && items[cursor[i]].dead != nil {
				dt.dead = append(dt.dead, *items[cursor[i]].dead)
				cursor[i]++
			}
		}
		if len(st.events) == 0 && len(dt.dead) == 0 {
			break
		}
		if len(st.events) > 0 {
			out.steps = append(out.steps, st)
		}
		if len(dt.dead) > 0 {
			out.steps = append(out.steps, dt)
			out.dlq = append(out.dlq, dt.dead...)
			out.dead += len(dt.dead)
		}
	}
	return out
}

// dropStored removes the rows at or below stored offsets: after an insert
// whose outcome is unknown, the rows it did store must not be sent again.
func (b *prepared) dropStored(stored map[partKey]int64) {
	var steps []step
	for _, st := range b.steps {
		var ns step
		for _, r := range st.events {
			if off, ok := stored[partKey{r.msg.Topic, r.msg.Partition}]; !ok || r.msg.Offset > off {
				ns.events = append(ns.events, r)
			}
		}
		for _, d := range st.dead {
			if off, ok := stored[partKey{d.msg.Topic, d.msg.Partition}]; !ok || d.msg.Offset > off {
				ns.dead = append(ns.dead, d)
			}
		}
		if len(ns.events) > 0 || len(ns.dead) > 0 {
			steps = append(steps, ns)
		}
	}
	b.steps = steps
}

// topics lists the topics of the remaining rows.
func (b *prepared) topics() []string {
	seen := map[string]bool{}
	var out []string
	for pk := range b.last {
		if !seen[pk.topic] {
			seen[pk.topic] = true
			out = append(out, pk.topic)
		}
	}
	sort.Strings(out)
	return out
}

const insertDead = `INSERT INTO dead_letters (kafka_topic, kafka_partition, kafka_offset, reason, payload, dead_at)`

// write stores a prepared batch: the dead letters to the dead-letter topic
// first, then the steps in order. Completed steps are removed from b, so a
// retry continues where the failure happened.
func (p *Projector) write(ctx context.Context, b *prepared) error {
	if len(b.dlq) > 0 {
		msgs := make([]kafka.Message, len(b.dlq))
		for i, d := range b.dlq {
			msgs[i] = kafka.Message{Key: d.msg.Key, Value: d.msg.Value, Headers: []kafka.Header{
				{Key: "reason", Value: []byte(d.reason)},
				{Key: "origin", Value: []byte(fmt.Sprintf("%s/%d/%d", d.msg.Topic, d.msg.Partition, d.msg.Offset))},
				{Key: "stage", Value: []byte("projector")},
			}}
		}
		if err := p.dlq.WriteMessages(ctx, msgs...); err != nil {
			return fmt.Errorf("dead-letter topic %s: %w", p.cfg.DeadLetterTopic, err)
		}
		b.dlq = nil
	}
	for len(b.steps) > 0 {
		st := b.steps[0]
		if len(st.events) > 0 {
			if err := p.insertEvents(ctx, st.events); err != nil {
				return err
			}
		} else {
			if err := p.insertDead(ctx, st.dead); err != nil {
				return err
			}
			for _, d := range st.dead {
				p.log.Warn("message sent to the dead-letter topic", "topic", d.msg.Topic, "partition", d.msg.Partition, "offset", d.msg.Offset, "reason", d.reason)
			}
		}
		b.steps = b.steps[1:]
	}
	return nil
}

func (p *Projector) insertDead(ctx context.Context, dead []deadRow) error {
	batch, err := p.conn.PrepareBatch(ctx, insertDead)
	if err != nil {
		return fmt.Errorf("prepare dead_letters insert: %w", err)
	}
	defer batch.Close()
	now := time.Now()
	for _, d := range dead {
		if err := batch.Append(d.msg.Topic, int32(d.msg.Partition), d.msg.Offset, d.reason, string(d.msg.Value), now); err != nil {
			return fmt.Errorf("append dead letter: %w", err)
		}
	}
	if err := batch.Send(); err != nil {
		return fmt.Errorf("insert dead_letters: %w", err)
	}
	return nil
}

// errFenced is returned by insertEvents when a write fence is up.
var errFenced = fmt.Errorf("%w: a write fence is up (projection rebuild)", errRetryQuietly)

// insertEvents inserts rows as one block. It starts the INSERT first and
// only then checks the write fence (see warehouse.AcquireFence): when the
// fence is up it ends the insert empty and returns errFenced.
func (p *Projector) insertEvents(ctx context.Context, rows []*eventRow) error {
	batch, err := p.conn.PrepareBatch(warehouse.InsertContext(ctx, p.db), insertEvents)
	if err != nil {
		return fmt.Errorf("prepare events insert: %w", err)
	}
	defer batch.Close()
	fenced, err := warehouse.Fenced(ctx, p.conn)
	if err != nil {
		return err
	}
	if fenced {
		return errFenced
	}
	if n := len(batch.Columns()); n != len(eventColumns) {
		return fmt.Errorf("events insert has %d columns, want %d", n, len(eventColumns))
	}
	// Column by column, each laid out in p.cols and copied by clickhouse-go.
	defer p.cols.release()
	for i, c := range eventColumns {
		if err := batch.Column(i).Append(c.values(rows, &p.cols)); err != nil {
			return fmt.Errorf("append events column %s: %w", c.name, err)
		}
	}
	if err := batch.Send(); err != nil {
		return fmt.Errorf("insert events: %w", err)
	}
	return nil
}
