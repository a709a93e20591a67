"""``licdash completion``: scripts generated from the parser, tried in the real shells."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

LICDASH = Path(sys.executable).with_name("licdash")


def script(shell: str, tmp_path: Path) -> Path:
    done = subprocess.run(
        [str(LICDASH), "completion", shell], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    path = tmp_path / f"licdash.{shell}"
    path.write_text(done.stdout)
    return path


def shell_or_skip(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        if os.environ.get("CI"):
            pytest.fail(f"{name} is missing in CI: .ci/run should have installed it")
        pytest.skip(f"{name} not installed (apt-get install {name})")
    return path


BASH_DRIVER = """
source "$1"
complete_words() {
    COMP_WORDS=("$@"); COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 ))
    COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}; COMPREPLY=()
    _shtab_licdash
    printf '%s\\n' "${COMPREPLY[@]}"
}
"""


def bash_complete(path: Path, *words: str) -> list[str]:
    bash = shell_or_skip("bash")
    code = BASH_DRIVER + "complete_words " + " ".join(f"'{w}'" for w in words)
    done = subprocess.run(
        [bash, "--norc", "-c", code, "driver", str(path)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    return [line for line in done.stdout.splitlines() if line]


def test_bash_completes_commands_options_and_choices(tmp_path: Path) -> None:
    path = script("bash", tmp_path)
    assert bash_complete(path, "licdash", "sta") == ["status"]
    assert "completion" in bash_complete(path, "licdash", "")
    assert set(bash_complete(path, "licdash", "status", "--format", "")) == {
        "table",
        "json",
        "nagios",
    }
    options = bash_complete(path, "licdash", "status", "--")
    assert {"--warning", "--critical", "--store", "--tag"} <= set(options)
    assert "--once" not in options  # collect's, not status's
    assert bash_complete(path, "licdash", "completion", "") == ["bash", "zsh", "fish"]


def test_bash_completes_files_for_config(tmp_path: Path) -> None:
    path = script("bash", tmp_path)
    (tmp_path / "fleet.toml").write_text("")
    os.chdir(tmp_path)
    assert "fleet.toml" in bash_complete(path, "licdash", "collect", "--config", "fl")


def fish_complete(path: Path, line: str) -> list[str]:
    fish = shell_or_skip("fish")
    done = subprocess.run(
        [fish, "--no-config", "-c", f"source {path}; complete -C '{line}'"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    return [x.split("\t")[0] for x in done.stdout.splitlines()]


def test_fish_script_parses_and_completes(tmp_path: Path) -> None:
    path = script("fish", tmp_path)
    fish = shell_or_skip("fish")
    syntax = subprocess.run([fish, "--no-execute", str(path)], capture_output=True, timeout=60)
    assert syntax.returncode == 0, syntax.stderr
    assert fish_complete(path, "licdash sta") == ["status"]
    assert set(fish_complete(path, "licdash status --format ")) == {"table", "json", "nagios"}
    assert fish_complete(path, "licdash config ") == ["check", "init", "path"]
    options = set(fish_complete(path, "licdash config check --"))
    assert {"--no-connect", "--config"} <= options and "--format" not in options
    assert {"-w", "-c"} <= set(fish_complete(path, "licdash status -"))


def test_zsh_script_parses_and_names_every_command(tmp_path: Path) -> None:
    path = script("zsh", tmp_path)
    zsh = shell_or_skip("zsh")
    syntax = subprocess.run([zsh, "-n", str(path)], capture_output=True, timeout=60)
    assert syntax.returncode == 0, syntax.stderr
    text = path.read_text()
    assert text.startswith("#compdef licdash")
    for word in ("status", "collect", "completion", "--warning", "nagios"):
        assert word in text


def test_fish_quotes_hostile_help_text() -> None:
    import argparse

    from collectors.commands.completion_cmd import fish_script

    parser = argparse.ArgumentParser(prog="licdash")
    parser.add_argument("--x", help="it's a \\ test; rm -rf / #")
    line = next(x for x in fish_script(parser).splitlines() if "-l x" in x)
    assert line.endswith("-d 'it\\'s a \\\\ test; rm -rf / #'")
