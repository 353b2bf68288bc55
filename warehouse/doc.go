// Package warehouse owns dvpulse's ClickHouse side: the connection settings,
// the numbered, embedded .sql migrations, and the tracking table that records
// which have run. Every statement it holds runs on ClickHouse 18.16 (the
// integration tests' server) and on current ClickHouse (checked with chdb).
package warehouse
