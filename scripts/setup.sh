#!/usr/bin/env bash
# First run for a new user: bash scripts/setup.sh [dshell args...]
#
# Makes sure a Docker daemon, the test image and the local registries are up (scripts/services.sh;
# an existing daemon on the unix socket alone is accepted), installs dshell into .venv, then
# replaces itself with dshell, started in the directory you ran this from. With no host given,
# dshell follows DOCKER_HOST or the unix socket. If stdin is not a terminal, dshell reads commands
# from it, so nothing here reads stdin, and setup chatter goes to stderr.
#
# A second run with an unchanged source tree skips the install (a stamp of the tree's hash is kept in
# the virtualenv). As root, `dshell` is linked into /usr/local/bin so the README's `dshell 127.0.0.1`
# works from any shell afterwards; DSHELL_BIN_DIR picks another directory, DSHELL_VENV another venv.
set -euo pipefail
here=$PWD
cd "$(dirname "$0")/.."
root=$PWD
venv=${DSHELL_VENV:-$root/.venv}
if [ -z "${DSHELL_BIN_DIR+x}" ]; then
    if [ "$(id -u)" = 0 ]; then DSHELL_BIN_DIR=/usr/local/bin; else DSHELL_BIN_DIR=$HOME/.local/bin; fi
fi

# The hash of everything `pip install .` reads: a change to any of it reinstalls.
tree_hash() {
    { python3 --version
      find dshell plugins -type f ! -name '*.pyc' ! -path '*/__pycache__/*' -print0 | sort -z |
          xargs -0 sha256sum
      sha256sum setup.cfg pyproject.toml; } | sha256sum | cut -d' ' -f1
}

{
    DSHELL_SERVICES_REQUIRE_TCP=0 bash scripts/services.sh
    if [ ! -x "$venv/bin/python" ]; then
        echo "[setup] creating $venv"
        python3 -m venv "$venv"
    fi
    stamp="$venv/.dshell-setup-stamp"
    hash=$(tree_hash)
    if [ -x "$venv/bin/dshell" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$hash" ]; then
        echo "[setup] dshell in $venv is up to date"
    else
        echo "[setup] pip install . into $venv"
        rm -rf build
        "$venv/bin/python" -m pip install -q --disable-pip-version-check .
        echo "$hash" >"$stamp"
    fi
    mkdir -p "$DSHELL_BIN_DIR" 2>/dev/null || true
    if ln -sfn "$venv/bin/dshell" "$DSHELL_BIN_DIR/dshell" 2>/dev/null; then
        case ":$PATH:" in
        *":$DSHELL_BIN_DIR:"*) echo "[setup] dshell is on PATH ($DSHELL_BIN_DIR/dshell); next time: dshell 127.0.0.1" ;;
        *) echo "[setup] next time: $DSHELL_BIN_DIR/dshell 127.0.0.1 (or add $DSHELL_BIN_DIR to PATH)" ;;
        esac
    else
        echo "[setup] next time: $venv/bin/dshell 127.0.0.1"
    fi
} </dev/null >&2

cd "$here"
exec "$venv/bin/dshell" "$@"
