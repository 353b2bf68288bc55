package projector

import (
	"errors"
	"flag"
	"fmt"
	"strings"
	"time"
)

// Config configures the projector.
type Config struct {
	// OpsAddr serves /metrics and the health endpoints. Default 127.0.0.1:9102.
	OpsAddr string
	// Brokers is the comma-separated Kafka bootstrap list. Default 127.0.0.1:9092.
	Brokers string
	// Topic is read. Default dvpulse.events.
	Topic string
	// DeadLetterTopic receives messages that cannot be projected. Default
	// dvpulse.deadletter.
	DeadLetterTopic string
	// Group is the Kafka consumer group. Default dvpulse-projector.
	Group string
	// FlushRows, FlushBytes and FlushInterval end a batch, whichever comes
	// first. Defaults 10,000 rows, 16 MiB, 500 ms.
	FlushRows     int
	FlushBytes    int
	FlushInterval time.Duration
	// DedupWindow is how far back, by received_at, event_ids are loaded
	// at start to recognise resent events. Default 168 h (Kafka's retention).
	DedupWindow time.Duration
	// DedupCapacity caps the event_ids held in memory. Default 2,000,000.
	DedupCapacity int
	// SessionTimeout is the consumer group session timeout. Default 10 s.
	SessionTimeout time.Duration
	// Province is the province whose locality registry maps codes. Default 42.
	Province string
	// Score makes the projector score feedback texts that arrive without a
	// sentiment or topics, with the embedded model. Default true.
	Score bool
	// MemoryLimit is the Go runtime's soft memory limit for the whole
	// process (runtime/debug.SetMemoryLimit), in bytes: the garbage collector
	// runs more often as the heap nears it instead of letting the heap grow
	// to twice the live data. 0 leaves the runtime's setting alone; so does
	// a GOMEMLIMIT environment variable, which wins. Default 150 MiB.
	MemoryLimit int64
}

// DefaultConfig returns the defaults, which work against deploy/local.
func DefaultConfig() Config {
	return Config{
		OpsAddr:         "127.0.0.1:9102",
		Brokers:         "127.0.0.1:9092",
		Topic:           "dvpulse.events",
		DeadLetterTopic: "dvpulse.deadletter",
		Group:           "dvpulse-projector",
		FlushRows:       10000,
		FlushBytes:      16 << 20,
		FlushInterval:   500 * time.Millisecond,
		DedupWindow:     168 * time.Hour,
		DedupCapacity:   2_000_000,
		SessionTimeout:  10 * time.Second,
		Province:        "42",
		Score:           true,
		MemoryLimit:     150 << 20,
	}
}

// RegisterFlags binds the fields to flags on fs. The Kafka broker, topic and
// province flags are shared with ingest, so they are registered only when fs
// does not have them yet.
func (c *Config) RegisterFlags(fs *flag.FlagSet) {
	fs.StringVar(&c.OpsAddr, "projector-ops-addr", c.OpsAddr, "address of the projector's /metrics, /-/healthy and /-/ready")
	if fs.Lookup("kafka-brokers") == nil {
		fs.StringVar(&c.Brokers, "kafka-brokers", c.Brokers, "comma-separated Kafka bootstrap brokers")
	}
	if fs.Lookup("kafka-topic") == nil {
		fs.StringVar(&c.Topic, "kafka-topic", c.Topic, "Kafka topic of accepted events")
	}
	if fs.Lookup("province") == nil {
		fs.StringVar(&c.Province, "province", c.Province, "province code whose locality registry is used (Hà Tĩnh is 42)")
	}
	if fs.Lookup("kafka-deadletter-topic") == nil {
		fs.StringVar(&c.DeadLetterTopic, "kafka-deadletter-topic", c.DeadLetterTopic, "Kafka topic for messages that cannot be projected")
	}
	fs.BoolVar(&c.Score, "projector-score", c.Score, "score feedback texts sent without sentiment or topics with the embedded Vietnamese model")
	fs.StringVar(&c.Group, "projector-group", c.Group, "Kafka consumer group of the projectors")
	fs.IntVar(&c.FlushRows, "projector-flush-rows", c.FlushRows, "insert a batch once it has this many rows")
	fs.IntVar(&c.FlushBytes, "projector-flush-bytes", c.FlushBytes, "insert a batch once its messages hold this many bytes")
	fs.DurationVar(&c.FlushInterval, "projector-flush-interval", c.FlushInterval, "insert a batch at least this often while events arrive")
	fs.DurationVar(&c.DedupWindow, "projector-dedup-window", c.DedupWindow, "how far back (by received_at) resent event_ids are recognised")
	fs.IntVar(&c.DedupCapacity, "projector-dedup-capacity", c.DedupCapacity, "most event_ids kept in memory to recognise resent events")
	fs.DurationVar(&c.SessionTimeout, "projector-session-timeout", c.SessionTimeout, "Kafka consumer group session timeout")
	fs.Int64Var(&c.MemoryLimit, "projector-memory-limit", c.MemoryLimit, "soft memory limit of the process in bytes (Go's GOMEMLIMIT, which wins when set); the GC works harder near it; 0: no limit")
}

// Validate reports every invalid field.
func (c *Config) Validate() error {
	var errs []error
	if strings.TrimSpace(c.Brokers) == "" {
		errs = append(errs, errors.New("kafka-brokers: empty"))
	}
	if c.Topic == "" || c.DeadLetterTopic == "" || c.Group == "" {
		errs = append(errs, errors.New("kafka-topic, kafka-deadletter-topic and projector-group must all be set"))
	}
	if c.FlushRows < 1 {
		errs = append(errs, fmt.Errorf("projector-flush-rows: %d; must be at least 1", c.FlushRows))
	}
	if c.FlushBytes < 1024 {
		errs = append(errs, fmt.Errorf("projector-flush-bytes: %d; must be at least 1024", c.FlushBytes))
	}
	if c.FlushInterval < time.Millisecond {
		errs = append(errs, errors.New("projector-flush-interval: must be at least 1ms"))
	}
	if c.DedupCapacity < 1000 || c.DedupCapacity > maxSeenCapacity {
		errs = append(errs, fmt.Errorf("projector-dedup-capacity: %d; must be between 1000 and %d", c.DedupCapacity, maxSeenCapacity))
	}
	if c.MemoryLimit < 0 {
		errs = append(errs, errors.New("projector-memory-limit: negative (0 means no limit)"))
	}
	if c.SessionTimeout < 6*time.Second {
		errs = append(errs, errors.New("projector-session-timeout: Kafka's minimum is 6s"))
	}
	return errors.Join(errs...)
}

// BrokerList splits Brokers.
func (c *Config) BrokerList() []string {
	var out []string
	for _, p := range strings.Split(c.Brokers, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}
