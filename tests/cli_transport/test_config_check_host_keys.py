"""`licdash config check --accept-new-host-keys`: the operator's one explicit trust step."""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path

import pytest

from collectors.commands import config_cmd

PASSWORD_ENV = "LICDASH_TEST_CHECK_VOS_PW"


def _config(tmp_path: Path, port: int) -> Path:
    path = tmp_path / "licdash.toml"
    path.write_text(
        f"""
[settings]
timeout = 10

[[clusters]]
name = "old-cucm12"
publisher = "127.0.0.1:8443"
transport = "cli"
username = "ccmadmin"
password_env = "{PASSWORD_ENV}"
ssh_port = {port}
known_hosts = "known_hosts"
"""
    )
    return path


def _check(config: Path, *, accept: bool) -> int:
    parser = argparse.ArgumentParser()
    config_cmd.add_arguments(parser)
    argv = ["check", "--config", str(config)] + (["--accept-new-host-keys"] if accept else [])
    return config_cmd.run(parser.parse_args(argv))


async def test_check_records_a_new_host_key_only_when_asked(
    make_vos, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv(PASSWORD_ENV, "check-vos-pw")
    vos = await make_vos(password="check-vos-pw")
    config = _config(tmp_path, vos.port)
    known_hosts = tmp_path / "known_hosts"

    assert await asyncio.to_thread(_check, config, accept=False) == config_cmd.EXIT_CONNECT
    assert "host_key" in capsys.readouterr().out
    assert not known_hosts.exists()

    assert await asyncio.to_thread(_check, config, accept=True) == config_cmd.EXIT_OK
    assert f"[127.0.0.1]:{vos.port} " in known_hosts.read_text()

    # From now on the strict check passes against the recorded key.
    assert await asyncio.to_thread(_check, config, accept=False) == config_cmd.EXIT_OK
    assert "check-vos-pw" not in capsys.readouterr().out
