"""Draw the screenshots in docs/: SVG from Textual, PNG from Chromium.

- ``wall.png``, ``overview-10000.png``, ``fleet-80x24.png``: the scenes of
  ``tests/support/scenes.py`` (the real app, the fixed fleets, the frozen clock), saved
  as SVG with ``App.export_screenshot`` (no notice is ever drawn into them) and turned
  into PNG by rendering the SVG in headless Chromium. The same scenes are SVG snapshot
  tests (tests/dashboard/test_overview_snapshots.py), so each picture is a tested screen.
- ``browser.png``: ``licdash serve`` on a store of the demo fleet (its times moved to
  now: a browser session runs on the real clock), opened in headless Chromium.

Needs Debian's ``chromium`` and the ``playwright`` package (the ``test`` extra); no
browser is downloaded. Run from the project root:

    .venv/bin/python docs/screenshots.py [--only NAME ...] [--out DIR]
"""

from __future__ import annotations

import argparse
import asyncio
import re
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the project root, for tests.support

from collectors.liveness import Heartbeat  # noqa: E402
from collectors.policy import FreshnessPolicy  # noqa: E402
from collectors.store import SnapshotStore  # noqa: E402
from tests.support.factory import NOW  # noqa: E402
from tests.support.fleets import demo_statuses, shifted  # noqa: E402
from tests.support.scenes import SCENES, Scene  # noqa: E402
from tests.support.store import write_store  # noqa: E402

BROWSER_SIZE = {"width": 1400, "height": 760}


def chromium() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        sys.exit("docs/screenshots.py needs chromium (apt-get install chromium)")
    return path


async def scene_svg(scene: Scene) -> str:
    app = scene.make()
    async with app.run_test(size=scene.size) as pilot:
        await scene.prepare(pilot)
        await pilot.pause()
        return app.export_screenshot(title=scene.caption)


async def svg_to_png(browser: Any, svg_uri: str, png: Path) -> None:
    page = await browser.new_page(device_scale_factor=1)
    try:
        await page.goto(svg_uri)
        element = await page.query_selector("svg")
        box = await element.bounding_box()
        await page.set_viewport_size(
            {"width": int(box["width"]) + 2, "height": int(box["height"]) + 2}
        )
        await element.screenshot(path=str(png))
    finally:
        await page.close()


def record_collector(store_dir: Path, now: datetime) -> None:
    """What a running collector would have left in the store: its policy (15 min) and
    a fresh heartbeat (of a collector on another host)."""
    store = SnapshotStore.open(store_dir)
    try:
        store.record_policy(FreshnessPolicy.uniform(timedelta(minutes=15), origin="config"))
        beat = Heartbeat(at=now, pid=4242, host="noc-collector", interval_s=300, mode="daemon")
        store.record_heartbeat(beat)
    finally:
        store.close()


def start_serve(store: Path) -> tuple[subprocess.Popen[str], str]:
    """``licdash serve --store`` on a free loopback port, and the address it gave."""
    process = subprocess.Popen(
        [sys.executable, "-m", "collectors.cli", "serve", "--store", str(store), "--port", "0"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert process.stdout is not None
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if match := re.search(r"licdash serve: open (\S+)", line):
            return process, match.group(1)
    process.terminate()
    raise RuntimeError("licdash serve did not start")


def stop_serve(process: subprocess.Popen[str]) -> None:
    process.terminate()
    process.wait(timeout=20)
    if process.stdout is not None:
        process.stdout.close()


async def browser_png(browser: Any, png: Path, tmp: Path) -> None:
    """``licdash serve`` of the demo fleet, as a browser shows it."""
    now = datetime.now(UTC)
    store = write_store(tmp / "store", shifted(demo_statuses(), now - NOW))
    record_collector(store, now)
    process, url = await asyncio.to_thread(start_serve, store)
    try:
        page = await browser.new_page(viewport=BROWSER_SIZE)
        await page.goto(url)
        await page.wait_for_selector("body.-first-byte", timeout=60_000)
        await page.wait_for_timeout(3000)  # the viewer's first read of the store
        await page.screenshot(path=str(png))
        await page.close()
    finally:
        await asyncio.to_thread(stop_serve, process)


async def main(only: set[str], out: Path, tmp: Path) -> None:
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=chromium(), args=["--no-sandbox", "--disable-gpu"]
        )
        try:
            for scene in SCENES:
                if only and scene.name not in only:
                    continue
                svg = tmp / f"{scene.name}.svg"
                text = await scene_svg(scene)
                uri = await asyncio.to_thread(_write, svg, text)
                await svg_to_png(browser, uri, out / f"{scene.name}.png")
                print(f"wrote {out / scene.name}.png")
            if not only or "browser" in only:
                await browser_png(browser, out / "browser.png", tmp)
                print(f"wrote {out / 'browser.png'}")
        finally:
            await browser.close()


def _write(path: Path, text: str) -> str:
    path.write_text(text, encoding="utf-8")
    return path.resolve().as_uri()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    names = [s.name for s in SCENES] + ["browser"]
    parser.add_argument("--only", nargs="*", choices=names, default=[], help="these only")
    parser.add_argument("--out", type=Path, default=ROOT / "docs", help="where (default docs/)")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="licdash-shots-") as tmp:
        asyncio.run(main(set(args.only), args.out, Path(tmp)))
