"""Amending an answer of a signed-off inspection: the new result and a reason, kept in
the inspection's history."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.message import Message
from textual.widgets import Footer, Input, Label, RadioButton, RadioSet

from ...errors import InspectError
from ...i18n import t
from ...models import Answer, Indicator, Result
from ...rules import clean_text, needs_value, score_answer
from ..answering import Recorded, amend
from ..format import label, num
from ..widgets import DialogButtons, Field
from .base import BaseDialog, SaveFailed, error_text
from .value import check_value, value_prompt


class AmendDialog(BaseDialog[Recorded | None]):
    """Returns a ``Recorded`` (the amended answer and the new score), or ``None``."""

    AUTO_FOCUS = "#result"

    class AnswerAmended(Message):
        def __init__(self, recorded: Recorded) -> None:
            super().__init__()
            self.recorded = recorded

    def __init__(self, inspection_id: str, indicator: Indicator, answer: Answer) -> None:
        super().__init__()
        self.inspection_id = inspection_id
        self.indicator = indicator
        self.answer = answer
        self._busy = False

    def compose(self) -> ComposeResult:
        ind, answer = self.indicator, self.answer
        with Vertical(classes="dialog"):
            yield Label(t("amend.title", code=ind.code), classes="dialog-title")
            with VerticalScroll(classes="dialog-body"):
                yield Label(
                    t("amend.current", result=label(answer.result), score=num(answer.score)),
                    classes="field-hint",
                )
                yield Field(
                    t("amend.result"),
                    RadioSet(
                        *(
                            RadioButton(label(r), value=r is answer.result, id=f"result-{r.value}")
                            for r in Result
                        ),
                        id="result",
                        compact=True,
                    ),
                    id="result-field",
                )
                yield Field(
                    t("amend.value") + " — " + value_prompt(ind),
                    Input(
                        value=num(answer.value) if answer.value is not None else "",
                        id="value",
                        compact=True,
                    ),
                    id="value-field",
                )
                yield Field(
                    t("amend.remark"),
                    Input(value=answer.remark, id="remark", compact=True),
                    id="remark-field",
                )
                yield Field(t("amend.reason"), Input(id="reason", compact=True), id="reason-field")
            yield DialogButtons()
        yield Footer()

    def _result(self) -> Result:
        pressed = self.query_one("#result", RadioSet).pressed_button
        if pressed is None or pressed.id is None:
            return self.answer.result
        return Result(pressed.id.removeprefix("result-"))

    @on(Input.Submitted)
    def _ok(self) -> None:
        self.action_save()

    def action_save(self) -> None:
        if self._busy:
            return
        ind = self.indicator
        result = self._result()
        ok = True
        value: float | None = None
        value_field = self.query_one("#value-field", Field)
        try:
            if needs_value(ind.rule, result):
                value, _score = check_value(ind, result, self.query_one("#value", Input).value)
            else:
                score_answer(ind.rule, ind.max_score, result, None, code=ind.code)
            value_field.show_error(None)
        except InspectError as error:
            value_field.show_error(error.message)
            ok = False
        remark_field = self.query_one("#remark-field", Field)
        remark = self.query_one("#remark", Input).value
        try:
            clean_text(t("field.remark"), remark)
            remark_field.show_error(None)
        except InspectError as error:
            remark_field.show_error(error.message)
            ok = False
        reason_field = self.query_one("#reason-field", Field)
        reason = self.query_one("#reason", Input).value
        try:
            reason = clean_text(t("field.reason"), reason, limit=2000, required=True).strip()
            reason_field.show_error(None)
        except InspectError as error:
            reason_field.show_error(error.message)
            ok = False
        if not ok:
            self.show_first_error()
            return
        self._busy = True
        future = self.db.submit(amend, self.inspection_id, ind.id, result, value, remark, reason)
        self.await_write(future, self.AnswerAmended)

    @on(AnswerAmended)
    def _amended(self, message: AnswerAmended) -> None:
        self.dismiss(message.recorded)

    def on_save_failed(self, message: SaveFailed) -> None:
        self._busy = False
        where = message.where if message.where in ("reason", "value", "remark") else "reason"
        self.query_one(f"#{where}-field", Field).show_error(error_text(message.error))
