"""The moves of a problem, one dialog each: record a rectification (with its files),
submit for verification, verify and close (銷號), reject, extend the deadline, reopen.

Each dialog checks what it can before asking (a date that is no date, an empty reason),
then calls one service on the database thread; what the service refuses is shown next to
the field it names, or under the fields. Every dialog returns the saved result, or
``None`` when cancelled.
"""

from __future__ import annotations

import datetime as dt
import re
from concurrent.futures import Future
from pathlib import Path
from typing import Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.message import Message
from textual.widgets import Footer, Input, Label, TextArea

from ...errors import InspectError, InvalidInput
from ...i18n import t
from ...rules import clean_text, parse_date
from ...services import problems
from ...services.problems import TEXT_LIMIT
from .. import tracking
from ..format import date, label
from ..text import clip
from ..widgets import DialogButtons, Field, FieldError
from ..widgets.path_input import PathInput
from .base import BaseDialog, SaveFailed

_REFERENCES = re.compile(r"[;；\n]")


def split_references(text: str) -> list[str]:
    """Evidence references as typed, separated by semicolons (also full-width)."""
    return [part.strip() for part in _REFERENCES.split(text) if part.strip()]


def when_hint(day: dt.date) -> str:
    return t("problem.deadline_is", date=day.isoformat(), weekday=t(f"weekday.{day.weekday()}"))


class ProblemActionDialog(BaseDialog[Any]):
    """A dialog about one problem: its summary, the fields of the move, a line for what
    the service refuses, and save / cancel."""

    TITLE_KEY = ""
    OK_KEY = "key.save"
    # a service error's ``where`` → the field that shows it
    WHERE: dict[str, str] = {}

    class Saved(Message):
        def __init__(self, result: object) -> None:
            super().__init__()
            self.result = result

    def __init__(self, page: tracking.ProblemPage) -> None:
        super().__init__()
        self.page = page
        self._busy = False

    @property
    def problem_id(self) -> str:
        return self.page.problem.id

    def compose(self) -> ComposeResult:
        problem = self.page.problem
        with Vertical(classes="dialog dialog-tracking"):
            yield Label(t(self.TITLE_KEY), classes="dialog-title")
            summary = Text(clip(problem.description, 140))
            summary.append(
                f"\n{self.page.detail.unit.name} · {label(problem.state)} · "
                + t("pview.deadline_now", deadline=date(problem.deadline)),
                style="dim",
            )
            yield Label(summary, classes="field-hint")
            with VerticalScroll(classes="dialog-body"):
                yield from self.compose_fields()
            yield FieldError(id="dialog-error", classes="field-error")
            yield DialogButtons(t(self.OK_KEY))
        yield Footer()

    def compose_fields(self) -> ComposeResult:
        return iter(())

    # ------------------------------------------------------------------ checking

    def text_of(
        self, name: str, field_name: str, *, required: bool = False, limit: int = TEXT_LIMIT
    ) -> str | None:
        """The text of field ``name``, or ``None`` after showing what is wrong with it."""
        widget = self.query_one(f"#{name}")
        value = widget.text if isinstance(widget, TextArea) else widget.value  # type: ignore[attr-defined]
        field = self.query_one(f"#{name}-field", Field)
        try:
            text = clean_text(t(field_name), value, limit=limit, required=required)
        except InspectError as error:
            field.show_error(error.message)
            return None
        field.show_error(None)
        return text.strip()

    def date_of(self, name: str, *, required: bool = True) -> dt.date | None | bool:
        """The date typed in ``name`` (``None``: left empty and optional), or ``False``
        after showing what is wrong with it."""
        field = self.query_one(f"#{name}-field", Field)
        text = self.query_one(f"#{name}", Input).value
        if not text.strip():
            if required:
                field.show_error(t("err.required", field=t("field.date")))
                return False
            field.show_error(None)
            return None
        try:
            day = parse_date(text, self.inspect_app.today())
        except InspectError as error:
            field.show_error(error.message)
            field.set_hint("")
            return False
        field.show_error(None)
        field.set_hint(when_hint(day))
        return day

    def show_refusal(self, message: str | None) -> None:
        self.query_one("#dialog-error", FieldError).show(message)

    # ------------------------------------------------------------------ saving

    def action_save(self) -> None:
        if self._busy:
            return
        self.show_refusal(None)
        future = self.submit()
        if future is None:
            self.show_first_error()
            return
        self._busy = True
        self.await_write(future, self.Saved)

    def submit(self) -> Future[Any] | None:
        """Check the fields and queue the service call; ``None`` when a field is wrong."""
        return None

    @on(Saved)
    def _saved(self, message: Saved) -> None:
        self.dismiss(message.result)

    def on_save_failed(self, message: SaveFailed) -> None:
        self._busy = False
        error = message.error
        text = error.message if isinstance(error, InspectError) else tracking.describe_error(error)
        field_id = self.WHERE.get(message.where or "")
        if field_id is None and message.where and self.WHERE.get("*path"):
            field_id = self.WHERE["*path"]  # a file the service names by its path
            text = tracking.describe_error(error)
        if field_id:
            self.query_one(f"#{field_id}", Field).show_error(text)
            self.show_first_error()
        else:
            self.show_refusal(text)


# ---------------------------------------------------------------------- record a rectification


class RectifyDialog(ProblemActionDialog):
    """What was done, when, with which references (document numbers, file paths) and
    files; the files are stored with the rectification in the same transaction."""

    AUTO_FOCUS = "#what"
    TITLE_KEY = "rectify.title"
    WHERE = {"done_on": "done-field", "description": "what-field", "*path": "file-field"}

    class FileChecked(Message):
        def __init__(self, path: Path, error: Exception | None) -> None:
            super().__init__()
            self.path = path
            self.error = error

    def __init__(self, page: tracking.ProblemPage) -> None:
        super().__init__(page)
        self.files: list[Path] = []

    def compose_fields(self) -> ComposeResult:
        today = self.inspect_app.today()
        yield Field(
            t("rectify.what"),
            TextArea(id="what", soft_wrap=True, compact=True, tab_behavior="focus"),
            id="what-field",
        )
        yield Field(
            t("rectify.done_on"),
            Input(value=today.isoformat(), id="done", compact=True),
            id="done-field",
            hint="",
        )
        yield Field(
            t("rectify.references"),
            Input(id="refs", placeholder=t("rectify.references_placeholder"), compact=True),
            id="refs-field",
        )
        yield Field(
            t("rectify.file"),
            PathInput(id="file", placeholder=t("attach.placeholder"), compact=True),
            id="file-field",
            hint=t("rectify.file_hint"),
        )
        yield Label(t("rectify.no_files"), id="files", classes="field-hint", markup=False)

    @on(Input.Changed, "#done")
    def _done_changed(self) -> None:
        self.date_of("done")

    @on(PathInput.Candidates, "#file")
    def _candidates(self, message: PathInput.Candidates) -> None:
        self.query_one("#file-field", Field).set_hint(
            "  ".join(message.names) or t("rectify.file_hint")
        )

    @on(Input.Changed, "#file")
    def _file_changed(self) -> None:
        self.query_one("#file-field", Field).show_error(None)

    @on(Input.Submitted, "#file")
    def _add_file(self) -> None:
        """Enter adds the file to the list, once it is known to be one that can be stored."""
        text = self.query_one("#file", PathInput).value.strip()
        if not text:
            return
        path = Path(text).expanduser()
        if not path.is_absolute():
            path = Path.cwd() / path
        self._check_file(path, self.limit)

    @property
    def limit(self) -> int:
        return int(self.inspect_app.settings.max_attachment_mb * 1024 * 1024)

    @work(thread=True, group="file-check")
    def _check_file(self, path: Path, limit: int) -> None:
        try:
            tracking.check_files([path], limit)
        except Exception as error:
            self.post_message(self.FileChecked(path, error))
            return
        self.post_message(self.FileChecked(path, None))

    @on(FileChecked)
    def _file_checked(self, message: FileChecked) -> None:
        field = self.query_one("#file-field", Field)
        if message.error is not None:
            field.show_error(tracking.describe_error(message.error))
            field.error.scroll_visible(animate=False)
            return
        if message.path not in self.files:
            self.files.append(message.path)
        self.query_one("#file", PathInput).value = ""
        field.show_error(None)
        files = self.query_one("#files", Label)
        files.update(t("rectify.files", names="、".join(p.name for p in self.files)))
        files.scroll_visible(animate=False)

    def submit(self) -> Future[Any] | None:
        what = self.text_of("what", "field.description", required=True)
        done = self.date_of("done")
        refs = self.text_of("refs", "field.references")
        if what is None or not isinstance(done, dt.date) or refs is None:
            return None
        pending = self.query_one("#file", PathInput).value.strip()
        if pending:
            self.query_one("#file-field", Field).show_error(t("rectify.file_pending"))
            return None
        return self.db.submit(
            tracking.record_rectification,
            self.problem_id,
            description=what,
            done_on=done,
            references=split_references(refs),
            files=list(self.files),
            limit=self.limit,
        )


# ---------------------------------------------------------------------- submit for verification


class SubmitDialog(ProblemActionDialog):
    AUTO_FOCUS = "#note"
    TITLE_KEY = "submit.title"
    OK_KEY = "submit.ok"

    def compose_fields(self) -> ComposeResult:
        files = len([a for a in self.page.attachments if a.owner_table == "rectifications"])
        yield Label(
            t("submit.summary", count=len(self.page.rectifications), files=files),
            classes="field-hint",
        )
        yield Field(t("submit.note"), Input(id="note", compact=True), id="note-field")

    @on(Input.Submitted, "#note")
    def _submitted(self) -> None:
        self.action_save()

    def submit(self) -> Future[Any] | None:
        note = self.text_of("note", "field.note")
        if note is None:
            return None
        return self.db.submit(problems.submit_for_verification, self.problem_id, note)


# ---------------------------------------------------------------------- verify and close


class CloseDialog(ProblemActionDialog):
    """Closing is checked against the evidence on the rectifications (對賬銷號): without
    any, a reason is asked for — or, when a setting makes evidence mandatory, closing is
    refused until a file is attached."""

    AUTO_FOCUS = "#note"
    TITLE_KEY = "close.title"
    OK_KEY = "close.ok"
    WHERE = {"closed_on": "closed-field"}

    def __init__(self, page: tracking.ProblemPage, *, evidence_required: bool) -> None:
        super().__init__(page)
        self.evidence_required = evidence_required

    @property
    def without_evidence(self) -> bool:
        return self.page.rectification_evidence == 0

    def compose_fields(self) -> ComposeResult:
        today = self.inspect_app.today()
        if not self.without_evidence:
            yield Label(
                t("close.evidence", count=self.page.rectification_evidence), classes="field-hint"
            )
        elif self.evidence_required:
            yield Label(t("close.evidence_required"), id="close-refused", classes="warning")
        yield Field(t("close.note"), Input(id="note", compact=True), id="note-field")
        yield Field(
            t("close.closed_on"),
            Input(value=today.isoformat(), id="closed", compact=True),
            id="closed-field",
            hint="",
        )
        if self.without_evidence and not self.evidence_required:
            yield Field(
                t("close.reason"),
                Input(id="reason", compact=True),
                id="reason-field",
                hint=t("close.reason_hint"),
            )

    def on_mount(self) -> None:
        if self.without_evidence and self.evidence_required:
            self.query_one("#ok").disabled = True

    @on(Input.Changed, "#closed")
    def _closed_changed(self) -> None:
        self.date_of("closed")

    def submit(self) -> Future[Any] | None:
        if self.without_evidence and self.evidence_required:
            self.show_refusal(t("err.evidence_required"))
            return None
        note = self.text_of("note", "field.note")
        closed = self.date_of("closed")
        reason = ""
        if self.without_evidence:
            reason_text = self.text_of("reason", "field.reason", required=True)
            if reason_text is None:
                return None
            reason = reason_text
        if note is None or not isinstance(closed, dt.date):
            return None
        return self.db.submit(
            problems.close_problem,
            self.problem_id,
            note=note,
            closed_on=closed,
            without_evidence_reason=reason,
            evidence_required=self.evidence_required,
        )


# ---------------------------------------------------------------------- reject, extend, reopen


class RejectDialog(ProblemActionDialog):
    AUTO_FOCUS = "#reason"
    TITLE_KEY = "reject.title"
    OK_KEY = "reject.ok"

    def compose_fields(self) -> ComposeResult:
        yield Field(t("reject.reason"), Input(id="reason", compact=True), id="reason-field")

    @on(Input.Submitted, "#reason")
    def _submitted(self) -> None:
        self.action_save()

    def submit(self) -> Future[Any] | None:
        reason = self.text_of("reason", "field.reason", required=True)
        if reason is None:
            return None
        return self.db.submit(problems.reject, self.problem_id, reason=reason)


class ExtendDialog(ProblemActionDialog):
    """A later deadline and why; the first deadline stays on the problem's page."""

    AUTO_FOCUS = "#deadline"
    TITLE_KEY = "extend.title"
    OK_KEY = "extend.ok"
    WHERE = {"deadline": "deadline-field"}

    def compose_fields(self) -> ComposeResult:
        problem = self.page.problem
        yield Label(
            t(
                "extend.current",
                deadline=date(problem.deadline),
                original=date(problem.original_deadline),
            ),
            classes="field-hint",
        )
        yield Field(
            t("extend.deadline"),
            Input(id="deadline", placeholder="+30", compact=True),
            id="deadline-field",
            hint="",
        )
        yield Field(t("extend.reason"), Input(id="reason", compact=True), id="reason-field")

    @on(Input.Changed, "#deadline")
    def _deadline_changed(self, event: Input.Changed) -> None:
        if event.value.strip():
            self.date_of("deadline")

    @on(Input.Submitted, "#reason")
    def _submitted(self) -> None:
        self.action_save()

    def submit(self) -> Future[Any] | None:
        deadline = self.date_of("deadline")
        reason = self.text_of("reason", "field.reason", required=True)
        if not isinstance(deadline, dt.date) or reason is None:
            return None
        return self.db.submit(
            problems.extend_deadline, self.problem_id, deadline=deadline, reason=reason
        )


class ReopenDialog(ProblemActionDialog):
    """A follow-up (回頭看) found the problem again: why, and optionally a new deadline."""

    AUTO_FOCUS = "#reason"
    TITLE_KEY = "reopen.title"
    OK_KEY = "reopen.ok"
    WHERE = {"deadline": "deadline-field"}

    def compose_fields(self) -> ComposeResult:
        yield Field(t("reopen.reason"), Input(id="reason", compact=True), id="reason-field")
        yield Field(
            t("reopen.deadline"),
            Input(id="deadline", placeholder="+30", compact=True),
            id="deadline-field",
            hint="",
        )

    @on(Input.Changed, "#deadline")
    def _deadline_changed(self, event: Input.Changed) -> None:
        if event.value.strip():
            self.date_of("deadline", required=False)

    def submit(self) -> Future[Any] | None:
        reason = self.text_of("reason", "field.reason", required=True)
        deadline = self.date_of("deadline", required=False)
        if reason is None or deadline is False:
            return None
        return self.db.submit(
            problems.reopen,
            self.problem_id,
            reason=reason,
            deadline=deadline if isinstance(deadline, dt.date) else None,
        )


__all__ = [
    "CloseDialog",
    "ExtendDialog",
    "InvalidInput",
    "RectifyDialog",
    "RejectDialog",
    "ReopenDialog",
    "SubmitDialog",
    "split_references",
]
