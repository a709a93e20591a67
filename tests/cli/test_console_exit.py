"""The ``licdash`` executable: a one-shot check leaves without the interpreter's
teardown (its whole answer flushed first); other commands exit as Python does."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.support.factory import NOW, snapshot, status
from tests.support.store import write_store

ROOT = Path(__file__).resolve().parents[2]
# What the installed executable runs, plus an exit handler that says whether Python's
# teardown ran.
LAUNCH = (
    "import atexit, sys\n"
    "atexit.register(lambda: sys.stderr.write('TEARDOWN\\n'))\n"
    "from collectors.cli import console\n"
    "console()\n"
)


def _run(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", LAUNCH, *argv],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_status_exits_without_teardown_and_its_whole_answer_reaches_a_pipe(
    tmp_path: Path,
) -> None:
    names = [f"c{i:04d}-cucm" for i in range(300)]
    write_store(tmp_path, [status(n, snapshot(n, NOW), now=NOW) for n in names])
    done = _run("status", "--store", str(tmp_path), "--format", "json", "--stale-after", "1000d")
    assert "TEARDOWN" not in done.stderr
    doc = json.loads(done.stdout)  # far beyond a pipe's buffer: flushed before leaving
    assert [c["cluster"] for c in doc["clusters"]] == sorted(names)
    assert done.returncode == doc["exit_code"] == 0


def test_status_exit_code_survives_the_short_exit(tmp_path: Path) -> None:
    done = _run("status", "--store", str(tmp_path / "nowhere"))
    assert done.returncode == 3
    assert "UNKNOWN" in done.stdout
    assert "TEARDOWN" not in done.stderr


def test_other_commands_exit_through_python(tmp_path: Path) -> None:
    done = _run("acks", "--store", str(tmp_path / "nowhere"))
    assert "TEARDOWN" in done.stderr
    assert done.returncode == 1  # its own code, through sys.exit
