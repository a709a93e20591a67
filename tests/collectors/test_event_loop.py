"""The headless commands' event loop: uvloop unless told otherwise."""

from __future__ import annotations

import asyncio
import sys

import pytest
import uvloop

from collectors import event_loop


async def _loop_type() -> type[asyncio.AbstractEventLoop]:
    return type(asyncio.get_running_loop())


def test_uvloop_is_the_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(event_loop.ENV, raising=False)
    assert event_loop.loop_factory()[0] == "uvloop"
    assert issubclass(event_loop.run(_loop_type()), uvloop.Loop)


@pytest.mark.parametrize("value", ["asyncio", " AsyncIO "])
def test_the_environment_picks_asyncio(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv(event_loop.ENV, value)
    assert event_loop.loop_factory() == ("asyncio", None)
    loop_type = event_loop.run(_loop_type())
    assert not issubclass(loop_type, uvloop.Loop)
    assert issubclass(loop_type, asyncio.BaseEventLoop)


def test_without_uvloop_asyncio_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(event_loop.ENV, raising=False)
    monkeypatch.setitem(sys.modules, "uvloop", None)  # import fails
    assert event_loop.loop_factory() == ("asyncio", None)
    assert not issubclass(event_loop.run(_loop_type()), uvloop.Loop)


def test_run_returns_the_result_and_raises_the_error() -> None:
    async def ok() -> int:
        await asyncio.sleep(0)
        return 7

    async def fails() -> None:
        raise LookupError("x")

    assert event_loop.run(ok()) == 7
    with pytest.raises(LookupError):
        event_loop.run(fails())
