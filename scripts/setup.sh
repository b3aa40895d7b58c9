#!/usr/bin/env bash
# First run for a new user: bash scripts/setup.sh [dshell args...]
#
# Makes sure a Docker daemon, the test image and the local registries are up (scripts/services.sh;
# an existing daemon on the unix socket alone is accepted), installs dshell into .venv, then
# replaces itself with dshell, started in the directory you ran this from. With no host given,
# dshell follows DOCKER_HOST or the unix socket. If stdin is not a terminal, dshell reads commands
# from it, so nothing here reads stdin, and setup chatter goes to stderr.
set -euo pipefail
here=$PWD
cd "$(dirname "$0")/.."
root=$PWD

{
    DSHELL_SERVICES_REQUIRE_TCP=0 bash scripts/services.sh
    if [ ! -x .venv/bin/python ]; then
        echo "[setup] creating .venv"
        python3 -m venv .venv
    fi
    echo "[setup] pip install . into .venv"
    rm -rf build
    .venv/bin/python -m pip install -q --disable-pip-version-check .
} </dev/null >&2

cd "$here"
exec "$root/.venv/bin/dshell" "$@"
