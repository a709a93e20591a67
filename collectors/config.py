"""The TOML configuration: global settings plus one table per cluster.

``load_config(path)`` reads and validates a file and turns every problem (TOML syntax,
a wrong type, a duplicate cluster name, an unknown IANA zone, a missing CA file) into
one :class:`~collectors.errors.ConfigError` whose message names the file, the cluster
(by name, or by index when it has none), the field and what is wrong.

Passwords are never read here: a cluster only says *where* its password comes from
(``password_env``, ``password_keyring``, ``password_command`` or a plain ``password``);
:mod:`collectors.secrets` resolves them when a poll needs one.
"""

from __future__ import annotations

import functools
import logging
import os
import shlex
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)

from collectors.errors import ConfigError
from collectors.model import Product
from collectors.products import PRODUCTS

log = logging.getLogger(__name__)

AXL_VERSIONS: tuple[str, ...] = ("15.0", "14.0", "12.5")
"""The AXL versions that have ``getSmartLicenseStatus``, newest first (the ``auto`` order)."""

DEFAULT_AXL_PORT = 8443


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Settings(_Model):
    """The ``[settings]`` table: applies to every cluster unless it overrides it."""

    interval: float = Field(300.0, gt=0)
    """Seconds between two polls of one publisher."""
    timeout: float = Field(15.0, gt=0)
    """Per-poll timeout in seconds, connect to last byte (including version fallback)."""
    concurrency: int = Field(100, ge=1, le=10_000)
    """Polls in flight at once across the whole fleet."""
    stale_after: float = Field(3.0, gt=0)
    """Poll intervals without a good poll before a cluster's data is flagged stale."""
    warning_days: int = Field(30, ge=0)
    """A hard deadline within this many days makes a cluster a warning."""
    critical_days: int = Field(7, ge=0)
    """A hard deadline within this many days makes a cluster critical."""
    jitter: float = Field(0.1, ge=0, le=0.5)
    """Spread of the schedule: each next poll lands within ±jitter x interval."""
    backoff_base: float = Field(30.0, gt=0)
    """First retry delay after a failure, in seconds; doubles per consecutive failure."""
    backoff_max: float = Field(3600.0, gt=0)
    """Longest delay between retries of a failing publisher, in seconds."""
    max_body_bytes: int = Field(2_000_000, ge=1024)
    """Largest answer accepted from a publisher; a bigger one is an ``oversize`` error."""

    @model_validator(mode="after")
    def _days_order(self) -> Settings:
        if self.critical_days > self.warning_days:
            raise ValueError(
                f"critical_days ({self.critical_days}) must not exceed "
                f"warning_days ({self.warning_days})"
            )
        return self


class KeyringRef(_Model):
    """A password kept in the OS keyring."""

    service: str = Field(min_length=1)
    username: str = Field(min_length=1)


def _parse_keyring(value: Any) -> Any:
    if isinstance(value, str):
        service, sep, user = value.rpartition("/")
        if not sep or not service or not user:
            raise ValueError('password_keyring must be "service/username" or a table')
        return {"service": service, "username": user}
    return value


class ClusterConfig(_Model):
    """One ``[[clusters]]`` table: a CUCM or Unity Connection cluster, reached through
    its publisher, or an Expressway node (with ``peers``: one row per peer)."""

    name: str = Field(min_length=1, max_length=200)
    """Unique name shown everywhere (the dashboard row, the store, metrics)."""
    product: Product = "cucm"
    """``cucm``, ``unity`` (Unity Connection) or ``expressway``."""
    publisher: str = Field(min_length=1)
    """``host[:port]`` of the publisher (Expressway: the first peer); the port defaults to
    8443 for CUCM's AXL and 443 for Unity Connection and Expressway."""
    peers: tuple[str, ...] = ()
    """Expressway only: ``host[:port]`` of the cluster's other peers. Each peer registers
    on its own, so each becomes its own row, named ``<name>/peer1`` (the publisher),
    ``<name>/peer2``... in this order."""
    transport: Literal["axl", "cli", "auto", "cupi", "rest"] = "axl"
    """CUCM: ``axl`` (HTTPS), ``cli`` (SSH to the VOS shell) or ``auto`` (AXL, else CLI; a
    cluster whose AXL lacks the operation stays on the CLI for a day, or to a reload).
    Unity Connection is polled over ``cupi`` and Expressway over ``rest`` (the defaults
    for those products)."""
    axl_version: Literal["auto", "12.5", "14.0", "15.0"] = "auto"
    """AXL schema version; ``auto`` tries 15.0, 14.0 then 12.5 and remembers what worked."""
    username: str = Field(min_length=1)
    """CUCM: an application user holding the AXL API role; Unity Connection and
    Expressway: an administrator account."""
    password_env: str | None = None
    """Name of an environment variable holding the password."""
    password_keyring: Annotated[KeyringRef | None, Field(default=None)] = None
    """OS keyring entry: ``"service/username"`` or ``{ service = ..., username = ... }``."""
    password_command: str | list[str] | None = None
    """Command printing the password on stdout (run without a shell, with a timeout)."""
    password: SecretStr | None = None
    """Plain-text password. Works, with a warning: prefer the other sources."""
    verify: bool | str = True
    """``true`` (system trust store), a CA bundle path, or ``false`` (no check: insecure)."""
    timezone: str | None = None
    """IANA zone of the publisher's clock, to read zone abbreviations such as IST or CST."""
    interval: float | None = Field(None, gt=0)
    """This cluster's own poll interval, overriding ``settings.interval``."""
    timeout: float | None = Field(None, gt=0)
    """This cluster's own per-poll timeout, overriding ``settings.timeout`` (a VOS login
    over SSH can take tens of seconds)."""
    tags: dict[str, str] = {}
    """Free labels (region, customer, environment...) for grouping and filtering."""
    ssh_port: int = Field(22, ge=1, le=65535)
    """CLI transport: the publisher's SSH port."""
    known_hosts: str | None = None
    """CLI transport: known_hosts file used to check the publisher's host key
    (default ``<config dir>/known_hosts``)."""
    trust_on_first_use: bool = False
    """CLI transport: accept and record the host key of a publisher ``known_hosts`` does
    not list yet. A changed key is always refused."""
    ssh_key: str | None = None
    """CLI transport: private key file for the platform administrator."""
    ssh_username: str | None = None
    """CLI transport: platform administrator's user name (defaults to ``username``)."""

    @model_validator(mode="before")
    @classmethod
    def _product_transport(cls, data: Any) -> Any:
        """A product other than CUCM is polled over its own transport by default."""
        if isinstance(data, dict) and "transport" not in data:
            product = data.get("product", "cucm")
            if product in PRODUCTS:
                return {**data, "transport": PRODUCTS[product].transports[0]}
        return data

    @field_validator("password_keyring", mode="before")
    @classmethod
    def _keyring(cls, value: Any) -> Any:
        return _parse_keyring(value)

    @field_validator("peers")
    @classmethod
    def _peers(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for peer in value:
            split_publisher(peer)
        return value

    @field_validator("verify", mode="before")
    @classmethod
    def _verify(cls, value: Any) -> Any:
        if not isinstance(value, bool | str) or value == "":
            raise ValueError("verify must be true, false or the path of a CA bundle")
        return value

    @field_validator("publisher")
    @classmethod
    def _publisher(cls, value: str) -> str:
        split_publisher(value)
        return value

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str | None) -> str | None:
        if value is None:
            return None
        if not _known_zone(value):
            raise ValueError(f"unknown IANA time zone {value!r} (e.g. Europe/London)")
        return value

    @field_validator("password_command")
    @classmethod
    def _command(cls, value: str | list[str] | None) -> str | list[str] | None:
        if value is not None and not (value.strip() if isinstance(value, str) else value):
            raise ValueError("password_command is empty")
        if isinstance(value, str):
            try:
                shlex.split(value)
            except ValueError as exc:  # unbalanced quotes; says nothing of the text
                raise ValueError(f"password_command is not a valid command line: {exc}") from None
        return value

    @model_validator(mode="after")
    def _fits_product(self) -> ClusterConfig:
        info = PRODUCTS[self.product]
        if self.transport not in info.transports:
            allowed = " or ".join(repr(t) for t in info.transports)
            raise ValueError(
                f"transport {self.transport!r} does not poll {info.name}; use {allowed}"
            )
        if self.peers and not info.every_node:
            raise ValueError(
                f"peers lists the nodes of an Expressway cluster; {info.name} is polled "
                "through its publisher alone"
            )
        return self

    @model_validator(mode="after")
    def _one_password_source(self) -> ClusterConfig:
        sources = [s for s in PASSWORD_SOURCES if getattr(self, s) is not None]
        if len(sources) > 1:
            raise ValueError(f"give one password source, not {len(sources)}: {', '.join(sources)}")
        if not sources and not (self.transport == "cli" and self.ssh_key):
            raise ValueError(
                "no password source: set password_env, password_keyring or password_command"
            )
        return self

    # ----- derived values ---------------------------------------------------------

    @property
    def host(self) -> str:
        return split_publisher(self.publisher)[0]

    @property
    def port(self) -> int:
        return split_publisher(self.publisher)[1] or PRODUCTS[self.product].default_port

    def peer_rows(self) -> tuple[ClusterConfig, ...]:
        """This table as the rows it polls: itself, or one per Expressway peer."""
        if not self.peers:
            return (self,)
        nodes = (self.publisher, *self.peers)
        return tuple(
            self.model_copy(update={"name": f"{self.name}/peer{i}", "publisher": node, "peers": ()})
            for i, node in enumerate(nodes, start=1)
        )

    @property
    def password_source(self) -> str | None:
        """Which password source is set (a field name), for messages; never the value."""
        return next((s for s in PASSWORD_SOURCES if getattr(self, s) is not None), None)

    @property
    def cli_username(self) -> str:
        return self.ssh_username or self.username

    def effective_interval(self, settings: Settings) -> float:
        return self.interval if self.interval is not None else settings.interval

    def effective_timeout(self, settings: Settings) -> float:
        return self.timeout if self.timeout is not None else settings.timeout


PASSWORD_SOURCES: tuple[str, ...] = (
    "password_env",
    "password_keyring",
    "password_command",
    "password",
)


@functools.lru_cache(maxsize=1 << 16)
def split_publisher(value: str) -> tuple[str, int | None]:
    """Split ``host[:port]`` (IPv6 in brackets: ``[::1]:8443``); raise ValueError if bad.

    Cached: ``host`` and ``port`` of a cluster are read on every poll and at start-up
    (three times per cluster: 0.19 s for a 10,000-cluster config)."""
    value = value.strip()
    if "://" in value or "/" in value:
        raise ValueError(f"publisher {value!r} must be host[:port], without a scheme or path")
    if value.startswith("["):
        host, sep, rest = value[1:].partition("]")
        port_text = rest[1:] if rest.startswith(":") else None
        if not sep or (rest and port_text is None):
            raise ValueError(f"publisher {value!r}: bad IPv6 form, use [addr]:port")
    elif value.count(":") == 1:
        host, port_text = value.split(":")
    else:
        host, port_text = value, None
    if not host:
        raise ValueError(f"publisher {value!r} has no host")
    if port_text is None:
        return host, None
    if not port_text.isdigit() or not 0 < int(port_text) < 65536:
        raise ValueError(f"publisher {value!r}: port must be a number from 1 to 65535")
    return host, int(port_text)


SOURCE_NAME = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,39}$"


class SourceConfig(_Model):
    """One ``[[sources]]`` table: a store or a collector's API to merge into one view."""

    name: str = Field(pattern=SOURCE_NAME)
    """Shown in the source column and the ``source`` tag; letters, digits, ``_.-``."""
    url: str | None = None
    """A collector's API, e.g. ``https://emea-collector:9465`` (``collect --api-port``)."""
    store: str | None = None
    """Or a store directory on this host."""
    token_file: str | None = None
    """File holding the bearer token the collector's API expects."""
    verify: bool | str = True
    """TLS: true (the system's CAs), a CA bundle file, or false (loud warning)."""
    timeout: float = Field(10.0, gt=0, le=300)
    """Seconds for one request to the collector."""
    read_only: bool = False
    """Never write acknowledgements through this source (read it only)."""

    @model_validator(mode="after")
    def _one_location(self) -> SourceConfig:
        if (self.url is None) == (self.store is None):
            raise ValueError("give exactly one of url and store")
        if self.url is not None:
            from collectors.listener import check_url

            check_url(self.url)
        elif self.token_file is not None:
            raise ValueError("token_file is for a url source; a store is read directly")
        return self


class LicdashConfig(_Model):
    """A whole config file."""

    settings: Settings = Settings()
    clusters: tuple[ClusterConfig, ...] = ()
    sources: tuple[SourceConfig, ...] = ()
    """Sources to merge (``dash``, ``status``, ``export``): a config may list these
    instead of clusters."""
    source: Path | None = Field(default=None, exclude=True)
    """The file this was loaded from (not part of the TOML)."""

    @field_validator("clusters", mode="after")
    @classmethod
    def _one_row_per_peer(cls, value: tuple[ClusterConfig, ...]) -> tuple[ClusterConfig, ...]:
        """An Expressway table with ``peers`` becomes one cluster row per peer."""
        if not any(c.peers for c in value):
            return value
        return tuple(row for c in value for row in c.peer_rows())

    @model_validator(mode="after")
    def _unique_names(self) -> LicdashConfig:
        seen: set[str] = set()
        for cluster in self.clusters:
            if cluster.name in seen:
                raise ValueError(f"duplicate cluster name {cluster.name!r}")
            seen.add(cluster.name)
        names = [s.name for s in self.sources]
        if len(set(names)) != len(names):
            twice = sorted({n for n in names if names.count(n) > 1})
            raise ValueError(f"duplicate source name {', '.join(map(repr, twice))}")
        return self

    def cluster(self, name: str) -> ClusterConfig:
        for cluster in self.clusters:
            if cluster.name == name:
                return cluster
        raise KeyError(name)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.clusters)


# ----- loading ------------------------------------------------------------------------


@functools.lru_cache(maxsize=1024)
def _known_zone(name: str) -> bool:
    """Whether ``name`` is an IANA zone (loading one reads a file: once per name)."""
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def resolve_config_path(path: str | os.PathLike[str] | None = None) -> Path:
    """``path`` if given, else ``$LICDASH_CONFIG``, else the platform config file."""
    if path is not None:
        return Path(path).expanduser()
    from collectors import paths  # platformdirs: only for the default location

    return paths.default_config_file()


def load_config(path: str | os.PathLike[str] | None = None) -> LicdashConfig:
    """Read and validate a config file; any problem is a :class:`ConfigError`."""
    file = resolve_config_path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(
            f"{file}: no such config file (create it, or pass --config / set LICDASH_CONFIG)"
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{file}: cannot read: {exc}") from None
    return parse_config(text, source=file)


def parse_config(text: str, *, source: Path | None = None) -> LicdashConfig:
    """Validate TOML text; relative CA/key paths resolve against the file's directory."""
    where = str(source) if source else "<config>"
    data = _parse_toml(text, where)
    base = source.parent if source else Path.cwd()
    _resolve_paths(data, base)
    _check_duplicates(data, where)
    try:
        config = LicdashConfig.model_validate({**data, "source": source})
    except ValidationError as exc:
        from collectors.config_problems import ConfigProblems, missing_files, problems_from

        problems = problems_from(exc, data, where, text, _table_fields())
        seen = {(p.cluster, p.field) for p in problems}
        extra = [p for p in missing_files(data, where, text) if (p.cluster, p.field) not in seen]
        raise ConfigProblems(problems + extra) from None
    _check_files(config, where, text)
    _warn_insecure(config, where)
    return config


def _parse_toml(text: str, where: str = "<config>") -> dict[str, Any]:
    """The TOML document, parsed by toml_rs (Rust) held to TOML 1.0, the version tomllib
    reads (1.1 would accept trailing commas and newlines in inline tables that tomllib
    refuses). Text toml_rs refuses goes to tomllib, so a syntax error is always
    tomllib's (line and column), a :class:`ConfigError`, and anything tomllib accepts
    is accepted. tomllib is imported only then."""
    try:
        import toml_rs

        data = toml_rs.loads(text, toml_version="1.0.0")
    except Exception:  # toml_rs's own error types, or none: let tomllib judge and word it
        data = None
    if isinstance(data, dict):
        return data
    import tomllib

    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{where}: TOML syntax error: {exc}") from None


def _resolve_paths(data: dict[str, Any], base: Path) -> None:
    resolved: dict[str, str] = {}  # a fleet shares a handful of CA bundles and key files
    for section, keys in (
        ("clusters", ("verify", "known_hosts", "ssh_key")),
        ("sources", ("verify", "token_file", "store")),
    ):
        tables = data.get(section)
        if not isinstance(tables, list):
            continue
        for table in tables:
            if not isinstance(table, dict):
                continue
            for key in keys:
                value = table.get(key)
                if isinstance(value, str) and value:
                    path = resolved.get(value)
                    if path is None:
                        path = resolved[value] = str((base / Path(value).expanduser()).resolve())
                    table[key] = path


def _check_duplicates(data: Mapping[str, Any], where: str) -> None:
    clusters = data.get("clusters")
    if not isinstance(clusters, list):
        return
    first_seen: dict[str, int] = {}
    for index, table in enumerate(clusters, start=1):
        name = table.get("name") if isinstance(table, dict) else None
        if not isinstance(name, str):
            continue
        if name in first_seen:
            raise ConfigError(
                f"{where}: clusters #{first_seen[name]} and #{index} share the name {name!r}; "
                "cluster names must be unique",
                cluster=name,
                field="name",
            )
        first_seen[name] = index


def _table_fields() -> dict[tuple[Any, ...], list[str]]:
    """The keys of each kind of table, for "did you mean" on an unknown key."""
    return {
        (): [f for f in LicdashConfig.model_fields if f != "source"],
        ("settings",): list(Settings.model_fields),
        ("clusters", int): list(ClusterConfig.model_fields),
        ("clusters", int, "password_keyring"): list(KeyringRef.model_fields),
        ("sources", int): list(SourceConfig.model_fields),
    }


_FILE_FIELDS: dict[str, tuple[tuple[str, str], ...]] = {
    "clusters": (("verify", "CA bundle"), ("ssh_key", "key file")),
    "sources": (("verify", "CA bundle"), ("token_file", "token file")),
}
"""The fields of each kind of table that name a file, and what that file is."""


def _check_files(config: LicdashConfig, where: str, text: str | None = None) -> None:
    # A fleet shares a handful of files: one stat for each, and the tables are walked
    # again (in file order) only when one is missing.
    tables: dict[str, Sequence[ClusterConfig | SourceConfig]] = {
        "clusters": config.clusters,
        "sources": config.sources,
    }
    paths = {
        getattr(table, field)
        for section, fields in _FILE_FIELDS.items()
        for field, _ in fields
        for table in tables[section]
    }
    absent = {p for p in paths if isinstance(p, str) and not Path(p).is_file()}
    if not absent:
        return
    from collectors.config_problems import ConfigProblem, ConfigProblems, key_lines, line_of

    lines = key_lines(text) if text else {}  # only to name the lines of what is missing
    found = []
    for section, fields in _FILE_FIELDS.items():
        for index, table in enumerate(tables[section]):
            name = table.name if section == "clusters" else f"source {table.name}"
            for field, what in fields:
                path = getattr(table, field)
                if isinstance(path, str) and path in absent:
                    line = line_of(lines, (section, index, field))
                    problem = f"{what} {path} does not exist"
                    found.append(ConfigProblem(where, line, name, field, problem))
    raise ConfigProblems(found)


def _warn_insecure(config: LicdashConfig, where: str) -> None:
    plain = [c.name for c in config.clusters if c.password is not None]
    if plain:
        log.warning(
            "%s: %d of %d clusters keep a plain-text password (%s); "
            "prefer password_env, password_keyring or password_command",
            where,
            len(plain),
            len(config.clusters),
            _short_list(plain),
        )
        _warn_readable(config.source)
    unverified = [c.name for c in config.clusters if c.verify is False]
    if unverified:
        log.warning(
            "%s: TLS CERTIFICATE CHECKING IS OFF for %d clusters (%s): anyone on the path "
            "can read their AXL credentials; set verify to true or a CA bundle path",
            where,
            len(unverified),
            _short_list(unverified),
        )


def _warn_readable(source: Path | None) -> None:
    """A file holding plain passwords that group or others can read gets a warning."""
    if source is None:
        return
    try:
        mode = source.stat().st_mode
    except OSError:
        return
    readers = [who for who, bit in (("its group", 0o040), ("others", 0o004)) if mode & bit]
    if readers:
        log.warning(
            "%s holds passwords in plain text and is readable by %s (mode %03o); run: chmod 600 %s",
            source,
            " and ".join(readers),
            mode & 0o777,
            source,
        )


def _short_list(names: list[str], limit: int = 5) -> str:
    shown = ", ".join(names[:limit])
    return shown + (f" and {len(names) - limit} more" if len(names) > limit else "")
