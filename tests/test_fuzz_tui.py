"""Fuzzing the TUI's free-text fields (issue 8): any text a person can type or paste — all
of Unicode, CJK Extension B, emoji joined with ZWJ, right-to-left marks, NUL and escape,
markup, 100,000 characters — goes into the real app under Pilot as a person puts it there:
typed key by key when it is short and can be typed, else as a terminal paste. Nothing
crashes; each text is saved exactly as the field holds it (read back from the SQLite file)
or refused with a message under the field that names the field and what is wrong, with
nothing saved; the screens that show it show it literally (``[/b]`` stays ``[/b]``).

What a field holds is what the terminal widgets make of the input, and that is asserted
too: a paste loses the escape sequences and control characters a terminal would act on
(drawn raw, they garbled the screen); a single-line field keeps a paste's lines joined
by spaces; a multi-line field
(TextArea) stores each line break as ``\\n``. Dialogs drop the spaces around a text; the remark is kept
as typed. A terminal decodes UTF-8, so no lone surrogate is sent (the services refuse them:
``test_fuzz.py``).

Each test is one app session (Pilot) per Hypothesis example: the explicit EXAMPLES below,
then a list drawn from test_fuzz.py's text strategy (derandomised: see conftest), go through
its fields one after the other. Opening a dialog costs a Textual screen, so a refused text
stays in its dialog and the next one goes into the same dialog, as a person corrects a field.
Notifications are switched on (``run_test`` leaves them off), so toasts are drawn too.
"""

from __future__ import annotations

import asyncio
import json
import re
import unicodedata
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path

import pytest
import yaml
from fuzz_support import TEXT
from hypothesis import HealthCheck, Phase, assume, given, settings
from hypothesis import strategies as st
from textual import events
from textual.geometry import Region
from textual.keys import _character_to_key
from textual.pilot import Pilot
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Input, Static, TextArea
from tui_support import TODAY, build_db, copy_db, in_progress_id, press, rows, settle

from inspect_tui.errors import InvalidInput
from inspect_tui.i18n import t
from inspect_tui.locations import settings_file
from inspect_tui.rules import clean_text, parse_date
from inspect_tui.services import overview, problems
from inspect_tui.text import unstorable
from inspect_tui.tui.app import InspectApp
from inspect_tui.tui.screens.checklist import ChecklistScreen
from inspect_tui.tui.screens.problem import ProblemDialog, check_deadline
from inspect_tui.tui.screens.problem_actions import (
    CloseDialog,
    ExtendDialog,
    RectifyDialog,
    RejectDialog,
    split_references,
)
from inspect_tui.tui.screens.problem_view import ProblemScreen
from inspect_tui.tui.screens.problems import ProblemsScreen
from inspect_tui.tui.screens.units import UnitsScreen
from inspect_tui.tui.screens.user import NAME_LIMIT, UserDialog
from inspect_tui.tui.screens.value import RemarkDialog
from inspect_tui.tui.widgets import Field, Table

SIZE = (80, 24)
LIMIT = problems.TEXT_LIMIT

# 100,000 characters of the awkward kinds, in words: a whole document pasted.
LONG = ("黨支部 𠀀😀 [/b] <b>&amp; \u200fמשפט " * 4000)[:100_000]
# The refused first: they go through one dialog, corrected one after the other.
EXAMPLES = [
    "記錄\x00缺失 \x1b[31m紅色\x1b[0m",  # NUL and escape
    LONG,
    " ",  # blank: refused where a text is required, kept as typed in the remark
    "整改 𠀀𪚥 👨‍👩‍👧‍👦 🏳️‍🌈 \u200fשלום\u200f",  # CJK Extension B, ZWJ emoji, RTL marks
    "[bold red]x [/b] <b>&amp;",  # markup, typed
]
# Drawn: the texts of test_fuzz.py (all of Unicode, weighted to the awkward), as a terminal
# can send them: no lone surrogates. (The 100,000 characters are LONG, in EXAMPLES.)
TUI_TEXT = TEXT.map(lambda s: "".join(c for c in s if not 0xD800 <= ord(c) <= 0xDFFF))
TEXTS = st.lists(TUI_TEXT, min_size=1, max_size=2)
# One app session per test puts the EXAMPLES and one drawn list through the field. Without
# shrinking: each run is a whole session, and the failing texts are printed as they are.
FUZZ_TUI = settings(
    max_examples=1,
    deadline=None,
    phases=[Phase.generate],
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
    ],
)


def with_examples(texts: list[str]) -> list[str]:
    """EXAMPLES, then the drawn texts — unless they are Hypothesis's first example, the
    simplest ([""]): that one is skipped, so the one example run is a drawn one (the
    blank is in EXAMPLES)."""
    assume(any(texts))
    return EXAMPLES + texts


SUBMITTED = 6  # submitted problems in the template: one per text saved by reject or close


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The seeded database, with problems for the actions: submitted ones to reject and to
    close, and an open one to rectify and extend again and again."""
    path = tmp_path_factory.mktemp("fuzz-tui") / "template.db"
    store = build_db(path)
    for kind in ("reject", "close"):
        for i in range(SUBMITTED):
            problem = problems.add_problem(
                store, unit="SDC", description=f"fuzz-{kind}-{i}", deadline=TODAY
            )
            problems.record_rectification(store, problem.id, description="已整改", done_on=TODAY)
            problems.submit_for_verification(store, problem.id)
    problems.add_problem(store, unit="SDC", description="fuzz-rectify", deadline=TODAY)
    store.close()
    return path


def run_app(
    template: Path,
    tmp_path_factory: pytest.TempPathFactory,
    session: Callable[[Pilot[None], InspectApp], Awaitable[None]],
    **options: bool,
) -> None:
    """``session`` in the app, on a fresh copy of the template."""
    store = copy_db(template, tmp_path_factory.mktemp("case") / "f.db")

    async def go() -> None:
        app = InspectApp(store=store, lang="en", **options)
        async with app.run_test(size=SIZE, notifications=True) as pilot:
            await settle(pilot)
            await session(pilot, app)

    try:
        asyncio.run(go())
    finally:
        store.close()


# ---------------------------------------------------------------------- typing and pasting


def typeable(text: str) -> bool:
    """Short text of printable characters is typed; anything else is pasted (a control
    character typed is a key — Escape, Enter — not text)."""
    return 0 < len(text) <= 40 and text.isprintable()


_LINE_BREAK = re.compile(r"\r\n|[\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]")


# what a terminal would act on is dropped from a paste: escape sequences (ECMA-48
# control sequences, OSC strings, two-byte escapes) and the other control characters,
# except tab and line breaks
_ESCAPES = re.compile(r"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)?|[@-Z\\-_])")
_BREAKS = set("\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029")


def drawable(text: str) -> str:
    return "".join(
        c
        for c in _ESCAPES.sub("", text)
        if unicodedata.category(c) != "Cc" or c == "\t" or c in _BREAKS
    )


def held(text: str, widget: Widget) -> str:
    """What a field holds once ``text`` is typed or pasted into it (empty before)."""
    if typeable(text):
        return text
    text = drawable(text)
    if isinstance(widget, TextArea):
        return "\n".join(_LINE_BREAK.split(text))  # each line break becomes "\n"
    return " ".join(line for line in text.splitlines() if line)  # one line: lines joined


def value_of(widget: Widget) -> str:
    return widget.text if isinstance(widget, TextArea) else widget.value  # type: ignore[attr-defined,no-any-return]


def put(pilot: Pilot[None], widget: Widget, text: str) -> None:
    """Empty the field ``widget``, then send ``text`` to it as a person would: the app
    handles its messages in order, so the focus moves before the keys arrive."""
    widget.clear()  # type: ignore[attr-defined]
    widget.focus()
    if typeable(text):
        for char in text:
            key = "space" if char == " " else _character_to_key(char)
            pilot.app.post_message(events.Key(key, char))
    else:
        pilot.app.post_message(events.Paste(text))  # bracketed paste: to the focused field


async def enter(pilot: Pilot[None], widget: Widget, text: str) -> str:
    """``text`` put into the field ``widget``; what the field holds then."""
    put(pilot, widget, text)
    await settle(pilot)
    value = value_of(widget)
    assert value == held(text, widget)
    return value


async def fill(
    pilot: Pilot[None], dialog: Screen[object], fields: dict[str, str]
) -> dict[str, str]:
    """Each field gets its text (unless it holds it already); what they hold then."""
    widgets = {name: dialog.query_one(f"#{name}") for name in fields}
    for name, text in fields.items():
        if value_of(widgets[name]) != held(text, widgets[name]):
            put(pilot, widgets[name], text)
    await settle(pilot)
    values = {name: value_of(widget) for name, widget in widgets.items()}
    assert values == {name: held(text, widgets[name]) for name, text in fields.items()}
    return values


Rule = tuple[str, int, bool]  # the field's name (message key), its limit, required


def refusal(rule: Rule, value: str) -> str | None:
    """The message a field must show for ``value`` (blank when required, too long, a
    control character), or None when the value is to be saved."""
    name, limit, required = rule
    try:
        clean_text(t(name), value, limit=limit, required=required)
    except InvalidInput as error:
        assert t(name) in error.message  # it names the field
        return error.message
    assert not (required and not value.strip()) and len(value) <= limit
    assert unstorable(value) is None
    return None


def refusals(rules: dict[str, Rule], values: dict[str, str]) -> dict[str, str | None]:
    return {name: refusal(rule, values[name]) for name, rule in rules.items()}


def field_error(screen: Widget, field_id: str) -> str:
    field = screen.query_one(f"#{field_id}", Field)
    return str(field.error.render()) if field.error.has_class("-visible") else ""


def says_why(dialog: Screen[object], refused: dict[str, str | None]) -> None:
    """Each refused field shows its message under it, literally; the others none."""
    for name, message in refused.items():
        assert field_error(dialog, f"{name}-field") == (message or "")
        if message:
            shown = drawn(dialog.query_one(f"#{name}-field", Field).error)
            assert squashed(message) == squashed(shown)


def drawn(widget: Widget) -> str:
    """What ``widget`` draws in the terminal, its lines joined."""
    width, height = widget.size
    return "".join(line.text for line in widget.render_lines(Region(0, 0, width, height)))


def squashed(text: str) -> str:
    """Text without its whitespace (lines wrap on screen where spaces were)."""
    return "".join(text.split())


def plain(cell: object) -> str:
    return getattr(cell, "plain", str(cell))


def ids(path: Path, table: str) -> set[str]:
    return {str(r[0]) for r in rows(path, f"SELECT id FROM {table}")}


# ---------------------------------------------------------------------- the problem form

DESCRIPTION: Rule = ("field.description", LIMIT, True)
PROBLEM_RULES: dict[str, Rule] = {
    "description": DESCRIPTION,
    "requirement": ("field.requirement", LIMIT, False),
    "responsible": ("field.responsible", 200, False),
}


async def problem_form(pilot: Pilot[None], app: InspectApp, texts: list[str]) -> None:
    """``p`` on the checklist: first each text as the deadline (a date it is not: said as
    it is typed), then description, requirement and responsible person all get the text."""
    path = app.store.path
    app.open_inspection(in_progress_id(app.store))
    await settle(pilot)
    sheet = app.screen
    assert isinstance(sheet, ChecklistScreen) and sheet.sheet is not None
    await press(pilot, "p")
    dialog: Screen[object] | None = app.screen
    assert isinstance(dialog, ProblemDialog)
    for text in texts:
        deadline = await enter(pilot, dialog.query_one("#deadline", Input), text)
        message = field_error(dialog, "deadline-field")
        try:
            check_deadline(deadline, app.today(), sheet.sheet.inspection.date)
        except InvalidInput as error:
            assert message == ("" if not deadline.strip() else error.message)
            assert len(message) < 200  # the reason in sight, not lost after the text
        else:
            assert message == ""
    await enter(pilot, dialog.query_one("#deadline", Input), "+30")

    saved: list[tuple[str, str]] = []
    for text in texts:
        if dialog is None:
            await press(pilot, "p")
            dialog = app.screen
            assert isinstance(dialog, ProblemDialog)
            await enter(pilot, dialog.query_one("#deadline", Input), "+30")
        before = ids(path, "problems")
        values = await fill(pilot, dialog, dict.fromkeys(PROBLEM_RULES, text))
        await press(pilot, "ctrl+s")
        refused = refusals(PROBLEM_RULES, values)
        if any(refused.values()):
            assert app.screen is dialog and ids(path, "problems") == before  # nothing saved
            says_why(dialog, refused)
            continue
        dialog = None
        assert app.screen is sheet
        [new] = ids(path, "problems") - before
        stored = rows(
            path, "SELECT description, requirement, responsible FROM problems WHERE id = ?", (new,)
        )[0]
        assert stored == tuple(values[name].strip() for name in PROBLEM_RULES)
        await shown_on_the_problem_page(pilot, app, new, *stored)
        saved.append((new, stored[0]))
    if dialog is not None:
        await press(pilot, "escape")
    await found_in_the_problems_list(pilot, app, saved)


async def shown_on_the_problem_page(
    pilot: Pilot[None], app: InspectApp, problem_id: str, *texts: str
) -> None:
    """The problem's page shows its texts literally (markup stays as typed)."""
    app.open_problem(problem_id)
    await settle(pilot)
    page = app.screen
    assert isinstance(page, ProblemScreen) and page.page is not None
    description, requirement, responsible = texts
    title = page.query_one("#pv-description", Static)
    assert str(title.render()) == description
    assert squashed(description) in squashed(drawn(title))
    facts = str(page.query_one("#pv-facts", Static).render())
    assert requirement in facts and responsible in facts
    await press(pilot, "escape")


async def found_in_the_problems_list(
    pilot: Pilot[None], app: InspectApp, saved: list[tuple[str, str]]
) -> None:
    """The problems list's search finds each problem saved by its description, the line
    showing the start of the text literally."""
    app.go_problems()
    await settle(pilot)
    listing = app.screen
    assert isinstance(listing, ProblemsScreen)
    search = listing.query_one("#problems-text", Input)
    table = listing.query_one("#problems", Table)
    for problem_id, description in saved:
        typed = await enter(pilot, search, description)
        await press(pilot, "enter")
        assert listing.shown is not None and listing.shown[0].text == typed.strip()
        shown = [
            str(table.coordinate_to_cell_key((r, 0)).row_key.value) for r in range(table.row_count)
        ]
        assert problem_id in shown
        code = listing.rows[problem_id].indicator_code
        start = squashed(plain(table.get_row(problem_id)[2]).rstrip("…"))
        assert start and squashed((f"{code} " if code else "") + description).startswith(start)
    await press(pilot, "escape")


# ---------------------------------------------------------------------- the remark


async def remarks(pilot: Pilot[None], app: InspectApp, texts: list[str]) -> None:
    """``n`` on an answered item: the remark is saved exactly as typed (spaces too)."""
    path = app.store.path
    inspection = in_progress_id(app.store)
    app.open_inspection(inspection)
    await settle(pilot)
    sheet = app.screen
    assert isinstance(sheet, ChecklistScreen)
    await press(pilot, "k")  # the last item answered
    ind = sheet.current
    assert ind is not None and ind.id in sheet.answers
    sql = "SELECT remark FROM answers WHERE inspection_id = ? AND indicator_id = ?"
    dialog: Screen[object] | None = None
    for text in texts:
        before = rows(path, sql, (inspection, ind.id))
        if dialog is None:
            await press(pilot, "n")
            dialog = app.screen
            assert isinstance(dialog, RemarkDialog)
        value = await enter(pilot, dialog.query_one("#remark", Input), text)
        await press(pilot, "enter")
        message = refusal(("field.remark", LIMIT, False), value)
        if message:
            assert app.screen is dialog and rows(path, sql, (inspection, ind.id)) == before
            says_why(dialog, {"remark": message})
            continue
        dialog = None
        assert app.screen is sheet
        assert rows(path, sql, (inspection, ind.id)) == [(value,)]
        assert sheet.answers[ind.id].remark == value
        if value.strip():  # the item's detail shows it (its start: the panel is small)
            detail = "".join(drawn(w) for w in sheet.query(Static) if w.display)
            assert squashed(value)[:20] in squashed(detail)
    if dialog is not None:
        await press(pilot, "escape")


# ---------------------------------------------------------------------- a problem's actions

REASON: Rule = ("field.reason", LIMIT, True)


def problem_of(path: Path, description: str) -> str:
    return str(rows(path, "SELECT id FROM problems WHERE description = ?", (description,))[0][0])


def last_event(path: Path, problem_id: str) -> tuple[str, str]:
    found = rows(
        path,
        "SELECT action, note FROM problem_events WHERE problem_id = ? "
        "ORDER BY at DESC, rowid DESC LIMIT 1",
        (problem_id,),
    )
    return found[0]  # type: ignore[return-value]


async def open_page(pilot: Pilot[None], app: InspectApp, problem_id: str) -> ProblemScreen:
    app.open_problem(problem_id)
    await settle(pilot)
    page = app.screen
    assert isinstance(page, ProblemScreen) and page.page is not None
    return page


def in_history(page: ProblemScreen, note: str) -> None:
    """The page, read again, lists the note in its history, literally."""
    table = page.query_one("#pv-history", Table)
    assert note in [plain(table.get_row_at(r)[-1]) for r in range(table.row_count)]


async def through_dialog(
    pilot: Pilot[None],
    key: str,
    dialog_type: type[Screen[object]],
    texts: list[str],
    fields: Callable[[int, str], dict[str, str]],  # (texts saved so far, text) → fields
    rules: dict[str, Rule],
    page_for: Callable[[], Awaitable[ProblemScreen]],
    saved: Callable[[ProblemScreen, dict[str, str]], None],
    *,
    moves_on: bool = False,
) -> None:
    """Each text through the dialog of ``key`` on a problem's page: refused, each field
    says why, nothing is saved and the next text goes into the same dialog; saved,
    ``saved`` checks the file and the page, and the next text gets a new dialog (on the
    next ``page_for()`` when saving ``moves_on`` the problem's state)."""
    app = pilot.app
    page: ProblemScreen | None = None
    dialog: Screen[object] | None = None
    saves = 0
    for text in texts:
        if page is None:
            page = await page_for()
        if dialog is None:
            await press(pilot, key)
            dialog = app.screen
            assert isinstance(dialog, dialog_type)
        before = rows(app.store.path, "SELECT count(*) FROM problem_events")
        values = await fill(pilot, dialog, fields(saves, text))
        await press(pilot, "ctrl+s")
        refused = refusals(rules, values)
        if any(refused.values()) or app.screen is dialog:
            assert app.screen is dialog
            says_why(dialog, refused)
            if not any(refused.values()):  # refused by the service: said under the fields
                assert str(dialog.query_one("#dialog-error").render()).strip()
            assert rows(app.store.path, "SELECT count(*) FROM problem_events") == before
            continue
        assert app.screen is page
        dialog = None
        saves += 1
        await settle(pilot)
        saved(page, values)
        if moves_on:  # the problem's state moved on: the next text gets the next problem
            await press(pilot, "escape")
            page = None
    if dialog is not None:
        await press(pilot, "escape")
    if page is not None and moves_on:
        await press(pilot, "escape")


async def problem_actions(pilot: Pilot[None], app: InspectApp, texts: list[str]) -> None:
    """Reject (reason), close (note, reason), record a rectification (what was done, its
    references), extend the deadline (reason). The four dialogs check their fields alike
    (``ProblemActionDialog.text_of``): each text goes through two of them, alternately
    reject and rectify or close and extend, so each dialog gets refused and saved texts."""
    path = app.store.path

    def submitted(kind: str) -> Callable[[], Awaitable[ProblemScreen]]:
        pool: Iterator[str] = (problem_of(path, f"fuzz-{kind}-{i}") for i in range(SUBMITTED))
        return lambda: open_page(pilot, app, next(pool))

    def rejected(page: ProblemScreen, values: dict[str, str]) -> None:
        reason = values["reason"].strip()
        assert last_event(path, page.problem_id) == ("reject", reason)
        in_history(page, reason)

    await through_dialog(
        pilot,
        "x",
        RejectDialog,
        texts[0::2],
        lambda n, text: {"reason": text},
        {"reason": REASON},
        submitted("reject"),
        rejected,
        moves_on=True,
    )

    def closed(page: ProblemScreen, values: dict[str, str]) -> None:
        without = t("label.closed_without_evidence")
        note = f"{values['note'].strip()}\n[{without}] {values['reason'].strip()}".strip()
        assert last_event(path, page.problem_id) == ("close", note)
        in_history(page, note)

    await through_dialog(
        pilot,
        "c",
        CloseDialog,
        texts[1::2],
        lambda n, text: {"note": text, "reason": text},
        {"note": ("field.note", LIMIT, False), "reason": REASON},
        submitted("close"),
        closed,
        moves_on=True,
    )

    # one open problem: rectified again and again, its deadline extended again and again
    page = await open_page(pilot, app, problem_of(path, "fuzz-rectify"))

    async def same_page() -> ProblemScreen:
        return page

    def rectified(page: ProblemScreen, values: dict[str, str]) -> None:
        what, refs = values["what"].strip(), split_references(values["refs"])
        [(description, evidence)] = rows(
            path,
            "SELECT description, evidence FROM rectifications WHERE problem_id = ? "
            "ORDER BY created_at DESC, rowid DESC LIMIT 1",
            (page.problem_id,),
        )
        assert (description, json.loads(str(evidence))) == (what, refs)
        table = page.query_one("#pv-rectifications", Table)
        lines = [[plain(c) for c in table.get_row_at(r)] for r in range(table.row_count)]
        assert any(what in line and "; ".join(refs) in line for line in lines)

    await through_dialog(
        pilot,
        "r",
        RectifyDialog,
        texts[0::2],
        lambda n, text: {"what": text, "refs": text},
        {
            "what": ("field.description", LIMIT, True),
            "refs": ("field.references", LIMIT, False),
        },
        same_page,
        rectified,
    )

    def extended(page: ProblemScreen, values: dict[str, str]) -> None:
        reason = values["reason"].strip()
        assert last_event(path, page.problem_id) == ("extend", reason)
        in_history(page, reason)

    await through_dialog(
        pilot,
        "d",
        ExtendDialog,
        texts[1::2],
        lambda saves, text: {"deadline": f"+{365 + saves}", "reason": text},  # later each time
        {"reason": REASON},
        same_page,
        extended,
    )


# ---------------------------------------------------------------------- the filters


async def filters(pilot: Pilot[None], app: InspectApp, texts: list[str]) -> None:
    """The units filter and the problems list's search take any text: the list shows
    what matches, or nothing — never an error."""
    app.go_units()
    await settle(pilot)
    units = app.screen
    assert isinstance(units, UnitsScreen)
    table = units.query_one("#units", Table)
    for text in texts:
        value = await enter(pilot, units.query_one("#filter", Input), text)
        assert units.shown_filter == value
        expected = app.db.submit(overview.filter_units, value, limit=100).result().rows
        assert [
            table.coordinate_to_cell_key((r, 0)).row_key.value for r in range(table.row_count)
        ] == [line.id for line in expected]
    await press(pilot, "escape")

    app.go_problems()
    await settle(pilot)
    listing = app.screen
    assert isinstance(listing, ProblemsScreen)
    table = listing.query_one("#problems", Table)
    for text in texts:
        value = await enter(pilot, listing.query_one("#problems-text", Input), text)
        await press(pilot, "enter")
        assert listing.shown is not None and listing.shown[0].text == value.strip()
        assert table.row_count == len(listing.rows)
    assert not app._notifications  # no error was reported


# ---------------------------------------------------------------------- every field above


@pytest.mark.parametrize(
    "session",
    [problem_form, remarks, problem_actions, filters],
    ids=["problem form", "remark", "problem actions", "filters"],
)
@FUZZ_TUI
@given(texts=TEXTS)
def test_each_field_keeps_any_text_exactly_or_says_why_not(
    template: Path,
    tmp_path_factory: pytest.TempPathFactory,
    session: Callable[[Pilot[None], InspectApp, list[str]], Awaitable[None]],
    texts: list[str],
) -> None:
    """One app session per example through the fields of ``session`` (each described
    above): the explicit examples, then the drawn texts."""
    texts = with_examples(texts)
    run_app(template, tmp_path_factory, lambda pilot, app: session(pilot, app, texts))


def test_a_pasted_page_filters_the_units_instead_of_failing(
    template: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """Bugs: a units filter of more than ~1,000 words (a paragraph pasted into the filter,
    or into the command palette) made one SQL expression too deep for SQLite, and a word of
    more than 50,000 bytes (a pasted text without spaces) a LIKE pattern too long: a
    database error instead of a list, each time."""

    async def session(pilot: Pilot[None], app: InspectApp) -> None:
        app.go_units()
        await settle(pilot)
        units = app.screen
        assert isinstance(units, UnitsScreen)
        both = len(app.db.submit(overview.filter_units, "j g").result().rows)
        assert both > 0
        for words, expected in (
            ("j g " * 1000, both),
            (" ".join(f"w{i}" for i in range(2000)), 0),
            ("字" * 100_000, 0),
        ):
            await enter(pilot, units.query_one("#filter", Input), words)
            assert units.shown_filter == words
            assert units.query_one("#units", Table).row_count == expected
        assert not app._notifications  # no error reported

    run_app(template, tmp_path_factory, session)


# ---------------------------------------------------------------------- bugs found


def test_markup_quoted_in_a_fields_message_no_longer_crashes_the_dialog(
    template: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """Bug: a field's inline message was read as markup, and messages quote what was
    typed: the deadline ``[/b]`` ("'[/b]' is not a date") crashed the app."""

    async def session(pilot: Pilot[None], app: InspectApp) -> None:
        app.open_inspection(in_progress_id(app.store))
        await settle(pilot)
        await press(pilot, "p")
        dialog = app.screen
        assert isinstance(dialog, ProblemDialog)
        await enter(pilot, dialog.query_one("#deadline", Input), "[/b][red]")
        message = field_error(dialog, "deadline-field")
        assert message.startswith("'[/b][red]' is not a date")
        assert "'[/b][red]' is not a date" in drawn(
            dialog.query_one("#deadline-field", Field).error
        )

    run_app(template, tmp_path_factory, session)


def test_a_page_pasted_as_a_date_is_refused_with_the_reason_in_sight() -> None:
    """Bug: the message quoted all of a wrong date, so after a pasted page the reason
    ("is not a date: use …") came 100,000 characters later, out of sight."""
    with pytest.raises(InvalidInput) as refused:
        parse_date(LONG, TODAY)
    assert len(refused.value.message) < 120
    assert refused.value.message.endswith("is not a date: use YYYY-MM-DD, MM-DD or +N days")
    assert refused.value.message.startswith("'黨支部 𠀀😀 [/b]")


# ---------------------------------------------------------------------- the user's name


async def user_names(pilot: Pilot[None], app: InspectApp, texts: list[str]) -> None:
    """The name asked for on the first start goes into settings.yaml and onto every change
    exactly (without the spaces around it), or the field says why not."""
    dialog: Screen[object] | None = app.screen
    for text in texts:
        if dialog is None:
            app.ask_for_user()
            await settle(pilot)
            dialog = app.screen
        assert isinstance(dialog, UserDialog)
        before = settings_file().read_bytes() if settings_file().exists() else None
        user = app.store.user
        value = await enter(pilot, dialog.query_one("#name", Input), text)
        await press(pilot, "enter")
        message = refusal(("field.user", NAME_LIMIT, True), value)
        if message:
            assert app.screen is dialog
            says_why(dialog, {"name": message})
            after = settings_file().read_bytes() if settings_file().exists() else None
            assert after == before and app.store.user == user
            continue
        dialog = None
        name = value.strip()
        assert yaml.safe_load(settings_file().read_text(encoding="utf-8")) == {"user": name}
        assert app.store.user == name
        await settle(pilot)  # the toast "Hello, …" shows the name literally
        assert any(squashed(name) in squashed(drawn(toast)) for toast in app.screen.query("Toast"))
    if dialog is not None:
        await press(pilot, "escape")


def test_markup_in_a_notification_no_longer_crashes_the_app(
    template: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """Bug: notifications were read as markup, and they quote names, units, files and
    refused input: the name ``[/b]`` ("Hello, [/b]: saved in …") crashed the app."""

    async def session(pilot: Pilot[None], app: InspectApp) -> None:
        dialog = app.screen
        assert isinstance(dialog, UserDialog)
        await enter(pilot, dialog.query_one("#name", Input), "[/b]")
        await press(pilot, "enter")
        assert not isinstance(app.screen, UserDialog)
        await settle(pilot)
        assert any("Hello, [/b]" in drawn(toast) for toast in app.screen.query("Toast"))

    settings_file().unlink(missing_ok=True)
    run_app(template, tmp_path_factory, session, ask_user=True)


@FUZZ_TUI
@given(texts=TEXTS)
def test_the_user_name_is_kept_exactly_or_refused_with_a_reason(
    template: Path, tmp_path_factory: pytest.TempPathFactory, texts: list[str]
) -> None:
    texts = with_examples(texts)
    settings_file().unlink(missing_ok=True)
    run_app(
        template,
        tmp_path_factory,
        lambda pilot, app: user_names(pilot, app, texts),
        ask_user=True,
    )
