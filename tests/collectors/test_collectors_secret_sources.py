"""Password sources, and no password in any result, message, log line or store record."""

from __future__ import annotations

import asyncio
import base64
import logging
import sys
import threading
from pathlib import Path
from typing import Any

import keyring
import pytest
from keyring.backend import KeyringBackend

from collectors.config import ClusterConfig, parse_config
from collectors.engine import PollEngine
from collectors.errors import SecretError
from collectors.mock import FAULT_SCENARIOS
from collectors.mock.testing import small_fleet
from collectors.secrets import SecretResolver, resolve_password
from collectors.store import SnapshotStore

SECRET = "Zq8-distinctive-Pw!x"


def _cluster(**source: Any) -> ClusterConfig:
    return ClusterConfig.model_validate(
        {"name": "c1", "publisher": "pub.example.net", "username": "axl", **source}
    )


class MemoryKeyring(KeyringBackend):
    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.items: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.items.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.items[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self.items.pop((service, username), None)


@pytest.fixture
def memory_keyring() -> Any:
    previous = keyring.get_keyring()
    ring = MemoryKeyring()
    keyring.set_keyring(ring)
    yield ring
    keyring.set_keyring(previous)


def test_environment_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LICDASH_T_PW", SECRET)
    assert resolve_password(_cluster(password_env="LICDASH_T_PW")) == SECRET
    monkeypatch.delenv("LICDASH_T_PW")
    with pytest.raises(SecretError, match="LICDASH_T_PW is not set") as info:
        resolve_password(_cluster(password_env="LICDASH_T_PW"))
    assert info.value.cluster == "c1" and info.value.field == "password_env"


def test_keyring(memory_keyring: MemoryKeyring) -> None:
    memory_keyring.set_password("licdash", "emea", SECRET)
    assert resolve_password(_cluster(password_keyring="licdash/emea")) == SECRET
    with pytest.raises(SecretError, match="keyring entry licdash/apac does not exist"):
        resolve_password(_cluster(password_keyring={"service": "licdash", "username": "apac"}))


def test_command_output_is_stripped_and_failures_are_named() -> None:
    ok = [sys.executable, "-c", f"print('  {SECRET}  ')"]
    assert resolve_password(_cluster(password_command=ok)) == SECRET
    # A failing command's stderr is not repeated: it may hold anything.
    bad = [sys.executable, "-c", f"import sys; sys.stderr.write('{SECRET}'); sys.exit(3)"]
    with pytest.raises(SecretError) as info:
        resolve_password(_cluster(password_command=bad))
    assert "exited with status 3" in str(info.value) and SECRET not in str(info.value)
    slow = [sys.executable, "-c", "import time; time.sleep(5)"]
    with pytest.raises(SecretError, match=r"did not finish within 0\.2 s"):
        resolve_password(_cluster(password_command=slow), command_timeout=0.2)
    with pytest.raises(SecretError, match="was not found"):
        resolve_password(_cluster(password_command="/nonexistent/licdash-pw"))
    empty = [sys.executable, "-c", "print()"]
    with pytest.raises(SecretError, match="is empty"):
        resolve_password(_cluster(password_command=empty))


def test_a_timed_out_command_is_killed_with_the_children_holding_its_output() -> None:
    """A wrapper whose child keeps stdout open must not stretch the timeout (here: 300 s)."""
    wrapper = ["sh", "-c", "sleep 300 & sleep 300"]
    with pytest.raises(SecretError, match=r"did not finish within 0\.3 s") as info:
        resolve_password(_cluster(password_command=wrapper), command_timeout=0.3)
    assert info.value.field == "password_command"


def test_command_output_that_is_not_utf8_is_a_secret_error() -> None:
    binary = [sys.executable, "-c", "import sys; sys.stdout.buffer.write(b'pw\\xff\\xfe')"]
    with pytest.raises(SecretError, match="is not UTF-8 text") as info:
        resolve_password(_cluster(password_command=binary))
    assert info.value.cluster == "c1" and info.value.field == "password_command"


class BrokenKeyring(MemoryKeyring):
    """A backend failing with its own exception type, as D-Bus backends do."""

    def get_password(self, service: str, username: str) -> str | None:
        raise RuntimeError(f"D-Bus said no while reading {SECRET}")


def test_a_keyring_backend_failure_is_a_secret_error() -> None:
    previous = keyring.get_keyring()
    keyring.set_keyring(BrokenKeyring())
    try:
        with pytest.raises(SecretError, match="the OS keyring failed") as info:
            resolve_password(_cluster(password_keyring="licdash/emea"))
    finally:
        keyring.set_keyring(previous)
    assert info.value.field == "password_keyring"
    assert SECRET not in str(info.value)


async def test_resolver_caches_until_forgotten(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LICDASH_T_PW", "first")
    resolver = SecretResolver()
    cluster = _cluster(password_env="LICDASH_T_PW")
    assert await resolver.get(cluster) == "first"
    monkeypatch.setenv("LICDASH_T_PW", "second")
    assert await resolver.get(cluster) == "first"
    resolver.forget("c1")
    assert await resolver.get(cluster) == "second"
    assert "first" not in repr(resolver) and "second" not in repr(resolver)
    cmd = _cluster(password_command=[sys.executable, "-c", "print('from-a-thread')"])
    assert await resolver.get(cmd.model_copy(update={"name": "c2"})) == "from-a-thread"


async def test_secrets_never_leak(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    fleet_toml_text: Any,
) -> None:
    """Every fault plus a wrong password, with DEBUG logging everywhere: grep it all."""
    caplog.set_level(logging.DEBUG)
    scenarios = ["healthy", "healthy", *(f for f in FAULT_SCENARIOS if f != "hang")]
    async with small_fleet(scenarios, slow_ms=100) as fleet:
        text = fleet_toml_text(fleet, settings={"timeout": 2})
        secrets = [SECRET]
        for i, p in enumerate(fleet.publishers):
            monkeypatch.setenv(f"LICDASH_TEST_PW_{i}", p.password)
            secrets.append(p.password)
            secrets.append(base64.b64encode(f"{p.username}:{p.password}".encode()).decode())
        monkeypatch.setenv("LICDASH_TEST_PW_1", SECRET)  # wrong for that publisher: a 401
        config = parse_config(text, source=tmp_path / "c.toml")
        store = SnapshotStore.open(tmp_path / "store")
        async with PollEngine(config) as engine:
            updates = await engine.poll_once()
            statuses = engine.statuses()
        store.write_batch(updates)
        store.close()
    assert updates[1].result.error is not None and updates[1].result.error.kind == "auth"
    texts = [caplog.text, repr(config), str(config.model_dump()), config.model_dump_json()]
    for u in updates:
        texts += [u.model_dump_json(), repr(u)]
        if u.result.error:
            texts += [u.result.error.message, str(u.result.error.hint)]
    texts += [s.model_dump_json() for s in statuses.values()]
    texts += [f.read_text(errors="replace") for f in (tmp_path / "store").rglob("*") if f.is_file()]
    blob = "\n".join(texts)
    for secret in secrets:
        assert secret not in blob


class StuckKeyring(MemoryKeyring):
    """A keyring waiting for an unlock prompt nobody answers (until ``unlock`` is set)."""

    def __init__(self) -> None:
        super().__init__()
        self.unlock = threading.Event()
        self.calls = 0

    def get_password(self, service: str, username: str) -> str | None:
        self.calls += 1
        self.unlock.wait(30)
        return SECRET


async def test_a_keyring_that_never_answers_is_a_bounded_secret_error() -> None:
    previous = keyring.get_keyring()
    stuck = StuckKeyring()
    keyring.set_keyring(stuck)
    resolver = SecretResolver(lookup_timeout=0.2)
    cluster = _cluster(password_keyring="licdash/emea")
    try:
        async with asyncio.timeout(10):  # the old resolver waited for the keyring forever
            for _ in range(2):
                with pytest.raises(SecretError, match=r"did not answer within 0\.2 s") as info:
                    await resolver.get(cluster)
                assert info.value.cluster == "c1"
                assert info.value.field == "password_keyring"
                assert "licdash/emea" in info.value.message
            assert stuck.calls == 1  # the second poll waited for the same lookup
            stuck.unlock.set()
            assert await resolver.get(cluster) == SECRET
    finally:
        stuck.unlock.set()
        keyring.set_keyring(previous)
    assert stuck.calls == 1
