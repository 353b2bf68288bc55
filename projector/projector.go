package projector

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"runtime/debug"
	"strconv"
	"sync"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"
	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/segmentio/kafka-go"

	"dvpulse/event"
	"dvpulse/internal/svc"
	"dvpulse/locality"
	"dvpulse/nlp"
	"dvpulse/warehouse"
)

// Projector consumes the event topic as a member of a consumer group and
// writes every event once to ClickHouse. Create it with New and start it
// with Run.
type Projector struct {
	cfg    Config
	log    *slog.Logger
	conn   driver.Conn
	dec    *event.Decoder
	loc    *locality.Registry
	dlq    *kafka.Writer
	m      *metrics
	health *svc.Health
	seen   *seenSet
	scorer *nlp.Scorer // nil: texts are not scored
	// topicScorer is scorer without explanations, for texts whose sender
	// supplied the sentiment.
	topicScorer *nlp.Scorer
	method      string     // sentiment_method and topics_method of scored texts: "model:" + version
	db          string     // the connection's database, named in insert query_ids
	cols        colScratch // column storage of insertEvents (one insert at a time)
}

// New builds a projector. conn must point at a migrated database.
func New(cfg Config, log *slog.Logger, conn driver.Conn, dec *event.Decoder, loc *locality.Registry, reg prometheus.Registerer, health *svc.Health) (*Projector, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("projector config: %w", err)
	}
	if cfg.MemoryLimit > 0 && os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(cfg.MemoryLimit)
	}
	var scorer, topicScorer *nlp.Scorer
	if cfg.Score {
		var err error
		if scorer, err = nlp.Default(); err != nil {
			return nil, fmt.Errorf("load the sentiment and topic models: %w", err)
		}
		if topicScorer, err = nlp.New(nlp.Options{Sentiment: scorer.Sentiment(), Lexicon: scorer.Lexicon(), ExplainTop: -1}); err != nil {
			return nil, fmt.Errorf("load the sentiment and topic models: %w", err)
		}
		if topicScorer.ModelVersion() != scorer.ModelVersion() {
			return nil, fmt.Errorf("topic scorer has model version %s, want %s", topicScorer.ModelVersion(), scorer.ModelVersion())
		}
	}
	var method string
	if scorer != nil {
		method = "model:" + scorer.ModelVersion()
	}
	return &Projector{
		cfg: cfg, log: log, conn: conn, dec: dec, loc: loc, health: health, m: newMetrics(reg), scorer: scorer, topicScorer: topicScorer, method: method,
		dlq: &kafka.Writer{
			Addr:         kafka.TCP(cfg.BrokerList()...),
			Topic:        cfg.DeadLetterTopic,
			RequiredAcks: kafka.RequireAll,
			BatchTimeout: 5 * time.Millisecond,
			Balancer:     &kafka.Hash{},
		},
	}, nil
}

// Run consumes until ctx ends. On the way out it finishes the batch in hand
// (writes it, or leaves it to be read again if ClickHouse is unreachable)
// and closes the dead-letter writer; the caller closes ClickHouse.
func (p *Projector) Run(ctx context.Context) error {
	defer p.dlq.Close()
	group, err := kafka.NewConsumerGroup(kafka.ConsumerGroupConfig{
		ID:                    p.cfg.Group,
		Brokers:               p.cfg.BrokerList(),
		Topics:                []string{p.cfg.Topic},
		SessionTimeout:        p.cfg.SessionTimeout,
		RebalanceTimeout:      p.cfg.SessionTimeout,
		HeartbeatInterval:     p.cfg.SessionTimeout / 5,
		JoinGroupBackoff:      time.Second,
		WatchPartitionChanges: true,
		Timeout:               5 * time.Second,
	})
	if err != nil {
		return fmt.Errorf("consumer group %s: %w", p.cfg.Group, err)
	}
	defer group.Close()
	p.health.SetNotReady("joining consumer group")
	for {
		gen, err := group.Next(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			p.log.Warn("joining consumer group failed; retrying (is Kafka up? deploy/local/up.sh starts it)", "group", p.cfg.Group, "err", err)
			select {
			case <-ctx.Done():
				return nil
			case <-time.After(2 * time.Second):
			}
			continue
		}
		var parts []int
		for _, a := range gen.Assignments[p.cfg.Topic] {
			parts = append(parts, a.ID)
		}
		p.log.Info("consumer group generation", "generation", gen.ID, "partitions", parts)
		done := make(chan error, 1)
		gen.Start(func(gctx context.Context) { done <- p.runGeneration(ctx, gctx, gen, parts) })
		if err := <-done; err != nil && ctx.Err() == nil {
			p.log.Error("generation ended with an error", "err", err)
		}
		if ctx.Err() != nil {
			return nil
		}
	}
}

// runGeneration consumes parts until the generation ends (gctx) or the
// projector stops (ctx).
func (p *Projector) runGeneration(ctx, gctx context.Context, gen *kafka.Generation, parts []int) error {
	if len(parts) == 0 {
		p.health.SetReady()
		select {
		case <-ctx.Done():
		case <-gctx.Done():
		}
		return nil
	}
	db, err := retry(ctx, gctx, p, "read current database", func() (string, error) { return warehouse.CurrentDatabase(ctx, p.conn) })
	if err != nil {
		return err
	}
	p.db = db
	offsets, err := retry(ctx, gctx, p, "read stored offsets", func() (map[int]int64, error) { return p.storedOffsets(ctx) })
	if err != nil {
		return err
	}
	for part, off := range offsets {
		p.m.stored.WithLabelValues(p.cfg.Topic, strconv.Itoa(part)).Set(float64(off))
	}
	seen, err := retry(ctx, gctx, p, "load recent event_ids", func() (*seenSet, error) { return p.loadSeen(ctx, parts) })
	if err != nil {
		return err
	}
	p.seen = seen
	p.m.seen.Set(float64(seen.len()))

	rctx, cancel := context.WithCancel(gctx)
	// Memory: what the readers hold is bounded by this channel and each
	// reader's queue (QueueCapacity, 100 messages). kafka-go streams a fetch
	// response from the connection, so MaxBytes is no buffer of that size.
	// Messages are decoded when their batch is flushed (build), in
	// parallel: decoding them here instead, while the previous batch is
	// inserted, measured slower, as batches then fill more slowly than the
	// flush interval and are inserted smaller. Decoding the whole next
	// batch while one is inserted measured slower too, as it holds a second
	// decoded batch and the collector then works near the memory limit
	// (BENCHMARKS-projector.md).
	msgs := make(chan kafka.Message, 2048)
	var wg sync.WaitGroup
	for _, part := range parts {
		r := kafka.NewReader(kafka.ReaderConfig{
			Brokers:   p.cfg.BrokerList(),
			Topic:     p.cfg.Topic,
			Partition: part,
			MinBytes:  1,
			MaxBytes:  8 << 20,
			MaxWait:   200 * time.Millisecond,
		})
		start := kafka.FirstOffset
		if off, ok := offsets[part]; ok {
			start = off + 1
		}
		if err := r.SetOffset(start); err != nil {
			cancel()
			return fmt.Errorf("seek partition %d: %w", part, err)
		}
		p.log.Info("reading partition", "topic", p.cfg.Topic, "partition", part, "from_offset", start)
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer r.Close()
			for {
				m, err := r.FetchMessage(rctx)
				if err != nil {
					if rctx.Err() == nil {
						p.log.Error("kafka fetch failed", "partition", part, "err", err)
					}
					return
				}
				select {
				case msgs <- m:
				case <-rctx.Done():
					return
				}
			}
		}()
	}
	defer func() { cancel(); wg.Wait() }()
	p.health.SetReady()

	var (
		batch    []kafka.Message
		size     int
		deadline <-chan time.Time
		timer    *time.Timer
		// The lag gauge of each partition, looked up once rather than
		// per message (WithLabelValues hashes and locks).
		lag = map[partKey]prometheus.Gauge{}
	)
	flush := func(fctx context.Context) error {
		if timer != nil {
			timer.Stop()
			timer, deadline = nil, nil
		}
		if len(batch) == 0 {
			return nil
		}
		err := p.flush(ctx, fctx, gen, batch)
		// Drop the written messages' values now, not when the next batch
		// overwrites their slots.
		clear(batch)
		batch, size = batch[:0], 0
		p.m.inHand.Set(0)
		return err
	}
	for {
		select {
		case m := <-msgs:
			batch = append(batch, m)
			size += len(m.Value) + len(m.Key)
			p.m.inHand.Set(float64(len(batch)))
			g, ok := lag[partKey{m.Topic, m.Partition}]
			if !ok {
				g = p.m.lag.WithLabelValues(m.Topic, strconv.Itoa(m.Partition))
				lag[partKey{m.Topic, m.Partition}] = g
			}
			g.Set(float64(max(m.HighWaterMark-m.Offset-1, 0)))
			if timer == nil {
				timer = time.NewTimer(p.cfg.FlushInterval)
				deadline = timer.C
			}
			if len(batch) >= p.cfg.FlushRows || size >= p.cfg.FlushBytes {
				if err := flush(gctx); err != nil {
					return err
				}
			}
		case <-deadline:
			if err := flush(gctx); err != nil {
				return err
			}
		case <-gctx.Done():
			// The partitions may already belong to another member: leave the
			// unwritten batch to be read again from the stored offsets.
			return nil
		case <-ctx.Done():
			// Take what the readers already fetched, then write it all.
			for n := len(msgs); n > 0; n-- {
				batch = append(batch, <-msgs)
			}
			p.log.Info("projector stopping: writing the batch in hand", "messages", len(batch))
			sctx, scancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer scancel()
			if err := flush(sctx); err != nil {
				p.log.Error("the batch in hand was not written; it will be read again on the next start", "err", err)
				return err
			}
			return nil
		}
	}
}

// retry runs f until it succeeds or a context ends, backing off up to 10 s
// and marking the service not ready meanwhile.
func retry[T any](ctx, gctx context.Context, p *Projector, what string, f func() (T, error)) (T, error) {
	backoff := 250 * time.Millisecond
	for {
		v, err := f()
		if err == nil {
			return v, nil
		}
		if errors.Is(err, errRetryQuietly) {
			p.log.Debug("waiting", "what", what, "why", err)
			backoff = 50 * time.Millisecond
		} else {
			p.m.chErrors.Inc()
			p.health.SetNotReady(what + ": " + err.Error())
			p.log.Warn("retrying", "what", what, "in", backoff, "err", err)
		}
		select {
		case <-ctx.Done():
			return v, ctx.Err()
		case <-gctx.Done():
			return v, gctx.Err()
		case <-time.After(backoff):
		}
		backoff = min(backoff*2, 10*time.Second)
	}
}

// storedOffsets returns the highest offset stored per partition of the topic.
func (p *Projector) storedOffsets(ctx context.Context) (map[int]int64, error) {
	rows, err := p.conn.Query(ctx, "SELECT kafka_partition, maxMerge(max_offset) FROM projector_offsets WHERE kafka_topic = ? GROUP BY kafka_partition", p.cfg.Topic)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[int]int64{}
	for rows.Next() {
		var part int32
		var off int64
		if err := rows.Scan(&part, &off); err != nil {
			return nil, err
		}
		out[int(part)] = off
	}
	return out, rows.Err()
}

// loadSeen reads the event_ids stored from parts within the dedup window.
func (p *Projector) loadSeen(ctx context.Context, parts []int) (*seenSet, error) {
	want := map[int32]bool{}
	for _, pt := range parts {
		want[int32(pt)] = true
	}
	since := time.Now().Add(-p.cfg.DedupWindow)
	rows, err := p.conn.Query(ctx, "SELECT kafka_partition, toString(event_id) FROM events WHERE kafka_topic = ? AND received_at >= ?", p.cfg.Topic, since)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	s := newSeenSet(p.cfg.DedupCapacity)
	for rows.Next() {
		var part int32
		var id string
		if err := rows.Scan(&part, &id); err != nil {
			return nil, err
		}
		if k, ok := parseUUID(id); ok && want[part] {
			s.add(k)
		}
	}
	return s, rows.Err()
}

// flush projects one batch. It retries until it succeeds or fctx ends;
// Kafka keeps the messages meanwhile, and memory stays bounded because no
// more are read. After a failed attempt the outcome of the last insert is
// unknown (ClickHouse may have stored the block and then lost the
// connection), so before trying again it reads back, from events itself,
// how far each partition got, and drops what is already stored.
func (p *Projector) flush(ctx, fctx context.Context, gen *kafka.Generation, batch []kafka.Message) error {
	start := time.Now()
	p.m.flushing.Set(1)
	defer p.m.flushing.Set(0)
	b := p.build(batch)
	failed := false
	if _, err := retry(fctx, fctx, p, "write batch to ClickHouse", func() (struct{}, error) {
		if !b.enriched {
			if err := p.enrich(fctx, b); err != nil {
				return struct{}{}, err
			}
			b.enriched = true
		}
		if failed {
			stored, err := p.storedSince(fctx, b)
			if err != nil {
				return struct{}{}, fmt.Errorf("read back stored offsets: %w", err)
			}
			b.dropStored(stored)
		}
		err := p.write(fctx, b)
		failed = err != nil && !errors.Is(err, errFenced)
		return struct{}{}, err
	}); err != nil {
		return fmt.Errorf("batch of %d messages not written: %w", len(batch), err)
	}
	p.health.SetReady()
	for _, k := range b.keys {
		p.seen.add(k)
	}
	for pk, off := range b.last {
		p.m.stored.WithLabelValues(pk.topic, strconv.Itoa(pk.partition)).Set(float64(off))
	}
	p.m.seen.Set(float64(p.seen.len()))
	p.m.events.WithLabelValues("inserted").Add(float64(b.events))
	p.m.events.WithLabelValues("duplicate").Add(float64(b.duplicates))
	p.m.events.WithLabelValues("dead_letter").Add(float64(b.dead))
	p.m.rows.WithLabelValues("events").Add(float64(b.events))
	p.m.rows.WithLabelValues("dead_letters").Add(float64(b.dead))
	p.m.batchRows.Observe(float64(len(batch)))
	p.m.flushSeconds.Observe(time.Since(start).Seconds())

	// Informational: lets Kafka's own tools show the group's progress. The
	// projector itself resumes from the offsets stored in ClickHouse.
	commit := map[string]map[int]int64{}
	for pk, off := range b.last {
		if commit[pk.topic] == nil {
			commit[pk.topic] = map[int]int64{}
		}
		commit[pk.topic][pk.partition] = off + 1
	}
	if err := gen.CommitOffsets(commit); err != nil && ctx.Err() == nil {
		p.log.Debug("committing offsets to the consumer group failed (informational only)", "err", err)
	}
	return nil
}

// storedSince reads, from the events table itself (not projector_offsets,
// whose materialized view might not have run if an insert failed half-way),
// the highest stored offset per partition among rows received since the
// batch's oldest row.
func (p *Projector) storedSince(ctx context.Context, b *prepared) (map[partKey]int64, error) {
	out := map[partKey]int64{}
	if b.minRecv.IsZero() {
		return out, nil
	}
	topics := []any{}
	for _, tp := range b.topics() {
		topics = append(topics, tp)
	}
	rows, err := p.conn.Query(ctx, "SELECT kafka_topic, kafka_partition, max(kafka_offset) FROM events WHERE kafka_topic IN ? AND received_at >= ? GROUP BY kafka_topic, kafka_partition",
		clickhouse.GroupSet{Value: topics},
		b.minRecv.Add(-time.Second).Truncate(time.Second))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var topic string
		var part int32
		var off int64
		if err := rows.Scan(&topic, &part, &off); err != nil {
			return nil, err
		}
		out[partKey{topic, int(part)}] = off
	}
	return out, rows.Err()
}

// errRetryQuietly marks errors that are waits rather than failures.
var errRetryQuietly = errors.New("projector: waiting")

// ErrPoison marks a message that cannot be projected.
var ErrPoison = errors.New("projector: message cannot be projected")
