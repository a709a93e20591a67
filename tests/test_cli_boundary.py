"""The ``licdash`` entry point lives in the headless package: headless commands never
load a dashboard module, and the dashboard commands fail clearly without the UI.

Each case runs in a fresh interpreter with ``-X importtime``, which lists every module
the process imported, so a module imported by a lazy path is seen too.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
UI = ("textual", "dashboard", "themes")
# Refuses the UI packages the way an install without them would.
_BLOCK_UI = f"import sys\nfor _m in {UI!r}:\n    sys.modules[_m] = None\n"


def _run(argv: list[str], *, block_ui: bool = False) -> tuple[int, set[str], str]:
    """Run ``licdash argv`` in a fresh interpreter: (exit code, imported modules, stderr).

    The modules are those ``-X importtime`` reports plus ``sys.modules`` at exit: the
    former sees modules imported and dropped again, the latter sees modules loaded by
    ``importlib.import_module``, which ``-X importtime`` does not report.
    """
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "modules.json"
        code = (
            (_BLOCK_UI if block_ui else "")
            + "import json, sys\nfrom collectors.cli import main\n"
            + f"try:\n    rc = main({argv!r})\n"
            + f"finally:\n    open({str(out)!r}, 'w').write(json.dumps(sorted(sys.modules)))\n"
            + "sys.exit(rc)\n"
        )
        proc = subprocess.run(
            [sys.executable, "-X", "importtime", "-c", code],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=60,
        )
        modules = set(json.loads(out.read_text()))
    other = []
    for line in proc.stderr.splitlines():
        if line.startswith("import time:"):
            name = line.rsplit("|", 1)[-1].strip()
            if name != "package":  # the header line
                modules.add(name)
        else:
            other.append(line)
    return proc.returncode, modules, "\n".join(other)


def _ui(modules: set[str]) -> list[str]:
    return sorted(m for m in modules if m.split(".")[0] in UI)


@pytest.fixture
def empty_store(tmp_path: Path) -> Path:
    from collectors.store import SnapshotStore

    SnapshotStore.open(tmp_path / "store").close()
    return tmp_path / "store"


def test_status_loads_no_ui_module(empty_store: Path) -> None:
    code, modules, err = _run(["status", "--store", str(empty_store)])
    assert "collectors.commands.status_cmd" in modules, err  # the command really ran
    assert code in (0, 1, 2, 3), err
    assert _ui(modules) == []


def test_collect_help_loads_no_ui_module() -> None:
    code, modules, err = _run(["collect", "--help"])
    assert code == 0, err
    assert "collectors.commands.collect_cmd" in modules
    assert _ui(modules) == []


def test_top_level_help_loads_no_sub_command_module() -> None:
    code, modules, err = _run(["--help"])
    assert code == 0, err
    assert _ui(modules) == []
    assert not any(m.startswith("collectors.commands.") for m in modules)


def test_probe_sees_the_dashboard_when_a_ui_command_loads_it() -> None:
    """The import-time probe is not blind: `dash --help` does load the launcher."""
    code, modules, err = _run(["dash", "--help"])
    assert code == 0, err
    assert "dashboard.launch_dash" in modules


def test_headless_commands_work_without_the_ui(empty_store: Path) -> None:
    code, modules, err = _run(["status", "--store", str(empty_store)], block_ui=True)
    assert "collectors.commands.status_cmd" in modules, err
    assert "needs the dashboard" not in err
    assert code in (0, 1, 2, 3), err


@pytest.mark.parametrize(
    ("argv", "missing"),
    [
        (["dash", "--store", "{store}"], "textual"),
        (["demo", "--clusters", "1"], "dashboard"),
    ],
)
def test_ui_commands_say_clearly_when_the_ui_is_missing(
    argv: list[str], missing: str, empty_store: Path
) -> None:
    argv = [a.format(store=empty_store) for a in argv]
    block = _BLOCK_UI if missing == "dashboard" else "import sys\nsys.modules['textual'] = None\n"
    code = block + f"import sys\nfrom collectors.cli import main\nsys.exit(main({argv!r}))\n"
    proc = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 2, proc.stderr
    assert f"`licdash {argv[0]}` needs the dashboard" in proc.stderr
    assert repr(missing) in proc.stderr
    assert "Traceback" not in proc.stderr
