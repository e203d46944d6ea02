"""Notices from the TUI: issuing for the lagging units from the ranking screen writes the
PDFs and records them (a check first, then a progress bar), and a receipt slip marked
returned with a date."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import Input, Static
from tui_support import (
    TODAY,
    build_demo_db,
    rows,
    settle,
    store,  # noqa: F401 (fixtures)
)

from inspect_tui.services import notices
from inspect_tui.services.demo import DEMO_SETTINGS
from inspect_tui.store import Store
from inspect_tui.tui.app import InspectApp
from inspect_tui.tui.screens.notices import IssueNoticesScreen, NoticesScreen, ReceivedDialog
from inspect_tui.tui.screens.ranking import RankingScreen
from inspect_tui.tui.widgets import Table

SIZE = (120, 40)


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("notices") / "demo.db"
    build_demo_db(path)
    return path


def make_app(store: Store) -> InspectApp:
    app = InspectApp(store=store, lang="en")
    app.benchmark_settings = DEMO_SETTINGS
    return app


async def press(pilot: Pilot[None], *keys: str) -> None:
    for key in keys:
        await pilot.press(key)
        await settle(pilot)


async def test_issue_notices_for_lagging_units(store: Store, tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    lagging = {u.code for u in notices.lagging_units(store)[1]}
    async with make_app(store).run_test(size=SIZE) as pilot:
        await settle(pilot)
        await press(pilot, "r")
        assert isinstance(pilot.app.screen, RankingScreen)
        await press(pilot, "n")
        screen = pilot.app.screen
        assert isinstance(screen, IssueNoticesScreen)
        assert len(screen.units) == len(lagging) == 3
        screen.query_one("#out-dir", Input).value = str(out)
        await press(pilot, "ctrl+s")  # the check: nothing written yet
        assert "can be printed" in str(screen.query_one("#issue-check", Static).render())
        assert list(out.iterdir()) == []
        assert rows(store.path, "SELECT count(*) FROM notices") == [(0,)]
        await press(pilot, "ctrl+s")
        assert screen.result is not None
        issued = screen.result.issued
        assert screen.query_one("#issue-result", Table).row_count == len(issued) > 0
    pdfs = sorted(out.glob("*.pdf"))
    assert len(pdfs) == len(issued)
    recorded = rows(
        store.path,
        "SELECT u.code, n.path, n.sha256 FROM notices AS n JOIN units AS u ON u.id = n.unit_id",
    )
    assert {code for code, _, _ in recorded} <= lagging
    assert sorted(Path(str(p)).name for _, p, _ in recorded) == [p.name for p in pdfs]
    assert all(sha for _, _, sha in recorded)


async def test_issue_refused_for_a_missing_folder(store: Store, tmp_path: Path) -> None:
    async with make_app(store).run_test(size=SIZE) as pilot:
        await settle(pilot)
        await press(pilot, "r", "n")
        screen = pilot.app.screen
        assert isinstance(screen, IssueNoticesScreen)
        screen.query_one("#out-dir", Input).value = str(tmp_path / "nowhere")
        await press(pilot, "ctrl+s")
        assert "Nothing written" in str(screen.query_one("#issue-check", Static).render())
    assert rows(store.path, "SELECT count(*) FROM notices") == [(0,)]


async def test_mark_a_notice_received(store: Store, tmp_path: Path) -> None:
    issued = notices.issue_notice(store, "JG2", out_dir=tmp_path)
    async with make_app(store).run_test(size=SIZE) as pilot:
        await settle(pilot)
        await press(pilot, "n")
        screen = pilot.app.screen
        assert isinstance(screen, NoticesScreen)
        assert screen.query_one("#notices", Table).row_count == 1
        await press(pilot, "r")
        dialog = pilot.app.screen
        assert isinstance(dialog, ReceivedDialog)
        dialog.query_one("#received", Input).value = "tomorrow-ish"
        await press(pilot, "ctrl+s")  # a date that does not parse: refused in the field
        assert pilot.app.screen is dialog
        dialog.query_one("#received", Input).value = TODAY.isoformat()
        await press(pilot, "ctrl+s")
        assert pilot.app.screen is screen
    received = rows(store.path, "SELECT received_on FROM notices WHERE id = ?", (issued.notice.id,))
    assert received == [(TODAY.isoformat(),)]
    assert dt.date.fromisoformat(str(received[0][0])) == TODAY
