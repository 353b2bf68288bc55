package ingest

import (
	"errors"
	"flag"
	"fmt"
	"strings"
	"time"
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
	// MaxBodyBytes caps a request body. Default 16 MiB.
	MaxBodyBytes int64
	// MaxBatch caps the events in one request. Default 5,000.
	MaxBatch int
	// WriteTimeout bounds how long a request waits for Kafka before it
	// answers 503. Default 10 s.
	WriteTimeout time.Duration
	// BatchTimeout is how long the Kafka writer waits to fill a batch.
	// Default 2 ms.
	BatchTimeout time.Duration
	// Province is the province whose locality codes are accepted. Default 42.
	Province string
}

// DefaultConfig returns the defaults, which work against deploy/local.
func DefaultConfig() Config {
	return Config{
		HTTPAddr:     "127.0.0.1:8080",
		OpsAddr:      "127.0.0.1:9101",
		Brokers:      "127.0.0.1:9092",
		Topic:        "dvpulse.events",
		MaxBodyBytes: 16 << 20,
		MaxBatch:     5000,
		WriteTimeout: 10 * time.Second,
		BatchTimeout: 2 * time.Millisecond,
		Province:     "42",
	}
}

// RegisterFlags binds the fields to flags on fs.
func (c *Config) RegisterFlags(fs *flag.FlagSet) {
	fs.StringVar(&c.HTTPAddr, "ingest-addr", c.HTTPAddr, "address of the ingest HTTP API")
	fs.StringVar(&c.OpsAddr, "ingest-ops-addr", c.OpsAddr, "address of the ingest service's /metrics, /-/healthy and /-/ready")
	fs.StringVar(&c.Brokers, "kafka-brokers", c.Brokers, "comma-separated Kafka bootstrap brokers")
	fs.StringVar(&c.Topic, "kafka-topic", c.Topic, "Kafka topic for accepted events")
	fs.Int64Var(&c.MaxBodyBytes, "ingest-max-body-bytes", c.MaxBodyBytes, "largest request body accepted, in bytes (larger gets 413)")
	fs.IntVar(&c.MaxBatch, "ingest-max-batch", c.MaxBatch, "most events in one request (more gets 413)")
	fs.DurationVar(&c.WriteTimeout, "ingest-write-timeout", c.WriteTimeout, "how long a request waits for Kafka's acknowledgement before answering 503")
	fs.DurationVar(&c.BatchTimeout, "kafka-batch-timeout", c.BatchTimeout, "how long the Kafka writer waits to fill a batch")
	fs.StringVar(&c.Province, "province", c.Province, "province code whose locality codes are accepted (Hà Tĩnh is 42)")
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
	if c.MaxBodyBytes < 1024 {
		errs = append(errs, fmt.Errorf("ingest-max-body-bytes: %d is below 1024", c.MaxBodyBytes))
	}
	if c.MaxBatch < 1 {
		errs = append(errs, fmt.Errorf("ingest-max-batch: %d; must be at least 1", c.MaxBatch))
	}
	if c.WriteTimeout <= 0 {
		errs = append(errs, errors.New("ingest-write-timeout: must be positive"))
	}
	if c.BatchTimeout <= 0 {
		errs = append(errs, errors.New("kafka-batch-timeout: must be positive"))
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
