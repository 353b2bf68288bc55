package ingest

import (
	"errors"
	"flag"
	"fmt"
	"strings"
	"time"
)

// Auth modes of Config.Auth.
const (
	// AuthAuto enforces write keys iff the keys file lists at least one key
	// (revoked keys count, so revoking the last key does not open the API).
	AuthAuto = "auto"
	// AuthRequired enforces write keys; with no keys file every request gets 401.
	AuthRequired = "required"
	// AuthOff accepts every request without a key.
	AuthOff = "off"
)

// Config configures the ingest service.
type Config struct {
	// HTTPAddr is where the ingest API listens. Default 127.0.0.1:8080.
	HTTPAddr string
	// OpsAddr serves /metrics and the health endpoints. Default 127.0.0.1:9101.
	OpsAddr string
	// Brokers is the comma-separated Kafka bootstrap list. Default 127.0.0.1:9092.
	Brokers string
	// Topic receives accepted events. Default dvpulse.events.
	Topic string
	// DeadLetterTopic receives every rejected event with its reasons.
	// Default dvpulse.deadletter.
	DeadLetterTopic string
	// MaxBodyBytes caps a POST /v1/events body (after gzip). Default 16 MiB.
	MaxBodyBytes int64
	// MaxBatch caps the events in one POST /v1/events request. Default 5,000.
	MaxBatch int
	// MaxLines caps the lines of one POST /v1/events/ndjson request.
	// Default 1,000,000.
	MaxLines int
	// MaxLineBytes caps one NDJSON line. Default 1 MiB.
	MaxLineBytes int
	// MaxStreamBytes caps a whole NDJSON body after gzip. Default 1 GiB.
	MaxStreamBytes int64
	// ChunkEvents is how many NDJSON lines are validated and published
	// together while the body streams in. Default 1,000.
	ChunkEvents int
	// WriteTimeout bounds how long a request waits for Kafka before it
	// answers 503. Default 10 s.
	WriteTimeout time.Duration
	// BatchTimeout is how long the Kafka writer waits to fill a batch.
	// Default 2 ms.
	BatchTimeout time.Duration
	// Compression of Kafka batches: none, gzip, snappy, lz4 or zstd.
	// Default none.
	Compression string
	// Province is the province whose locality codes are accepted. Default 42.
	Province string
	// DedupWindow is how long an acknowledged event_id is remembered: a
	// resend within it answers the first result and is not published
	// again. Default 15 min.
	DedupWindow time.Duration
	// DedupMaxIDs bounds the remembered ids; the oldest go first, so under
	// heavy load the effective window is shorter than DedupWindow.
	// Default 1,000,000 (32 MB when full; see BENCHMARKS-ingest.md for RSS).
	DedupMaxIDs int
	// DeadLetterKeep is how many recent dead letters GET /v1/deadletters
	// keeps in memory per source. Default 200.
	DeadLetterKeep int
	// DeadLetterTimeout bounds a dead-letter write. Default 5 s.
	DeadLetterTimeout time.Duration
	// KeysFile holds the write keys (hashes only). Default .state/ingest-keys.json.
	KeysFile string
	// Auth is auto, required or off. Default auto: keys are enforced iff
	// KeysFile lists at least one key.
	Auth string
}

// DefaultConfig returns the defaults, which work against deploy/local.
func DefaultConfig() Config {
	return Config{
		HTTPAddr:          "127.0.0.1:8080",
		OpsAddr:           "127.0.0.1:9101",
		Brokers:           "127.0.0.1:9092",
		Topic:             "dvpulse.events",
		DeadLetterTopic:   "dvpulse.deadletter",
		MaxBodyBytes:      16 << 20,
		MaxBatch:          5000,
		MaxLines:          1_000_000,
		MaxLineBytes:      1 << 20,
		MaxStreamBytes:    1 << 30,
		ChunkEvents:       1000,
		WriteTimeout:      10 * time.Second,
		BatchTimeout:      2 * time.Millisecond,
		Compression:       "none",
		Province:          "42",
		DedupWindow:       15 * time.Minute,
		DedupMaxIDs:       1_000_000,
		DeadLetterKeep:    200,
		DeadLetterTimeout: 5 * time.Second,
		KeysFile:          ".state/ingest-keys.json",
		Auth:              AuthAuto,
	}
}

// RegisterFlags binds the fields to flags on fs.
func (c *Config) RegisterFlags(fs *flag.FlagSet) {
	fs.StringVar(&c.HTTPAddr, "ingest-addr", c.HTTPAddr, "address of the ingest HTTP API")
	fs.StringVar(&c.OpsAddr, "ingest-ops-addr", c.OpsAddr, "address of the ingest service's /metrics, /-/healthy and /-/ready")
	fs.StringVar(&c.Brokers, "kafka-brokers", c.Brokers, "comma-separated Kafka bootstrap brokers")
	fs.StringVar(&c.Topic, "kafka-topic", c.Topic, "Kafka topic for accepted events")
	// The projector shares this flag (one dead-letter topic); whichever
	// registers first owns it and "dvpulse all" copies the value across.
	if fs.Lookup("kafka-deadletter-topic") == nil {
		fs.StringVar(&c.DeadLetterTopic, "kafka-deadletter-topic", c.DeadLetterTopic, "Kafka topic for rejected events (raw body, reasons in headers)")
	}
	fs.Int64Var(&c.MaxBodyBytes, "ingest-max-body-bytes", c.MaxBodyBytes, "largest POST /v1/events body accepted, in bytes after gzip (larger gets 413)")
	fs.IntVar(&c.MaxBatch, "ingest-max-batch", c.MaxBatch, "most events in one POST /v1/events request (more gets 413)")
	fs.IntVar(&c.MaxLines, "ingest-max-lines", c.MaxLines, "most lines in one POST /v1/events/ndjson request (reading stops there with 413)")
	fs.IntVar(&c.MaxLineBytes, "ingest-max-line-bytes", c.MaxLineBytes, "longest NDJSON line; a longer line is rejected alone")
	fs.Int64Var(&c.MaxStreamBytes, "ingest-max-stream-bytes", c.MaxStreamBytes, "largest NDJSON body, in bytes after gzip (reading stops there with 413)")
	fs.IntVar(&c.ChunkEvents, "ingest-chunk-events", c.ChunkEvents, "NDJSON lines validated and published together while a body streams in")
	fs.DurationVar(&c.WriteTimeout, "ingest-write-timeout", c.WriteTimeout, "how long a request waits for Kafka's acknowledgement before answering 503")
	fs.DurationVar(&c.BatchTimeout, "kafka-batch-timeout", c.BatchTimeout, "how long the Kafka writer waits to fill a batch")
	fs.StringVar(&c.Compression, "kafka-compression", c.Compression, "compression of Kafka batches: none, gzip, snappy, lz4 or zstd")
	fs.StringVar(&c.Province, "province", c.Province, "province code whose locality codes are accepted (Hà Tĩnh is 42)")
	fs.DurationVar(&c.DedupWindow, "ingest-dedup-window", c.DedupWindow, "how long an acknowledged event_id is remembered; a resend within it is answered from memory, not published again")
	fs.IntVar(&c.DedupMaxIDs, "ingest-dedup-max-ids", c.DedupMaxIDs, "most event_ids remembered for deduplication (oldest forgotten first; 24 to 32 bytes each, allocated as the table fills)")
	fs.IntVar(&c.DeadLetterKeep, "ingest-deadletter-keep", c.DeadLetterKeep, "recent dead letters kept in memory per source for GET /v1/deadletters")
	fs.DurationVar(&c.DeadLetterTimeout, "ingest-deadletter-timeout", c.DeadLetterTimeout, "how long a dead-letter write may take before it is logged as failed")
	fs.StringVar(&c.KeysFile, "ingest-keys-file", c.KeysFile, "JSON file of write keys (hashes only; manage with dvpulse keys); reloaded when it changes")
	fs.StringVar(&c.Auth, "ingest-auth", c.Auth, "write-key enforcement: auto (enforced iff the keys file lists a key), required or off")
}

// Validate reports every invalid field.
func (c *Config) Validate() error {
	var errs []error
	if strings.TrimSpace(c.Brokers) == "" {
		errs = append(errs, errors.New("kafka-brokers: empty; give at least one host:port"))
	}
	if c.Topic == "" {
		errs = append(errs, errors.New("kafka-topic: empty"))
	}
	if c.DeadLetterTopic == "" {
		errs = append(errs, errors.New("kafka-deadletter-topic: empty"))
	} else if c.DeadLetterTopic == c.Topic {
		errs = append(errs, errors.New("kafka-deadletter-topic: must differ from kafka-topic"))
	}
	if c.MaxBodyBytes < 1024 {
		errs = append(errs, fmt.Errorf("ingest-max-body-bytes: %d is below 1024", c.MaxBodyBytes))
	}
	if c.MaxBatch < 1 {
		errs = append(errs, fmt.Errorf("ingest-max-batch: %d; must be at least 1", c.MaxBatch))
	}
	if c.MaxLines < 1 {
		errs = append(errs, fmt.Errorf("ingest-max-lines: %d; must be at least 1", c.MaxLines))
	}
	if c.MaxLineBytes < 1024 {
		errs = append(errs, fmt.Errorf("ingest-max-line-bytes: %d is below 1024", c.MaxLineBytes))
	}
	if c.MaxStreamBytes < int64(c.MaxLineBytes) {
		errs = append(errs, fmt.Errorf("ingest-max-stream-bytes: %d is below ingest-max-line-bytes", c.MaxStreamBytes))
	}
	if c.ChunkEvents < 1 {
		errs = append(errs, fmt.Errorf("ingest-chunk-events: %d; must be at least 1", c.ChunkEvents))
	}
	if c.WriteTimeout <= 0 {
		errs = append(errs, errors.New("ingest-write-timeout: must be positive"))
	}
	if c.BatchTimeout <= 0 {
		errs = append(errs, errors.New("kafka-batch-timeout: must be positive"))
	}
	if _, err := compressionCodec(c.Compression); err != nil {
		errs = append(errs, fmt.Errorf("kafka-compression: %w", err))
	}
	if c.DedupWindow < 0 {
		errs = append(errs, errors.New("ingest-dedup-window: negative (0 turns deduplication off)"))
	}
	if c.DedupMaxIDs < 0 {
		errs = append(errs, errors.New("ingest-dedup-max-ids: negative (0 turns deduplication off)"))
	}
	if c.DedupMaxIDs > maxDedupIDs {
		errs = append(errs, fmt.Errorf("ingest-dedup-max-ids: %d; at most %d", c.DedupMaxIDs, maxDedupIDs))
	}
	if c.DeadLetterKeep < 0 {
		errs = append(errs, errors.New("ingest-deadletter-keep: negative"))
	}
	if c.DeadLetterTimeout <= 0 {
		errs = append(errs, errors.New("ingest-deadletter-timeout: must be positive"))
	}
	switch c.Auth {
	case AuthAuto, AuthRequired, AuthOff:
	default:
		errs = append(errs, fmt.Errorf("ingest-auth: %q is not auto, required or off", c.Auth))
	}
	if c.Auth != AuthOff && c.KeysFile == "" {
		errs = append(errs, errors.New("ingest-keys-file: empty (set --ingest-auth=off to run without keys)"))
	}
	return errors.Join(errs...)
}

// BrokerList splits Brokers.
func (c *Config) BrokerList() []string { return splitList(c.Brokers) }

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}
