#!/usr/bin/env bash
# A Docker engine for Engawa's tests.
#
#   scripts/test-engine.sh start   prints `export DOCKER_HOST=...` for the engine to use
#   scripts/test-engine.sh stop    stops the engine only if this script started it
#   scripts/test-engine.sh status
#   scripts/test-engine.sh restart restarts an engine this script started, keeping its data
#                                  (tests use it to prove Engawa survives a dockerd restart)
#
# If DOCKER_HOST (or the default socket) already answers, that engine is used and never stopped.
# Otherwise Debian's docker.io is installed when missing and a private dockerd is started with
# its own data root, exec root and socket under ENGAWA_ENGINE_DIR (default /tmp/engawa-engine;
# kept short: the exec root holds unix sockets with a 108-byte path limit). Two daemons on one
# machine fight over the default bridge, so a second one is never started.
set -euo pipefail

D=${ENGAWA_ENGINE_DIR:-/tmp/engawa-engine}
SOCK="unix://$D/docker.sock"
log() { echo "test-engine: $*" >&2; }

answers() { DOCKER_HOST="$1" timeout 5 docker version --format '{{.Server.Version}}' >/dev/null 2>&1; }

ours_running() { [ -f "$D/pid" ] && kill -0 "$(cat "$D/pid")" 2>/dev/null; }

need_root() { [ "$(id -u)" = 0 ] || { log "starting a private dockerd needs root (or set DOCKER_HOST to a running engine)"; exit 1; }; }

install_packages() {
  local missing=()
  command -v dockerd >/dev/null 2>&1 || missing+=(docker.io)
  command -v cgroupfs-mount >/dev/null 2>&1 || missing+=(cgroupfs-mount)
  [ ${#missing[@]} -eq 0 ] && return 0
  need_root
  log "installing ${missing[*]} with apt"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  # policy-rc.d keeps the package from starting a daemon on the default socket (we start our own).
  local prc=/usr/sbin/policy-rc.d created=0
  if [ ! -e "$prc" ]; then printf '#!/bin/sh\nexit 101\n' > "$prc"; chmod +x "$prc"; created=1; fi
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  [ "$created" = 1 ] && rm -f "$prc"
  return 0
}

launch() {
  setsid dockerd --data-root "$D/data" --exec-root "$D/exec" --pidfile "$D/pid" \
    --host "$SOCK" >>"$D/log" 2>&1 < /dev/null &
  for _ in $(seq 300); do answers "$SOCK" && return 0; sleep 0.1; done
  log "dockerd did not answer within 30 s; last log lines:"; tail -20 "$D/log" >&2; return 1
}

terminate() {  # SIGTERM our dockerd and wait for it to exit
  local p; p=$(cat "$D/pid")
  kill -TERM "$p"
  for _ in $(seq 300); do kill -0 "$p" 2>/dev/null || return 0; sleep 0.1; done
  log "dockerd did not exit; killing"; kill -KILL "$p"
}

restart() {
  [ -f "$D/owned" ] && ours_running || { log "no engine started by this script is running; not restarting"; exit 1; }
  terminate
  launch
  log "restarted"
}

start() {
  if ours_running && answers "$SOCK"; then echo "export DOCKER_HOST=$SOCK"; return 0; fi
  if [ -n "${DOCKER_HOST:-}" ] && answers "$DOCKER_HOST"; then
    log "using the engine at DOCKER_HOST"; echo "export DOCKER_HOST=$DOCKER_HOST"; return 0
  fi
  if [ -z "${DOCKER_HOST:-}" ] && [ -S /var/run/docker.sock ] && command -v docker >/dev/null && answers unix:///var/run/docker.sock; then
    log "using the engine at /var/run/docker.sock"; echo "export DOCKER_HOST=unix:///var/run/docker.sock"; return 0
  fi
  if pgrep -x dockerd >/dev/null 2>&1 && ! ours_running; then
    log "another dockerd runs on this machine but does not answer; refusing to start a second one"; exit 1
  fi
  install_packages
  need_root
  mkdir -p "$D"
  mountpoint -q /sys/fs/cgroup || cgroupfs-mount
  # Unprivileged containers need IP forwarding for outbound traffic (image builds use apt).
  sysctl -qw net.ipv4.ip_forward=1 2>/dev/null || true
  log "starting dockerd (data in $D)"
  echo started > "$D/owned"
  launch
  echo "export DOCKER_HOST=$SOCK"
}

stop() {
  if [ ! -f "$D/owned" ]; then log "no engine started by this script; nothing to stop"; return 0; fi
  if ours_running; then
    # Remove our test containers first rather than relying on dockerd's shutdown.
    DOCKER_HOST=$SOCK docker ps -aq --filter label=app.engawa.managed 2>/dev/null | xargs -r env DOCKER_HOST=$SOCK docker rm -f -v >/dev/null 2>&1 || true
    terminate
  fi
  rm -f "$D/owned" "$D/pid"
  if [ "${ENGAWA_ENGINE_KEEP_DATA:-0}" != 1 ]; then
    if mount | grep -q " $D/"; then log "leftover mounts under $D; keeping it"; else rm -rf "$D"; fi
  fi
  log "stopped"
}

case "${1:-}" in
  start) start ;;
  restart) restart ;;
  stop) stop ;;
  status) if ours_running; then echo "running (ours) $SOCK"; elif [ -n "${DOCKER_HOST:-}" ] && answers "$DOCKER_HOST"; then echo "external $DOCKER_HOST"; else echo stopped; exit 1; fi ;;
  *) echo "usage: $0 start|stop|restart|status" >&2; exit 2 ;;
esac
