"""Every config problem at once, each with file, line, cluster, field and a suggestion."""

from __future__ import annotations

from pathlib import Path

import pytest

from collectors.config import load_config, parse_config
from collectors.config_problems import ConfigProblems, did_you_mean, key_lines
from collectors.errors import ConfigError

BAD = """\
[settings]
intervall = 30

[[clusters]]
name = "a"
publisher = "a.example.net:99999"
username = "u"
pasword_env = "X"

[[clusters]]
name = "b"
publisher = "b.example.net"
username = "u"
password_env = "Y"
timezone = "Mars/Olympus"

[[clusters]]
publisher = "c.example.net"
username = "u"
password_env = "Z"
"""


def test_every_problem_at_once_with_its_line(tmp_path: Path) -> None:
    path = tmp_path / "licdash.toml"
    path.write_text(BAD)
    with pytest.raises(ConfigProblems) as info:
        load_config(path)
    found = [(p.line, p.cluster, p.field) for p in info.value.problems]
    assert found == [
        (2, None, "settings.intervall"),
        (6, "a", "publisher"),
        (8, "a", "pasword_env"),
        (15, "b", "timezone"),
        (17, None, "clusters[3].name"),  # no name: the table's header line
    ]
    text = str(info.value)
    assert all(f"{path}:{line}:" in text for line, _, _ in found)
    assert "did you mean 'interval'?" in text and "did you mean 'password_env'?" in text
    # Code that reads one error still sees the first problem's cluster and field.
    assert isinstance(info.value, ConfigError)
    assert (info.value.cluster, info.value.field) == (None, "settings.intervall")


def test_one_problem_reads_as_before(tmp_path: Path) -> None:
    with pytest.raises(ConfigProblems) as info:
        parse_config("[settings]\nconcurency = 4\n", source=tmp_path / "x.toml")
    assert len(info.value.problems) == 1
    assert "more" not in str(info.value)
    assert str(info.value).startswith("settings.concurency: ")
    assert "did you mean 'concurrency'?" in str(info.value)


def test_no_suggestion_when_nothing_is_close() -> None:
    assert did_you_mean("colour", ["interval", "timeout"]) == ""
    assert did_you_mean("usrname", ["username", "name"]) == "; did you mean 'username'?"


def test_missing_files_are_reported_together(tmp_path: Path) -> None:
    text = "".join(
        f'[[clusters]]\nname = "{n}"\npublisher = "{n}.example.net"\nusername = "u"\n'
        f'password_env = "P"\nverify = "{n}.pem"\n\n'
        for n in ("one", "two")
    )
    with pytest.raises(ConfigProblems) as info:
        parse_config(text, source=tmp_path / "x.toml")
    assert [(p.cluster, p.field, p.line) for p in info.value.problems] == [
        ("one", "verify", 6),
        ("two", "verify", 13),
    ]


def test_key_lines_follow_tables_and_sub_tables() -> None:
    text = (
        "top = 1\n[settings]\ninterval = 5\n[[clusters]]\nname = 'a'\n"
        "[clusters.tags]\nregion = 'emea'\n[[clusters]]\n  \"name\" = 'b'  # quoted key\n"
    )
    lines = key_lines(text)
    assert lines[("top",)] == 1
    assert lines[("settings", "interval")] == 3
    assert lines[("clusters", 0)] == 4 and lines[("clusters", 0, "name")] == 5
    assert lines[("clusters", 0, "tags", "region")] == 7
    assert lines[("clusters", 1, "name")] == 9


def test_unknown_key_inside_a_cluster_suggests_a_cluster_field(tmp_path: Path) -> None:
    text = (
        '[[clusters]]\nname = "a"\npublisher = "p"\nusername = "u"\n'
        'password_env = "P"\ntimzone = "UTC"\n'
    )
    with pytest.raises(ConfigProblems, match="did you mean 'timezone'"):
        parse_config(text, source=tmp_path / "x.toml")


def test_missing_files_come_with_the_validation_problems(tmp_path: Path) -> None:
    text = (
        '[settings]\ntimout = 3\n\n[[clusters]]\nname = "a"\npublisher = "p"\n'
        'username = "u"\npassword_env = "P"\nverify = "ca.pem"\n'
    )
    with pytest.raises(ConfigProblems) as info:
        parse_config(text, source=tmp_path / "x.toml")
    assert [(p.line, p.cluster, p.field) for p in info.value.problems] == [
        (2, None, "settings.timout"),
        (9, "a", "verify"),
    ]
    assert f"{tmp_path / 'ca.pem'} does not exist" in str(info.value)
