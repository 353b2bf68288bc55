#!/usr/bin/env bash
# build.sh: fetch the dashboard's front-end dependencies from npm with the
# pinned versions of package-lock.json (npm ci) and copy the files the pages
# load into dashboard/static/vendor/, which go:embed puts in the binary.
# The run and test commands call it before `go build`; it does nothing when
# the vendored files already match package-lock.json.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
vendor="$here/../static/vendor"
stamp="$vendor/.lock-sha256"

command -v npm >/dev/null 2>&1 || { echo "dashboard/web/build.sh: npm not found; install Node.js and npm (apt-get install -y nodejs npm)" >&2; exit 1; }

want=$(sha256sum "$here/package-lock.json" | cut -d' ' -f1)
if [ -f "$vendor/echarts.min.js" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
  exit 0
fi

cd "$here"
if ! npm ci --ignore-scripts --no-audit --no-fund --loglevel=error >"$here/npm.log" 2>&1; then
  tail -n 20 "$here/npm.log" >&2
  echo "dashboard/web/build.sh: npm ci failed (full log: dashboard/web/npm.log); is the npm registry reachable?" >&2
  exit 1
fi
mkdir -p "$vendor"
cp "$here/node_modules/echarts/dist/echarts.min.js" "$vendor/echarts.min.js.tmp"
mv "$vendor/echarts.min.js.tmp" "$vendor/echarts.min.js"
cp "$here/node_modules/echarts/LICENSE" "$vendor/ECHARTS-LICENSE.txt"
echo "$want" >"$stamp"
echo "dashboard/web/build.sh: vendored echarts $(node -p 'require("./node_modules/echarts/package.json").version') into dashboard/static/vendor"
