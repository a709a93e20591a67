"""Where the dashboard's data comes from.

A :class:`DataSource` feeds the app :class:`~dashboard.messages.FleetUpdated` messages
(posted thread-safely) and answers blocking history queries that screens call from
thread workers. Four implementations:

- :class:`LiveSource`: the collector's own :class:`~collectors.daemon.Daemon` (engine and
  single store writer, as ``licdash collect``) on its own event loop in a worker thread;
- :class:`StoreViewer`: read-only, follows a store that a ``licdash collect`` writes,
  with the policy and heartbeat the collector recorded there;
- :class:`MergedViewer`: several stores and collectors' APIs (``--source``) as one
  read-only fleet;
- :class:`StaticSource`: fixed statuses, for tests and benchmarks.
"""

from __future__ import annotations

from dashboard.sources.base import DataSource, StoreQueries
from dashboard.sources.live import LiveSource
from dashboard.sources.merged import MergedViewer
from dashboard.sources.static import StaticSource
from dashboard.sources.viewer import StoreViewer

__all__ = [
    "DataSource",
    "LiveSource",
    "MergedViewer",
    "StaticSource",
    "StoreQueries",
    "StoreViewer",
]
