#!/usr/bin/env bash
# chdb_check.sh: run every migration statement and every dashboard query on
# current ClickHouse (chdb, in a Python venv under $DVPULSE_STATE/venv) and,
# when the local server answers, on its ClickHouse 18.16 too. Exits non-zero
# naming the file and statement of each failure.
#   deploy/check/chdb_check.sh            both engines (18.16 only if up)
#   deploy/check/chdb_check.sh --chdb     current ClickHouse only
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/../local/env.sh"
cd "$DVPULSE_ROOT"

CHDB_VERSION=${CHDB_VERSION:-4.4.0}
VENV=$DVPULSE_STATE/venv
PY=${PYTHON:-python3}
command -v "$PY" >/dev/null 2>&1 || die "python3 not found: the chdb check needs Python 3.9+"
if [ ! -x "$VENV/bin/python" ]; then
  log "creating a Python venv in $VENV"
  "$PY" -m venv "$VENV" || die "python3 -m venv failed (Debian: apt-get install python3-venv)"
fi
if ! "$VENV/bin/python" -c "import chdb, sys; sys.exit(0 if chdb.__version__ == '$CHDB_VERSION' else 1)" 2>/dev/null; then
  log "installing chdb $CHDB_VERSION from PyPI into $VENV"
  "$VENV/bin/pip" install -q "chdb==$CHDB_VERSION" >"$DVPULSE_STATE/pip-chdb.log" 2>&1 ||
    { tail -n 20 "$DVPULSE_STATE/pip-chdb.log" >&2; die "pip could not install chdb $CHDB_VERSION (log: $DVPULSE_STATE/pip-chdb.log)"; }
fi

status=0
"$VENV/bin/python" deploy/check/chdb_check.py || status=1
if [ "${1:-}" != "--chdb" ]; then
  if command -v clickhouse-client >/dev/null 2>&1 && clickhouse-client --port "$CH_TCP_PORT" -q 'SELECT 1' >/dev/null 2>&1; then
    "$VENV/bin/python" deploy/check/chdb_check.py --client "$CH_TCP_PORT" || status=1
  else
    log "no ClickHouse server on port $CH_TCP_PORT: skipped the 18.16 run (deploy/local/up.sh starts it)"
  fi
fi
exit $status
