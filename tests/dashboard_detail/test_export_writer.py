"""The UI-side export writer: JSON and CSV that parse back, atomic, no secrets."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime
from pathlib import Path

import pytest

from collectors.export_render import CSV_COLUMNS
from collectors.model import LicenseSnapshot
from collectors.results import ClusterStatus
from dashboard.export import ExportError, default_path, write_export, write_text_atomic


def test_json_export_parses_back_into_snapshots(
    tmp_path: Path, statuses: dict[str, ClusterStatus]
) -> None:
    path = tmp_path / "fleet.json"
    result = write_export(path, "json", list(statuses.values()))
    data = json.loads(path.read_text(encoding="utf-8"))
    snaps = [LicenseSnapshot.from_json_dict(item) for item in data]
    expected = [s.last_good for s in statuses.values() if s.last_good]
    assert result.count == len(snaps) == 4  # the never-polled cluster has no snapshot
    assert snaps == sorted(expected, key=lambda s: s.cluster)
    assert all(item["schema"] == "licdash.snapshot/1" for item in data)


def test_csv_matches_licdash_export_one_row_per_cluster_entitlement(
    tmp_path: Path, statuses: dict[str, ClusterStatus]
) -> None:
    path = tmp_path / "fleet.csv"
    result = write_export(path, "csv", list(statuses.values()))
    text = path.read_text(encoding="utf-8-sig")  # a BOM, so spreadsheets read UTF-8
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(text)))
    polled = [s.last_good for s in statuses.values() if s.last_good]
    assert result.count == len(rows) == sum(len(s.entitlements) for s in polled)
    assert list(rows[0]) == CSV_COLUMNS  # the same columns as `licdash export`
    nyc = [r for r in rows if r["cluster"] == "amer-nyc-cucm2"]
    assert {r["entitlement_name"] for r in nyc} == {"Enhanced Plus", "Enhanced"}
    ooc = next(r for r in nyc if r["entitlement_name"] == "Enhanced Plus")
    assert ooc["entitlement_status"] == "out_of_compliance"
    assert ooc["entitlement_count"] == "310"
    assert ooc["authorization"] == "out_of_compliance"
    assert ooc["next_deadline_kind"] == "authorization_expiry"
    assert "amer-chi-cucm5" not in {r["cluster"] for r in rows}  # never polled: no snapshot


def test_csv_cells_that_look_like_formulas_are_quoted(
    tmp_path: Path, statuses: dict[str, ClusterStatus]
) -> None:
    status = statuses["emea-lon-cucm1"]
    assert status.last_good is not None
    ent = status.last_good.entitlements[0].model_copy(update={"name": "=HYPERLINK(1)"})
    snap = status.last_good.model_copy(update={"entitlements": (ent,)})
    path = tmp_path / "f.csv"
    write_export(path, "csv", [status.model_copy(update={"last_good": snap})])
    assert "'=HYPERLINK(1)" in path.read_text(encoding="utf-8-sig")


def test_exports_never_carry_secrets_or_raw_responses(
    tmp_path: Path, statuses: dict[str, ClusterStatus]
) -> None:
    for fmt in ("json", "csv"):
        path = tmp_path / f"out.{fmt}"
        write_export(path, fmt, list(statuses.values()))  # type: ignore[arg-type]
        body = path.read_text(encoding="utf-8").lower()
        assert "password" not in body
        assert "envelope" not in body


def test_missing_directory_is_a_clear_error_and_leaves_nothing(tmp_path: Path) -> None:
    target = tmp_path / "nope" / "out.json"
    with pytest.raises(ExportError, match=r"nope.*does not exist"):
        write_text_atomic(target, "{}")
    assert not (tmp_path / "nope").exists()


def test_atomic_write_replaces_and_leaves_no_temp_file(tmp_path: Path) -> None:
    target = tmp_path / "out.json"
    target.write_text("old")
    write_text_atomic(target, "new")
    assert target.read_text() == "new"
    assert [p.name for p in tmp_path.iterdir()] == ["out.json"]


def test_default_path_is_timestamped_in_the_current_directory(now: datetime) -> None:
    assert default_path("csv", now) == Path("licdash-20260301T120000Z.csv")
    assert default_path("json", now, Path("/x")) == Path("/x/licdash-20260301T120000Z.json")
