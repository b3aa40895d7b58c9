#!/usr/bin/env bash
# The test command: bash scripts/test.sh [pytest args...]
#
# Brings up the services (scripts/services.sh: dockerd on unix + tcp, test image, registries),
# installs the package NON-editable with its test extra into .venv (so the installed package is
# what gets tested), runs ruff (lint + format check), then pytest. Exit status: pytest's, or 1
# when pytest passed but ruff did not. CI (.ci/run) runs exactly this.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "[test] services"
bash scripts/services.sh

# Where the tests find their services; a caller's own values win.
: "${DSHELL_TEST_TCP:=tcp://127.0.0.1:2375}"
: "${DSHELL_TEST_UNIX:=unix:///var/run/docker.sock}"
: "${DSHELL_TEST_IMAGE:=dshell-test/busybox:latest}"
: "${DSHELL_TEST_REGISTRY:=127.0.0.1:5000}"
: "${DSHELL_TEST_AUTH_REGISTRY:=127.0.0.1:5001}"
: "${DSHELL_TEST_AUTH_USER:=dshell}"
: "${DSHELL_TEST_AUTH_PASSWORD:=dshell-secret}"
export DSHELL_TEST_TCP DSHELL_TEST_UNIX DSHELL_TEST_IMAGE DSHELL_TEST_REGISTRY \
    DSHELL_TEST_AUTH_REGISTRY DSHELL_TEST_AUTH_USER DSHELL_TEST_AUTH_PASSWORD

if [ ! -x .venv/bin/python ]; then
    echo "[test] creating .venv"
    python3 -m venv .venv
fi
echo "[test] pip install '.[test]' into .venv"
# setuptools reuses build/lib, so a module deleted from the source would still be installed.
rm -rf build
.venv/bin/python -m pip install -q --disable-pip-version-check '.[test]' </dev/null

failed=()
echo "[test] ruff check"
.venv/bin/ruff check . || failed+=("ruff check")
echo "[test] ruff format --check"
.venv/bin/ruff format --check . || failed+=("ruff format --check")
echo "[test] mypy dshell plugins (strict)"
.venv/bin/mypy dshell plugins || failed+=("mypy")
echo "[test] lint-imports (the layer contracts in .importlinter, on the source tree)"
.venv/bin/lint-imports || failed+=("import-linter")

echo "[test] pytest -q tests $*"
rc=0
.venv/bin/pytest -q tests "$@" || rc=$?

if [ ${#failed[@]} -gt 0 ]; then
    msg=$(printf '%s, ' "${failed[@]}")
    echo "[test] FAILED: ${msg%, }" >&2
    [ "$rc" -ne 0 ] || rc=1
fi
echo "[test] exit $rc"
exit "$rc"
