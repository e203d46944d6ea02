"""Good practices (亮點 / 典型經驗): marked on the current indicator from the checklist
(one key), listed in the practice library (對標實踐庫) by indicator and unit. Also the
checklist's benchmarking lines: the unit's self-report beside each indicator."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import DataTable, Footer, Header, Input, Label

from ...errors import InspectError
from ...i18n import t
from ...models import Indicator
from ...rules import clean_text
from ...services import practices, selfreport
from ...services.practices import Practice
from ...services.selfreport import SelfReport
from ..format import num
from ..text import clip
from ..widgets import DialogButtons, Field, Table
from .base import BaseDialog, BaseScreen, LoadFailed

LIBRARY_LIMIT = 1000


class PracticeDialog(BaseDialog[str | None]):
    """A short description of the good practice seen on ``indicator``."""

    AUTO_FOCUS = "#practice"

    def __init__(self, indicator: Indicator) -> None:
        super().__init__()
        self.indicator = indicator

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog dialog-small"):
            yield Label(
                t("practice.title", code=self.indicator.code, title=self.indicator.title),
                classes="dialog-title",
            )
            yield Field(
                t("practice.field"), Input(id="practice", compact=True), id="practice-field"
            )
            yield DialogButtons()
        yield Footer()

    @on(Input.Submitted, "#practice")
    def action_save(self) -> None:
        text = self.query_one("#practice", Input).value.strip()
        try:
            clean_text(t("practice.field"), text, limit=practices.DESCRIPTION_LIMIT, required=True)
        except InspectError as error:
            self.query_one("#practice-field", Field).show_error(error.message)
            return
        self.dismiss(text)


# ---------------------------------------------------------------------- on the checklist


class BenchmarkingLoaded(Message):
    def __init__(self, reports: dict[str, SelfReport], marked: dict[str, list[Practice]]) -> None:
        super().__init__()
        self.reports = reports
        self.marked = marked


class PracticeMarked(Message):
    def __init__(self, practice: Practice) -> None:
        super().__init__()
        self.practice = practice


class SheetBenchmarking:
    """Mixed into the checklist screen: the inspected unit's self-report for the month and
    the practices marked, beside each indicator; ``action_practice`` marks one."""

    self_reports: dict[str, SelfReport] = {}  # noqa: RUF012  (replaced, never changed)
    marked_practices: dict[str, list[Practice]] = {}  # noqa: RUF012
    inspection_id: str
    db: Any
    app: Any

    def on_checklist_screen_sheet_loaded(self, message: Message) -> None:
        self._load_benchmarking()

    @work(thread=True, exclusive=True, group="sheet-benchmarking")
    def _load_benchmarking(self) -> None:
        try:
            reports = self.db.call(selfreport.self_reports_for_inspection, self.inspection_id)
            marked = self.db.call(practices.practices_of_inspection, self.inspection_id)
        except Exception as error:
            self.post_message(LoadFailed(error))  # type: ignore[attr-defined]
            return
        self.post_message(BenchmarkingLoaded(reports, marked))  # type: ignore[attr-defined]

    def on_benchmarking_loaded(self, message: BenchmarkingLoaded) -> None:
        self.self_reports = message.reports
        self.marked_practices = message.marked
        self._show_detail()  # type: ignore[attr-defined]

    def benchmarking_text(self, ind: Indicator) -> Text:
        """The self-report line (and practices marked) of the right-hand panel."""
        text = Text()
        report = self.self_reports.get(ind.id)
        if report is None:
            text.append(t("sheet.self_report_none"), style="dim")
        else:
            score = (
                t("result.not_applicable")
                if report.score is None
                else f"{num(report.score)}/{num(ind.max_score)}"
            )
            text.append(t("sheet.self_report_line", month=report.month, score=score))
            if report.remark:
                text.append(f" — {report.remark}", style="dim")
        for practice in self.marked_practices.get(ind.id, []):
            text.append("\n★ ", style="bold green")
            text.append(practice.description)
        return text

    def action_practice(self) -> None:
        ind = self.current  # type: ignore[attr-defined]
        if ind is None or self.db.readonly:
            return
        inspection_id = self.inspection_id

        def given(text: str | None) -> None:
            if text:
                future = self.db.submit(practices.mark_practice, inspection_id, ind.id, text)
                self.await_write(future, PracticeMarked, "practice")  # type: ignore[attr-defined]

        self.app.push_screen(PracticeDialog(ind), given)

    def on_practice_marked(self, message: PracticeMarked) -> None:
        self.notify(  # type: ignore[attr-defined]
            t("practice.marked", code=message.practice.indicator_code), timeout=3
        )
        self._load_benchmarking()


# ---------------------------------------------------------------------- the library


class PracticesScreen(BaseScreen[None]):
    AUTO_FOCUS = "#practices"

    class LibraryLoaded(Message):
        def __init__(self, rows: list[Practice]) -> None:
            super().__init__()
            self.rows = rows

    def __init__(self) -> None:
        super().__init__()
        self.rows: dict[str, Practice] = {}

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False, icon="")
        with Vertical(id="practices-box"):
            yield Label("", id="practices-title", classes="section-title")
            yield Table(id="practices")
            yield Label("", id="practices-detail")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = t("practices.title")
        self.reload()

    def reload(self) -> None:
        self._load()

    @work(thread=True, exclusive=True, group="practices-load")
    def _load(self) -> None:
        try:
            rows = self.db.call(practices.library, limit=LIBRARY_LIMIT)
        except Exception as error:
            self.post_message(LoadFailed(error))
            return
        self.post_message(self.LibraryLoaded(rows))

    @on(LibraryLoaded)
    def _loaded(self, message: LibraryLoaded) -> None:
        self.rows = {p.id: p for p in message.rows}
        self.query_one("#practices-title", Label).update(
            t("practices.heading", count=len(message.rows))
        )
        self.query_one("#practices", Table).set_data(
            [t("col.code"), t("col.indicator"), t("col.unit"), t("col.month"), t("col.practice")],
            [
                (
                    p.id,
                    [
                        p.indicator_code,
                        p.indicator_title,
                        p.unit_name,
                        p.month,
                        clip(p.description, 40),
                    ],
                )
                for p in message.rows
            ],
        )

    @on(DataTable.RowHighlighted, "#practices")
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        practice = self.rows.get(str(event.row_key.value)) if event.row_key else None
        if practice is not None:
            self.query_one("#practices-detail", Label).update(
                t(
                    "practices.detail",
                    unit=practice.unit_name,
                    code=practice.indicator_code,
                    by=practice.marked_by,
                    on=practice.marked_on.isoformat(),
                    text=practice.description,
                )
            )
