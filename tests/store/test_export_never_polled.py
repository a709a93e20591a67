"""``licdash export`` says what it left out: a never-polled cluster is an unknown CSV
row, and JSON (which has no record form for it) names it as skipped."""

from __future__ import annotations

import argparse
import csv
import io
import json
from pathlib import Path

import pytest

from collectors.commands import export_cmd
from collectors.export_render import CSV_COLUMNS
from collectors.store import SnapshotStore
from tests.support.factory import WEEK_START as T0
from tests.support.factory import bad, good, snapshot


def _export(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    parser = argparse.ArgumentParser()
    export_cmd.add_arguments(parser)
    code = export_cmd.run(parser.parse_args(list(argv)))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def root(tmp_path: Path) -> Path:
    root = tmp_path / "store"
    with SnapshotStore.open(root) as store:
        store.write_batch(
            [
                good(snapshot("emea-lon", T0), tags={"region": "emea"}),
                bad("apac-syd", T0),
                bad("=cmd|calc", T0),  # a hostile name stays inert in a spreadsheet
            ]
        )
    return root


def test_csv_lists_never_polled_clusters_as_unknown(root: Path, capsys) -> None:
    code, out, err = _export(capsys, "--store", str(root), "--format", "csv")
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    by_cluster = {r["cluster"]: r for r in rows}
    assert set(by_cluster) == {"emea-lon", "apac-syd", "'=cmd|calc"}
    syd = by_cluster["apac-syd"]
    assert syd["severity"] == "unknown" and syd["collected_at"] == ""
    assert syd["entitlement_name"] == "" and len(syd) == len(CSV_COLUMNS)
    assert by_cluster["emea-lon"]["severity"] != "unknown"
    assert "2 clusters were never polled successfully, written as unknown rows" in err
    assert "apac-syd" in err


@pytest.mark.parametrize("fmt", ["json", "jsonl"])
def test_json_says_how_many_were_skipped_and_why(root: Path, capsys, fmt: str) -> None:
    code, out, err = _export(capsys, "--store", str(root), "--format", fmt)
    assert code == 0
    records = json.loads(out) if fmt == "json" else [json.loads(x) for x in out.splitlines()]
    assert [r["cluster"] for r in records] == ["emea-lon"]
    assert "2 clusters were never polled successfully" in err
    assert "no licdash.snapshot/1 record" in err and "apac-syd" in err


def test_output_file_message_counts_records_and_clusters(root: Path, tmp_path, capsys) -> None:
    out_file = tmp_path / "fleet.json"
    code, _, err = _export(capsys, "--store", str(root), "-o", str(out_file))
    assert code == 0 and len(json.loads(out_file.read_text())) == 1
    assert f"wrote 1 snapshot of 1 of 3 clusters to {out_file}" in err


def test_a_fully_polled_fleet_exports_quietly(tmp_path: Path, capsys) -> None:
    root = tmp_path / "store"
    with SnapshotStore.open(root) as store:
        store.write_batch([good(snapshot("emea-lon", T0))])
    code, _, err = _export(capsys, "--store", str(root), "--format", "csv")
    assert code == 0 and err == ""


def test_an_unreadable_store_exits_1(tmp_path: Path, capsys) -> None:
    code, _, err = _export(capsys, "--store", str(tmp_path / "none"))
    assert code == 1 and "no store at" in err
