"""Recording a problem found in an inspection: description, severity, requirement,
responsible person and deadline (``2026-12-31``, ``12-31`` or ``+30`` days)."""

from __future__ import annotations

import datetime as dt

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.message import Message
from textual.widgets import Footer, Input, Label, Select, TextArea

from ...errors import InspectError, InvalidInput
from ...i18n import t
from ...models import Indicator, Inspection, Problem, Severity, Unit
from ...rules import clean_text, parse_date
from ...services import problems
from ...services.problems import TEXT_LIMIT
from ..format import label
from ..widgets import DialogButtons, Field
from .base import BaseDialog, SaveFailed, error_text


def check_deadline(text: str, today: dt.date, inspection_date: dt.date) -> dt.date:
    """The deadline typed, or ``InvalidInput``: not a date, or before the inspection."""
    if not text.strip():
        raise InvalidInput(t("err.required", field=t("field.deadline")))
    deadline = parse_date(text, today)
    if deadline < inspection_date:
        raise InvalidInput(
            t("err.deadline_before_inspection", deadline=deadline, date=inspection_date)
        )
    return deadline


class ProblemDialog(BaseDialog[Problem | None]):
    """Returns the saved problem, or ``None`` when cancelled. Nothing is saved while a
    field is wrong; each field says what is wrong with it."""

    AUTO_FOCUS = "#description"

    class ProblemAdded(Message):
        def __init__(self, problem: Problem) -> None:
            super().__init__()
            self.problem = problem

    def __init__(self, inspection: Inspection, unit: Unit, indicator: Indicator | None) -> None:
        super().__init__()
        self.inspection = inspection
        self.unit = unit
        self.indicator = indicator
        self._busy = False

    def compose(self) -> ComposeResult:
        title = (
            t("problem.title_on", code=self.indicator.code, unit=self.unit.name)
            if self.indicator
            else t("problem.title", unit=self.unit.name)
        )
        with Vertical(classes="dialog"):
            yield Label(title, classes="dialog-title")
            with VerticalScroll(classes="dialog-body"):
                yield Field(
                    t("problem.description"),
                    TextArea(id="description", soft_wrap=True, compact=True, tab_behavior="focus"),
                    id="description-field",
                )
                yield Field(
                    t("problem.severity"),
                    Select(
                        [(label(s), s.value) for s in Severity],
                        value=Severity.GENERAL.value,
                        allow_blank=False,
                        compact=True,
                        id="severity",
                    ),
                    id="severity-field",
                )
                yield Field(
                    t("problem.requirement"),
                    TextArea(id="requirement", soft_wrap=True, compact=True, tab_behavior="focus"),
                    id="requirement-field",
                )
                yield Field(
                    t("problem.responsible"),
                    Input(id="responsible", compact=True),
                    id="responsible-field",
                )
                yield Field(
                    t("problem.deadline"),
                    Input(id="deadline", placeholder="+30", compact=True),
                    id="deadline-field",
                    hint="",
                )
            yield DialogButtons()
        yield Footer()

    @on(Input.Changed, "#deadline")
    def _deadline_changed(self, event: Input.Changed) -> None:
        if event.value.strip():
            self._check_deadline()
        else:
            self.query_one("#deadline-field", Field).show_error(None)
            self.query_one("#deadline-field", Field).set_hint("")

    def _check_deadline(self) -> dt.date | None:
        field = self.query_one("#deadline-field", Field)
        try:
            deadline = check_deadline(
                self.query_one("#deadline", Input).value,
                self.inspect_app.today(),
                self.inspection.date,
            )
        except InspectError as error:
            field.show_error(error.message)
            field.set_hint("")
            return None
        field.show_error(None)
        field.set_hint(
            t(
                "problem.deadline_is",
                date=deadline.isoformat(),
                weekday=t(f"weekday.{deadline.weekday()}"),
            )
        )
        return deadline

    def _text(self, name: str, *, required: bool = False, limit: int = TEXT_LIMIT) -> str | None:
        widget = self.query_one(f"#{name}")
        value = widget.text if isinstance(widget, TextArea) else widget.value  # type: ignore[attr-defined]
        field = self.query_one(f"#{name}-field", Field)
        try:
            text = clean_text(t(f"field.{name}"), value, limit=limit, required=required)
        except InspectError as error:
            field.show_error(error.message)
            return None
        field.show_error(None)
        return text

    @on(Input.Submitted, "#deadline")
    def _submitted(self) -> None:
        self.action_save()

    def action_save(self) -> None:
        if self._busy:
            return
        description = self._text("description", required=True)
        requirement = self._text("requirement")
        responsible = self._text("responsible", limit=200)
        deadline = self._check_deadline()
        if description is None or requirement is None or responsible is None or deadline is None:
            self.show_first_error()
            return
        severity = Severity(str(self.query_one("#severity", Select).value))
        self._busy = True
        future = self.db.submit(
            problems.add_problem,
            inspection_id=self.inspection.id,
            indicator=self.indicator.id if self.indicator else None,
            description=description.strip(),
            severity=severity,
            requirement=requirement.strip(),
            responsible=responsible.strip(),
            deadline=deadline,
        )
        self.await_write(future, self.ProblemAdded)

    @on(ProblemAdded)
    def _added(self, message: ProblemAdded) -> None:
        self.dismiss(message.problem)

    def on_save_failed(self, message: SaveFailed) -> None:
        self._busy = False
        where = message.where
        if where in ("description", "requirement", "responsible", "deadline"):
            self.query_one(f"#{where}-field", Field).show_error(error_text(message.error))
            self.show_first_error()
        else:
            self.notify(
                t("common.save_failed", message=error_text(message.error)), severity="error"
            )
