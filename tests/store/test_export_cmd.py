"""``licdash export``: round trips, filters, CSV safety, atomic files and clean errors."""

from __future__ import annotations

import argparse
import csv
import json
from datetime import timedelta
from pathlib import Path

import pytest

from collectors import export_render
from collectors.commands import export_cmd
from collectors.model import LicenseSnapshot
from collectors.results import PollResult, PollUpdate
from collectors.store import SnapshotStore
from tests.support.factory import BASIC, CUWL, ENHANCED, bad, good, minutes, snapshot
from tests.support.factory import WEEK_START as T0

NOW = T0 + timedelta(hours=1)
MORE = {CUWL: 12, ENHANCED: 20, BASIC: 30}
LON = {"region": "emea", "env": "prod"}


def _export(*argv: str) -> int:
    parser = argparse.ArgumentParser()
    export_cmd.add_arguments(parser)
    return export_cmd.run(parser.parse_args(list(argv)))


@pytest.fixture
def root(tmp_path: Path) -> Path:
    root = tmp_path / "store"
    with SnapshotStore.open(root) as store:
        store.write_batch(
            [
                good(snapshot("emea-lon", T0), tags=LON),
                good(snapshot("amer-nyc", T0, counts={CUWL: 1}), tags={"region": "amer"}),
                bad("apac-syd", T0),
            ]
        )
        store.write_batch([good(snapshot("emea-lon", T0 + minutes(5), counts=MORE), LON)])
        store.write_batch([good(snapshot("emea-lon", T0 + minutes(10), counts=MORE), LON)])
    return root


def test_json_is_the_latest_per_cluster_and_parses_into_the_model(
    root: Path, tmp_path: Path
) -> None:
    out = tmp_path / "x.json"
    assert _export("--store", str(root), "-o", str(out)) == 0
    snaps = [LicenseSnapshot.from_json_dict(d) for d in json.loads(out.read_text())]
    assert [(s.cluster, s.collected_at) for s in snaps] == [
        ("amer-nyc", T0),
        ("emea-lon", T0 + minutes(10)),
    ]
    assert snaps[1] == snapshot("emea-lon", T0 + minutes(10), counts=MORE)
    assert all(d["schema"] == "licdash.snapshot/1" for d in json.loads(out.read_text()))


def test_jsonl_with_since_adds_history(root: Path, tmp_path: Path) -> None:
    out = tmp_path / "x.jsonl"
    since = (T0 - minutes(1)).isoformat()
    assert _export("--store", str(root), "--format", "jsonl", "--since", since,
                   "--cluster", "emea-lon", "-o", str(out)) == 0  # fmt: skip
    snaps = [LicenseSnapshot.model_validate_json(line) for line in out.read_text().splitlines()]
    assert [(s.collected_at, s.entitlements[0].count) for s in snaps] == [
        (T0, 10),
        (T0 + minutes(5), 12),
        (T0 + minutes(10), 12),  # the newest poll closes the record
    ]


def test_csv_has_a_header_and_one_row_per_entitlement(root: Path, tmp_path: Path) -> None:
    out = tmp_path / "x.csv"
    assert _export("--store", str(root), "--format", "csv", "--tag", "region=emea",
                   "-o", str(out)) == 0  # fmt: skip
    blob = out.read_bytes()
    assert blob.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(blob.decode("utf-8-sig").splitlines()))
    assert list(rows[0]) == export_render.CSV_COLUMNS
    assert [(r["cluster"], r["entitlement_tag"], r["entitlement_count"]) for r in rows] == [
        ("emea-lon", CUWL, "12"),
        ("emea-lon", ENHANCED, "20"),
        ("emea-lon", BASIC, "30"),
    ]
    row = rows[0]
    assert (row["tags"], row["registration"], row["authorization"], row["severity"]) == (
        "env=prod;region=emea",
        "registered",
        "authorized",
        "ok",
    )
    assert row["next_deadline_kind"] == "authorization_expiry"  # NOW + 80 d, before registration
    assert row["next_deadline_at"] == "2026-05-20T12:00:00Z"
    assert float(row["next_deadline_days_left"]) > 0


def test_csv_cells_cannot_become_formulas() -> None:
    snap = snapshot("=HYPERLINK(1)", T0, counts={"@SUM(A1)": 3, "-2+3": 4})
    status = good(snap, tags={"+owner": "x"}).status
    rows = export_render.csv_rows(status, snap)
    col = {name: i for i, name in enumerate(export_render.CSV_COLUMNS)}
    assert rows[0][col["cluster"]] == "'=HYPERLINK(1)" and rows[0][col["tags"]] == "'+owner=x"
    assert [r[col["entitlement_tag"]] for r in rows] == ["'@SUM(A1)", "'-2+3"]
    assert [r[col["entitlement_count"]] for r in rows] == [3, 4]  # numbers stay numbers
    assert rows[0][col["product"]] == "cucm"


def test_stdout_when_no_output_file(root: Path, capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    assert _export("--store", str(root), "--format", "jsonl", "--cluster", "amer-nyc") == 0
    out = capsysbinary.readouterr().out.decode()
    assert [json.loads(line)["cluster"] for line in out.splitlines()] == ["amer-nyc"]


def test_no_credentials_anywhere(tmp_path: Path) -> None:
    root = tmp_path / "store"
    secret = "hunter2-Pa55w0rd"
    snap = snapshot("emea-lon", T0)
    update = good(snap)
    raw = f"<xml>password={secret}</xml>"  # a raw answer must never be persisted
    update = PollUpdate(
        result=PollResult(**{**update.result.__dict__, "raw": raw}), status=update.status
    )
    with SnapshotStore.open(root) as store:
        store.write_batch([update])
    for fmt in ("json", "jsonl", "csv"):
        out = tmp_path / f"x.{fmt}"
        assert _export("--store", str(root), "--format", fmt, "--since", "2000-01-01",
                       "-o", str(out)) == 0  # fmt: skip
        text = out.read_text(encoding="utf-8-sig")
        assert "emea-lon" in text and secret not in text and "password" not in text
    for path in root.rglob("*"):
        if path.is_file():
            assert secret.encode() not in path.read_bytes(), path


def test_the_output_file_is_replaced_atomically(root: Path, tmp_path: Path) -> None:
    out = tmp_path / "x.json"
    out.write_text("old")
    assert _export("--store", str(root), "-o", str(out)) == 0
    assert json.loads(out.read_text())
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".tmp-")] == []


@pytest.mark.parametrize(
    ("argv", "message", "code"),
    [
        (["--store", "{missing}"], "no store at", 1),  # EXITCODES.md: 1 store, 2 usage
        (["--since", "yesterday-ish"], "cannot read time 'yesterday-ish'", 2),
        (["--tag", "region"], "--tag wants K=V", 2),
        (["--cluster", "nowhere"], "no cluster named nowhere", 2),
        (["--since", "1h", "--until", "2h"], "--since is after --until", 2),
    ],
)
def test_errors_are_one_line_with_their_status(
    root: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    argv: list[str],
    message: str,
    code: int,
) -> None:
    argv = [a.replace("{missing}", str(tmp_path / "none")) for a in argv]
    if "--store" not in argv:
        argv = ["--store", str(root), *argv]
    assert _export(*argv) == code
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1


def test_relative_times() -> None:
    assert export_cmd.parse_time("12h", now=NOW) == NOW - timedelta(hours=12)
    assert export_cmd.parse_time("7d", now=NOW) == NOW - timedelta(days=7)
    assert export_cmd.parse_time("2026-03-02T09:00:00+01:00", now=NOW) == T0
    assert export_cmd.parse_time("2026-03-02T08:00", now=NOW) == T0
