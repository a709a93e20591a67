"""``licdash status``: ordering, exit codes for each severity mix, table and JSON output."""

from __future__ import annotations

import argparse
import io
import json
from datetime import timedelta

import pytest

from collectors.commands import status_cmd, status_render
from collectors.commands.status_cmd import parse_duration
from collectors.commands.status_render import render_json, render_table
from collectors.fleet_summary import (
    CRITICAL,
    OK,
    UNKNOWN,
    WARNING,
    exit_code,
    parse_tag_filters,
    summarise,
    tags_match,
)
from collectors.model import Severity
from collectors.policy import FreshnessPolicy

FRESH = FreshnessPolicy.uniform(timedelta(minutes=15))
S = Severity


def codes(status_factory, now, *specs):
    """Exit code for clusters given as (severity or None, stale?) pairs."""
    statuses = {}
    for i, (sev, stale) in enumerate(specs):
        age = timedelta(hours=3) if stale else timedelta(minutes=1)
        statuses[f"c{i}"] = status_factory(f"c{i}", sev, age=age)
    return exit_code(summarise(statuses, now, FRESH))


@pytest.mark.parametrize(
    ("specs", "expected"),
    [
        ([(S.OK, False)], OK),
        ([(S.OK, False), (S.OK, False)], OK),
        ([(S.OK, False), (S.WARNING, False)], WARNING),
        ([(S.WARNING, False), (S.CRITICAL, False)], CRITICAL),
        ([(S.OK, False), (S.UNKNOWN, False)], UNKNOWN),
        ([(S.OK, False), (None, False)], UNKNOWN),  # never polled
        ([(S.WARNING, False), (S.UNKNOWN, False)], UNKNOWN),  # unknown beats warning
        ([(S.CRITICAL, False), (S.UNKNOWN, False)], CRITICAL),  # critical beats unknown
        ([(S.OK, True)], UNKNOWN),  # stale-only fleet
        ([(S.OK, True), (S.OK, True), (S.OK, True)], UNKNOWN),
        ([(S.WARNING, True), (S.OK, False)], UNKNOWN),  # stale beats warning
        ([(S.CRITICAL, True)], CRITICAL),  # a stale critical stays critical
        ([], UNKNOWN),  # no clusters at all
    ],
)
def test_exit_code_for_each_mix(status_factory, now, specs, expected) -> None:
    assert codes(status_factory, now, *specs) == expected


def test_rows_are_worst_first(status_factory, now) -> None:
    statuses = {
        "a-ok": status_factory("a-ok", S.OK),
        "b-crit-far": status_factory("b-crit-far", S.CRITICAL, expiry_days=100),
        "c-crit-near": status_factory("c-crit-near", S.CRITICAL, expiry_days=3),
        "d-warn": status_factory("d-warn", S.WARNING),
        "e-unknown": status_factory("e-unknown", None),
        "f-ok-stale": status_factory("f-ok-stale", S.OK, age=timedelta(hours=1)),
    }
    rows = summarise(statuses, now, FRESH)
    assert [r.status.cluster for r in rows] == [
        "c-crit-near",  # nearest hard deadline first among criticals
        "b-crit-far",
        "e-unknown",
        "d-warn",
        "f-ok-stale",  # stale before fresh at the same severity
        "a-ok",
    ]


def test_per_cluster_thresholds_and_store_flag(status_factory, now) -> None:
    statuses = {
        "slow": status_factory("slow", S.OK, age=timedelta(minutes=50)),
        "fast": status_factory("fast", S.OK, age=timedelta(minutes=50)),
        "flagged": status_factory("flagged", S.OK, stale=True),
    }
    limits = FreshnessPolicy(cluster_stale_after_s={"slow": 3600, "fast": 900})
    stale = {r.status.cluster: r.stale for r in summarise(statuses, now, limits)}
    assert stale == {"slow": False, "fast": True, "flagged": True}


def test_table_is_plain_and_aligned_when_piped(status_factory, now) -> None:
    statuses = {
        "emea-lon-cucm1": status_factory("emea-lon-cucm1", S.CRITICAL, expiry_days=3),
        "b": status_factory(
            "b", S.OK, age=timedelta(hours=2), failures=3, error_kind="read_timeout"
        ),
        "nyc": status_factory("nyc", None, failures=1, error_kind="auth"),
    }
    text = render_table(summarise(statuses, now, FRESH), now, colour=False, ascii_only=False)
    lines = text.splitlines()
    assert "\x1b[" not in text
    assert lines[0].split() == [
        "CLUSTER", "PRODUCT", "SEVERITY", "REGISTRATION", "AUTHORIZATION", "NEXT", "DEADLINE",
        "LAST", "GOOD", "POLL", "LAST", "ERROR",
    ]  # fmt: skip
    product = lines[0].index("PRODUCT")
    assert [line[product:].split()[0] for line in lines[1:4]] == ["CUCM"] * 3
    # Columns line up: each header starts at the same offset as the cells below it.
    col = lines[0].index("SEVERITY")
    assert [line[col:].split()[1] for line in lines[1:4]] == ["critical", "unknown", "ok"]
    assert "registration expires in 2 d" in lines[1]  # 3 days from a poll 1 minute ago
    assert "never" in lines[2] and "auth" in lines[2]
    assert "2 h ago ⌛ stale" in lines[3] and "read_timeout" in lines[3]
    assert lines[-1] == "3 clusters: 1 critical, 1 unknown, 0 warning, 1 ok; 1 stale, 2 failing"


def test_table_colour_and_ascii_fallback(status_factory, now) -> None:
    rows = summarise({"a": status_factory("a", S.WARNING)}, now, FRESH)
    assert "\x1b[33m▲ warning" in render_table(rows, now, colour=True, ascii_only=False)
    assert "! warning" in render_table(rows, now, colour=False, ascii_only=True)


def test_colour_only_on_a_tty_without_no_color(monkeypatch) -> None:
    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("TERM", "xterm")
    assert status_render.wants_colour(Tty())
    assert not status_render.wants_colour(io.StringIO())
    monkeypatch.setenv("NO_COLOR", "1")
    assert not status_render.wants_colour(Tty())


def test_json_follows_the_snapshot_contract(status_factory, now) -> None:
    statuses = {
        "lon": status_factory("lon", S.WARNING, tags={"region": "emea"}),
        "nyc": status_factory("nyc", None, failures=2, error_kind="tls", tags={"region": "am"}),
    }
    doc = json.loads(render_json(summarise(statuses, now, FRESH), now))
    assert doc["exit_code"] == UNKNOWN
    assert doc["totals"]["clusters"] == 2 and doc["totals"]["warning"] == 1
    nyc, lon = doc["clusters"]  # unknown ranks above warning
    expected = statuses["lon"].last_good.to_json_dict()
    assert {k: lon[k] for k in expected} == expected
    assert lon["schema"] == "licdash.snapshot/1"
    assert lon["stale"] is False and lon["last_error"] is None
    assert nyc["cluster"] == "nyc" and nyc["tags"] == {"region": "am"}
    assert nyc["severity"] == "unknown" and "schema" not in nyc
    assert nyc["last_error"]["kind"] == "tls"
    assert nyc["consecutive_failures"] == 2


def test_tag_filters() -> None:
    wanted = parse_tag_filters(["region=emea", "region=apac", "env=prod"])
    assert tags_match({"region": "apac", "env": "prod"}, wanted)
    assert not tags_match({"region": "apac", "env": "lab"}, wanted)
    assert not tags_match({"env": "prod"}, wanted)
    with pytest.raises(ValueError, match="KEY=VALUE"):
        parse_tag_filters(["region"])


def test_durations() -> None:
    assert parse_duration("900") == timedelta(seconds=900)
    assert parse_duration("15m") == timedelta(minutes=15)
    assert parse_duration("2h") == timedelta(hours=2)
    with pytest.raises(argparse.ArgumentTypeError):
        parse_duration("soon")


def test_help_documents_exit_code_precedence() -> None:
    parser = argparse.ArgumentParser()
    status_cmd.add_arguments(parser)
    text = parser.format_help()
    assert "2  CRITICAL" in text and "even when others are unknown or stale" in text
