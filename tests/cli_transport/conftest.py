"""Fixtures for the CLI transport: mock VOS shells on loopback and SSH targets."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from collectors.mock.vos import VosBehaviour, VosEndpoint, generate_host_key
from collectors.sshlib import asyncssh
from collectors.transports.cli import SshTarget

PASSWORD = "s3cret-vos-pw"
USERNAME = "ccmadmin"

MakeVos = Callable[..., Awaitable[VosEndpoint]]


@pytest.fixture(scope="session")
def sample_all(shared_dir: Path) -> str:
    """``show license all`` from a real 12.0 publisher, without the provenance header."""
    text = (shared_dir / "samples/cli/show-license-all-12.0-registered.txt").read_text()
    return "".join(line for line in text.splitlines(keepends=True) if not line.startswith("#"))


@pytest.fixture(scope="session")
def host_key() -> asyncssh.SSHKey:
    return generate_host_key()


@pytest.fixture
async def make_vos(sample_all: str, host_key: asyncssh.SSHKey) -> AsyncIterator[MakeVos]:
    """Start mock VOS shells answering ``show license all`` with the real sample."""
    started: list[VosEndpoint] = []

    def render(command: str) -> str | None:
        return sample_all if command == "show license all" else None

    async def make(**kwargs: Any) -> VosEndpoint:
        behaviour = VosBehaviour(
            **{k: kwargs.pop(k) for k in list(kwargs) if hasattr(VosBehaviour, k)}
        )
        kwargs.setdefault("host_key", host_key)
        kwargs.setdefault("render", render)
        kwargs.setdefault("username", USERNAME)
        kwargs.setdefault("password", PASSWORD)
        endpoint = VosEndpoint(behaviour=behaviour, **kwargs)
        await endpoint.start()
        started.append(endpoint)
        return endpoint

    yield make
    for endpoint in started:
        await endpoint.close()


@pytest.fixture
def known_hosts(tmp_path: Path) -> Path:
    return tmp_path / "ssh" / "known_hosts"


RecordKey = Callable[..., None]
MakeTarget = Callable[..., SshTarget]


def _record_key(path: Path, endpoint: VosEndpoint, key: asyncssh.SSHKey | None = None) -> None:
    public = (key or endpoint.host_key).export_public_key("openssh").decode().split()
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as fh:
        fh.write(f"[{endpoint.host}]:{endpoint.port} {public[0]} {public[1]}\n")


@pytest.fixture
def record_key() -> RecordKey:
    """``record_key(path, endpoint, key=None)``: a known_hosts line for the endpoint."""
    return _record_key


@pytest.fixture
def make_target(known_hosts: Path) -> MakeTarget:
    """``make_target(endpoint, **overrides)``: an SshTarget for a mock VOS shell."""

    def make(endpoint: VosEndpoint, **kwargs: Any) -> SshTarget:
        return _target_for(endpoint, known_hosts, **kwargs)

    return make


def _target_for(endpoint: VosEndpoint, known_hosts: Path, **kwargs: Any) -> SshTarget:
    values: dict[str, Any] = {
        "cluster": "lab-cucm12",
        "host": endpoint.host,
        "port": endpoint.port,
        "username": USERNAME,
        "password": PASSWORD,
        "known_hosts": known_hosts,
    }
    values.update(kwargs)
    return SshTarget(**values)
