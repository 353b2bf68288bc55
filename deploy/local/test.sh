#!/usr/bin/env bash
# test.sh: the README's test command, and what .ci/run calls. Starts Kafka
# and ClickHouse (installing them when absent), checks formatting and vet,
# then runs every test, integration tests included, against the real
# services. Extra arguments go to `go test` (e.g. -run TestX -v).
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$DVPULSE_ROOT"

[ -d ../shared/data ] || die "../shared/data not found beside the repository: tests and training read the shared data sets from there"

"$DVPULSE_ROOT/deploy/local/up.sh"

log "dashboard assets (ECharts from npm) and Chromium for the browser test"
"$DVPULSE_ROOT/dashboard/web/build.sh"
"$DVPULSE_ROOT/deploy/local/browser.sh" >/dev/null

log "gofmt"
unformatted=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go' -not -path './.state/*'))
[ -z "$unformatted" ] || die "gofmt would change: $unformatted (run gofmt -w on them)"
log "go vet"
go vet ./...
log "every migration and dashboard query on current ClickHouse (chdb) and on 18.16"
"$DVPULSE_ROOT/deploy/check/chdb_check.sh"

export DVPULSE_TEST_KAFKA=127.0.0.1:$KAFKA_PORT DVPULSE_TEST_CLICKHOUSE=127.0.0.1:$CH_TCP_PORT
log "go test (unit and integration)"
go test -count=1 -timeout 45m "$@" ./...

if [ $# -eq 0 ]; then
  log "fuzzing the event decoder and the ingest request splitter (short runs; no panics allowed)"
  go test -run '^$' -fuzz '^FuzzDecode$' -fuzztime "${FUZZTIME:-15s}" ./event
  go test -run '^$' -fuzz '^FuzzSplitEvents$' -fuzztime "${FUZZTIME:-15s}" ./ingest
fi
