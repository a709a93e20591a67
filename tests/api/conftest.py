"""The API tests' server fixture (see :mod:`tests.support.api`)."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from tests.support.api import ApiServers, Served


@pytest.fixture
def serve() -> Iterator[Callable[..., Served]]:
    servers = ApiServers()
    yield servers.start
    servers.close()
