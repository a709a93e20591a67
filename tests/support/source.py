"""The one fake data source: the blocking query side of a ``DataSource`` answered from
fixed data, recording each call and the thread it came from."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from collectors.model import LicenseSnapshot


@dataclass(frozen=True)
class FakeFailure:
    cluster: str
    at: datetime
    kind: str
    message: str


@dataclass(frozen=True)
class FakeTransition:
    cluster: str
    at: datetime
    field: str
    old: str | None
    new: str | None


@dataclass(frozen=True)
class FakeHistory:
    cluster: str
    changes: tuple[LicenseSnapshot, ...] = ()
    coverage: tuple[tuple[datetime, datetime], ...] = ()
    failures: tuple[FakeFailure, ...] = ()


@dataclass
class FakeSource:
    """Answers the detail screens' blocking queries from fixed data and records the calls."""

    histories: dict[str, FakeHistory] = field(default_factory=dict)
    series: dict[str, dict[str, list[tuple[datetime, int]]]] = field(default_factory=dict)
    all_transitions: list[FakeTransition] = field(default_factory=list)
    all_failures: list[FakeFailure] = field(default_factory=list)
    raws: dict[str, str] = field(default_factory=dict)
    calls: list[tuple[str, Any]] = field(default_factory=list)
    broken: bool = False

    on_main_thread: list[bool] = field(default_factory=list)

    def _check(self) -> None:
        self.on_main_thread.append(threading.current_thread() is threading.main_thread())
        if self.broken:
            raise OSError("store directory /var/lib/licdash is not readable")

    def history(
        self, cluster: str, since: datetime | None = None, until: datetime | None = None
    ) -> FakeHistory:
        self.calls.append(("history", cluster))
        self._check()
        return self.histories.get(cluster, FakeHistory(cluster))

    def transitions(self, since: datetime) -> list[FakeTransition]:
        self.calls.append(("transitions", since))
        self._check()
        return [t for t in self.all_transitions if t.at >= since]

    def failures(
        self, cluster: str | None = None, since: datetime | None = None
    ) -> list[FakeFailure]:
        self.calls.append(("failures", (cluster, since)))
        self._check()
        return [
            f
            for f in self.all_failures
            if (cluster is None or f.cluster == cluster) and (since is None or f.at >= since)
        ]

    def entitlement_series(
        self, cluster: str, since: datetime | None = None, until: datetime | None = None
    ) -> dict[str, list[tuple[datetime, int]]]:
        self.calls.append(("series", cluster))
        self._check()
        return self.series.get(cluster, {})

    def raw(self, cluster: str) -> str | None:
        self.calls.append(("raw", cluster))
        self._check()
        return self.raws.get(cluster)
