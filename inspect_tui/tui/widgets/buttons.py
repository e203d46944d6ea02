"""The save / cancel row of a dialog (the mouse's way to ctrl+s and escape)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Button

from ...i18n import t


class DialogButtons(Horizontal):
    def __init__(self, ok: str | None = None) -> None:
        super().__init__(classes="dialog-buttons")
        self._ok = ok or t("key.save")

    def compose(self) -> ComposeResult:
        yield Button(self._ok, variant="primary", id="ok", compact=True)
        yield Button(t("key.cancel"), id="cancel", compact=True)
