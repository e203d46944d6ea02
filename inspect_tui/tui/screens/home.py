"""Home: the database in use and today's work — inspections in progress, problems overdue
and due soon, lagging units, the last signed-off inspections. Enter opens any of them."""

from __future__ import annotations

from typing import Any

from rich.cells import cell_len
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.message import Message
from textual.widgets import DataTable, Footer, Header, Label

from ...i18n import t
from ...services import overview
from ...services.audit import BackupState, backup_state
from ..format import date, label, num
from ..text import clip, shown_path
from ..widgets import Section, Table
from .base import BaseScreen, LoadFailed

SECTIONS = ("in-progress", "overdue", "due-soon", "lagging", "signed-off")


def _count(page: overview.Page[Any]) -> str:
    return f"{len(page.rows)}+" if page.more else str(len(page.rows))


class HomeScreen(BaseScreen[None]):
    AUTO_FOCUS = "Table"
    BINDINGS = [
        Binding("u", "units", "key.units", id="home.units"),
        Binding("p", "problems", "key.problems", id="home.problems", show=False),
        Binding("m", "merge", "key.merge", id="home.merge"),
        Binding("c", "conflicts", "key.conflicts", id="home.conflicts", show=False),
        Binding("l", "audit_log", "key.audit_log", id="home.audit_log", show=False),
        Binding("b", "back_up", "key.back_up", id="home.back_up", show=False),
        Binding("r", "app.ranking", "key.ranking", id="home.ranking"),
        Binding("n", "app.notices", "key.notice_list", id="home.notices", show=False),
        Binding("tab", "app.focus_next", "key.next_section", id="home.next_section", show=False),
    ]

    class HomeLoaded(Message):
        def __init__(self, data: overview.HomeData) -> None:
            super().__init__()
            self.data = data

    def __init__(self) -> None:
        super().__init__()
        self._data: overview.HomeData | None = None
        self._ready = False
        self._shown_width = 0

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False, icon="")
        with VerticalScroll(id="home"):
            yield Label(t("common.db", path=shown_path(self.db.store.path)), id="db-path")
            if self.db.readonly:
                yield Label(
                    t("common.readonly_db", reason=self.db.store.readonly_reason), classes="warning"
                )
            yield Section(
                t("home.in_progress", count="…"),
                [t("col.unit"), t("col.kind"), t("col.date"), t("col.progress")],
                id="in-progress",
            )
            yield Section(
                t("home.overdue", count="…"),
                [t("col.unit"), t("col.problem"), t("col.deadline"), t("col.state")],
                id="overdue",
            )
            yield Section(
                t("home.due_soon", days=overview.DUE_SOON_DAYS, count="…"),
                [t("col.unit"), t("col.problem"), t("col.deadline"), t("col.state")],
                id="due-soon",
            )
            yield Section(
                t("home.lagging_none", count="…"),
                [t("col.unit"), t("col.score"), t("col.rank")],
                id="lagging",
            )
            yield Section(
                t("home.signed_off"),
                [t("col.unit"), t("col.kind"), t("col.date"), t("col.signed_by")],
                id="signed-off",
            )
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = t("home.title")

    def on_screen_resume(self) -> None:
        # also when first shown: loading on mount too read everything twice at start-up
        self.reload()

    def reload(self) -> None:
        self._load()

    @work(thread=True, exclusive=True, group="home-load")
    def _load(self) -> None:
        try:
            data = self.db.call(overview.home, self.inspect_app.today())
        except Exception as error:  # shown, never raised into the UI
            self.post_message(LoadFailed(error))
            return
        self.post_message(self.HomeLoaded(data))

    @on(HomeLoaded)
    def _loaded(self, message: HomeLoaded) -> None:
        first = self._data is None
        self._data = message.data
        self._show()
        if first:
            # once the lists are drawn: the background work must not delay that frame
            self.call_after_refresh(self._drawn)
            self._check_backup()
            if not (isinstance(self.focused, Table) and self.focused.row_count):
                for section in self.query(Section):
                    if section.table.row_count:
                        section.table.focus()
                        break

    def _drawn(self) -> None:
        self._ready = True
        self.inspect_app.home_shown()

    @on(LoadFailed)
    def _load_failed(self) -> None:
        self.inspect_app.home_shown()  # the file that cannot be read is the one to check

    @property
    def ready(self) -> bool:
        """The lists have been read and drawn once: ready for input."""
        return self._ready

    def on_resize(self) -> None:
        if self._data is not None and self.size.width != self._shown_width:
            self._show()

    def _show(self) -> None:
        data = self._data
        if data is None:
            return
        self._shown_width = self.size.width
        none = t("common.none")
        section = self.query_one("#in-progress", Section)
        section.set_title(t("home.in_progress", count=_count(data.in_progress)))
        section.set_rows(
            [
                (i.id, [i.unit_name, label(i.kind), date(i.date), f"{i.answered}/{i.total}"])
                for i in data.in_progress.rows
            ],
            empty=none,
        )
        self._show_problems("overdue", data.overdue, t("home.overdue", count=_count(data.overdue)))
        self._show_problems(
            "due-soon",
            data.due_soon,
            t("home.due_soon", days=overview.DUE_SOON_DAYS, count=_count(data.due_soon)),
        )
        section = self.query_one("#lagging", Section)
        section.set_title(
            t("home.lagging", month=data.month, count=_count(data.lagging))
            if data.month
            else t("home.lagging_none", count=_count(data.lagging))
        )
        section.set_rows(
            [
                (u.unit_code, [u.unit_name, num(u.score), f"{u.rank or '–'}/{u.ranked}"])
                for u in data.lagging.rows
            ],
            empty=none,
        )
        section = self.query_one("#signed-off", Section)
        section.set_rows(
            [
                (i.id, [i.unit_name, label(i.kind), date(i.date), i.signed_by or ""])
                for i in data.signed_off.rows
            ],
            empty=none,
        )

    def _show_problems(
        self, key: str, page: overview.Page[overview.ProblemLine], title: str
    ) -> None:
        def when(p: overview.ProblemLine) -> str:
            if key == "overdue":
                return f"{date(p.deadline)} " + t("common.days_overdue", days=p.days)
            if p.days == 0:
                return f"{date(p.deadline)} " + t("common.today")
            return f"{date(p.deadline)} " + t("common.days_left", days=p.days)

        rows = [(p, p.unit_name, when(p), label(p.state)) for p in page.rows]
        # the description gets what the other columns leave of the width
        others = [(unit, due, state) for _, unit, due, state in rows]
        widest = [max((cell_len(cells[i]) for cells in others), default=0) for i in range(3)]
        taken = sum(widest) + 4 * 2 + 4  # cell padding of four columns, scroll bar, margins
        if len(rows) + 1 > (12 if self.has_class("-tall") else 8):  # see .section Table
            taken += 2  # the table's own scroll bar
        room = max(12, self.size.width - taken)
        section = self.query_one(f"#{key}", Section)
        section.set_title(title)
        section.set_rows(
            [
                (
                    p.id,
                    [
                        unit,
                        clip(
                            (f"{p.indicator_code} " if p.indicator_code else "") + p.description,
                            room,
                        ),
                        due,
                        state,
                    ],
                )
                for p, unit, due, state in rows
            ],
            empty=t("common.none"),
        )

    # ------------------------------------------------------------------ backup reminder

    class BackupDue(Message):
        def __init__(self, state: BackupState) -> None:
            super().__init__()
            self.state = state

    @work(thread=True, exclusive=True, group="home-backup")
    def _check_backup(self) -> None:
        """Once per start, on arrival: a reminder when the last backup is over a week old."""
        try:
            state = self.db.call(backup_state)
        except Exception:  # a reminder is not worth an error message
            return
        if state.due and not self.db.readonly:
            self.post_message(self.BackupDue(state))

    @on(BackupDue)
    def _backup_due(self, message: BackupDue) -> None:
        last = message.state.last
        text = (
            t(
                "backup.due",
                date=date(last.date()),
                days=(self.inspect_app.today() - last.date()).days,
            )
            if last
            else t("backup.never")
        )
        self.notify(text, title=t("backup.reminder"), severity="warning", timeout=20)

    # ------------------------------------------------------------------ opening

    def action_units(self) -> None:
        self.inspect_app.go_units()

    def action_problems(self) -> None:
        self.inspect_app.go_problems()

    def action_merge(self) -> None:
        self.inspect_app.open_merge()

    def action_conflicts(self) -> None:
        self.inspect_app.open_conflicts()

    def action_audit_log(self) -> None:
        self.inspect_app.open_audit_log()

    def action_back_up(self) -> None:
        self.inspect_app.back_up()

    @on(DataTable.RowSelected)
    def _selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        section = event.data_table.parent
        if section is not None and section.id and event.row_key.value is not None:
            self._open(section.id, event.row_key.value)

    def _open(self, section: str, key: str) -> None:
        app = self.inspect_app
        if section in ("in-progress", "signed-off"):
            app.open_inspection(key)
        elif section in ("overdue", "due-soon"):
            app.open_problem(key)
        elif section == "lagging":
            app.go_units(key)
