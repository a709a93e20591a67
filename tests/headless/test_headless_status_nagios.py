"""``licdash status --format nagios``: the first line parsed by the monitoring-plugins
rules (https://www.monitoring-plugins.org/doc/guidelines.html, "Plugin Output" and
"Performance data"), for an OK, a WARNING, a CRITICAL and an UNKNOWN store."""

from __future__ import annotations

import re
import subprocess
import sys
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from collectors.commands import status_cmd
from collectors.errors import StoreError
from collectors.model import Severity
from collectors.results import ClusterStatus
from tests.headless.test_headless_status_store import run_status, write_store

S = Severity


@pytest.fixture
def real_now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


# ----- the guidelines, as a parser ----------------------------------------------------

UOMS = {"", "s", "ms", "us", "%", "B", "KB", "MB", "GB", "TB", "c"}
_NUMBER = r"-?[0-9]+(?:\.[0-9]+)?"
_VALUE = re.compile(rf"^(?P<value>{_NUMBER}|U)(?P<uom>[A-Za-z%]*)$")
_RANGE = re.compile(rf"^@?(?:(?:{_NUMBER}|~):)?(?:{_NUMBER})?$")


@dataclass(frozen=True)
class Perf:
    label: str
    value: float | None
    uom: str
    warn: str
    crit: str
    min: float | None
    max: float | None


@dataclass(frozen=True)
class PluginLine:
    state: str
    text: str
    perf: dict[str, Perf]


def parse_label(item: str) -> tuple[str, str]:
    if item.startswith("'"):
        end = item.index("'=", 1)  # a quote inside the label is written ''
        return item[1:end].replace("''", "'"), item[end + 2 :]
    label, sep, rest = item.partition("=")
    assert sep and label and " " not in label and "'" not in label, item
    return label, rest


def parse_perf(item: str) -> Perf:
    label, rest = parse_label(item)
    fields = rest.split(";")
    assert 1 <= len(fields) <= 5, f"{item}: at most value;warn;crit;min;max"
    fields += [""] * (5 - len(fields))
    value_text, warn, crit, low, high = fields
    match = _VALUE.match(value_text)
    assert match, f"{item}: value must be in [-0-9.] (or U) followed by a unit"
    uom = match["uom"]
    assert uom in UOMS, f"{item}: {uom!r} is not a unit of the guidelines"
    for bound in (warn, crit):
        assert bound == "" or _RANGE.match(bound), f"{item}: {bound!r} is not a range"
        assert bound not in ("@", ":", "~:"), f"{item}: empty range"
    for number in (low, high):
        assert number == "" or re.fullmatch(_NUMBER, number), f"{item}: min/max {number!r}"
    value = None if match["value"] == "U" else float(match["value"])
    return Perf(
        label,
        value,
        uom,
        warn,
        crit,
        float(low) if low else None,
        float(high) if high else None,
    )


def split_perf(text: str) -> list[str]:
    """Space-separated items; a quoted label may hold spaces."""
    items, current, quoted = [], "", False
    for char in text.strip():
        if char == "'":
            quoted = not quoted
        if char == " " and not quoted:
            if current:
                items.append(current)
            current = ""
            continue
        current += char
    return items + ([current] if current else [])


def parse_output(stdout: str) -> PluginLine:
    first, *rest = stdout.splitlines()
    # "|" opens the performance data; the long text after line 1 must not smuggle more.
    assert first.count("|") <= 1, first
    assert not any("|" in line for line in rest), rest
    text, _, perf_text = first.partition("|")
    match = re.match(r"^LICDASH (OK|WARNING|CRITICAL|UNKNOWN) - (\S.*)$", text.rstrip())
    assert match, f"first line must be 'SERVICE STATE - text': {first!r}"
    perf = [parse_perf(item) for item in split_perf(perf_text)]
    labels = [p.label for p in perf]
    assert len(set(labels)) == len(labels), f"duplicate labels: {labels}"
    return PluginLine(match[1], match[2], {p.label: p for p in perf})


# ----- the parser itself rejects what the guidelines reject ------------------------


@pytest.mark.parametrize(
    "bad",
    [
        "LICDASH OK - fine | days=4d;30;7",  # "d" is not a unit
        "LICDASH OK - fine | ok=1,5;;;0",  # locale comma
        "LICDASH OK - fine | ok=1;;;zero",
        "LICDASH OK - fine | ok=1;x:y",
        "LICDASH OK - a | b | ok=1",
        "fine | ok=1",
    ],
)
def test_the_parser_rejects_what_the_guidelines_reject(bad) -> None:
    with pytest.raises(AssertionError):
        parse_output(bad)


# ----- licdash's answers ------------------------------------------------------------


def nagios(capsys, store: Path, *extra: str) -> tuple[int, PluginLine, list[str]]:
    code, out, _ = run_status(capsys, "--store", str(store), "--format", "nagios", *extra)
    return code, parse_output(out), out.splitlines()[1:]


def counts(line: PluginLine) -> dict[str, float | None]:
    return {k: line.perf[k].value for k in ("critical", "warning", "unknown", "ok", "stale")}


@pytest.mark.parametrize(
    ("mix", "state", "code"),
    [
        ({"lon": S.OK, "par": S.OK}, "OK", 0),
        ({"lon": S.OK, "par": S.WARNING}, "WARNING", 1),
        ({"lon": S.CRITICAL, "par": S.WARNING, "ams": S.UNKNOWN, "nyc": S.OK}, "CRITICAL", 2),
        ({"lon": S.OK, "ams": S.UNKNOWN}, "UNKNOWN", 3),
    ],
)
def test_first_line_by_the_rules(
    tmp_path, capsys, status_factory, real_now, mix, state, code
) -> None:
    statuses = [status_factory(name, sev, now=real_now) for name, sev in mix.items()]
    store = write_store(tmp_path / "store", statuses)
    got, line, details = nagios(capsys, store)
    assert got == code and line.state == state
    expected = {s.value: sum(v is s for v in mix.values()) for s in Severity}
    assert counts(line) == {k: float(v) for k, v in expected.items()} | {"stale": 0.0}
    words = ", ".join(f"{expected[k]} {k}" for k in ("critical", "unknown", "warning", "ok"))
    assert line.text.startswith(words)
    for label in ("critical", "warning", "unknown", "ok", "stale"):
        assert line.perf[label].min == 0 and line.perf[label].max == len(mix)
    # Every bad cluster gets a line of its own, worst first; ok ones do not.
    bad = sorted((n for n, sev in mix.items() if sev is not S.OK), key=lambda n: -mix[n].rank)
    assert [d.split()[1].rstrip(":") for d in details] == bad
    assert all(d.startswith(mix[d.split()[1].rstrip(":")].value.upper()) for d in details)


def test_next_deadline_and_days_left(tmp_path, capsys, status_factory, real_now) -> None:
    store = write_store(
        tmp_path / "store",
        [
            status_factory("lon", S.CRITICAL, now=real_now, expiry_days=4.5),
            status_factory("par", S.OK, now=real_now, expiry_days=90),
        ],
    )
    _, line, _ = nagios(capsys, store)
    assert "; next: reg expiry lon in 4 d" in line.text
    days = line.perf["min_days_left"]
    assert days.value is not None and 4.49 <= days.value < 4.5 + 1e-9  # 1 min ago
    assert days.uom == "" and (days.warn, days.crit) == ("30:", "7:")  # alert below


def test_w_and_c_judge_again(tmp_path, capsys, status_factory, real_now) -> None:
    """A registration expiring in 20 days, stored as ok: -w/-c decide now."""
    store = write_store(
        tmp_path / "store",
        [status_factory("lon", S.OK, now=real_now, expiry_days=20, auth_days=300)],
    )
    code, line, _ = nagios(capsys, store, "-w", "10", "-c", "5")
    assert (code, line.state) == (0, "OK")
    assert (line.perf["min_days_left"].warn, line.perf["min_days_left"].crit) == ("10:", "5:")
    code, line, details = nagios(capsys, store, "-w", "30")
    assert (code, line.state) == (1, "WARNING")
    assert len(details) == 1
    assert details[0].startswith("WARNING lon: Registration expires in ")
    code, line, _ = nagios(capsys, store, "-w", "40", "-c", "25")
    assert (code, line.state) == (2, "CRITICAL")
    code, out, _ = run_status(capsys, "--store", str(store), "--format", "nagios", "-c", "40")
    assert code == 3 and parse_output(out).state == "UNKNOWN" and "must not exceed" in out


def test_stale_fleet_is_unknown_and_counted(tmp_path, capsys, status_factory, real_now) -> None:
    store = write_store(
        tmp_path / "store",
        [status_factory("lon", S.OK, now=real_now, age=timedelta(hours=2))],
    )
    code, line, details = nagios(capsys, store)
    assert code == 3 and line.state == "UNKNOWN"
    assert line.perf["stale"].value == 1 and "1 stale" in line.text
    assert details and details[0].startswith("OK (stale) lon")


def test_no_store_is_unknown_on_stdout(tmp_path, capsys) -> None:
    code, out, _ = run_status(capsys, "--store", str(tmp_path / "nowhere"), "--format", "nagios")
    line = parse_output(out)
    assert code == 3 and line.state == "UNKNOWN" and "nowhere" in line.text
    assert line.perf == {}  # nothing measured: no zeros that would graph as facts
    assert out.splitlines()[1].startswith("hint: ")


@pytest.mark.parametrize(
    "failure",
    [
        StoreError("latest.json: cannot read"),
        PermissionError(13, "Permission denied", "history"),  # an unexpected crash
    ],
)
def test_unreadable_store_is_unknown_on_stdout(tmp_path, capsys, monkeypatch, failure) -> None:
    """(Root reads any file, so the failure is injected where the store is read.)"""

    def unreadable(directory: Path, *_: object) -> dict[str, ClusterStatus]:
        raise failure

    monkeypatch.setattr(status_cmd, "_read_store", unreadable)
    code, out, _ = run_status(capsys, "--store", str(tmp_path), "--format", "nagios")
    line = parse_output(out)
    assert code == 3 and line.state == "UNKNOWN" and str(failure.args[-1]) in line.text


def test_hostile_error_text_cannot_inject_perfdata(
    tmp_path, capsys, status_factory, real_now
) -> None:
    bad = status_factory("lon", S.OK, now=real_now, failures=2, error_kind="auth")
    error = bad.last_error.model_copy(update={"message": "x | critical=0 \n LICDASH OK - "})
    store = write_store(tmp_path / "store", [bad.model_copy(update={"last_error": error})])
    _, out, _ = run_status(capsys, "--store", str(store), "--format", "nagios")
    line = parse_output(out)  # asserts: one "|" on line 1, none after
    assert len(out.splitlines()) == 2 and line.perf["critical"].value == 0


def test_the_real_command_line(tmp_path, status_factory, real_now) -> None:
    store = write_store(tmp_path / "store", [status_factory("lon", S.WARNING, now=real_now)])
    licdash = Path(sys.executable).with_name("licdash")
    for argv, code, state in (
        (["--store", str(store)], 1, "WARNING"),
        (["--store", str(tmp_path / "none")], 3, "UNKNOWN"),
        (["--store", str(store), "--tag", "oops"], 3, "UNKNOWN"),
    ):
        done = subprocess.run(
            [str(licdash), "status", "--format", "nagios", *argv],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode == code, done.stderr
        assert parse_output(done.stdout).state == state


def test_a_stopped_collector_is_unknown_in_the_same_form(
    tmp_path, capsys, status_factory, real_now
) -> None:
    """The shared liveness verdict (collectors.liveness) leads the first line."""
    import os
    import socket

    from collectors.liveness import Heartbeat
    from collectors.store import SnapshotStore

    store_dir = write_store(tmp_path / "store", [status_factory("lon", S.OK, now=real_now)])
    store = SnapshotStore.open(store_dir)
    old = real_now - timedelta(hours=1)
    beat = Heartbeat(at=old, pid=os.getpid(), host=socket.gethostname(), interval_s=60)
    store.record_heartbeat(beat)
    store.close()  # nobody holds the writer lock any more
    code, line, _ = nagios(capsys, store_dir, "--stale-after", "1d")
    assert code == 3 and line.state == "UNKNOWN"
    assert line.text.startswith("collector not writing since") and "1 ok" in line.text
    assert line.perf["ok"].value == 1  # the data is still shown, for what it is worth


@pytest.mark.parametrize("argv", [["-w", "soon"], ["--bogus"], ["--format=nagios", "-c"]])
def test_a_usage_error_is_unknown_on_stdout(capsys, argv) -> None:
    from collectors.cli import main

    extra = [] if any(a.startswith("--format") for a in argv) else ["--format", "nagios"]
    assert main(["status", *extra, *argv]) == 3
    out = capsys.readouterr().out
    assert parse_output(out).state == "UNKNOWN" and "usage error" in out
