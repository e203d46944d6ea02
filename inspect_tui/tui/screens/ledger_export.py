"""Exporting the problems list, as filtered, to a ledger (整改台賬): CSV or XLSX by the
file's extension, written by a worker with its progress shown; escape stops it and
leaves no file behind."""

from __future__ import annotations

import threading
from pathlib import Path

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Footer, Input, Label, ProgressBar

from ...i18n import t
from ...services.ledger import FORMATS
from ...services.problem_list import ProblemFilter
from .. import tracking
from ..text import shown_path
from ..widgets import DialogButtons, Field
from ..widgets.path_input import PathInput
from .base import BaseDialog, error_text


def default_name(today: object) -> str:
    return f"{t('export.file_stem')}-{today}.xlsx"


class ExportDialog(BaseDialog[tuple[Path, int] | None]):
    """Returns (the file written, rows), or ``None`` when cancelled."""

    AUTO_FOCUS = "#out"

    class ExportProgressed(Message):
        def __init__(self, done: int) -> None:
            super().__init__()
            self.done = done

    class LedgerExported(Message):
        def __init__(self, path: Path, rows: int) -> None:
            super().__init__()
            self.path = path
            self.rows = rows

    class ExportFailed(Message):
        def __init__(self, error: Exception) -> None:
            super().__init__()
            self.error = error

    def __init__(self, f: ProblemFilter, matching: int | None) -> None:
        super().__init__()
        self.filter = f
        self.matching = matching
        self.running = False
        self._cancelled = threading.Event()
        self._confirmed: Path | None = None  # an existing file the person chose to replace

    def compose(self) -> ComposeResult:
        count = "…" if self.matching is None else f"{self.matching:,}"
        with Vertical(classes="dialog dialog-tracking"):
            yield Label(t("export.title", count=count), classes="dialog-title")
            yield Field(
                t("export.path"),
                PathInput(value=default_name(self.inspect_app.today()), id="out", compact=True),
                id="out-field",
                hint=t("export.hint"),
            )
            yield ProgressBar(total=self.matching, show_eta=False, id="export-progress")
            yield Label("", id="export-step")
            yield DialogButtons(t("export.ok"))
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#export-progress", ProgressBar).display = False

    @on(PathInput.Candidates, "#out")
    def _candidates(self, message: PathInput.Candidates) -> None:
        hint = "  ".join(message.names) if message.names else t("export.hint")
        self.query_one("#out-field", Field).set_hint(hint)

    @on(Input.Changed, "#out")
    def _changed(self) -> None:
        self._confirmed = None
        self.query_one("#out-field", Field).show_error(None)

    @on(Input.Submitted, "#out")
    def _submitted(self) -> None:
        self.action_save()

    def _target(self) -> tuple[Path, str] | None:
        field = self.query_one("#out-field", Field)
        text = self.query_one("#out", PathInput).value.strip()
        if not text:
            field.show_error(t("err.required", field=t("export.path")))
            return None
        path = Path(text).expanduser()
        if not path.is_absolute():
            path = Path.cwd() / path
        fmt = path.suffix.lower().lstrip(".")
        if fmt not in FORMATS:
            field.show_error(t("export.bad_format", name=path.name))
            return None
        if path.is_dir():
            field.show_error(t("export.is_folder", path=shown_path(path)))
            return None
        if path.exists() and self._confirmed != path:
            self._confirmed = path
            field.show_error(t("export.exists", name=path.name))
            return None
        return path, fmt

    def action_save(self) -> None:
        if self.running:
            return
        target = self._target()
        if target is None:
            return
        path, fmt = target
        self.running = True
        self._cancelled.clear()
        self.query_one("#out", PathInput).disabled = True
        self.query_one("#ok").disabled = True
        bar = self.query_one("#export-progress", ProgressBar)
        bar.display = True
        bar.update(total=self.matching, progress=0)
        self.query_one("#export-step", Label).update(t("export.running", fmt=fmt.upper()))
        self._export(path, fmt)

    @work(thread=True, exclusive=True, group="ledger-export")
    def _export(self, path: Path, fmt: str) -> None:
        def progressed(done: int) -> None:  # on the database thread
            self.post_message(self.ExportProgressed(done))

        try:
            rows = self.db.call(
                tracking.export_ledger,
                self.filter,
                self.inspect_app.today(),
                path,
                fmt,
                progress=progressed,
                cancelled=self._cancelled,
            )
        except Exception as error:
            self.post_message(self.ExportFailed(error))
            return
        self.post_message(self.LedgerExported(path, rows))

    @on(ExportProgressed)
    def _progressed(self, message: ExportProgressed) -> None:
        self.query_one("#export-progress", ProgressBar).update(progress=message.done)
        self.query_one("#export-step", Label).update(t("export.rows", rows=f"{message.done:,}"))

    @on(LedgerExported)
    def _exported(self, message: LedgerExported) -> None:
        self.running = False
        self.query_one("#export-progress", ProgressBar).update(
            total=max(message.rows, 1), progress=max(message.rows, 1)
        )
        self.dismiss((message.path, message.rows))

    @on(ExportFailed)
    def _failed(self, message: ExportFailed) -> None:
        self.running = False
        self.query_one("#out", PathInput).disabled = False
        self.query_one("#ok").disabled = False
        self.query_one("#export-progress", ProgressBar).display = False
        self.query_one("#export-step", Label).update("")
        if isinstance(message.error, tracking.ExportCancelled):
            self.notify(t("export.cancelled"), timeout=4)
            self.dismiss(None)
            return
        self.query_one("#out-field", Field).show_error(error_text(message.error))
        self.query_one("#out", PathInput).focus()

    def action_cancel(self) -> None:
        if self.running:
            self._cancelled.set()  # the worker stops at its next progress step
            self.query_one("#export-step", Label).update(t("export.stopping"))
            return
        self.dismiss(None)
