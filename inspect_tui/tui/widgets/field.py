"""A labelled input with its error shown right under it."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.widget import Widget
from textual.widgets import Label


class FieldError(Label):
    """The inline message of a field; empty (and hidden) while the field is right.

    Shown literally, never as markup: a message may quote what was typed (``'[/b]' is
    not a date``), and markup in it used to crash the dialog."""

    def show(self, message: str | None) -> None:
        self.update(Content(message or ""))
        self.set_class(bool(message), "-visible")


class Field(Vertical):
    """``label`` over ``control`` over an error line."""

    def __init__(
        self, label: str, control: Widget, *, id: str | None = None, hint: str | None = None
    ) -> None:
        super().__init__(id=id, classes="field")
        self._label = label
        self.control = control
        self._hint = hint

    def compose(self) -> ComposeResult:
        yield Label(self._label, classes="field-label")
        yield self.control
        if self._hint is not None:
            hint = Label(self._hint, classes="field-hint")
            hint.display = bool(self._hint)
            yield hint
        yield FieldError(classes="field-error")

    @property
    def error(self) -> FieldError:
        return self.query_one(FieldError)

    def show_error(self, message: str | None) -> None:
        self.error.show(message)
        self.set_class(bool(message), "-invalid")

    def set_hint(self, text: str) -> None:
        hint = self.query_one(".field-hint", Label)
        hint.update(text)
        hint.display = bool(text)
        if text:
            hint.scroll_visible(animate=False)
