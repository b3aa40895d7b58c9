"""bench/run.py works: every case runs on a tiny size, writes its table and targets, and leaves nothing behind.

No timed asserts: machines are noisy; the figures are for bench/RESULTS.md, not for the test suite.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import daemonapi
import pytest
from conftest import IMAGE, TCP, http_base, need_daemon

ROOT = Path(__file__).resolve().parents[1]
CASES = (
    "1. One-shot `ps -a`, and start to prompt",
    "2. A 20-command file",
    "3. In-session `ps -a` with",
    "4. `logs` of a",
    "5. `save -o` of a",
    "6. Completion with",
    "7. One command on three daemons at once",
)
TARGETS = (
    "one-shot ps -a vs Docker CLI",
    "start to prompt",
    "20-command file vs 20 CLI calls",
    "vs bare round trip",
    "render ",
    "logs: time vs docker logs",
    "logs: dshell peak RSS",
    "save: time vs docker save",
    "save: dshell peak RSS",
    "completion per keystroke",
    "@all over 3 daemons vs @NAME on one",
)


def test_quick_bench_runs_every_case_and_cleans_up(tmp_path: Path) -> None:
    need_daemon()
    if shutil.which("docker") is None:
        pytest.skip("the Docker CLI is not installed")
    out = tmp_path / "RESULTS.md"
    env = {**os.environ, "DSHELL_TEST_TCP": TCP, "DSHELL_TEST_IMAGE": IMAGE}
    proc = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "run.py"), "--quick", "--output", str(out)],
        check=False,
        capture_output=True,
        text=True,
        env=env,
        timeout=180,
        cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    first = proc.stdout.splitlines()[0]
    m = re.search(r"run (\S+), on \S+, in (\S+)", first)
    assert m, first
    run_id, tmp = m.group(1), m.group(2)

    text = out.read_text()
    for title in CASES:
        assert f"### {title}" in text, title
    targets = text.split("## Targets", 1)[1].split("## Cases", 1)[0]
    rows = [
        line for line in targets.splitlines() if line.startswith("| ") and not line.startswith("| target")
    ]
    for name in TARGETS:
        assert any(name in row for row in rows), name
    for row in rows:
        assert row.split("|")[4].strip() in ("yes", "**no**"), row
    assert re.search(r"\d+ of \d+ targets met", text)
    assert "daemon: Docker Engine" in text and "Docker CLI:" in text
    # every figure is a number of milliseconds
    assert re.search(r"\| dshell -c 'ps -a' \| \d+\.\d ms \| \d+\.\d ms - \d+\.\d ms \| 3 \|", text)

    # nothing left: containers, the image, the temporary folder
    base = http_base()
    filters = json.dumps({"label": [f"dshbench={run_id}"]})
    left = daemonapi.get(f"{base}/containers/json", params={"all": 1, "filters": filters}, timeout=30).json()
    assert left == []
    tags = [
        t
        for img in daemonapi.get(f"{base}/images/json", timeout=30).json()
        for t in img.get("RepoTags") or []
    ]
    assert not [t for t in tags if t.startswith(f"dshbench-{run_id}")]
    assert not Path(tmp).exists()


def test_bench_cleans_up_when_a_case_fails(tmp_path: Path) -> None:
    """A failing case (here: an image that does not exist) still removes what the run made."""
    need_daemon()
    out = tmp_path / "RESULTS.md"
    env = {**os.environ, "DSHELL_TEST_TCP": TCP, "DSHELL_TEST_IMAGE": "dshbench-no-such-image:0"}
    proc = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "run.py"), "--quick", "--cases", "3", "--output", str(out)],
        check=False,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert proc.returncode == 1
    assert "bench:" in proc.stderr and "No such image" in proc.stderr
    assert not out.exists()
    run_id = re.search(r"run (\S+),", proc.stdout).group(1)  # type: ignore[union-attr]
    filters = json.dumps({"label": [f"dshbench={run_id}"]})
    left = daemonapi.get(
        f"{http_base()}/containers/json", params={"all": 1, "filters": filters}, timeout=30
    ).json()
    assert left == []
