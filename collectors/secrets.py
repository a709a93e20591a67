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
import contextlib
import os
import selectors
import shlex
import signal
import subprocess
import threading
import time
from pathlib import Path

from collectors import secret_scrub
from collectors.config import ClusterConfig
from collectors.errors import SecretError

COMMAND_TIMEOUT_S = 10.0
MAX_COMMAND_OUTPUT = 4096
"""More bytes than any password: a command printing more is not printing a password."""
KILL_WAIT_S = 2.0
"""How long to wait for a timed-out password command's output pipes after killing it."""


def resolve_password(cluster: ClusterConfig, *, command_timeout: float = COMMAND_TIMEOUT_S) -> str:
    """The cluster's password, read from its source now (may block on keyring/command).

    Whatever the source, the password is registered with :mod:`collectors.secret_scrub`
    (with the user names it is sent with), so that no echo of it survives anywhere.
    """
    value = _resolve(cluster, command_timeout)
    secret_scrub.register(cluster.name, value, cluster.username, cluster.ssh_username)
    return value


def _resolve(cluster: ClusterConfig, command_timeout: float) -> str:
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

        value = keyring.get_password(ref.service, ref.username)
    except ImportError:
        raise SecretError(
            "the keyring package is not installed", cluster=cluster.name, field="password_keyring"
        ) from None
    except Exception as exc:  # KeyringError, and the backends' own types (D-Bus, ...)
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
    field = "password_command"
    try:
        argv = shlex.split(raw) if isinstance(raw, str) else list(raw)
    except ValueError as exc:  # an unbalanced quote; the message quotes no text
        raise SecretError(
            f"password command is not a valid command line ({exc})",
            cluster=cluster.name,
            field=field,
        ) from None
    name = Path(argv[0]).name if argv else ""
    try:
        output = _run_bounded(argv, timeout)
    except subprocess.TimeoutExpired:
        raise SecretError(
            f"password command {name!r} did not finish within {timeout:g} s",
            cluster=cluster.name,
            field=field,
        ) from None
    except FileNotFoundError:
        raise SecretError(
            f"password command {name!r} was not found", cluster=cluster.name, field=field
        ) from None
    except (OSError, ValueError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) else "empty command"
        raise SecretError(
            f"password command {name!r} could not run ({reason})",
            cluster=cluster.name,
            field=field,
        ) from None
    returncode, stdout = output
    if len(stdout) > MAX_COMMAND_OUTPUT:
        raise SecretError(
            f"password command {name!r} printed more than {MAX_COMMAND_OUTPUT:,} bytes;"
            " that is not a password",
            cluster=cluster.name,
            field=field,
        )
    if returncode != 0:
        # stderr is not quoted: a password manager may echo things we must not log.
        raise SecretError(
            f"password command {name!r} exited with status {returncode}",
            cluster=cluster.name,
            field=field,
        )
    try:
        text = stdout.decode("utf-8")
    except UnicodeDecodeError:
        raise SecretError(
            f"the output of password command {name!r} is not UTF-8 text",
            cluster=cluster.name,
            field=field,
        ) from None
    return _non_empty(cluster, text.strip(), f"the output of password command {name!r}")


def _run_bounded(
    argv: list[str], timeout: float, limit: int = MAX_COMMAND_OUTPUT
) -> tuple[int, bytes]:
    """Run ``argv``; ``(status, stdout)``. Raises TimeoutExpired after ``timeout`` seconds.

    At most ``limit + 1`` bytes of stdout are read: a command that prints more is
    stopped there (its caller reports it), so ``yes`` cannot fill memory. The command
    gets its own process group, killed whole on timeout or overflow: a wrapper script
    that leaves a child holding stdout would otherwise keep this thread waiting.
    """
    if not argv:
        raise ValueError("empty command")
    deadline = time.monotonic() + timeout
    with subprocess.Popen(
        argv,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    ) as proc:
        assert proc.stdout is not None
        chunks: list[bytes] = []
        size = 0
        fd = proc.stdout.fileno()
        try:
            with selectors.DefaultSelector() as selector:
                selector.register(fd, selectors.EVENT_READ)
                while size <= limit:
                    left = deadline - time.monotonic()
                    if left <= 0:
                        raise subprocess.TimeoutExpired(argv, timeout)
                    if not selector.select(left):
                        continue
                    chunk = os.read(fd, 65536)
                    if not chunk:
                        break
                    chunks.append(chunk)
                    size += len(chunk)
            if size > limit:
                _kill_group(proc)
                return proc.wait(timeout=KILL_WAIT_S), b"".join(chunks)
            try:
                returncode = proc.wait(timeout=max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                raise subprocess.TimeoutExpired(argv, timeout) from None
        except subprocess.TimeoutExpired:
            _kill_group(proc)
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=KILL_WAIT_S)
            raise
        return returncode, b"".join(chunks)


def _kill_group(proc: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)
    with contextlib.suppress(ProcessLookupError):
        proc.kill()


def _source_words(cluster: ClusterConfig) -> str:
    """The password source as an error message names it (never the secret)."""
    if cluster.password_keyring is not None:
        ref = cluster.password_keyring
        return f"keyring entry {ref.service}/{ref.username}"
    raw = cluster.password_command
    if raw is not None:
        try:
            argv = shlex.split(raw) if isinstance(raw, str) else list(raw)
        except ValueError:
            argv = []
        return f"password command {Path(argv[0]).name if argv else ''!r}"
    return "the password source"


def _settle(future: asyncio.Future[str], value: str | None, error: Exception | None) -> None:
    if future.done():
        return
    if error is not None:
        future.set_exception(error)
    else:
        assert value is not None
        future.set_result(value)


def _in_daemon_thread(cluster: ClusterConfig, command_timeout: float) -> asyncio.Future[str]:
    """Resolve in a daemon thread; a future for the result, set on the calling loop.

    Not the loop's default executor: a keyring waiting forever for an unlock prompt
    would hold one of its few workers (delaying everyone's ``to_thread`` work, the
    store writer's included) and block ``asyncio.run`` from returning at exit.
    """
    loop = asyncio.get_running_loop()
    future: asyncio.Future[str] = loop.create_future()

    def work() -> None:
        value: str | None = None
        error: Exception | None = None
        try:
            value = resolve_password(cluster, command_timeout=command_timeout)
        except Exception as exc:
            error = exc
        with contextlib.suppress(RuntimeError):  # the loop closed in the meantime
            loop.call_soon_threadsafe(_settle, future, value, error)

    threading.Thread(target=work, name="licdash-secret", daemon=True).start()
    return future


class SecretResolver:
    """Resolves and caches passwords per cluster; blocking sources run in a thread.

    A keyring or command lookup that has not answered within ``lookup_timeout`` is a
    :class:`SecretError`; it keeps running, and the cluster's next poll waits for that
    same lookup instead of starting another. At most ``max_lookups`` run at once.
    """

    def __init__(
        self,
        *,
        command_timeout: float = COMMAND_TIMEOUT_S,
        lookup_timeout: float | None = None,
        max_lookups: int = 8,
    ) -> None:
        self._cache: dict[str, str] = {}
        self._locks: dict[str, asyncio.Lock] = {}
        self._pending: dict[str, asyncio.Future[str]] = {}
        self._slots = asyncio.Semaphore(max_lookups)
        self._command_timeout = command_timeout
        self._lookup_timeout = (
            lookup_timeout if lookup_timeout is not None else command_timeout + KILL_WAIT_S + 1.0
        )

    async def get(self, cluster: ClusterConfig) -> str:
        cached = self._cache.get(cluster.name)
        if cached is not None:
            return cached
        if cluster.password_keyring is None and cluster.password_command is None:
            # A plain or environment password: read at once, nothing to wait for.
            value = self._cache[cluster.name] = resolve_password(cluster)
            return value
        lock = self._locks.setdefault(cluster.name, asyncio.Lock())
        async with lock:
            cached = self._cache.get(cluster.name)
            if cached is not None:
                return cached
            if cluster.password_keyring is not None or cluster.password_command is not None:
                value = await self._look_up(cluster)
            else:
                value = resolve_password(cluster)
            self._cache[cluster.name] = value
            return value

    async def _look_up(self, cluster: ClusterConfig) -> str:
        name = cluster.name
        try:
            async with asyncio.timeout(self._lookup_timeout):
                pending = self._pending.get(name)
                if pending is None:
                    await self._slots.acquire()
                    try:
                        pending = _in_daemon_thread(cluster, self._command_timeout)
                    except BaseException:  # no thread (resource limits): give the slot back
                        self._slots.release()
                        raise
                    pending.add_done_callback(lambda _: self._slots.release())
                    pending.add_done_callback(lambda done: self._settled(name, done))
                    self._pending[name] = pending
                return await asyncio.shield(pending)
        except TimeoutError:
            raise SecretError(
                f"{_source_words(cluster)} did not answer within {self._lookup_timeout:g} s",
                cluster=name,
                field=cluster.password_source,
            ) from None

    def _settled(self, name: str, done: asyncio.Future[str]) -> None:
        """A lookup finished: keep its password unless it was forgotten meanwhile."""
        failed = done.cancelled() or done.exception() is not None  # marks it retrieved
        if self._pending.get(name) is not done:
            return
        del self._pending[name]
        if not failed:
            self._cache[name] = done.result()

    def forget(self, cluster: str | None = None) -> None:
        """Drop a cached password (all when ``cluster`` is None) so it is read again."""
        if cluster is None:
            self._cache.clear()
            self._pending.clear()
        else:
            self._cache.pop(cluster, None)
            self._pending.pop(cluster, None)

    def __repr__(self) -> str:
        return f"SecretResolver(<{len(self._cache)} cached>)"
