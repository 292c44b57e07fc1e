#!/usr/bin/env bash
# Installs what the dashboard's browser test drives: Debian's Chromium (playwright-core comes with
# `npm ci`; never `npx playwright install`, which downloads a browser build of its own).
# Used by .ci/run and by developers as `npm run setup:browser`.
set -euo pipefail
if [ -x /usr/bin/chromium ]; then
  echo "== Chromium present: $(/usr/bin/chromium --version 2>/dev/null || echo /usr/bin/chromium)"
  exit 0
fi
SUDO=""
if [ "$(id -u)" != "0" ]; then SUDO="sudo"; fi
echo "== installing Chromium from Debian packages"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq chromium >/dev/null
/usr/bin/chromium --version
