"""``licdash status`` end to end over a real on-disk SnapshotStore: exit codes and output."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from collectors.commands import status_cmd
from collectors.model import Severity
from collectors.results import ClusterStatus
from collectors.store import SnapshotStore
from tests.support.store import update_for, write_store

S = Severity


def run_status(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    parser = argparse.ArgumentParser()
    status_cmd.add_arguments(parser)
    code = status_cmd.run(parser.parse_args(list(argv)))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def real_now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


@pytest.mark.parametrize(
    ("mix", "expected"),
    [
        ({"a": S.OK, "b": S.OK}, 0),
        ({"a": S.OK, "b": S.WARNING}, 1),
        ({"a": S.WARNING, "b": S.CRITICAL, "c": S.OK}, 2),
        ({"a": S.OK, "b": S.UNKNOWN}, 3),
        ({"a": S.CRITICAL, "b": S.UNKNOWN}, 2),
    ],
)
def test_exit_code_from_store(tmp_path, capsys, status_factory, real_now, mix, expected) -> None:
    store = write_store(
        tmp_path / "store",
        [status_factory(name, sev, now=real_now) for name, sev in mix.items()],
    )
    code, out, _ = run_status(capsys, "--store", str(store))
    assert code == expected
    assert out.splitlines()[-1].startswith(f"{len(mix)} clusters:")


def test_stale_only_fleet_is_unknown(tmp_path, capsys, status_factory, real_now) -> None:
    old = [status_factory(n, S.OK, now=real_now, age=timedelta(hours=2)) for n in ("lon", "par")]
    store = write_store(tmp_path / "store", old)
    code, out, _ = run_status(capsys, "--store", str(store))
    assert code == 3
    assert out.count("stale") >= 2 and "2 stale" in out
    # A generous threshold makes the same fleet fresh and OK.
    code, _, _ = run_status(capsys, "--store", str(store), "--stale-after", "3h")
    assert code == 0


def test_empty_store_is_unknown(tmp_path, capsys) -> None:
    SnapshotStore.open(tmp_path / "store").close()
    code, out, _ = run_status(capsys, "--store", str(tmp_path / "store"))
    assert code == 3
    assert out.splitlines()[-1].startswith("0 clusters:")


def test_missing_store_is_unknown_with_a_hint(tmp_path, capsys) -> None:
    code, out, err = run_status(capsys, "--store", str(tmp_path / "nowhere"))
    # A check's stdout is what the monitoring system shows: it must say UNKNOWN too.
    assert code == 3 and out.startswith("UNKNOWN: ") and "nowhere" in out
    assert "UNKNOWN" in err and "nowhere" in err and "hint:" in err


def test_store_is_read_while_a_collector_holds_it(
    tmp_path, capsys, status_factory, real_now
) -> None:
    writer = SnapshotStore.open(tmp_path / "store")
    try:
        writer.write_batch([update_for(status_factory("lon", S.WARNING, now=real_now))])
        code, out, _ = run_status(capsys, "--store", str(tmp_path / "store"))
    finally:
        writer.close()
    assert code == 1 and "lon" in out


def test_failing_cluster_json_from_store(tmp_path, capsys, status_factory, real_now) -> None:
    statuses = [
        status_factory("lon", S.OK, now=real_now, tags={"region": "emea"}),
        status_factory(
            "nyc", S.WARNING, now=real_now, failures=1, error_kind="auth", tags={"region": "am"}
        ),
    ]
    store = write_store(tmp_path / "store", statuses)
    code, out, _ = run_status(capsys, "--store", str(store), "--format", "json")
    doc = json.loads(out)
    assert code == doc["exit_code"] == 1
    nyc, lon = doc["clusters"]
    assert nyc["cluster"] == "nyc" and nyc["last_error"]["kind"] == "auth"
    assert nyc["schema"] == "licdash.snapshot/1" and nyc["severity"] == "warning"
    assert lon["last_error"] is None and lon["stale"] is False
    assert doc["totals"] == {
        "clusters": 2, "ok": 1, "warning": 1, "critical": 0, "unknown": 0,
        "stale": 0, "failing": 1, "acknowledged": 0,
    }  # fmt: skip


def test_tag_filter_narrows_the_exit_code(tmp_path, capsys, status_factory, real_now) -> None:
    store = write_store(
        tmp_path / "store",
        [
            status_factory("lon", S.CRITICAL, now=real_now, tags={"region": "emea"}),
            status_factory("nyc", S.OK, now=real_now, tags={"region": "amer"}),
        ],
    )
    assert run_status(capsys, "--store", str(store))[0] == 2
    code, out, _ = run_status(capsys, "--store", str(store), "--tag", "region=amer")
    assert code == 0 and "lon" not in out and "nyc" in out


def test_config_adds_never_polled_clusters_and_thresholds(
    tmp_path, capsys, status_factory, real_now
) -> None:
    store = write_store(
        tmp_path / "store",
        [status_factory("lon", S.OK, now=real_now, age=timedelta(minutes=40))],
    )
    config = tmp_path / "licdash.toml"
    config.write_text(
        "[settings]\ninterval = 1200\nstale_after = 3\n\n"
        '[[clusters]]\nname = "lon"\npublisher = "lon.example.net"\nusername = "axl"\n'
        'password_env = "LICDASH_TEST_NOPE"\ntags = { region = "emea" }\n\n'
        '[[clusters]]\nname = "new"\npublisher = "new.example.net"\nusername = "axl"\n'
        'password_env = "LICDASH_TEST_NOPE"\ntags = { region = "apac" }\n',
        encoding="utf-8",
    )
    code, out, _ = run_status(
        capsys, "--store", str(store), "--config", str(config), "--format", "json"
    )
    doc = json.loads(out)
    by_name = {c["cluster"]: c for c in doc["clusters"]}
    # 40 min is fresh for 3 x 1200 s (without --config: 15 min). "new": never polled.
    assert by_name["lon"]["stale"] is False
    assert by_name["new"] == {
        "cluster": "new", "product": "cucm", "severity": "unknown", "tags": {"region": "apac"},
        "stale": False, "last_seen": None, "consecutive_failures": 0, "last_error": None,
        "acknowledged": None, "acknowledgements": [],
    }  # fmt: skip
    assert code == 3


def test_licdash_status_in_a_shell_pipeline(tmp_path, status_factory, real_now) -> None:
    """The real command line: plain text into a pipe, the exit code for the shell."""
    store = write_store(
        tmp_path / "store",
        [
            status_factory("lon", S.WARNING, now=real_now),
            status_factory("par", S.OK, now=real_now),
        ],
    )
    env = {k: v for k, v in os.environ.items() if k != "NO_COLOR"} | {"TERM": "xterm"}
    out = subprocess.run(
        [sys.executable, "-m", "collectors.cli", "status", "--store", str(store)],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
    )
    assert out.returncode == 1, out.stderr
    assert "\x1b[" not in out.stdout  # stdout is a pipe here: no colour codes
    lines = out.stdout.splitlines()
    assert [line.split()[0] for line in lines[1:3]] == ["lon", "par"]
    assert lines[-1].startswith("2 clusters: 0 critical, 0 unknown, 1 warning, 1 ok")


def test_a_reader_that_stops_early_keeps_the_exit_code(tmp_path, status_factory, real_now) -> None:
    """``licdash status | head -1``: the closed pipe is not an error, and the exit code
    stays the fleet's (Python's own 1 for an uncaught BrokenPipeError reads as WARNING)."""
    fleet = [status_factory(f"cluster-{n:04d}", S.CRITICAL, now=real_now) for n in range(1500)]
    store = write_store(tmp_path / "store", fleet)  # ~150 KB of table: more than a pipe holds
    child = subprocess.Popen(
        [sys.executable, "-m", "collectors.cli", "status", "--store", str(store)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert child.stdout is not None and child.stderr is not None
    with child.stderr:
        assert child.stdout.readline().startswith(b"CLUSTER")
        child.stdout.close()  # what `head -1` does after its line
        err = child.stderr.read().decode()
    assert child.wait(timeout=60) == 2, err
    assert "Traceback" not in err and "BrokenPipe" not in err


def test_a_damaged_latest_file_still_gives_the_fleet_and_a_warning(
    tmp_path, capsys, status_factory, real_now
) -> None:
    store = write_store(
        tmp_path / "store",
        [
            status_factory("lon", S.CRITICAL, now=real_now),
            status_factory("par", S.OK, now=real_now),
        ],
    )
    (store / "latest.json").write_text('{"clusters": ')  # damaged by hand
    code, out, err = run_status(capsys, "--store", str(store))
    assert code == 2  # lon's critical state came back from its history
    assert [line.split()[0] for line in out.splitlines()[1:3]] == ["lon", "par"]
    assert "warning" in err and "latest.json" in err


def test_an_unexpected_error_is_unknown_not_warning(tmp_path, capsys, monkeypatch) -> None:
    """Python exits 1 on an uncaught exception: a monitoring system would read WARNING."""

    def unreadable(directory: Path, now: object) -> dict[str, ClusterStatus]:
        raise PermissionError(13, "Permission denied", str(directory / "history"))

    monkeypatch.setattr(status_cmd, "_read_store", unreadable)
    code, out, err = run_status(capsys, "--store", str(tmp_path))
    # A check's stdout is what the monitoring system shows: it must say UNKNOWN too.
    assert code == 3 and out.startswith("UNKNOWN: ") and "Permission denied" in out
    assert "UNKNOWN" in err and "Permission denied" in err
