"""Attaching evidence files (photos, scans, PDFs, documents) to a problem, one of its
rectifications, or an answer: type a path (Tab completes it), Enter stores the file and
clears the field for the next one. A file that is missing, a folder or too big is named
under the field, and nothing is stored."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.message import Message
from textual.widgets import Footer, Input, Label, RadioButton, RadioSet

from ...i18n import t
from ...services.evidence import Attachment
from .. import tracking
from ..text import clip
from ..widgets import DialogButtons, Field
from ..widgets.path_input import PathInput
from .base import BaseDialog, SaveFailed


@dataclass(frozen=True)
class Target:
    """What a file can be attached to: ``owner`` is problem, rectification or answer."""

    owner: str
    owner_id: str
    label: str


class AttachDialog(BaseDialog[list[Attachment] | None]):
    """Returns the files attached while it was open (``None`` when none was)."""

    AUTO_FOCUS = "#path"

    class FilesAttached(Message):
        def __init__(self, attachments: list[Attachment]) -> None:
            super().__init__()
            self.attachments = attachments

    def __init__(self, targets: list[Target], default: int = 0, *, title: str = "") -> None:
        super().__init__()
        self.targets = targets
        self.default = default
        self.title_text = title or t("attach.title")
        self.attached: list[Attachment] = []
        self._busy = False
        self._close_after = False  # ctrl+s with a path typed: attach it, then close

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog dialog-tracking"):
            yield Label(self.title_text, classes="dialog-title")
            with VerticalScroll(classes="dialog-body"):
                if len(self.targets) > 1:
                    yield Field(
                        t("attach.to"),
                        RadioSet(
                            *(
                                RadioButton(clip(target.label, 60), value=n == self.default)
                                for n, target in enumerate(self.targets)
                            ),
                            id="target",
                            compact=True,
                        ),
                        id="target-field",
                    )
                else:
                    yield Label(self.targets[0].label, classes="field-hint", markup=False)
                yield Field(
                    t("attach.path"),
                    PathInput(id="path", placeholder=t("attach.placeholder"), compact=True),
                    id="path-field",
                    hint=t("attach.hint", mb=self._limit_mb()),
                )
                yield Label("", id="attached", classes="ok", markup=False)
            yield DialogButtons(t("attach.done"))
        yield Footer()

    def _limit_mb(self) -> str:
        mb = self.inspect_app.settings.max_attachment_mb
        return f"{mb:g}"

    @property
    def target(self) -> Target:
        if len(self.targets) == 1:
            return self.targets[0]
        index = self.query_one("#target", RadioSet).pressed_index
        return self.targets[index if index >= 0 else self.default]

    @on(PathInput.Candidates, "#path")
    def _candidates(self, message: PathInput.Candidates) -> None:
        hint = "  ".join(message.names) if message.names else t("attach.hint", mb=self._limit_mb())
        self.query_one("#path-field", Field).set_hint(hint)

    @on(Input.Changed, "#path")
    def _changed(self) -> None:
        self.query_one("#path-field", Field).show_error(None)

    @on(Input.Submitted, "#path")
    def _submitted(self) -> None:
        self.attach()

    def attach(self) -> None:
        """Store the file in the field (Enter)."""
        if self._busy or self.db.readonly:
            return
        text = self.query_one("#path", PathInput).value.strip()
        field = self.query_one("#path-field", Field)
        if not text:
            field.show_error(t("err.required", field=t("attach.path")))
            return
        path = Path(text).expanduser()
        if not path.is_absolute():
            path = Path.cwd() / path
        target = self.target
        limit = int(self.inspect_app.settings.max_attachment_mb * 1024 * 1024)
        self._busy = True
        future = self.db.submit(tracking.attach_files, target.owner, target.owner_id, [path], limit)
        self.await_write(future, self.FilesAttached, "attach")

    @on(FilesAttached)
    def _attached(self, message: FilesAttached) -> None:
        self._busy = False
        self.attached.extend(message.attachments)
        path_input = self.query_one("#path", PathInput)
        path_input.value = ""
        path_input.focus()
        lines = [t("attach.attached", line=a.describe()) for a in self.attached]
        self.query_one("#attached", Label).update("\n".join(lines))
        if self._close_after:
            self.dismiss(self.attached)

    def on_save_failed(self, message: SaveFailed) -> None:
        self._busy = False
        self._close_after = False
        self.query_one("#path-field", Field).show_error(tracking.describe_error(message.error))
        self.query_one("#path", PathInput).focus()

    def action_save(self) -> None:
        """Done (ctrl+s): a path still in the field is attached first."""
        if self.query_one("#path", PathInput).value.strip():
            self._close_after = True
            self.attach()
            return
        self.dismiss(self.attached or None)

    def action_cancel(self) -> None:
        self.dismiss(self.attached or None)
