"""The problems list's other filters: unit, the unit's inspection, severity, indicator
code, and the days of "due within"."""

from __future__ import annotations

from dataclasses import dataclass

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.message import Message
from textual.widgets import Footer, Input, Label, Select

from ...i18n import t
from ...models import Severity
from ...services.problem_list import InspectionChoice, ProblemFilter
from .. import tracking
from ..format import date, label
from ..widgets import DialogButtons, Field
from .base import BaseDialog, SaveFailed, error_text

ANY = "any"
MAX_DAYS = 3660


@dataclass(frozen=True)
class FilterChoice:
    filter: ProblemFilter
    unit_name: str
    inspection_label: str
    due_days: int | None


def inspection_label(choice: InspectionChoice) -> str:
    return t(
        "pfilter.inspection_option",
        date=date(choice.date),
        kind=label(choice.kind),
        count=choice.problems,
    )


class FilterDialog(BaseDialog[FilterChoice | None]):
    """Returns the filter chosen (the quick filters and the text kept), or ``None``."""

    AUTO_FOCUS = "#unit"

    class UnitFound(Message):
        def __init__(self, choice: tracking.UnitChoice, then_save: bool) -> None:
            super().__init__()
            self.choice = choice
            self.then_save = then_save

    def __init__(
        self,
        current: ProblemFilter,
        *,
        unit_name: str = "",
        inspection_label: str = "",
        due_days: int = 7,
        lock_unit: bool = False,
    ) -> None:
        super().__init__()
        self.current = current
        self.unit_name = unit_name
        self.inspection_text = inspection_label
        self.due_days = due_days
        self.lock_unit = lock_unit
        self._unit: tracking.UnitChoice | None = None
        self._resolved_text: str | None = None
        self._busy = False

    def compose(self) -> ComposeResult:
        f = self.current
        with Vertical(classes="dialog dialog-small dialog-tracking"):
            yield Label(t("pfilter.title"), classes="dialog-title")
            with VerticalScroll(classes="dialog-body"):
                yield Field(
                    t("pfilter.unit"),
                    Input(
                        value=self.unit_name if f.unit_id else "",
                        placeholder=t("pfilter.unit_placeholder"),
                        id="unit",
                        compact=True,
                        disabled=self.lock_unit,
                    ),
                    id="unit-field",
                    hint="",
                )
                yield Field(
                    t("pfilter.inspection"),
                    Select(
                        [(t("pfilter.any"), ANY)]
                        + (
                            [(self.inspection_text or f.inspection_id, f.inspection_id)]
                            if f.inspection_id
                            else []
                        ),
                        value=f.inspection_id or ANY,
                        allow_blank=False,
                        compact=True,
                        id="inspection",
                    ),
                    id="inspection-field",
                )
                yield Field(
                    t("pfilter.severity"),
                    Select(
                        [(t("pfilter.any"), ANY)] + [(label(s), s.value) for s in Severity],
                        value=f.severity.value if f.severity else ANY,
                        allow_blank=False,
                        compact=True,
                        id="severity",
                    ),
                    id="severity-field",
                )
                yield Field(
                    t("pfilter.indicator"),
                    Input(
                        value=f.indicator_code or "", placeholder="B1", id="indicator", compact=True
                    ),
                    id="indicator-field",
                )
                yield Field(
                    t("pfilter.due_days"),
                    Input(
                        value=str(f.due_within if f.due_within is not None else self.due_days),
                        id="due-days",
                        compact=True,
                    ),
                    id="due-days-field",
                )
            yield DialogButtons(t("pfilter.apply"))
        yield Footer()

    def on_mount(self) -> None:
        if self.lock_unit:
            self.query_one("#inspection", Select).focus()
        if self.current.unit_id:
            self._resolved_text = self.query_one("#unit", Input).value
            self._find_unit(self.current.unit_id, then_save=False)

    # ------------------------------------------------------------------ the unit

    def _find_unit(self, text: str, *, then_save: bool) -> None:
        future = self.db.submit(tracking.find_unit, text)
        self.await_write(future, lambda choice: self.UnitFound(choice, then_save), "unit")

    @on(Input.Submitted, "#unit")
    def _unit_submitted(self) -> None:
        text = self.query_one("#unit", Input).value.strip()
        if text:
            self._resolved_text = text
            self._find_unit(text, then_save=False)
        self.query_one("#inspection", Select).focus()

    @on(Input.Changed, "#unit")
    def _unit_changed(self, event: Input.Changed) -> None:
        if event.value != self._resolved_text:
            self._unit = None
            self.query_one("#unit-field", Field).show_error(None)
            self.query_one("#unit-field", Field).set_hint("")

    @on(UnitFound)
    def _unit_found(self, message: UnitFound) -> None:
        self._unit = choice = message.choice
        unit = choice.unit
        field = self.query_one("#unit-field", Field)
        field.show_error(None)
        field.set_hint(f"→ {unit.name} ({unit.code})")
        select = self.query_one("#inspection", Select)
        keep = select.value
        options = [(t("pfilter.any"), ANY)] + [
            (inspection_label(i), i.id) for i in choice.inspections
        ]
        select.set_options(options)
        if keep in {i.id for i in choice.inspections}:
            select.value = keep
        if message.then_save:
            self._busy = False
            self.action_save()

    # ------------------------------------------------------------------ saving

    @on(Input.Submitted, "#indicator, #due-days")
    def _submitted(self) -> None:
        self.action_save()

    def action_save(self) -> None:
        if self._busy:
            return
        days_field = self.query_one("#due-days-field", Field)
        days_text = self.query_one("#due-days", Input).value.strip()
        days: int | None = None
        if days_text:
            if not days_text.isdigit() or not 0 <= int(days_text) <= MAX_DAYS:
                days_field.show_error(t("pfilter.bad_days", value=days_text, max=MAX_DAYS))
                self.show_first_error()
                return
            days = int(days_text)
        days_field.show_error(None)
        text = self.query_one("#unit", Input).value.strip()
        if text and not self.lock_unit and (self._unit is None or text != self._resolved_text):
            self._busy = True
            self._resolved_text = text
            self._find_unit(text, then_save=True)
            return
        f = self.current
        unit_id = (
            f.unit_id if self.lock_unit else (self._unit.unit.id if text and self._unit else None)
        )
        unit_name = (
            self.unit_name
            if self.lock_unit
            else (self._unit.unit.name if unit_id and self._unit else "")
        )
        inspection = self.query_one("#inspection", Select).value
        inspection_id = str(inspection) if inspection not in (ANY, Select.BLANK) else None
        inspection_text = ""
        if inspection_id:
            choices = self._unit.inspections if self._unit else []
            found = [inspection_label(i) for i in choices if i.id == inspection_id]
            inspection_text = found[0] if found else self.inspection_text
        severity = self.query_one("#severity", Select).value
        code = self.query_one("#indicator", Input).value.strip()
        chosen = f.with_(
            unit_id=unit_id,
            inspection_id=inspection_id if unit_id or self.lock_unit else None,
            severity=Severity(str(severity)) if severity != ANY else None,
            indicator_code=code or None,
            due_within=days if f.due_within is not None and days is not None else f.due_within,
        )
        self.dismiss(FilterChoice(chosen, unit_name, inspection_text, days))

    def on_save_failed(self, message: SaveFailed) -> None:
        self._busy = False
        self._unit = None
        field = self.query_one("#unit-field", Field)
        field.set_hint("")
        field.show_error(error_text(message.error))
        self.show_first_error()
