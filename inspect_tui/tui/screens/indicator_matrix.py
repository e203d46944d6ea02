"""Indicator × unit (指標 × 單位): the points each unit inspected in a month lost on each
indicator, most lost first, with the benchmark unit of each indicator on the first row."""

from __future__ import annotations

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import DataTable, Footer, Header, Label

from ...i18n import t
from ...services import ranking_views
from ..format import num
from ..widgets import Table
from .base import BaseScreen, LoadFailed

BENCHMARK_ROW = "benchmark"


def lost_cell(value: float | None) -> Text:
    """Points lost: blank where the indicator did not apply, red where most was lost."""
    if value is None:
        return Text("·", style="dim")
    if value <= 0:
        return Text("0", style="dim")
    return Text(num(value), style="bold red" if value >= 2 else "yellow")


class IndicatorMatrixScreen(BaseScreen[None]):
    AUTO_FOCUS = "#matrix"

    class MatrixLoaded(Message):
        def __init__(self, matrix: ranking_views.IndicatorMatrix) -> None:
            super().__init__()
            self.matrix = matrix

    def __init__(self, month: str) -> None:
        super().__init__()
        self.month = month

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False, icon="")
        with Vertical(id="matrix-box"):
            yield Label("", id="matrix-title", classes="section-title")
            yield Table(id="matrix")
            yield Label("", id="matrix-detail")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = t("matrix.title", month=self.month)
        self.reload()

    def reload(self) -> None:
        self._load()

    @work(thread=True, exclusive=True, group="matrix-load")
    def _load(self) -> None:
        try:
            matrix = self.db.call(ranking_views.indicator_matrix, self.month)
        except Exception as error:
            self.post_message(LoadFailed(error))
            return
        self.post_message(self.MatrixLoaded(matrix))

    @on(MatrixLoaded)
    def _loaded(self, message: MatrixLoaded) -> None:
        self.matrix = matrix = message.matrix
        view = matrix.view
        self.query_one("#matrix-title", Label).update(
            t("matrix.heading", month=self.month, units=view.total, indicators=len(view.indicators))
        )
        columns = [t("col.unit"), t("col.rank"), t("col.lost")] + [c.code for c in view.indicators]
        best = [
            matrix.benchmarks[c.indicator_id].unit_code
            if c.indicator_id in matrix.benchmarks
            else "–"
            for c in view.indicators
        ]
        rows: list[tuple[str | None, list[object]]] = [
            (
                BENCHMARK_ROW,
                [Text(t("matrix.benchmark_row"), style="bold green"), "", "", *best],
            )
        ]
        for row in view.rows:
            rows.append(
                (
                    row.unit_id,
                    [
                        row.unit_name,
                        str(row.rank) if row.rank is not None else "–",
                        Text(num(row.total_lost), style="bold"),
                        *(lost_cell(row.lost[c.indicator_id]) for c in view.indicators),
                    ],
                )
            )
        table = self.query_one("#matrix", Table)
        table.set_data(columns, rows)
        table.fixed_columns = 1
        self.query_one("#matrix-detail", Label).update(t("matrix.legend"))

    @on(DataTable.RowHighlighted, "#matrix")
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        """Under the table: the unit's three biggest losses, by indicator title."""
        matrix = getattr(self, "matrix", None)
        key = event.row_key.value if event.row_key else None
        if matrix is None or key is None or key == BENCHMARK_ROW:
            self.query_one("#matrix-detail", Label).update(t("matrix.legend"))
            return
        row = next((r for r in matrix.view.rows if r.unit_id == key), None)
        if row is None:
            return
        worst = sorted(
            ((v, c) for c in matrix.view.indicators if (v := row.lost[c.indicator_id])),
            key=lambda item: -item[0],
        )[:3]
        parts = [
            t(
                "matrix.loses",
                code=c.code,
                title=c.title,
                lost=num(v),
                best=matrix.benchmarks[c.indicator_id].unit_name
                if c.indicator_id in matrix.benchmarks
                else "–",
            )
            for v, c in worst
        ]
        self.query_one("#matrix-detail", Label).update(
            f"{row.unit_name}: " + ("；".join(parts) if parts else t("matrix.loses_nothing"))
        )

    @on(DataTable.RowSelected, "#matrix")
    def _selected(self, event: DataTable.RowSelected) -> None:
        from .trend import UnitTrendScreen

        key = event.row_key.value
        if key and key != BENCHMARK_ROW:
            self.app.push_screen(UnitTrendScreen(key, self.month))
