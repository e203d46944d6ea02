"""How the monthly ranking screen looks on the shipped demo, at 80×24 and 120×40, in
Traditional Chinese and English (seeded database, fixed clock: the same picture each run).

Update after a deliberate change with
``pytest tests/test_tui_ranking_snapshots.py --snapshot-update`` and look at the report.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from tui_support import LANGS, SIZES, apps_on_copies, build_demo_db, steps

from inspect_tui.services.demo import DEMO_SETTINGS, OFFICE
from inspect_tui.store import Store
from inspect_tui.tui.app import InspectApp


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("ranking-snap") / "demo.db"
    build_demo_db(path)
    return path


@pytest.fixture()
def make_app(
    template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Callable[[str], InspectApp]]:
    monkeypatch.chdir(tmp_path)

    def build(store: Store, lang: str) -> InspectApp:
        store.user = OFFICE  # may submit the latest month: the review line says so
        app = InspectApp(store=store, lang=lang)
        app.benchmark_settings = DEMO_SETTINGS
        return app

    yield from apps_on_copies(template, tmp_path, build)


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("size", SIZES)
def test_ranking(
    snap_compare: Callable[..., bool],
    make_app: Callable[[str], InspectApp],
    lang: str,
    size: tuple[int, int],
) -> None:
    # the latest month, paged down: the lagging units and the unit not inspected in view
    assert snap_compare(
        make_app(lang), terminal_size=size, run_before=steps("r", "pagedown", "pagedown")
    )
