"""Possible over-reporting (支部上報 checked by spot checks): the units of a month whose
self-reported score exceeds the inspected one by more than the settings' margin, with the
indicators where they reported more than was found."""

from __future__ import annotations

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import DataTable, Footer, Header, Label

from ...i18n import t
from ...services import ranking_views
from ...services.selfreport import OverReport
from ..format import num
from ..widgets import Table
from .base import BaseScreen, LoadFailed


def gaps_text(report: OverReport, limit: int = 4) -> str:
    return "；".join(
        t("flags.gap", code=g.code, reported=num(g.reported), inspected=num(g.inspected))
        for g in report.indicators[:limit]
    )


class OverReportScreen(BaseScreen[None]):
    AUTO_FOCUS = "#flags"

    class FlagsLoaded(Message):
        def __init__(self, reports: list[OverReport], margin: float) -> None:
            super().__init__()
            self.reports = reports
            self.margin = margin

    def __init__(self, month: str) -> None:
        super().__init__()
        self.month = month
        self.reports: dict[str, OverReport] = {}

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False, icon="")
        with Vertical(id="flags-box"):
            yield Label("", id="flags-title", classes="section-title")
            yield Table(id="flags")
            yield Label("", id="flags-detail")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = t("flags.title", month=self.month)
        self.reload()

    def reload(self) -> None:
        self._load()

    @work(thread=True, exclusive=True, group="flags-load")
    def _load(self) -> None:
        try:
            settings = self.inspect_app.benchmark_settings
            reports = self.db.call(ranking_views.over_reports, self.month, settings)
        except Exception as error:
            self.post_message(LoadFailed(error))
            return
        self.post_message(self.FlagsLoaded(reports, settings.over_reporting_margin))

    @on(FlagsLoaded)
    def _loaded(self, message: FlagsLoaded) -> None:
        self.reports = {r.unit_id: r for r in message.reports}
        self.query_one("#flags-title", Label).update(
            t(
                "flags.heading",
                month=self.month,
                count=len(message.reports),
                margin=num(message.margin),
            )
        )
        self.query_one("#flags", Table).set_data(
            [t("col.unit"), t("col.reported"), t("col.inspected"), t("col.gap")],
            [
                (
                    r.unit_id,
                    [
                        r.unit_name,
                        num(r.reported_percent),
                        num(r.inspected_percent),
                        Text(f"+{num(r.gap)}", style="bold red"),
                    ],
                )
                for r in message.reports
            ],
        )
        self.query_one("#flags-detail", Label).update(
            "" if message.reports else t("flags.none", month=self.month)
        )

    @on(DataTable.RowHighlighted, "#flags")
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        report = self.reports.get(str(event.row_key.value)) if event.row_key else None
        if report is not None:
            self.query_one("#flags-detail", Label).update(
                t("flags.detail", unit=report.unit_name, gaps=gaps_text(report))
            )

    @on(DataTable.RowSelected, "#flags")
    def _selected(self, event: DataTable.RowSelected) -> None:
        from .trend import UnitTrendScreen

        if event.row_key.value:
            self.app.push_screen(UnitTrendScreen(str(event.row_key.value), self.month))
