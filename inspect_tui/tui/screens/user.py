"""The first start: who is inspecting? The name goes into ``settings.yaml`` (so it is
asked once) and onto every change from now on (the audit log, sign-offs, histories).

Shown only when neither ``--user``, ``INSPECT_TUI_USER`` nor the settings file names
anyone (see ``cli.Options.settings_user``). Escape keeps the login name for this session
and asks again next time.
"""

from __future__ import annotations

from pathlib import Path

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Footer, Input, Label

from ...errors import InspectError
from ...i18n import t
from ...locations import settings_file
from ...rules import clean_text
from ..identity import remember_user
from ..text import shown_path
from ..widgets import DialogButtons, Field
from .base import BaseDialog, SaveFailed

NAME_LIMIT = 100


class UserDialog(BaseDialog[str | None]):
    """Returns the name saved, or ``None`` when put off."""

    AUTO_FOCUS = "#name"

    class UserRemembered(Message):
        def __init__(self, user: str, path: Path) -> None:
            super().__init__()
            self.user = user
            self.path = path

    def __init__(self) -> None:
        super().__init__()
        self._busy = False

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog dialog-small"):
            yield Label(t("user.title"), classes="dialog-title")
            yield Label(
                t("user.why", path=shown_path(settings_file())), classes="field-hint dialog-text"
            )
            yield Field(t("user.name"), Input(id="name", compact=True), id="name-field")
            yield DialogButtons()
        yield Footer()

    @on(Input.Submitted, "#name")
    def action_save(self) -> None:
        if self._busy:
            return
        field = self.query_one("#name-field", Field)
        try:
            name = clean_text(
                t("field.user"),
                self.query_one("#name", Input).value,
                limit=NAME_LIMIT,
                required=True,
            ).strip()
        except InspectError as error:
            field.show_error(error.message)
            return
        field.show_error(None)
        self._busy = True
        future = self.db.submit(remember_user, name)
        self.await_write(future, lambda path: self.UserRemembered(name, path))

    @on(UserRemembered)
    def _remembered(self, message: UserRemembered) -> None:
        self.notify(t("user.saved", name=message.user, path=shown_path(message.path)), timeout=5)
        self.dismiss(message.user)

    def on_save_failed(self, message: SaveFailed) -> None:
        self._busy = False
        self.query_one("#name-field", Field).show_error(
            t("common.save_failed", message=str(message.error))
        )
