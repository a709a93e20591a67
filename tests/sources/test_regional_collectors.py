"""Issue 16's Done-when with the real commands: regional collectors, each a
``licdash collect --api-port 0`` subprocess over its own mock fleet and store on
loopback, merged by ``licdash status --source`` (a subprocess too) and by the dashboard.

Seeds 1, 2 and 3 each have a publisher named ``emea-par-cucm1``: the collision is real.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.sources.conftest import TOKEN, Region, sources_config
from tests.support.collector import ROOT, run_cli

LICDASH = [sys.executable, "-m", "collectors.cli"]
SHARED = "emea-par-cucm1"


def status(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return run_cli("status", *args, env=env)


def json_status(*args: str) -> tuple[int, dict[str, Any], str]:
    done = status(*args, "--format", "json")
    return done.returncode, json.loads(done.stdout), done.stderr


def test_status_totals_are_the_sum_and_the_shared_name_is_reported(
    regions: Callable[..., Region], token_file: Path, tmp_path: Path
) -> None:
    emea = regions("emea", 1, "--api-token-file", str(token_file))
    amer = regions("amer", 2)
    apac = regions("apac", 3)
    config = sources_config(
        tmp_path / "follow.toml",
        emea={"url": emea.url, "token_file": str(token_file)},
    )

    singles = {}
    for region, extra in ((emea, ("--config", str(config))), (amer, ()), (apac, ())):
        code, doc, _ = json_status("--source", f"{region.name}={region.url}", *extra)
        assert code == 0, doc
        singles[region.name] = doc["totals"]

    code, doc, stderr = json_status(
        "--config", str(config),
        "--source", "emea", "--source", f"amer={amer.url}", "--source", f"apac={apac.url}",
    )  # fmt: skip
    assert code == 0, stderr
    for key in ("clusters", "ok", "warning", "critical", "unknown", "stale", "failing"):
        assert doc["totals"][key] == sum(t[key] for t in singles.values()), key
    assert doc["totals"]["clusters"] == 9
    names = {c["cluster"] for c in doc["clusters"]}
    assert {f"emea/{SHARED}", f"amer/{SHARED}", f"apac/{SHARED}"} <= names
    assert SHARED not in names
    assert {c["tags"]["source"] for c in doc["clusters"]} == {"emea", "amer", "apac"}
    assert [s["state"] for s in doc["sources"]] == ["up", "up", "up"]
    assert doc["collisions"] == [{"cluster": SHARED, "sources": ["emea", "amer", "apac"]}]
    assert f"cluster name {SHARED} is in sources emea, amer, apac" in stderr
    assert TOKEN not in json.dumps(doc) and TOKEN not in stderr

    only_amer = status("--config", str(config), "--source", "emea", "--source",
                       f"amer={amer.url}", "--tag", "source=amer", "--format", "json")  # fmt: skip
    assert {c["tags"]["source"] for c in json.loads(only_amer.stdout)["clusters"]} == {"amer"}


def test_a_wrong_token_exits_3_naming_the_source(
    regions: Callable[..., Region], token_file: Path, tmp_path: Path
) -> None:
    emea = regions("emea", 1, "--api-token-file", str(token_file))
    amer = regions("amer", 2)
    wrong = tmp_path / "wrong.token"
    wrong.write_text("not-the-emea-token-at-all\n", encoding="utf-8")
    wrong.chmod(0o600)
    config = sources_config(
        tmp_path / "follow.toml",
        emea={"url": emea.url, "token_file": str(wrong)},
        amer={"url": amer.url},
    )
    code, doc, stderr = json_status("--config", str(config))
    assert code == 3
    assert f"UNKNOWN: source emea ({emea.url}) refused the token (HTTP 401)" in stderr
    states = {s["name"]: s["state"] for s in doc["sources"]}
    assert states == {"emea": "unreachable", "amer": "up"}
    assert {c["tags"]["source"] for c in doc["clusters"]} == {"amer"}

    no_token = status("--source", emea.url)  # no config says where its token is
    assert no_token.returncode == 3 and "refused the token" in no_token.stderr


def test_a_killed_source_is_unknown_and_named(regions: Callable[..., Region]) -> None:
    emea = regions("emea", 1)
    amer = regions("amer", 2)
    amer.collector.kill()
    done = status("--source", f"emea={emea.url}", "--source", f"amer={amer.url}")
    assert done.returncode == 3
    assert f"UNKNOWN: source amer ({amer.url}): connection refused" in done.stderr
    assert "source amer" in done.stdout  # the table says it too, above the totals
    assert done.stdout.strip().splitlines()[-1].startswith("3 clusters:")


def test_export_merges_the_sources(regions: Callable[..., Region], tmp_path: Path) -> None:
    emea = regions("emea", 1)
    amer = regions("amer", 2)
    out = tmp_path / "fleet.csv"
    done = subprocess.run(
        [*LICDASH, "export", "--source", f"emea={emea.url}", "--source", f"amer={amer.store}",
         "--format", "json", "--since", "1d", "-o", str(out.with_suffix(".json"))],
        capture_output=True, text=True, timeout=60, cwd=ROOT,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    records = json.loads(out.with_suffix(".json").read_text(encoding="utf-8"))
    clusters = {r["cluster"] for r in records}
    assert clusters == (emea.clusters | amer.clusters) - {SHARED} | {
        f"emea/{SHARED}",
        f"amer/{SHARED}",
    }
    amer.collector.kill()  # a store source still reads: its collector is only down
    emea.collector.kill()
    lost = subprocess.run(
        [*LICDASH, "export", "--source", f"emea={emea.url}", "--source", f"amer={amer.store}"],
        capture_output=True, text=True, timeout=60, cwd=ROOT,
    )  # fmt: skip
    assert lost.returncode == 1 and f"source emea ({emea.url})" in lost.stderr
