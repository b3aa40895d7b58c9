#!/usr/bin/env bash
# Two PRIVATE Docker daemons for the swarm tests, next to the main one and never touching its state:
#
#   a   unix:///run/dshell-swarm-a.sock   data /var/lib/dshell-swarm-a   exec /run/dshell-swarm-a   bridge dsw-a
#   b   unix:///run/dshell-swarm-b.sock   data /var/lib/dshell-swarm-b   exec /run/dshell-swarm-b   bridge dsw-b
#
# Each has its own bridge (created here beforehand: `--bridge none` would delete the main daemon's docker0),
# its own docker_gwbridge (own Linux bridge name, so the two do not fight over one "docker_gwbridge" link),
# address pools in 10.25x.0.0/16 (clear of docker0 and of the main daemon's 172.17-31/192.168 pools),
# `--iptables=false`, its own containerd (started by dockerd under the exec-root), and the test image
# loaded from the main daemon. Each runs in a UTS namespace with hostname dshell-swarm-X. Swarm membership is left to the tests (they `swarm init`/`join` through
# dshell, with 127.0.0.2 and 127.0.0.3 as the nodes' addresses).
#
# Usage: scripts/swarm.sh [up|reset|down|status]...   (default: up)
#   up      start whatever is missing (idempotent; a second run takes well under a second)
#   reset   make both daemons leave any swarm (what a test run leaves behind)
#   down    reset, stop both daemons, delete their bridges (data roots are kept)
#   status  one line per daemon
# Runs as root to start anything. Stale pid/socket files of a killed daemon are removed.
set -euo pipefail
cd "$(dirname "$0")/.."

export PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin"
unset DOCKER_CONTEXT DOCKER_TLS_VERIFY DOCKER_CERT_PATH DOCKER_HOST
MAIN_HOST=${DSHELL_SWARM_MAIN_HOST:-unix:///var/run/docker.sock}
IMAGE=${DSHELL_TEST_IMAGE:-dshell-test/busybox:latest}
NODES=(a b)

log() { echo "[swarm] $*"; }
die() {
    echo "[swarm] ERROR: $*" >&2
    exit 1
}
need_root() {
    [ "$(id -u)" -eq 0 ] || die "$1 needs root; re-run as root (sudo bash $0)"
}

# Per-daemon paths and addresses.
sock() { echo "/run/dshell-swarm-$1.sock"; }
host() { echo "unix://$(sock "$1")"; }
exec_root() { echo "/run/dshell-swarm-$1"; }
data_root() { echo "/var/lib/dshell-swarm-$1"; }
pidfile() { echo "/run/dshell-swarm-$1.pid"; }
logfile() { echo "/var/log/dshell-swarm-$1.log"; }
bridge() { echo "dsw-$1"; }
octet() { case $1 in a) echo 250 ;; b) echo 251 ;; *) die "unknown node $1" ;; esac }
bridge_cidr() { echo "10.$(octet "$1").0.1/24"; }
gw_subnet() { echo "10.$(octet "$1").1.0/24"; }
pool() { echo "10.$(octet "$1").128.0/17"; }

dk() { # dk NODE ARGS...: the Docker CLI on a private daemon
    local node=$1
    shift
    docker -H "$(host "$node")" "$@"
}

ping_node() { [ "$(curl -s -m 3 --unix-socket "$(sock "$1")" http://x/_ping 2>/dev/null)" = OK ]; }
proc_comm() { cat "/proc/$1/comm" 2>/dev/null || true; }
running() { [ -r "/proc/$1/stat" ] && ! grep -q ') Z ' "/proc/$1/stat" 2>/dev/null; }

# The pid of this node's dockerd (from its pidfile, checked against the process), or nothing.
node_pid() {
    local f pid
    f=$(pidfile "$1")
    [ -f "$f" ] || return 0
    pid=$(tr -dc 0-9 <"$f")
    if [ -n "$pid" ] && [ "$(proc_comm "$pid")" = dockerd ] &&
        tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q -- "--pidfile $f"; then
        echo "$pid"
    fi
}

ensure_bridge() {
    local br
    br=$(bridge "$1")
    if ! ip link show "$br" >/dev/null 2>&1; then
        need_root "creating bridge $br"
        ip link add "$br" type bridge
        log "$1: created bridge $br"
    fi
    if ! ip -o -4 addr show dev "$br" | grep -q " $(bridge_cidr "$1") "; then
        ip addr add "$(bridge_cidr "$1")" dev "$br"
    fi
    ip link set "$br" up
}

start_node() { # start_node NODE: launch dockerd (no waiting)
    local node=$1 pid f
    f=$(pidfile "$node")
    # No dockerd of ours is alive, so what a killed one left behind is stale.
    rm -f "$f" "$(sock "$node")"
    # Its containerd dies with it (parent-death signal) but may still be exiting; dockerd would wait for
    # that one to answer. Give it a second, then stop one that lost its socket and forget its pidfile.
    local cdir cpid
    cdir=$(exec_root "$node")/containerd
    cpid=$cdir/containerd.pid
    if [ -f "$cpid" ]; then
        pid=$(tr -dc 0-9 <"$cpid")
        for _ in 1 2 3 4 5 6 7 8 9 10; do
            [ -n "$pid" ] && running "$pid" && [ "$(proc_comm "$pid")" = containerd ] || break
            [ -S "$cdir/containerd.sock" ] && break
            sleep 0.1
        done
        if [ -n "$pid" ] && running "$pid" && [ "$(proc_comm "$pid")" = containerd ] &&
            tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q -- "$cdir/" && [ ! -S "$cdir/containerd.sock" ]; then
            kill "$pid" 2>/dev/null || true
            sleep 0.5
        fi
        if [ -z "$pid" ] || ! running "$pid" || [ "$(proc_comm "$pid")" != containerd ]; then
            rm -f "$cpid"
        fi
    fi
    mkdir -p "$(data_root "$node")" "$(exec_root "$node")" "$(dirname "$(logfile "$node")")"
    echo "=== $(date -u '+%Y-%m-%dT%H:%M:%SZ') started by dshell scripts/swarm.sh" >>"$(logfile "$node")"
    # A UTS namespace of its own, so each node has its own hostname (the NODE column tells them apart).
    setsid nohup unshare --uts sh -c 'hostname "$0" && exec "$@"' "dshell-swarm-$node" dockerd \
        -H "$(host "$node")" \
        --data-root "$(data_root "$node")" \
        --exec-root "$(exec_root "$node")" \
        --pidfile "$f" \
        --bridge "$(bridge "$node")" \
        --iptables=false \
        --ip-masq=false \
        --default-address-pool "base=$(pool "$node"),size=24" \
        >>"$(logfile "$node")" 2>&1 </dev/null &
    echo $!
}

wait_node() { # wait_node NODE PID SECONDS
    local deadline=$((SECONDS + $3))
    while [ $SECONDS -lt "$deadline" ]; do
        ping_node "$1" && return 0
        running "$2" || break
        sleep 0.2
    done
    tail -n 20 "$(logfile "$1")" | sed 's/^/[swarm]   | /' >&2
    die "dockerd $1 (pid $2) did not answer on $(host "$1"); log: $(logfile "$1")"
}

ensure_image() {
    local want have
    want=$(docker -H "$MAIN_HOST" image inspect -f '{{.Id}}' "$IMAGE" 2>/dev/null) ||
        die "$IMAGE is not on the main daemon; run: bash scripts/services.sh"
    have=$(dk "$1" image inspect -f '{{.Id}}' "$IMAGE" 2>/dev/null || true)
    if [ "$want" != "$have" ]; then
        docker -H "$MAIN_HOST" save "$IMAGE" | dk "$1" load -q >/dev/null
        log "$1: loaded $IMAGE"
    fi
}

# docker_gwbridge on its own Linux bridge, made before any swarm join would make a shared one.
ensure_gwbridge() {
    dk "$1" network inspect docker_gwbridge >/dev/null 2>&1 && return 0
    dk "$1" network create --driver bridge --subnet "$(gw_subnet "$1")" \
        -o "com.docker.network.bridge.name=dsw-$1-gw" \
        -o com.docker.network.bridge.enable_icc=false \
        -o com.docker.network.bridge.enable_ip_masquerade=false \
        docker_gwbridge >/dev/null
    log "$1: created docker_gwbridge (dsw-$1-gw, $(gw_subnet "$1"))"
}

up() {
    local node pid
    local -A started=()
    for node in "${NODES[@]}"; do
        ping_node "$node" && continue
        need_root "starting dockerd $node"
        pid=$(node_pid "$node")
        if [ -n "$pid" ]; then
            log "$node: dockerd pid $pid is running but not answering yet; waiting"
            started[$node]=$pid
            continue
        fi
        ensure_bridge "$node"
        started[$node]=$(start_node "$node")
    done
    for node in "${!started[@]}"; do # both start at once; wait for each
        wait_node "$node" "${started[$node]}" 30
        log "$node: dockerd pid ${started[$node]} answering on $(host "$node") (log: $(logfile "$node"))"
    done
    for node in "${NODES[@]}"; do
        ensure_image "$node"
        ensure_gwbridge "$node"
    done
    log "up: $(for n in "${NODES[@]}"; do printf '%s ' "$(host "$n")"; done)"
}

swarm_state() { dk "$1" info -f '{{.Swarm.LocalNodeState}}' 2>/dev/null || echo unreachable; }

reset() {
    local node state
    for node in b a; do # the worker first, so the manager is not left waiting for it
        ping_node "$node" || continue
        state=$(swarm_state "$node")
        if [ "$state" != inactive ]; then
            dk "$node" swarm leave -f >/dev/null 2>&1 || true
            log "$node: left the swarm (was $state)"
        fi
    done
}

down() {
    local node pid
    reset
    for node in "${NODES[@]}"; do
        pid=$(node_pid "$node")
        if [ -n "$pid" ]; then
            kill "$pid"
            for _ in $(seq 1 100); do
                running "$pid" || break
                sleep 0.1
            done
            log "$node: stopped dockerd pid $pid"
        fi
        for br in "$(bridge "$node")" "dsw-$node-gw"; do
            if ip link show "$br" >/dev/null 2>&1; then
                ip link del "$br" && log "$node: deleted bridge $br"
            fi
        done
    done
}

status() {
    local node
    for node in "${NODES[@]}"; do
        if ping_node "$node"; then
            echo "$node $(host "$node") up swarm=$(swarm_state "$node")"
        else
            echo "$node $(host "$node") down"
        fi
    done
}

[ $# -gt 0 ] || set -- up
for step in "$@"; do
    case $step in
    up) up ;;
    reset) reset ;;
    down) down ;;
    status) status ;;
    -h | --help)
        sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//'
        exit 0
        ;;
    *) die "unknown step '$step' (up|reset|down|status)" ;;
    esac
done
