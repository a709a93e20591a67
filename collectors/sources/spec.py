"""Which sources a command was given: ``--source`` values and the config's ``[[sources]]``.

A ``--source`` value is a configured source's name, a collector's URL, a store
directory, or ``NAME=URL``/``NAME=DIR`` to name one. A URL or directory that a
``[[sources]]`` table also lists takes that table's name, ``token_file``, ``verify``,
``timeout`` and ``read_only`` (tokens and CAs are only ever configured in the file,
never on the command line, where other users could read them). With no ``--source``,
every configured source is used.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from collectors.config import SourceConfig
    from collectors.sources.base import Source

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,39}$")


@dataclass(frozen=True, slots=True)
class SourceSpec:
    name: str
    url: str | None = None
    store: Path | None = None
    token_file: Path | None = None
    verify: bool | str = True
    timeout: float = 10.0
    read_only: bool = False

    @property
    def location(self) -> str:
        return self.url or str(self.store)

    def open(self) -> Source:
        if self.url is not None:
            from collectors.sources.remote import RemoteSource

            return RemoteSource(
                self.name,
                self.url,
                token_file=self.token_file,
                verify=self.verify,
                timeout=self.timeout,
                read_only=self.read_only,
            )
        from collectors.sources.store_source import StoreSource

        assert self.store is not None
        return StoreSource(self.name, self.store, read_only=self.read_only)


def from_config(source: SourceConfig) -> SourceSpec:
    return SourceSpec(
        name=source.name,
        url=source.url.rstrip("/") if source.url else None,
        store=Path(source.store).expanduser() if source.store else None,
        token_file=Path(source.token_file) if source.token_file else None,
        verify=source.verify,
        timeout=source.timeout,
        read_only=source.read_only,
    )


def derived_name(location: str) -> str:
    """A name for an unnamed source: the collector's host (its first label), or the
    store directory's name (its parent's when it is called ``store``)."""
    if "://" in location:
        parts = urlsplit(location)
        host = parts.hostname or "source"
        try:
            ipaddress.ip_address(host)
        except ValueError:
            name = host.split(".")[0]
        else:
            name = f"{host}-{parts.port}" if parts.port else host
    else:
        path = Path(location).expanduser()
        name = path.name if path.name != "store" else path.parent.name
    name = re.sub(r"[^A-Za-z0-9_.-]", "-", name).strip("-.")[:40]
    return name or "source"


def configured_sources(config_path: str | None) -> tuple[SourceConfig, ...]:
    """The ``[[sources]]`` of ``config_path``, or of the default config when it exists
    (a follower needs its tokens); ``ConfigError`` when the file is bad."""
    from collectors.config import load_config, resolve_config_path

    path = resolve_config_path(config_path)
    if config_path is None and not path.is_file():
        return ()
    return load_config(path).sources


def resolve(values: Sequence[str], configured: Sequence[SourceConfig]) -> list[SourceSpec]:
    """The sources to read; ValueError naming the value that cannot be used."""
    known = [from_config(c) for c in configured]
    if not values:
        return known
    by_name = {s.name: s for s in known}
    out: list[SourceSpec] = []
    for value in values:
        text = value.strip()
        if text in by_name:
            out.append(by_name[text])
            continue
        name, sep, location = text.partition("=")
        if not sep or not _NAME.match(name) or "://" in name:
            name, location = "", text
        if not location:
            raise ValueError(f"--source {value!r}: give a URL, a store directory or NAME=...")
        out.append(_locate(name, location, known, value))
    names = [s.name for s in out]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise ValueError(
            f"two sources are named {', '.join(twice)}; name them: --source NAME=URL_OR_DIR"
        )
    return out


def _locate(name: str, location: str, known: Sequence[SourceSpec], value: str) -> SourceSpec:
    if "://" in location:
        from collectors.listener import check_url

        try:
            url = check_url(location)
        except ValueError as exc:
            raise ValueError(f"--source {value!r}: {exc}") from None
        match = next((s for s in known if s.url == url), None)
        if match is not None:
            return SourceSpec(
                name or match.name,
                url,
                None,
                match.token_file,
                match.verify,
                match.timeout,
                match.read_only,
            )
        return SourceSpec(name or derived_name(url), url=url)
    directory = Path(location).expanduser()
    match = next(
        (s for s in known if s.store is not None and s.store.resolve() == directory.resolve()),
        None,
    )
    if match is not None:
        return SourceSpec(name or match.name, store=directory, read_only=match.read_only)
    return SourceSpec(name or derived_name(location), store=directory)
