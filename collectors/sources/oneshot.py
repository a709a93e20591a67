"""One look at every source at once, for the one-shot commands (``status``, ``export``).

Each source is fetched in its own thread (bounded by its own timeout), so one slow
collector costs its timeout once, not once per source. A one-shot command has no last
answer to keep: an unreachable source contributes no clusters, and its failure is in
the merged fleet's :attr:`~collectors.sources.merge.MergedFleet.sources`.
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from typing import TYPE_CHECKING

from collectors.sources.base import Source, SourceState
from collectors.sources.merge import FleetMerger, MergedFleet

if TYPE_CHECKING:
    from collectors.config import LicdashConfig


def open_sources(
    values: Sequence[str], config_path: str | None, config: LicdashConfig | None = None
) -> list[Source]:
    """The sources given (``--source`` values) or configured (``[[sources]]`` of
    ``config``, else of the file at ``config_path`` or the default config). Raises
    ``ConfigError`` when they cannot be worked out."""
    from collectors.errors import ConfigError
    from collectors.sources.spec import configured_sources, resolve

    configured = config.sources if config is not None else configured_sources(config_path)
    try:
        specs = resolve(values, configured)
    except ValueError as exc:
        raise ConfigError(str(exc)) from None
    if not specs:
        raise ConfigError("no sources: pass --source URL_OR_DIR or list [[sources]] in the config")
    return [spec.open() for spec in specs]


def fetch_all(sources: Sequence[Source], now: datetime) -> list[SourceState]:
    if len(sources) <= 1:
        return [s.fetch(now) for s in sources]
    with ThreadPoolExecutor(min(len(sources), 16), thread_name_prefix="licdash-source") as pool:
        return list(pool.map(lambda s: s.fetch(now), sources))


def read_once(sources: Sequence[Source], now: datetime) -> MergedFleet:
    return FleetMerger().merge(fetch_all(sources, now))
