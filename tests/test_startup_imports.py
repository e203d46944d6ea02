"""Start-up stays light: the app shows the home screen without importing what only other
screens, commands or reports need (issue 3's start-up target, measured by
``tests/benchmarks/bench_tui.py``; this test is not timed, it keeps the gain from silently
regressing).

A fresh process imports the app, opens a database and runs the app headless until the home
screen has shown its lists; the modules loaded by then are compared with the list below.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

from inspect_tui.store import Store

# each costs start-up tens of milliseconds or more, and the home screen needs none of them
HEAVY = (
    "pydantic",  # the models: ~0.1 s
    "pydantic_settings",
    "inspect_tui.models",
    "inspect_tui.rules",  # imports the models
    "inspect_tui.settings",
    "pypinyin",  # ~0.3 s, imported by services.units and those that use it
    "opencc",  # Simplified Chinese only
    "rich._emoji_codes",  # Rich markup in a table's column labels
    "argparse",
    "reportlab",  # notices and reports
    "openpyxl",
    "xlsxwriter",
    "textual_image",  # image previews (imported up front only in a terminal)
    "PIL",
    "datasette",
    "yaml",
    "click",
    "hypothesis",
)

_CHILD = """
import gc, json, sys
from pathlib import Path
from inspect_tui.store import open_store
from inspect_tui.tui.app import InspectApp

loaded = {}
shown = InspectApp.home_shown

def home_shown(self):
    # before the background work that follows (warm_up imports the other screens)
    loaded.setdefault("modules", sorted(sys.modules))
    loaded["collecting"] = [gc.isenabled()]
    shown(self)
    loaded["collecting"].append(gc.isenabled())

InspectApp.home_shown = home_shown
store = open_store(Path(sys.argv[1]), user="t", device_id="t", quick_check=False)
app = InspectApp(store=store, lang="zh-Hant")

async def ready(pilot):
    while "modules" not in loaded:
        await pilot.pause(0.01)
    app.exit()

app.run(headless=True, auto_pilot=ready, size=(120, 40))
store.close()
print(json.dumps(loaded))
"""


# the command as a user starts it: no arguments, the file and the name in settings.yaml
_COMMAND = _CHILD.replace(
    """store = open_store(Path(sys.argv[1]), user="t", device_id="t", quick_check=False)
app = InspectApp(store=store, lang="zh-Hant")
""",
    "",
).replace(
    """app.run(headless=True, auto_pilot=ready, size=(120, 40))
store.close()""",
    """run = InspectApp.run
def headless(self):
    global app
    app = self
    run(self, headless=True, auto_pilot=ready, size=(120, 40))
InspectApp.run = headless
from inspect_tui.launch import main
del sys.argv[1:]  # as a user starts it: no arguments
try:
    main()
except SystemExit as done:
    assert not done.code, done.code""",
)

# what the command may load on top of the app: its command line and the settings file
COMMAND_ONLY = {"click", "yaml"}


def _at_home(path: Path, code: str = _CHILD) -> dict[str, list[Any]]:
    child = subprocess.run(
        [sys.executable, "-c", code, str(path)],
        capture_output=True,
        text=True,
        timeout=120,
        env=os.environ.copy(),  # the test's own config folder
    )
    assert child.returncode == 0, child.stderr[-3000:]
    found: dict[str, list[Any]] = json.loads(child.stdout.strip().splitlines()[-1])
    return found


def _loaded_at_home(path: Path, code: str = _CHILD) -> set[str]:
    return set(_at_home(path, code)["modules"])


def test_the_home_screen_starts_without_heavy_modules(store: Store, db_path: Path) -> None:
    store.close()
    loaded = _loaded_at_home(db_path)
    assert "inspect_tui.tui.screens.home" in loaded  # the check saw the app's start-up
    heavy = sorted(m for m in loaded if m in HEAVY or m.split(".")[0] in HEAVY)
    assert heavy == [], f"imported before the home screen was shown: {heavy}"


def test_the_other_screens_and_the_palette_are_imported_on_first_use(
    store: Store, db_path: Path
) -> None:
    store.close()
    loaded = _loaded_at_home(db_path)
    early = sorted(
        m
        for m in loaded
        if m.startswith("inspect_tui.tui.screens.")
        and m not in {"inspect_tui.tui.screens.home", "inspect_tui.tui.screens.base"}
    )
    assert early == []
    assert "inspect_tui.tui.commands" not in loaded


def _settings_for(db_path: Path) -> None:
    from inspect_tui.locations import settings_file

    settings_file().parent.mkdir(parents=True, exist_ok=True)
    settings_file().write_text(
        yaml.safe_dump({"db": str(db_path), "user": "張三", "lang": "zh-Hant"}), encoding="utf-8"
    )


def test_the_command_reads_its_settings_without_pydantic(store: Store, db_path: Path) -> None:
    store.close()
    _settings_for(db_path)
    loaded = _loaded_at_home(db_path, _COMMAND)
    assert "inspect_tui.cli" in loaded and "inspect_tui.tui.screens.home" in loaded
    heavy = sorted(
        m
        for m in loaded
        if (m in HEAVY or m.split(".")[0] in HEAVY) and m.split(".")[0] not in COMMAND_ONLY
    )
    assert heavy == [], f"imported before the home screen was shown: {heavy}"


def test_the_command_collects_garbage_once_home_is_shown(store: Store, db_path: Path) -> None:
    store.close()
    _settings_for(db_path)
    assert _at_home(db_path, _COMMAND)["collecting"] == [False, True]
    # the app on its own (as tests run it) never pauses collection
    assert _at_home(db_path)["collecting"] == [True, True]


def test_other_commands_collect_garbage_from_the_start(store: Store, db_path: Path) -> None:
    store.close()
    child = subprocess.run(
        [
            sys.executable,
            "-c",
            "import atexit, gc, sys\n"
            "atexit.register(lambda: print('collecting', gc.isenabled()))\n"
            "from inspect_tui.launch import main\n"
            "main()",
            "--db",
            str(db_path),
            "units",
            "list",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert child.returncode == 0, child.stderr[-3000:]
    assert child.stdout.strip().splitlines()[-1] == "collecting True"
