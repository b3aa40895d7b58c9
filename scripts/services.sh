#!/usr/bin/env bash
# Bring up everything dshell's tests need, on this machine, idempotently:
#
#   packages    apt packages (docker.io, busybox-static, docker-registry, apache2-utils, tmux, curl;
#               python3-venv only if python3 cannot make a venv)
#   dockerd     a Docker daemon answering on unix:///var/run/docker.sock AND tcp://127.0.0.1:2375
#   image       the offline test image dshell-test/busybox:latest (FROM scratch + static busybox)
#   registries  two local registries: open on 127.0.0.1:5000, htpasswd auth on 127.0.0.1:5001
#
# Usage: scripts/services.sh [packages|dockerd|image|registries|all]...   (default: all)
#
# Anything already in place is left alone, so a second run takes well under a second. Must run as root
# when something has to be installed or started. Set DSHELL_SERVICES_REQUIRE_TCP=0 to accept an
# existing daemon that only listens on the unix socket (scripts/setup.sh does; the tests need TCP).
# Daemons are detached (setsid, stdin /dev/null, output to log files), so they outlive this script.
set -euo pipefail
cd "$(dirname "$0")/.."

# The DSHELL_SVC_* overrides exist only to exercise the dockerd start-up logic on a scratch
# daemon (other socket, port, pidfile, --exec-root/--data-root) next to a running one.
UNIX_SOCK=${DSHELL_SVC_DOCKER_SOCK:-/var/run/docker.sock}
TCP_ADDR=${DSHELL_SVC_DOCKER_TCP:-127.0.0.1:2375}
DOCKERD_PIDFILE=${DSHELL_SVC_DOCKER_PIDFILE:-/var/run/docker.pid}
EXEC_ROOT=${DSHELL_SVC_DOCKER_EXEC_ROOT:-/var/run/docker}
CONTAINERD_PIDFILE=$EXEC_ROOT/containerd/containerd.pid
read -r -a DOCKERD_EXTRA_ARGS <<<"${DSHELL_SVC_DOCKERD_ARGS:-}"
DOCKERD_LOG=${DSHELL_DOCKERD_LOG:-/var/log/dshell-dockerd.log}

export PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin"
# Build and check against the same daemon the tests use, whatever the caller's docker context is.
unset DOCKER_CONTEXT DOCKER_TLS_VERIFY DOCKER_CERT_PATH
export DOCKER_HOST=unix://$UNIX_SOCK
IMAGE=dshell-test/busybox:latest
REG_ROOT=/var/lib/dshell-registry
REG_USER=dshell
REG_PASSWORD=dshell-secret
REQUIRE_TCP=${DSHELL_SERVICES_REQUIRE_TCP:-1}

log() { echo "[services] $*"; }
die() {
    echo "[services] ERROR: $*" >&2
    exit 1
}
need_root() {
    [ "$(id -u)" -eq 0 ] || die "$1 needs root; re-run as root (sudo bash $0)"
}

# Name of the live process with this pid, or nothing.
proc_comm() { cat "/proc/$1/comm" 2>/dev/null || true; }

# ---------------------------------------------------------------------------------------------- packages

busybox_is_static() {
    # ldd exits non-zero ("not a dynamic executable") for a static binary; the dynamic
    # busybox package would not run in a FROM-scratch image.
    [ -x /bin/busybox ] && ! ldd /bin/busybox >/dev/null 2>&1
}

ensure_packages() {
    local -a missing=()
    command -v dockerd >/dev/null || missing+=(docker.io)
    command -v docker >/dev/null || missing+=(docker.io) # Debian's docker.io ships /usr/bin/docker
    busybox_is_static || missing+=(busybox-static)
    command -v docker-registry >/dev/null || missing+=(docker-registry)
    command -v htpasswd >/dev/null || missing+=(apache2-utils)
    command -v tmux >/dev/null || missing+=(tmux)
    command -v curl >/dev/null || missing+=(curl)
    # test.sh / setup.sh make a venv; Debian's own python3 needs python3-venv for that.
    python3 -c 'import ensurepip, venv' >/dev/null 2>&1 || missing+=(python3 python3-venv)
    if [ ${#missing[@]} -eq 0 ]; then
        log "packages: all present"
        return
    fi
    mapfile -t missing < <(printf '%s\n' "${missing[@]}" | sort -u)
    need_root "installing ${missing[*]}"
    log "packages: installing ${missing[*]}"
    # Keep the packages' own init scripts / units from starting a dockerd without TCP, or Debian's
    # docker-registry service on :5000; this script starts both the way the tests need them.
    local made_policy=0
    if [ ! -e /usr/sbin/policy-rc.d ]; then
        printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
        chmod +x /usr/sbin/policy-rc.d
        made_policy=1
    fi
    local rc=0
    {
        apt-get update -qq &&
            DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" </dev/null
    } || rc=$?
    [ "$made_policy" -eq 0 ] || rm -f /usr/sbin/policy-rc.d
    [ "$rc" -eq 0 ] || die "apt-get install ${missing[*]} failed (exit $rc)"
    hash -r
    command -v dockerd >/dev/null && command -v docker >/dev/null && busybox_is_static &&
        command -v docker-registry >/dev/null && command -v htpasswd >/dev/null &&
        command -v tmux >/dev/null && command -v curl >/dev/null &&
        python3 -c 'import ensurepip, venv' >/dev/null 2>&1 ||
        die "packages still missing after apt-get install ${missing[*]}"
    log "packages: installed ${missing[*]}"
}

# ---------------------------------------------------------------------------------------------- dockerd

ping_unix() { [ "$(curl -s -m 3 --unix-socket "$UNIX_SOCK" http://x/_ping 2>/dev/null)" = OK ]; }
ping_tcp() { [ "$(curl -s -m 3 "http://$TCP_ADDR/_ping" 2>/dev/null)" = OK ]; }

# True while pid $1 exists and is not a zombie (a killed dockerd lingers as one until reaped).
running() { [ -r "/proc/$1/stat" ] && ! grep -q ') Z ' "/proc/$1/stat" 2>/dev/null; }

# Wait up to $1 seconds for both endpoints; fail early if pid $2 (when given) dies.
wait_dockerd() {
    local deadline=$((SECONDS + $1)) pid=${2:-}
    while [ $SECONDS -lt "$deadline" ]; do
        ping_unix && ping_tcp && return 0
        if [ -n "$pid" ] && ! running "$pid"; then
            return 1
        fi
        sleep 0.5
    done
    return 1
}

# A dockerd process that does not answer (starting, or hung), or nothing.
live_dockerd_pid() {
    local pid
    if [ -f "$DOCKERD_PIDFILE" ]; then
        pid=$(tr -dc 0-9 <"$DOCKERD_PIDFILE")
        if [ -n "$pid" ] && [ "$(proc_comm "$pid")" = dockerd ]; then
            echo "$pid"
            return
        fi
    fi
    # A dockerd without that pidfile may still own /var/lib/docker; do not start a second one.
    # (Skipped for a scratch daemon, which has its own roots; scripts/swarm.sh's private daemons, which
    # run with their own --data-root, are not candidates either.)
    [ -n "${DSHELL_SVC_DOCKER_PIDFILE:-}" ] && return 0
    for pid in $(pgrep -x dockerd || true); do
        tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q -- '--data-root' && continue
        echo "$pid"
        return
    done
}

# The default bridge of the daemon we started. Another dockerd started with --bridge none deletes the host's
# docker0 (and some daemon versions remove a stale bridge at start-up); then no container of the main daemon
# can start ("could not find bridge docker0"). Put it back as dockerd makes it: 172.17.0.1/16, up.
ensure_default_bridge() {
    [ -z "${DSHELL_SVC_DOCKER_SOCK:-}" ] || return 0 # a scratch daemon of the start-up tests: not ours to fix
    ip link show docker0 >/dev/null 2>&1 && return 0
    need_root "restoring the docker0 bridge"
    ip link add docker0 type bridge
    ip addr add 172.17.0.1/16 dev docker0
    ip link set docker0 up
    log "dockerd: the docker0 bridge had been deleted (by another dockerd?); restored it"
}

ensure_dockerd() {
    local unix_ok=0 tcp_ok=0
    ping_unix && unix_ok=1
    ping_tcp && tcp_ok=1
    if [ $unix_ok -eq 1 ] && [ $tcp_ok -eq 1 ]; then
        log "dockerd: already answering on unix://$UNIX_SOCK and tcp://$TCP_ADDR"
        ensure_default_bridge
        return
    fi
    if [ $unix_ok -eq 1 ]; then
        if [ "$REQUIRE_TCP" = 0 ]; then
            log "dockerd: using the daemon on unix://$UNIX_SOCK (no tcp://$TCP_ADDR; the tests need it)"
            return
        fi
        die "a Docker daemon answers on unix://$UNIX_SOCK but not on tcp://$TCP_ADDR, and the tests need
  both. It is not ours, so it is left alone. Restart it with
      dockerd -H unix://$UNIX_SOCK -H tcp://$TCP_ADDR
  (or add \"hosts\": [\"unix://$UNIX_SOCK\", \"tcp://$TCP_ADDR\"] to /etc/docker/daemon.json)
  and run this script again."
    fi
    if [ $tcp_ok -eq 1 ]; then
        die "a Docker daemon answers on tcp://$TCP_ADDR but not on unix://$UNIX_SOCK; it is not ours,
  so it is left alone. Make it listen on both (-H unix://$UNIX_SOCK -H tcp://$TCP_ADDR)."
    fi

    need_root "starting dockerd"
    local pid
    pid=$(live_dockerd_pid)
    if [ -n "$pid" ]; then
        # Somebody's dockerd is alive but silent: starting up, or stuck. Never start a second one
        # on the same /var/lib/docker, and never kill it.
        log "dockerd: pid $pid is running but not answering yet; waiting up to 30 s"
        if wait_dockerd 30 "$pid"; then
            log "dockerd: pid $pid now answering on unix and tcp"
            return
        fi
        if running "$pid"; then
            die "dockerd pid $pid does not answer on both unix://$UNIX_SOCK and tcp://$TCP_ADDR;
  it is not ours, so it is left alone (its log may be in $DOCKERD_LOG)"
        fi
        log "dockerd: pid $pid exited meanwhile (it was being stopped); starting a new one"
    fi

    # No dockerd is alive, so what a killed one left behind is stale. dockerd refuses to start while
    # its pidfile names a live process (a reused pid), and its containerd supervisor would take a
    # reused pid in containerd.pid for its containerd and eventually kill it.
    if [ -e "$DOCKERD_PIDFILE" ]; then
        log "dockerd: removing stale $DOCKERD_PIDFILE"
        rm -f "$DOCKERD_PIDFILE"
    fi
    if [ -f "$CONTAINERD_PIDFILE" ]; then
        pid=$(tr -dc 0-9 <"$CONTAINERD_PIDFILE")
        if [ -z "$pid" ] || [ "$(proc_comm "$pid")" != containerd ]; then
            log "dockerd: removing stale $CONTAINERD_PIDFILE"
            rm -f "$CONTAINERD_PIDFILE"
        fi
    fi
    if [ -e "$UNIX_SOCK" ]; then
        log "dockerd: removing stale $UNIX_SOCK"
        rm -f "$UNIX_SOCK"
    fi

    mkdir -p "$(dirname "$DOCKERD_LOG")"
    echo "=== $(date -u '+%Y-%m-%dT%H:%M:%SZ') started by dshell scripts/services.sh" >>"$DOCKERD_LOG"
    setsid nohup dockerd -H "unix://$UNIX_SOCK" -H "tcp://$TCP_ADDR" "${DOCKERD_EXTRA_ARGS[@]}" \
        >>"$DOCKERD_LOG" 2>&1 </dev/null &
    pid=$!
    if ! wait_dockerd 30 "$pid"; then
        tail -n 20 "$DOCKERD_LOG" | sed 's/^/[services]   | /' >&2
        die "dockerd (pid $pid) did not answer on both endpoints within 30 s; log: $DOCKERD_LOG"
    fi
    log "dockerd: started pid $pid on unix://$UNIX_SOCK and tcp://$TCP_ADDR (log: $DOCKERD_LOG)"
}

# ---------------------------------------------------------------------------------------------- image

ensure_image() {
    local label
    label=$(docker image inspect -f '{{index .Config.Labels "org.dshell.test"}}' "$IMAGE" 2>/dev/null || true)
    if [ "$label" = 1 ]; then
        log "image: $IMAGE present"
        return
    fi
    busybox_is_static || die "/bin/busybox is missing or not static; run: $0 packages"
    local ctx
    ctx=$(mktemp -d /tmp/dshell-image.XXXXXX)
    cp /bin/busybox "$ctx/busybox"
    cat >"$ctx/Dockerfile" <<'EOF'
# dshell test image: static busybox on scratch, buildable offline.
FROM scratch
LABEL org.dshell.test=1
COPY busybox /bin/busybox
RUN ["/bin/busybox", "--install", "-s", "/bin"]
RUN ["/bin/mkdir", "-p", "/tmp", "/root"]
RUN ["/bin/chmod", "1777", "/tmp"]
CMD ["sh"]
EOF
    # The classic builder needs no network and no buildx plugin.
    if ! DOCKER_BUILDKIT=0 docker build -t "$IMAGE" "$ctx" >"$ctx/build.log" 2>&1 </dev/null; then
        sed 's/^/[services]   | /' "$ctx/build.log" >&2
        rm -rf "$ctx"
        die "docker build of $IMAGE failed"
    fi
    rm -rf "$ctx"
    docker run --rm "$IMAGE" ls /tmp >/dev/null </dev/null || die "the new $IMAGE does not run"
    log "image: built $IMAGE ($(docker image inspect -f '{{.Id}}' "$IMAGE" | cut -c1-19))"
}

# ---------------------------------------------------------------------------------------------- registries

# HTTP status of GET /v2/ on a loopback port; 000 when nothing answers.
v2_status() {
    curl -s -o /dev/null -m 3 -w '%{http_code}' "$@" || true
}

# Write $1 from stdin only if the content differs, so reruns touch nothing.
write_if_changed() {
    local tmp
    tmp=$(mktemp "$1.XXXXXX")
    cat >"$tmp"
    if [ -f "$1" ] && cmp -s "$tmp" "$1"; then
        rm -f "$tmp"
    else
        chmod 644 "$tmp"
        mv -f "$tmp" "$1"
    fi
}

registry_config() { # name port [htpasswd-file]
    cat <<EOF
# Written by dshell scripts/services.sh; the test registry "$1".
version: 0.1
log:
  level: info
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: $REG_ROOT/$1/data
  delete:
    enabled: true
http:
  addr: 127.0.0.1:$2
  secret: dshell-test-registry-$1
  headers:
    X-Content-Type-Options: [nosniff]
EOF
    if [ -n "${3:-}" ]; then
        cat <<EOF
auth:
  htpasswd:
    realm: dshell-test-registry
    path: $3
EOF
    fi
}

# ensure_registry NAME PORT: open when NAME=open, htpasswd auth otherwise.
ensure_registry() {
    local name=$1 port=$2 url="http://127.0.0.1:$2/v2/" want=200 dir="$REG_ROOT/$1" htfile=""
    [ "$name" = open ] || want=401
    local code
    code=$(v2_status "$url")
    if [ "$code" = "$want" ]; then
        if [ "$want" = 401 ] && [ "$(v2_status -u "$REG_USER:$REG_PASSWORD" "$url")" != 200 ]; then
            die "registry on 127.0.0.1:$port requires auth but rejects $REG_USER/$REG_PASSWORD;
  it is not ours, so it is left alone. Stop it and run this script again."
        fi
        log "registry $name: already answering on 127.0.0.1:$port"
        return
    fi
    if [ "$code" != 000 ]; then
        die "127.0.0.1:$port answers GET /v2/ with HTTP $code (expected $want): something else holds
  the port (Debian's own docker-registry service? systemctl stop docker-registry); left alone."
    fi

    need_root "starting registry $name"
    mkdir -p "$dir/data"
    if [ "$name" != open ]; then
        htfile="$dir/htpasswd"
        # bcrypt salts differ per run, so rewrite only when the entry does not verify.
        if ! htpasswd -vb "$htfile" "$REG_USER" "$REG_PASSWORD" >/dev/null 2>&1; then
            htpasswd -Bbn "$REG_USER" "$REG_PASSWORD" | write_if_changed "$htfile"
        fi
    fi
    registry_config "$name" "$port" "$htfile" | write_if_changed "$dir/config.yml"

    local logf=/var/log/dshell-registry-$name.log pid
    echo "=== $(date -u '+%Y-%m-%dT%H:%M:%SZ') started by dshell scripts/services.sh" >>"$logf"
    setsid nohup docker-registry serve "$dir/config.yml" >>"$logf" 2>&1 </dev/null &
    pid=$!
    local deadline=$((SECONDS + 15))
    while [ "$(v2_status "$url")" != "$want" ]; do
        if [ $SECONDS -ge "$deadline" ] || ! kill -0 "$pid" 2>/dev/null; then
            tail -n 20 "$logf" | sed 's/^/[services]   | /' >&2
            die "registry $name (pid $pid) did not answer on 127.0.0.1:$port; log: $logf"
        fi
        sleep 0.2
    done
    log "registry $name: started pid $pid on 127.0.0.1:$port (config: $dir/config.yml, log: $logf)"
}

ensure_registries() {
    ensure_registry open 5000
    ensure_registry auth 5001
}

# ---------------------------------------------------------------------------------------------- main

[ $# -gt 0 ] || set -- all
for step in "$@"; do
    case $step in
    packages) ensure_packages ;;
    dockerd) ensure_dockerd ;;
    image) ensure_image ;;
    registries) ensure_registries ;;
    all)
        ensure_packages
        ensure_dockerd
        ensure_image
        ensure_registries
        ;;
    -h | --help)
        sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'
        exit 0
        ;;
    *) die "unknown step '$step' (packages|dockerd|image|registries|all)" ;;
    esac
done
