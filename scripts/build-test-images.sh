#!/usr/bin/env bash
# Builds the container images Engawa's tests use, with no container registry:
#   local/debian:bookworm-minbase  local/debian:trixie-minbase   Debian bases (debootstrap, mirror read from
#                                  this machine's apt sources; trixie from the same mirror URI)
#   local/postgres:15  local/redis:7  local/node:host   honour the official images' contracts
#   local/postgres:17              the same postgres stand-in on trixie, from Debian's postgresql-17 (update tests)
#   local/busybox-httpd:1          a 2 MB busybox web stand-in (httpd, wget, nc, sh)
#   local/pds:<kit version>  local/plc:<kit version>   Bluesky PDS and an in-memory PLC directory, from
#                                  test/kit/pds (its node_modules comes from `npm ci` on the host; better-sqlite3
#                                  compiles there, for the same node and glibc as local/node:host)
#   local/pds:<prev kit version>   an earlier PDS release for update tests, the same image files with
#                                  test/kit/pds-prev's node_modules
#   local/standin-mastodon:1  local/standin-misskey:1   stand-ins for the Mastodon and Misskey images that
#                                  record what they are asked for (scripts/test-images/standin)
#   local/registry:2               a container registry from Debian's docker-registry (images by digest)
# Needs root, a running engine (DOCKER_HOST; see scripts/test-engine.sh) and node+npm on the host.
# Installs debootstrap and busybox-static with apt when missing.
#
# Cache: after a build the whole set is saved as one gzip tarball keyed by a hash of everything that
# goes into it (this script, scripts/test-images/, the lockfiles of test/kit/pds and test/kit/pds-prev,
# the host's node/npm/busybox versions). A later run on an empty engine loads it instead of building.
# Env: ENGAWA_IMAGE_CACHE (default ~/.cache/engawa/test-images), FORCE=1 rebuilds (FORCE_BASE=1 the bases too),
#      BUILD_NETWORK=host when containers cannot reach the apt mirror.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
CACHE=${ENGAWA_IMAGE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/engawa/test-images}
BUILD_NETWORK=${BUILD_NETWORK:-bridge}
FORCE=${FORCE:-0}
export DOCKER_BUILDKIT=0   # Debian's engine has no buildx; the legacy builder is enough
KIT=$(cd "$here/../test/kit/pds" && pwd)
KIT_PREV=$(cd "$here/../test/kit/pds-prev" && pwd)
kit_version() { node -p 'require(process.argv[1]).dependencies[process.argv[2]]' "$1/package.json" "$2"; }  # kit dir, package
PDS_IMAGE=local/pds:$(kit_version "$KIT" @atproto/pds)
PLC_IMAGE=local/plc:$(kit_version "$KIT" @did-plc/server)
PDS_PREV_IMAGE=local/pds:$(kit_version "$KIT_PREV" @atproto/pds)
STANDINS=(local/standin-mastodon:1 local/standin-misskey:1)
IMAGES=(local/debian:bookworm-minbase local/debian:trixie-minbase local/busybox-httpd:1 local/postgres:15 local/postgres:17
        local/redis:7 local/node:host "$PDS_IMAGE" "$PLC_IMAGE" "$PDS_PREV_IMAGE" "${STANDINS[@]}" local/registry:2)
log() { echo "test-images: $*" >&2; }

need() {
  local missing=() c p
  for c in debootstrap:debootstrap busybox:busybox-static; do
    command -v "${c%%:*}" >/dev/null 2>&1 || [ -x "/usr/sbin/${c%%:*}" ] || missing+=("${c#*:}")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  log "installing ${missing[*]} with apt"
  DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

key() {
  {
    cat "$0"
    (cd "$here/test-images" && find . -type f -print0 | sort -z | xargs -0 sha256sum)
    cat "$KIT/package-lock.json" "$KIT_PREV/package-lock.json"
    node --version; npm --version; busybox 2>/dev/null | head -1 || true
  } | sha256sum | cut -c1-16
}

exists() { docker image inspect "$1" >/dev/null 2>&1; }
have() { [ "$FORCE" != 1 ] && exists "$1"; }
all_present() { local i; for i in "${IMAGES[@]}"; do have "$i" || return 1; done; }
any_present() { local i; for i in "${IMAGES[@]}"; do exists "$i" && return 0; done; return 1; }
# The engine remembers which inputs its images were built from: a tag of the set's key on the
# smallest image. Images present but built from other inputs are rebuilt (all but the Debian base,
# which depends only on the mirror), so a changed Dockerfile or kit never leaves a stale image.
MARKER=local/engawa-test-images
built_from() { exists "$MARKER:$1"; }
mark() {
  docker images --format '{{.Repository}}:{{.Tag}}' "$MARKER" | xargs -r docker rmi >/dev/null 2>&1 || true
  docker tag local/busybox-httpd:1 "$MARKER:$1"
}
step() { local s=$SECONDS; "$@"; log "${*:1:2}: $((SECONDS - s)) s"; }
build() { docker build -q --network "$BUILD_NETWORK" -t "$1" "${@:3}" "$2" >/dev/null; }  # image, context, [options]

mirror() {  # first non-security bookworm URI in the machine's apt sources (deb822 or one-line format)
  {
    for f in /etc/apt/sources.list.d/*.sources; do [ -f "$f" ] || continue
      awk 'BEGIN{RS="";FS="\n"} { u="";s=""; for(i=1;i<=NF;i++){ if($i~/^URIs:/){split($i,a," ");u=a[2]} if($i~/^Suites:/)s=$i }
           if(u!="" && s ~ /[ \t]bookworm([ \t]|$)/) print u }' "$f"; done
    for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do [ -f "$f" ] || continue
      awk '$1=="deb" && $0 ~ / bookworm( |$)/ { for(i=2;i<=NF;i++) if ($i ~ /^(https?|file):/) { print $i; break } }' "$f"; done
  } | grep -v -- -security | head -n1
}

base() {  # local/debian:$1-minbase; bookworm keeps the machine's apt sources, a newer suite gets one line for it
  local suite=$1 R="$WORK/base-rootfs" M f n=0
  M=$(mirror); [ -n "$M" ] || { log "no bookworm mirror in the apt sources"; return 1; }
  rm -rf "$R"
  debootstrap --variant=minbase "$suite" "$R" "$M" > "$WORK/debootstrap.log" 2>&1 \
    || { tail -20 "$WORK/debootstrap.log" >&2; log "debootstrap $suite from $M failed"; return 1; }
  rm -rf "$R"/var/cache/apt/archives/*.deb "$R"/var/cache/apt/*.bin "$R"/var/lib/apt/lists/* "$R"/debootstrap \
         "$R"/usr/share/doc/* "$R"/usr/share/man/* "$R"/usr/share/info/* "$R"/usr/share/locale/*
  : > "$R/etc/resolv.conf"; rm -f "$R/etc/hostname" "$R/etc/apt/sources.list"
  if [ "$suite" = bookworm ]; then
    for f in /etc/apt/sources.list.d/*.sources /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
      [ -f "$f" ] && grep -q debian "$f" && { cp "$f" "$R/etc/apt/${f#/etc/apt/}"; n=$((n+1)); }
    done
  else   # the machine's sources name bookworm: the suite's own line instead
    rm -f "$R"/etc/apt/sources.list.d/*
  fi
  [ "$n" -gt 0 ] || echo "deb $M $suite main" > "$R/etc/apt/sources.list"
  cat > "$R/etc/apt/apt.conf.d/docker-clean" <<'X'
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
Dir::Cache::pkgcache ""; Dir::Cache::srcpkgcache "";
APT::Install-Recommends "false"; APT::Install-Suggests "false"; Acquire::Languages "none"; Acquire::GzipIndexes "true";
X
  printf 'path-exclude /usr/share/doc/*\npath-include /usr/share/doc/*/copyright\npath-exclude /usr/share/man/*\npath-exclude /usr/share/info/*\npath-exclude /usr/share/locale/*\n' \
    > "$R/etc/dpkg/dpkg.cfg.d/docker-slim"
  printf '#!/bin/sh\nexit 101\n' > "$R/usr/sbin/policy-rc.d"; chmod +x "$R/usr/sbin/policy-rc.d"
  tar -C "$R" --numeric-owner -c . | docker import \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' --change 'ENV LANG=C.UTF-8' \
    --change 'CMD ["bash"]' - "local/debian:$suite-minbase" >/dev/null
  rm -rf "$R"
}

busybox_web() {
  local R="$WORK/bb" a
  rm -rf "$R"; mkdir -p "$R"/bin "$R"/www "$R"/etc "$R"/tmp; chmod 1777 "$R/tmp"
  cp "$(command -v busybox || echo /bin/busybox)" "$R/bin/busybox"
  for a in $("$R/bin/busybox" --list); do [ "$a" = busybox ] || ln -sf busybox "$R/bin/$a"; done
  printf 'root:x:0:0:root:/:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' > "$R/etc/passwd"
  printf 'root:x:0:\nnogroup:x:65534:\n' > "$R/etc/group"
  echo '<h1>stand-in</h1>' > "$R/www/index.html"
  tar -C "$R" --numeric-owner --owner=0 --group=0 -c . | docker import --change 'ENV PATH=/bin' --change 'EXPOSE 80' \
    --change 'CMD ["httpd","-f","-v","-p","80","-h","/www"]' - local/busybox-httpd:1 >/dev/null
  rm -rf "$R"
}

from_dir() {  # build $1 from scripts/test-images/$2 (further arguments go to docker build)
  local C="$WORK/$2"; rm -rf "$C"; cp -a "$here/test-images/$2" "$C"; build "$1" "$C" "${@:3}"; rm -rf "$C"
}

node_host() {  # the host's node binary (glibc-linked; fine on a Debian 12 host) + npm + CA bundle
  local C="$WORK/node"; rm -rf "$C"; cp -a "$here/test-images/node" "$C"
  cp "$(readlink -f "$(command -v node)")" "$C/node"
  cp -a "$(dirname "$(dirname "$(readlink -f "$(command -v npm)")")")" "$C/npm"
  if [ -f /etc/ssl/certs/ca-certificates.crt ]; then cp /etc/ssl/certs/ca-certificates.crt "$C/ca.crt"; else : > "$C/ca.crt"; fi
  build local/node:host "$C"; rm -rf "$C"
}

kit_modules() {  # the kit $1's node_modules (default test/kit/pds) exactly as its lockfile says; reused while current
  local kit=${1:-$KIT}; local stamp="$kit/node_modules/.package-lock.json"   # npm writes it last
  if [ -f "$stamp" ] && [ "$stamp" -nt "$kit/package-lock.json" ] \
     && [ -f "$kit/node_modules/better-sqlite3/build/Release/better_sqlite3.node" ]; then return 0; fi
  (cd "$kit" && npm ci --no-audit --no-fund --loglevel=error >&2)
}

from_kit() {  # build $1 from scripts/test-images/$2 plus the node_modules of kit $3 (default test/kit/pds; hard links)
  local kit=${3:-$KIT} C="$WORK/$2"; local M="$WORK/kit-modules-$(basename "$kit")"
  rm -rf "$C"; cp -a "$here/test-images/$2" "$C"
  [ -d "$M" ] || cp -a "$kit/node_modules" "$M"
  cp -al "$M" "$C/node_modules"
  build "$1" "$C"; rm -rf "$C"
}

standin() {  # build $1 from the stage of scripts/test-images/standin/Dockerfile named $2
  local C="$WORK/standin"; rm -rf "$C"; cp -a "$here/test-images/standin" "$C"
  docker build -q --network "$BUILD_NETWORK" --target "$2" -t "$1" "$C" >/dev/null; rm -rf "$C"
}

main() {
  docker version >/dev/null 2>&1 || { log "no engine answers (start one with scripts/test-engine.sh start)"; exit 1; }
  local k tarball; k=$(key); tarball="$CACHE/images-$k.tar.gz"
  if all_present && built_from "$k"; then log "all images present"; return 0; fi
  if [ "$FORCE" != 1 ] && [ -s "$tarball" ]; then
    log "loading cached images ($k)"
    if gunzip -c "$tarball" | docker load -q >/dev/null && all_present; then mark "$k"; return 0; fi
    log "cache unusable; rebuilding"; rm -f "$tarball"
  fi
  # also when the set has grown: the images already there may be stale
  if ! built_from "$k" && any_present; then log "the images were built from other inputs; rebuilding them"; FORCE=1; fi
  need
  WORK=$(mktemp -d); trap 'rm -rf "$WORK"' EXIT
  exists local/debian:bookworm-minbase && [ "${FORCE_BASE:-0}" != 1 ] || step base bookworm
  exists local/debian:trixie-minbase && [ "${FORCE_BASE:-0}" != 1 ] || step base trixie
  have local/busybox-httpd:1 || step busybox_web
  have local/postgres:15 || step from_dir local/postgres:15 postgres \
    --build-arg BASE=local/debian:bookworm-minbase --build-arg PG_MAJOR=15
  have local/postgres:17 || step from_dir local/postgres:17 postgres \
    --build-arg BASE=local/debian:trixie-minbase --build-arg PG_MAJOR=17
  have local/redis:7 || step from_dir local/redis:7 redis
  have local/node:host || step node_host
  if ! have "$PDS_IMAGE" || ! have "$PLC_IMAGE"; then step kit_modules; fi
  have "$PDS_IMAGE" || step from_kit "$PDS_IMAGE" pds
  have "$PLC_IMAGE" || step from_kit "$PLC_IMAGE" plc
  have "$PDS_PREV_IMAGE" || { step kit_modules "$KIT_PREV"; step from_kit "$PDS_PREV_IMAGE" pds "$KIT_PREV"; }
  have local/standin-mastodon:1 || step standin local/standin-mastodon:1 mastodon
  have local/standin-misskey:1 || step standin local/standin-misskey:1 misskey
  have local/registry:2 || step from_dir local/registry:2 registry
  mkdir -p "$CACHE"
  rm -f "$CACHE"/images-*.tar.gz   # one key at a time: older sets are never loaded again
  docker save "${IMAGES[@]}" | gzip -1 > "$tarball.tmp" && mv "$tarball.tmp" "$tarball"
  mark "$k"
  log "saved the set to the cache ($k, $(du -h "$tarball" | cut -f1))"
}
main "$@"
docker images --format '{{.Repository}}:{{.Tag}}\t{{.Size}}' 'local/*' >&2
