"""What the collector records about itself in the store: its policy and its heartbeat.

``policy.json`` holds the :class:`~collectors.policy.FreshnessPolicy` the writer judges
by (written when it starts and on every reload); ``heartbeat.json`` holds its latest
:class:`~collectors.liveness.Heartbeat`. Both are TinyDB-shaped like every store file
(``{table: {"1": document}}``) and replaced atomically. A damaged or unreadable one reads
as absent (logged): it never makes the store unreadable.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING, Final

from pydantic import ValidationError

from collectors.errors import StoreError
from collectors.liveness import Heartbeat
from collectors.policy import FreshnessPolicy

if TYPE_CHECKING:
    from collectors.store.backends import Backend, Doc

log = logging.getLogger("licdash.store")

POLICY_KEY: Final = "policy.json"
HEARTBEAT_KEY: Final = "heartbeat.json"


def policy_doc(policy: FreshnessPolicy) -> Doc:
    return {"policy": {"1": policy.to_doc()}}


def heartbeat_doc(heartbeat: Heartbeat) -> Doc:
    return {"heartbeat": {"1": heartbeat.model_dump(mode="json")}}


def _one(backend: Backend, key: str, table: str) -> Doc | None:
    try:
        doc = backend.read(key)
    except StoreError as exc:  # damaged (set aside by a writer) or unreadable
        log.warning("%s", exc)
        return None
    if doc is None:
        return None
    inner = doc.get(table, {}).get("1") if isinstance(doc.get(table), dict) else None
    return inner if isinstance(inner, dict) else None


def read_policy(backend: Backend) -> FreshnessPolicy | None:
    doc = _one(backend, POLICY_KEY, "policy")
    if doc is None:
        return None
    try:
        return FreshnessPolicy.from_doc(doc)
    except ValidationError as exc:
        log.warning("%s is not a policy (%s); ignored", backend.location(POLICY_KEY), exc)
        return None


def read_heartbeat(backend: Backend) -> Heartbeat | None:
    doc = _one(backend, HEARTBEAT_KEY, "heartbeat")
    if doc is None:
        return None
    try:
        return Heartbeat.model_validate(doc)
    except ValidationError as exc:
        log.warning("%s is not a heartbeat (%s); ignored", backend.location(HEARTBEAT_KEY), exc)
        return None


def lock_pid(root: Path | None) -> int | None:
    """The PID the writer lock names; None when released (emptied) or absent."""
    if root is None:
        return None
    try:
        text = (root / "writer.lock").read_text(encoding="ascii", errors="replace").strip()
    except OSError:
        return None
    return int(text) if text.isdigit() else None
