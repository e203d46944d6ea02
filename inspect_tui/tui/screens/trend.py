"""A unit's benchmarking page: its score over the last 12 or 36 months as a line of blocks
(a gap where it was not inspected, never a zero), and where it loses points in the month,
beside the benchmark unit of each indicator and the practices to learn from."""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.message import Message
from textual.widgets import Footer, Header, Label, Static

from ...i18n import t
from ...services import ranking_views
from ...services.ranking import TrendPoint
from ..format import num
from ..widgets import Table
from .base import BaseScreen, LoadFailed

BLOCKS = "▁▂▃▄▅▆▇█"
SPANS = (12, 36)


def sparkline(points: Sequence[TrendPoint], low: float = 40.0, high: float = 100.0) -> Text:
    """One cell per month: a block as high as the score (``low``..``high``), red when the
    unit lagged, green when it was the benchmark, a dim dot when it was not inspected."""
    text = Text()
    for point in points:
        if point.score is None:
            text.append("·", style="dim")
            continue
        share = (min(max(point.score, low), high) - low) / (high - low)
        block = BLOCKS[min(len(BLOCKS) - 1, int(share * len(BLOCKS)))]
        style = "bold red" if point.lagging else "bold green" if point.benchmark else "cyan"
        text.append(block, style=style)
    return text


def trend_summary(points: Sequence[TrendPoint]) -> str:
    scored = [p.score for p in points if p.score is not None]
    if not scored:
        return t("trend.never")
    return t(
        "trend.summary",
        first=points[0].month,
        last=points[-1].month,
        low=num(min(scored)),
        high=num(max(scored)),
        inspected=len(scored),
        months=len(points),
        lagging=sum(1 for p in points if p.lagging),
    )


class UnitTrendScreen(BaseScreen[None]):
    AUTO_FOCUS = "#trend-losses"
    BINDINGS = [
        Binding("y", "span", "key.trend_span", id="trend.span"),
    ]

    class TrendLoaded(Message):
        def __init__(self, page: ranking_views.UnitBenchmark) -> None:
            super().__init__()
            self.page = page

    def __init__(self, unit_id: str, month: str, months: int = 12) -> None:
        super().__init__()
        self.unit_id = unit_id
        self.month = month
        self.months = months
        self.page: ranking_views.UnitBenchmark | None = None

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False, icon="")
        with VerticalScroll(id="trend"):
            yield Label("", id="trend-title", classes="section-title")
            yield Static("", id="trend-line")
            yield Label("", id="trend-summary")
            yield Label(t("trend.losses"), id="trend-losses-title", classes="section-title")
            yield Table(id="trend-losses")
            yield Label(t("trend.practices"), classes="section-title")
            yield Static("", id="trend-practices")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = t("trend.title")
        self.reload()

    def reload(self) -> None:
        self._load()

    @work(thread=True, exclusive=True, group="trend-load")
    def _load(self) -> None:
        try:
            page = self.db.call(ranking_views.unit_benchmark, self.unit_id, self.month, self.months)
        except Exception as error:
            self.post_message(LoadFailed(error))
            return
        self.post_message(self.TrendLoaded(page))

    @on(TrendLoaded)
    def _loaded(self, message: TrendLoaded) -> None:
        page = self.page = message.page
        self.sub_title = t("trend.title_unit", unit=page.unit_name)
        self.query_one("#trend-title", Label).update(
            t("trend.heading", unit=page.unit_name, months=len(page.trend))
        )
        line = sparkline(page.trend)
        line.append("\n")
        line.append(page.trend[0].month if page.trend else "", style="dim")
        if len(page.trend) > 1:
            pad = max(1, len(page.trend) - 2 * len(page.trend[0].month))
            line.append(" " * pad + page.trend[-1].month, style="dim")
        for point in page.trend[-3:]:
            rank = f"{point.rank}/{point.ranked}" if point.rank is not None else "–"
            score = num(point.score) if point.score is not None else t("rank.not_inspected")
            line.append(f"\n{point.month}  {score}  {rank}")
        self.query_one("#trend-line", Static).update(line)
        self.query_one("#trend-summary", Label).update(trend_summary(page.trend))
        self.query_one("#trend-losses-title", Label).update(
            t("trend.losses_month", month=page.month)
        )
        rows = []
        for loss in page.losses:
            best = loss.benchmark
            rows.append(
                (
                    loss.indicator.indicator_id,
                    [
                        loss.indicator.code,
                        loss.indicator.title,
                        f"{num(loss.score)}/{num(loss.indicator.max_score)}",
                        Text(num(loss.lost), style="bold red"),
                        best.unit_name if best else "–",
                    ],
                )
            )
        self.query_one("#trend-losses", Table).set_data(
            [
                t("col.code"),
                t("col.indicator"),
                t("col.score"),
                t("col.lost"),
                t("col.benchmark_unit"),
            ],
            rows,
        )
        self.query_one("#trend-practices", Static).update(self._practices_text(page))

    @staticmethod
    def _practices_text(page: ranking_views.UnitBenchmark) -> Text:
        text = Text()
        for suggestion in page.suggestions:
            if not suggestion.practices:
                continue
            if text:
                text.append("\n")
            column = suggestion.loss.indicator
            text.append(f"{column.code} {column.title}\n", style="bold")
            for practice in suggestion.practices:
                text.append(f"  ★ {practice.unit_name} ({practice.month}): ", style="green")
                text.append(practice.description + "\n")
        return text or Text(t("common.none"), style="dim")

    def action_span(self) -> None:
        self.months = SPANS[(SPANS.index(self.months) + 1) % len(SPANS)]
        self.reload()
