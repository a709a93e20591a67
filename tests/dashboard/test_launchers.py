"""The launchers: clear one-line errors, stdlib-only imports, and a clean quit in a real pty."""

from __future__ import annotations

import argparse
import json
import os
import pty
import select
import subprocess
import sys
import time
from pathlib import Path

import pytest

from dashboard import launch_dash, launch_demo

ROOT = Path(__file__).resolve().parents[2]


def _args(module: object, argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    module.add_arguments(parser)  # type: ignore[attr-defined]
    return parser.parse_args(argv)


def test_launchers_import_only_the_standard_library() -> None:
    code = (
        "import sys, json, dashboard.launch_demo, dashboard.launch_dash\n"
        "print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in "
        "('textual', 'collectors', 'rich', 'pydantic'))))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert json.loads(out.stdout) == []


def test_missing_config_is_one_clear_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "nope.toml"
    assert launch_dash.run(_args(launch_dash, ["--config", str(missing)])) == 2
    err = capsys.readouterr().err
    assert err.startswith("licdash: ") and str(missing) in err and "Traceback" not in err


def test_bad_config_names_the_field(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "bad.toml"
    config.write_text(
        '[[clusters]]\nname = "x"\npublisher = "h"\nusername = "u"\n'
        'password_env = "P"\nverify = 3\n'
    )
    assert launch_dash.run(_args(launch_dash, ["--config", str(config)])) == 2
    err = capsys.readouterr().err
    assert "verify" in err and "Traceback" not in err


def test_locked_store_suggests_the_viewer(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from collectors.store import SnapshotStore

    config = tmp_path / "c.toml"
    config.write_text(
        '[[clusters]]\nname = "x"\npublisher = "h"\nusername = "u"\npassword_env = "P"\n'
    )
    store_dir = tmp_path / "store"
    writer = SnapshotStore.open(store_dir)
    try:
        code = launch_dash.run(
            _args(launch_dash, ["--config", str(config), "--store", str(store_dir)])
        )
    finally:
        writer.close()
    assert code == 2
    err = capsys.readouterr().err
    assert f"licdash dash --store {store_dir}" in err and "Traceback" not in err


def test_viewer_needs_an_existing_store(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert launch_dash.run(_args(launch_dash, ["--store", str(tmp_path / "none")])) == 2
    err = capsys.readouterr().err
    assert "no store at" in err and "licdash collect" in err


def test_demo_refuses_an_empty_fleet(capsys: pytest.CaptureFixture[str]) -> None:
    assert launch_demo.run(_args(launch_demo, ["--clusters", "0"])) == 2
    assert "--clusters" in capsys.readouterr().err


def _read_until(fd: int, needle: bytes, limit_s: float) -> bytes:
    seen = b""
    deadline = time.monotonic() + limit_s
    while needle not in seen and time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.2)
        if ready:
            try:
                chunk = os.read(fd, 65536)
            except OSError:
                break
            if not chunk:
                break
            seen += chunk
    return seen


def test_demo_opens_in_a_terminal_and_quits_cleanly(tmp_path: Path) -> None:
    """The newcomer's path: a live demo fleet in a real pty, then q; no traceback."""
    code = (
        "import argparse, sys\n"
        "from dashboard import launch_demo as m\n"
        "p = argparse.ArgumentParser(); m.add_arguments(p)\n"
        "sys.exit(m.run(p.parse_args(['--clusters', '6', '--interval', '1', '--theme', 'dark'])))\n"
    )
    env = {
        **os.environ,
        "XDG_STATE_HOME": str(tmp_path / "state"),
        "XDG_CONFIG_HOME": str(tmp_path / "cfg"),
        "TERM": "xterm-256color",
        "COLUMNS": "120",
        "LINES": "40",
    }
    env.pop("NO_COLOR", None)
    master, slave = pty.openpty()
    child = subprocess.Popen(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=env,
        stdin=slave,
        stdout=slave,
        stderr=slave,
        start_new_session=True,
    )
    os.close(slave)
    try:
        screen = _read_until(master, b"source: demo", 60)
        assert b"source: demo" in screen
        # The demo fleet holds every product, each named in the fleet table's column.
        for product in (b"Unity", b"Expwy", b"CUCM"):
            if product not in screen:
                screen += _read_until(master, product, 30)
            assert product in screen, product
        os.write(master, b"q")
        rest = _read_until(master, b"\x00never\x00", 30)  # until the child closes the pty
        code_ = child.wait(30)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
        os.close(master)
    assert code_ == 0
    assert b"Traceback" not in screen + rest
