"""collectors.handover and ``licdash handover``: what is open, what changed, what is next,
and Markdown that pastes into a ticket as text (hostile names and reasons included)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from collectors.acks import Ack, AckBook
from collectors.cli import main
from collectors.fleet_summary import summarise
from collectors.handover import build, markdown, md, to_json
from collectors.model import RegistrationStatus, Severity
from collectors.policy import DEFAULT_POLICY
from collectors.store.ack_files import AckEvent
from collectors.store.records import FailureEvent, Transition
from tests.support.factory import NOW, snapshot, status
from tests.support.store import update_for

HOUR = timedelta(hours=1)
HOSTILE = "*lon*_[x](http://evil)<b>#1 @here`\x1b[31m"


def _ack(cluster: str, *, by: str = "alice", reason: str = "INC42") -> Ack:
    return Ack(
        id=f"id-{cluster}",
        cluster=cluster,
        by=by,
        at=NOW - 2 * HOUR,
        reason=reason,
        severity=Severity.CRITICAL,
        problems=("Registration expired",),
    )


def _report():  # type: ignore[no-untyped-def]
    expired = RegistrationStatus.REGISTRATION_EXPIRED
    statuses = {
        HOSTILE: status(HOSTILE, snapshot(HOSTILE, registration=expired)),
        "par": status("par", snapshot("par", registration=expired)),
        "nyc": status("nyc", snapshot("nyc", reg_expires_days=0.2)),  # 4.8 h: next shift
        "syd": status("syd", snapshot("syd")),
    }
    book = AckBook.of([_ack("par", reason="Cisco case <7> | *urgent*")])
    rows = summarise(statuses, NOW, DEFAULT_POLICY, book)
    transitions = [
        Transition(NOW - 3 * HOUR, "syd", "severity", "critical", "ok"),
        Transition(NOW - 2 * HOUR, "par", "severity", "ok", "critical"),
        Transition(NOW - 20 * HOUR, "old", "severity", "ok", "critical"),  # before the shift
    ]
    failures = [FailureEvent("nyc", NOW - HOUR, NOW, 5, "read_timeout", "slow")]
    events = [
        AckEvent(seq=1, at=NOW - 2 * HOUR, action="acknowledge", by="alice", cluster="par",
                 ack_id="id-par", text="INC42", ack=_ack("par")),
        AckEvent(seq=2, at=NOW - HOUR, action="clear", by="licdash", cluster="syd",
                 ack_id="id-syd", text="the cluster recovered", ack=_ack("syd", by="bob")),
        AckEvent(seq=3, at=NOW - HOUR / 2, action="note", by="alice",
                 text="watch nyc [vendor](x) *now*"),
    ]  # fmt: skip
    return build(
        rows,
        transitions=transitions,
        failures=failures,
        events=events,
        policy=DEFAULT_POLICY,
        now=NOW,
        since=NOW - 8 * HOUR,
    )


def test_open_problems_unacknowledged_first_then_the_owned_ones() -> None:
    report = _report()
    assert [i.cluster for i in report.attention] == [HOSTILE, "nyc"]
    assert [(i.cluster, i.ack.by if i.ack else None) for i in report.acknowledged] == [
        ("par", "alice")
    ]


def test_changes_of_the_shift_only() -> None:
    report = _report()
    assert [(c.cluster, c.kind) for c in report.changes] == [
        ("syd", "recovered"),
        ("par", "new_problem"),
        ("nyc", "failing"),
    ]
    assert [e.seq for e in report.acks_made] == [1]
    assert [e.seq for e in report.acks_ended] == [2]
    assert [e.seq for e in report.notes] == [3]


def test_hard_deadlines_of_the_next_shift() -> None:
    report = _report()
    assert report.next_until == NOW + 8 * HOUR
    assert [(d.cluster, d.kind.value, band.value) for d, band in report.deadlines] == [
        ("nyc", "registration_expiry", "critical")
    ]


def test_markdown_pastes_as_text() -> None:
    text = markdown(_report())
    assert "\x1b" not in text and "\\x1b" in text  # visible, never acted on
    escaped = md(HOSTILE)
    assert escaped == "\\*lon\\*\\_\\[x\\](http://evil)\\<b\\>\\#1 \\@here\\`\\\\x1b\\[31m"
    assert f"- **CRITICAL** {escaped}: Registration expired" in text
    assert "Cisco case \\<7\\> \\| \\*urgent\\*" in text
    assert "watch nyc \\[vendor\\](x) \\*now\\*" in text
    headings = [line for line in text.splitlines() if line.startswith("#")]
    assert headings == [
        "# licdash shift handover, 2026-03-01 12:00 UTC",
        "## Open now: 2 need attention, 1 acknowledged",
        "### Acknowledged",
        "## During the shift",
        "### New problems and worse (1)",
        "### Recoveries and better (1)",
        "### Polls that started failing (1)",
        "### Acknowledgements made (1)",
        "### Acknowledgements ended (1)",
        "## Hard deadlines in the next shift (to 2026-03-01 20:00 UTC)",
        "## Shift notes",
    ]
    assert "- 2026-03-01 11:00 syd: cleared: the cluster recovered (was by bob: INC42)" in text


def test_json_carries_the_same_report() -> None:
    doc = to_json(_report())
    assert [i["cluster"] for i in doc["open"]["attention"]] == [HOSTILE, "nyc"]
    assert doc["open"]["acknowledged"][0]["acknowledged"]["by"] == "alice"
    assert [d["cluster"] for d in doc["deadlines"]] == ["nyc"]
    assert doc["notes"][0]["text"] == "watch nyc [vendor](x) *now*"  # JSON escapes itself
    json.dumps(doc)


def test_licdash_handover_reads_a_real_store(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], status_factory
) -> None:
    from collectors.store import SnapshotStore

    now = datetime.now(UTC).replace(microsecond=0)
    root = tmp_path / "store"
    with SnapshotStore.open(root) as store:
        for at, severity in ((now - 3 * HOUR, Severity.CRITICAL), (now - HOUR, Severity.OK)):
            polled = status_factory("lon", severity, now=at, age=timedelta(0))
            store.write_batch([update_for(polled)])
    assert main(["handover", "--store", str(root), "--since", "4h", "--note", "all good"]) == 0
    out = capsys.readouterr().out
    assert "### Recoveries and better (1)" in out and "lon: critical → ok" in out
    assert "- " in out and "all good" in out
    assert main(["handover", "--store", str(root), "--format", "json", "--since", "30m"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["changes"] == []  # the recovery was before the half hour
    assert [n["text"] for n in doc["notes"]] == ["all good"]
    assert main(["handover", "--store", str(root), "--since", "tomorrow"]) == 2
