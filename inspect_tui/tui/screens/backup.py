"""Backing the database up from the app: where to (beside the database, with today's
date, by default), then ``services.audit.backup`` — SQLite's online backup, a consistent
copy even while this app writes — on the database thread."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Footer, Input, Label

from ...errors import InspectError
from ...i18n import t
from ...rules import clean_text
from ...services import audit
from ..text import shown_path
from ..widgets import DialogButtons, Field
from ..widgets.path_input import PathInput
from .base import BaseDialog, SaveFailed


def default_backup_path(database: Path, today: dt.date) -> Path:
    """``inspect-backup-2026-03-16.db`` beside ``inspect.db``; ``-2``, ``-3`` … when a
    backup of that day is already there (a backup never overwrites)."""
    stem = f"{database.stem}-backup-{today.isoformat()}"
    candidate = database.with_name(stem + database.suffix)
    number = 2
    while candidate.exists():
        candidate = database.with_name(f"{stem}-{number}{database.suffix}")
        number += 1
    return candidate


class BackupDialog(BaseDialog[Path | None]):
    """Asks where to write the copy, makes it; returns its path, or ``None``."""

    AUTO_FOCUS = "#out"

    class BackedUp(Message):
        def __init__(self, path: Path) -> None:
            super().__init__()
            self.path = path

    def __init__(self) -> None:
        super().__init__()
        self._busy = False

    def compose(self) -> ComposeResult:
        database = self.db.store.path
        default = default_backup_path(database, self.inspect_app.today())
        with Vertical(classes="dialog dialog-small"):
            yield Label(t("backup.title"), classes="dialog-title")
            yield Label(t("common.db", path=shown_path(database)), classes="field-hint dialog-text")
            yield Field(
                t("backup.out"),
                PathInput(value=shown_path(default), id="out", compact=True),
                id="out-field",
            )
            yield DialogButtons(t("key.back_up"))
        yield Footer()

    @on(Input.Submitted, "#out")
    def action_save(self) -> None:
        if self._busy:
            return
        field = self.query_one("#out-field", Field)
        try:
            text = clean_text(
                t("field.file"), self.query_one("#out", Input).value, limit=4096, required=True
            ).strip()
        except InspectError as error:
            field.show_error(error.message)
            return
        field.show_error(None)
        self._busy = True
        future = self.db.submit(audit.backup, Path(text).expanduser())
        self.await_write(future, self.BackedUp)

    @on(BackedUp)
    def _done(self, message: BackedUp) -> None:
        self.dismiss(message.path)

    def on_save_failed(self, message: SaveFailed) -> None:
        self._busy = False
        error = message.error
        text = str(error) if isinstance(error, InspectError) else f"{type(error).__name__}: {error}"
        self.query_one("#out-field", Field).show_error(text)
