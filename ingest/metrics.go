package ingest

import (
	"github.com/prometheus/client_golang/prometheus"
)

// metrics are the ingest service's own Prometheus metrics. Label values are
// bounded: event types and sources outside the known sets are "other", and
// reasons are the Reason* codes.
type metrics struct {
	events       *prometheus.CounterVec
	batchSize    *prometheus.HistogramVec
	kafkaLatency prometheus.Histogram
	kafkaErrors  prometheus.Counter
	dlqWrites    *prometheus.CounterVec
	dedupHits    prometheus.Counter
	authFailures *prometheus.CounterVec
	rateLimited  *prometheus.CounterVec
}

func newMetrics(reg prometheus.Registerer, dedup *Dedup) *metrics {
	m := &metrics{
		events: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "dvpulse_ingest_events_total",
			Help: "Events received by ingest, by event type, source system, outcome (accepted, rejected, unavailable) and reason code (none when accepted; malformed_json, invalid_utf8, missing_field, unknown_type, unknown_field, unknown_locality, invalid_value, not_allowed, too_large, kafka_unavailable).",
		}, []string{"event_type", "source", "outcome", "reason"}),
		batchSize: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "dvpulse_ingest_request_events",
			Help:    "Events per ingest request, by endpoint (events, ndjson).",
			Buckets: prometheus.ExponentialBuckets(1, 4, 10),
		}, []string{"endpoint"}),
		kafkaLatency: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "dvpulse_ingest_kafka_write_seconds",
			Help:    "Time from handing a chunk of events to the Kafka writer to their acknowledgement.",
			Buckets: prometheus.ExponentialBuckets(0.0005, 2, 14),
		}),
		kafkaErrors: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "dvpulse_ingest_kafka_write_errors_total",
			Help: "Kafka writes of accepted events that failed (the request answered 503).",
		}),
		dlqWrites: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "dvpulse_ingest_deadletter_writes_total",
			Help: "Rejected events written to the dead-letter topic, by result (ok, error).",
		}, []string{"result"}),
		dedupHits: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "dvpulse_ingest_dedup_hits_total",
			Help: "Events whose event_id Kafka had already acknowledged within the dedup window; answered from memory, not published again.",
		}),
		authFailures: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "dvpulse_ingest_auth_failures_total",
			Help: "Requests refused with 401, by reason (missing_token, invalid_token).",
		}, []string{"reason"}),
		rateLimited: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "dvpulse_ingest_rate_limited_total",
			Help: "Requests refused with 429 by the per-key rate limit, by key name.",
		}, []string{"key"}),
	}
	dedupIDs := prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "dvpulse_ingest_dedup_ids",
		Help: "Event ids remembered for deduplication.",
	}, func() float64 { return float64(dedup.Len()) })
	reg.MustRegister(m.events, m.batchSize, m.kafkaLatency, m.kafkaErrors, m.dlqWrites, m.dedupHits,
		m.authFailures, m.rateLimited, dedupIDs)
	return m
}

// countKey is one label combination of metrics.events.
type countKey struct{ eventType, source, outcome, reason string }

// counts batches metric increments so the hot path does one Add per
// label combination and chunk instead of one per event.
type counts map[countKey]int

func (m *metrics) flush(c counts) {
	for k, n := range c {
		m.events.WithLabelValues(k.eventType, k.source, k.outcome, k.reason).Add(float64(n))
	}
}
