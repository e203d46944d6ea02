"""The field app driven from the keyboard with Pilot; what it saved is read back from
the SQLite file."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from textual import events
from textual.widgets import Input, OptionList, TextArea
from tui_support import (
    TODAY,
    build_db,
    in_progress_id,
    open_db,
    press,
    rows,
    settle,
    store,  # noqa: F401 (fixtures)
)

from inspect_tui.models import DeductRule, IndicatorKind, PassFailRule, Result, ScaleRule
from inspect_tui.services import checklists, inspections, overview
from inspect_tui.store import Store
from inspect_tui.tui.app import InspectApp
from inspect_tui.tui.screens.checklist import ChecklistScreen
from inspect_tui.tui.screens.help import HelpScreen
from inspect_tui.tui.screens.home import HomeScreen
from inspect_tui.tui.screens.problem import ProblemDialog
from inspect_tui.tui.screens.problem_view import ProblemScreen
from inspect_tui.tui.screens.review import ReviewScreen
from inspect_tui.tui.screens.start import StartDialog
from inspect_tui.tui.screens.units import UnitsScreen
from inspect_tui.tui.screens.value import ValueDialog
from inspect_tui.tui.widgets import Field, Table

SIZE = (80, 24)


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("tui") / "template.db"
    build_db(path).close()
    return path


def field_error(screen: object, field_id: str) -> str:
    field = screen.query_one(f"#{field_id}", Field)  # type: ignore[attr-defined]
    return str(field.error.render()) if field.error.has_class("-visible") else ""


# ---------------------------------------------------------------------- a whole inspection


async def test_whole_inspection_from_the_keyboard(store: Store) -> None:
    """Start, answer every item of the shipped 20-item system, two problems with
    deadlines, sign off — then the file says so."""
    app = InspectApp(store=store, lang="en")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, HomeScreen)
        await press(pilot, "u")
        assert isinstance(app.screen, UnitsScreen)
        await press(pilot, *"kfzx")
        units_table = app.screen.query_one("#units", Table)
        assert units_table.row_count == 1
        await press(pilot, "enter")  # filter → table
        await press(pilot, "enter")  # table → start dialog
        assert isinstance(app.screen, StartDialog)
        dialog = app.screen
        assert dialog.query_one("#date", Input).value == TODAY.isoformat()
        await press(pilot, "down", "enter")  # kind: supervisory
        dialog.query_one("#team", Input).value = "張三, 李四、王五"
        await press(pilot, "ctrl+s")
        assert isinstance(app.screen, ChecklistScreen)
        sheet = app.screen
        assert sheet.sheet is not None
        indicators = sheet.sheet.indicators
        assert sheet.current is not None and sheet.current.id == indicators[0].id

        # Keys only, as an inspector types them: conforms and N/A move on by themselves.
        for ind in indicators:
            assert sheet.current is not None and sheet.current.id == ind.id
            if isinstance(ind.rule, DeductRule):
                await pilot.press("3")  # does not: how many occurrences?
                assert isinstance(app.screen, ValueDialog)
                await pilot.press("2", "enter", "j")
            elif isinstance(ind.rule, ScaleRule):
                await pilot.press("2")  # partly: which score?
                assert isinstance(app.screen, ValueDialog)
                await pilot.press("1", ".", "5", "enter", "j")
            elif ind.kind is IndicatorKind.BONUS:
                await pilot.press("0")  # not applicable
            elif len(sheet.problems) < 2 and not isinstance(ind.rule, PassFailRule):
                await pilot.press("2", "p")  # partly, and a problem on it
                problem_dialog = app.screen
                assert isinstance(problem_dialog, ProblemDialog)
                problem_dialog.query_one("#description", TextArea).text = f"{ind.code} 記錄不全"
                problem_dialog.query_one("#responsible", Input).value = "朱永紅"
                problem_dialog.query_one("#deadline", Input).value = (
                    "+30" if not sheet.problems else "12-31"
                )
                await press(pilot, "ctrl+s")
                assert isinstance(app.screen, ChecklistScreen)
                await pilot.press("j")
            else:
                await pilot.press("1")
        await settle(pilot)
        assert sheet.score is not None and sheet.score.answered == len(indicators)
        assert len(sheet.problems) == 2

        await press(pilot, "s")
        assert isinstance(app.screen, ReviewScreen)
        app.screen.query_one("#signer", Input).value = "李四"
        await press(pilot, "ctrl+s")
        review = app.screen
        assert isinstance(review, ReviewScreen) and review.review is not None
        assert review.review.sheet.inspection.state.value == "signed_off"

    inspection = rows(
        store.path,
        "SELECT id, kind, state, signed_by, team, date FROM inspections "
        "WHERE unit_id = (SELECT id FROM units WHERE code = 'KFZX') AND date = ?",
        (TODAY.isoformat(),),
    )
    assert len(inspection) == 1
    inspection_id, kind, state, signed_by, team, date = inspection[0]
    assert (kind, state, signed_by, date) == ("supervisory", "signed_off", "李四", "2026-03-16")
    assert team == '["張三", "李四", "王五"]'
    answers = rows(
        store.path, "SELECT count(*) FROM answers WHERE inspection_id = ?", (inspection_id,)
    )
    assert answers == [(len(indicators),)]
    deduct = rows(
        store.path,
        "SELECT a.result, a.value FROM answers a JOIN indicators d ON d.id = a.indicator_id "
        "WHERE a.inspection_id = ? AND d.rule LIKE '%deduct%'",
        (inspection_id,),
    )
    assert deduct and all(r == ("does_not", 2.0) for r in deduct)
    problems = rows(
        store.path,
        "SELECT p.deadline, p.responsible, p.state, d.code FROM problems p "
        "JOIN indicators d ON d.id = p.indicator_id WHERE p.inspection_id = ? ORDER BY p.deadline",
        (inspection_id,),
    )
    assert [(p[0], p[1], p[2]) for p in problems] == [
        ((TODAY + dt.timedelta(days=30)).isoformat(), "朱永紅", "open"),
        ("2026-12-31", "朱永紅", "open"),
    ]


# ---------------------------------------------------------------------- resuming


async def test_resumes_at_the_remembered_indicator(store: Store) -> None:
    current = in_progress_id(store)
    items = checklists.indicators_of(store, inspections.get_inspection(store, current).checklist_id)
    app = InspectApp(store=store, lang="en")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await press(pilot, "enter")  # the inspection in progress
        sheet = app.screen
        assert isinstance(sheet, ChecklistScreen)
        assert sheet.current is not None and sheet.current.id == items[5].id  # where it was left
        await press(pilot, "j", "j", "down")
        assert sheet.current is not None and sheet.current.id == items[8].id
        await press(pilot, "escape")
        assert isinstance(app.screen, HomeScreen)
        await press(pilot, "enter")
        again = app.screen
        assert isinstance(again, ChecklistScreen) and again is not sheet
        assert again.current is not None and again.current.id == items[8].id
        await press(pilot, "left_square_bracket")  # previous aspect's first item
        assert again.current is not None
        await press(pilot, "right_square_bracket", "right_square_bracket")
        assert again.current is not None and again.current.aspect_id != items[8].aspect_id
        last = again.current.id
    reopened = open_db(store.path, seed=7)  # the same device: its cursor is kept per device
    try:
        assert inspections.get_inspection(reopened, current).cursor_indicator_id == last
    finally:
        reopened.close()


async def test_answer_marks_and_running_score(store: Store) -> None:
    current = in_progress_id(store)
    app = InspectApp(store=store, lang="en")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await press(pilot, "enter")
        sheet = app.screen
        assert isinstance(sheet, ChecklistScreen) and sheet.score is not None
        before = sheet.score.answered
        first = sheet.current
        assert first is not None
        await press(pilot, "1")
        assert sheet.score.answered == before + 1
        assert sheet.current is not None and sheet.current.id != first.id  # moved on
        progress = str(sheet.query_one("#progress").render())
        assert f"Answered {before + 1}/20" in progress
        # re-answering changes the answer, not the count
        await press(pilot, "k", "0")
        assert sheet.score.answered == before + 1
        assert sheet.answers[first.id].result.value == "not_applicable"
        # a remark on the answered item
        await press(pilot, "k", "n")
        await pilot.press(*"資料在檔案室", "enter")
        await settle(pilot)
        assert sheet.answers[first.id].remark == "資料在檔案室"
    saved = rows(
        store.path,
        "SELECT result, remark FROM answers WHERE inspection_id = ? AND indicator_id = ?",
        (current, first.id),
    )
    assert saved == [("not_applicable", "資料在檔案室")]


# ---------------------------------------------------------------------- bad input


async def test_problem_dialog_refuses_bad_input_inline(store: Store) -> None:
    current = in_progress_id(store)
    app = InspectApp(store=store, lang="en")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await press(pilot, "enter", "p")
        dialog = app.screen
        assert isinstance(dialog, ProblemDialog)
        await press(pilot, "ctrl+s")  # everything empty
        assert "required" in field_error(dialog, "description-field")
        assert "required" in field_error(dialog, "deadline-field")
        dialog.query_one("#description", TextArea).text = "會議記錄缺頁"
        deadline = dialog.query_one("#deadline", Input)
        deadline.value = "2026-02-30"
        await press(pilot, "ctrl+s")
        assert "not a real date" in field_error(dialog, "deadline-field")
        assert field_error(dialog, "description-field") == ""
        deadline.value = "2026-03-01"  # before the inspection (2026-03-16)
        await press(pilot, "ctrl+s")
        assert "before the inspection date" in field_error(dialog, "deadline-field")
        deadline.value = "tomorrow"
        await press(pilot)
        assert "is not a date" in field_error(dialog, "deadline-field")
        assert isinstance(app.screen, ProblemDialog)
        assert rows(
            store.path, "SELECT count(*) FROM problems WHERE inspection_id = ?", (current,)
        ) == [(0,)]
        deadline.value = "+7"
        await press(pilot)
        assert "2026-03-23" in str(dialog.query_one("#deadline-field .field-hint").render())
        await press(pilot, "ctrl+s")
        assert isinstance(app.screen, ChecklistScreen)
    assert rows(
        store.path, "SELECT deadline, description FROM problems WHERE inspection_id = ?", (current,)
    ) == [("2026-03-23", "會議記錄缺頁")]


async def test_bad_scores_are_refused(store: Store) -> None:
    current = in_progress_id(store)
    sheet_data = overview.sheet(store, current)
    scale = next(i for i in sheet_data.indicators if isinstance(i.rule, ScaleRule))
    pass_fail = next(i for i in sheet_data.indicators if isinstance(i.rule, PassFailRule))
    app = InspectApp(store=store, lang="en")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await press(pilot, "enter")
        sheet = app.screen
        assert isinstance(sheet, ChecklistScreen)
        sheet.jump_to(scale.id)
        await press(pilot, "2")
        dialog = app.screen
        assert isinstance(dialog, ValueDialog)
        await press(pilot, *"99", "enter")
        assert "outside" in field_error(dialog, "value-field")
        assert isinstance(app.screen, ValueDialog)
        dialog.query_one("#value", Input).value = "abc"
        await press(pilot, "enter")
        assert "not a number" in field_error(dialog, "value-field")
        await press(pilot, "escape")
        assert isinstance(app.screen, ChecklistScreen)
        assert scale.id not in sheet.answers
        # "partly" on a pass/fail indicator: refused with a message, nothing saved
        before = sheet.answers.get(pass_fail.id)
        sheet.jump_to(pass_fail.id)
        await press(pilot, "2")
        assert sheet.answers.get(pass_fail.id) == before
        assert any("pass/fail" in str(n.message) for n in app._notifications)
    assert rows(
        store.path,
        "SELECT count(*) FROM answers WHERE inspection_id = ? AND indicator_id = ?",
        (current, scale.id),
    ) == [(0,)]


async def test_start_dialog_refuses_an_impossible_date(store: Store) -> None:
    app = InspectApp(store=store, lang="en")
    before = rows(store.path, "SELECT count(*) FROM inspections")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await press(pilot, "u", *"sdc", "enter", "enter")
        dialog = app.screen
        assert isinstance(dialog, StartDialog)
        dialog.query_one("#date", Input).value = "2026-13-01"
        await press(pilot, "ctrl+s")
        assert "not a real date" in field_error(dialog, "date-field")
        assert isinstance(app.screen, StartDialog)
        dialog.query_one("#date", Input).value = "03-20"
        await press(pilot)
        assert "2026-03-20" in str(dialog.query_one("#date-field .field-hint").render())
        await press(pilot, "escape")
        assert isinstance(app.screen, UnitsScreen)
    assert rows(store.path, "SELECT count(*) FROM inspections") == before


# ---------------------------------------------------------------------- sign-off and amendments


async def test_sign_off_refused_while_unanswered_then_read_only_and_amended(store: Store) -> None:
    current = in_progress_id(store)
    app = InspectApp(store=store, lang="zh-Hant")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await press(pilot, "enter", "s")
        review = app.screen
        assert isinstance(review, ReviewScreen)
        await press(pilot, "ctrl+s")
        assert "尚有 15 項未答" in field_error(review, "signer-field")
        assert rows(store.path, "SELECT state FROM inspections WHERE id = ?", (current,)) == [
            ("in_progress",)
        ]
        await press(pilot, "enter")  # the first unanswered item: back to the checklist on it
        sheet = app.screen
        assert isinstance(sheet, ChecklistScreen)
        assert sheet.current is not None and sheet.current.id not in sheet.answers
        await press(pilot, "u", "0")  # next unanswered, not applicable: the rest by another device
        other = open_db(store.path, seed=77)
        try:
            for ind in inspections.unanswered(other, current):
                inspections.record_answer(other, current, ind.id, Result.NOT_APPLICABLE)
        finally:
            other.close()
        await press(pilot, "ctrl+r")
        assert sheet.score is not None and sheet.score.answered == 20
        await press(pilot, "s", "ctrl+s")
        assert isinstance(app.screen, ReviewScreen)
        await press(pilot, "escape")
        assert sheet.readonly
        item = sheet.current
        assert item is not None
        result_before = sheet.answers[item.id].result
        await press(pilot, "1", "3", "n", "p")  # all refused: read-only
        assert isinstance(app.screen, ChecklistScreen)
        assert sheet.answers[item.id].result is result_before
        await press(pilot, "a")
        amend = app.screen
        assert type(amend).__name__ == "AmendDialog"
        await press(pilot, "ctrl+s")
        assert "理由" in field_error(amend, "reason-field")
        amend.query_one("#reason", Input).value = "複核時發現記錄齊全"
        await press(pilot, "ctrl+s")
        assert isinstance(app.screen, ChecklistScreen)
    amendments = rows(
        store.path, "SELECT reason FROM amendments WHERE inspection_id = ?", (current,)
    )
    assert amendments == [("複核時發現記錄齊全",)]
    assert rows(
        store.path, "SELECT state, signed_by FROM inspections WHERE id = ?", (current,)
    ) == [("signed_off", "張三")]


# ---------------------------------------------------------------------- home and navigation


async def test_home_items_open_with_enter(store: Store) -> None:
    app = InspectApp(store=store, lang="en")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        home = app.screen
        assert isinstance(home, HomeScreen)
        assert "demo.db" in str(home.query_one("#db-path").render())
        counts = {
            s: home.query_one(f"#{s}-table", Table).row_count
            for s in ("in-progress", "overdue", "due-soon", "lagging", "signed-off")
        }
        assert counts == {
            "in-progress": 1,
            "overdue": 2,
            "due-soon": 2,
            "lagging": 3,
            "signed-off": 6,
        }
        home.query_one("#overdue-table", Table).focus()
        await press(pilot, "enter")
        assert isinstance(app.screen, ProblemScreen)
        assert "第四季度支委會記錄缺失兩次" in str(app.screen.query_one("#pv-description").render())
        await press(pilot, "o")
        assert isinstance(app.screen, ChecklistScreen) and app.screen.readonly
        await press(pilot, "escape", "escape")
        lagging = home.query_one("#lagging-table", Table)
        lagging.focus()
        first_lagging = lagging.current_key
        await press(pilot, "enter")
        assert isinstance(app.screen, UnitsScreen)
        assert app.screen.query_one("#filter", Input).value == first_lagging
        assert app.screen.query_one("#units", Table).row_count == 1
        await press(pilot, "escape")
        home.query_one("#signed-off-table", Table).focus()
        await press(pilot, "enter")
        assert isinstance(app.screen, ChecklistScreen) and app.screen.readonly


async def test_help_lists_every_key_and_palette_reaches_screens(store: Store) -> None:
    app = InspectApp(store=store, lang="en")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await press(pilot, "enter", "question_mark")
        assert isinstance(app.screen, HelpScreen)
        table = app.screen.query_one("#keys", Table)
        lines = {str(table.get_row_at(i)[1]) for i in range(table.row_count)}
        for description in (
            "Conforms",
            "Partly",
            "Does not",
            "N/A",
            "Remark",
            "Problem",
            "Next",
            "Previous",
            "Next aspect",
            "Previous aspect",
            "Sign-off",
            "Back",
            "Refresh",
            "Keys",
            "Light/dark",
            "Quit",
        ):
            assert description in lines, description
        await press(pilot, "escape")
        assert isinstance(app.screen, ChecklistScreen)
        # the command palette: type a screen's name, run it
        await press(pilot, "ctrl+p")
        await pilot.press(*"units list")
        await settle(pilot)
        await press(pilot, "enter")
        assert isinstance(app.screen, UnitsScreen)
        await press(pilot, "ctrl+p")
        await pilot.press(*"home screen")
        await settle(pilot)
        await press(pilot, "enter")
        assert isinstance(app.screen, HomeScreen)


async def test_theme_toggles_and_every_binding_has_an_id_and_description(store: Store) -> None:
    from inspect_tui.tui.screens import (
        amend,
        checklist,
        help,
        home,
        problem,
        problem_view,
        review,
        start,
        units,
        value,
    )

    app = InspectApp(store=store, lang="zh-Hans")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert app.theme == "textual-dark"
        await press(pilot, "ctrl+t")
        assert app.theme == "textual-light"
        await press(pilot, "ctrl+t")
        assert app.theme == "textual-dark"
        # simplified Chinese is derived from the traditional strings
        assert "首页" in app.screen.sub_title
    classes = [
        InspectApp,
        home.HomeScreen,
        units.UnitsScreen,
        start.StartDialog,
        checklist.ChecklistScreen,
        value.ValueDialog,
        value.RemarkDialog,
        problem.ProblemDialog,
        review.ReviewScreen,
        amend.AmendDialog,
        help.HelpScreen,
        problem_view.ProblemScreen,
    ]
    for cls in classes:
        for base in cls.__mro__:
            for binding in base.__dict__.get("BINDINGS", []):
                if base.__module__.startswith("inspect_tui"):
                    assert binding.id and binding.description.startswith("key."), (cls, binding)


async def test_units_filter_by_pinyin_and_lazy_pages(store: Store) -> None:
    app = InspectApp(store=store, lang="zh-Hant")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await press(pilot, "u")
        screen = app.screen
        assert isinstance(screen, UnitsScreen)
        table = screen.query_one("#units", Table)
        assert table.row_count == 29
        await press(pilot, *"jgdzz")
        assert table.row_count == 1 and str(table.get_row_at(0)[1]) == "機關黨總支"
        await press(pilot, *["backspace"] * 5, *"JiGuan")
        assert table.row_count == 5
        await press(pilot, "ctrl+u")  # clear
        assert table.row_count == 29


# ---------------------------------------------------------------------- two instances


async def test_second_instance_saves_are_seen_on_refresh_and_locks_are_waited_for(
    store: Store,
) -> None:
    current = in_progress_id(store)
    other = open_db(store.path, seed=4242)
    try:
        app = InspectApp(store=store, lang="en")
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            await press(pilot, "enter")
            sheet = app.screen
            assert isinstance(sheet, ChecklistScreen) and sheet.sheet is not None
            target = sheet.sheet.indicators[10]
            # the other instance answers an item; this one sees it after ctrl+r
            inspections.record_answer(other, current, target.id, Result.DOES_NOT)
            assert target.id not in sheet.answers
            await press(pilot, "ctrl+r")
            assert sheet.answers[target.id].result is Result.DOES_NOT
            # the other instance holds the write lock; an answer here waits, the UI does not
            other.conn.execute("BEGIN IMMEDIATE")
            item = sheet.current
            assert item is not None
            await pilot.press("1")
            await pilot.pause()
            assert item.id not in sheet.answers or sheet.answers[item.id].result.value != "conforms"
            await pilot.press("j")  # the UI still moves
            await pilot.pause()
            other.conn.execute("COMMIT")
            await settle(pilot)
            assert sheet.answers[item.id].result.value == "conforms"
        assert rows(
            store.path,
            "SELECT result FROM answers WHERE inspection_id = ? AND indicator_id = ?",
            (current, item.id),
        ) == [("conforms",)]
        # and the other instance sees this one's answer
        assert inspections.answers_of(other, current)[item.id].result.value == "conforms"
    finally:
        other.close()


# ---------------------------------------------------------------------- mouse, paging, read-only


async def test_the_mouse_works(store: Store) -> None:
    current = in_progress_id(store)
    app = InspectApp(store=store, lang="en")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.click("#in-progress-table", offset=(2, 1))  # a click on the row opens it
        await settle(pilot)
        sheet = app.screen
        assert isinstance(sheet, ChecklistScreen)
        items = sheet.query_one("#items", OptionList)
        await pilot.click("#items", offset=(6, 1))  # the first indicator under aspect A
        await settle(pilot)
        assert sheet.current is not None and sheet.current.code == "A1"
        await pilot.click("FooterKey.-command-palette")
        await settle(pilot)
        assert type(app.screen).__name__ == "CommandPalette"
        await press(pilot, "escape")
        assert items.highlighted is not None
    assert rows(store.path, "SELECT count(*) FROM answers WHERE inspection_id = ?", (current,)) == [
        (5,)
    ]


async def test_units_load_lazily_page_by_page(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    from inspect_tui.tui.screens import units as units_screen

    monkeypatch.setattr(units_screen, "PAGE", 10)
    app = InspectApp(store=store, lang="en")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await press(pilot, "u", "down")
        table = app.screen.query_one("#units", Table)
        assert table.row_count == 10
        await press(pilot, *["down"] * 9)  # reaching the last row loads the next page
        assert table.row_count == 20
        await press(pilot, "pagedown")
        await press(pilot, "pagedown")
        assert table.row_count == 29


async def test_read_only_database_shows_and_saves_nothing(template: Path, tmp_path: Path) -> None:
    from inspect_tui.store import open_store

    path = tmp_path / "ro.db"
    path.write_bytes(template.read_bytes())
    store = open_store(path, readonly=True, user="張三", device_id="test-laptop")
    try:
        app = InspectApp(store=store, lang="en")
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            assert "Read-only database" in str(app.screen.query_one(".warning").render())
            await press(pilot, "enter")
            sheet = app.screen
            assert isinstance(sheet, ChecklistScreen) and sheet.readonly
            answered = dict(sheet.answers)
            await press(pilot, "1", "p", "n")
            assert isinstance(app.screen, ChecklistScreen) and sheet.answers == answered
    finally:
        store.close()


async def test_home_reads_its_lists_once_at_start_and_again_on_return(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Reading the home lists twice at start-up doubled the database work before the
    first keystroke; coming back to home still refreshes them."""
    calls: list[dt.date] = []
    home = overview.home

    def counted(store: Store, today: dt.date):  # type: ignore[no-untyped-def]
        calls.append(today)
        return home(store, today)

    monkeypatch.setattr(overview, "home", counted)
    app = InspectApp(store=store, lang="en")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, HomeScreen) and app.screen.ready
        assert len(calls) == 1
        await press(pilot, "u")
        assert isinstance(app.screen, UnitsScreen)
        await press(pilot, "escape")
        assert isinstance(app.screen, HomeScreen)
        assert len(calls) == 2


@pytest.mark.parametrize(
    "paste",
    [
        # Textual's Input keeps a paste's first line only; the rest vanished unseen. The
        # lines are kept, joined by spaces (a multi-line field keeps its line breaks).
        "機關\n\n黨總支\r\n",
        # escape sequences copied with coloured terminal output were drawn raw inside the
        # field and the terminal acted on them (the screen garbled): they are dropped, as
        # are the other control characters
        "\x1b[1;31m機關\x1b[0m\x07 黨總支\x00",
    ],
    ids=["paragraph", "terminal colours"],
)
async def test_a_paste_into_a_one_line_field_keeps_its_text(store: Store, paste: str) -> None:
    app = InspectApp(store=store, lang="en")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await press(pilot, "u")
        field = app.screen.query_one("#filter", Input)
        field.focus()
        app.post_message(events.Paste(paste))
        await settle(pilot)
        assert field.value == "機關 黨總支"
        assert app.screen.query_one("#units", Table).row_count == 1
        assert "\x1b" not in field.render_line(0).text  # nothing for the terminal to act on
