"""A ``licdash collect`` subprocess whose stderr is gathered by a thread, for tests
that run the collector for real (signals, the store lock, metrics, the data API)."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from collectors.results import ClusterStatus
from collectors.store import SnapshotStore

ROOT = Path(__file__).resolve().parents[2]
WAIT_S = 30.0
"""The longest a test waits for a collector to say or do something."""


class Collector:
    """A ``licdash collect`` subprocess whose stderr is gathered by a thread."""

    def __init__(self, *args: str) -> None:
        env = {**os.environ, "PYTHONUNBUFFERED": "1", "NO_COLOR": "1"}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "collectors.commands.collect_cmd", *args],
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        self.lines: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stderr is not None
        with self.proc.stderr:
            for line in self.proc.stderr:
                self.lines.append(line.rstrip("\n"))

    @property
    def stderr(self) -> str:
        return "\n".join(self.lines)

    def wait_for_line(self, predicate: Callable[[str], bool], what: str) -> str:
        deadline = time.monotonic() + WAIT_S
        seen = 0
        while time.monotonic() < deadline:
            for line in self.lines[seen:]:
                if predicate(line):
                    return line
            seen = len(self.lines)
            if self.proc.poll() is not None and seen == len(self.lines):
                break
            time.sleep(0.05)
        raise AssertionError(f"no log line {what}; stderr:\n{self.stderr}")

    def signal(self, sig: signal.Signals) -> None:
        self.proc.send_signal(sig)

    def finish(self) -> int:
        code = self.proc.wait(timeout=WAIT_S)
        self._reader.join(timeout=5)
        return code

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=WAIT_S)
        self._reader.join(timeout=5)


def wait_for_store(
    store: Path, predicate: Callable[[dict[str, ClusterStatus]], bool], what: str
) -> dict[str, ClusterStatus]:
    deadline = time.monotonic() + WAIT_S
    latest: dict[str, ClusterStatus] = {}
    while time.monotonic() < deadline:
        if (store / "latest.json").exists():  # a reader needs a store a writer created
            with SnapshotStore.open(store, readonly=True) as reader:
                latest = reader.latest()
            if predicate(latest):
                return latest
        time.sleep(0.1)
    raise AssertionError(f"store never showed {what}; it has {sorted(latest)}")


def write_config(fleet: Any, path: Path, **settings: Any) -> Path:
    """The fleet's own config with ``settings`` set in its ``[settings]`` table."""
    text = fleet.config_toml()
    for key, value in settings.items():
        text, found = re.subn(rf"(?m)^{key} = .*$", f"{key} = {value}", text, count=1)
        if not found:
            text = text.replace("[settings]\n", f"[settings]\n{key} = {value}\n", 1)
    path.write_text(text, encoding="utf-8")
    return path


def run_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """``licdash ARGS`` as a subprocess of the project (60 s at most)."""
    return subprocess.run(
        [sys.executable, "-m", "collectors.cli", *args],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
        env=env,
    )
