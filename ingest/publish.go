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

// NewKafkaPublisher builds a writer for topic on brokers, uncompressed.
func NewKafkaPublisher(brokers []string, topic string, batchTimeout time.Duration) *KafkaPublisher {
	return NewKafkaPublisherWith(brokers, topic, PublisherOptions{BatchTimeout: batchTimeout})
}

// PublisherOptions tune the Kafka writer. Zero fields take the defaults.
type PublisherOptions struct {
	// BatchTimeout is how long the writer waits to fill a batch. Default 2 ms.
	BatchTimeout time.Duration
	// BatchSize is the most messages per partition batch. Default 2,000.
	BatchSize int
	// BatchBytes is the largest batch request in bytes. Default 4 MiB.
	BatchBytes int64
	// Compression names the codec: none (default), gzip, snappy, lz4, zstd.
	Compression string
}

// compressionCodec maps a Config.Compression name to kafka-go's codec.
func compressionCodec(name string) (kafka.Compression, error) {
	switch name {
	case "", "none":
		return 0, nil
	case "gzip":
		return kafka.Gzip, nil
	case "snappy":
		return kafka.Snappy, nil
	case "lz4":
		return kafka.Lz4, nil
	case "zstd":
		return kafka.Zstd, nil
	}
	return 0, fmt.Errorf("%q is not none, gzip, snappy, lz4 or zstd", name)
}

// NewKafkaPublisherWith builds a writer for topic on brokers with opts. An
// unknown compression name falls back to none (Config.Validate rejects it).
func NewKafkaPublisherWith(brokers []string, topic string, opts PublisherOptions) *KafkaPublisher {
	if opts.BatchTimeout <= 0 {
		opts.BatchTimeout = 2 * time.Millisecond
	}
	if opts.BatchSize <= 0 {
		opts.BatchSize = 2000
	}
	if opts.BatchBytes <= 0 {
		opts.BatchBytes = 4 << 20
	}
	codec, _ := compressionCodec(opts.Compression)
	return &KafkaPublisher{w: &kafka.Writer{
		Addr:                   kafka.TCP(brokers...),
		Topic:                  topic,
		Balancer:               &kafka.Hash{},
		RequiredAcks:           kafka.RequireAll,
		BatchTimeout:           opts.BatchTimeout,
		BatchSize:              opts.BatchSize,
		BatchBytes:             opts.BatchBytes,
		Compression:            codec,
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
