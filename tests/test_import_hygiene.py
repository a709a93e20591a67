"""The headless core never loads the UI toolkit: proven in a fresh interpreter."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FORBIDDEN = ("textual", "dashboard", "themes")


def _modules_after(code: str) -> set[str]:
    probe = f"{code}\nimport json, sys\nprint(json.dumps(sorted(sys.modules)))"
    out = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True
    )
    return set(json.loads(out.stdout.strip().splitlines()[-1]))


def _ui_modules(mods: set[str]) -> list[str]:
    return sorted(m for m in mods if m.split(".")[0] in FORBIDDEN)


def test_importing_collectors_loads_no_ui() -> None:
    assert _ui_modules(_modules_after("import collectors")) == []


def test_importing_every_collectors_module_loads_no_ui() -> None:
    code = (
        "import pkgutil, importlib, collectors\n"
        "for m in pkgutil.walk_packages(collectors.__path__, 'collectors.'):\n"
        "    importlib.import_module(m.name)\n"
    )
    mods = _modules_after(code)
    assert "collectors.model" in mods  # the walk really imported the package
    assert _ui_modules(mods) == []


def test_probe_detects_a_ui_import() -> None:
    """The probe itself works: importing textual is seen."""
    assert "textual" in _ui_modules(_modules_after("import textual"))


def test_the_collector_loads_no_console_toolkit() -> None:
    """What ``collect`` imports (the engine, its HTTP stack, the store) leaves out httpx's
    command-line client and the console packages it pulls in (a tenth of start-up)."""
    mods = _modules_after(
        "import collectors.commands.collect_cmd, collectors.engine, collectors.store,"
        " collectors.daemon"
    )
    assert "httpx" in mods  # the HTTP stack really loaded
    assert sorted(m for m in mods if m.split(".")[0] in ("rich", "click", "pygments")) == []


def test_httpx_still_imports_after_collectors() -> None:
    mods = _modules_after("import collectors, httpx\nassert callable(httpx.AsyncClient)")
    assert "httpx._client" in mods and "rich" not in mods


def test_a_good_config_loads_without_what_only_errors_need(tmp_path: Path) -> None:
    """tomllib words syntax errors, config_problems reports bad tables, platformdirs
    finds the default file: a good config given by path needs none of them."""
    config = tmp_path / "licdash.toml"
    config.write_text(
        '[[clusters]]\nname = "a"\npublisher = "127.0.0.1:8443"\nusername = "u"\n'
        'password_env = "PW"\n'
    )
    mods = _modules_after(
        f"from collectors.config import load_config\nload_config({str(config)!r})"
    )
    assert "collectors.config" in mods
    assert {"tomllib", "collectors.config_problems", "platformdirs"} & mods == set()
