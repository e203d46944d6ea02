"""Where inspect_tui keeps its files: the platform's data and config folders, the
settings file, and this machine's id. Light on purpose: the start-up path imports it."""

from __future__ import annotations

import uuid
from pathlib import Path

import platformdirs

APP_NAME = "inspect-tui"


def data_dir() -> Path:
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def config_dir() -> Path:
    return Path(platformdirs.user_config_dir(APP_NAME, appauthor=False))


def default_db_path() -> Path:
    return data_dir() / "inspect.db"


def settings_file() -> Path:
    return config_dir() / "settings.yaml"


def device_id(folder: Path | None = None) -> str:
    """This machine's id, made once and kept in the config folder (not in the database,
    which travels between laptops)."""
    folder = folder or config_dir()
    path = folder / "device-id"
    try:
        existing = path.read_text(encoding="utf-8").strip()
        if existing:
            return existing
    except OSError:
        pass
    new = uuid.uuid4().hex[:16]
    try:
        folder.mkdir(parents=True, exist_ok=True)
        path.write_text(new + "\n", encoding="utf-8")
    except OSError:
        return "unregistered-" + new
    return new
