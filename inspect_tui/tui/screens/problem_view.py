"""One problem: what, where, by when, and its history; o opens its inspection."""

from __future__ import annotations

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.message import Message
from textual.widgets import Footer, Header, Label, Static

from ...i18n import MESSAGES, t
from ...services import overview
from ..format import date, label, moment
from ..widgets import Table
from .base import BaseScreen, LoadFailed


def _action(action: str) -> str:
    """A history entry's action in the UI language (unknown ones as stored)."""
    return t(f"event.{action}") if f"event.{action}" in MESSAGES else action


class ProblemScreen(BaseScreen[None]):
    BINDINGS = [
        Binding("o", "open_inspection", "key.open_inspection", id="problem.open_inspection"),
    ]

    class ProblemLoaded(Message):
        def __init__(self, detail: overview.ProblemDetail) -> None:
            super().__init__()
            self.detail = detail

    def __init__(self, problem_id: str) -> None:
        super().__init__()
        self.problem_id = problem_id
        self.detail: overview.ProblemDetail | None = None

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False, icon="")
        with VerticalScroll(id="problem-view"):
            yield Static("", id="pv-description", classes="ind-title")
            yield Static("", id="pv-facts")
            yield Label(t("pview.history"), classes="section-title")
            yield Table(id="pv-history", cursor_type="none")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = t("common.loading")
        self.reload()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "open_inspection":
            return self.detail is not None and self.detail.problem.inspection_id is not None
        return super().check_action(action, parameters)

    def reload(self) -> None:
        self._load()

    @work(thread=True, exclusive=True, group="problem-load")
    def _load(self) -> None:
        try:
            detail = self.db.call(overview.problem_detail, self.problem_id)
        except Exception as error:
            self.post_message(LoadFailed(error))
            return
        self.post_message(self.ProblemLoaded(detail))

    @on(ProblemLoaded)
    def _loaded(self, message: ProblemLoaded) -> None:
        self.detail = detail = message.detail
        problem = detail.problem
        self.sub_title = t("pview.title", unit=detail.unit.name)
        self.query_one("#pv-description", Static).update(Text(problem.description, style="bold"))
        lines = [
            t(
                "pview.found",
                date=date(problem.found_on),
                severity=label(problem.severity),
                state=label(problem.state),
            ),
            t(
                "pview.deadline",
                deadline=date(problem.deadline),
                original=date(problem.original_deadline),
            ),
        ]
        if detail.indicator_code:
            lines.append(
                t("pview.indicator", code=detail.indicator_code, title=detail.indicator_title or "")
            )
        if problem.requirement:
            lines.append(t("pview.requirement", text=problem.requirement))
        if problem.responsible:
            lines.append(t("pview.responsible", name=problem.responsible))
        if problem.reopened:
            lines.append(t("pview.reopened", count=problem.reopened))
        self.query_one("#pv-facts", Static).update("\n".join(lines))
        self.query_one("#pv-history", Table).set_data(
            [t("col.when"), t("col.action"), t("col.state"), t("col.by"), t("col.note")],
            [
                (
                    event["id"],
                    [
                        moment(event["at"]),
                        _action(event["action"]),
                        label(event["to_state"]) if event.get("to_state") else "",
                        event["by"],
                        event["note"],
                    ],
                )
                for event in detail.events
            ],
        )
        self.refresh_bindings()

    def action_open_inspection(self) -> None:
        if self.detail is not None and self.detail.problem.inspection_id:
            self.inspect_app.open_inspection(self.detail.problem.inspection_id)
