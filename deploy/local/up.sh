#!/usr/bin/env bash
# up.sh: install (when absent) and start the local ClickHouse and Kafka that
# dvpulse and its tests use. Idempotent: services already running are left
# alone, jars are cached and Kafka storage is formatted only once.
#
#   deploy/local/up.sh            start both
#   deploy/local/up.sh clickhouse start only ClickHouse
#   deploy/local/up.sh kafka      start only Kafka
#
# State lives in $DVPULSE_STATE (default: .state/ in the repository).
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/env.sh"

want=${1:-all}
mkdir -p "$DVPULSE_STATE"

# ---------------------------------------------------------------- ClickHouse
ensure_clickhouse_installed() {
  if command -v clickhouse-server >/dev/null 2>&1 && command -v clickhouse-client >/dev/null 2>&1; then
    return
  fi
  log "ClickHouse is not installed: installing Debian's clickhouse-server and clickhouse-client with apt-get"
  local sudo=
  [ "$(id -u)" -eq 0 ] || sudo=sudo
  export DEBIAN_FRONTEND=noninteractive
  if ! $sudo apt-get install -y -q clickhouse-server clickhouse-client >"$DVPULSE_STATE/apt.log" 2>&1; then
    $sudo apt-get update -q >>"$DVPULSE_STATE/apt.log" 2>&1 || true
    $sudo apt-get install -y -q clickhouse-server clickhouse-client >>"$DVPULSE_STATE/apt.log" 2>&1 ||
      die "apt-get could not install clickhouse-server; see $DVPULSE_STATE/apt.log"
  fi
  # Debian's package may start its own server through init scripts; we run
  # our own process with project-local data, so stop that one if it appeared.
  if command -v service >/dev/null 2>&1; then $sudo service clickhouse-server stop >/dev/null 2>&1 || true; fi
}

ch_query() { clickhouse-client --host 127.0.0.1 --port "$CH_TCP_PORT" --query "$1"; }

start_clickhouse() {
  ensure_clickhouse_installed
  local pidf=$CH_DIR/clickhouse.pid
  if pid_alive "$pidf" && ch_query 'SELECT 1' >/dev/null 2>&1; then
    log "ClickHouse already running (pid $(cat "$pidf"), port $CH_TCP_PORT)"
    return
  fi
  if port_open "$CH_TCP_PORT"; then
    if ch_query 'SELECT 1' >/dev/null 2>&1; then
      log "a ClickHouse that up.sh did not start already answers on port $CH_TCP_PORT; using it"
      return
    fi
    die "port $CH_TCP_PORT is taken by another program. Stop it, or set CH_TCP_PORT (and DVPULSE_CLICKHOUSE_ADDR) to a free port."
  fi
  mkdir -p "$CH_DIR"/{data,tmp,user_files,format_schemas,log,etc}
  sed -e "s#@STATE@#$CH_DIR#g" -e "s#@TCP_PORT@#$CH_TCP_PORT#g" -e "s#@HTTP_PORT@#$CH_HTTP_PORT#g" \
    "$DVPULSE_ROOT/deploy/local/clickhouse/config.xml.in" >"$CH_DIR/etc/config.xml"
  cp "$DVPULSE_ROOT/deploy/local/clickhouse/users.xml" "$CH_DIR/etc/users.xml"
  log "starting ClickHouse $(clickhouse-client --version 2>/dev/null | grep -o '[0-9][0-9.]*[0-9]' | head -1) on 127.0.0.1:$CH_TCP_PORT (data in $CH_DIR)"
  rm -f "$pidf"
  (cd "$CH_DIR" && spawn "$pidf" "$CH_DIR/log/stdout.log" clickhouse-server --config-file="$CH_DIR/etc/config.xml")
  for _ in $(seq 1 120); do
    if ch_query 'SELECT 1' >/dev/null 2>&1; then
      log "ClickHouse is up"
      return
    fi
    pid_alive "$pidf" || break
    sleep 0.5
  done
  tail -n 20 "$CH_DIR/log/clickhouse-server.err.log" "$CH_DIR/log/stdout.log" >&2 2>/dev/null || true
  die "ClickHouse did not answer a query within 60 s; logs are in $CH_DIR/log"
}

# --------------------------------------------------------------------- Kafka
kafka_java() { java -Dlog4j2.configurationFile="$DVPULSE_ROOT/deploy/local/kafka/log4j2.properties" \
  -Dkafka.logs.dir="$KAFKA_DIR/log" -cp "$KAFKA_LIBS/*" "$@"; }

fetch_kafka() {
  if [ -f "$KAFKA_LIBS/.complete" ]; then return; fi
  command -v java >/dev/null 2>&1 || die "java not found: Kafka needs Java 17 (Debian: apt-get install openjdk-17-jre-headless)"
  command -v mvn >/dev/null 2>&1 || die "mvn not found: up.sh resolves Kafka from Maven Central with Maven (Debian: apt-get install maven)"
  log "resolving Apache Kafka $KAFKA_VERSION and kafka-tools from Maven Central into $KAFKA_LIBS"
  rm -rf "$KAFKA_LIBS.tmp"
  if ! mvn -q -B -f "$DVPULSE_ROOT/deploy/local/kafka/pom.xml" -Dkafka.version="$KAFKA_VERSION" \
       dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$KAFKA_LIBS.tmp" \
       >"$DVPULSE_STATE/maven.log" 2>&1; then
    tail -n 20 "$DVPULSE_STATE/maven.log" >&2
    die "Maven could not resolve Kafka (full log: $DVPULSE_STATE/maven.log). If Maven Central is unreachable, retry when online; a machine that resolved it once can run 'mvn -o' from its ~/.m2 cache."
  fi
  rm -rf "$KAFKA_LIBS" && mv "$KAFKA_LIBS.tmp" "$KAFKA_LIBS" && touch "$KAFKA_LIBS/.complete"
}

kafka_topics() { kafka_java org.apache.kafka.tools.TopicCommand --bootstrap-server "127.0.0.1:$KAFKA_PORT" "$@"; }

start_kafka() {
  fetch_kafka
  local pidf=$KAFKA_DIR/kafka.pid
  mkdir -p "$KAFKA_DIR/log" "$KAFKA_DIR/data"
  if pid_alive "$pidf" && port_open "$KAFKA_PORT"; then
    log "Kafka already running (pid $(cat "$pidf"), port $KAFKA_PORT)"
  else
    for p in "$KAFKA_PORT" "$KAFKA_CONTROLLER_PORT"; do
      port_open "$p" && die "port $p is taken by another program. Stop it (or run deploy/local/down.sh if an earlier stack is left), or set KAFKA_PORT / KAFKA_CONTROLLER_PORT."
    done
    sed -e "s#@STATE@#$KAFKA_DIR#g" -e "s#@PORT@#$KAFKA_PORT#g" -e "s#@CONTROLLER_PORT@#$KAFKA_CONTROLLER_PORT#g" \
      "$DVPULSE_ROOT/deploy/local/kafka/server.properties.in" >"$KAFKA_DIR/server.properties"
    if [ ! -f "$KAFKA_DIR/data/meta.properties" ]; then
      log "formatting KRaft storage in $KAFKA_DIR/data (first start only)"
      local cluster_id
      cluster_id=$(kafka_java kafka.tools.StorageTool random-uuid)
      kafka_java kafka.tools.StorageTool format --standalone -t "$cluster_id" \
        -c "$KAFKA_DIR/server.properties" >"$KAFKA_DIR/log/format.log" 2>&1 ||
        { cat "$KAFKA_DIR/log/format.log" >&2; die "formatting Kafka storage failed"; }
    fi
    log "starting Kafka $KAFKA_VERSION (KRaft, broker+controller) on 127.0.0.1:$KAFKA_PORT"
    rm -f "$pidf"
    # shellcheck disable=SC2086
    spawn "$pidf" "$KAFKA_DIR/log/stdout.log" java $KAFKA_HEAP -XX:+UseG1GC -Djava.awt.headless=true \
      -Dlog4j2.configurationFile="$DVPULSE_ROOT/deploy/local/kafka/log4j2.properties" \
      -Dkafka.logs.dir="$KAFKA_DIR/log" -cp "$KAFKA_LIBS/*" kafka.Kafka "$KAFKA_DIR/server.properties"
  fi
  local existing=
  for _ in $(seq 1 60); do
    if existing=$(kafka_topics --list 2>/dev/null); then break; fi
    pid_alive "$pidf" || { tail -n 30 "$KAFKA_DIR/log/server.log" "$KAFKA_DIR/log/stdout.log" >&2 2>/dev/null; die "Kafka exited during start; logs are in $KAFKA_DIR/log"; }
    existing=__none__
    sleep 1
  done
  [ "$existing" != "__none__" ] || die "Kafka did not answer metadata requests within 60 s; logs are in $KAFKA_DIR/log"
  log "Kafka is up"
  for spec in $KAFKA_TOPICS; do
    local name=${spec%%:*} parts=${spec##*:}
    if ! grep -qx "$name" <<<"$existing"; then
      log "creating topic $name ($parts partitions)"
      kafka_topics --create --if-not-exists --topic "$name" --partitions "$parts" --replication-factor 1 >/dev/null
    fi
  done
}

case "$want" in
  all) start_clickhouse; start_kafka ;;
  clickhouse) start_clickhouse ;;
  kafka) start_kafka ;;
  *) die "unknown target '$want' (use: all, clickhouse, kafka)" ;;
esac
log "local stack ready: Kafka 127.0.0.1:$KAFKA_PORT, ClickHouse 127.0.0.1:$CH_TCP_PORT (native) / $CH_HTTP_PORT (HTTP)"
