"""The problems screen, a problem's page and its actions, the per-unit view and the
re-inspection list, driven from the keyboard with Pilot; what they saved is read back from
the SQLite file, the exported ledger with the csv module. Snapshots at the end."""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Callable
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import Input, Label, Static
from tui_support import (  # noqa: F401 (fixtures)
    LANGS,
    SIZES,
    TODAY,
    build_db,
    copy_db,
    make_app,
    make_jpeg,
    press,
    problem_id,
    rows,
    settle,
    start_reinspection,
    steps,
    store,
)

from inspect_tui.models import ProblemState
from inspect_tui.services import problems
from inspect_tui.services.problem_list import PENDING, ProblemFilter, count
from inspect_tui.settings import Settings
from inspect_tui.store import Store
from inspect_tui.tui.app import InspectApp
from inspect_tui.tui.screens.checklist import ChecklistScreen
from inspect_tui.tui.screens.ledger_export import ExportDialog
from inspect_tui.tui.screens.problem_actions import (
    CloseDialog,
    ExtendDialog,
    RectifyDialog,
    RejectDialog,
    ReopenDialog,
    SubmitDialog,
)
from inspect_tui.tui.screens.problem_filter import FilterDialog
from inspect_tui.tui.screens.problem_view import ProblemScreen
from inspect_tui.tui.screens.problems import (
    ProblemsScreen,
    ReinspectionScreen,
    UnitProblemsScreen,
)
from inspect_tui.tui.screens.units import UnitsScreen
from inspect_tui.tui.widgets import Field, Table

OVERDUE = "第四季度支委會記錄缺失兩次"  # rectifying, one rectification without files
OPEN = "一月份參學率僅為百分之七十八"  # open, overdue since 03-10
ACTIONS = (
    "rectify",
    "attach",
    "submit",
    "close_problem",
    "reject",
    "extend",
    "reopen",
    "view_file",
    "open_inspection",
)


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("problems") / "template.db"
    build_db(path).close()
    return path


async def type_text(pilot: Pilot[None], text: str) -> None:
    await press(pilot, *("space" if c == " " else c for c in text))


def offered(screen: ProblemScreen) -> set[str]:
    return {a for a in ACTIONS if screen.check_action(a, ()) is True}


def text_of(widget: Static | Label) -> str:
    return str(widget.render())


def field_error(screen: object, field_id: str) -> str:
    field = screen.query_one(f"#{field_id}", Field)  # type: ignore[attr-defined]
    return str(field.error.render()) if field.error.has_class("-visible") else ""


def shown_keys(screen: ProblemsScreen) -> list[str]:
    table = screen.query_one("#problems", Table)
    return [str(table.coordinate_to_cell_key((r, 0)).row_key.value) for r in range(table.row_count)]


def db_ids(store: Store, f: ProblemFilter) -> list[str]:
    from inspect_tui.services.problem_list import search

    return [r.id for r in search(store, f, TODAY, limit=1000).rows]


# ---------------------------------------------------------------------- closing end to end


async def test_a_problem_closes_end_to_end_from_the_keyboard(store: Store, tmp_path: Path) -> None:
    make_jpeg(tmp_path / "支委會記錄照片.jpg")
    pid = problem_id(store, OVERDUE)
    opened: list[Path] = []
    app = InspectApp(store=store, lang="en", opener=opened.append)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await press(pilot, "p")
        listing = app.screen
        assert isinstance(listing, ProblemsScreen)
        assert listing.query_one("#problems", Table).current_key == pid  # earliest deadline
        await press(pilot, "enter")
        page = app.screen
        assert isinstance(page, ProblemScreen)
        assert offered(page) == {"rectify", "attach", "submit", "extend", "open_inspection"}
        await press(pilot, "c")  # closing is not offered while rectifying: nothing opens
        assert app.screen is page

        # what was done, with a reference and a photo (Tab completes its Chinese name)
        await press(pilot, "r")
        dialog = app.screen
        assert isinstance(dialog, RectifyDialog)
        await type_text(pilot, "補齊兩次支委會記錄")
        await press(pilot, "tab", "tab")  # done on: today, as offered
        await type_text(pilot, "支委會記錄本第3頁; 說明")
        await press(pilot, "tab", "支", "tab")
        assert dialog.query_one("#file", Input).value == "支委會記錄照片.jpg"
        await press(pilot, "enter")
        assert dialog.files == [tmp_path / "支委會記錄照片.jpg"]
        await press(pilot, "ctrl+s")
        assert app.screen is page
        path = store.path
        (rect_id, what, done_on, refs) = rows(
            path,
            "SELECT id, description, done_on, evidence FROM rectifications "
            "WHERE problem_id = ? ORDER BY done_on DESC LIMIT 1",
            (pid,),
        )[0]
        assert (what, done_on) == ("補齊兩次支委會記錄", TODAY.isoformat())
        assert refs == '["支委會記錄本第3頁", "說明"]'
        assert rows(
            path,
            "SELECT owner_table, name, mime, width, height FROM attachments WHERE owner_id = ?",
            (rect_id,),
        ) == [("rectifications", "支委會記錄照片.jpg", "image/jpeg", 64, 48)]
        assert "Evidence (1)" in text_of(page.query_one("#pv-evidence-title", Label))

        await press(pilot, "s")
        assert isinstance(app.screen, SubmitDialog)
        await press(pilot, "enter")
        assert rows(path, "SELECT state FROM problems WHERE id = ?", (pid,)) == [("submitted",)]
        assert offered(page) == {
            "close_problem",
            "reject",
            "extend",
            "attach",
            "view_file",
            "open_inspection",
        }

        await press(pilot, "c")
        close = app.screen
        assert isinstance(close, CloseDialog)
        assert not close.query("#reason")  # the rectification has evidence: no reason asked
        await type_text(pilot, "現場核實")
        await press(pilot, "ctrl+s")
        assert app.screen is page
        assert rows(path, "SELECT state, closed_on FROM problems WHERE id = ?", (pid,)) == [
            ("closed", TODAY.isoformat())
        ]
        assert [
            a
            for (a,) in rows(
                path, "SELECT action FROM problem_events WHERE problem_id = ? ORDER BY at", (pid,)
            )
        ] == ["created", "start", "rectification", "submit", "close"]
        assert offered(page) == {"reopen", "attach", "view_file", "open_inspection"}
        history = page.query_one("#pv-history", Table)
        assert history.row_count == 5
        assert str(history.get_row_at(4)[4]) == "現場核實"

        # the photo opens with the system's viewer (a copy in a temporary folder)
        await press(pilot, "v")
        assert (
            len(opened) == 1
            and opened[0].read_bytes() == (tmp_path / "支委會記錄照片.jpg").read_bytes()
        )

        # back on the list the closed problem has left the open ones
        await press(pilot, "escape")
        assert app.screen is listing
        assert pid not in shown_keys(listing)


async def test_closing_without_evidence_asks_why_or_is_refused(store: Store) -> None:
    pid = problem_id(store, OPEN)
    problems.record_rectification(store, pid, description="已補學", done_on=TODAY)
    problems.submit_for_verification(store, pid)
    app = InspectApp(store=store, lang="en")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        app.open_problem(pid)
        await settle(pilot)
        await press(pilot, "c")
        dialog = app.screen
        assert isinstance(dialog, CloseDialog)
        await press(pilot, "ctrl+s")  # no reason given: refused inline, nothing saved
        assert field_error(dialog, "reason-field").startswith("reason")
        assert rows(store.path, "SELECT state FROM problems WHERE id = ?", (pid,)) == [
            ("submitted",)
        ]
        dialog.query_one("#reason", Input).focus()
        await type_text(pilot, "原件已當場核對")
        await press(pilot, "ctrl+s")
        assert isinstance(app.screen, ProblemScreen)
        (state, note) = rows(
            store.path,
            "SELECT p.state, e.note FROM problems p JOIN problem_events e ON e.problem_id = p.id "
            "WHERE p.id = ? AND e.action = 'close'",
            (pid,),
        )[0]
        assert state == "closed" and "原件已當場核對" in str(note)


async def test_evidence_required_by_setting_refuses_closing(store: Store) -> None:
    pid = problem_id(store, OPEN)
    problems.record_rectification(store, pid, description="已補學", done_on=TODAY)
    problems.submit_for_verification(store, pid)
    app = InspectApp(store=store, lang="en", settings=Settings(evidence_required=True))
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        app.open_problem(pid)
        await settle(pilot)
        await press(pilot, "c")
        dialog = app.screen
        assert isinstance(dialog, CloseDialog)
        assert "attach a file" in text_of(dialog.query_one("#close-refused", Label))
        assert dialog.query_one("#ok").disabled
        await press(pilot, "ctrl+s")
        assert "evidence" in text_of(dialog.query_one("#dialog-error", Label))
        assert rows(store.path, "SELECT state FROM problems WHERE id = ?", (pid,)) == [
            ("submitted",)
        ]


async def test_reject_extend_and_reopen_with_reasons(store: Store) -> None:
    pid = problem_id(store, OPEN)
    problems.record_rectification(store, pid, description="已補學", done_on=TODAY)
    problems.submit_for_verification(store, pid)
    app = InspectApp(store=store, lang="en")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        app.open_problem(pid)
        await settle(pilot)
        page = app.screen
        assert isinstance(page, ProblemScreen)

        await press(pilot, "x")
        reject = app.screen
        assert isinstance(reject, RejectDialog)
        await press(pilot, "enter")  # a reason is required
        assert field_error(reject, "reason-field")
        await type_text(pilot, "<b>記錄</b> & [b]不全[/b]")  # stored and shown as typed
        await press(pilot, "enter")
        assert rows(store.path, "SELECT state FROM problems WHERE id = ?", (pid,)) == [
            ("rectifying",)
        ]
        history = page.query_one("#pv-history", Table)
        assert str(history.get_row_at(history.row_count - 1)[4]) == "<b>記錄</b> & [b]不全[/b]"

        await press(pilot, "d")
        extend = app.screen
        assert isinstance(extend, ExtendDialog)
        await type_text(pilot, "2026-03-01")  # before today: refused by the service, inline
        await press(pilot, "tab")
        await type_text(pilot, "補學安排在下月")
        await press(pilot, "ctrl+s")
        assert "2026-03-01" in field_error(extend, "deadline-field")
        extend.query_one("#deadline", Input).value = "+30"
        await settle(pilot)
        assert "2026-04-15" in str(extend.query_one("#deadline-field .field-hint", Label).render())
        await press(pilot, "ctrl+s")
        assert app.screen is page
        assert rows(
            store.path, "SELECT deadline, original_deadline FROM problems WHERE id = ?", (pid,)
        ) == [("2026-04-15", "2026-03-10")]
        facts = text_of(page.query_one("#pv-facts", Static))
        assert "Deadline 2026-04-15" in facts and "first set 2026-03-10" in facts

        # closed, then found again (回頭看): reopened, counted, red
        problems.submit_for_verification(store, pid)
        problems.close_problem(store, pid, without_evidence_reason="核實")
        await press(pilot, "ctrl+r")
        assert offered(page) == {"reopen", "attach", "open_inspection"}
        await press(pilot, "R")
        reopen = app.screen
        assert isinstance(reopen, ReopenDialog)
        await type_text(pilot, "回頭看發現仍未補學")
        await press(pilot, "tab")
        await type_text(pilot, "+14")
        await press(pilot, "ctrl+s")
        assert rows(
            store.path, "SELECT state, reopened, deadline FROM problems WHERE id = ?", (pid,)
        ) == [("open", 1, "2026-03-30")]
        assert "Found again 1 time(s)" in text_of(page.query_one("#pv-facts", Static))


async def test_bad_rectification_input_is_refused_inline(store: Store, tmp_path: Path) -> None:
    pid = problem_id(store, OPEN)
    app = InspectApp(store=store, lang="en")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        app.open_problem(pid)
        await settle(pilot)
        await press(pilot, "r")
        dialog = app.screen
        assert isinstance(dialog, RectifyDialog)
        await press(pilot, "ctrl+s")
        assert field_error(dialog, "what-field")  # what was done is required
        await type_text(pilot, "補學")
        dialog.query_one("#done", Input).value = "2026-12-01"  # in the future
        await settle(pilot)
        await press(pilot, "ctrl+s")
        assert "future" in field_error(dialog, "done-field")
        dialog.query_one("#done", Input).value = "2026-03-15"
        dialog.query_one("#file", Input).value = "missing.pdf"
        dialog.query_one("#file", Input).focus()
        await press(pilot, "enter")
        assert "missing.pdf" in field_error(dialog, "file-field")
        assert "does not exist" in field_error(dialog, "file-field")
        await press(pilot, "ctrl+s")  # a path left in the field is not silently dropped
        assert "Enter" in field_error(dialog, "file-field")
        assert rows(
            store.path, "SELECT count(*) FROM rectifications WHERE problem_id = ?", (pid,)
        ) == [(0,)]


# ---------------------------------------------------------------------- the list: filters, counts


def bar_counts(screen: ProblemsScreen) -> str:
    return text_of(screen.query_one("#problems-bar", Static))


async def test_quick_filters_counts_and_text(store: Store) -> None:
    app = InspectApp(store=store, lang="en")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await press(pilot, "p")
        screen = app.screen
        assert isinstance(screen, ProblemsScreen)
        bar = bar_counts(screen)
        for expected in (
            "a All 6",
            "0 Not closed 5",
            "1 Open 4",
            "2 Rectifying 1",
            "3 Awaiting verification 0",
            "4 Closed 1",
            "o Overdue 2",
            "d Due ≤7 d 2",
        ):
            assert expected in bar, (expected, bar)
        assert shown_keys(screen) == db_ids(store, ProblemFilter(states=PENDING))
        assert "5 of 5 shown" in text_of(screen.query_one("#problems-status", Static))

        cases = [
            ("1", ProblemFilter(states=(ProblemState.OPEN,))),
            ("4", ProblemFilter(states=(ProblemState.CLOSED,))),
            ("a", ProblemFilter()),
            ("o", ProblemFilter(overdue=True)),
            ("d", ProblemFilter(due_within=7)),
            ("2", ProblemFilter(states=(ProblemState.RECTIFYING,), due_within=7)),
        ]
        for key, f in cases:
            await press(pilot, key)
            assert screen.filter == f, key
            assert shown_keys(screen) == db_ids(store, f), key
            assert screen.matching == count(store, f, TODAY)
        await press(pilot, "x")
        assert screen.filter == ProblemFilter(states=PENDING)

        # sorted by deadline, then the other way
        await press(pilot, "s")
        assert shown_keys(screen) == db_ids(store, ProblemFilter(states=PENDING))[::-1]
        assert "latest first" in text_of(screen.query_one("#problems-filters", Label))
        await press(pilot, "s")

        # free text: Enter searches at once (typing searches after a pause)
        await press(pilot, "slash")
        await type_text(pilot, "朱永紅")
        await press(pilot, "enter")
        assert screen.filter.text == "朱永紅"
        assert len(shown_keys(screen)) == 3
        assert isinstance(app.focused, Table)
        screen.query_one("#problems-text", Input).value = ""
        await press(pilot, "slash", "enter")
        assert len(shown_keys(screen)) == 5

        # overdue rows stand out: a coloured mark, the deadline in the warning colour
        table = screen.query_one("#problems", Table)
        first = table.get_row_at(0)
        assert first[0].style and "on " in str(first[0].style)


async def test_filter_dialog_unit_inspection_severity_indicator(store: Store) -> None:
    app = InspectApp(store=store, lang="en")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await press(pilot, "p", "a")
        screen = app.screen
        assert isinstance(screen, ProblemsScreen)
        await press(pilot, "f")
        dialog = app.screen
        assert isinstance(dialog, FilterDialog)
        await type_text(pilot, "nosuchunit")
        await press(pilot, "ctrl+s")
        assert "No unit matches" in field_error(dialog, "unit-field")
        dialog.query_one("#unit", Input).value = ""
        await type_text(pilot, "KFZX")
        await press(pilot, "enter")  # looked up: the hint names it, its inspections offered
        assert "KFZX" in str(dialog.query_one("#unit-field .field-hint", Label).render())
        await press(pilot, "ctrl+s")
        assert app.screen is screen
        kfzx = str(store.scalar("SELECT id FROM units WHERE code = 'KFZX'"))
        assert screen.filter == ProblemFilter(unit_id=kfzx)
        assert len(shown_keys(screen)) == 3
        assert "Unit: " in text_of(screen.query_one("#problems-filters", Label))

        await press(pilot, "f")
        dialog = app.screen
        assert isinstance(dialog, FilterDialog)
        dialog.query_one("#severity").value = "serious"  # type: ignore[attr-defined]
        dialog.query_one("#indicator", Input).value = "B2"
        await press(pilot, "ctrl+s")
        assert screen.filter.severity is not None and screen.filter.indicator_code == "B2"
        assert [screen.rows[k].description for k in shown_keys(screen)] == [
            "發展對象公示期不足七天"
        ]

        await press(pilot, "f")
        dialog = app.screen
        assert isinstance(dialog, FilterDialog)
        dialog.query_one("#severity").value = "any"  # type: ignore[attr-defined]
        dialog.query_one("#indicator", Input).value = ""
        inspection = str(
            store.scalar(
                "SELECT inspection_id FROM problems WHERE description = '三名黨員承諾未公開'"
            )
        )
        dialog.query_one("#inspection").value = inspection  # type: ignore[attr-defined]
        await press(pilot, "ctrl+s")
        assert screen.filter.inspection_id == inspection
        assert len(shown_keys(screen)) == 3
        assert "Inspection: 2026-02-10" in text_of(screen.query_one("#problems-filters", Label))


async def test_pages_are_read_as_the_cursor_reaches_the_end(store: Store) -> None:
    kf = str(store.scalar("SELECT id FROM units WHERE code = 'KFZX'"))
    for n in range(230):
        problems.add_problem(
            store,
            unit=kf,
            description=f"批量問題 {n:03d}",
            deadline=dt.date(2026, 4, 1) + dt.timedelta(days=n % 40),
        )
    app = InspectApp(store=store, lang="en")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await press(pilot, "p")
        screen = app.screen
        assert isinstance(screen, ProblemsScreen)
        table = screen.query_one("#problems", Table)
        assert table.row_count == 100
        assert "100 of 235 shown" in text_of(screen.query_one("#problems-status", Static))
        await press(pilot, "ctrl+end")
        assert table.row_count == 200
        await press(pilot, "ctrl+end")
        assert table.row_count == 235
        assert shown_keys(screen) == db_ids(store, ProblemFilter(states=PENDING))


async def test_export_the_list_as_filtered(store: Store, tmp_path: Path) -> None:
    app = InspectApp(store=store, lang="zh-Hant")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await press(pilot, "p", "o")  # overdue only
        screen = app.screen
        assert isinstance(screen, ProblemsScreen)
        await press(pilot, "e")
        dialog = app.screen
        assert isinstance(dialog, ExportDialog)
        assert dialog.query_one("#out", Input).value == "整改台賬-2026-03-16.xlsx"
        dialog.query_one("#out", Input).value = "台賬.txt"
        await press(pilot, "enter")
        assert "xlsx" in field_error(dialog, "out-field")
        dialog.query_one("#out", Input).value = "missing/台賬.csv"
        await press(pilot, "enter")
        assert field_error(dialog, "out-field")  # the folder does not exist
        dialog.query_one("#out", Input).value = "台賬.csv"
        await press(pilot, "enter")
        assert app.screen is screen
    out = tmp_path / "台賬.csv"
    assert out.read_bytes().startswith(b"\xef\xbb\xbf")
    with out.open(encoding="utf-8-sig", newline="") as fh:
        got = list(csv.DictReader(fh))
    expected = db_ids(store, ProblemFilter(overdue=True))
    assert [r["問題編號"] for r in got] == expected
    assert {r["問題描述"] for r in got} == {OVERDUE, OPEN}
    assert [int(r["逾期天數"]) for r in got] == [16, 6]


async def test_export_asks_before_replacing_a_file(store: Store, tmp_path: Path) -> None:
    (tmp_path / "ledger.xlsx").write_bytes(b"old")
    app = InspectApp(store=store, lang="en")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await press(pilot, "p", "e")
        dialog = app.screen
        assert isinstance(dialog, ExportDialog)
        dialog.query_one("#out", Input).value = "ledger.xlsx"
        await press(pilot, "enter")
        assert "exists" in field_error(dialog, "out-field")
        assert (tmp_path / "ledger.xlsx").read_bytes() == b"old"
        await press(pilot, "ctrl+s")
        assert app.screen is not dialog
    import openpyxl

    sheet = openpyxl.load_workbook(tmp_path / "ledger.xlsx").active
    assert sheet is not None and sheet.max_row == 1 + 5  # header and the five not closed


# ---------------------------------------------------------------------- per unit, re-inspection


async def test_unit_view_from_the_units_list(store: Store) -> None:
    app = InspectApp(store=store, lang="en")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await press(pilot, "u", "S", "D", "C", "down")
        assert isinstance(app.screen, UnitsScreen)
        await press(pilot, "v")
        screen = app.screen
        assert isinstance(screen, UnitProblemsScreen)
        figures = text_of(screen.query_one("#unit-figures", Static))
        # SDC: one open (overdue), one closed on time; due: both → rate 50%
        assert "Open 1 · closed 1 · overdue 1" in figures
        assert "rectification rate 50.0%" in figures and "(closed on time 1 / due 2)" in figures
        assert "average 29 days to close" in figures
        assert {screen.rows[k].state.value for k in shown_keys(screen)} == {"open", "closed"}
        await press(pilot, "1")
        assert len(shown_keys(screen)) == 1
        await press(pilot, "x")  # back to the unit's problems, never to every unit's
        assert len(shown_keys(screen)) == 2


async def test_reinspection_lists_the_units_open_problems(store: Store) -> None:
    inspection = start_reinspection(store, "KFZX")
    pid = problem_id(store, "三名黨員承諾未公開")
    problems.record_rectification(store, pid, description="已公開", done_on=TODAY)
    problems.submit_for_verification(store, pid)
    app = InspectApp(store=store, lang="en")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        app.open_inspection(inspection)
        await settle(pilot)
        sheet = app.screen
        assert isinstance(sheet, ChecklistScreen)
        assert sheet.check_action("verify_problems", ()) is True
        await press(pilot, "v")
        screen = app.screen
        assert isinstance(screen, ReinspectionScreen)
        assert sorted(screen.rows[k].description for k in shown_keys(screen)) == sorted(
            ["三名黨員承諾未公開", "發展對象公示期不足七天", "黨員活動室制度牌未更新"]
        )
        table = screen.query_one("#problems", Table)
        table.move_cursor(row=shown_keys(screen).index(pid))
        await press(pilot, "enter")
        page = app.screen
        assert isinstance(page, ProblemScreen)
        await press(pilot, "c")
        await press(pilot, "tab", "tab")
        await type_text(pilot, "復查現場核實")
        await press(pilot, "ctrl+s")
        assert rows(store.path, "SELECT state FROM problems WHERE id = ?", (pid,)) == [("closed",)]
        await press(pilot, "escape")
        assert app.screen is screen
        assert pid not in shown_keys(screen) and len(shown_keys(screen)) == 2


async def test_the_page_lists_the_notices_that_listed_the_problem(
    store: Store, tmp_path: Path
) -> None:
    from inspect_tui.services import notices

    out = tmp_path / "notices"
    out.mkdir()
    issued = notices.issue_notice(store, "JG1", out_dir=out)
    app = InspectApp(store=store, lang="en")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        app.open_problem(problem_id(store, OVERDUE))
        await settle(pilot)
        page = app.screen
        assert isinstance(page, ProblemScreen)
        assert "(1)" in text_of(page.query_one("#pv-notices-title", Label))
        row = [str(c) for c in page.query_one("#pv-notices", Table).get_row_at(0)]
        assert row == [issued.serial, TODAY.isoformat(), "–"]


async def test_every_new_binding_has_an_id_and_a_description() -> None:
    from inspect_tui.tui.screens import attach, ledger_export, problem_actions, problem_filter

    classes = [
        ProblemsScreen,
        UnitProblemsScreen,
        ReinspectionScreen,
        ProblemScreen,
        problem_actions.RectifyDialog,
        problem_actions.CloseDialog,
        attach.AttachDialog,
        ledger_export.ExportDialog,
        problem_filter.FilterDialog,
    ]
    for cls in classes:
        for base in cls.__mro__:
            for binding in base.__dict__.get("BINDINGS", []):
                if base.__module__.startswith("inspect_tui"):
                    assert binding.id and binding.description.startswith("key."), (cls, binding)


# ---------------------------------------------------------------------- snapshots


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("size", SIZES)
def test_problems_screen_snapshot(
    snap_compare: Callable[..., bool],
    make_app: Callable[[str], InspectApp],
    lang: str,
    size: tuple[int, int],
) -> None:
    # every state, so the three colours and a closed row all show
    assert snap_compare(make_app(lang), terminal_size=size, run_before=steps("p", "a"))


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("size", SIZES)
def test_problem_page_snapshot(
    snap_compare: Callable[..., bool],
    make_app: Callable[[str], InspectApp],
    lang: str,
    size: tuple[int, int],
) -> None:
    # the overdue problem being rectified: facts, legal keys, rectification, history
    assert snap_compare(make_app(lang), terminal_size=size, run_before=steps("p", "enter"))
