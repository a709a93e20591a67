"""Regional collectors for the merged-view tests: each a mock fleet served from this
process and a real ``licdash collect --api-port 0`` subprocess with its own store, all on
loopback. Waits are bounded polls of stderr and of the store."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from collectors.mock import ThreadedFleet
from tests.support.api import ApiServers, Served
from tests.support.collector import Collector, wait_for_store, write_config

TOKEN = "emea-token-0123456789abcdef"
_API_LINE = re.compile(r"data API \(licdash\.api/1\) on (https?://\S+),")


@dataclass
class Region:
    name: str
    fleet: ThreadedFleet
    store: Path
    collector: Collector
    url: str
    clusters: frozenset[str]


def _api_url(collector: Collector) -> str:
    line = collector.wait_for_line(lambda text: _API_LINE.search(text) is not None, "API")
    match = _API_LINE.search(line)
    assert match is not None
    return match.group(1)


@pytest.fixture
def regions(tmp_path: Path) -> Iterator[Callable[..., Region]]:
    """``start(name, seed, *collect_args, mix="healthy")``: a region of 3 publishers
    (healthy unless ``mix`` says otherwise) whose collector serves its API; returns once
    every cluster is in the store."""
    started: list[Region] = []

    def start(name: str, seed: int, *extra: str, clusters: int = 3, mix: str = "healthy") -> Region:
        fleet = ThreadedFleet(clusters=clusters, seed=seed, scenario_mix=mix).start()
        try:
            folder = tmp_path / name
            folder.mkdir()
            config = write_config(fleet.fleet, folder / "licdash.toml", interval=300)
            store = folder / "store"
            args = ["--config", str(config), "--store", str(store), "--api-port", "0", *extra]
            collector = Collector(*args)
        except BaseException:
            fleet.stop()
            raise
        names = frozenset(p.name for p in fleet.publishers)
        region = Region(name, fleet, store, collector, "", names)
        started.append(region)
        region.url = _api_url(collector)
        wait_for_store(
            store,
            lambda latest: {n for n, s in latest.items() if s.last_good} == names,
            f"every cluster of {name} polled",
        )
        return region

    yield start
    for region in started:
        region.collector.kill()
        region.fleet.stop()


@pytest.fixture
def token_file(tmp_path: Path) -> Path:
    path = tmp_path / "emea.token"
    path.write_text(TOKEN + "\n", encoding="utf-8")
    path.chmod(0o600)
    return path


@pytest.fixture
def serve() -> Iterator[Callable[..., Served]]:
    """``serve(store_dir, **ApiServer options)``: an in-process API on loopback."""
    servers = ApiServers()
    yield servers.start
    servers.close()


def sources_config(path: Path, **sources: dict[str, str]) -> Path:
    """A follower's config listing ``[[sources]]`` (each a table of fields)."""
    lines = []
    for name, fields in sources.items():
        lines.append(f'[[sources]]\nname = "{name}"')
        lines += [f'{key} = "{value}"' for key, value in fields.items()]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path
