"""``licdash collect --once`` stays small against every compression bomb (peak RSS of the
real process, from the kernel's rusage of that child)."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.adversarial.harness import GOOD_SECRET, Harness

ROOT = Path(__file__).resolve().parents[2]
PEAK_RSS_LIMIT_MB = 150


def _collect_peak_rss(config: Path, store: Path) -> tuple[int, float, str]:
    env = {**os.environ, "ADV_GOOD_PW": GOOD_SECRET}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "collectors.cli",
            "collect",
            "--config",
            str(config),
            "--store",
            str(store),
            "--once",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    assert proc.stdout is not None
    with proc.stdout:
        out = proc.stdout.read().decode()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    return proc.returncode, usage.ru_maxrss / 1024, out


@pytest.mark.parametrize("bomb", ["gzip_layer", "gzip_gzip", "deflate"])
async def test_collect_once_against_a_bomb_stays_under_150_mb(harness: Harness, bomb: str) -> None:
    for pub in harness.fleet.publishers.values():
        pub.behaviour = bomb  # every publisher of the cycle is a bomb
    code, peak_mb, out = await asyncio.to_thread(
        _collect_peak_rss, harness.config_file(), harness.store_dir
    )
    assert code == 3, out  # the polls failed; every failure was written
    assert "0 ok, 3 failed" in out
    assert peak_mb <= PEAK_RSS_LIMIT_MB, f"peak RSS {peak_mb:.0f} MB"
    print(f"{bomb}: peak RSS of collect --once {peak_mb:.0f} MB")
    latest = harness.latest()
    assert {s.last_error.kind for s in latest.values() if s.last_error} == {"oversize"}
