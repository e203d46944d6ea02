"""The audit log: every change by every user, newest first — who, when, on which
device, what was added, changed or deleted, and each changed field old → new.

Filtered by unit (typed as on the units screen: name, code or pinyin; the best match
is used and named) and by a first day; read a page at a time as the list scrolls.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from rich.cells import cell_len
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.widgets import DataTable, Footer, Header, Input, Label, Static

from ...errors import InspectError
from ...i18n import t
from ...rules import parse_date
from ...services import overview
from ...services.audit import audit_entries, changed_fields
from ...store import Store
from ..format import moment
from ..records import action_name, change_line, row_label, table_name, value
from ..text import clip
from ..widgets import Table
from .base import BaseScreen, LoadFailed

PAGE = 100
_DAYS_AGO = re.compile(r"^-\s*(\d{1,4})$")
_MONTH_DAY = re.compile(r"^\d{1,2}-\d{1,2}$")


def parse_since(text: str, today: dt.date) -> dt.date | None:
    """The first day typed: ``2026-03-01``, ``03-01`` (the last such day, not the next)
    or ``-7`` (a week ago); empty for no limit."""
    typed = text.strip()
    if not typed:
        return None
    if m := _DAYS_AGO.match(typed):
        return today - dt.timedelta(days=int(m.group(1)))
    day = parse_date(typed, today)
    if _MONTH_DAY.match(typed) and day > today:
        try:
            day = day.replace(year=day.year - 1)
        except ValueError:  # 02-29, a year after a leap year
            day = day.replace(year=day.year - 1, day=28)
    return day


@dataclass(frozen=True)
class Filters:
    unit: str
    since: dt.date | None


@dataclass(frozen=True)
class AuditPage:
    filters: Filters
    unit: overview.UnitLine | None  # the unit the text named, if any
    rows: list[dict[str, Any]]
    offset: int
    more: bool


def read_page(store: Store, filters: Filters, offset: int) -> AuditPage:
    """One page of entries; the unit is looked up as the units screen does (an exact code
    first, else the first match)."""
    unit: overview.UnitLine | None = None
    if filters.unit.strip():
        matches = overview.filter_units(store, filters.unit, limit=20).rows
        exact = [u for u in matches if u.code.lower() == filters.unit.strip().lower()]
        if not (exact or matches):
            return AuditPage(filters, None, [], offset, False)
        unit = (exact or matches)[0]
    rows = audit_entries(
        store,
        unit_id=unit.id if unit else None,
        since=filters.since,
        limit=PAGE + 1,
        offset=offset,
    )
    return AuditPage(filters, unit, rows[:PAGE], offset, len(rows) > PAGE)


class AuditScreen(BaseScreen[None]):
    AUTO_FOCUS = "#audit"
    BINDINGS = [
        Binding("slash", "focus_filter", "key.filter", id="audit.filter", key_display="/"),
        Binding("down", "to_table", "key.next", id="audit.to_table", show=False),
    ]

    class AuditLoaded(Message):
        def __init__(self, page: AuditPage) -> None:
            super().__init__()
            self.page = page

    def __init__(self, unit: str = "") -> None:
        super().__init__()
        self._initial_unit = unit
        self.entries: list[dict[str, Any]] = []
        self._more = False
        self._loading_more = False
        self.filters = Filters(unit, None)
        self.shown: Filters | None = None  # the filters the list shows results of

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False, icon="")
        with Horizontal(id="audit-filters"):
            yield Input(
                value=self._initial_unit,
                placeholder=t("audit.unit"),
                id="audit-unit",
                compact=True,
            )
            yield Input(placeholder=t("audit.since"), id="audit-since", compact=True)
        yield Label("", id="audit-filter-status")
        yield Table(id="audit")
        with VerticalScroll(id="audit-detail-box"):
            yield Static("", id="audit-detail")
        yield Label("", id="audit-status")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = t("audit.title")
        self._show_rows(keep_cursor=False)
        self.reload()

    # ------------------------------------------------------------------ filtering

    def reload(self) -> None:
        self._read(self.filters, 0)

    @on(Input.Changed, "#audit-unit, #audit-since")
    def _filter_changed(self) -> None:
        status = self.query_one("#audit-filter-status", Label)
        try:
            since = parse_since(
                self.query_one("#audit-since", Input).value, self.inspect_app.today()
            )
        except InspectError as error:
            status.update(Text(error.message))
            status.set_classes("field-error -visible")
            return
        self.filters = Filters(self.query_one("#audit-unit", Input).value, since)
        self.reload()

    @on(Input.Submitted, "#audit-unit, #audit-since")
    def _submitted(self) -> None:
        self.action_to_table()

    @work(thread=True, exclusive=True, group="audit-read")
    def _read(self, filters: Filters, offset: int) -> None:
        try:
            page = self.db.call(read_page, filters, offset)
        except Exception as error:
            self.post_message(LoadFailed(error))
            return
        self.post_message(self.AuditLoaded(page))

    def on_load_failed(self, message: LoadFailed) -> None:
        self._loading_more = False
        self.report(message.error)

    @on(AuditLoaded)
    def _loaded(self, message: AuditLoaded) -> None:
        page = message.page
        if page.filters != self.filters:
            return  # typed on since: a newer page is on its way
        if page.offset == 0:
            self.entries = []
        self.entries.extend(page.rows)
        self._more = page.more
        self._loading_more = False
        self._show_rows(keep_cursor=page.offset > 0)
        self._show_filters(page)
        count = len(self.entries)
        status = t("audit.count_more", count=count) if page.more else t("audit.count", count=count)
        self.query_one("#audit-status", Label).update(status)
        self.shown = page.filters
        self._show_detail()

    def _show_filters(self, page: AuditPage) -> None:
        parts: list[str] = []
        filters = page.filters
        if filters.unit.strip():
            parts.append(
                t("audit.unit_is", name=page.unit.name, code=page.unit.code)
                if page.unit
                else t("audit.no_unit", text=filters.unit.strip())
            )
        if filters.since:
            parts.append(t("audit.since_is", date=filters.since.isoformat()))
        status = self.query_one("#audit-filter-status", Label)
        status.update(Text(" · ".join(parts) if parts else t("audit.all")))
        status.set_classes("")

    # ------------------------------------------------------------------ the list

    def _show_rows(self, *, keep_cursor: bool = True) -> None:
        columns = [
            t("col.when"),
            t("col.by"),
            t("col.device"),
            t("col.action"),
            t("col.table"),
            t("col.change"),
        ]
        narrow = self.size.width < 100  # the year and more of the device in the detail only
        device_cells = 10 if narrow else 16
        firsts = [
            [
                moment(entry["at"]).removesuffix(" UTC")[5 if narrow else 0 :],
                clip(entry["user"] or t("audit.outside"), 10),
                clip(entry["device_id"] or "–", device_cells),
                action_name(entry["action"]),
                table_name(entry["table_name"]),
            ]
            for entry in self.entries
        ]
        # the change column gets what the others leave of the width
        widest = [
            max([cell_len(columns[i]), *(cell_len(cells[i]) for cells in firsts)]) for i in range(5)
        ]
        # cell padding of six columns, the table's margins and its scroll bar
        room = max(10, self.size.width - sum(widest) - 6 * 2 - 2 - 2)
        rows = [
            (
                str(index),
                [*(Text(cell) for cell in cells), Text(clip(self._summary(entry), room))],
            )
            for index, (entry, cells) in enumerate(zip(self.entries, firsts, strict=True))
        ]
        self.query_one("#audit", Table).set_data(columns, rows, keep_cursor=keep_cursor)

    @staticmethod
    def _summary(entry: dict[str, Any]) -> str:
        """One line for the list: the first change old → new (and how many more), or for
        a row added or deleted, what it was."""
        if entry["action"] != "update":
            return row_label(entry["new"] or entry["old"], entry["row_id"], with_id=False)
        fields = changed_fields(entry)
        if not fields:
            return ""
        name, (old, new) = next(iter(fields.items()))
        line = change_line(name, old, new, cells=24)
        return line + (t("audit.more_fields", count=len(fields) - 1) if len(fields) > 1 else "")

    def on_resize(self) -> None:
        if self.entries:
            self._show_rows()

    @property
    def current(self) -> dict[str, Any] | None:
        key = self.query_one("#audit", Table).current_key
        return self.entries[int(key)] if key is not None and int(key) < len(self.entries) else None

    @on(DataTable.RowHighlighted, "#audit")
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._show_detail()
        table = event.data_table
        at_end = table.row_count > 0 and table.cursor_row >= table.row_count - 1
        if self._more and not self._loading_more and at_end and table.has_focus:
            self._loading_more = True
            self._read(self.filters, len(self.entries))

    @on(DataTable.RowSelected, "#audit")
    def _selected(self) -> None:
        """Enter: into the entry's detail, to scroll a long one."""
        self.query_one("#audit-detail-box", VerticalScroll).focus()

    def _show_detail(self) -> None:
        """The highlighted entry in full: every changed field old → new."""
        entry = self.current
        detail = self.query_one("#audit-detail", Static)
        if entry is None:
            detail.update(Text(t("common.none"), style="dim"))
            return
        text = Text()
        text.append(
            t(
                "audit.entry",
                at=moment(entry["at"]),
                by=entry["user"] or t("audit.outside"),
                device=entry["device_id"] or "–",
                action=action_name(entry["action"]),
                table=table_name(entry["table_name"]),
                row=(entry["row_id"] or "")[:12],
            ),
            style="bold",
        )
        width = max(20, self.size.width // 2 - 8)
        for name, (old, new) in changed_fields(entry).items():
            text.append("\n")
            text.append(f"{name}: ", style="bold")
            if entry["action"] == "insert":
                text.append(value(new))  # a row added: its values, nothing before them
            elif entry["action"] == "delete":
                text.append(value(old))
            else:
                text.append(change_line(name, old, new, cells=width).removeprefix(f"{name}: "))
        detail.update(text)

    # ------------------------------------------------------------------ moving

    def action_focus_filter(self) -> None:
        self.query_one("#audit-unit", Input).focus()

    def action_to_table(self) -> None:
        self.query_one("#audit", Table).focus()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "to_table":
            return isinstance(self.focused, Input)
        return super().check_action(action, parameters)
