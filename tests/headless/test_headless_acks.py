"""Acknowledgements on the headless faces, end to end over a real on-disk store:
``licdash ack``/``unack``/``acks``/``export --acks``, ``status`` (table, JSON, Nagios,
``--exclude-acknowledged``) and the metrics, each judging by the one policy."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from collectors.cli import main
from collectors.metrics import fleet_registry, render
from collectors.model import Severity
from collectors.policy import DEFAULT_POLICY
from collectors.store import SnapshotStore
from collectors.store.ack_files import AckStore
from tests.support.store import write_store

S = Severity


@pytest.fixture
def real_now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


@pytest.fixture
def store(tmp_path: Path, status_factory, real_now: datetime) -> Path:
    return write_store(
        tmp_path / "store",
        [
            status_factory("lon", S.CRITICAL, now=real_now),
            status_factory("par", S.CRITICAL, now=real_now),
            status_factory("nyc", S.WARNING, now=real_now),
            status_factory("syd", S.OK, now=real_now),
        ],
    )


def licdash(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_ack_and_status_table_json_and_nagios(store: Path, capsys) -> None:
    code, out, err = licdash(
        capsys, "ack", "lon", "--store", str(store), "--reason", "INC42 with Cisco", "--by", "alice"
    )
    assert code == 0, err
    assert out.startswith("acknowledged lon (critical) as alice, until it clears [id ")
    assert "clears itself when the cluster gets worse or recovers" in err

    code, out, _ = licdash(capsys, "status", "--store", str(store))
    assert code == 2  # lon keeps its true severity; par is critical and nobody owns it
    lines = out.splitlines()
    assert lines[0].split()[-1] == "ACKNOWLEDGED"
    names = [line.split()[0] for line in lines[1:5]]
    assert names == ["par", "lon", "nyc", "syd"]  # acknowledged after its severity's others
    assert "critical" in lines[2] and "alice: INC42 with Cisco" in lines[2]
    assert lines[-1].endswith("; 1 acknowledged")

    code, out, _ = licdash(capsys, "status", "--store", str(store), "--format", "json")
    doc = json.loads(out)
    by_name = {c["cluster"]: c for c in doc["clusters"]}
    lon = by_name["lon"]
    assert lon["severity"] == "critical"
    ack = lon["acknowledged"]
    assert (ack["by"], ack["reason"], ack["until"], ack["scope"], ack["kind"]) == (
        "alice",
        "INC42 with Cisco",
        None,
        "cluster",
        "ack",
    )
    assert datetime.fromisoformat(ack["at"].replace("Z", "+00:00"))
    assert by_name["par"]["acknowledged"] is None and by_name["par"]["acknowledgements"] == []
    assert doc["totals"]["acknowledged"] == 1 and doc["totals"]["critical"] == 2

    code, out, _ = licdash(capsys, "status", "--store", str(store), "--format", "nagios")
    first, *details = out.splitlines()
    assert first.startswith("LICDASH CRITICAL - 2 critical, 0 unknown, 1 warning, 1 ok, ")
    assert "1 acknowledged;" in first and "acknowledged=1;;;0;4" in first
    assert "CRITICAL lon (acknowledged by alice: INC42 with Cisco): test critical" in details


def test_exclude_acknowledged_leaves_them_out_of_the_exit_code_and_the_nagios_line(
    store: Path, capsys
) -> None:
    for name in ("lon", "par"):
        assert licdash(capsys, "ack", name, "--store", str(store), "-m", "known")[0] == 0
    code, _, _ = licdash(capsys, "status", "--store", str(store))
    assert code == 2
    code, out, _ = licdash(capsys, "status", "--store", str(store), "--exclude-acknowledged")
    assert code == 1  # nyc's warning is what nobody owns
    assert "✖ critical" in out  # still listed, with their true severity
    code, out, _ = licdash(
        capsys, "status", "--store", str(store), "--format", "nagios", "--exclude-acknowledged"
    )
    first, *details = out.splitlines()
    assert code == 1
    assert first.startswith(
        "LICDASH WARNING - 0 critical, 0 unknown, 1 warning, 1 ok, 2 acknowledged (not counted)"
    )
    assert "critical=0;;;0;4" in first and "acknowledged=2;;;0;4" in first
    assert [line.split()[1] for line in details] == ["nyc:"]
    code, out, _ = licdash(
        capsys, "status", "--store", str(store), "--format", "json", "--exclude-acknowledged"
    )
    assert code == json.loads(out)["exit_code"] == 1


def test_a_fleet_entirely_acknowledged_is_ok_not_unknown(
    tmp_path: Path, capsys, status_factory, real_now
) -> None:
    store = write_store(tmp_path / "s", [status_factory("lon", S.CRITICAL, now=real_now)])
    licdash(capsys, "ack", "lon", "--store", str(store), "-m", "known")
    code, out, _ = licdash(capsys, "status", "--store", str(store), "--exclude-acknowledged")
    assert code == 0, out


def test_snooze_unack_and_the_acks_listing(store: Path, capsys) -> None:
    code, out, err = licdash(
        capsys,
        "ack",
        "syd",
        "--snooze",
        "--until",
        "6h",
        "-m",
        "CHG1 upgrade",
        "--store",
        str(store),
    )
    assert code == 0, err and out.startswith("snoozed syd (ok)")
    code, out, _ = licdash(capsys, "acks", "--store", str(store), "--format", "json")
    (row,) = json.loads(out)["acknowledgements"]
    assert (row["cluster"], row["kind"], row["holds"], row["cluster_acknowledged"]) == (
        "syd",
        "snooze",
        True,
        False,  # a healthy cluster has nothing to dim
    )
    code, out, _ = licdash(capsys, "acks", "--store", str(store))
    assert out.splitlines()[1].split()[:3] == ["syd", "snooze", "whole"]
    code, out, _ = licdash(capsys, "unack", "syd", "--store", str(store), "-m", "done early")
    assert code == 0 and out.startswith("removed the snooze by ")
    code, out, _ = licdash(capsys, "acks", "--store", str(store))
    assert out.strip() == "nothing is acknowledged or snoozed"


@pytest.mark.parametrize(
    ("argv", "code", "says"),
    [
        (["ack", "lno", "-m", "x"], 2, "no cluster named 'lno' in the store or config; did you"),
        (["ack", "syd", "-m", "x"], 2, "nothing to acknowledge: it has no problem now"),
        (["ack", "lon", "-m", "x", "--until", "soon"], 2, "--until: 'soon' is neither"),
        (["ack", "lon", "-m", "x", "--problem", "no"], 2, "matches no problem (its problems: test"),
        (["unack", "lon"], 2, "no acknowledgement or snooze to remove"),
    ],
)  # fmt: skip
def test_mistakes_exit_2_with_a_clear_line(store: Path, capsys, argv, code, says) -> None:
    got, out, err = licdash(capsys, *argv, "--store", str(store))
    assert got == code and out == ""
    assert says in err


def test_no_store_exits_1(tmp_path: Path, capsys) -> None:
    code, _, err = licdash(capsys, "ack", "lon", "-m", "x", "--store", str(tmp_path / "none"))
    assert code == 1 and "no store here" in err


def test_the_reason_is_scrubbed_and_neutralised_before_it_is_stored(store: Path, capsys) -> None:
    licdash(
        capsys,
        "ack",
        "lon",
        "--store",
        str(store),
        "-m",
        "INC1 password=hunter2 \x1b]0;pwned\x07 done",
        "--by",
        "eve\x1b[2J",
    )
    (ack,) = AckStore(store).book().all()
    assert "hunter2" not in ack.reason and "\x1b" not in ack.reason and "\\x1b" in ack.reason
    assert ack.by == "eve\\x1b[2J"


def test_export_acks_writes_the_audit_trail(store: Path, capsys, tmp_path: Path) -> None:
    licdash(capsys, "ack", "lon", "par", "--store", str(store), "-m", "=cmd|' /C calc'!A0")
    licdash(capsys, "unack", "par", "--store", str(store))
    licdash(capsys, "handover", "--store", str(store), "--note", "quiet night")
    code, out, _ = licdash(capsys, "export", "--acks", "--store", str(store), "--format", "jsonl")
    assert code == 0
    rows = [json.loads(line) for line in out.splitlines()]
    assert [(r["seq"], r["action"], r["cluster"]) for r in rows] == [
        (1, "acknowledge", "lon"),
        (2, "acknowledge", "par"),
        (3, "remove", "par"),
        (4, "note", None),
    ]
    target = tmp_path / "audit.csv"
    code, _, err = licdash(
        capsys, "export", "--acks", "--store", str(store), "--format", "csv", "-o", str(target)
    )
    assert code == 0 and "wrote 4 audit events" in err
    table = list(csv.DictReader(io.StringIO(target.read_text(encoding="utf-8-sig"))))
    assert table[0]["text"].startswith("'=cmd")  # a spreadsheet never runs it
    code, out, _ = licdash(
        capsys, "export", "--acks", "--store", str(store), "--cluster", "par", "--format", "json"
    )
    assert [r["action"] for r in json.loads(out)] == ["acknowledge", "remove", "note"]


# ----- metrics -------------------------------------------------------------------------------


def test_metrics_mark_acknowledged_clusters_and_read_the_file_only_when_it_changed(
    store: Path, capsys, monkeypatch: pytest.MonkeyPatch
) -> None:
    licdash(capsys, "ack", "lon", "--store", str(store), "-m", "known")
    with SnapshotStore.open(store, readonly=True) as snapshots:
        statuses = snapshots.latest()
    acks = AckStore(store)
    registry = fleet_registry(lambda: statuses, acks=acks.book)

    def scrape() -> dict[tuple[str, str], float]:
        return {
            (s.name, s.labels.get("cluster", s.labels.get("severity", ""))): s.value
            for family in text_string_to_metric_families(render(registry))
            for s in family.samples
            if s.name.startswith("licdash_acknowledged")
        }

    first = scrape()
    assert {k[1]: v for k, v in first.items() if k[0] == "licdash_acknowledged"} == {
        "lon": 1.0,
        "par": 0.0,
        "nyc": 0.0,
        "syd": 0.0,
    }
    assert first[("licdash_acknowledged_clusters", "critical")] == 1.0
    reads: list[Path] = []
    from collectors.store import files

    real = files.read_json_file
    monkeypatch.setattr(files, "read_json_file", lambda p: reads.append(p) or real(p))
    scrape()
    assert reads == []  # unchanged: one stat, no read
    licdash(capsys, "unack", "lon", "--store", str(store))
    reads.clear()
    assert scrape()[("licdash_acknowledged", "lon")] == 0.0
    assert reads == [store / "acks.json"]


def test_the_collector_records_an_acknowledgement_that_cleared_itself(
    store: Path, capsys, status_factory
) -> None:
    """The daemon's settle, as it runs after every batch: a recovery ends the
    acknowledgement in the audit trail, recorded by licdash."""
    licdash(capsys, "ack", "lon", "--store", str(store), "-m", "known")
    now = datetime.now(UTC)
    recovered = {"lon": status_factory("lon", S.OK, now=now)}
    (event,) = AckStore(store).settle(recovered, DEFAULT_POLICY, now + timedelta(seconds=1))
    assert (event.action, event.by, event.text) == ("clear", "licdash", "the cluster recovered")
