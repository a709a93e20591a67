"""Structured log fields (cluster, kind, duration_ms, transport) and the unit's journal
output: one JSON object per line per event, whatever the event's text holds."""

from __future__ import annotations

import asyncio
import io
import json
import logging
import os
import shlex
import socket
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from collectors.log_fields import poll_fields
from collectors.logs import setup_logging
from collectors.mock.testing import small_fleet
from collectors.results import ErrorInfo, PollResult
from tests.headless.test_headless_unit import unit_entries

LICDASH = Path(sys.executable).with_name("licdash")


@pytest.fixture
def restore_root() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    for h in list(root.handlers):
        if h not in handlers:
            root.removeHandler(h)
    root.setLevel(level)


def _result(**kw: object) -> PollResult:
    base: dict[str, object] = {
        "cluster": "emea-lon",
        "started_at": "2026-11-28T12:00:00Z",
        "duration_s": 0.4126,
        "transport": "axl",
    }
    return PollResult.model_validate(base | kw)


def test_poll_fields_name_what_a_filter_needs() -> None:
    failed = _result(error=ErrorInfo(kind="auth", message="401"), axl_version="14.0")
    assert poll_fields(failed, 2) == {
        "cluster": "emea-lon", "duration_ms": 413, "kind": "auth",
        "transport": "axl", "axl_version": "14.0", "failures": 2,
    }  # fmt: skip
    assert "kind" not in poll_fields(_result(transport=None))
    assert "transport" not in poll_fields(_result(transport=None))


def test_a_json_event_is_one_line_whatever_it_holds(restore_root) -> None:
    out = io.StringIO()
    setup_logging("json", stream=out)
    log = logging.getLogger("collectors.test")
    log.warning("two\nlines\r\nand a tab\t", extra={"cluster": "a\nb"})
    try:
        raise RuntimeError("boom\nwith a second line")
    except RuntimeError:
        log.exception("crashed", extra={"cluster": "x"})
    lines = out.getvalue().splitlines()
    assert len(lines) == 2
    first, second = (json.loads(line) for line in lines)
    assert first["message"] == "two\nlines\r\nand a tab\t" and first["cluster"] == "a\nb"
    assert "Traceback" in second["exception"] and second["cluster"] == "x"


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_the_units_command_line_logs_one_json_event_per_line(tmp_path: Path) -> None:
    """The collector as docs/licdash-collect.service starts it (plus --once), against
    loopback publishers that fail in three ways: a SOAP fault, a closed port, and a
    password variable that is not set."""
    argv = shlex.split(unit_entries()["Service"]["ExecStart"][0])
    config, store = tmp_path / "config.toml", tmp_path / "store"
    port = _closed_port()
    async with small_fleet(["soap_fault", "healthy"]) as fleet:
        config.write_text(
            fleet.config_toml()
            + f'\n[[clusters]]\nname = "closed"\npublisher = "127.0.0.1:{port}"\n'
            'username = "u"\npassword = "p4ss-word"\naxl_version = "14.0"\n'
            '\n[[clusters]]\nname = "nopw"\npublisher = "127.0.0.1:9"\n'
            'username = "u"\npassword_env = "LICDASH_TEST_UNSET_PW"\n'
        )
        swap = {"/etc/licdash/config.toml": str(config), "/var/lib/licdash/store": str(store)}
        args = [swap.get(a, a) for a in argv[1:]]
        args[args.index("--metrics-port") + 1] = "0"
        env = {k: v for k, v in os.environ.items() if k != "LICDASH_TEST_UNSET_PW"}
        child = await asyncio.create_subprocess_exec(
            str(LICDASH), *args, "--once",
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, env=env,
        )  # fmt: skip
        _, err = await asyncio.wait_for(child.communicate(), timeout=120)
    lines = err.decode().splitlines()
    events = [json.loads(line) for line in lines]  # every line is a whole JSON object
    assert child.returncode in (0, 3)  # 3 once `collect --once` reports failed polls
    failures = {e["cluster"]: e for e in events if "poll failed" in e["message"]}
    assert set(failures) >= {"closed", "nopw"} and len(failures) == 3
    for event in failures.values():
        assert {"cluster", "kind", "duration_ms", "transport", "failures"} <= set(event)
        assert isinstance(event["duration_ms"], int) and event["duration_ms"] >= 0
        assert event["level"] == "warning" and event["ts"].endswith("Z")
    assert failures["closed"]["kind"] == "refused" and failures["nopw"]["kind"] == "secret"
    soap = next(e for n, e in failures.items() if n not in ("closed", "nopw"))
    assert soap["kind"] == "soap_fault" and soap["transport"] == "axl"
    assert "p4ss-word" not in err.decode()
