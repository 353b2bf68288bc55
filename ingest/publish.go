package ingest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"time"

	"github.com/segmentio/kafka-go"
)

// Publisher writes messages to Kafka and returns only once Kafka has
// acknowledged them, or with an error. It is the consumer-side interface the
// handler needs; *KafkaPublisher is the real one.
type Publisher interface {
	// Publish writes msgs. On a partial failure the error is a
	// kafka.WriteErrors with one entry per message (nil for the written ones).
	Publish(ctx context.Context, msgs []kafka.Message) error
	Close() error
}

// KafkaPublisher is a Publisher over a kafka-go Writer with acks=all and a
// hash balancer, so that messages with the same key keep their order.
type KafkaPublisher struct {
	w      *kafka.Writer
	mu     sync.Mutex
	totals writerTotals
}

// NewKafkaPublisher builds a writer for topic on brokers.
func NewKafkaPublisher(brokers []string, topic string, batchTimeout time.Duration) *KafkaPublisher {
	return &KafkaPublisher{w: &kafka.Writer{
		Addr:                   kafka.TCP(brokers...),
		Topic:                  topic,
		Balancer:               &kafka.Hash{},
		RequiredAcks:           kafka.RequireAll,
		BatchTimeout:           batchTimeout,
		BatchSize:              2000,
		BatchBytes:             1 << 20,
		MaxAttempts:            3,
		WriteBackoffMin:        50 * time.Millisecond,
		WriteBackoffMax:        500 * time.Millisecond,
		ReadTimeout:            10 * time.Second,
		WriteTimeout:           10 * time.Second,
		AllowAutoTopicCreation: false,
		Transport: &kafka.Transport{
			Dial:        (&net.Dialer{Timeout: 3 * time.Second}).DialContext,
			IdleTimeout: 60 * time.Second,
			MetadataTTL: 30 * time.Second,
		},
	}}
}

// Publish implements Publisher.
func (p *KafkaPublisher) Publish(ctx context.Context, msgs []kafka.Message) error {
	if err := p.w.WriteMessages(ctx, msgs...); err != nil {
		return fmt.Errorf("kafka write: %w", err)
	}
	return nil
}

// Close flushes pending writes and closes the writer.
func (p *KafkaPublisher) Close() error { return p.w.Close() }

// Stats exposes the writer's counters for metrics.
func (p *KafkaPublisher) Stats() kafka.WriterStats { return p.w.Stats() }

// failedIndexes returns, for a publish error, which of n messages were not
// acknowledged: all of them, unless the error is a per-message WriteErrors.
func failedIndexes(err error, n int) []bool {
	failed := make([]bool, n)
	var we kafka.WriteErrors
	if errors.As(err, &we) && len(we) == n {
		for i, e := range we {
			failed[i] = e != nil
		}
		return failed
	}
	for i := range failed {
		failed[i] = true
	}
	return failed
}

type writerTotals struct{ errors, messages int64 }

// snapshot folds the writer's since-last-read stats into running totals.
func (p *KafkaPublisher) snapshot() writerTotals {
	st := p.w.Stats()
	p.mu.Lock()
	defer p.mu.Unlock()
	p.totals.errors += st.Errors
	p.totals.messages += st.Messages
	return p.totals
}
