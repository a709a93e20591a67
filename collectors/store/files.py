"""Crash-safe files: atomic replace, a TinyDB storage on top of it, and the writer lock.

Every write goes to a temporary file in the target's directory, is fsynced, replaces
the target with ``os.replace`` and is made durable by fsyncing the directory. A SIGKILL
at any moment therefore leaves either the old or the new file, never a torn one; the
temporary files such a kill leaves behind are removed when a writer opens the store.
"""

from __future__ import annotations

import contextlib
import fcntl
import gzip
import os
import secrets
import zlib
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pydantic_core
from tinydb import Storage

from collectors.errors import StoreCorruptError, StoreError, StoreLockedError

TMP_PREFIX = ".tmp-"
FILE_MODE = 0o600
DIR_MODE = 0o700
GZIP_LEVEL = 6


def encode_json(data: Any, *, gz: bool) -> bytes:
    """Compact UTF-8 JSON (what ``json.dumps(data, separators=(",", ":"),
    ensure_ascii=False)`` gives, up to float spelling such as ``1e-7``, about three times
    faster), gzip'd for ``.gz`` files."""
    blob = pydantic_core.to_json(data)
    return gzip.compress(blob, GZIP_LEVEL, mtime=0) if gz else blob


def decode_json(blob: bytes, *, gz: bool) -> Any:
    """The inverse of :func:`encode_json` (``pydantic_core``'s parser: the same values as
    ``json.loads``, in half the time; malformed input raises ``ValueError``)."""
    if gz:
        blob = gzip.decompress(blob)
    return pydantic_core.from_json(blob)


def ensure_dir(path: Path) -> None:
    """Create ``path`` (and parents) with mode 0700 where missing."""
    missing = []
    while not path.is_dir():
        missing.append(path)
        path = path.parent
    for folder in reversed(missing):
        folder.mkdir(mode=DIR_MODE, exist_ok=True)


def fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


PARALLEL_SYNCS = 16
"""Temp files a batch writes and fsyncs at once: the file system commits its journal
for several fsyncs together (ext4: about 0.75 -> 0.22 ms a file, bench/bench_collect.py's
store write of a new store)."""


def _write_temp(path: Path, data: bytes, prefix: str) -> Path:
    """``data`` in a new temp file beside ``path``, fsynced; its path."""
    tmp = path.with_name(f"{prefix}{path.name}.{secrets.token_hex(4)}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
        os.fsync(fd)
    except BaseException:
        os.close(fd)
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    os.close(fd)
    return tmp


def atomic_write_batch(items: list[tuple[Path, bytes]], *, prefix: str = TMP_PREFIX) -> None:
    """Replace each path with its data, as :func:`atomic_write_bytes` with
    ``sync_dir=False`` one after another would, in the same order of renames; the temp
    files are written and fsynced :data:`PARALLEL_SYNCS` at a time first. The caller
    fsyncs the directories."""
    if len(items) < 4:
        for path, data in items:
            atomic_write_bytes(path, data, sync_dir=False, prefix=prefix)
        return
    from concurrent.futures import ThreadPoolExecutor

    temps: list[Path | None] = [None] * len(items)

    def write(i: int) -> None:
        temps[i] = _write_temp(items[i][0], items[i][1], prefix)

    try:
        with ThreadPoolExecutor(min(PARALLEL_SYNCS, len(items))) as pool:
            for future in [pool.submit(write, i) for i in range(len(items))]:
                future.result()
        for i, (path, _) in enumerate(items):
            tmp = temps[i]
            assert tmp is not None
            os.replace(tmp, path)
            temps[i] = None
    finally:
        for tmp in temps:  # a failure: no orphan temp file
            if tmp is not None:
                with contextlib.suppress(OSError):
                    tmp.unlink()


def atomic_write_bytes(
    path: Path, data: bytes, *, sync_dir: bool = True, prefix: str = TMP_PREFIX
) -> None:
    """Replace ``path`` with ``data`` atomically (temp file, fsync, ``os.replace``).

    With ``sync_dir=False`` the caller must fsync the directory before relying on
    the new name (batch writers fsync each directory once). ``prefix`` names the temp
    file: files that other processes write beside the store's (acknowledgements) use
    their own, so a writer opening the store never sweeps away one in flight.
    """
    tmp = _write_temp(path, data, prefix)
    try:
        os.replace(tmp, path)
    except BaseException:  # a read-only target, a vanished directory: no orphan
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    if sync_dir:
        fsync_dir(path.parent)


def write_at(path: Path, data: bytes, at: int) -> None:
    """Write ``data`` at byte ``at`` of the existing file ``path``, cut off anything
    after it, and fsync: an append that replaces a torn tail (a journal line)."""
    fd = os.open(path, os.O_WRONLY)
    try:
        if os.fstat(fd).st_size != at:
            os.ftruncate(fd, at)
        view = memoryview(data)
        pos = at
        while view:
            n = os.pwrite(fd, view, pos)
            view, pos = view[n:], pos + n
        os.fdatasync(fd)
    finally:
        os.close(fd)


def remove_temp_files(root: Path) -> list[Path]:
    """Delete leftovers of interrupted atomic writes anywhere under ``root``."""
    removed = []
    for dirpath, _dirs, files in os.walk(root):
        for name in files:
            if name.startswith(TMP_PREFIX):
                target = Path(dirpath, name)
                with contextlib.suppress(FileNotFoundError):
                    target.unlink()
                    removed.append(target)
    return removed


def read_json_file(path: Path) -> Any | None:
    """Parse a store file; ``None`` if it does not exist.

    Raises:
        StoreCorruptError: the file exists but is truncated or not valid (gzip'd) JSON.
    """
    try:
        blob = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise StoreError(f"cannot read {path}: {exc.strerror}") from exc
    try:
        data = decode_json(blob, gz=path.suffix == ".gz")
    except (ValueError, EOFError, OSError, zlib.error) as exc:
        raise StoreCorruptError(f"{path} is damaged ({type(exc).__name__}: {exc})") from exc
    if not isinstance(data, dict):
        raise StoreCorruptError(f"{path} is damaged (top level is not an object)")
    return data


def set_aside(path: Path) -> Path:
    """Rename a damaged file to ``<name>.corrupt-<UTC time>`` so nothing is lost."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    target = path.with_name(f"{path.name}.corrupt-{stamp}")
    os.replace(path, target)
    fsync_dir(path.parent)
    return target


class AtomicJSONStorage(Storage):
    """A TinyDB storage that survives SIGKILL: every ``write`` is an atomic replace.

    Any store file (``latest.json``, an events day, a ``.json.gz`` history shard) can be
    inspected with ``TinyDB(path, storage=AtomicJSONStorage)``. The store itself reads and
    writes whole tables through ``read``/``write``: TinyDB's per-document API scans the
    table on every update, which costs O(n) per upsert.
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)

    def read(self) -> dict[str, dict[str, Any]] | None:
        data = read_json_file(self.path)
        return data

    def write(self, data: dict[str, dict[str, Any]]) -> None:
        ensure_dir(self.path.parent)
        atomic_write_bytes(self.path, encode_json(data, gz=self.path.suffix == ".gz"))

    def close(self) -> None:
        pass


class WriterLock:
    """An exclusive ``flock`` on ``<store>/writer.lock`` holding the writer's PID."""

    def __init__(self, root: Path) -> None:
        self.path = root / "writer.lock"
        self._fd: int | None = None

    def acquire(self) -> None:
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, FILE_MODE)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 32, 0).decode(errors="replace").strip()
            os.close(fd)
            who = f" (held by PID {holder})" if holder.isdigit() else ""
            raise StoreLockedError(
                f"store {self.path.parent} is already open for writing{who}"
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        self._fd = fd

    def release(self) -> None:
        if self._fd is not None:
            with contextlib.suppress(OSError):
                os.ftruncate(self._fd, 0)
            os.close(self._fd)  # closing drops the flock
            self._fd = None


def fsync_dirs(dirs: Iterable[Path]) -> None:
    for d in dirs:
        fsync_dir(d)
