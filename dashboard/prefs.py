"""Remembered UI preferences (the chosen theme), kept in ``collectors.paths.state_file()``.

Reads are tiny and happen once, before the UI starts; writes happen in a worker and are
atomic (temporary file, fsync, ``os.replace``) so a crash never leaves half a file.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any


def load_prefs(path: Path) -> dict[str, Any]:
    """The stored preferences; empty when the file is missing or unreadable."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def load_theme(path: Path) -> str | None:
    theme = load_prefs(path).get("theme")
    return theme if isinstance(theme, str) and theme else None


def startup_theme(requested: str | None, path: Path, *, no_color: bool) -> str | None:
    """The theme to open with: ``--theme`` wins, else the remembered one.

    Under ``NO_COLOR`` a remembered theme is not used (None lets the app pick
    monochrome): a colour theme chosen once with ``t`` must not override the
    environment of every later session.
    """
    if requested:
        return requested
    return None if no_color else load_theme(path)


def save_theme(path: Path, theme: str) -> None:
    """Remember ``theme``, keeping any other preference in the file."""
    prefs = load_prefs(path)
    prefs["theme"] = theme
    write_atomic(path, json.dumps(prefs, indent=2, sort_keys=True) + "\n")


def write_atomic(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
