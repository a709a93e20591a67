"""The browser view in a real headless Chromium (Debian's, driven by playwright): the
page loads, shows the fleet with its severities in colour, and a key drills down.

Chromium renders the terminal on a canvas, so the test reads two things: the terminal
output the page received over its WebSocket (the words on screen), and the page's
screenshot (the severity colours on screen, counted pixel by pixel in the browser).
"""

from __future__ import annotations

import base64
import re
from collections.abc import AsyncIterator
from typing import Any

import pytest

from tests.serve.conftest import Served, start_serve, stop_serve
from themes import THEMES

ANSI = re.compile(r"\x1b\[[0-9;?<>=]*[ -/]*[@-~]|\x1b[()][A-Z0-9]|\x1b[=>]")
PIXELS = """async ([shot, colours]) => {
    const img = new Image();
    img.src = "data:image/png;base64," + shot;
    await img.decode();
    const canvas = document.createElement("canvas");
    canvas.width = img.width;
    canvas.height = img.height;
    const context = canvas.getContext("2d");
    context.drawImage(img, 0, 0);
    const data = context.getImageData(0, 0, img.width, img.height).data;
    const counts = colours.map(() => 0);
    for (let i = 0; i < data.length; i += 4) {
        colours.forEach(([r, g, b], k) => {
            const off = Math.abs(data[i] - r) + Math.abs(data[i + 1] - g);
            if (off + Math.abs(data[i + 2] - b) < 30) {
                counts[k] += 1;
            }
        });
    }
    return counts;
}"""


class Terminal:
    """What the page received from its session, as text."""

    def __init__(self) -> None:
        self.frames: list[str] = []

    def received(self, payload: str | bytes) -> None:
        self.frames.append(
            payload.decode("utf-8", "replace") if isinstance(payload, bytes) else payload
        )

    def text(self, since: int = 0) -> str:
        return ANSI.sub("", "".join(self.frames[since:]))


@pytest.fixture
async def browser(chromium: str) -> AsyncIterator[Any]:
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(
            executable_path=chromium, args=["--no-sandbox", "--disable-gpu"]
        )
        try:
            yield launched
        finally:
            await launched.close()


async def open_page(browser: Any, url: str) -> tuple[Any, Terminal]:
    page = await browser.new_page(viewport={"width": 1400, "height": 800})
    terminal = Terminal()
    page.on("websocket", lambda ws: ws.on("framereceived", terminal.received))
    await page.goto(url)
    await page.wait_for_selector("body.-first-byte", timeout=60_000)
    return page, terminal


async def wait_for_text(page: Any, terminal: Terminal, words: list[str], since: int = 0) -> str:
    for _ in range(300):
        text = terminal.text(since)
        if all(w in text for w in words):
            return text
        await page.wait_for_timeout(100)
    raise AssertionError(f"never shown: {[w for w in words if w not in terminal.text(since)]}")


def rgb(hex_colour: str) -> list[int]:
    return [int(hex_colour[i : i + 2], 16) for i in (1, 3, 5)]


async def severity_pixels(browser: Any, page: Any) -> list[int]:
    shot = base64.b64encode(await page.screenshot()).decode("ascii")
    sev = THEMES["dark"].variables
    colours = [rgb(sev["sev-critical"]), rgb(sev["sev-warning"]), rgb(sev["sev-ok"])]
    blank = await browser.new_page()
    try:
        return list(await blank.evaluate(PIXELS, [shot, colours]))
    finally:
        await blank.close()


async def test_the_page_shows_the_fleet_and_enter_drills_down(served: Served, browser: Any) -> None:
    page, terminal = await open_page(browser, served.url)
    await wait_for_text(page, terminal, ["apac-syd-cucm1", "✖ critical", "▲ warning", "✔ ok"])
    critical, warning, ok = await severity_pixels(browser, page)
    assert critical > 50 and warning > 50 and ok > 50, (critical, warning, ok)
    # the worst cluster is first: enter opens it, its screen names it and its tabs
    await page.click("#terminal")
    mark = len(terminal.frames)
    await page.keyboard.press("Enter")
    shown = await wait_for_text(page, terminal, ["apac-syd-cucm1", "Entitlements (l)"], mark)
    assert "What to do" in shown
    await page.keyboard.press("0")  # and the overview, a key away
    await wait_for_text(page, terminal, ["clusters by region"], len(terminal.frames) - 1)


async def test_the_wall_in_a_browser(fleet_store: Any, browser: Any) -> None:
    served = start_serve("--store", str(fleet_store), "--wall")
    try:
        page, terminal = await open_page(browser, served.url)
        await wait_for_text(page, terminal, ["licdash wall", "CRITICAL", "UNREACHABLE"])
        await wait_for_text(page, terminal, ["11 clusters", "newest data", "amer-dal-cucm1"])
    finally:
        stop_serve(served.process)
