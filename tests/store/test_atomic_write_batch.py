"""A batch of atomic replacements: written and fsynced together, renamed in order."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from collectors.store import files


def items(tmp_path: Path, n: int) -> list[tuple[Path, bytes]]:
    return [(tmp_path / f"f{i:03}.json", f'{{"i": {i}}}'.encode()) for i in range(n)]


@pytest.mark.parametrize("n", [1, 3, 40])
def test_every_file_holds_its_data_and_no_temp_file_is_left(tmp_path: Path, n: int) -> None:
    (tmp_path / "f000.json").write_bytes(b"old")
    batch = items(tmp_path, n)
    files.atomic_write_batch(batch)
    for path, data in batch:
        assert path.read_bytes() == data
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(p.name for p, _ in batch)


def test_files_are_renamed_in_the_batchs_order(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    renamed: list[str] = []
    real = os.replace

    def replace(src: Path, dst: Path) -> None:
        renamed.append(Path(dst).name)
        real(src, dst)

    monkeypatch.setattr(files.os, "replace", replace)
    batch = items(tmp_path, 40)
    files.atomic_write_batch(list(reversed(batch)))
    assert renamed == [p.name for p, _ in reversed(batch)]


def test_a_failed_rename_keeps_what_was_replaced_and_leaves_no_temp_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = os.replace

    def replace(src: Path, dst: Path) -> None:
        if Path(dst).name == "f020.json":
            raise OSError(30, "Read-only file system")
        real(src, dst)

    monkeypatch.setattr(files.os, "replace", replace)
    batch = items(tmp_path, 40)
    with pytest.raises(OSError):
        files.atomic_write_batch(batch)
    left = sorted(p.name for p in tmp_path.iterdir())
    assert left == [p.name for p, _ in batch[:20]]  # the ones before, nothing after, no temp


def test_a_failed_write_replaces_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real = os.fsync
    calls = {"n": 0}

    def fsync(fd: int) -> None:
        calls["n"] += 1
        if calls["n"] == 7:
            raise OSError(28, "No space left on device")
        real(fd)

    monkeypatch.setattr(files.os, "fsync", fsync)
    with pytest.raises(OSError):
        files.atomic_write_batch(items(tmp_path, 40))
    assert list(tmp_path.iterdir()) == []
