"""``licdash serve``: what it refuses, what every session runs, and the web server's
guards, against the real server on loopback."""

from __future__ import annotations

import argparse
import re
import ssl
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import trustme

from dashboard.launch_serve import session_command
from tests.serve.conftest import ROOT, Served, start_serve, stop_serve
from tests.support.fleets import demo_statuses
from tests.support.store import write_store

TOKEN = "wall-token-0123456789abcdefXYZ"


def serve(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "collectors.cli", "serve", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize("host", ["0.0.0.0", "::"])
def test_beyond_loopback_without_tls_and_token_it_refuses_to_start(
    host: str, fleet_store: Path
) -> None:
    done = serve("--store", str(fleet_store), "--host", host, "--port", "0")
    assert done.returncode == 2
    assert "refusing to serve the browser view" in done.stderr
    assert "--tls-cert/--tls-key and --token-file" in done.stderr
    assert "licdash serve: open" not in done.stdout  # it never listened


def test_a_missing_store_is_named(tmp_path: Path) -> None:
    done = serve("--store", str(tmp_path / "nowhere"), "--port", "0")
    assert done.returncode == 2 and "no store at" in done.stderr


def test_every_session_runs_a_read_only_viewer_of_the_one_store(tmp_path: Path) -> None:
    args = argparse.Namespace(wall=True, page_seconds=20.0, theme="light")
    command = session_command(tmp_path / "s t", args)
    assert f"-m collectors.cli dash --store '{tmp_path / 's t'}'" in command
    assert "--wall --page-seconds 20 --theme light" in command
    assert "--config" not in command  # no session polls: one collector per server


def test_with_sources_every_session_runs_a_merged_view_that_never_acknowledges(
    tmp_path: Path,
) -> None:
    args = argparse.Namespace(wall=False, page_seconds=15.0, theme=None)
    config = tmp_path / "noc.toml"
    command = session_command(None, args, sources=["emea", "lab=/srv/lab"], config=config)
    assert f"dash --config {config} --source emea --source lab=/srv/lab" in command
    assert "--store" not in command and "--allow-ack" not in command


def test_sources_are_checked_once_and_served_merged(tmp_path: Path) -> None:
    stores = [
        write_store(tmp_path / name, demo_statuses()[i::2]) for i, name in enumerate(("a", "b"))
    ]
    both = serve("--source", f"a={stores[0]}", "--store", str(stores[1]), "--port", "0")
    assert both.returncode == 2 and "--source goes without --store" in both.stderr
    bad = serve("--source", "nowhere", "--port", "0")
    assert bad.returncode == 2 and "source nowhere: no store at nowhere" in bad.stderr
    served = start_serve("--source", f"a={stores[0]}", "--source", f"b={stores[1]}")
    try:
        with httpx.Client(base_url=served.base, timeout=10) as client:
            assert client.get("/").status_code == 200
    finally:
        stop_serve(served.process)
    said = "".join(served.output)
    assert f"every session merges a ({stores[0]}), b ({stores[1]}), read-only" in said


def test_loopback_serves_the_page_with_nothing_from_another_host(served: Served) -> None:
    with httpx.Client(base_url=served.base, timeout=10) as client:
        page = client.get("/")
        assert page.status_code == 200
        found = re.findall(r"""(?:src|href)="([^"]+)"|url\("([^"]+)"\)""", page.text)
        addresses = [a or b for a, b in found]
        assert len(addresses) >= 4, page.text[:500]  # style sheet, script, fonts, image
        for address in addresses:
            assert address.startswith(served.base), address  # no CDN: all from this server
        assert "fonts.googleapis" not in page.text
        for path in ("static/js/textual.js", "static/css/xterm.css"):
            assert client.get(path).status_code == 200
        font = client.get("static/fonts/RobotoMono-VariableFont_wght.ttf")
        assert font.status_code == 200 and len(font.content) > 10_000
        assert page.headers["X-Frame-Options"] == "DENY"


def test_a_session_from_another_origin_is_refused(served: Served) -> None:
    with httpx.Client(base_url=served.base, timeout=10) as client:
        foreign = client.get("/ws", headers={"Origin": "http://evil.example"})
        assert foreign.status_code == 403


@pytest.fixture
def tls_served(tmp_path: Path, fleet_store: Path) -> Iterator[tuple[Served, Path]]:
    ca = trustme.CA()
    cert = ca.issue_cert("127.0.0.1", "localhost")
    cert_path, key_path, ca_path = tmp_path / "c.pem", tmp_path / "k.pem", tmp_path / "ca.pem"
    cert.private_key_and_cert_chain_pem.write_to_path(str(cert_path))
    cert.private_key_pem.write_to_path(str(key_path))
    ca.cert_pem.write_to_path(str(ca_path))
    token = tmp_path / "token"
    token.write_text(TOKEN)
    token.chmod(0o600)
    server = start_serve(
        "--store",
        str(fleet_store),
        "--tls-cert",
        str(cert_path),
        "--tls-key",
        str(key_path),
        "--token-file",
        str(token),
    )
    try:
        yield server, ca_path
    finally:
        stop_serve(server.process)


def test_with_a_token_only_who_presents_it_gets_in(tls_served: tuple[Served, Path]) -> None:
    served, ca = tls_served
    assert served.url.startswith("https://127.0.0.1:")
    assert TOKEN not in served.url  # the token is never printed
    with httpx.Client(
        base_url=served.base, verify=ssl.create_default_context(cafile=str(ca)), timeout=10
    ) as client:
        assert client.get("/").status_code == 401
        assert client.get("/static/js/textual.js").status_code == 401
        assert client.get("/", params={"token": "wrong" + TOKEN}).status_code == 401
        entered = client.get("/", params={"token": TOKEN, "fontsize": "20"})
        assert entered.status_code == 303
        assert entered.headers["location"] == "/?fontsize=20"  # the token leaves the URL
        cookie = entered.headers["set-cookie"]
        assert "HttpOnly" in cookie and "Secure" in cookie and "SameSite=Strict" in cookie
        assert TOKEN not in cookie
        page = client.get("/?fontsize=20")  # the client kept the cookie
        assert page.status_code == 200
        assert f"wss://{served.base.split('//')[1].rstrip('/')}/ws" in page.text
    with httpx.Client(
        base_url=served.base, verify=ssl.create_default_context(cafile=str(ca)), timeout=10
    ) as client:
        bearer = client.get("/", headers={"Authorization": f"Bearer {TOKEN}"})
        assert bearer.status_code == 200


def test_without_a_source_one_collector_polls_the_demo_fleet_for_every_session() -> None:
    import time

    from collectors.store import SnapshotStore

    served = start_serve()
    try:
        deadline = time.monotonic() + 60
        store_dir = None
        while time.monotonic() < deadline and store_dir is None:
            said = "".join(served.output)
            if match := re.search(r"one collector polls 24 clusters into (\S+)", said):
                store_dir = Path(match.group(1))
            time.sleep(0.2)
        assert store_dir is not None, served.output
        with httpx.Client(base_url=served.base, timeout=10) as client:
            assert client.get("/").status_code == 200
        beat = None
        while time.monotonic() < deadline and beat is None:
            store = SnapshotStore.open(store_dir, readonly=True)
            try:
                beat = store.heartbeat()
            finally:
                store.close()
            time.sleep(0.5)
        assert beat is not None and beat.pid == served.process.pid  # this process polls
        assert beat.mode == "daemon"
    finally:
        stop_serve(served.process)
    assert served.process.returncode == 0
    assert store_dir is not None and not store_dir.exists()  # the demo's store is removed
