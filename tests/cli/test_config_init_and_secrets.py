"""``licdash config init`` and ``config check --no-connect`` resolving password sources."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

from collectors.commands.config_init import EXAMPLE
from collectors.config import load_config, parse_config

LICDASH = Path(sys.executable).with_name("licdash")


def licdash(*argv: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(LICDASH), *argv],
        capture_output=True,
        text=True,
        timeout=60,
        env=(os.environ | (env or {})),
    )


def test_init_writes_a_loadable_commented_example(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "licdash.toml"
    done = licdash("config", "init", "--config", str(path))
    assert done.returncode == 0, done.stderr
    assert path.read_text() == EXAMPLE and EXAMPLE.count("#") > 20
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    config = load_config(path)
    assert [c.name for c in config.clusters] == ["emea-lon-cucm1"]


def test_the_commented_product_examples_load_when_uncommented() -> None:
    """Every commented ``key = value`` and ``[[clusters]]`` line of the Unity Connection
    and Expressway examples, uncommented, is a valid config."""
    blocks = EXAMPLE.split("\n\n")
    wanted = [b for b in blocks if 'product = "unity"' in b or 'product = "expressway"' in b]
    assert len(wanted) == 2

    def uncomment(line: str) -> str:
        body = line.removeprefix("# ")
        return body if line.startswith("# ") and ("=" in body or body.startswith("[[")) else line

    text = "\n\n".join("\n".join(map(uncomment, b.splitlines())) for b in wanted)
    config = parse_config(text)
    assert [(c.name, c.product, c.transport, c.port) for c in config.clusters] == [
        ("emea-lon-cuc1", "unity", "cupi", 443),
        ("emea-lon-expc/peer1", "expressway", "rest", 443),
        ("emea-lon-expc/peer2", "expressway", "rest", 443),
        ("emea-lon-expc/peer3", "expressway", "rest", 443),
    ]


def test_init_refuses_to_overwrite(tmp_path: Path) -> None:
    path = tmp_path / "licdash.toml"
    path.write_text("# mine\n")
    done = licdash("config", "init", "--config", str(path))
    assert done.returncode == 1 and "not overwriting" in done.stderr
    assert path.read_text() == "# mine\n"


def test_init_uses_licdash_config(tmp_path: Path) -> None:
    path = tmp_path / "env.toml"
    done = licdash("config", "init", env={"LICDASH_CONFIG": str(path)})
    assert done.returncode == 0 and path.exists()


CONFIG = """\
[[clusters]]
name = "env-ok"
publisher = "a.example.net"
username = "u"
password_env = "LICDASH_TEST_PW_SET"

[[clusters]]
name = "env-unset"
publisher = "b.example.net"
username = "u"
password_env = "LICDASH_TEST_PW_UNSET"

[[clusters]]
name = "cmd-fails"
publisher = "c.example.net"
username = "u"
password_command = ["false"]

[[clusters]]
name = "cmd-ok"
publisher = "d.example.net"
username = "u"
password_command = ["echo", "s3cr3t-from-command"]
"""


def test_no_connect_resolves_every_secret_source(tmp_path: Path) -> None:
    path = tmp_path / "licdash.toml"
    path.write_text(CONFIG)
    env = {"LICDASH_TEST_PW_SET": "s3cr3t-from-env"}
    os.environ.pop("LICDASH_TEST_PW_UNSET", None)
    done = licdash("config", "check", "--no-connect", "--config", str(path), env=env)
    assert done.returncode == 1, done.stdout + done.stderr
    fails = [line.split()[1] for line in done.stdout.splitlines() if line.startswith("FAIL")]
    assert fails == ["env-unset", "cmd-fails"]
    assert "LICDASH_TEST_PW_UNSET is not set" in done.stdout
    assert "2 of 4 password sources resolved" in done.stdout
    assert "s3cr3t" not in done.stdout + done.stderr  # resolved values are never shown


def test_no_connect_passes_when_every_source_resolves(tmp_path: Path) -> None:
    path = tmp_path / "licdash.toml"
    path.write_text(CONFIG.split('[[clusters]]\nname = "env-unset"')[0])
    done = licdash(
        "config", "check", "--no-connect", "--config", str(path),
        env={"LICDASH_TEST_PW_SET": "x"},
    )  # fmt: skip
    assert done.returncode == 0, done.stdout
    assert "1 of 1 password sources resolved" in done.stdout


def test_check_prints_every_problem_on_its_own_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text("[settings]\nintervall = 3\ntimout = 4\n")
    done = licdash("config", "check", "--config", str(path))
    assert done.returncode == 2
    lines = [x for x in done.stderr.splitlines() if x.startswith("config error:")]
    assert lines == [
        f"config error: {path}:2: settings.intervall: unknown field (check its spelling); "
        "did you mean 'interval'?",
        f"config error: {path}:3: settings.timout: unknown field (check its spelling); "
        "did you mean 'timeout'?",
    ]
