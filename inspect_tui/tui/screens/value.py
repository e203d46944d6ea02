"""Small dialogs of the checklist: the number a rule asks for, and a remark."""

from __future__ import annotations

import math

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Footer, Input, Label

from ...errors import InspectError
from ...i18n import t
from ...models import DeductRule, Indicator, Result
from ...rules import clean_text, score_answer
from ..format import label, num
from ..widgets import DialogButtons, Field
from .base import BaseDialog


def parse_number(text: str) -> float:
    """A number as typed (``3``, ``2.5``, full-width digits too); ``InvalidInput`` if not."""
    from ...errors import InvalidInput

    cleaned = text.strip().translate(str.maketrans("０１２３４５６７８９．", "0123456789."))
    try:
        value = float(cleaned)
    except ValueError:
        raise InvalidInput(t("value.not_number", value=text.strip())) from None
    if not math.isfinite(value):
        raise InvalidInput(t("value.not_number", value=text.strip()))
    return value


def value_prompt(indicator: Indicator) -> str:
    rule = indicator.rule
    if isinstance(rule, DeductRule):
        return t("value.occurrences", per=num(rule.per_occurrence), floor=num(rule.floor))
    return t("value.score", max=num(indicator.max_score))


def check_value(indicator: Indicator, result: Result, text: str) -> tuple[float, float | None]:
    """The value typed and the score it earns, or ``InvalidInput`` saying what is wrong."""
    value = parse_number(text)
    score = score_answer(indicator.rule, indicator.max_score, result, value, code=indicator.code)
    return value, score


class ValueDialog(BaseDialog[float | None]):
    """Asks for occurrences (deduct rule) or a score (scale rule); returns a valid value."""

    AUTO_FOCUS = "#value"

    def __init__(self, indicator: Indicator, result: Result, preset: float | None = None) -> None:
        super().__init__()
        self.indicator = indicator
        self.result = result
        self.preset = preset

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog dialog-small"):
            yield Label(
                t("value.title", code=self.indicator.code, result=label(self.result)),
                classes="dialog-title",
            )
            yield Field(
                value_prompt(self.indicator),
                Input(
                    value=num(self.preset) if self.preset is not None else "",
                    id="value",
                    compact=True,
                ),
                id="value-field",
                hint="",
            )
            yield DialogButtons()
        yield Footer()

    @on(Input.Changed, "#value")
    def _changed(self, event: Input.Changed) -> None:
        field = self.query_one("#value-field", Field)
        if not event.value.strip():
            field.show_error(None)
            field.set_hint("")
            return
        self._check(event.value)

    def _check(self, text: str) -> float | None:
        field = self.query_one("#value-field", Field)
        try:
            value, score = check_value(self.indicator, self.result, text)
        except InspectError as error:
            field.show_error(error.message)
            field.set_hint("")
            return None
        field.show_error(None)
        field.set_hint(f"→ {num(score)}/{num(self.indicator.max_score)}")
        return value

    @on(Input.Submitted, "#value")
    def action_save(self) -> None:
        text = self.query_one("#value", Input).value
        if not text.strip():
            self.query_one("#value-field", Field).show_error(
                t("err.required", field=t("field.value"))
            )
            return
        value = self._check(text)
        if value is not None:
            self.dismiss(value)


class RemarkDialog(BaseDialog[str | None]):
    """Edits the remark of an answered indicator; returns the new text."""

    AUTO_FOCUS = "#remark"

    def __init__(self, indicator: Indicator, current: str) -> None:
        super().__init__()
        self.indicator = indicator
        self.current = current

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog dialog-small"):
            yield Label(t("remark.title", code=self.indicator.code), classes="dialog-title")
            yield Field(
                t("remark.field"),
                Input(value=self.current, id="remark", compact=True),
                id="remark-field",
            )
            yield DialogButtons()
        yield Footer()

    @on(Input.Submitted, "#remark")
    def action_save(self) -> None:
        text = self.query_one("#remark", Input).value
        try:
            clean_text(t("field.remark"), text, limit=10_000)
        except InspectError as error:
            self.query_one("#remark-field", Field).show_error(error.message)
            return
        self.dismiss(text)
