"""Speed of the field app (issue 3), on a database file such as the large benchmark one.

Three figures, each a median with a baseline measured in the same run:

- start-up to the home screen ready (its lists read, shown and drawn): from starting a
  process until it reports the home screen drawn with its lists, against a minimal
  Textual app (one label) started the same way and timed to its first drawn frame. Target: at most 2× the minimal app. Two figures: the
  ``inspect-tui`` command as a user starts it, with no arguments (the file, the name and
  the language come from settings.yaml; the CLI, settings, opening the file, the app;
  only ``App.run`` is made headless), and the app alone (a script that opens the
  file and runs the app: what start-up costs past the command line and settings).
  Children may write ``.pyc`` files, as an installed package has them.
- answer key → row committed: from the moment the ``1`` key is sent to the app until
  ``record_answer`` has committed the row (on the app's database thread), against the
  service call alone. Target: median under 15 ms. Runs on a copy of the file.
- units filter, per keystroke: from the key until the table shows the rows for the new
  text, against the query alone. Target: under 50 ms.

Each function returns ``[(figure, median_s, baseline_s, target_s), ...]``. Run them all:

    python -m tests.benchmarks.bench_tui /tmp/inspect_tui_bench/large.db
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..tui_support import settle  # waits for workers and their messages, as the tests do

Figure = tuple[str, float, float | None, float | None]

STARTUP_RATIO_TARGET = 2.0
ANSWER_TARGET_S = 0.015
FILTER_TARGET_S = 0.050

# Every child prints READY at the moment its first screen has been drawn with its
# content (the app: home with its lists read and shown; the minimal app: its label), then
# quits: what a person sees as "ready for input".

_APP = """
import sys
from pathlib import Path
from inspect_tui.store import open_store
from inspect_tui.tui.app import InspectApp

def home_shown(self):  # called once home has been drawn with its lists
    print("READY", flush=True)
    self.exit()

InspectApp.home_shown = home_shown
store = open_store(Path(sys.argv[1]), user="bench", device_id="bench-tui", quick_check={quick})
InspectApp(store=store, lang="zh-Hant").run(headless=True, size=(120, 40))
store.close()
"""

_COMMAND = """
from inspect_tui.launch import main  # the installed command's entry point
from inspect_tui.tui.app import InspectApp

def home_shown(self):  # called once home has been drawn with its lists
    print("READY", flush=True)
    self.exit()

InspectApp.home_shown = home_shown
run = InspectApp.run
InspectApp.run = lambda self: run(self, headless=True, size=(120, 40))
main()  # no arguments: the database, the user and the language from settings.yaml
"""

_MINIMAL = """
from textual.app import App
from textual.widgets import Label

class Minimal(App):
    def compose(self):
        yield Label("ready")

    def on_mount(self):
        self.call_after_refresh(self.drawn)

    def drawn(self):
        print("READY", flush=True)
        self.exit()

Minimal().run(headless=True, size=(120, 40))
"""


def _median_process(
    code: str, args: list[str], runs: int, env: dict[str, str] | None = None
) -> float:
    """Median time from starting ``python -c code`` until it prints READY."""
    times = []
    # as installed: bytecode is cached (a development shell may turn that off)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"} | (env or {})
    for _ in range(runs + 1):  # the first run warms the file cache and .pyc files
        start = time.perf_counter()
        child = subprocess.Popen(
            [sys.executable, "-c", code, *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        assert child.stdout is not None
        line = child.stdout.readline()
        times.append(time.perf_counter() - start)
        _, err = child.communicate()
        if not line.startswith("READY") or child.returncode:
            raise RuntimeError(f"start-up benchmark child failed: {line!r} {err[-2000:]}")
    return statistics.median(times[1:])


def bench_startup(path: Path, runs: int = 15) -> list[Figure]:
    """Whole-process start-up to the home screen ready, against a minimal Textual app,
    the three measured in turn so that a busy moment of the machine falls on all alike."""
    samples: dict[str, list[float]] = {"minimal": [], "command": [], "app": []}
    with tempfile.TemporaryDirectory() as home:
        # a user who has started it before: the file, the name and the language are in
        # settings.yaml, the platform's config folder
        settings = Path(home) / "config" / "inspect-tui" / "settings.yaml"
        settings.parent.mkdir(parents=True)
        settings.write_text(
            f"db: {json.dumps(str(path))}\nuser: bench\nlang: zh-Hant\n", encoding="utf-8"
        )
        user_env = {"XDG_CONFIG_HOME": str(settings.parent.parent)}
        user_env |= {"XDG_DATA_HOME": str(Path(home) / "data")}
        for _ in range(runs):
            samples["minimal"].append(_median_process(_MINIMAL, [], 1))
            samples["command"].append(_median_process(_COMMAND, [], 1, user_env))
            samples["app"].append(_median_process(_APP.format(quick=False), [str(path)], 1))
    minimal, command, app = (statistics.median(samples[k]) for k in ("minimal", "command", "app"))
    target = minimal * STARTUP_RATIO_TARGET
    return [
        ("TUI start-up to home ready: the inspect-tui command", command, minimal, target),
        ("TUI start-up to home ready: the app alone (no CLI, no settings)", app, minimal, target),
    ]


def _copy(path: Path, folder: Path) -> Path:
    from inspect_tui.store import copy_database, open_store

    target = folder / "copy.db"
    source = open_store(path, user="bench", device_id="bench-tui", quick_check=False, readonly=True)
    try:
        copy_database(source, target)
    finally:
        source.close()
    return target


def bench_answer_commit(path: Path, answers: int = 20, copy: bool = True) -> list[Figure]:
    """Answer key → row committed, through the app, against ``record_answer`` alone."""
    from inspect_tui.models import Result
    from inspect_tui.services import inspections, overview
    from inspect_tui.store import open_store
    from inspect_tui.tui.app import InspectApp
    from inspect_tui.tui.screens.checklist import ChecklistScreen

    with tempfile.TemporaryDirectory() as folder:
        work = _copy(path, Path(folder)) if copy else path
        store = open_store(work, user="bench", device_id="bench-tui", quick_check=False)
        try:
            unit = overview.filter_units(store, "", limit=1).rows[0]
            first = inspections.start_inspection(store, unit.id)
            second = inspections.start_inspection(store, unit.id)
            items = overview.sheet(store, second.id, earlier=False).indicators

            # baseline: the service alone, answering the items of another inspection
            service = []
            for ind in items:
                start = time.perf_counter()
                inspections.record_answer(store, second.id, ind.id, Result.CONFORMS)
                service.append(time.perf_counter() - start)

            committed: list[float] = []
            original = inspections.record_answer

            def timed(*args: Any, **kwargs: Any) -> Any:
                answer = original(*args, **kwargs)
                committed.append(time.perf_counter())
                return answer

            inspections.record_answer = timed  # type: ignore[assignment]
            delays: list[float] = []
            app = InspectApp(store=store, lang="en")

            async def drive() -> None:
                async with app.run_test(size=(120, 40)) as pilot:
                    await settle(pilot)
                    app.open_inspection(first.id)
                    await settle(pilot)
                    assert isinstance(app.screen, ChecklistScreen)
                    for _ in range(min(answers, len(items))):
                        before = len(committed)
                        sent = time.perf_counter()
                        await pilot.press("1")
                        while len(committed) == before:
                            await asyncio.sleep(0.0005)
                        delays.append(committed[-1] - sent)
                        await settle(pilot)

            try:
                asyncio.run(drive())
            finally:
                inspections.record_answer = original  # type: ignore[assignment]
        finally:
            store.close()
    return [
        (
            "TUI answer key → row committed",
            statistics.median(delays),
            statistics.median(service),
            ANSWER_TARGET_S,
        )
    ]


def bench_units_filter(
    path: Path, texts: tuple[str, ...] = ("jgdzz", "1234", "gdj")
) -> list[Figure]:
    """Per keystroke in the units filter: key → table shows the rows, against the query."""
    from inspect_tui.services import overview
    from inspect_tui.store import open_store
    from inspect_tui.tui.app import InspectApp
    from inspect_tui.tui.screens.units import UnitsScreen

    store = open_store(path, user="bench", device_id="bench-tui", quick_check=False, readonly=True)
    delays: list[float] = []
    query: list[float] = []
    try:
        for text in texts:
            for end in range(1, len(text) + 1):
                start = time.perf_counter()
                overview.filter_units(store, text[:end], limit=100)
                query.append(time.perf_counter() - start)
        app = InspectApp(store=store, lang="en")

        async def drive() -> None:
            async with app.run_test(size=(120, 40)) as pilot:
                await settle(pilot)
                app.go_units()
                await settle(pilot)
                screen = app.screen
                assert isinstance(screen, UnitsScreen)
                for text in texts:
                    for end in range(1, len(text) + 1):
                        wanted = text[:end]
                        sent = time.perf_counter()
                        shown = asyncio.get_running_loop().create_future()

                        async def watch(
                            wanted: str = wanted, shown: asyncio.Future[float] = shown
                        ) -> None:
                            while screen.shown_filter != wanted:
                                await asyncio.sleep(0.0005)
                            shown.set_result(time.perf_counter())

                        watcher = asyncio.create_task(watch())
                        await pilot.press(text[end - 1])
                        delays.append(await shown - sent)
                        await watcher
                    await pilot.press(*["backspace"] * len(text))
                    await settle(pilot)

        asyncio.run(drive())
    finally:
        store.close()
    return [
        (
            "TUI units filter, per keystroke",
            statistics.median(delays),
            statistics.median(query),
            FILTER_TARGET_S,
        )
    ]


BENCHMARKS: list[Callable[[Path], list[Figure]]] = [
    bench_startup,
    bench_answer_commit,
    bench_units_filter,
]


def run_all(path: Path) -> list[Figure]:
    figures: list[Figure] = []
    for bench in BENCHMARKS:
        figures.extend(bench(path))
    return figures


def _ms(value: float | None) -> str:
    return "–" if value is None else f"{value * 1000:9.1f} ms"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.benchmarks.bench_tui")
    parser.add_argument("db", type=Path, help="a database file (e.g. the large benchmark one)")
    args = parser.parse_args(argv)
    started = dt.datetime.now()
    print(f"{'figure':50} {'median':>12} {'baseline':>12} {'ratio':>7} {'target':>12}")
    for name, median, baseline, target in run_all(args.db):
        ratio = f"{median / baseline:6.2f}×" if baseline else "      –"
        mark = "" if target is None else (" ok" if median <= target else " MISSED")
        print(f"{name:50} {_ms(median):>12} {_ms(baseline):>12} {ratio:>7} {_ms(target):>12}{mark}")
    print(f"({(dt.datetime.now() - started).total_seconds():.0f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())


__all__ = [
    "BENCHMARKS",
    "bench_answer_commit",
    "bench_startup",
    "bench_units_filter",
    "run_all",
]
