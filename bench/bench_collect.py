"""How fast the collector polls a large fleet, and how much CPU it spends per poll.

Starts ``licdash mock`` (``--clusters`` healthy publishers, default 1,000, with 50 ms
latency, HTTPS with a private CA, one port each) in a separate process, then:

1. in this process, on the event loop the headless commands use
   (:mod:`collectors.event_loop`: uvloop unless ``LICDASH_EVENT_LOOP=asyncio``), one full
   cycle with :class:`collectors.engine.PollEngine` (cold: every connection new), then a
   second one (warm: each publisher's idle connection, session cookies and AXL versions
   kept); CPU is this process's (``time.process_time``: every thread);
2. the whole ``licdash collect --once`` process, as a user runs it (start-up, config,
   store, polls, the store's writes), twice: into a new store and into the store the
   first run left. Its CPU is the child's user+sys from ``os.wait4`` (all threads), as
   ``/usr/bin/time`` reports it, with its peak RSS;
3. what start-up costs alone: a child that loads the config, opens the store and
   prepares the engine (the work before the first poll), with the collector's GC
   settings; the project's modules are byte-compiled first, as ``pip install`` leaves
   them (a checkout run with ``PYTHONDONTWRITEBYTECODE`` would compile them every time);
3b. the store's write of the cold cycle's results (``SnapshotStore.write_batch``, into a
   new store and again into it, then the fold of its journal at close), in this
   process: what the collector's writer thread does beside the polls;
4. a baseline: the same polls made one after another by a simple script (a sync
   ``httpx.Client``, one POST per publisher, then the same parser), on a sample;
5. a floor: a sample of bare polls (blocking socket, TLS handshake, the same POST,
   the answer read by its length, no parsing), what any client pays on this machine;
   and the TLS handshake alone (connect, handshake, close), what a cold poll cannot
   avoid.

The mock's CPU (its process, from ``/proc``) is reported per answer; it shares the two
cores. Absolute figures move with the machine and its load: the ratios (per-poll CPU
over the baseline and over the floor measured in the same run, warm over cold) do not.

    .venv/bin/python bench/bench_collect.py                    # 1,000 publishers
    .venv/bin/python bench/bench_collect.py --clusters 10000   # the NOC scale
    .venv/bin/python bench/bench_collect.py --quick            # 200 publishers

At 10,000 publishers the mock holds 10,000 listening sockets and up to as many kept
connections (each publisher's idle one, for its keep-alive): ``ulimit -n`` must allow
that (the bench raises its soft limit to the hard one and says when it cannot), and
the loopback ephemeral port range must hold them and the collector's connections.
"""

from __future__ import annotations

import argparse
import gc
import json
import logging
import os
import resource
import signal
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench_startup import STARTUP, child  # noqa: E402  (the start-up child both benches time)

from collectors import event_loop  # noqa: E402
from collectors.cli import GC_THRESHOLD  # noqa: E402
from collectors.config import LicdashConfig, load_config  # noqa: E402
from collectors.engine import PollEngine  # noqa: E402
from collectors.results import PollUpdate  # noqa: E402
from collectors.transports.axl import ENVELOPE  # noqa: E402

CLK_TCK = os.sysconf("SC_CLK_TCK")

MOCK = (
    "import argparse, sys\n"
    "from collectors.mock import cli\n"
    "p = argparse.ArgumentParser()\n"
    "cli.add_arguments(p)\n"
    "sys.exit(cli.run(p.parse_args(sys.argv[1:])))\n"
)


def start_mock(
    workdir: Path, clusters: int, latency_ms: float
) -> tuple[subprocess.Popen[bytes], Path]:
    manifest = workdir / "manifest.json"
    config = workdir / "fleet.toml"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-c",
            MOCK,
            "--clusters",
            str(clusters),
            "--latency-ms",
            str(latency_ms),
            "--scenario-mix",
            "healthy",
            "--workdir",
            str(workdir / "pki"),
            "--manifest",
            str(manifest),
            "--write-config",
            str(config),
        ],
        cwd=ROOT,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 300
    while not manifest.exists():
        if proc.poll() is not None:
            raise SystemExit(f"the mock fleet exited with status {proc.returncode}")
        if time.monotonic() > deadline:
            proc.kill()
            raise SystemExit("the mock fleet did not start within 300 s")
        time.sleep(0.2)
    return proc, config


def handshakes(engine: PollEngine) -> int:
    """TLS handshakes the engine's client completed so far (OpenSSL's own count, every
    context): a poll that reused a kept connection made none."""
    pool = engine._pool
    if pool is None:
        return 0
    return sum(ctx.session_stats()["connect_good"] for ctx in pool._ssl.values())


async def engine_cycles(
    config: LicdashConfig, cold_updates: list[PollUpdate]
) -> list[tuple[float, float, int, int, float, int]]:
    """Two cycles: (wall s, collector CPU s, ok, failed, system CPU s, TLS handshakes)
    each; the cold one's updates are put in ``cold_updates``."""
    out = []
    async with PollEngine(config) as engine:
        for _ in range(2):
            times0, shook = os.times(), handshakes(engine)
            cpu0, t0 = time.process_time(), time.perf_counter()
            updates = await engine.poll_once()
            wall, cpu = time.perf_counter() - t0, time.process_time() - cpu0
            system = os.times().system - times0.system
            ok = sum(1 for u in updates if u.result.ok)
            out.append((wall, cpu, ok, len(updates) - ok, system, handshakes(engine) - shook))
            if not cold_updates:
                cold_updates.extend(updates)
    return out


def baseline(config: LicdashConfig, sample: int) -> tuple[float, float, int]:
    """A simple sequential script: (wall s, CPU s, ok) for ``sample`` polls."""
    import ssl

    import httpx

    from collectors.parsing import parse_axl

    clusters = config.clusters[:sample]
    first = clusters[0]
    ctx = ssl.create_default_context(cafile=str(first.verify))
    body = (
        '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" '
        'xmlns:ns="http://www.cisco.com/AXL/API/{v}"><soapenv:Header/><soapenv:Body>'
        "<ns:getSmartLicenseStatus/></soapenv:Body></soapenv:Envelope>"
    )
    ok = 0
    cpu0, t0 = time.process_time(), time.perf_counter()
    with httpx.Client(verify=ctx, timeout=15) as client:
        for c in clusters:
            assert c.password is not None
            version = c.axl_version if c.axl_version != "auto" else "14.0"
            resp = client.post(
                f"https://{c.host}:{c.port}/axl/",
                content=body.format(v=version),
                headers={
                    "Content-Type": "text/xml",
                    "SOAPAction": f'"CUCM:DB ver={version} getSmartLicenseStatus"',
                },
                auth=(c.username, c.password.get_secret_value()),
            )
            if resp.status_code == 200:
                parse_axl(resp.content, cluster=c.name, now=datetime.now(UTC))
                ok += 1
    return time.perf_counter() - t0, time.process_time() - cpu0, ok


def raise_fd_limit(needed: int) -> str | None:
    """Raise this process's (and so the mock's) soft descriptor limit; a warning if short."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < needed:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, max(needed, soft)), hard))
    soft = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
    if soft < needed:
        return f"ulimit -n is {soft}, the mock needs about {needed}: raise the hard limit"
    low, high = (int(x) for x in Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split())
    if high - low < 2 * needed // 3:
        return f"the ephemeral port range {low}-{high} is short for {needed} sockets"
    return None


def proc_cpu(pid: int) -> float:
    """CPU seconds (user+sys, all threads) of a running process, from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def whole_process(config: Path, store: Path) -> tuple[float, float, int, str, float, float]:
    """``licdash collect --once`` as a user runs it: (wall s, user+sys CPU s, exit, line,
    user s, peak RSS MB)."""
    cmd = [sys.executable, "-m", "collectors.cli", "collect", "--once"]
    cmd += ["--config", str(config), "--store", str(store)]
    began = time.perf_counter()
    proc = subprocess.Popen(
        cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
    )
    assert proc.stdout is not None
    out = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - began
    proc.returncode = os.waitstatus_to_exitcode(status)
    cpu = usage.ru_utime + usage.ru_stime
    return wall, cpu, proc.returncode, out.strip(), usage.ru_utime, usage.ru_maxrss / 1024


def startup(config: Path, store: Path) -> tuple[float, float, float, float, float, float]:
    """What runs before the first poll, in a child doing it into ``store``: (wall s,
    user+sys CPU s to its exit, wall s and CPU s when it was ready to poll, the same
    when it had read the latest table, which the collector does at its first write)."""
    wall, cpu, ready_wall, ready_cpu, loaded = child(STARTUP, str(config), str(store))
    assert ready_wall is not None and ready_cpu is not None and loaded is not None
    return wall, cpu, ready_wall, ready_cpu, *loaded


def write_store(updates: list[PollUpdate], store: Path) -> tuple[float, float, float]:
    """Seconds to write one cycle's results: into a new store, again, and the close."""
    from collectors.store import SnapshotStore

    db = SnapshotStore.open(store)
    try:
        t0 = time.perf_counter()
        db.write_batch(updates)
        t1 = time.perf_counter()
        db.write_batch(updates)
        t2 = time.perf_counter()
    finally:
        db.close()
    return t1 - t0, t2 - t1, time.perf_counter() - t2


def handshake(config: LicdashConfig, sample: int) -> float:
    """CPU seconds per TCP connect + TLS handshake + close, nothing sent."""
    import socket
    import ssl

    clusters = config.clusters[:sample]
    ctx = ssl.create_default_context(cafile=str(clusters[0].verify))
    cpu0 = time.process_time()
    for c in clusters:
        with (
            socket.create_connection((c.host, c.port)) as raw,
            ctx.wrap_socket(raw, server_hostname=c.host),
        ):
            pass
    return (time.process_time() - cpu0) / len(clusters)


def floor(config: LicdashConfig, sample: int) -> float:
    """CPU seconds per bare poll: TCP connect, TLS handshake, one POST, the answer read
    to its Content-Length, close. No HTTP library, no parser, one at a time."""
    import base64
    import socket
    import ssl

    clusters = config.clusters[:sample]
    ctx = ssl.create_default_context(cafile=str(clusters[0].verify))
    cpu0 = time.process_time()
    for c in clusters:
        assert c.password is not None
        version = c.axl_version if c.axl_version != "auto" else "14.0"
        body = ENVELOPE.format(version=version).encode()
        token = base64.b64encode(f"{c.username}:{c.password.get_secret_value()}".encode())
        head = (
            f"POST /axl/ HTTP/1.1\r\nHost: {c.host}:{c.port}\r\n"
            "Content-Type: text/xml; charset=utf-8\r\nAccept-Encoding: identity\r\n"
            f'SOAPAction: "CUCM:DB ver={version} getSmartLicenseStatus"\r\n'
            f"Authorization: Basic {token.decode()}\r\nContent-Length: {len(body)}\r\n\r\n"
        )
        with (
            socket.create_connection((c.host, c.port)) as raw,
            ctx.wrap_socket(raw, server_hostname=c.host) as tls,
        ):
            tls.sendall(head.encode() + body)
            data = b""
            while b"\r\n\r\n" not in data:
                data += tls.recv(65536)
            header, _, rest = data.partition(b"\r\n\r\n")
            length = int(header.lower().split(b"content-length:")[1].split(b"\r\n")[0])
            while len(rest) < length:
                rest += tls.recv(65536)
    return (time.process_time() - cpu0) / len(clusters)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="200 publishers instead of 1,000")
    parser.add_argument("--clusters", type=int, default=None)
    parser.add_argument("--latency-ms", type=float, default=50.0)
    parser.add_argument("--concurrency", type=int, default=200)
    parser.add_argument("--sample", type=int, default=50, help="baseline polls to time")
    parser.add_argument("--floor-sample", type=int, default=200, help="bare polls to time")
    args = parser.parse_args()
    clusters = args.clusters or (200 if args.quick else 1000)
    logging.basicConfig(level=logging.ERROR)
    gc.set_threshold(*GC_THRESHOLD)  # what every licdash process runs with (collectors.cli)
    # The mock holds a listener and, for its keep-alive, a connection per publisher.
    problem = raise_fd_limit(2 * clusters + 2 * args.concurrency + 256)
    if problem:
        print(f"warning: {problem}")
    print(f"machine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f} at the start")
    print(f"event loop: {event_loop.loop_factory()[0]} (the engine cycles and collect --once)")

    with tempfile.TemporaryDirectory(prefix="licdash-bench-") as tmp:
        t0 = time.perf_counter()
        proc, config_path = start_mock(Path(tmp), clusters, args.latency_ms)
        print(f"mock fleet: {clusters} publishers, {args.latency_ms:g} ms latency, "
              f"listening after {time.perf_counter() - t0:.1f} s (separate process)")  # fmt: skip
        try:
            raw = load_config(config_path)
            settings = raw.settings.model_copy(
                update={"concurrency": args.concurrency, "timeout": 30}
            )
            config = raw.model_copy(update={"settings": settings})
            bench_config = Path(tmp) / "bench.toml"
            bench_config.write_text(
                config_path.read_text()
                .replace("concurrency = 100", f"concurrency = {args.concurrency}")
                .replace("timeout = 15", "timeout = 30")
            )
            bench_config.chmod(0o600)
            mock0 = proc_cpu(proc.pid)
            cold_updates: list[PollUpdate] = []
            cycles = event_loop.run(engine_cycles(config, cold_updates))
            mock_cpu = proc_cpu(proc.pid) - mock0
            writes = write_store(cold_updates, Path(tmp) / "written")
            del cold_updates
            store = Path(tmp) / "store"
            runs = [whole_process(bench_config, store) for _ in range(2)]
            subprocess.run(
                [sys.executable, "-m", "compileall", "-q", "collectors"],
                cwd=ROOT,
                check=True,
                stdout=subprocess.DEVNULL,
            )
            boot = startup(bench_config, store)
            sample = min(args.sample, clusters)
            b_wall, b_cpu, b_ok = baseline(config, sample)
            floor_cpu = floor(config, min(args.floor_sample, clusters))
            handshake_cpu = handshake(config, min(args.floor_sample, clusters))
        finally:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()

    results: dict[str, object] = {}
    for label, (wall, cpu, ok, failed, system, shook) in zip(("cold", "warm"), cycles, strict=True):
        per_poll_ms = cpu / clusters * 1000
        print(f"{label} cycle: {clusters} polls ({ok} ok, {failed} failed) in {wall:.2f} s wall, "
              f"collector CPU {cpu:.2f} s = {per_poll_ms:.2f} ms per poll")  # fmt: skip
        print(f"  of it system {system:.2f} s (the kernel: sockets, TCP); {shook} TLS "
              f"handshakes, {clusters - shook} polls on a kept connection")  # fmt: skip
        results[label] = {"wall_s": wall, "cpu_s": cpu, "cpu_ms_per_poll": per_poll_ms, "ok": ok}
    print(f"mock fleet CPU during both cycles: {mock_cpu:.1f} s = "
          f"{mock_cpu / (2 * clusters) * 1000:.2f} ms per answer (the other process)")  # fmt: skip
    whole = []
    for label, run in zip(("new store", "existing store"), runs, strict=True):
        wall, cpu, code, line, user, rss = run
        per_poll_ms = cpu / clusters * 1000
        whole.append(per_poll_ms)
        print(f"collect --once process ({label}): {wall:.2f} s wall, CPU {cpu:.2f} s "
              f"(user+sys, all threads) = {per_poll_ms:.2f} ms per poll; "
              f"exit {code}: {line}")  # fmt: skip
        print(f"  as /usr/bin/time shows it: {user:.2f} user {cpu - user:.2f} system "
              f"{wall:.2f} elapsed, {rss:.0f} MB max resident")  # fmt: skip
        results[f"process_{label.split()[0]}"] = {
            "wall_s": wall,
            "cpu_s": cpu,
            "cpu_ms_per_poll": per_poll_ms,
            "exit": code,
            "max_rss_mb": rss,
        }
    print(f"start-up into the existing store (config of {clusters} clusters, store opened, "
          f"engine prepared): ready to poll after {boot[2]:.2f} s wall, {boot[3]:.2f} s CPU; "
          f"latest table read (at the first write, in the writer thread) after "
          f"{boot[4]:.2f} s wall, {boot[5]:.2f} s CPU; the child exited after {boot[0]:.2f} s "
          f"wall, {boot[1]:.2f} s CPU")  # fmt: skip
    per_wall, per_cpu = b_wall / sample, b_cpu / sample
    est_wall = per_wall * clusters
    print(f"baseline (sequential script): {sample} polls measured ({b_ok} ok) in {b_wall:.2f} s, "
          f"{per_cpu * 1000:.2f} ms CPU per poll; "
          f"extrapolated to {clusters}: {est_wall:.1f} s")  # fmt: skip
    print(f"store write of a {clusters}-result cycle (writer thread, beside the polls): "
          f"{writes[0] * 1000:.0f} ms into a new store, {writes[1] * 1000:.0f} ms the next "
          f"cycle, {writes[2] * 1000:.0f} ms the fold at close")  # fmt: skip
    print(f"floor (bare TLS poll, no HTTP library, no parsing): {floor_cpu * 1000:.2f} ms CPU "
          f"per poll, {min(args.floor_sample, clusters)} polls; the TLS handshake alone "
          f"(connect, handshake, close): {handshake_cpu * 1000:.2f} ms CPU")  # fmt: skip
    cold_wall, cold_cpu = cycles[0][0], cycles[0][1]
    warm_cpu = cycles[1][1]
    print(f"per-poll CPU against the sequential baseline of this run "
          f"({per_cpu * 1000:.2f} ms): cold {cold_cpu / clusters * 1000:.2f} ms "
          f"({cold_cpu / clusters / per_cpu:.2f}x), warm {warm_cpu / clusters * 1000:.2f} ms "
          f"({warm_cpu / clusters / per_cpu:.2f}x); cold minus the handshake alone: "
          f"{(cold_cpu / clusters - handshake_cpu) * 1000:.2f} ms")  # fmt: skip
    print(f"ratio: engine cycle is {est_wall / cold_wall:.1f}x faster in wall time than the "
          f"sequential baseline (extrapolated from {sample} polls); "
          f"CPU per poll engine/baseline = {cold_cpu / clusters / per_cpu:.2f}")  # fmt: skip
    print(f"ratios: warm/cold CPU = {warm_cpu / cold_cpu:.2f}; "
          f"whole process/baseline = {whole[1] / 1000 / per_cpu:.2f}; "
          f"engine/floor = {cold_cpu / clusters / floor_cpu:.2f}; "
          f"whole process/floor = {whole[1] / 1000 / floor_cpu:.2f}")  # fmt: skip
    target_cpu = max(whole) <= 1.5
    target_warm = warm_cpu <= cold_cpu
    target_wall = cold_wall <= 25.0
    target_boot = boot[2] <= 1.0
    target_store = writes[1] <= 0.3  # a cycle into the store the last one left
    target_warm_cpu = warm_cpu / clusters <= 0.0015
    print(f"targets: whole-process CPU per poll <= 1.5 ms: {'met' if target_cpu else 'MISSED'}; "
          f"warm <= cold: {'met' if target_warm else 'MISSED'}; "
          f"cycle <= 25 s: {'met' if target_wall else 'MISSED'} (cold); "
          f"start-up <= 1 s: {'met' if target_boot else 'MISSED'} (wall, to ready); "
          f"store write <= 300 ms: {'met' if target_store else 'MISSED'} (next cycle); "
          f"warm CPU per poll <= 1.5 ms: {'met' if target_warm_cpu else 'MISSED'}")  # fmt: skip
    results |= {
        "clusters": clusters,
        "baseline_s_per_poll": per_wall,
        "baseline_cpu_ms_per_poll": per_cpu * 1000,
        "floor_cpu_ms_per_poll": floor_cpu * 1000,
        "tls_handshake_cpu_ms": handshake_cpu * 1000,
        "store_write_ms": {
            "new": writes[0] * 1000,
            "next": writes[1] * 1000,
            "fold": writes[2] * 1000,
        },
        "event_loop": event_loop.loop_factory()[0],
        "mock_cpu_ms_per_answer": mock_cpu / (2 * clusters) * 1000,
        "startup": {
            "wall_s": boot[0],
            "cpu_s": boot[1],
            "ready_wall_s": boot[2],
            "ready_cpu_s": boot[3],
            "loaded_wall_s": boot[4],
            "loaded_cpu_s": boot[5],
        },
    }
    print("json: " + json.dumps(results))
    return 0


if __name__ == "__main__":
    os.environ.setdefault("PYTHONWARNINGS", "ignore")
    sys.exit(main())
