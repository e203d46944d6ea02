"""Problems: every problem, filtered by state, overdue, due soon, unit, severity,
indicator, inspection and free text; sorted by deadline; counts per quick filter; the
warning colours (blue due soon, yellow overdue, red long overdue or found again). Pages
of 100 are read as the cursor reaches the end: 200,000 problems are never loaded whole.

``e`` exports the list as filtered to a ledger (整改台賬). The per-unit view and the
re-inspection list are the same screen with the unit fixed.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from rich.cells import cell_len
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.timer import Timer
from textual.widgets import DataTable, Footer, Header, Input, Label, Static

from ...i18n import t
from ...models import ProblemState, Severity
from ...services.problem_list import (
    DUE_SOON_DAYS,
    LONG_OVERDUE_DAYS,
    PENDING,
    Page,
    ProblemFilter,
    ProblemRow,
    WarningLevel,
    warning,
)
from .. import tracking
from ..format import date, label, num
from ..text import clip, shown_path
from ..widgets import Table
from .base import BaseScreen, LoadFailed

PAGE = 100
TEXT_DELAY = 0.3  # seconds of quiet typing before the free text is searched
WIDE = 100  # from this width on, the severity and days columns are shown
SORTS = ("deadline", "-deadline")
STATE_KEYS = {"0": "pending", "1": "open", "2": "rectifying", "3": "submitted", "4": "closed"}


def warning_style(app: object, level: WarningLevel | None) -> str:
    """The theme's colour for a warning level (blue, yellow, red)."""
    if level is None:
        return ""
    variables: dict[str, str] = getattr(app, "theme_variables", {})
    colour = {
        WarningLevel.DUE_SOON: variables.get("primary", "blue"),
        WarningLevel.OVERDUE: variables.get("warning", "yellow"),
        WarningLevel.SERIOUS: variables.get("error", "red"),
    }[level]
    return f"bold {colour}" if level is WarningLevel.SERIOUS else colour


def warning_mark(app: object, level: WarningLevel | None) -> Text:
    """One cell in the warning colour (a block: no glyph whose width terminals disagree
    on); red also says ``!``."""
    if level is None:
        return Text(" ")
    colour = warning_style(app, level).replace("bold ", "")
    return Text("!" if level is WarningLevel.SERIOUS else " ", style=f"bold white on {colour}")


def due_text(row: ProblemRow, today: dt.date) -> str:
    """Days overdue, days left, or the closing date."""
    if row.state is ProblemState.CLOSED:
        return f"✓ {date(row.closed_on)}"
    if row.days_overdue:
        return t("common.days_overdue", days=row.days_overdue)
    left = (row.deadline - today).days
    return t("common.today") if left == 0 else t("common.days_left", days=left)


class ProblemsScreen(BaseScreen[None]):
    """Every problem; ``initial`` presets the filter."""

    AUTO_FOCUS = "#problems"
    TITLE_KEY = "plist.title"

    BINDINGS = [
        Binding("slash", "focus_text", "key.search", id="problems.search", key_display="/"),
        Binding("f", "filters", "key.filters", id="problems.filters"),
        Binding("s", "sort", "key.sort", id="problems.sort"),
        Binding("e", "export", "key.export", id="problems.export"),
        Binding("a", "state('')", "key.state_all", id="problems.all", show=False),
        Binding("0", "state('pending')", "key.state_pending", id="problems.pending", show=False),
        Binding("1", "state('open')", "key.state_open", id="problems.open", show=False),
        Binding(
            "2", "state('rectifying')", "key.state_rectifying", id="problems.rectifying", show=False
        ),
        Binding(
            "3", "state('submitted')", "key.state_submitted", id="problems.submitted", show=False
        ),
        Binding("4", "state('closed')", "key.state_closed", id="problems.closed", show=False),
        Binding("o", "overdue", "key.overdue", id="problems.overdue", show=False),
        Binding("d", "due", "key.due", id="problems.due", show=False),
        Binding("x", "clear", "key.clear_filters", id="problems.clear", show=False),
        Binding("down", "to_table", "key.next", id="problems.to_table", show=False),
    ]

    class ProblemsFound(Message):
        def __init__(self, f: ProblemFilter, sort: str, page: Page) -> None:
            super().__init__()
            self.filter = f
            self.sort = sort
            self.page = page

    class ProblemsCounted(Message):
        def __init__(self, f: ProblemFilter, counts: dict[str, int], matching: int) -> None:
            super().__init__()
            self.filter = f
            self.counts = counts
            self.matching = matching

    def __init__(
        self,
        initial: ProblemFilter | None = None,
        *,
        unit_name: str = "",
        inspection_label: str = "",
    ) -> None:
        super().__init__()
        self.filter = initial or self.base_filter()
        self.sort = "deadline"
        self.due_days = self.filter.due_within or DUE_SOON_DAYS
        self.unit_name = unit_name  # how the unit filter reads (its name)
        self.inspection_label = inspection_label
        self.rows: dict[str, ProblemRow] = {}
        self.counts: dict[str, int] | None = None
        self.matching: int | None = None
        self._more = False
        self._loading_more = False
        self._keep_cursor = False
        self._widths: dict[str, int] = {}
        self._wide: bool | None = None
        self._text_timer: Timer | None = None
        # what the table shows: (filter, sort) of the rows on screen, for tests and benches
        self.shown: tuple[ProblemFilter, str] | None = None

    # ------------------------------------------------------------------ layout

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False, icon="")
        yield from self.compose_head()
        yield Static("", id="problems-bar")
        yield Input(
            value=self.filter.text, placeholder=t("plist.search"), id="problems-text", compact=True
        )
        yield Label("", id="problems-filters", markup=False)
        yield Table(id="problems")
        yield Static("", id="problems-status")
        yield Footer()

    def compose_head(self) -> ComposeResult:
        """What a screen built on this one shows above the list."""
        return iter(())

    def on_mount(self) -> None:
        self.sub_title = self.title_text()
        self._show_bar()
        self._show_filters()
        self.reload()

    def title_text(self) -> str:
        return t(self.TITLE_KEY)

    def on_screen_resume(self) -> None:
        if self.shown is not None:
            self.reload(keep_cursor=True)  # a problem closed on its page moves on here

    def on_resize(self) -> None:
        self._show_bar()
        wide = self.size.width >= WIDE
        if self._wide is not None and (wide != self._wide or self.rows):
            self._show_rows(keep_cursor=True)

    # ------------------------------------------------------------------ loading

    def reload(self, *, keep_cursor: bool = False) -> None:
        self._keep_cursor = keep_cursor
        self.counts = None if not keep_cursor else self.counts
        self._load(self.filter, self.sort, 0, max(PAGE, len(self.rows)) if keep_cursor else PAGE)
        self._tally(self.filter)

    @work(thread=True, exclusive=True, group="problems-page")
    def _load(self, f: ProblemFilter, sort: str, offset: int, limit: int = PAGE) -> None:
        try:
            page = self.db.call(
                tracking.find, f, self.inspect_app.today(), sort=sort, limit=limit, offset=offset
            )
        except Exception as error:
            self.post_message(LoadFailed(error))
            return
        self.post_message(self.ProblemsFound(f, sort, page))

    @work(thread=True, exclusive=True, group="problems-count")
    def _tally(self, f: ProblemFilter) -> None:
        try:
            counts, matching = self.db.call(
                tracking.tally, f, self.inspect_app.today(), self.due_days
            )
        except Exception as error:
            self.post_message(LoadFailed(error))
            return
        self.post_message(self.ProblemsCounted(f, counts, matching))

    def on_load_failed(self, message: LoadFailed) -> None:
        self._loading_more = False
        self.report(message.error)

    @on(ProblemsFound)
    def _found(self, message: ProblemsFound) -> None:
        if (message.filter, message.sort) != (self.filter, self.sort):
            return  # the filter changed since: a newer page is on its way
        page = message.page
        if page.offset == 0:
            self.rows.clear()
        for row in page.rows:
            self.rows[row.id] = row
        self._more = page.has_more
        self._loading_more = False
        if page.offset == 0:
            self._show_rows(keep_cursor=self._keep_cursor)
        else:
            self._add_rows(page.rows)
        self.shown = (message.filter, message.sort)
        self._show_status()

    @on(ProblemsCounted)
    def _counted(self, message: ProblemsCounted) -> None:
        if message.filter != self.filter:
            return
        self.counts = message.counts
        self.matching = message.matching
        self._show_bar()
        self._show_status()

    # ------------------------------------------------------------------ showing

    def _columns(self) -> list[tuple[str, str, int]]:
        """(key, title, width) of each column for the screen's width: the severity and
        days columns from ``WIDE`` cells on, the unit unless the screen is one unit's."""
        width = self.size.width or 80
        self._wide = wide = width >= WIDE

        def fit(title: str, *samples: str, least: int = 0) -> int:
            return max(least, cell_len(title), *(cell_len(s) for s in samples))

        tail = []
        if wide:
            tail.append(
                ("severity", t("col.severity"), fit(t("col.severity"), *map(label, Severity)))
            )
        states = [t(f"pstate.{s.value}") for s in ProblemState]
        tail.append(("state", t("col.state"), fit(t("col.state"), *states)))
        tail.append(("deadline", t("col.deadline"), fit(t("col.deadline"), least=10)))
        if wide:
            overdue = t("common.days_overdue", days=999)
            tail.append(("due", t("col.due"), fit(t("col.due"), overdue, least=12)))
        count = len(tail) + (3 if not self.locks_unit else 2)
        taken = 1 + sum(w for _, _, w in tail) + 2 * count + 4  # padding, scroll bar, margin
        room = max(20, width - taken)
        head = [("mark", "", 1)]
        if not self.locks_unit:
            unit = max(8, min(24, room * 3 // 10))
            head.append(("unit", t("col.unit"), unit))
            room -= unit
        return [*head, ("problem", t("col.problem"), room), *tail]

    def _cells(self, row: ProblemRow) -> list[Text]:
        today = self.inspect_app.today()
        level = warning(row.state, row.deadline, row.reopened, today)
        style = warning_style(self.app, level)
        what = (f"{row.indicator_code} " if row.indicator_code else "") + row.description
        cells = {
            "mark": warning_mark(self.app, level),
            "unit": Text(clip(row.unit_name, self._widths.get("unit", 0)), no_wrap=True),
            "problem": Text(clip(what, self._widths.get("problem", 20)), no_wrap=True),
            "severity": Text(
                label(row.severity), style="bold" if row.severity is Severity.SERIOUS else ""
            ),
            "state": Text(t(f"pstate.{row.state.value}")),
            "deadline": Text(date(row.deadline), style=style),
            "due": Text(due_text(row, today), style=style),
        }
        return [cells[key] for key in self._widths]

    def _show_rows(self, *, keep_cursor: bool = False) -> None:
        table = self.query_one("#problems", Table)
        columns = self._columns()
        self._widths = {key: width for key, _, width in columns}
        cursor = table.cursor_row if keep_cursor else 0
        table.clear(columns=True)
        for _, title, width in columns:
            table.add_column(title, width=width)
        for row in self.rows.values():
            table.add_row(*self._cells(row), key=row.id)
        if table.row_count and cursor:
            table.move_cursor(row=min(cursor, table.row_count - 1), animate=False)

    def _add_rows(self, rows: list[ProblemRow]) -> None:
        table = self.query_one("#problems", Table)
        for row in rows:
            table.add_row(*self._cells(row), key=row.id)

    def _show_bar(self) -> None:
        """The quick filters, each with its key and how many problems it would show."""
        counts = dict(self.counts or {})
        if self.counts is not None:
            counts["pending"] = sum(counts.get(s.value, 0) for s in PENDING)
        f = self.filter
        items: list[tuple[str, str, str, bool]] = [
            ("a", t("plist.all"), "total", not f.states),
            *(
                (
                    key,
                    t("plist.pending") if state == "pending" else t(f"problem_state.{state}"),
                    state,
                    f.states == (PENDING if state == "pending" else (ProblemState(state),)),
                )
                for key, state in STATE_KEYS.items()
            ),
            ("o", t("plist.overdue"), "overdue", f.overdue),
            ("d", t("plist.due", days=self.due_days), "due", f.due_within is not None),
        ]
        room = max(20, (self.size.width or 80) - 2)
        bar = Text()
        line = 0
        for key, name, count_key, active in items:
            value = counts.get(count_key)
            shown = "…" if value is None else f"{value:,}"
            piece = Text()
            piece.append(f"{key}", style="bold")
            piece.append(f" {name} {shown}")
            piece.pad(1)
            if active:
                piece.stylize("reverse")
            if line and line + 1 + piece.cell_len > room:  # items wrap whole, never inside
                bar.append("\n")
                line = 0
            elif line:
                bar.append(" ")
                line += 1
            bar.append_text(piece)
            line += piece.cell_len
        self.query_one("#problems-bar", Static).update(bar)

    def _show_filters(self) -> None:
        """The filters the quick keys do not show, and the order."""
        f = self.filter
        parts: list[str] = []
        if f.unit_id:
            parts.append(t("plist.f_unit", name=self.unit_name or f.unit_id))
        if f.inspection_id:
            parts.append(t("plist.f_inspection", what=self.inspection_label or f.inspection_id))
        if len(f.states) > 1 and f.states != PENDING:
            names = "、".join(t(f"problem_state.{s.value}") for s in f.states)
            parts.append(t("plist.f_states", states=names))
        if f.severity:
            parts.append(t("plist.f_severity", severity=label(f.severity)))
        if f.indicator_code:
            parts.append(t("plist.f_indicator", code=f.indicator_code))
        parts.append(
            t(f"plist.sort_{self.sort.lstrip('-')}{'_desc' if self.sort.startswith('-') else ''}")
        )
        self.query_one("#problems-filters", Label).update(" · ".join(parts))

    def _show_status(self) -> None:
        shown = len(self.rows)
        if self.matching is None:
            status = (
                t("plist.shown_more", shown=shown)
                if self._more
                else t("plist.shown_all", count=shown)
            )
        else:
            status = t("plist.shown_of", shown=f"{shown:,}", count=f"{self.matching:,}")
        text = Text(status)
        text.append("   ")
        for level, key in (
            (WarningLevel.DUE_SOON, "plist.legend_due"),
            (WarningLevel.OVERDUE, "plist.legend_overdue"),
            (WarningLevel.SERIOUS, "plist.legend_serious"),
        ):
            text.append_text(warning_mark(self.app, level))
            text.append(" ")
            text.append(t(key, days=DUE_SOON_DAYS, long=LONG_OVERDUE_DAYS) + "  ")
        self.query_one("#problems-status", Static).update(text)

    # ------------------------------------------------------------------ filtering

    def apply(self, f: ProblemFilter) -> None:
        """Show the problems ``f`` matches, from the first."""
        if f == self.filter and self.shown is not None:
            return
        self.filter = f
        self._show_bar()
        self._show_filters()
        self.reload()

    def action_state(self, state: str) -> None:
        """One state (``pending``: all but closed); again, or ``''``: every state."""
        f = self.filter
        wanted = PENDING if state == "pending" else (ProblemState(state),) if state else ()
        self.apply(f.with_(states=() if wanted == f.states else wanted))

    def action_overdue(self) -> None:
        self.apply(self.filter.with_(overdue=not self.filter.overdue, due_within=None))

    def action_due(self) -> None:
        due = None if self.filter.due_within is not None else self.due_days
        self.apply(self.filter.with_(due_within=due, overdue=False))

    def action_clear(self) -> None:
        self.query_one("#problems-text", Input).value = ""
        self.apply(self.base_filter())

    def base_filter(self) -> ProblemFilter:
        """Where the screen starts, and what clearing the filters goes back to: the
        problems not yet closed."""
        return ProblemFilter(states=PENDING)

    def action_sort(self) -> None:
        self.sort = (
            SORTS[(SORTS.index(self.sort) + 1) % len(SORTS)] if self.sort in SORTS else SORTS[0]
        )
        self._show_filters()
        self.reload()

    def action_focus_text(self) -> None:
        self.query_one("#problems-text", Input).focus()

    def action_to_table(self) -> None:
        self.query_one("#problems", Table).focus()

    @on(Input.Changed, "#problems-text")
    def _text_changed(self, event: Input.Changed) -> None:
        if self._text_timer is not None:
            self._text_timer.stop()
        value = event.value
        self._text_timer = self.set_timer(TEXT_DELAY, lambda: self._apply_text(value))

    @on(Input.Submitted, "#problems-text")
    def _text_submitted(self, event: Input.Submitted) -> None:
        if self._text_timer is not None:
            self._text_timer.stop()
        self._apply_text(event.value)
        self.action_to_table()

    def _apply_text(self, text: str) -> None:
        if text == self.query_one("#problems-text", Input).value:
            self.apply(self.filter.with_(text=text.strip()))

    def action_filters(self) -> None:
        from .problem_filter import FilterChoice, FilterDialog

        def chosen(choice: FilterChoice | None) -> None:
            if choice is None:
                return
            self.unit_name = choice.unit_name
            self.inspection_label = choice.inspection_label
            if choice.due_days:
                self.due_days = choice.due_days
            self.apply(choice.filter.with_(text=self.filter.text))

        self.app.push_screen(
            FilterDialog(
                self.filter,
                unit_name=self.unit_name,
                inspection_label=self.inspection_label,
                due_days=self.due_days,
                lock_unit=self.locks_unit,
            ),
            chosen,
        )

    @property
    def locks_unit(self) -> bool:
        return False

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "to_table":
            return isinstance(self.focused, Input)
        return super().check_action(action, parameters)

    # ------------------------------------------------------------------ paging, opening

    @on(DataTable.RowHighlighted, "#problems")
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        """At the last row shown, read the next page."""
        table = event.data_table
        at_end = table.row_count > 0 and table.cursor_row >= table.row_count - 1
        if self._more and not self._loading_more and at_end:
            self._loading_more = True
            self._load(self.filter, self.sort, len(self.rows))

    @on(DataTable.RowSelected, "#problems")
    def _selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        if event.row_key.value is not None:
            self.inspect_app.open_problem(event.row_key.value)

    # ------------------------------------------------------------------ export

    def action_export(self) -> None:
        from .ledger_export import ExportDialog

        def done(result: tuple[Path, int] | None) -> None:
            if result is not None:
                path, rows = result
                self.notify(t("export.done", rows=f"{rows:,}", path=shown_path(path)), timeout=8)

        self.app.push_screen(ExportDialog(self.filter, self.matching), done)


class UnitProblemsScreen(ProblemsScreen):
    """One unit's problems, open and closed, under its figures: rectification rate
    (closed on time / due), average days to close, overdue count."""

    TITLE_KEY = "uview.title"

    class UnitLoaded(Message):
        def __init__(self, view: tracking.UnitView) -> None:
            super().__init__()
            self.view = view

    def __init__(self, unit_id: str, initial: ProblemFilter | None = None) -> None:
        super().__init__(initial or ProblemFilter(unit_id=unit_id))
        self.unit_id = unit_id
        self.view: tracking.UnitView | None = None

    def compose_head(self) -> ComposeResult:
        yield Static(t("common.loading"), id="unit-figures")

    def title_text(self) -> str:
        return t(self.TITLE_KEY, unit=self.view.unit.name if self.view else "…")

    def base_filter(self) -> ProblemFilter:
        return ProblemFilter(unit_id=self.unit_id)  # open and closed alike

    @property
    def locks_unit(self) -> bool:
        return True

    def reload(self, *, keep_cursor: bool = False) -> None:
        super().reload(keep_cursor=keep_cursor)
        self._load_unit()

    @work(thread=True, exclusive=True, group="unit-figures")
    def _load_unit(self) -> None:
        try:
            view = self.db.call(tracking.unit_view, self.unit_id, self.inspect_app.today())
        except Exception as error:
            self.post_message(LoadFailed(error))
            return
        self.post_message(self.UnitLoaded(view))

    @on(UnitLoaded)
    def _unit_loaded(self, message: UnitLoaded) -> None:
        self.view = view = message.view
        self.unit_name = view.unit.name
        self.sub_title = self.title_text()
        figures = view.figures
        rate = figures.rectification_rate
        text = Text()
        text.append(t("pview.unit", unit=view.unit.name, code=view.unit.code), style="bold")
        text.append("\n")
        text.append(
            t(
                "uview.figures",
                open=figures.open,
                closed=figures.closed,
                overdue=figures.overdue,
                rate="–" if rate is None else f"{rate * 100:.1f}%",
                on_time=figures.closed_on_time,
                due=figures.due,
                days="–"
                if figures.average_days_to_close is None
                else num(figures.average_days_to_close),
            )
        )
        self.query_one("#unit-figures", Static).update(text)
        self._show_filters()


class ReinspectionScreen(UnitProblemsScreen):
    """During a re-inspection (復查): the unit's problems not yet closed, to verify one by
    one on site. Enter opens a problem, whose page closes (銷號) or rejects it."""

    TITLE_KEY = "reinspect.title"

    def __init__(self, unit_id: str, inspection_id: str) -> None:
        super().__init__(unit_id, ProblemFilter(unit_id=unit_id, states=PENDING))
        self.inspection_id = inspection_id

    def compose_head(self) -> ComposeResult:
        yield Static(t("common.loading"), id="unit-figures")
        yield Label(t("reinspect.hint"), id="reinspect-hint", classes="field-hint")

    def base_filter(self) -> ProblemFilter:
        return ProblemFilter(unit_id=self.unit_id, states=PENDING)
