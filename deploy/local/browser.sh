#!/usr/bin/env bash
# browser.sh: make sure a headless Chromium is installed for the dashboard's
# browser test (dashboard/browser_test.go). Installs Debian's `chromium`
# with apt-get when it is missing; the log is $DVPULSE_STATE/apt-chromium.log.
# Prints the path of the browser on stdout.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/env.sh"

for b in chromium chromium-browser google-chrome; do
  if p=$(command -v "$b" 2>/dev/null); then echo "$p"; exit 0; fi
done
mkdir -p "$DVPULSE_STATE"
aptlog=$DVPULSE_STATE/apt-chromium.log
sudo=""
[ "$(id -u)" = 0 ] || sudo="sudo"
log "installing chromium with apt-get (log: $aptlog)"
if ! { $sudo apt-get update && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y --no-install-recommends chromium fonts-dejavu-core; } >"$aptlog" 2>&1; then
  tail -n 20 "$aptlog" >&2
  die "apt-get install chromium failed; see $aptlog"
fi
command -v chromium || die "chromium was installed but is not on PATH"
