"""Removes the secrets licdash sent to a publisher from whatever the publisher sends back.

A publisher can echo a request into its fault text: the ``Authorization`` header, the
password, a URL with credentials. Every password licdash resolves (from any source:
plain, environment, keyring, command) is registered here with the user name it is sent
with, and :func:`scrub` removes it in every form it could come back in: the password,
``user:password``, the Basic token (base64, padded or not), URL-encoded (either case of
hex digits, ``+`` or ``%20`` for spaces), XML/HTML-escaped and JSON-escaped.

The registry is process-wide on purpose: the log redactor, the error values and the
transports all consult the same set, whatever resolved the secret.
"""

from __future__ import annotations

import base64
import html
import json
import re
import threading
from collections.abc import Callable
from typing import Final
from urllib.parse import quote, quote_plus

REDACTED: Final = "***"
MIN_SECRET_LEN: Final = 4
"""Shorter passwords are only removed in their longer forms (``user:pw``, the token):
masking a two-letter word everywhere would mangle messages."""

ANCHOR_LEN: Final = 4
"""Every spelling of a secret holds one of its anchors (``ANCHOR_LEN`` characters,
lower-cased), so text without any anchor needs no regex at all."""
_UNRESERVED: Final = re.compile(rf"[A-Za-z0-9_.~-]{{{ANCHOR_LEN},}}")
"""Characters that URL-, HTML- and JSON-encoding all leave as they are."""


class _Secrets:
    """One cluster's registered spellings; the regex is compiled on first need.

    Compiling a pattern per cluster costs about as much as a TLS handshake, and almost
    every answer holds no secret at all: a lower-cased substring test on the anchors
    decides that first, so the regex runs (and is compiled) only on a likely hit.
    """

    __slots__ = ("_bytes", "_text", "anchors", "literals", "passwords")

    def __init__(self) -> None:
        self.literals: frozenset[str] = frozenset()
        self.passwords: tuple[str, ...] = ()
        self.anchors: frozenset[str] | None = frozenset()
        """None: a spelling has no anchor, so every text must go through the regex."""
        self._text: re.Pattern[str] | None = None
        self._bytes: re.Pattern[bytes] | None = None

    def add(self, literals: set[str], password: str) -> None:
        self.literals = self.literals | literals
        if len(password) >= MIN_SECRET_LEN and password not in self.passwords:
            self.passwords = (password, *self.passwords)
        found: set[str] = set()
        for form in (*self.literals, *self.passwords):
            runs = _UNRESERVED.findall(form)
            if not runs:
                found = set()
                self.anchors = None
                break
            found.add(max(runs, key=len)[:ANCHOR_LEN].lower())
        else:
            self.anchors = frozenset(found)
        self._text = self._bytes = None

    def may_hold(self, lowered: str) -> bool:
        anchors = self.anchors
        return anchors is None or any(a in lowered for a in anchors)

    def may_hold_bytes(self, lowered: bytes) -> bool:
        anchors = self.anchors
        return anchors is None or any(a.encode() in lowered for a in anchors)

    def pattern(self) -> re.Pattern[str]:
        if self._text is None:
            # Newest password first, each with its URL-encoded spellings, then every
            # literal spelling, longest first (a secret holding another is masked whole).
            urls = [_url_pattern(p) for p in self.passwords]
            literals = sorted((re.escape(f) for f in self.literals), key=len, reverse=True)
            self._text = re.compile("|".join(urls + literals))
        return self._text

    def bytes_pattern(self) -> re.Pattern[bytes]:
        if self._bytes is None:
            self._bytes = re.compile(self.pattern().pattern.encode("utf-8"))
        return self._bytes


_lock = threading.Lock()
_by_cluster: dict[str, _Secrets] = {}
_index: dict[str, set[str]] | None = None
"""anchor -> clusters having it (built on the first unnamed scrub after a change)."""
_unanchored: tuple[str, ...] = ()
_SCAN_LIMIT: Final = 16
"""Up to this many clusters, an unnamed scrub tests each one's anchors in turn; past it,
one pass over the text looks every window up in the anchor index."""


def _b64(text: str) -> list[str]:
    token = base64.b64encode(text.encode()).decode("ascii")
    return [token, token.rstrip("=")]


def _url_pattern(text: str) -> str:
    """A regex matching ``text`` URL-encoded with either case of hex digits."""
    out = []
    for ch in text:
        if quote(ch, safe="") == ch:
            out.append(re.escape(ch))
            continue
        encoded = quote(ch, safe="")
        alternatives = {re.escape(encoded), re.escape(encoded.lower())}
        if ch == " ":
            alternatives.add(re.escape("+"))
        out.append("(?:" + "|".join(sorted(alternatives)) + ")")
    return "".join(out)


def forms(password: str, username: str | None = None) -> set[str]:
    """The literal spellings of one secret (the URL-encoded ones are matched by regex)."""
    found: set[str] = set()
    users = [u for u in (username,) if u]
    if len(password) >= MIN_SECRET_LEN:
        found |= {
            password,
            quote(password, safe=""),
            quote_plus(password),
            html.escape(password, quote=True),
            html.escape(password, quote=False),
            json.dumps(password)[1:-1],
        }
        found.update(_b64(password))
    for user in users:
        pair = f"{user}:{password}"
        found.add(pair)
        found.update(_b64(pair))
        found.add(quote(pair, safe=""))
    return {f for f in found if f}


def register(cluster: str, password: str, *usernames: str | None) -> None:
    """Remember what licdash sends to ``cluster``'s publisher (idempotent, cheap: the
    regex is compiled only when an answer looks like it holds one of these)."""
    if not password:
        return
    literals: set[str] = set()
    for user in usernames or (None,):
        literals |= forms(password, user)
    literals |= forms(password)
    global _index
    with _lock:
        entry = _by_cluster.get(cluster)
        if (
            entry is not None
            and literals <= entry.literals
            and (len(password) < MIN_SECRET_LEN or password in entry.passwords)
        ):
            return
        if entry is None:
            entry = _by_cluster[cluster] = _Secrets()
        entry.add(literals, password)
        _index = None


def _candidates(lowered: str) -> list[_Secrets]:
    """The clusters whose secrets may be in ``lowered`` (registration order)."""
    global _index, _unanchored
    with _lock:
        if _index is None:
            index: dict[str, set[str]] = {}
            for name, entry in _by_cluster.items():
                for anchor in entry.anchors or ():
                    index.setdefault(anchor, set()).add(name)
            _index = index
            _unanchored = tuple(n for n, e in _by_cluster.items() if e.anchors is None)
        index, unanchored = _index, _unanchored
        if len(_by_cluster) <= _SCAN_LIMIT:  # a few clusters: test each one's anchors
            return [e for e in _by_cluster.values() if e.may_hold(lowered)]
        names = set(unanchored)
        if index:
            for i in range(len(lowered) - ANCHOR_LEN + 1):
                hit = index.get(lowered[i : i + ANCHOR_LEN])
                if hit:
                    names |= hit
        return [e for n, e in _by_cluster.items() if n in names] if names else []


def scrub(text: str, cluster: str | None = None) -> str:
    """``text`` without any registered secret (of ``cluster`` only, when named)."""
    if not text:
        return text
    lowered = text.lower()
    entry = _by_cluster.get(cluster) if cluster is not None else None
    if entry is not None:
        return entry.pattern().sub(REDACTED, text) if entry.may_hold(lowered) else text
    for found in _candidates(lowered):
        text = found.pattern().sub(REDACTED, text)
    return text


def scrubber() -> Callable[[str], str]:
    """What cleans many strings in a row: :func:`scrub` (every cluster's secrets, each
    string tested against their anchors first), or nothing when no secret is known."""
    return scrub if _by_cluster else _same


def _same(text: str) -> str:
    return text


def scrub_bytes(data: bytes, cluster: str) -> bytes:
    """A body as bytes, with ``cluster``'s secrets removed (UTF-8 spellings)."""
    entry = _by_cluster.get(cluster)
    if entry is None or not data or not entry.may_hold_bytes(data.lower()):
        return data
    return entry.bytes_pattern().sub(REDACTED.encode(), data)


def known() -> frozenset[str]:
    """Every literal form registered (for the log redactor and tests)."""
    with _lock:
        out: set[str] = set()
        for entry in _by_cluster.values():
            out |= entry.literals
        return frozenset(out)


def clear() -> None:
    """Forget every secret (tests)."""
    global _index
    with _lock:
        _by_cluster.clear()
        _index = None
