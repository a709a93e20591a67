"""The adversarial harness: three clusters, one hostile, and every output (fixtures: conftest).

:class:`Harness` polls ``good-a``, ``hostile`` and ``good-b`` once while all are healthy
(so ``hostile`` has a last good snapshot), turns ``hostile`` into the case under test and
polls again, with logs captured at DEBUG in both formats. :meth:`Harness.outputs` then
gathers every face: the human and JSON logs, every store file (gzip'd ones opened),
``status --format json``, both export formats and the metrics page.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import gzip
import io
import logging
import time
import tracemalloc
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import quote, quote_plus

from collectors.config import LicdashConfig, parse_config
from collectors.daemon import Daemon, OnceReport
from collectors.logs import HumanFormatter, JsonFormatter, SecretRedactor
from collectors.mock.tls import CertAuthority
from collectors.results import ClusterStatus
from collectors.store import SnapshotStore
from tests.adversarial.hostile_http import HostileFleet

SECRET = "hunter2 W/x%Q!9zz"
"""The hostile cluster's password: a space, a slash and a percent sign, so that every
encoded form differs from the plain one. It comes from a password command."""
GOOD_SECRET = "g00d-Pa55:w0rd"
USER = "licdash-axl"
NAMES = ("good-a", "hostile", "good-b")
POLL_TIMEOUT_S = 2.0
CYCLE_BOUND_S = 8.0
"""A hostile cycle ends within the poll timeout plus slack, whatever the publisher does."""
MEMORY_BOUND = 48 * 1024 * 1024
"""Peak Python allocations during a hostile cycle (the body cap is 2 MB)."""


def secret_forms(secret: str, user: str = USER) -> set[str]:
    pair = f"{user}:{secret}"
    token = base64.b64encode(pair.encode()).decode()
    return {
        secret,
        pair,
        token,
        token.rstrip("="),
        quote(secret, safe=""),
        quote(secret, safe="").lower(),
        quote_plus(secret),
        base64.b64encode(secret.encode()).decode(),
    }


@dataclass
class Cycle:
    report: OnceReport
    seconds: float
    peak_bytes: int


class Harness:
    def __init__(self, tmp: Path, fleet: HostileFleet, ca: CertAuthority) -> None:
        self.tmp = tmp
        self.fleet = fleet
        self.ca = ca
        self.store_dir = tmp / "store"
        self.human = io.StringIO()
        self.json = io.StringIO()
        self.ssh_port: int | None = None
        """When set, ``hostile`` is polled over SSH on this port instead of AXL."""
        self.known_hosts = tmp / "ssh" / "known_hosts"
        self.hostile_verify: str | None = None
        """When set, the ``verify`` of ``hostile`` (another CA bundle, say)."""

    # ----- set-up -------------------------------------------------------------------

    def config(self) -> LicdashConfig:
        return parse_config(self.config_text())

    def config_file(self) -> Path:
        path = self.tmp / "licdash.toml"
        path.write_text(self.config_text())
        path.chmod(0o600)
        return path

    def config_text(self) -> str:
        lines = [f"[settings]\ntimeout = {POLL_TIMEOUT_S}\ninterval = 60\n"]
        for name in NAMES:
            port = self.fleet.publishers[name].port
            source = (
                f'password_command = ["/bin/echo", "{SECRET}"]'
                if name == "hostile"
                else 'password_env = "ADV_GOOD_PW"'
            )
            transport = 'transport = "axl"\naxl_version = "14.0"'
            if name == "hostile" and self.ssh_port is not None:
                transport = (
                    f'transport = "cli"\nssh_port = {self.ssh_port}\n'
                    f'known_hosts = "{self.known_hosts}"'
                )
            verify = self.ca.bundle
            if name == "hostile" and self.hostile_verify is not None:
                verify = self.hostile_verify
            lines.append(
                f'[[clusters]]\nname = "{name}"\npublisher = "127.0.0.1:{port}"\n'
                f'{transport}\nusername = "{USER}"\n{source}\n'
                f'verify = "{verify}"\ntags = {{ region = "lab" }}\n'
            )
        return "\n".join(lines)

    @contextlib.contextmanager
    def captured_logs(self) -> Iterator[None]:
        root = logging.getLogger()
        handlers = []
        for stream, formatter in ((self.human, HumanFormatter()), (self.json, JsonFormatter())):
            handler = logging.StreamHandler(stream)
            handler.setFormatter(formatter)
            handler.addFilter(SecretRedactor())
            handler.setLevel(logging.DEBUG)
            root.addHandler(handler)
            handlers.append(handler)
        level = root.level
        root.setLevel(logging.DEBUG)
        try:
            yield
        finally:
            root.setLevel(level)
            for handler in handlers:
                root.removeHandler(handler)

    async def cycle(self) -> Cycle:
        store = SnapshotStore.open(self.store_dir)
        try:
            with self.captured_logs():
                tracemalloc.start()
                t0 = time.perf_counter()
                try:
                    report = await Daemon(self.config(), store).run_once()
                finally:
                    seconds = time.perf_counter() - t0
                    peak = tracemalloc.get_traced_memory()[1]
                    tracemalloc.stop()
        finally:
            store.close()
        return Cycle(report, seconds, peak)

    async def good_then(self, behaviour: str, text: str = "") -> Cycle:
        first = await self.cycle()
        assert first.report.ok == 3, self.human.getvalue()[-1500:]
        pub = self.fleet.publishers["hostile"]
        pub.behaviour, pub.text = behaviour, text
        return await self.cycle()

    # ----- what every face shows ----------------------------------------------------

    def latest(self) -> dict[str, ClusterStatus]:
        with SnapshotStore.open(self.store_dir, readonly=True) as store:
            return store.latest()

    def store_text(self) -> str:
        parts = []
        for path in sorted(self.store_dir.rglob("*")):
            if not path.is_file() or path.name == "writer.lock":
                continue
            blob = path.read_bytes()
            if path.suffix == ".gz":
                blob = gzip.decompress(blob)
            parts.append(blob.decode("utf-8", "replace"))
        return "\n".join(parts)

    def status_json(self) -> str:
        from collectors.commands.status_render import render_json
        from collectors.fleet_summary import summarise
        from collectors.policy import FreshnessPolicy

        now = datetime.now(UTC)
        policy = FreshnessPolicy.uniform(timedelta(hours=1))
        return render_json(summarise(self.latest(), now, policy), now, policy=policy)

    def status_table(self) -> str:
        from collectors.commands.status_render import render_table
        from collectors.fleet_summary import summarise
        from collectors.policy import FreshnessPolicy

        now = datetime.now(UTC)
        policy = FreshnessPolicy.uniform(timedelta(hours=1))
        rows = summarise(self.latest(), now, policy)
        return render_table(rows, now, colour=False, ascii_only=False, policy=policy)

    def export(self, fmt: str) -> str:
        from collectors.commands import export_cmd

        out = self.tmp / f"export.{fmt}"
        args = argparse.Namespace(
            store=self.store_dir,
            format=fmt,
            cluster=[],
            tag=[],
            since="30d",
            until=None,
            output=out,
        )
        assert export_cmd.run(args) == 0
        return out.read_text(encoding="utf-8-sig")

    def metrics(self) -> str:
        from collectors.metrics import fleet_registry, render

        latest = self.latest()
        return render(fleet_registry(lambda: latest, lost_results=lambda: 0))

    def outputs(self) -> dict[str, str]:
        return {
            "human log": self.human.getvalue(),
            "json log": self.json.getvalue(),
            "store files": self.store_text(),
            "status json": self.status_json(),
            "status table": self.status_table(),
            "export json": self.export("json"),
            "export csv": self.export("csv"),
            "metrics": self.metrics(),
        }

    # ----- the assertions every case makes --------------------------------------------

    def assert_contained(self, cycle: Cycle, kind: str | None) -> dict[str, ClusterStatus]:
        """The hostile poll failed as ``kind`` (None: it succeeded), its last good
        snapshot is kept, the others succeeded, no secret anywhere, time and memory
        bounded."""
        latest = self.latest()
        hostile = latest["hostile"]
        log = self.human.getvalue()[-1500:]
        if kind is None:
            assert hostile.consecutive_failures == 0, (hostile.last_error, log)
        else:
            assert hostile.last_error is not None, log
            assert hostile.last_error.kind == kind, (hostile.last_error, log)
            assert hostile.consecutive_failures == 1
        assert hostile.last_good is not None, "the last good snapshot was lost"
        for name in ("good-a", "good-b"):
            assert latest[name].consecutive_failures == 0, latest[name].last_error
            assert latest[name].last_good is not None
        assert cycle.report.ok == (3 if kind is None else 2)
        assert cycle.report.lost == 0
        assert cycle.seconds < CYCLE_BOUND_S, f"the cycle took {cycle.seconds:.1f} s"
        assert cycle.peak_bytes < MEMORY_BOUND, f"peak {cycle.peak_bytes / 1e6:.0f} MB"
        self.assert_no_secret()
        return latest

    def assert_no_secret(self) -> None:
        forms = secret_forms(SECRET) | secret_forms(GOOD_SECRET)
        for face, text in self.outputs().items():
            for form in forms:
                assert form not in text, f"a secret form {form!r} is in the {face}"
