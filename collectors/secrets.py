"""Resolving a cluster's password from where its config says it lives.

Sources: an environment variable, an OS keyring entry, a command whose stdout is the
password, or the plain ``password`` field. Keyring look-ups and commands block, so
:meth:`SecretResolver.get` runs them in a worker thread. Resolved passwords are cached
per cluster until :meth:`SecretResolver.forget` (after an auth failure or a reload).

No function here logs or puts a password into an exception message: errors name the
cluster and the *source* (variable name, keyring service, command name) only.
"""

from __future__ import annotations

import asyncio
import os
import shlex
import subprocess
from pathlib import Path

from collectors.config import ClusterConfig
from collectors.errors import SecretError

COMMAND_TIMEOUT_S = 10.0


def resolve_password(cluster: ClusterConfig, *, command_timeout: float = COMMAND_TIMEOUT_S) -> str:
    """The cluster's password, read from its source now (may block on keyring/command)."""
    if cluster.password is not None:
        return _non_empty(cluster, cluster.password.get_secret_value(), "the password field")
    if cluster.password_env is not None:
        value = os.environ.get(cluster.password_env)
        if value is None:
            raise SecretError(
                f"environment variable {cluster.password_env} is not set",
                cluster=cluster.name,
                field="password_env",
            )
        return _non_empty(cluster, value, f"environment variable {cluster.password_env}")
    if cluster.password_keyring is not None:
        return _from_keyring(cluster)
    if cluster.password_command is not None:
        return _from_command(cluster, command_timeout)
    raise SecretError("no password source is configured", cluster=cluster.name, field="password")


def _non_empty(cluster: ClusterConfig, value: str, what: str) -> str:
    if not value:
        raise SecretError(f"{what} is empty", cluster=cluster.name, field=cluster.password_source)
    return value


def _from_keyring(cluster: ClusterConfig) -> str:
    ref = cluster.password_keyring
    assert ref is not None
    where = f"keyring entry {ref.service}/{ref.username}"
    try:
        import keyring
        from keyring.errors import KeyringError

        value = keyring.get_password(ref.service, ref.username)
    except ImportError:
        raise SecretError(
            "the keyring package is not installed", cluster=cluster.name, field="password_keyring"
        ) from None
    except KeyringError as exc:
        raise SecretError(
            f"{where}: the OS keyring failed ({type(exc).__name__})",
            cluster=cluster.name,
            field="password_keyring",
        ) from None
    if value is None:
        raise SecretError(f"{where} does not exist", cluster=cluster.name, field="password_keyring")
    return _non_empty(cluster, value, where)


def _from_command(cluster: ClusterConfig, timeout: float) -> str:
    raw = cluster.password_command
    assert raw is not None
    argv = shlex.split(raw) if isinstance(raw, str) else list(raw)
    name = Path(argv[0]).name
    field = "password_command"
    try:
        done = subprocess.run(
            argv,
            capture_output=True,
            text=True,
            timeout=timeout,
            stdin=subprocess.DEVNULL,
            check=False,
        )
    except FileNotFoundError:
        raise SecretError(
            f"password command {name!r} was not found", cluster=cluster.name, field=field
        ) from None
    except subprocess.TimeoutExpired:
        raise SecretError(
            f"password command {name!r} did not finish within {timeout:g} s",
            cluster=cluster.name,
            field=field,
        ) from None
    except OSError as exc:
        raise SecretError(
            f"password command {name!r} could not run ({exc.strerror})",
            cluster=cluster.name,
            field=field,
        ) from None
    if done.returncode != 0:
        # stderr is not quoted: a password manager may echo things we must not log.
        raise SecretError(
            f"password command {name!r} exited with status {done.returncode}",
            cluster=cluster.name,
            field=field,
        )
    return _non_empty(cluster, done.stdout.strip(), f"the output of password command {name!r}")


class SecretResolver:
    """Resolves and caches passwords per cluster; blocking sources run in a thread."""

    def __init__(self, *, command_timeout: float = COMMAND_TIMEOUT_S) -> None:
        self._cache: dict[str, str] = {}
        self._locks: dict[str, asyncio.Lock] = {}
        self._command_timeout = command_timeout

    async def get(self, cluster: ClusterConfig) -> str:
        cached = self._cache.get(cluster.name)
        if cached is not None:
            return cached
        lock = self._locks.setdefault(cluster.name, asyncio.Lock())
        async with lock:
            cached = self._cache.get(cluster.name)
            if cached is not None:
                return cached
            if cluster.password_keyring is not None or cluster.password_command is not None:
                value = await asyncio.to_thread(
                    resolve_password, cluster, command_timeout=self._command_timeout
                )
            else:
                value = resolve_password(cluster)
            self._cache[cluster.name] = value
            return value

    def forget(self, cluster: str | None = None) -> None:
        """Drop a cached password (all when ``cluster`` is None) so it is read again."""
        if cluster is None:
            self._cache.clear()
        else:
            self._cache.pop(cluster, None)

    def __repr__(self) -> str:
        return f"SecretResolver(<{len(self._cache)} cached>)"
