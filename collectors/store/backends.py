"""Where store documents live: files on disk, or a dict in memory (tests and the demo).

A backend maps keys (relative POSIX paths such as ``history/2026-11-23/lon.json.gz``) to
JSON objects in TinyDB's layout (``{table: {doc_id: document}}``). It knows nothing of
snapshots; :class:`~collectors.store.snapshot_store.SnapshotStore` holds the logic, so
both backends pass the same contract suite.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from collectors.errors import StoreCorruptError, StoreError
from collectors.store import files

Doc = dict[str, Any]


class Backend(Protocol):
    writable: bool

    def read(self, key: str) -> Doc | None:
        """The document at ``key`` or None. A damaged one raises ``StoreCorruptError``
        (a writable backend has already set it aside)."""
        ...

    def write_many(self, items: Sequence[tuple[str, Doc | bytes]]) -> None:
        """Write every item (a document, or one already encoded as plain JSON);
        durable when this returns."""
        ...

    def delete_prefix(self, prefix: str) -> None: ...

    def children(self, prefix: str) -> list[str]:
        """Names directly under ``prefix`` (folders and documents), sorted."""
        ...

    def change_token(self, key: str) -> object:
        """A cheap value that changes whenever ``key`` is rewritten."""
        ...

    def location(self, key: str) -> str: ...

    def keep_copy(self, key: str) -> str | None:
        """Copy a document found damaged to ``<name>.corrupt-<UTC time>``; its name."""
        ...

    def read_from(self, key: str, offset: int, limit: int | None = None) -> bytes | None:
        """The raw bytes of ``key`` from ``offset`` (at most ``limit``), None if absent."""
        ...

    def size(self, key: str) -> int | None: ...

    def append(self, key: str, data: bytes, *, at: int) -> None:
        """Write ``data`` at byte ``at`` of an existing file, cutting off whatever
        followed (a torn tail); durable when this returns."""
        ...

    def rotate(self, key: str, previous: str, first: bytes) -> None:
        """Move ``key`` to ``previous`` (replacing it), then make ``key`` hold ``first``."""
        ...


class DiskBackend:
    def __init__(self, root: Path, *, writable: bool) -> None:
        self.root = root
        self.writable = writable

    def _path(self, key: str) -> Path:
        return self.root / key

    def location(self, key: str) -> str:
        return str(self._path(key))

    def read(self, key: str) -> Doc | None:
        path = self._path(key)
        try:
            data: Doc | None = files.read_json_file(path)
        except StoreCorruptError as exc:
            if self.writable:
                aside = files.set_aside(path)
                exc.message = f"{exc.message}; set aside as {aside.name}"
                exc.args = (exc.message,)
            raise
        return data

    def write_many(self, items: Sequence[tuple[str, Doc | bytes]]) -> None:
        dirs: set[Path] = set()
        batch: list[tuple[Path, bytes]] = []
        for key, doc in items:
            path = self._path(key)
            if not path.parent.is_dir():
                files.ensure_dir(path.parent)
                parent = path.parent
                while parent != self.root:  # new folders: make their names durable too
                    dirs.add(parent.parent)
                    parent = parent.parent
            blob = doc if isinstance(doc, bytes) else files.encode_json(doc, gz=key.endswith(".gz"))
            batch.append((path, blob))
            dirs.add(path.parent)
        files.atomic_write_batch(batch)
        files.fsync_dirs(sorted(dirs, key=lambda p: len(p.parts), reverse=True))

    def delete_prefix(self, prefix: str) -> None:
        path = self._path(prefix)
        if path.is_dir():
            shutil.rmtree(path)
        else:
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
        files.fsync_dir(path.parent)

    def children(self, prefix: str) -> list[str]:
        try:
            return sorted(
                p.name for p in self._path(prefix).iterdir() if not p.name.startswith(".")
            )
        except (FileNotFoundError, NotADirectoryError):
            return []

    def change_token(self, key: str) -> object:
        try:
            st = self._path(key).stat()
        except FileNotFoundError:
            return None
        return (st.st_ino, st.st_mtime_ns, st.st_size)

    def keep_copy(self, key: str) -> str | None:
        path = self._path(key)
        try:
            blob = path.read_bytes()
        except OSError:
            return None
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
        target = path.with_name(f"{path.name}.corrupt-{stamp}")
        try:
            files.atomic_write_bytes(target, blob)
        except OSError:
            return None
        return target.name

    def read_from(self, key: str, offset: int, limit: int | None = None) -> bytes | None:
        try:
            with self._path(key).open("rb") as f:
                f.seek(offset)
                return f.read(-1 if limit is None else limit)
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise StoreError(f"cannot read {self._path(key)}: {exc.strerror}") from exc

    def size(self, key: str) -> int | None:
        try:
            return self._path(key).stat().st_size
        except FileNotFoundError:
            return None

    def append(self, key: str, data: bytes, *, at: int) -> None:
        files.write_at(self._path(key), data, at)

    def rotate(self, key: str, previous: str, first: bytes) -> None:
        path = self._path(key)
        with contextlib.suppress(FileNotFoundError):
            os.replace(path, self._path(previous))
        files.atomic_write_bytes(path, first)


class MemoryBackend:
    """Documents kept as JSON text, so no caller ever shares a mutable object."""

    def __init__(self) -> None:
        self.writable = True
        self._docs: dict[str, str] = {}
        self._writes: dict[str, int] = {}

    def location(self, key: str) -> str:
        return f"memory:{key}"

    def read(self, key: str) -> Doc | None:
        text = self._docs.get(key)
        return None if text is None else dict(json.loads(text))

    def write_many(self, items: Sequence[tuple[str, Doc | bytes]]) -> None:
        for key, doc in items:
            text = doc.decode() if isinstance(doc, bytes) else json.dumps(doc)
            self._docs[key] = text
            self._writes[key] = self._writes.get(key, 0) + 1

    def delete_prefix(self, prefix: str) -> None:
        for key in [k for k in self._docs if k == prefix or k.startswith(prefix + "/")]:
            del self._docs[key]

    def children(self, prefix: str) -> list[str]:
        start = prefix + "/"
        return sorted({k[len(start) :].split("/", 1)[0] for k in self._docs if k.startswith(start)})

    def change_token(self, key: str) -> object:
        return self._writes.get(key)

    def keep_copy(self, key: str) -> str | None:
        text = self._docs.get(key)
        if text is None:
            return None
        name = f"{key}.corrupt-{len(self._docs)}"
        self._docs[name] = text
        return name

    def read_from(self, key: str, offset: int, limit: int | None = None) -> bytes | None:
        text = self._docs.get(key)
        if text is None:
            return None
        blob = text.encode()[offset:]
        return blob if limit is None else blob[:limit]

    def size(self, key: str) -> int | None:
        text = self._docs.get(key)
        return None if text is None else len(text.encode())

    def append(self, key: str, data: bytes, *, at: int) -> None:
        text = self._docs.get(key)
        if text is None:
            raise FileNotFoundError(key)
        self._docs[key] = (text.encode()[:at] + data).decode()
        self._writes[key] = self._writes.get(key, 0) + 1

    def rotate(self, key: str, previous: str, first: bytes) -> None:
        text = self._docs.pop(key, None)
        if text is not None:
            self._docs[previous] = text
            self._writes[previous] = self._writes.get(previous, 0) + 1
        self.write_many([(key, first)])
