#!/usr/bin/env bash
# run.sh: the README's run command. Starts Kafka and ClickHouse (installing
# them when absent), builds dvpulse, starts all three services in one
# process, sends demo data, waits until the dashboard shows it, and prints
# the dashboard URL. Run it again at any time; stop with deploy/local/down.sh.
#
# Environment: DEMO_EVENTS (default 3000), DEMO_SEED (default 1), plus the
# DVPULSE_* options of `dvpulse all --help`.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$DVPULSE_ROOT"

DEMO_EVENTS=${DEMO_EVENTS:-3000}
DEMO_SEED=${DEMO_SEED:-1}
BIN=$DVPULSE_STATE/bin/dvpulse
PIDF=$DVPULSE_STATE/dvpulse.pid
LOG=$DVPULSE_STATE/log/dvpulse.log
INGEST=${DVPULSE_INGEST_ADDR:-127.0.0.1:8080}
DASH=${DVPULSE_DASHBOARD_ADDR:-127.0.0.1:8081}

"$DVPULSE_ROOT/deploy/local/up.sh"

command -v go >/dev/null 2>&1 || die "go not found: dvpulse needs Go 1.26"
log "building the dashboard's chart assets (ECharts from npm) and dvpulse"
"$DVPULSE_ROOT/dashboard/web/build.sh"
mkdir -p "$DVPULSE_STATE/bin" "$DVPULSE_STATE/log"
go build -o "$BIN" ./cmd/dvpulse

if pid_alive "$PIDF"; then
  log "stopping the dvpulse started by an earlier run (pid $(cat "$PIDF"))"
  kill -TERM "$(cat "$PIDF")" 2>/dev/null || true
  for _ in $(seq 1 60); do pid_alive "$PIDF" || break; sleep 0.5; done
fi
for addr in "$INGEST" "$DASH"; do
  port_open "${addr##*:}" && die "port ${addr##*:} is taken by another program. Stop it, or set DVPULSE_INGEST_ADDR / DVPULSE_DASHBOARD_ADDR (see README, Troubleshooting)."
done

"$BIN" migrate
export DVPULSE_DASHBOARD_SESSION_KEY_FILE=${DVPULSE_DASHBOARD_SESSION_KEY_FILE:-$DVPULSE_STATE/dashboard-session.key}
if [ ! -s "$DVPULSE_STATE/admin-password" ]; then
  log "creating the dashboard's first admin user (password kept in $DVPULSE_STATE/admin-password)"
  (umask 077; "$BIN" users add --username admin --role admin --generate-password | sed -n 's/^password: //p' >"$DVPULSE_STATE/admin-password")
fi
log "starting dvpulse all (log: $LOG)"
rm -f "$PIDF"
spawn "$PIDF" "$LOG" "$BIN" all
for _ in $(seq 1 60); do
  if curl -fsS "http://$INGEST/-/ready" >/dev/null 2>&1 && curl -fsS "http://$DASH/-/ready" >/dev/null 2>&1; then break; fi
  pid_alive "$PIDF" || { tail -n 30 "$LOG" >&2; die "dvpulse exited during start; see $LOG"; }
  sleep 0.5
done
curl -fsS "http://$INGEST/-/ready" >/dev/null || die "ingest did not become ready in 30 s; see $LOG"

log "sending $DEMO_EVENTS demo events (seed $DEMO_SEED)"
demo_out=$("$BIN" demo --ingest-url "http://$INGEST" --events "$DEMO_EVENTS" --seed "$DEMO_SEED" --days 180)
echo "$demo_out"
sent=$(sed -n 's/^demo: \([0-9]*\) events accepted.*/\1/p' <<<"$demo_out")
db=${DVPULSE_CLICKHOUSE_DATABASE:-dvpulse}
chq() { clickhouse-client --port "$CH_TCP_PORT" -q "$1"; }

log "waiting for the projector to write the demo events"
rows=0
for _ in $(seq 1 240); do
  rows=$(chq "SELECT count() FROM $db.events WHERE source_record_id LIKE 'DEMO-$DEMO_SEED-%'" 2>/dev/null || echo 0)
  [ "${rows:-0}" -ge "${sent:-0}" ] && break
  sleep 0.5
done
from=$(TZ=Asia/Ho_Chi_Minh date -d '-200 days' +%F)
to=$(TZ=Asia/Ho_Chi_Minh date +%F)
api="http://$DASH/api/v1/feedback/volume?from=$from&to=$to&granularity=month"
token=$("$BIN" users token create --username admin --name run-sh --days 1 2>/dev/null)
# The event log's rows are visible a moment before the projections written
# by the same insert, so compare until they agree (or 30 s pass).
for _ in $(seq 1 60); do
  total=$(curl -fsS -H "Authorization: Bearer $token" "$api" 2>/dev/null | grep -o '"total":[0-9]*' | cut -d: -f2 || true)
  feedback_rows=$(chq "SELECT count() FROM $db.events WHERE event_type = 'feedback.received' AND toDate(occurred_at) BETWEEN '$from' AND '$to'")
  [ "${total:-0}" = "$feedback_rows" ] && break
  sleep 0.5
done
cat <<MSG

  dvpulse is running.
    Dashboard:      http://$DASH/
    Sign in:        admin / $(cat "$DVPULSE_STATE/admin-password")
    Ingest API:     http://$INGEST/v1/events
    Demo events:    $sent sent, $rows in ClickHouse
    Feedback:       ${total:-0} received $from..$to by the dashboard API; $feedback_rows rows in ClickHouse
    Check it:       curl -H "Authorization: Bearer \$($BIN users token create --username admin --name check --days 1)" '$api'
                    clickhouse-client -q "SELECT count() FROM $db.events WHERE event_type = 'feedback.received'"
    Logs:           $LOG
    Stop:           deploy/local/down.sh

MSG
[ "${rows:-0}" -ge "${sent:-1}" ] || die "ClickHouse holds ${rows:-0} of the $sent demo events; see $LOG"
[ "${total:-0}" = "$feedback_rows" ] || die "the dashboard API shows ${total:-0} feedback, ClickHouse $feedback_rows; see $LOG"
