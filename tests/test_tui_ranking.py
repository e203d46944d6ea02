"""The monthly ranking screen driven from the keyboard on the shipped demo: benchmark and
lagging units shown, review steps recorded in SQLite, a step refused to a user without
the role, the trend and indicator × unit views, and the checklist's good-practice key."""

from __future__ import annotations

from pathlib import Path

import pytest
from rich.text import Text
from textual.pilot import Pilot
from textual.widgets import Input, Static
from tui_support import (
    build_demo_db,
    rows,
    settle,
    store,  # noqa: F401 (fixtures)
)

from inspect_tui.services.demo import DEMO_SETTINGS, OFFICE, SPECIALIST
from inspect_tui.store import Store
from inspect_tui.tui.app import InspectApp
from inspect_tui.tui.screens.checklist import ChecklistScreen
from inspect_tui.tui.screens.home import HomeScreen
from inspect_tui.tui.screens.indicator_matrix import IndicatorMatrixScreen
from inspect_tui.tui.screens.practices import PracticeDialog, PracticesScreen
from inspect_tui.tui.screens.ranking import RankingScreen, ReasonDialog
from inspect_tui.tui.screens.selfreport import OverReportScreen
from inspect_tui.tui.screens.start import StartDialog
from inspect_tui.tui.screens.trend import UnitTrendScreen
from inspect_tui.tui.widgets import Table

SIZE = (120, 40)
LAST = "2026-03"  # the demo's latest month: computed, not yet submitted
REVIEWED = "2026-02"  # the month before: reviewed, waiting for consolidation


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("ranking") / "demo.db"
    build_demo_db(path)
    return path


def make_app(store: Store, user: str | None = None) -> InspectApp:
    if user is not None:
        store.user = user
    app = InspectApp(store=store, lang="en")
    app.benchmark_settings = DEMO_SETTINGS
    return app


async def press(pilot: Pilot[None], *keys: str) -> None:
    for key in keys:
        await pilot.press(key)
        await settle(pilot)


def table_text(table: Table) -> list[str]:
    out = []
    for index in range(table.row_count):
        cells = table.get_row_at(index)
        out.append(" | ".join(c.plain if isinstance(c, Text) else str(c) for c in cells))
    return out


async def open_ranking(pilot: Pilot[None]) -> RankingScreen:
    await settle(pilot)
    assert isinstance(pilot.app.screen, HomeScreen)
    await press(pilot, "r")
    screen = pilot.app.screen
    assert isinstance(screen, RankingScreen)
    return screen


def review_state(store: Store, month: str) -> list[tuple[object, ...]]:
    return rows(
        store.path, "SELECT state, submitted_by FROM month_reviews WHERE month = ?", (month,)
    )


# ---------------------------------------------------------------------- the ranking


async def test_ranking_shows_benchmark_lagging_and_not_inspected(store: Store) -> None:
    async with make_app(store).run_test(size=SIZE) as pilot:
        screen = await open_ranking(pilot)
        assert screen.month == LAST
        lines = table_text(screen.query_one("#ranking", Table))
        benchmark = [line for line in lines if "★ benchmark" in line]
        assert len(benchmark) == 1 and benchmark[0].startswith("1 | ")
        lagging = [line for line in lines if "▼ lagging" in line]
        assert {line.split(" | ")[1] for line in lagging} == {
            "澄城供電分局黨支部",
            "機關第二黨支部",
            "市區局配電黨支部",
        }
        # a unit without an inspection this month: shown as such, never as zero
        assert any("not inspected" in line and line.startswith("– |") for line in lines)
        review = str(screen.query_one("#ranking-review", Static).render())
        assert "draft" in review

        await press(pilot, "left_square_bracket")
        assert screen.month == REVIEWED
        assert "reviewed" in str(screen.query_one("#ranking-review", Static).render())
        await press(pilot, "right_square_bracket")
        assert screen.month == LAST


async def test_review_step_from_the_keyboard_is_recorded(store: Store) -> None:
    assert review_state(store, LAST) == []
    async with make_app(store, OFFICE).run_test(size=SIZE) as pilot:
        screen = await open_ranking(pilot)
        await press(pilot, "s")
        assert "submitted" in str(screen.query_one("#ranking-review", Static).render())
    assert review_state(store, LAST) == [("submitted", OFFICE)]
    events = rows(store.path, "SELECT action, by FROM month_review_events WHERE month = ?", (LAST,))
    assert events == [("submit", OFFICE)]


async def test_step_refused_without_the_role(store: Store) -> None:
    async with make_app(store).run_test(size=SIZE) as pilot:  # 張三: no role
        screen = await open_ranking(pilot)
        await press(pilot, "s")
        shown = str(screen.query_one("#ranking-review", Static).render())
        assert "Refused" in shown and "'submit' role" in shown and OFFICE in shown
    assert review_state(store, LAST) == []


async def test_send_back_with_a_reason(store: Store) -> None:
    async with make_app(store, SPECIALIST).run_test(size=SIZE) as pilot:
        screen = await open_ranking(pilot)
        await press(pilot, "left_square_bracket", "b")
        dialog = pilot.app.screen
        assert isinstance(dialog, ReasonDialog)
        await press(pilot, "ctrl+s")  # no reason: refused in the field
        assert pilot.app.screen is dialog
        dialog.query_one("#reason", Input).value = "分數有誤"
        await press(pilot, "ctrl+s")
        assert pilot.app.screen is screen
    state = rows(store.path, "SELECT state, note FROM month_reviews WHERE month = ?", (REVIEWED,))
    assert state == [("returned", "分數有誤")]


async def test_published_month_is_read_only(store: Store) -> None:
    before = rows(store.path, "SELECT state FROM month_reviews WHERE month = '2026-01'")
    async with make_app(store, OFFICE).run_test(size=SIZE) as pilot:
        screen = await open_ranking(pilot)
        await press(pilot, "left_square_bracket", "left_square_bracket")
        assert screen.month == "2026-01"
        assert "read-only" in str(screen.query_one("#ranking-review", Static).render())
        await press(pilot, "s")
        assert "already published" in str(screen.query_one("#ranking-review", Static).render())
    assert rows(store.path, "SELECT state FROM month_reviews WHERE month = '2026-01'") == before


# ---------------------------------------------------------------------- views from the ranking


async def test_trend_matrix_flags_and_supervisory_check(store: Store) -> None:
    async with make_app(store).run_test(size=SIZE) as pilot:
        screen = await open_ranking(pilot)
        table = screen.query_one("#ranking", Table)
        lagging_row = next(i for i, line in enumerate(table_text(table)) if "▼" in line)
        table.move_cursor(row=lagging_row)
        await press(pilot, "t")
        trend = pilot.app.screen
        assert isinstance(trend, UnitTrendScreen) and trend.page is not None
        assert len(trend.page.trend) == 12
        assert trend.query_one("#trend-losses", Table).row_count > 0
        await press(pilot, "y")
        assert trend.page is not None and len(trend.page.trend) == 36
        await press(pilot, "escape", "i")
        matrix = pilot.app.screen
        assert isinstance(matrix, IndicatorMatrixScreen)
        first = table_text(matrix.query_one("#matrix", Table))[0]
        assert first.startswith("★ benchmark")
        await press(pilot, "escape", "f")
        assert isinstance(pilot.app.screen, OverReportScreen)
        await press(pilot, "escape", "g")
        dialog = pilot.app.screen
        assert isinstance(dialog, StartDialog)
        assert dialog.query_one("#kind-supervisory").value is True


async def test_good_practice_from_the_checklist(store: Store) -> None:
    inspection = rows(
        store.path, "SELECT id FROM inspections WHERE state = 'in_progress' ORDER BY date LIMIT 1"
    )[0][0]
    before = rows(store.path, "SELECT count(*) FROM practices")[0][0]
    app = make_app(store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.open_inspection(str(inspection))
        await settle(pilot)
        sheet = app.screen
        assert isinstance(sheet, ChecklistScreen) and sheet.current is not None
        indicator_id = sheet.current.id
        await press(pilot, "h")
        dialog = app.screen
        assert isinstance(dialog, PracticeDialog)
        dialog.query_one("#practice", Input).value = "三會一課記錄規範"
        await press(pilot, "enter")
        assert app.screen is sheet
        assert "三會一課記錄規範" in str(sheet.query_one("#detail-body", Static).render())
        app.action_practices()
        await settle(pilot)
        assert isinstance(app.screen, PracticesScreen)
    saved = rows(
        store.path,
        "SELECT indicator_id, marked_by FROM practices WHERE description = '三會一課記錄規範'",
    )
    assert rows(store.path, "SELECT count(*) FROM practices")[0][0] == before + 1
    assert saved == [(indicator_id, store.user)]
