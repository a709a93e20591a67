"""Who may reach the API: where it may listen, the bearer token, and the rate limit.

The rule (docs/api.md, "Security"): on a loopback address the API needs nothing (only
this host can ask); on any other address it needs **both** a bearer token and TLS, and
the collector refuses to start without them. A token, when set, is required for every
request, on any address, and compared in constant time. Writes (acknowledgements, when
they land) need a token always: an API without one is read-only.
"""

from __future__ import annotations

import hmac
import math
import os
import stat
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from collectors.addresses import is_loopback

MIN_TOKEN_LEN: Final = 16
"""A shorter token is refused: it could be guessed within the rate limit's patience."""


class BindRefused(ValueError):
    """The API may not listen there as asked; the message says what is missing."""


def check_bind(
    host: str, *, token_file: Path | None, tls_cert: Path | None, tls_key: Path | None
) -> None:
    """Raise :class:`BindRefused` unless listening on ``host`` is allowed as configured."""
    if (tls_cert is None) != (tls_key is None):
        raise BindRefused("--api-tls-cert and --api-tls-key go together: give both or neither")
    if is_loopback(host):
        return
    missing = []
    if token_file is None:
        missing.append("a bearer token (--api-token-file)")
    if tls_cert is None:
        missing.append("TLS (--api-tls-cert and --api-tls-key)")
    if missing:
        raise BindRefused(
            f"the API would listen on {host}, beyond this host, without "
            f"{' and '.join(missing)}; anyone who reaches the port could read the fleet. "
            "Give both, or keep --api-host on 127.0.0.1"
        )


def load_token(path: Path) -> str:
    """The token in ``path`` (surrounding whitespace removed); ValueError if unusable."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ValueError(f"cannot read the token file {path}: {exc}") from None
    token = text.strip()
    if len(token) < MIN_TOKEN_LEN:
        raise ValueError(
            f"the token in {path} is {len(token)} characters; use at least {MIN_TOKEN_LEN} "
            "(e.g. `python3 -c 'import secrets; print(secrets.token_urlsafe(32))'`)"
        )
    if any(ch.isspace() or not ch.isprintable() for ch in token):
        raise ValueError(f"the token in {path} holds spaces or control characters")
    return token


def readable_by_others(path: Path) -> bool:
    """Whether group or others may read ``path`` (a token file should be 0600)."""
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return False
    return bool(mode & (stat.S_IRGRP | stat.S_IROTH))


def bearer_ok(header: str | None, token: str) -> bool:
    """``Authorization: Bearer <token>``, compared in constant time."""
    if not header:
        return False
    scheme, _, given = header.partition(" ")
    if scheme.lower() != "bearer":
        return False
    return hmac.compare_digest(given.strip().encode("utf-8"), token.encode("utf-8"))


@dataclass(slots=True)
class _Bucket:
    tokens: float
    at: float


class RateLimiter:
    """A token bucket per client: ``burst`` requests at once, ``rate`` per second after.

    At most ``clients`` buckets are kept (the least recently seen is forgotten, which
    only ever gives a client a full bucket again)."""

    def __init__(
        self,
        rate: float = 10.0,
        burst: int = 60,
        *,
        clients: int = 4096,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.rate = rate
        self.burst = burst
        self._clients = clients
        self._clock = clock
        self._buckets: OrderedDict[str, _Bucket] = OrderedDict()

    def take(self, client: str) -> float:
        """0 when ``client`` may go on; else the seconds until it may (``Retry-After``)."""
        now = self._clock()
        bucket = self._buckets.pop(client, None)
        if bucket is None:
            bucket = _Bucket(float(self.burst), now)
        bucket.tokens = min(float(self.burst), bucket.tokens + (now - bucket.at) * self.rate)
        bucket.at = now
        self._buckets[client] = bucket
        while len(self._buckets) > self._clients:
            self._buckets.popitem(last=False)
        if bucket.tokens >= 1.0:
            bucket.tokens -= 1.0
            return 0.0
        return (1.0 - bucket.tokens) / self.rate


def retry_after(seconds: float) -> str:
    """A ``Retry-After`` value: whole seconds, at least 1."""
    return str(max(1, math.ceil(seconds)))
