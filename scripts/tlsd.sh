#!/usr/bin/env bash
# A private dockerd that only speaks TLS on tcp://127.0.0.1:2376 (with --tlsverify: client certificates
# required), for tests/test_tls.py and the multi-daemon tests and bench. Idempotent: a second run that finds
# it answering does nothing. Must run as root.
#
#   certificates  $CERTS (default /var/lib/dshell-tls-certs): ca.pem, server cert (SAN IP:127.0.0.1 only, so
#                 tcp://localhost:2376 is a name mismatch) and a client cert (cert.pem/key.pem, the layout
#                 DOCKER_CERT_PATH expects), made with openssl once and kept
#   dockerd       its own --data-root /var/lib/dshell-tls, --exec-root /run/dshell-tls, --pidfile, unix socket
#                 /run/dshell-tls.sock, and its own bridge dtls0 (172.31.252.1/24) with --iptables=false
#                 (never --bridge none: that deletes the main daemon's docker0)
#   image         dshell-test/busybox:latest copied from the main daemon
#
# Usage: scripts/tlsd.sh [start|stop|certs]   (default: start)
set -euo pipefail
cd "$(dirname "$0")/.."

CERTS=${DSHELL_TLS_CERTS:-/var/lib/dshell-tls-certs}
DATA_ROOT=/var/lib/dshell-tls
EXEC_ROOT=/run/dshell-tls
PIDFILE=/run/dshell-tls.pid
SOCK=/run/dshell-tls.sock
TCP=127.0.0.1:2376
BRIDGE=dtls0
BRIDGE_ADDR=172.31.252.1/24
LOG=/var/log/dshell-tlsd.log
IMAGE=dshell-test/busybox:latest
MAIN=${DSHELL_MAIN_DOCKER:-unix:///var/run/docker.sock}
export PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin"

log() { echo "[tlsd] $*"; }
die() {
    echo "[tlsd] ERROR: $*" >&2
    exit 1
}

ensure_certs() {
    [ -s "$CERTS/ca.pem" ] && [ -s "$CERTS/server-cert.pem" ] && [ -s "$CERTS/cert.pem" ] && return
    log "certs: making a CA, a server and a client certificate in $CERTS"
    mkdir -p "$CERTS"
    chmod 700 "$CERTS"
    local t
    t=$(mktemp -d)
    openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=dshell test CA" \
        -keyout "$CERTS/ca-key.pem" -out "$t/ca.pem" 2>/dev/null
    openssl req -newkey rsa:2048 -nodes -subj "/CN=127.0.0.1" \
        -keyout "$CERTS/server-key.pem" -out "$t/server.csr" 2>/dev/null
    printf 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n' >"$t/server.ext"
    openssl x509 -req -in "$t/server.csr" -CA "$t/ca.pem" -CAkey "$CERTS/ca-key.pem" -CAcreateserial \
        -days 3650 -extfile "$t/server.ext" -out "$CERTS/server-cert.pem" 2>/dev/null
    openssl req -newkey rsa:2048 -nodes -subj "/CN=dshell client" \
        -keyout "$CERTS/key.pem" -out "$t/client.csr" 2>/dev/null
    printf 'extendedKeyUsage=clientAuth\n' >"$t/client.ext"
    openssl x509 -req -in "$t/client.csr" -CA "$t/ca.pem" -CAkey "$CERTS/ca-key.pem" -CAcreateserial \
        -days 3650 -extfile "$t/client.ext" -out "$CERTS/cert.pem" 2>/dev/null
    mv "$t/ca.pem" "$CERTS/ca.pem" # last: its presence means the set is complete
    rm -rf "$t"
    chmod 600 "$CERTS"/*key.pem
}

ping_tls() {
    [ "$(curl -s -m 3 --cacert "$CERTS/ca.pem" --cert "$CERTS/cert.pem" --key "$CERTS/key.pem" \
        "https://$TCP/_ping" 2>/dev/null)" = OK ]
}

running_pid() {
    local pid
    [ -f "$PIDFILE" ] || return 0
    pid=$(tr -dc 0-9 <"$PIDFILE")
    [ -n "$pid" ] && [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = dockerd ] && echo "$pid"
    return 0
}

ensure_bridge() {
    ip link show "$BRIDGE" >/dev/null 2>&1 || ip link add "$BRIDGE" type bridge
    ip addr show dev "$BRIDGE" | grep -q "${BRIDGE_ADDR%/*}/" || ip addr add "$BRIDGE_ADDR" dev "$BRIDGE"
    ip link set "$BRIDGE" up
}

start() {
    [ "$(id -u)" -eq 0 ] || die "needs root"
    ensure_certs
    if ping_tls; then
        log "dockerd: already answering on tcp://$TCP (TLS)"
    else
        local pid
        pid=$(running_pid)
        if [ -z "$pid" ]; then
            ensure_bridge
            rm -f "$PIDFILE" "$SOCK"
            mkdir -p "$DATA_ROOT" "$EXEC_ROOT"
            log "dockerd: starting (log $LOG)"
            setsid dockerd --data-root "$DATA_ROOT" --exec-root "$EXEC_ROOT" --pidfile "$PIDFILE" \
                -H "unix://$SOCK" -H "tcp://$TCP" \
                --tlsverify --tlscacert "$CERTS/ca.pem" --tlscert "$CERTS/server-cert.pem" \
                --tlskey "$CERTS/server-key.pem" \
                --bridge "$BRIDGE" --iptables=false --ip6tables=false \
                </dev/null >>"$LOG" 2>&1 &
        fi
        local deadline=$((SECONDS + 60))
        until ping_tls; do
            [ $SECONDS -lt $deadline ] || die "dockerd did not answer on tcp://$TCP within 60 s (see $LOG)"
            sleep 0.5
        done
        log "dockerd: answering on tcp://$TCP (TLS) and unix://$SOCK"
    fi
    if ! docker -H "unix://$SOCK" image inspect "$IMAGE" >/dev/null 2>&1; then
        log "image: copying $IMAGE from $MAIN"
        docker -H "$MAIN" save "$IMAGE" | docker -H "unix://$SOCK" load -q >/dev/null
    fi
}

stop() {
    local pid
    pid=$(running_pid)
    if [ -n "$pid" ]; then
        kill "$pid"
        for _ in $(seq 60); do [ -e "/proc/$pid" ] || break; sleep 0.5; done
        log "dockerd: stopped"
    fi
}

case "${1:-start}" in
start) start ;;
stop) stop ;;
certs) ensure_certs ;;
*) die "usage: $0 [start|stop|certs]" ;;
esac
