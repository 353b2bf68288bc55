// Package systest holds the projector's system tests: the projector runs as
// a separate `dvpulse projector` process (or in-process where a test needs
// to reach inside) against the real Kafka and ClickHouse, and is killed,
// stopped, starved of ClickHouse and fed poison, and every indicator is then
// compared with the value computed from the distinct generated events.
//
// Sizes are set by the environment. The defaults are the sizes the issue
// asks for, and CI runs them (about 3 minutes on two cores):
//
//	DVPULSE_CHAOS_EVENTS   distinct events of every type in the SIGKILL test (default 200000)
//	DVPULSE_CHAOS_KILLS    SIGKILLs at random points (default 6, at least 5)
//	DVPULSE_OUTAGE         how long ClickHouse is down in the outage test (default 60s)
//	DVPULSE_OUTAGE_EVENTS  events sent during the outage test (default 20000, every type)
//	DVPULSE_REBUILD_EVENTS events sent during the rebuild test (default 12000)
//
// Smaller, quicker runs: DVPULSE_CHAOS_EVENTS=20000 DVPULSE_OUTAGE=15s go test ./projector/systest/
package systest
