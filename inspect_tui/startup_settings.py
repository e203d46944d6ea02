"""The three settings starting the app needs (the database, the UI language, the user),
read from the same places as :class:`inspect_tui.settings.Settings`, before pydantic is
imported: pydantic-settings costs start-up about 0.1 s, a third of a minimal Textual
app's whole start.

The answer is either exactly what ``load_settings()`` would give for these three, or
``None``. It is ``None`` whenever the sources hold anything else: another setting, a value
that is not text, a settings file that does not parse, a variable named in another case.
Then the caller loads the settings in full, which validates them and names what is wrong.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from .locations import settings_file

ENV_PREFIX = "INSPECT_TUI_"
NAMES = ("db", "lang", "user")


@dataclass(frozen=True)
class StartupSettings:
    db: Path | None  # None: chosen nowhere (the platform's default file, or the demo)
    lang: str | None
    user: str


def read_startup_settings() -> StartupSettings | None:
    values: dict[object, object] = {}
    try:
        text: str | None = settings_file().read_text(encoding="utf-8")
    except FileNotFoundError:
        text = None
    except (OSError, UnicodeDecodeError):
        return None
    if text is not None:
        import yaml

        try:
            data = yaml.safe_load(text) or {}  # as pydantic-settings reads the file
        except yaml.YAMLError:
            return None
        if not isinstance(data, dict):
            return None
        values.update(data)
    for name, value in os.environ.items():
        if name.upper().startswith(ENV_PREFIX):
            if not name.isupper():  # pydantic-settings matches any case; it decides
                return None
            values[name[len(ENV_PREFIX) :].lower()] = value
    if not set(values) <= set(NAMES):
        return None
    db, lang, user = (values.get(name, "") for name in NAMES)
    if not (isinstance(db, str) and isinstance(user, str)):
        return None
    if not (lang is None or isinstance(lang, str)):
        return None
    return StartupSettings(
        db=Path(db) if "db" in values else None,
        lang=values.get("lang"),  # type: ignore[arg-type]
        user=user,
    )
