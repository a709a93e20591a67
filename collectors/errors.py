"""Every failure licdash can name, as one small tree.

    LicdashError                      root; carries ``cluster`` and ``field`` when known
    ├── ConfigError                   a bad config file (file, cluster, field, problem)
    ├── SecretError                   a password source gave nothing usable
    ├── StoreError                    the snapshot store
    │   ├── StoreLockedError          a second writer on the same store
    │   ├── StoreCorruptError         an unreadable file, set aside
    │   └── AcksBusyError             the acknowledgements lock stayed taken
    ├── AckError                      an acknowledgement that cannot be made as asked
    ├── SourceError                   a source of a merged view (a store, a collector's API)
    │   ├── SourceAuthError           the collector refused the token (401 / 403)
    │   └── SourceUnsupportedError    the source cannot do what was asked (read-only)
    ├── ParseError                    a response or capture that cannot be read
    │   ├── MalformedResponseError    broken or truncated XML, text with no status
    │   ├── OversizeResponseError     body over the size cap
    │   ├── UnsupportedFormatError    a known format licdash does not read (Using Policy)
    │   └── SoapFaultError            a SOAP Fault, with faultstring and AXL code
    │       └── UnsupportedVersionError   the publisher does not speak that AXL version
    └── PollError                     talking to a publisher failed
        ├── TransportError
        │   ├── DnsError
        │   ├── ConnectionRefusedError
        │   ├── ConnectTimeoutError
        │   ├── ReadTimeoutError
        │   └── TlsError
        ├── HttpStatusError           any other HTTP status
        │   ├── AuthError             401 / 403
        │   ├── AxlNotFoundError      404: AXL not enabled or wrong path
        │   ├── UnsupportedError      404: the product's version has no licensing API
        │   ├── ServerError           5xx
        │   └── BusyError             503
        └── CliError                  the SSH/VOS transport
            ├── SshAuthError
            ├── HostKeyError
            ├── PromptNotFoundError
            ├── CommandNotRecognisedError
            ├── PagerStuckError
            └── CliTimeoutError

Errors never render or log themselves beyond ``str()``: each ``kind`` is a stable,
machine-readable word (stored, exported, used as a metrics label), and ``hint`` is a
short human sentence telling a NOC engineer what to check. Messages never contain
secrets: build them from hosts, cluster names and status codes only.
"""

from __future__ import annotations

from typing import ClassVar


class LicdashError(Exception):
    """Root of every error licdash raises on purpose."""

    kind: ClassVar[str] = "error"
    hint: str = "See the message for details."
    """Class default; an instance may carry a more specific one (a port, a fault text)."""

    def __init__(self, message: str, *, cluster: str | None = None, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.cluster = cluster
        self.field = field

    def with_cluster(self, cluster: str) -> LicdashError:
        """Attach the cluster name (returns self, for ``raise err.with_cluster(c)``)."""
        self.cluster = cluster
        return self

    def __str__(self) -> str:
        parts = []
        if self.cluster:
            parts.append(f"[{self.cluster}]")
        if self.field:
            parts.append(f"{self.field}:")
        parts.append(self.message)
        return " ".join(parts)


class ConfigError(LicdashError):
    kind = "config"
    hint = "Fix the named field in the config file; `licdash config check` validates it."


class SecretError(LicdashError):
    kind = "secret"
    hint = "Check the cluster's password source (environment variable, keyring or command)."


class StoreError(LicdashError):
    kind = "store"
    hint = "Check the store directory's permissions and free space."


class StoreLockedError(StoreError):
    kind = "store_locked"
    hint = "Another licdash collector writes this store; stop it or use another --store."


class StoreCorruptError(StoreError):
    kind = "store_corrupt"
    hint = "The damaged file was set aside; the rest of the store keeps working."


class AcksBusyError(StoreError):
    kind = "acks_busy"
    hint = (
        "Another licdash process held the acknowledgements lock (acks.lock) for too long; "
        "try again, or look for a hung process."
    )


class AckError(LicdashError):
    """An acknowledgement that cannot be made as asked (no such cluster, nothing to
    acknowledge, an end in the past)."""

    kind = "ack"
    hint = "`licdash acks` lists what is acknowledged; `licdash status` what is wrong."


class SourceError(LicdashError):
    """A source of a merged view could not be read; ``source`` names it."""

    kind = "source"
    hint = "Check that the collector runs with --api-port and that its address is reachable."

    def __init__(
        self,
        message: str,
        *,
        source: str | None = None,
        cluster: str | None = None,
        field: str | None = None,
    ):
        super().__init__(message, cluster=cluster, field=field)
        self.source = source


class SourceAuthError(SourceError):
    kind = "source_auth"
    hint = "The collector refused the token: check the source's token_file in the config."


class SourceUnsupportedError(SourceError):
    kind = "unsupported"
    hint = "This source is read-only for that action; do it on the collector that owns it."


class ParseError(LicdashError):
    kind = "malformed"
    hint = "The publisher answered with something that is not a Smart Licensing status."


class MalformedResponseError(ParseError):
    kind = "malformed"
    hint = "The answer was broken or cut short; check the AXL service on the publisher."


class OversizeResponseError(ParseError):
    kind = "oversize"
    hint = "The answer was larger than any licence status; is this really the AXL endpoint?"


class UnsupportedFormatError(ParseError):
    """Text in a known format that carries no status licdash can judge."""

    kind = "unsupported_format"
    hint = (
        "This is Smart Licensing Using Policy output (IOS-XE 17.3 and later): it has no "
        "registration or authorization status to monitor."
    )


class SoapFaultError(ParseError):
    """A SOAP Fault. ``axl_code`` is the AXL error code from the fault detail, if any."""

    kind = "soap_fault"
    hint = "AXL refused the request; check the AXL API role and the CUCM version."

    def __init__(
        self,
        faultstring: str,
        *,
        axl_code: str | None = None,
        faultcode: str | None = None,
        cluster: str | None = None,
    ):
        code = f" (AXL code {axl_code})" if axl_code else ""
        super().__init__(f"SOAP fault{code}: {faultstring}", cluster=cluster)
        self.faultstring = faultstring
        self.axl_code = axl_code
        self.faultcode = faultcode
        if type(self).hint == SoapFaultError.hint:  # a subclass's own hint stays
            from collectors.fault_hints import fault_hint

            self.hint = fault_hint(faultstring) or self.hint


class UnsupportedVersionError(SoapFaultError):
    kind = "unsupported_version"
    hint = "The publisher runs an older AXL; set axl_version to auto or to its version."


class PollError(LicdashError):
    kind = "poll"
    hint = "The publisher could not be polled."


class TransportError(PollError):
    kind = "transport"


class DnsError(TransportError):
    kind = "dns"
    hint = "The publisher's name does not resolve; check the host name and DNS."


class RefusedError(TransportError):
    kind = "refused"
    hint = "Nothing listens on that port; check the host, the port and the service."

    def __init__(
        self,
        message: str,
        *,
        port: int | None = None,
        via: str = "axl",
        cluster: str | None = None,
        field: str | None = None,
    ):
        super().__init__(message, cluster=cluster, field=field)
        self.port = port
        if port is not None and via == "ssh":
            self.hint = (
                f"Nothing listens on port {port}; check the host, `ssh_port` and that the "
                "publisher's SSH service is up."
            )
        elif port is not None:
            self.hint = (
                f"Nothing listens on port {port}; check the host, the port in `publisher` "
                "and the publisher's Tomcat service."
            )


class ConnectTimeoutError(TransportError):
    kind = "connect_timeout"
    hint = "No answer to connect; check routing, firewalls and that the publisher is up."


class ReadTimeoutError(TransportError):
    kind = "read_timeout"
    hint = "Connected but no answer in time; the AXL service may be busy or hung."


class TlsError(TransportError):
    kind = "tls"
    hint = "The certificate is not trusted, expired or for another host; check `verify`."


class HttpStatusError(PollError):
    kind = "http_error"
    hint = "The web server refused the request."

    def __init__(self, message: str, *, status_code: int, cluster: str | None = None):
        super().__init__(message, cluster=cluster)
        self.status_code = status_code


class AuthError(HttpStatusError):
    kind = "auth"
    hint = "Check the application user's password and that it holds the AXL API role."


class AxlNotFoundError(HttpStatusError):
    kind = "not_found"
    hint = "AXL is not enabled on this node or the path is wrong; is this the publisher?"


class UnsupportedError(HttpStatusError):
    """The product answers, but its version has no Smart Licensing interface to read."""

    kind = "unsupported"
    hint = "This version has no Smart Licensing API; upgrade it, or stop polling it."


class ServerError(HttpStatusError):
    kind = "server_error"
    hint = "The publisher's AXL service failed; check its Tomcat and AXL Web Service."


class BusyError(HttpStatusError):
    kind = "busy"
    hint = "The AXL service is busy or restarting; licdash backs off and retries."


class CliError(PollError):
    kind = "cli"
    hint = "The SSH command-line session failed."


class SshAuthError(CliError):
    kind = "ssh_auth"
    hint = "Check the platform administrator's user name, password or key."


class HostKeyError(CliError):
    kind = "host_key"
    hint = "The publisher's SSH host key is unknown or changed; verify it before trusting."


class PromptNotFoundError(CliError):
    kind = "prompt_not_found"
    hint = "No `admin:` prompt appeared; is this a CUCM VOS shell?"


class CommandNotRecognisedError(CliError):
    kind = "command_unknown"
    hint = "The shell did not know the command; check the CUCM version."


class PagerStuckError(CliError):
    kind = "pager_stuck"
    hint = "The output pager did not finish; `set cli pagination off` may have failed."


class CliTimeoutError(CliError):
    kind = "cli_timeout"
    hint = "The SSH login or command took too long; VOS logins can be slow, raise the timeout."
