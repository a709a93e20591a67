"""``licdash mock`` as a real subprocess, for the end-to-end (Done-when) tests."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

LICDASH = [sys.executable, "-m", "collectors.cli"]


@contextmanager
def running_mock(workdir: Path, *args: str, start_s: float = 60.0) -> Iterator[Path]:
    """Run ``licdash mock ARGS`` until the block ends; yields the config it wrote, once
    every publisher listens (its manifest exists). SIGTERM on the way out."""
    config = workdir / "licdash.toml"
    manifest = workdir / "manifest.json"
    proc = subprocess.Popen(
        [
            *LICDASH,
            "mock",
            *args,
            *("--write-config", str(config), "--manifest", str(manifest)),
            *("--workdir", str(workdir / "mock")),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + start_s
        while not (manifest.exists() and config.exists()):
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"licdash mock {' '.join(args)} did not start")
            time.sleep(0.1)
        yield config
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
