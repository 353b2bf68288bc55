// Package projector reads events from Kafka and writes them to ClickHouse so
// that every event counts exactly once in every projection, whatever happens
// between the two: see DESIGN.md beside this file.
package projector
