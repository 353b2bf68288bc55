package projector

import "github.com/prometheus/client_golang/prometheus"

type metrics struct {
	events       *prometheus.CounterVec
	rows         *prometheus.CounterVec
	batchRows    prometheus.Histogram
	flushSeconds prometheus.Histogram
	chErrors     prometheus.Counter
	lag          *prometheus.GaugeVec
	seen         prometheus.Gauge
	stored       *prometheus.GaugeVec
	flushing     prometheus.Gauge
	inHand       prometheus.Gauge
}

func newMetrics(reg prometheus.Registerer) *metrics {
	m := &metrics{
		events: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "dvpulse_projector_events_total",
			Help: "Messages handled by the projector, by outcome: inserted, duplicate (event_id already stored) or dead_letter.",
		}, []string{"outcome"}),
		rows: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "dvpulse_projector_rows_inserted_total",
			Help: "Rows inserted into ClickHouse, by table.",
		}, []string{"table"}),
		batchRows: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "dvpulse_projector_batch_messages",
			Help:    "Kafka messages per projector batch.",
			Buckets: prometheus.ExponentialBuckets(1, 4, 9),
		}),
		flushSeconds: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "dvpulse_projector_flush_seconds",
			Help:    "Time to write one batch to ClickHouse, retries included.",
			Buckets: prometheus.ExponentialBuckets(0.001, 2, 16),
		}),
		chErrors: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "dvpulse_projector_clickhouse_errors_total",
			Help: "ClickHouse operations that failed and were retried.",
		}),
		lag: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "dvpulse_projector_lag_messages",
			Help: "Messages between the last one the projector read and the partition's end, per partition.",
		}, []string{"topic", "partition"}),
		seen: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "dvpulse_projector_dedup_ids",
			Help: "event_ids held in memory to recognise resent events.",
		}),
		stored: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "dvpulse_projector_stored_offset",
			Help: "Highest Kafka offset stored in ClickHouse per partition (events or dead letters); the projector resumes after it.",
		}, []string{"topic", "partition"}),
		flushing: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "dvpulse_projector_flush_in_progress",
			Help: "1 while a batch is being written to ClickHouse (retries included), else 0.",
		}),
		inHand: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "dvpulse_projector_batch_in_hand",
			Help: "Kafka messages read into the current batch and not yet written.",
		}),
	}
	reg.MustRegister(m.events, m.rows, m.batchRows, m.flushSeconds, m.chErrors, m.lag, m.seen, m.stored, m.flushing, m.inHand)
	return m
}
