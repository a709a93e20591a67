"""Every default location licdash uses, in one place."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP_NAME = "licdash"
CONFIG_ENV = "LICDASH_CONFIG"
STORE_ENV = "LICDASH_STORE"


def config_dir() -> Path:
    return Path(platformdirs.user_config_dir(APP_NAME))


def default_config_file() -> Path:
    """``$LICDASH_CONFIG`` if set, else ``<platform config dir>/config.toml``."""
    env = os.environ.get(CONFIG_ENV)
    return Path(env).expanduser() if env else config_dir() / "config.toml"


def data_dir() -> Path:
    return Path(platformdirs.user_data_dir(APP_NAME))


def default_store_dir() -> Path:
    """``$LICDASH_STORE`` if set, else ``<platform data dir>/store``."""
    env = os.environ.get(STORE_ENV)
    return Path(env).expanduser() if env else data_dir() / "store"


def state_file() -> Path:
    """Small UI preferences (the chosen theme), kept apart from the store."""
    return Path(platformdirs.user_state_dir(APP_NAME)) / "ui.json"
