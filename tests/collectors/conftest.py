"""Fixtures for the collector tests: small mock fleets over loopback and their configs."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from collectors.config import LicdashConfig, parse_config
from collectors.mock import MockFleet


def fleet_toml(
    fleet: MockFleet,
    *,
    env_prefix: str = "LICDASH_TEST_PW",
    settings: dict[str, Any] | None = None,
    overrides: dict[str, dict[str, Any]] | None = None,
) -> str:
    """A config for ``fleet`` with passwords in environment variables (no plain text).

    ``overrides`` maps a publisher name to extra or replaced cluster fields.
    """
    merged: dict[str, Any] = {"interval": 300, "timeout": 5, "concurrency": 50}
    merged |= settings or {}
    lines = ["[settings]", *(f"{k} = {json.dumps(v)}" for k, v in merged.items())]
    for i, p in enumerate(fleet.publishers):
        fields: dict[str, Any] = {
            "name": p.name,
            "publisher": f"{p.host}:{p.port}",
            "axl_version": "auto",
            "username": p.username,
            "password_env": f"{env_prefix}_{i}",
            "verify": p.ca_bundle,
            "timezone": p.timezone,
        }
        fields |= (overrides or {}).get(p.name, {})
        lines += ["", "[[clusters]]", *(f"{k} = {json.dumps(v)}" for k, v in fields.items())]
        tags = ", ".join(f"{k} = {json.dumps(v)}" for k, v in p.tags.items())
        lines.append(f"tags = {{ {tags} }}")
    return "\n".join(lines) + "\n"


def export_passwords(
    fleet: MockFleet, monkeypatch: pytest.MonkeyPatch, env_prefix: str = "LICDASH_TEST_PW"
) -> None:
    for i, p in enumerate(fleet.publishers):
        monkeypatch.setenv(f"{env_prefix}_{i}", p.password)


def fleet_config(
    fleet: MockFleet, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, **kwargs: Any
) -> LicdashConfig:
    export_passwords(fleet, monkeypatch)
    path = tmp_path / "licdash.toml"
    path.write_text(fleet_toml(fleet, **kwargs), encoding="utf-8")
    return parse_config(path.read_text(encoding="utf-8"), source=path)


def names_by_scenario(fleet: MockFleet) -> dict[str, str]:
    return {p.scenario: p.name for p in fleet.publishers}


def scenarios_of(fleet: MockFleet) -> Sequence[str]:
    return [p.scenario for p in fleet.publishers]


@pytest.fixture
def fleet_cfg(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Any:
    """``fleet_cfg(fleet, settings=..., overrides=...)`` -> a validated config for it."""

    def make(fleet: MockFleet, **kwargs: Any) -> LicdashConfig:
        return fleet_config(fleet, monkeypatch, tmp_path, **kwargs)

    return make


@pytest.fixture
def fleet_toml_text() -> Any:
    """``fleet_toml_text(fleet, ...)`` -> TOML with passwords in LICDASH_TEST_PW_<i>."""
    return fleet_toml
