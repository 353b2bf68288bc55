#!/usr/bin/env bash
# ingest/bench.sh: measures the ingest service and prints a Markdown table.
# Builds dvpulse and the load generator, starts `dvpulse ingest` on free
# ports against a fresh 6-partition topic of the local Kafka (started with
# deploy/local/up.sh kafka when needed), and runs:
#   (a) batch:  POST /v1/events, 1,000 events of ~400 bytes per request, acks=all
#   (b) single: one event per POST, as fast as 64 connections go
#   (c) rate:   one event per POST at a fixed 2,000 requests/s: p50/p99
#   (d) ingest's RSS during (a) (max VmRSS sampled, and VmHWM)
# and Kafka's own ProducerPerformance (400-byte records, acks=all) for
# reference. Environment: BATCH_SECONDS (60), SINGLE_SECONDS (30),
# RATE_SECONDS (30), PERF_RECORDS (3000000).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
. deploy/local/env.sh

BATCH_SECONDS=${BATCH_SECONDS:-60}
SINGLE_SECONDS=${SINGLE_SECONDS:-30}
RATE_SECONDS=${RATE_SECONDS:-30}
PERF_RECORDS=${PERF_RECORDS:-3000000}
BIN=$DVPULSE_STATE/bin
mkdir -p "$BIN" "$DVPULSE_STATE/log"

deploy/local/up.sh kafka >/dev/null 2>&1 || deploy/local/up.sh kafka
log "building dvpulse and loadgen"
if ! go build -o "$BIN/dvpulse.new" ./cmd/dvpulse; then
  [ -x "$BIN/dvpulse" ] || die "cannot build dvpulse"
  log "WARNING: building dvpulse failed (see above); measuring the existing $BIN/dvpulse"
else
  mv "$BIN/dvpulse.new" "$BIN/dvpulse"
fi
go build -o "$BIN/loadgen" ./ingest/internal/loadgen

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
kt() { java -cp "$KAFKA_LIBS/*" -Dlog4j2.configurationFile="$DVPULSE_ROOT/deploy/local/kafka/log4j2.properties" \
  -Dkafka.logs.dir="$DVPULSE_STATE/log" org.apache.kafka.tools.TopicCommand --bootstrap-server "127.0.0.1:$KAFKA_PORT" "$@"; }

stamp=$(date +%s)
topic=bench.ingest.$stamp
perf_topic=bench.perf.$stamp
kt --create --topic "$topic" --partitions 6 --replication-factor 1 >/dev/null
kt --create --topic "$perf_topic" --partitions 6 --replication-factor 1 >/dev/null

api=$(free_port); ops=$(free_port)
ilog=$DVPULSE_STATE/log/bench-ingest.log
"$BIN/dvpulse" ingest --ingest-addr "127.0.0.1:$api" --ingest-ops-addr "127.0.0.1:$ops" \
  --kafka-brokers "127.0.0.1:$KAFKA_PORT" --kafka-topic "$topic" --ingest-auth off --log-level warn \
  ${INGEST_FLAGS:-} >"$ilog" 2>&1 &
ipid=$!
cleanup() {
  kill -TERM "$ipid" 2>/dev/null || true
  wait "$ipid" 2>/dev/null || true
  kt --delete --topic "$topic" >/dev/null 2>&1 || true
  kt --delete --topic "$perf_topic" >/dev/null 2>&1 || true
}
trap cleanup EXIT
for _ in $(seq 1 100); do curl -fsS "http://127.0.0.1:$ops/-/ready" >/dev/null 2>&1 && break; sleep 0.2; done
curl -fsS "http://127.0.0.1:$ops/-/ready" >/dev/null || { cat "$ilog" >&2; die "ingest did not become ready"; }

url=http://127.0.0.1:$api
log "(a) batch: ${BATCH_SECONDS}s"
a=$("$BIN/loadgen" --mode batch --url "$url" --duration "${BATCH_SECONDS}s" --pid "$ipid")
log "(b) single: ${SINGLE_SECONDS}s"
b=$("$BIN/loadgen" --mode single --url "$url" --duration "${SINGLE_SECONDS}s" --pid "$ipid")
log "(c) rate 2000/s: ${RATE_SECONDS}s"
c=$("$BIN/loadgen" --mode rate --rate 2000 --url "$url" --duration "${RATE_SECONDS}s" --pid "$ipid")
kill -TERM "$ipid"; wait "$ipid" 2>/dev/null || true

log "Kafka ProducerPerformance: $PERF_RECORDS records of 400 bytes, acks=all"
perf=$(java -cp "$KAFKA_LIBS/*" -Dlog4j2.configurationFile="$DVPULSE_ROOT/deploy/local/kafka/log4j2.properties" \
  -Dkafka.logs.dir="$DVPULSE_STATE/log" org.apache.kafka.tools.ProducerPerformance --topic "$perf_topic" \
  --num-records "$PERF_RECORDS" --record-size 400 --throughput -1 \
  --producer-props "bootstrap.servers=127.0.0.1:$KAFKA_PORT" acks=all 2>/dev/null | tail -1)
perf_rps=$(sed -n 's/.* records sent, \([0-9.]*\) records\/sec.*/\1/p' <<<"$perf")

python3 - "$a" "$b" "$c" "${perf_rps:-0}" "$perf" <<'PY'
import json, sys, os, platform, subprocess
a, b, c = (json.loads(x) for x in sys.argv[1:4])
perf = float(sys.argv[4]); perf_line = sys.argv[5]
cpu = next((l.split(':',1)[1].strip() for l in open('/proc/cpuinfo') if l.startswith('model name')), '?')
print(f"\nMachine: {os.cpu_count()} CPUs ({cpu}), {platform.system()} {platform.release()}; ingest and Kafka share it.\n")
print("| measure | target | result |")
print("|---|---|---|")
ratio = f" = {a['events_per_s']/perf:.2f} × Kafka's ProducerPerformance" if perf else ""
print(f"| (a) batch, 1,000 × {a['event_bytes']}-byte events/request, acks=all, {a['seconds']:.0f} s | ≥ 100,000 events/s | **{a['events_per_s']:,.0f} events/s**{ratio} ({a['failed_requests']} failed requests; p50 {a['p50_ms']} ms, p99 {a['p99_ms']} ms per request) |")
print(f"| (b) single event per POST, 64 connections, {b['seconds']:.0f} s | ≥ 10,000 requests/s | **{b['requests_per_s']:,.0f} requests/s** ({b['failed_requests']} failed; p50 {b['p50_ms']} ms, p99 {b['p99_ms']} ms) |")
print(f"| (c) single events at 2,000 requests/s, {c['seconds']:.0f} s | p99 < 25 ms | **p50 {c['p50_ms']} ms, p99 {c['p99_ms']} ms** ({c['requests_per_s']:,.0f} requests/s done, {c['failed_requests']} failed) |")
rss = max(a.get('rss_max_mb',0), b.get('rss_max_mb',0), c.get('rss_max_mb',0))
print(f"| (d) ingest RSS under load | < 150 MB | **max VmRSS {rss:.0f} MB** (VmHWM {c.get('vmhwm_mb',0):.0f} MB) |")
print(f"| Kafka ProducerPerformance, 400-byte records, acks=all | reference | **{perf:,.0f} records/s** |")
print(f"\nProducerPerformance: {perf_line}")
PY
