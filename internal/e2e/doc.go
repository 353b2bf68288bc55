// Package e2e holds end-to-end tests that run ingest, projector and
// dashboard in-process against the real Kafka and ClickHouse.
package e2e
