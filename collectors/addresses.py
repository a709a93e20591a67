"""What counts as this host, and which URLs may carry a token.

The API's listener rule and a follower's URL rule both ask here: loopback
(127.0.0.0/8, ::1, ``localhost``) is this host; anything else is the network, where a
token only travels inside TLS.
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit


def is_loopback(host: str) -> bool:
    """Whether ``host`` is a loopback address (127.0.0.0/8, ::1) or ``localhost``."""
    name = host.strip().strip("[]").lower()
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False  # a host name: it may resolve anywhere


def check_url(url: str) -> str:
    """``url`` without a trailing slash; ValueError unless it is http(s) with a host, and
    http only for a loopback address."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"{url!r} is not an http(s) URL with a host")
    if parts.username or parts.password:
        raise ValueError(f"{parts.hostname}: put credentials in a token_file, not in the URL")
    if parts.scheme == "http" and not is_loopback(parts.hostname):
        raise ValueError(
            f"{url}: plain http would send the token and the fleet in clear beyond this host; "
            "use https (the collector's --api-tls-cert)"
        )
    return url.rstrip("/")
