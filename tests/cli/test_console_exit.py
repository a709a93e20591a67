"""The ``licdash`` executable: a one-shot check leaves without the interpreter's
teardown (its whole answer flushed first); other commands exit as Python does."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from collectors.store import SnapshotStore
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


def test_collect_once_exits_without_teardown_once_its_store_is_closed(tmp_path: Path) -> None:
    """A poll that fails (nothing listens on the port): exit 3, its line printed, its
    failure written and the store's lock released before the process leaves."""
    import socket

    with socket.socket() as sock:  # a port nothing listens on once it is closed
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    config = tmp_path / "fleet.toml"
    config.write_text(
        "[settings]\ntimeout = 5\n\n[[clusters]]\n"
        f'name = "lab-cucm"\npublisher = "127.0.0.1:{port}"\ntransport = "axl"\n'
        'axl_version = "14.0"\nusername = "axl"\npassword_env = "LICDASH_TEST_NO_SUCH_VAR"\n',
        "utf-8",
    )
    config.chmod(0o600)
    store = tmp_path / "store"
    done = _run("collect", "--once", "--config", str(config), "--store", str(store))
    assert "TEARDOWN" not in done.stderr
    assert done.returncode == 3, done.stderr
    assert done.stdout.startswith("polled 1 publishers: 0 ok, 1 failed")
    with SnapshotStore.open(store) as again:  # the lock was released
        assert again.latest()["lab-cucm"].consecutive_failures == 1
