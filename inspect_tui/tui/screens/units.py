"""Units: filter as you type (name, code, pinyin or its initials), see each unit's last
inspection, open problems and last month's rank, and start an inspection."""

from __future__ import annotations

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.widgets import DataTable, Footer, Header, Input, Label

from ...i18n import t
from ...services import overview
from ..format import date, label
from ..widgets import Table
from .base import BaseScreen, LoadFailed
from .start import StartDialog

PAGE = 100


class UnitsScreen(BaseScreen[None]):
    BINDINGS = [
        Binding("s", "start", "key.start", id="units.start"),
        Binding("slash", "focus_filter", "key.filter", id="units.filter", key_display="/"),
        Binding("v", "unit_problems", "key.unit_problems", id="units.problems"),
        Binding("down", "to_table", "key.next", id="units.to_table", show=False),
    ]

    class UnitsFiltered(Message):
        def __init__(
            self, text: str, page: overview.Page[overview.UnitLine], month: str | None
        ) -> None:
            super().__init__()
            self.text = text
            self.page = page
            self.month = month

    def __init__(self, text: str = "") -> None:
        super().__init__()
        self._initial = text
        self._lines: dict[str, overview.UnitLine] = {}
        self._more = False
        self._loading_more = False
        self._month: str | None = None
        self.shown_filter: str | None = None  # the filter text the table shows results of

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False, icon="")
        yield Input(value=self._initial, placeholder=t("units.filter"), id="filter")
        yield Table(id="units")
        yield Label("", id="units-status")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = t("units.title")
        self._show_lines()
        self.reload()

    def _show_lines(self, *, keep_cursor: bool = True) -> None:
        columns = [
            t("col.code"),
            t("col.name"),
            t("col.kind"),
            t("col.last_inspection"),
            t("col.open_problems"),
            t("col.rank"),
        ]
        rows = [(line.id, self._cells(line)) for line in self._lines.values()]
        self.query_one("#units", Table).set_data(columns, rows, keep_cursor=keep_cursor)

    # ------------------------------------------------------------------ filtering

    def set_filter(self, text: str) -> None:
        self.query_one("#filter", Input).value = text  # fires Input.Changed → reload

    def reload(self) -> None:
        self._filter(self.query_one("#filter", Input).value, 0)

    @on(Input.Changed, "#filter")
    def _changed(self, event: Input.Changed) -> None:
        self._filter(event.value, 0)

    @on(Input.Submitted, "#filter")
    def _submitted(self) -> None:
        self.action_to_table()

    @work(thread=True, exclusive=True, group="units-filter")
    def _filter(self, text: str, offset: int) -> None:
        try:
            page = self.db.call(overview.filter_units, text, limit=PAGE, offset=offset)
            month = self.db.call(overview.latest_result_month) if offset == 0 else self._month
        except Exception as error:
            self.post_message(LoadFailed(error))
            return
        self.post_message(self.UnitsFiltered(text, page, month))

    def on_load_failed(self, message: LoadFailed) -> None:
        self._loading_more = False
        self.report(message.error)

    @on(UnitsFiltered)
    def _show(self, message: UnitsFiltered) -> None:
        if message.text != self.query_one("#filter", Input).value:
            return  # typed on since: a newer result is on its way
        page = message.page
        self._month = message.month
        if page.offset == 0:
            self._lines.clear()
        for line in page.rows:
            self._lines[line.id] = line
        self._show_lines(keep_cursor=page.offset > 0)
        self._more = page.more
        self._loading_more = False
        count = len(self._lines)
        status = t("units.count_more", count=count) if page.more else t("units.count", count=count)
        status += t("units.legend")
        if self._month:
            status += t("units.rank_month", month=self._month)
        self.query_one("#units-status", Label).update(status)
        self.shown_filter = message.text

    def _cells(self, line: overview.UnitLine) -> list[object]:
        last = date(line.last_inspection) if line.last_inspection else "–"
        if line.in_progress:
            last += "*"
        rank: Text | str = "–"
        if line.rank is not None:
            rank = Text(f"{line.rank}/{line.ranked}")
            if line.lagging:
                rank.append("!", style="bold red")
        opened = Text(str(line.open_problems), style="bold" if line.open_problems else "dim")
        return [line.code, line.name, label(line.kind), last, opened, rank]

    @on(DataTable.RowHighlighted, "#units")
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        """At the last row shown, read the next page (the table as it is now, not as it
        was when the event was sent: rebuilding it sends events too)."""
        table = event.data_table
        at_end = table.row_count > 0 and table.cursor_row >= table.row_count - 1
        if self._more and not self._loading_more and at_end and table.has_focus:
            self._loading_more = True
            self._filter(self.query_one("#filter", Input).value, len(self._lines))

    # ------------------------------------------------------------------ actions

    def action_focus_filter(self) -> None:
        self.query_one("#filter", Input).focus()

    def action_to_table(self) -> None:
        self.query_one("#units", Table).focus()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "to_table":
            return isinstance(self.focused, Input)
        if action == "start":
            return not self.db.readonly
        return super().check_action(action, parameters)

    @on(DataTable.RowSelected, "#units")
    def _selected(self, event: DataTable.RowSelected) -> None:
        self.action_start()

    def action_unit_problems(self) -> None:
        """The highlighted unit's problems and rectification figures."""
        key = self.query_one("#units", Table).current_key
        if key is not None:
            self.inspect_app.open_unit_problems(key)

    def action_start(self) -> None:
        table = self.query_one("#units", Table)
        key = table.current_key
        if key is None or self.db.readonly:
            return
        line = self._lines[key]

        def started(inspection_id: str | None) -> None:
            if inspection_id:
                self.notify(t("start.started", unit=line.name), timeout=3)
                self.inspect_app.open_inspection(inspection_id)

        self.app.push_screen(StartDialog(line), started)
