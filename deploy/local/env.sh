# shellcheck shell=bash
# Common settings for the local stack. Sourced by up.sh, down.sh and status.sh.
# Every value can be overridden from the environment.

DVPULSE_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
export DVPULSE_ROOT
# All state (data, logs, pid files, downloaded jars) lives here, never in /var/lib.
DVPULSE_STATE=${DVPULSE_STATE:-$DVPULSE_ROOT/.state}
export DVPULSE_STATE

KAFKA_VERSION=${KAFKA_VERSION:-4.4.0}
KAFKA_PORT=${KAFKA_PORT:-9092}
KAFKA_CONTROLLER_PORT=${KAFKA_CONTROLLER_PORT:-9093}
KAFKA_HEAP=${KAFKA_HEAP:--Xms256m -Xmx768m}
KAFKA_DIR=$DVPULSE_STATE/kafka
KAFKA_LIBS=$KAFKA_DIR/libs-$KAFKA_VERSION
# topic:partitions
KAFKA_TOPICS=${KAFKA_TOPICS:-dvpulse.events:6 dvpulse.deadletter:1}

CH_TCP_PORT=${CH_TCP_PORT:-9000}
CH_HTTP_PORT=${CH_HTTP_PORT:-8123}
CH_DIR=$DVPULSE_STATE/clickhouse

log() { printf '[dvpulse %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# pid_alive FILE: true if FILE names a running process.
pid_alive() {
  [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null
}

# port_open PORT: true if something listens on 127.0.0.1:PORT.
port_open() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# spawn PIDFILE LOGFILE CMD...: start CMD in the background in a session of
# its own (so a Ctrl-C in this terminal does not reach it), with stdout and
# stderr to LOGFILE, and record its real pid in PIDFILE: the shell that
# writes the pid execs CMD, so the pid is the service's own whether or not
# setsid had to fork.
spawn() {
  local pidf=$1 logf=$2
  shift 2
  nohup setsid sh -c 'echo $$ >"$0"; exec "$@"' "$pidf" "$@" >>"$logf" 2>&1 </dev/null &
  for _ in $(seq 1 50); do [ -s "$pidf" ] && return 0; sleep 0.1; done
  die "could not start $1"
}
