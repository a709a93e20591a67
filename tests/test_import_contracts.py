"""The package boundaries in ``[tool.importlinter]`` (pyproject.toml) hold, and the
linter would see each one broken.

``lint-imports`` reads the import graph statically (grimp), so it also sees imports
inside functions and under ``TYPE_CHECKING``; tests/test_import_hygiene.py adds the
run-time proof in a fresh interpreter.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("collectors", "dashboard", "themes")
CONTRACTS = {
    c["id"]: c["name"]
    for c in tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"][
        "contracts"
    ]
}

# One forbidden import per contract, appended to a module the contract covers, and what
# the linter's report then says.
VIOLATIONS = {
    "headless-core": (
        "collectors/severity.py",
        "import textual.widget",
        "collectors.severity -> textual",
    ),
    "core-without-mock": (
        "collectors/engine.py",
        "import collectors.mock.fleet",
        "collectors.engine -> collectors.mock.fleet",
    ),
    "dashboard-without-commands": (
        "dashboard/format.py",
        "import collectors.commands.status_cmd",
        "dashboard.format -> collectors.commands.status_cmd",
    ),
    "widgets-without-app": (
        "dashboard/widgets/summary_bar.py",
        "import dashboard.app",
        "dashboard.widgets.summary_bar -> dashboard.app",
    ),
    "ui-layers": (
        "dashboard/sources/static.py",
        "import dashboard.widgets.fleet_table",
        "dashboard.sources.static -> dashboard.widgets.fleet_table",
    ),
    "mock-without-client": (
        "collectors/mock/vos.py",
        "import collectors.transports.vos_session",
        "collectors.mock.vos -> collectors.transports.vos_session",
    ),
    # The store's queries once imported the store class back for its type.
    "no-cycles": (
        "collectors/store/queries.py",
        "import collectors.store.snapshot_store",
        "No cycles are allowed in collectors.store.",
    ),
}


def _lint(root: Path) -> subprocess.CompletedProcess[str]:
    lint = Path(sys.executable).with_name("lint-imports")
    if not lint.exists():  # pragma: no cover - the test extra installs it
        pytest.fail("lint-imports is missing: pip install -e '.[test]'")
    return subprocess.run(
        [str(lint), "--no-cache"],
        cwd=root,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(root), "COLUMNS": "200"},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_every_contract_is_kept() -> None:
    proc = _lint(ROOT)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    for name in CONTRACTS.values():
        assert f"{name} KEPT" in proc.stdout


def test_each_contract_catches_its_violation(tmp_path: Path) -> None:
    """A copy of the tree with one forbidden import per contract breaks every contract."""
    assert set(VIOLATIONS) == set(CONTRACTS), "give each contract a violation here"
    for package in PACKAGES:
        shutil.copytree(
            ROOT / package, tmp_path / package, ignore=shutil.ignore_patterns("__pycache__")
        )
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    for module, line, _ in VIOLATIONS.values():
        path = tmp_path / module
        path.write_text(path.read_text() + f"\n{line}  # noqa\n")
    proc = _lint(tmp_path)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    for contract_id, (_, _, report) in VIOLATIONS.items():
        assert f"{CONTRACTS[contract_id]} BROKEN" in proc.stdout
        assert report in proc.stdout
