"""Immutable values that flow from the poll engine to the store, the UI and metrics.

A :class:`PollResult` is one attempt, good or bad. A :class:`ClusterStatus` is what is
known of one cluster after a sequence of attempts: the last good snapshot, the last
error and whether the good data has gone stale. Both are frozen; consumers receive
them as values and never share mutable state with the engine.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from pydantic import BaseModel, ConfigDict

from collectors.errors import LicdashError
from collectors.model import LicenseSnapshot, Product, Severity, Timestamp
from collectors.secret_scrub import scrub
from collectors.text_safety import neutralise


def outside_text(text: str, cluster: str | None = None) -> str:
    """Text that may quote a publisher, safe to store, log and show: secrets removed,
    control characters escaped."""
    return neutralise(scrub(text, cluster))


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


SOURCE_FIELD = "source"
"""The ``field`` of an :class:`ErrorInfo` a merged view puts on the clusters of a source
it cannot read: the view lost sight of them, which says nothing of their publishers."""


class ErrorInfo(_Frozen):
    """A failure as data: what kind, which cluster, which field, what happened."""

    kind: str
    message: str
    cluster: str | None = None
    field: str | None = None
    hint: str | None = None

    @property
    def of_source(self) -> bool:
        """The failure is a merged view's source's (see :data:`SOURCE_FIELD`)."""
        return self.field == SOURCE_FIELD

    @classmethod
    def from_exception(cls, exc: BaseException, *, cluster: str | None = None) -> ErrorInfo:
        """The error as data. Its message may quote a publisher (a faultstring, a shell's
        last line): every secret sent to that publisher is removed and control
        characters become visible escapes before the value goes anywhere."""
        if isinstance(exc, LicdashError):
            name = exc.cluster or cluster
            return cls(
                kind=exc.kind,
                message=outside_text(exc.message, name),
                cluster=name,
                field=exc.field,
                hint=exc.hint,
            )
        return cls(
            kind="internal",
            message=outside_text(f"{type(exc).__name__}: {exc}", cluster),
            cluster=cluster,
        )


class PollResult(_Frozen):
    """One poll attempt of one publisher; exactly one of snapshot and error is set."""

    cluster: str
    started_at: Timestamp
    duration_s: float
    snapshot: LicenseSnapshot | None = None
    error: ErrorInfo | None = None
    transport: str | None = None
    """``axl``, ``cli``, ``cupi`` or ``rest``: what answered (or was tried last)."""
    axl_version: str | None = None
    """The AXL version that answered, when the transport was AXL."""
    raw: str | None = None
    """The raw response text of a successful poll, for the "raw" view. Never persisted
    in exports; it never contains credentials."""

    @property
    def ok(self) -> bool:
        return self.snapshot is not None


class ClusterStatus(_Frozen):
    """What is known of one cluster now."""

    cluster: str
    product: Product = "cucm"
    """From the config (a status read from a store written before products: ``cucm``)."""
    tags: dict[str, str] = {}
    last_good: LicenseSnapshot | None = None
    last_seen: Timestamp | None = None
    """The last successful poll (it may be newer than ``last_good.collected_at`` when a
    store only keeps changes)."""
    last_attempt: Timestamp | None = None
    last_duration_s: float | None = None
    consecutive_failures: int = 0
    last_error: ErrorInfo | None = None
    stale: bool = False
    """The engine's flag at the time of the status. Whether it is stale *now* is
    :meth:`collectors.policy.FreshnessPolicy.is_stale`'s to say (the one rule)."""
    transport: str | None = None
    axl_version: str | None = None

    @property
    def severity(self) -> Severity:
        """The last good snapshot's severity; unknown if never polled successfully."""
        return self.last_good.severity if self.last_good else Severity.UNKNOWN

    @property
    def unreachable(self) -> bool:
        """The latest attempt failed."""
        return self.consecutive_failures > 0

    def age(self, now: datetime) -> timedelta | None:
        """Age of the last good poll at ``now``."""
        seen = self.last_seen or (self.last_good.collected_at if self.last_good else None)
        return None if seen is None else now - seen


class PollUpdate(_Frozen):
    """One element of the engine's result stream: the attempt and the cluster's new status."""

    result: PollResult
    status: ClusterStatus
