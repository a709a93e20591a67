"""Who may listen where: the one rule for every licdash listener.

On loopback (127.0.0.0/8, ::1, a name that resolves only there) a listener may run
without TLS or a token: only this machine reaches it. Beyond loopback it must have both
TLS (a certificate and its key) and a token (from a file, never the command line, where
``ps`` shows it); otherwise it refuses to start, with the reason. The token is compared
in constant time; a browser presents it once in the URL and then by a cookie derived
from it (so the token itself is not what the browser keeps).
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import socket
import ssl
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Final

MIN_TOKEN_LENGTH: Final = 16
"""A shorter token is refused: it could be guessed."""


class ListenerError(Exception):
    """The listener must not start; the message says why and what to do."""

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.hint = hint


def is_loopback(host: str) -> bool:
    """``host`` is reachable from this machine only: a loopback address, or a name
    whose every address is loopback. An empty host or ``0.0.0.0`` is every interface."""
    host = host.strip().strip("[]")
    if not host:
        return False
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        pass
    try:
        infos = socket.getaddrinfo(host, None)
    except OSError:
        return False
    addresses = {info[4][0] for info in infos}
    return bool(addresses) and all(
        ipaddress.ip_address(str(a).split("%")[0]).is_loopback for a in addresses
    )


@dataclass(frozen=True, slots=True)
class ListenerSecurity:
    """What a listener was allowed to start with."""

    loopback: bool
    ssl_context: ssl.SSLContext | None
    token: str | None

    @property
    def scheme(self) -> str:
        return "https" if self.ssl_context is not None else "http"

    def warning(self, host: str, port: int) -> str | None:
        """The line to print when the listener is reachable from other machines."""
        if self.loopback:
            return None
        return (
            f"WARNING: listening on {host}:{port}, beyond loopback: anyone who can reach "
            "this address and has the token can watch the fleet (TLS on)"
        )


def check_listener(
    host: str,
    *,
    tls_cert: Path | None = None,
    tls_key: Path | None = None,
    token_file: Path | None = None,
    what: str = "the listener",
) -> ListenerSecurity:
    """Apply the rule; raise :class:`ListenerError` when ``host`` may not be used so."""
    if (tls_cert is None) != (tls_key is None):
        raise ListenerError(
            "--tls-cert and --tls-key go together", "pass both: the certificate and its key"
        )
    loopback = is_loopback(host)
    if not loopback:
        missing = [
            name
            for name, given in (("--tls-cert/--tls-key", tls_cert), ("--token-file", token_file))
            if given is None
        ]
        if missing:
            raise ListenerError(
                f"refusing to serve {what} on {host!r}, beyond loopback, without "
                + " and ".join(missing),
                "a listener reachable from other machines needs TLS and a token: "
                "--tls-cert FILE --tls-key FILE --token-file FILE (or keep the default "
                "--host 127.0.0.1 and reach it through an SSH tunnel)",
            )
    context = _ssl_context(tls_cert, tls_key) if tls_cert and tls_key else None
    token = read_token(token_file) if token_file is not None else None
    return ListenerSecurity(loopback=loopback, ssl_context=context, token=token)


def _ssl_context(cert: Path, key: Path) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    try:
        context.load_cert_chain(str(cert), str(key))
    except (OSError, ssl.SSLError) as exc:
        raise ListenerError(
            f"cannot load the TLS certificate {cert} with key {key}: {exc}",
            "both files must be PEM; the key must match the certificate",
        ) from None
    return context


def read_token(path: Path) -> str:
    """The token in ``path`` (surrounding whitespace ignored)."""
    try:
        mode = path.stat().st_mode
        text = path.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError) as exc:
        raise ListenerError(f"cannot read the token file {path}: {exc}") from None
    if len(text) < MIN_TOKEN_LENGTH or any(c.isspace() for c in text):
        raise ListenerError(
            f"the token in {path} must be one word of at least {MIN_TOKEN_LENGTH} characters",
            "e.g. python3 -c 'import secrets; print(secrets.token_urlsafe(32))' > FILE",
        )
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise ListenerError(
            f"the token file {path} can be read by other users", f"chmod 600 {path}"
        )
    return text


def token_matches(expected: str, given: str | None) -> bool:
    return given is not None and hmac.compare_digest(expected.encode(), given.encode())


def session_cookie(token: str) -> str:
    """What a browser keeps after presenting the token once: derived, not the token."""
    return hmac.new(token.encode(), b"licdash browser session", hashlib.sha256).hexdigest()
