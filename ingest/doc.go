// Package ingest is dvpulse's front door: an HTTP API that validates events
// against the event contract and publishes the valid ones to Kafka.
//
// A 2xx answer means Kafka acknowledged every event the answer calls
// accepted, with acks=all. When Kafka cannot be reached the answer is 503
// with Retry-After, and the sender retries with the same event_ids.
package ingest
