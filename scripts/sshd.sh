#!/usr/bin/env bash
# A private sshd on 127.0.0.1:2222 for tests/test_ssh.py: dshell's ssh://root@127.0.0.1:2222 transport runs
# `ssh … docker system dial-stdio` through it, as the Docker CLI does. Idempotent; must run as root.
#
#   keys    $DIR (default /var/lib/dshell-sshd): an ed25519 host key, an ed25519 client key (client_key), the
#           client key authorised for root (its own AuthorizedKeysFile, so ~/.ssh/authorized_keys is left
#           alone) and a known_hosts line for [127.0.0.1]:2222
#   client  a block at the end of ~/.ssh/config, matching only 127.0.0.1 port 2222, naming that key and
#           known_hosts (so `docker -H ssh://root@127.0.0.1:2222` works too); dshell also honours
#           DSHELL_SSH_OPTS (extra ssh options, e.g. "-i KEY -o UserKnownHostsFile=FILE")
#   sshd    Debian's openssh-server: `sshd -f $DIR/sshd_config` (Port 2222, ListenAddress 127.0.0.1,
#           PermitRootLogin prohibit-password, UsePAM no), docker on the PATH of the remote side
#
# Usage: scripts/sshd.sh [start|stop]   (default: start)
set -euo pipefail
DIR=${DSHELL_SSHD_DIR:-/var/lib/dshell-sshd}
PORT=2222
ADDR=127.0.0.1
PIDFILE=/run/dshell-sshd.pid
export PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin"

log() { echo "[sshd] $*"; }
die() {
    echo "[sshd] ERROR: $*" >&2
    exit 1
}

ensure_package() {
    command -v sshd >/dev/null && return
    [ "$(id -u)" -eq 0 ] || die "openssh-server is missing and installing it needs root"
    log "packages: installing openssh-server"
    local made_policy=0
    if [ ! -e /usr/sbin/policy-rc.d ]; then # keep Debian's own sshd service on :22 from starting
        printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
        chmod +x /usr/sbin/policy-rc.d
        made_policy=1
    fi
    local rc=0
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openssh-server </dev/null >/dev/null || rc=$?
    [ "$made_policy" -eq 0 ] || rm -f /usr/sbin/policy-rc.d
    [ "$rc" -eq 0 ] || die "apt-get install openssh-server failed (exit $rc)"
}

ensure_keys() {
    mkdir -p "$DIR"
    chmod 700 "$DIR"
    [ -s "$DIR/host_key" ] || ssh-keygen -q -t ed25519 -N '' -C dshell-test-host -f "$DIR/host_key"
    [ -s "$DIR/client_key" ] || ssh-keygen -q -t ed25519 -N '' -C dshell-test-client -f "$DIR/client_key"
    cp "$DIR/client_key.pub" "$DIR/authorized_keys"
    chmod 600 "$DIR/authorized_keys"
    echo "[$ADDR]:$PORT $(cut -d' ' -f1,2 "$DIR/host_key.pub")" >"$DIR/known_hosts"
    local docker_dir
    docker_dir=$(dirname "$(command -v docker)")
    cat >"$DIR/sshd_config" <<CONF
Port $PORT
ListenAddress $ADDR
HostKey $DIR/host_key
PidFile $PIDFILE
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
AuthorizedKeysFile $DIR/authorized_keys
StrictModes no
SetEnv PATH=$docker_dir:/usr/local/bin:/usr/bin:/bin
Subsystem sftp internal-sftp
CONF
}

ensure_client_config() {
    local config=$HOME/.ssh/config marker="# dshell test sshd (scripts/sshd.sh)"
    mkdir -p "$HOME/.ssh"
    chmod 700 "$HOME/.ssh"
    touch "$config"
    grep -qF "$marker" "$config" && return
    cat >>"$config" <<CONF

$marker
Match host $ADDR exec "test %p = $PORT"
    IdentityFile $DIR/client_key
    UserKnownHostsFile $DIR/known_hosts
    StrictHostKeyChecking yes
CONF
    chmod 600 "$config"
}

running() {
    [ -f "$PIDFILE" ] || return 1
    local pid
    pid=$(tr -dc 0-9 <"$PIDFILE")
    [ -n "$pid" ] && [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = sshd ]
}

start() {
    [ "$(id -u)" -eq 0 ] || die "needs root"
    ensure_package
    ensure_keys
    ensure_client_config
    mkdir -p /run/sshd # privilege separation directory
    if running; then
        log "sshd: already running on $ADDR:$PORT"
    else
        "$(command -v sshd)" -t -f "$DIR/sshd_config" || die "sshd_config is invalid"
        "$(command -v sshd)" -f "$DIR/sshd_config" -E /var/log/dshell-sshd.log
        for _ in $(seq 50); do running && break; sleep 0.1; done
        running || die "sshd did not start (see /var/log/dshell-sshd.log)"
        log "sshd: listening on $ADDR:$PORT"
    fi
}

stop() {
    if running; then
        kill "$(tr -dc 0-9 <"$PIDFILE")"
        log "sshd: stopped"
    fi
}

case "${1:-start}" in
start) start ;;
stop) stop ;;
*) die "usage: $0 [start|stop]" ;;
esac
