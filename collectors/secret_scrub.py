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

_lock = threading.Lock()
_by_cluster: dict[str, frozenset[str]] = {}
_patterns: dict[str, re.Pattern[str]] = {}
_all: re.Pattern[str] | None = None
_bytes_patterns: dict[str, tuple[re.Pattern[str], re.Pattern[bytes]]] = {}


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


def _compile(literals: set[str], password: str | None) -> str:
    parts = sorted((re.escape(f) for f in literals), key=len, reverse=True)
    if password is not None and len(password) >= MIN_SECRET_LEN:
        parts.insert(0, _url_pattern(password))
    return "|".join(parts)


def register(cluster: str, password: str, *usernames: str | None) -> None:
    """Remember what licdash sends to ``cluster``'s publisher (idempotent)."""
    if not password:
        return
    literals: set[str] = set()
    for user in usernames or (None,):
        literals |= forms(password, user)
    literals |= forms(password)
    global _all
    with _lock:
        old = _by_cluster.get(cluster, frozenset())
        pattern_src = _compile(literals, password)
        if literals <= old and cluster in _patterns:
            return
        merged = old | literals
        _by_cluster[cluster] = merged
        previous = _patterns.get(cluster)
        combined = pattern_src if previous is None else f"{pattern_src}|{previous.pattern}"
        _patterns[cluster] = re.compile(combined)
        _all = None


def _everything() -> re.Pattern[str] | None:
    global _all
    with _lock:
        if _all is None and _patterns:
            _all = re.compile("|".join(f"(?:{p.pattern})" for p in _patterns.values()))
        return _all


def scrub(text: str, cluster: str | None = None) -> str:
    """``text`` without any registered secret (of ``cluster`` only, when named)."""
    if not text:
        return text
    if cluster is not None:
        pattern = _patterns.get(cluster)
        if pattern is None:
            pattern = _everything()
    else:
        pattern = _everything()
    if pattern is None:
        return text
    return pattern.sub(REDACTED, text)


def scrubber() -> Callable[[str], str]:
    """:func:`scrub` (every cluster's secrets) bound to the secrets known now: for
    cleaning many strings in a row without taking the registry's lock for each."""
    pattern = _everything()
    if pattern is None:
        return _same
    sub = pattern.sub

    def clean(text: str) -> str:
        return sub(REDACTED, text) if text else text

    return clean


def _same(text: str) -> str:
    return text


def scrub_bytes(data: bytes, cluster: str) -> bytes:
    """A body as bytes, with ``cluster``'s secrets removed (UTF-8 spellings)."""
    pattern = _patterns.get(cluster)
    if pattern is None or not data:
        return data
    raw = _bytes_patterns.get(cluster)
    if raw is None or raw[0] is not pattern:
        raw = (pattern, re.compile(pattern.pattern.encode("utf-8")))
        _bytes_patterns[cluster] = raw
    return raw[1].sub(REDACTED.encode(), data)


def known() -> frozenset[str]:
    """Every literal form registered (for the log redactor and tests)."""
    with _lock:
        out: set[str] = set()
        for values in _by_cluster.values():
            out |= values
        return frozenset(out)


def clear() -> None:
    """Forget every secret (tests)."""
    global _all
    with _lock:
        _by_cluster.clear()
        _patterns.clear()
        _bytes_patterns.clear()
        _all = None
