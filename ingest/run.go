package ingest

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/segmentio/kafka-go"

	"dvpulse/event"
	"dvpulse/internal/svc"
)

// Run serves the ingest API until ctx ends, then shuts down in order:
// readiness goes to 503, the HTTP server drains, and the Kafka writer
// flushes. reg receives the service's metrics; the caller serves them.
func Run(ctx context.Context, cfg Config, log *slog.Logger, dec *event.Decoder, reg *prometheus.Registry, health *svc.Health) error {
	if err := cfg.Validate(); err != nil {
		return fmt.Errorf("ingest config: %w", err)
	}
	keys, err := NewKeyStore(cfg.KeysFile, cfg.Auth)
	switch {
	case err != nil && !errors.Is(err, os.ErrNotExist):
		return fmt.Errorf("ingest keys file: %w", err)
	case cfg.Auth == AuthRequired && !keys.Enforced():
		return fmt.Errorf("ingest keys file: --ingest-auth=required but %s cannot be read", cfg.KeysFile)
	}
	logAuth(log, cfg, keys)
	opts := PublisherOptions{BatchTimeout: cfg.BatchTimeout, Compression: cfg.Compression}
	pub := NewKafkaPublisherWith(cfg.BrokerList(), cfg.Topic, opts)
	dlq := NewKafkaPublisherWith(cfg.BrokerList(), cfg.DeadLetterTopic, PublisherOptions{BatchTimeout: cfg.BatchTimeout})
	srv := NewServer(cfg, log, dec, pub, reg, health, WithKeyStore(keys), WithDeadLetterPublisher(dlq))
	reg.MustRegister(newWriterCollector(pub))

	ln, err := svc.Listen(cfg.HTTPAddr, "ingest API", "ingest-addr")
	if err != nil {
		_ = pub.Close()
		_ = dlq.Close()
		return err
	}
	go waitForTopic(ctx, log, cfg, health)
	log.Info("ingest listening", "addr", "http://"+ln.Addr().String(), "topic", cfg.Topic, "deadletter_topic", cfg.DeadLetterTopic,
		"brokers", cfg.Brokers, "dedup_window", cfg.DedupWindow, "dedup_max_ids", cfg.DedupMaxIDs)
	httpSrv := &http.Server{Handler: srv.Handler(), ReadHeaderTimeout: 10 * time.Second}
	serveErr := svc.Serve(ctx, log, httpSrv, ln, 15*time.Second)
	health.SetNotReady("shutting down")
	log.Info("ingest flushing the Kafka writers")
	if err := pub.Close(); err != nil {
		serveErr = errors.Join(serveErr, fmt.Errorf("close kafka writer: %w", err))
	}
	if err := dlq.Close(); err != nil {
		serveErr = errors.Join(serveErr, fmt.Errorf("close dead-letter writer: %w", err))
	}
	return serveErr
}

// logAuth says loudly whether write keys are enforced.
func logAuth(log *slog.Logger, cfg Config, keys *KeyStore) {
	switch {
	case cfg.Auth == AuthOff:
		log.Warn("INGEST AUTH IS OFF (--ingest-auth=off): anyone who reaches the API can write events")
	case keys.Enforced():
		log.Info("ingest auth ENFORCED: every request needs Authorization: Bearer <write key>", "keys_file", cfg.KeysFile, "keys", len(keys.Names()))
	default:
		log.Warn("INGEST AUTH IS OFF: the keys file lists no key, so anyone who reaches the API can write events; create one with `dvpulse keys create` to enforce keys (checked every second)", "keys_file", cfg.KeysFile)
	}
}

// waitForTopic marks the service ready once the topic's metadata answers.
func waitForTopic(ctx context.Context, log *slog.Logger, cfg Config, health *svc.Health) {
	health.SetNotReady("waiting for Kafka topic " + cfg.Topic)
	warned := false
	for {
		err := CheckTopic(ctx, cfg.BrokerList(), cfg.Topic)
		if err == nil {
			health.SetReady()
			log.Info("ingest ready", "topic", cfg.Topic)
			if err := CheckTopic(ctx, cfg.BrokerList(), cfg.DeadLetterTopic); err != nil {
				log.Error("dead-letter topic missing: rejected events will only be logged and listed in memory (create it; deploy/local/up.sh does)", "topic", cfg.DeadLetterTopic, "err", err)
			}
			return
		}
		if !warned {
			log.Warn("Kafka not reachable yet; ingest answers 503 until it is (start it with deploy/local/up.sh)", "err", err)
			warned = true
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(time.Second):
		}
	}
}

// CheckTopic asks the brokers for topic's metadata and fails when the topic
// does not exist or no broker answers.
func CheckTopic(ctx context.Context, brokers []string, topic string) error {
	var lastErr error
	for _, b := range brokers {
		c, err := (&kafka.Dialer{Timeout: 2 * time.Second}).DialContext(ctx, "tcp", b)
		if err != nil {
			lastErr = err
			continue
		}
		parts, err := c.ReadPartitions(topic)
		c.Close()
		if err != nil {
			lastErr = fmt.Errorf("topic %s: %w", topic, err)
			continue
		}
		if len(parts) == 0 {
			lastErr = fmt.Errorf("topic %s has no partitions", topic)
			continue
		}
		return nil
	}
	return fmt.Errorf("kafka %v: %w", brokers, lastErr)
}

// writerCollector exports the kafka-go writer's own counters.
type writerCollector struct {
	pub    *KafkaPublisher
	errors *prometheus.Desc
	writes *prometheus.Desc
}

func newWriterCollector(p *KafkaPublisher) *writerCollector {
	return &writerCollector{pub: p,
		errors: prometheus.NewDesc("dvpulse_ingest_kafka_writer_errors_total", "Errors counted by the Kafka writer, including retried ones.", nil, nil),
		writes: prometheus.NewDesc("dvpulse_ingest_kafka_writer_messages_total", "Messages written by the Kafka writer.", nil, nil),
	}
}

func (w *writerCollector) Describe(ch chan<- *prometheus.Desc) { ch <- w.errors; ch <- w.writes }

// Collect reads the writer's stats. kafka-go resets them on every read, so
// the collector keeps running totals.
func (w *writerCollector) Collect(ch chan<- prometheus.Metric) {
	st := w.pub.snapshot()
	ch <- prometheus.MustNewConstMetric(w.errors, prometheus.CounterValue, float64(st.errors))
	ch <- prometheus.MustNewConstMetric(w.writes, prometheus.CounterValue, float64(st.messages))
}
