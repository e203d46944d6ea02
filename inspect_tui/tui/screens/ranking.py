"""The monthly ranking (月度對標): rank, unit, score, change, lagging and benchmark marks
of a month, its review state and the review-flow keys; lagging units go from here into a
supervisory inspection or a notice."""

from __future__ import annotations

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import DataTable, Footer, Header, Input, Label, Static

from ...errors import InspectError
from ...i18n import t
from ...rules import clean_text
from ...services import ranking_views
from ...services.ranking import RankingRow, shift_month
from ..format import num
from ..widgets import DialogButtons, Field, Table
from .base import BaseDialog, BaseScreen, LoadFailed, SaveFailed, error_text

# the ranking's warning colours (紅黃藍預警): bottom once, twice running, lagging
WARNING_STYLES = {"blue": "bold blue", "yellow": "bold yellow", "red": "bold red"}
STEPS = ("submit", "review", "consolidate", "approve")


def change_text(row: RankingRow) -> Text:
    """Month-on-month change: score difference, and places moved."""
    if row.change is None:
        return Text("–", style="dim")
    style = "green" if row.change > 0 else "red" if row.change < 0 else ""
    text = Text(f"{row.change:+g}", style=style)
    if row.rank_change:
        text.append(f" {'↑' if row.rank_change > 0 else '↓'}{abs(row.rank_change)}", style="dim")
    return text


def marks_text(row: RankingRow) -> Text:
    text = Text()
    if row.benchmark:
        text.append(t("rank.mark_benchmark"), style="bold green")
    if row.warning:
        if text:
            text.append(" ")
        key = "rank.mark_lagging" if row.lagging else "rank.mark_bottom"
        text.append(t(key, count=row.bottom_streak), style=WARNING_STYLES.get(row.warning, "bold"))
    return text


def review_text(view: ranking_views.RankingView) -> Text:
    """The month's review state, who did what, and what the user may do now."""
    review = view.review
    if review is None:
        return Text(t("rank.no_month"))
    text = Text()
    text.append(t("rank.state", state=t(f"rank.state_{review.state}")), style="bold")
    done = [
        t(f"rank.done_{step}", who=who)
        for step, who in (
            ("submit", review.submitted_by),
            ("review", review.reviewed_by),
            ("consolidate", review.consolidated_by),
            ("approve", review.published_by),
        )
        if who
    ]
    if done:
        text.append("  " + " · ".join(done), style="dim")
    if review.published:
        text.append("  " + t("rank.readonly"), style="bold yellow")
    if review.note:
        text.append("\n" + t("rank.note", note=review.note), style="italic")
    may = [t(f"rank.action_{a}") for a in view.actions]
    text.append("\n")
    text.append(
        t("rank.you_may", user=view.user or "?", actions="、".join(may))
        if may
        else t("rank.you_may_nothing", user=view.user or "?"),
        style="dim",
    )
    return text


class ReasonDialog(BaseDialog[str | None]):
    """Asks why (a send-back or a reopening needs a reason); returns it."""

    AUTO_FOCUS = "#reason"

    def __init__(self, title: str) -> None:
        super().__init__()
        self._title = title

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog dialog-small"):
            yield Label(self._title, classes="dialog-title")
            yield Field(t("rank.reason"), Input(id="reason", compact=True), id="reason-field")
            yield DialogButtons()
        yield Footer()

    @on(Input.Submitted, "#reason")
    def action_save(self) -> None:
        text = self.query_one("#reason", Input).value.strip()
        try:
            clean_text(t("rank.reason"), text, limit=2000, required=True)
        except InspectError as error:
            self.query_one("#reason-field", Field).show_error(error.message)
            return
        self.dismiss(text)


class RankingScreen(BaseScreen[None]):
    AUTO_FOCUS = "#ranking"
    BINDINGS = [
        Binding(
            "left_square_bracket",
            "month(-1)",
            "key.previous_month",
            id="ranking.previous_month",
            key_display="[",
        ),
        Binding(
            "right_square_bracket",
            "month(1)",
            "key.next_month",
            id="ranking.next_month",
            key_display="]",
        ),
        Binding("t", "trend", "key.trend", id="ranking.trend"),
        Binding("i", "indicators", "key.indicators", id="ranking.indicators"),
        Binding("g", "supervise", "key.supervise", id="ranking.supervise"),
        Binding("space", "mark", "key.mark_unit", id="ranking.mark", show=False),
        Binding("n", "notices", "key.issue_notices", id="ranking.notices"),
        Binding("s", "step('submit')", "key.step_submit", id="ranking.submit"),
        Binding("r", "step('review')", "key.step_review", id="ranking.review"),
        Binding("c", "step('consolidate')", "key.step_consolidate", id="ranking.consolidate"),
        Binding("a", "step('approve')", "key.step_approve", id="ranking.approve"),
        Binding("b", "step('send_back')", "key.step_send_back", id="ranking.send_back"),
        Binding("o", "step('reopen')", "key.step_reopen", id="ranking.reopen"),
        Binding("l", "notice_list", "key.notice_list", id="ranking.notice_list", show=False),
        Binding("f", "over_reports", "key.over_reports", id="ranking.over_reports", show=False),
        Binding("h", "practices", "key.practices", id="ranking.practices", show=False),
    ]

    class RankingLoaded(Message):
        def __init__(self, view: ranking_views.RankingView) -> None:
            super().__init__()
            self.view = view

    class StepTaken(Message):
        def __init__(self, action: str) -> None:
            super().__init__()
            self.action = action

    def __init__(self, month: str | None = None) -> None:
        super().__init__()
        self.month = month
        self.view: ranking_views.RankingView | None = None
        self.marked: set[str] = set()
        self._rows: dict[str, RankingRow] = {}

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False, icon="")
        with Vertical(id="ranking-box"):
            yield Label("", id="ranking-title", classes="section-title")
            yield Table(id="ranking")
            yield Static("", id="ranking-review")
            yield Static("", id="ranking-legend")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = t("rank.title")
        self.reload()

    def on_screen_resume(self) -> None:
        if self.view is not None:
            self.reload()

    def reload(self) -> None:
        self._load(self.month)

    @work(thread=True, exclusive=True, group="ranking-load")
    def _load(self, month: str | None) -> None:
        try:
            settings = self.inspect_app.benchmark_settings
            view = self.db.call(ranking_views.ranking_view, month, settings)
        except Exception as error:
            self.post_message(LoadFailed(error))
            return
        self.post_message(self.RankingLoaded(view))

    @on(RankingLoaded)
    def _loaded(self, message: RankingLoaded) -> None:
        view = self.view = message.view
        if view.month != self.month:
            self.marked.clear()
        self.month = view.month
        self._rows = {row.unit_id: row for row in view.rows}
        self.marked &= {r.unit_id for r in view.rows if r.lagging}
        self._show()

    def _show(self) -> None:
        view = self.view
        if view is None:
            return
        title = self.query_one("#ranking-title", Label)
        if view.month is None:
            title.update(t("rank.no_results"))
        else:
            lagging = sum(1 for r in view.rows if r.lagging)
            title.update(t("rank.heading", month=view.month, ranked=view.ranked, lagging=lagging))
        columns = [
            t("col.rank"),
            t("col.unit"),
            t("col.score"),
            t("col.change"),
            t("col.marks"),
        ]
        self.query_one("#ranking", Table).set_data(
            columns, [(row.unit_id, self._cells(row)) for row in view.rows]
        )
        self.query_one("#ranking-review", Static).update(review_text(view))
        self.query_one("#ranking-legend", Static).update(t("rank.legend"))
        self.refresh_bindings()

    def _cells(self, row: RankingRow) -> list[object]:
        style = WARNING_STYLES.get(row.warning or "", "")
        rank = Text(str(row.rank) if row.rank is not None else "–", style=style)
        name = Text(("● " if row.unit_id in self.marked else "") + row.unit_name, style=style)
        if row.score is None:
            score = Text(t("rank.not_inspected"), style="dim italic")
        else:
            score = Text(num(row.score))
        return [rank, name, score, change_text(row), marks_text(row)]

    # ------------------------------------------------------------------ moving

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        view = self.view
        if action == "month":
            if view is None or not view.months or self.month is None:
                return False
            step = int(str(parameters[0])) if parameters else 0
            target = shift_month(self.month, step)
            return view.months[0] <= target <= view.months[-1]
        if action in ("step", "supervise", "notices", "mark"):
            return not self.db.readonly and view is not None and view.month is not None
        return super().check_action(action, parameters)

    def action_month(self, step: int) -> None:
        if self.month is None:
            return
        self.month = shift_month(self.month, step)
        self.reload()

    @property
    def current(self) -> RankingRow | None:
        key = self.query_one("#ranking", Table).current_key
        return self._rows.get(key) if key else None

    def action_trend(self) -> None:
        from .trend import UnitTrendScreen

        row = self.current
        if row is not None and self.month:
            self.app.push_screen(UnitTrendScreen(row.unit_id, self.month))

    @on(DataTable.RowSelected, "#ranking")
    def _selected(self) -> None:
        self.action_trend()

    def action_indicators(self) -> None:
        from .indicator_matrix import IndicatorMatrixScreen

        if self.month:
            self.app.push_screen(IndicatorMatrixScreen(self.month))

    def action_notice_list(self) -> None:
        self.inspect_app.action_notices()

    def action_over_reports(self) -> None:
        from .selfreport import OverReportScreen

        if self.month:
            self.app.push_screen(OverReportScreen(self.month))

    def action_practices(self) -> None:
        self.inspect_app.action_practices()

    # ------------------------------------------------------------------ lagging units

    def action_mark(self) -> None:
        """Choose lagging units for a notice (none chosen: all of them)."""
        row = self.current
        if row is None:
            return
        if not row.lagging:
            self.notify(t("rank.mark_only_lagging", unit=row.unit_name), severity="warning")
            return
        self.marked ^= {row.unit_id}
        self._show()

    def action_supervise(self) -> None:
        """A supervisory inspection (督導檢查) of the highlighted unit."""
        row = self.current
        if row is not None:
            self._open_start(row.unit_id)

    @work(thread=True, exclusive=True, group="ranking-start")
    def _open_start(self, unit_id: str) -> None:
        try:
            line = self.db.call(ranking_views.unit_line, unit_id)
        except Exception as error:
            self.post_message(LoadFailed(error))
            return
        self.app.call_from_thread(self._start, line)

    def _start(self, line: object) -> None:
        from dataclasses import replace

        from ...services.overview import UnitLine
        from .start import StartDialog

        assert isinstance(line, UnitLine)
        # preselected to a supervisory inspection, as for any lagging unit
        line = replace(line, lagging=True)

        def started(inspection_id: str | None) -> None:
            if inspection_id:
                self.notify(t("start.started", unit=line.name), timeout=3)
                self.inspect_app.open_inspection(inspection_id)

        self.app.push_screen(StartDialog(line), started)

    def action_notices(self) -> None:
        from .notices import IssueNoticesScreen

        view = self.view
        if view is None or view.month is None:
            return
        lagging = [r for r in view.rows if r.lagging]
        chosen = [r for r in lagging if r.unit_id in self.marked] or lagging
        if not chosen:
            self.notify(t("rank.no_lagging", month=view.month), severity="warning")
            return
        self.app.push_screen(
            IssueNoticesScreen([(r.unit_id, r.unit_name) for r in chosen], view.month)
        )

    # ------------------------------------------------------------------ review flow

    def action_step(self, action: str) -> None:
        if self.view is None or self.month is None:
            return
        month = self.month
        if action in ("send_back", "reopen"):

            def given(reason: str | None) -> None:
                if reason:
                    self._take_step(month, action, reason)

            self.app.push_screen(ReasonDialog(t(f"rank.reason_{action}", month=month)), given)
            return
        self._take_step(month, action, "")

    def _take_step(self, month: str, action: str, reason: str) -> None:
        try:
            settings = self.inspect_app.benchmark_settings
        except Exception as error:
            self.report(error)
            return
        future = self.db.submit(ranking_views.review_step, month, action, settings, reason)
        self.await_write(future, lambda _: self.StepTaken(action), "review")

    @on(StepTaken)
    def _step_taken(self, message: StepTaken) -> None:
        self.notify(t(f"rank.done_note_{message.action}", month=self.month), timeout=4)
        self.reload()

    def on_save_failed(self, message: SaveFailed) -> None:
        # a refused step (role, state) is said in full, where the review state is shown
        text = t("rank.refused", message=error_text(message.error))
        self.notify(text, severity="error", timeout=10)
        status = self.query_one("#ranking-review", Static)
        if self.view is not None:
            body = review_text(self.view)
            body.append("\n" + text, style="bold red")
            status.update(body)
