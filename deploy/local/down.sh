#!/usr/bin/env bash
# down.sh: stop the processes that up.sh (and run.sh) started, found through
# their pid files. Nothing else is touched; data stays in $DVPULSE_STATE.
#   deploy/local/down.sh          stop everything
#   deploy/local/down.sh --purge  also delete $DVPULSE_STATE's data
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/env.sh"

stop_pidfile() { # name pidfile
  local name=$1 pidf=$2
  if ! pid_alive "$pidf"; then rm -f "$pidf"; return; fi
  local pid; pid=$(cat "$pidf")
  log "stopping $name (pid $pid)"
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
  if kill -0 "$pid" 2>/dev/null; then log "$name did not stop in 30 s; killing it"; kill -KILL "$pid" 2>/dev/null || true; fi
  rm -f "$pidf"
}

stop_pidfile dvpulse "$DVPULSE_STATE/dvpulse.pid"
stop_pidfile Kafka "$KAFKA_DIR/kafka.pid"
stop_pidfile ClickHouse "$CH_DIR/clickhouse.pid"
if [ "${1:-}" = "--purge" ]; then
  log "deleting data in $KAFKA_DIR/data and $CH_DIR"
  rm -rf "$KAFKA_DIR/data" "$CH_DIR"
fi
log "stopped"
