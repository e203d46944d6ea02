"""Who is working: the inspector's name asked for on the first start, kept in
``settings.yaml`` and written on every change from then on.

No Textual here: the dialog (``screens/user.py``) calls ``remember_user`` on the
database thread, so the name changes between two writes, never inside one.
"""

from __future__ import annotations

import os
import re
import socket
from pathlib import Path
from typing import Any

import yaml

from ..locations import settings_file
from ..store import Store

_USER_LINE = re.compile(r"^user\s*:.*$", re.MULTILINE)


def save_user_setting(name: str, path: Path | None = None) -> Path:
    """Write ``user: name`` into the settings file, keeping every other key (and the
    comments, when the file's ``user`` line can be replaced in place). Creates the config
    folder; replaces the file atomically."""
    path = path or settings_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        text = ""
    loaded = yaml.safe_load(text) if text.strip() else None
    before: dict[str, Any] = loaded if isinstance(loaded, dict) else {}
    line = yaml.safe_dump({"user": name}, allow_unicode=True, width=10_000).strip()
    if _USER_LINE.search(text):
        updated = _USER_LINE.sub(lambda _m: line, text, count=1)
    else:
        updated = text + ("" if not text or text.endswith("\n") else "\n") + line + "\n"
    if yaml.safe_load(updated) != {**before, "user": name}:
        # a user value spread over several lines: write the mapping out plainly
        updated = yaml.safe_dump({**before, "user": name}, allow_unicode=True, sort_keys=False)
    partial = path.with_name(path.name + ".partial")
    partial.write_text(updated, encoding="utf-8")
    os.replace(partial, path)
    return path


def remember_user(store: Store, name: str, settings: Path | None = None) -> Path:
    """Keep ``name`` for the next starts and write it on every change from now on."""
    saved = save_user_setting(name, settings)
    store.user = name
    store.register_device(socket.gethostname())
    return saved
