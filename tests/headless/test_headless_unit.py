"""docs/licdash-collect.service: a unit systemd accepts, hardened, whose command line parses."""

from __future__ import annotations

import argparse
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest

from collectors.commands import collect_cmd

UNIT = Path(__file__).resolve().parents[2] / "docs" / "licdash-collect.service"


def unit_entries() -> dict[str, dict[str, list[str]]]:
    """``{section: {key: [values...]}}``; continuation lines joined, comments dropped."""
    sections: dict[str, dict[str, list[str]]] = {}
    current: dict[str, list[str]] = {}
    pending = ""
    for raw in UNIT.read_text(encoding="utf-8").splitlines():
        line = pending + raw.strip()
        pending = ""
        if line.endswith("\\"):
            pending = line[:-1] + " "
            continue
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("["):
            current = sections.setdefault(line.strip("[]"), {})
            continue
        key, _, value = line.partition("=")
        current.setdefault(key.strip(), []).append(value.strip())
    return sections


def test_unit_runs_the_collector_as_a_hardened_simple_service() -> None:
    service = unit_entries()["Service"]
    assert service["Type"] == ["simple"]
    assert service["ExecReload"] == ["/bin/kill -HUP $MAINPID"]
    assert service["User"] == ["licdash"]
    assert service["NoNewPrivileges"] == ["yes"]
    assert service["ProtectSystem"] == ["strict"]
    assert service["ProtectHome"] == ["yes"]
    argv = shlex.split(service["ExecStart"][0])
    assert argv[1] == "collect"
    parser = argparse.ArgumentParser()
    collect_cmd.add_arguments(parser)
    args = parser.parse_args(argv[2:])
    assert args.metrics_port == 9464
    assert args.log_format == "json"
    # The store is the only place the service may write.
    assert service["ReadWritePaths"] == [args.store]


def test_systemd_analyze_accepts_the_unit_when_available(tmp_path: Path) -> None:
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        return  # the parse above still checks the unit's content
    # verify checks that ExecStart's binary exists: point it at one that does.
    unit = tmp_path / UNIT.name
    unit.write_text(
        UNIT.read_text(encoding="utf-8").replace("/opt/licdash/bin/licdash", "/bin/true"),
        encoding="utf-8",
    )
    out = subprocess.run(
        [analyze, "verify", "--man=no", str(unit)], capture_output=True, text=True, timeout=60
    )
    assert out.returncode == 0, out.stdout + out.stderr
    assert "Unknown key" not in out.stderr and "Unknown section" not in out.stderr


def test_a_crash_exits_with_a_status_the_unit_restarts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """Restart=on-failure must cover a bug: Python's own exit status for an uncaught
    exception is 1, which RestartPreventExitStatus reserves for "needs a person"."""
    config = tmp_path / "licdash.toml"
    config.write_text(
        '[[clusters]]\nname = "lon"\npublisher = "127.0.0.1:9"\nusername = "u"\n'
        'password_env = "LICDASH_TEST_UNSET"\n',
        encoding="utf-8",
    )

    async def crash(*args: object, **kwargs: object) -> int:
        raise RuntimeError("a bug in the collector")

    monkeypatch.setattr(collect_cmd, "_main", crash)
    parser = argparse.ArgumentParser()
    collect_cmd.add_arguments(parser)
    args = parser.parse_args(["--config", str(config), "--store", str(tmp_path / "store")])
    code = collect_cmd.run(args)
    prevented = unit_entries()["Service"]["RestartPreventExitStatus"][0].split()
    assert code == collect_cmd.EXIT_CRASH and str(code) not in prevented
    assert "a bug in the collector" in caplog.text
