"""Fixtures for the browser view: a store to show, a ``licdash serve`` process on
loopback, and Debian's chromium driven by playwright (no browser download)."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import pytest

from tests.support.fleets import demo_statuses
from tests.support.store import write_store

ROOT = Path(__file__).resolve().parent.parent.parent
URL = re.compile(r"licdash serve: open (\S+)")


@dataclass
class Served:
    process: subprocess.Popen[str]
    url: str
    output: list[str]
    """Everything it printed after the address (drained so its pipes never fill)."""

    @property
    def base(self) -> str:
        return self.url.split("?")[0]


def start_serve(*args: str, timeout: float = 90.0) -> Served:
    """``licdash serve ARGS --port 0``; returns once it says where it listens."""
    process = subprocess.Popen(
        [sys.executable, "-m", "collectors.cli", "serve", "--port", "0", *args],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    assert process.stdout is not None
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        if match := URL.search(line):
            served = Served(process, match.group(1), [])
            for pipe in (process.stdout, process.stderr):
                threading.Thread(target=_drain, args=(pipe, served.output), daemon=True).start()
            return served
    stop_serve(process)
    _, err = process.communicate(timeout=10)
    raise AssertionError(f"licdash serve did not start: {err}")


def _drain(pipe: IO[str] | None, into: list[str]) -> None:
    if pipe is not None:
        for line in pipe:
            into.append(line)


def stop_serve(process: subprocess.Popen[str]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)
    for pipe in (process.stdout, process.stderr):
        if pipe is not None:
            pipe.close()


@pytest.fixture
def fleet_store(tmp_path: Path) -> Path:
    """A store holding the twelve-cluster demo fleet."""
    return write_store(tmp_path / "store", demo_statuses())


@pytest.fixture
def served(fleet_store: Path) -> Iterator[Served]:
    """``licdash serve --store`` on 127.0.0.1 and a free port."""
    server = start_serve("--store", str(fleet_store))
    try:
        yield server
    finally:
        stop_serve(server.process)


@pytest.fixture(scope="session")
def chromium() -> str:
    """The path of Debian's chromium; skips where it (or playwright) is missing, fails in
    CI (``.ci/run`` installs the ``chromium`` package)."""
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    problem = None
    if path is None:
        problem = "chromium not installed (apt-get install chromium)"
    else:
        try:
            import playwright.async_api  # noqa: F401
        except ImportError:
            problem = "the playwright package is missing (pip install -e '.[test]')"
    if problem is not None:
        if os.environ.get("CI"):
            pytest.fail(f"{problem}: in CI, .ci/run should have installed it")
        pytest.skip(f"{problem}: the browser tests did not run")
    assert path is not None
    return path
