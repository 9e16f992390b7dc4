#!/usr/bin/env bash
# `npm test`: everything, from a fresh clone after `npm ci`.
# Static checks and unit tests first (fast, no engine), then a Docker engine and the local test
# images (scripts/test-engine.sh, scripts/build-test-images.sh), the integration tests on that
# engine, and the end-to-end tests in Debian's Chromium. An engine this script started is stopped
# at the end; one that was already running (Docker Desktop, DOCKER_HOST) is left alone.
set -euo pipefail
cd "$(dirname "$0")/.."

section() { printf '\n== %s\n' "$*"; }

apt_install() {  # packages the tests need on Debian, when missing and we may install them
  local missing=() p
  for p in "$@"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
    echo "Please install: ${missing[*]}" >&2; return 1
  fi
  section "apt: ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

if command -v apt-get >/dev/null 2>&1; then
  # Chromium for Playwright (never a downloaded browser); docker-compose v1 to prove the exported
  # project runs; age to prove backups open outside Engawa.
  apt_install chromium docker-compose age
fi

section typecheck; npm run --silent typecheck
section lint; npm run --silent lint
section unit; npm run --silent test:unit

section engine
eval "$(bash scripts/test-engine.sh start)"
export DOCKER_HOST
stop_engine() { bash scripts/test-engine.sh stop || true; }
trap stop_engine EXIT
bash scripts/build-test-images.sh
# the integration tests' real AT Protocol client: its own small install, never part of the app
section 'client kit'; npm ci --prefix test/kit/client --silent --no-audit --no-fund

section integration; npm run --silent test:integration
section e2e; npm run --silent test:e2e
