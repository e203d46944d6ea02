"""A problem's page: what, where, by when; its rectifications, evidence (images drawn
where the terminal can), the notices that listed it and its whole history; and the
actions its state allows — each key is offered only when the move is legal.

``r`` record a rectification · ``a`` attach evidence · ``s`` submit for verification ·
``c`` verify and close (銷號) · ``x`` reject · ``d`` extend the deadline · ``R`` reopen ·
``v`` open the highlighted file in the system's viewer · ``o`` open the inspection.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.message import Message
from textual.widgets import DataTable, Footer, Header, Label, Static

from ...i18n import MESSAGES, t
from ...models import ProblemState
from ...rules import ProblemAction, allowed_actions
from ...services import overview
from ...services.evidence import Attachment, human_size
from ...services.problem_list import warning
from .. import tracking
from ..format import date, label, moment
from ..widgets import Table
from ..widgets.evidence import EvidencePreview
from .base import BaseScreen, LoadFailed
from .problems import warning_style

OWNER_KEYS = {"problems": "pview.on_problem", "rectifications": "pview.on_rectification"}


def _action(action: str) -> str:
    """A history entry's action in the UI language (unknown ones as stored)."""
    return t(f"event.{action}") if f"event.{action}" in MESSAGES else action


def _text(value: object) -> Text:
    """Data as typed: never read as markup (``[b]`` stays ``[b]``)."""
    return Text("" if value is None else str(value))


class ProblemScreen(BaseScreen[None]):
    AUTO_FOCUS = "#problem-view"

    BINDINGS = [
        Binding("r", "rectify", "key.rectify", id="problem.rectify"),
        Binding("a", "attach", "key.attach", id="problem.attach"),
        Binding("s", "submit", "key.submit", id="problem.submit"),
        Binding("c", "close_problem", "key.close_problem", id="problem.close"),
        Binding("x", "reject", "key.reject", id="problem.reject"),
        Binding("d", "extend", "key.extend", id="problem.extend"),
        Binding("R", "reopen", "key.reopen", id="problem.reopen"),
        Binding("v", "view_file", "key.view_file", id="problem.view_file"),
        Binding("o", "open_inspection", "key.open_inspection", id="problem.open_inspection"),
        Binding("tab", "app.focus_next", "key.next_section", id="problem.next", show=False),
    ]

    class ProblemLoaded(Message):
        def __init__(self, page: tracking.ProblemPage) -> None:
            super().__init__()
            self.page = page

    class PreviewLoaded(Message):
        def __init__(self, attachment: Attachment, data: bytes) -> None:
            super().__init__()
            self.attachment = attachment
            self.data = data

    class FileOpened(Message):
        def __init__(self, attachment: Attachment, path: Path) -> None:
            super().__init__()
            self.attachment = attachment
            self.path = path

    def __init__(self, problem_id: str) -> None:
        super().__init__()
        self.problem_id = problem_id
        self.page: tracking.ProblemPage | None = None
        self.opened: list[Path] = []  # files handed to the viewer (for tests)

    @property
    def detail(self) -> overview.ProblemDetail | None:
        """The problem, its unit, indicator and history, once loaded."""
        return self.page.detail if self.page else None

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False, icon="")
        with VerticalScroll(id="problem-view"):
            yield Static("", id="pv-description", classes="ind-title")
            yield Static("", id="pv-facts")
            yield Static("", id="pv-actions")
            yield Label("", id="pv-rect-title", classes="section-title")
            yield Table(id="pv-rectifications", cursor_type="none")
            yield Label("", id="pv-evidence-title", classes="section-title")
            yield Table(id="pv-evidence")
            yield EvidencePreview(id="pv-preview")
            yield Label("", id="pv-notices-title", classes="section-title")
            yield Table(id="pv-notices", cursor_type="none")
            yield Label("", id="pv-history-title", classes="section-title")
            yield Table(id="pv-history", cursor_type="none")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = t("common.loading")
        self.query_one("#problem-view", VerticalScroll).can_focus = True
        for table_id in ("#pv-rectifications", "#pv-notices", "#pv-history"):
            self.query_one(table_id, Table).can_focus = False  # Tab: the page, then the files
        self.reload()

    # ------------------------------------------------------------------ which keys

    @property
    def actions(self) -> list[str]:
        """The moves the problem's state allows (none while loading or read-only)."""
        if self.page is None or self.db.readonly:
            return []
        return allowed_actions(self.page.problem.state)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        moves = self.actions
        page = self.page
        match action:
            case "rectify":
                # what the unit did is recorded until it is submitted for verification
                return ProblemAction.START in moves or ProblemAction.SUBMIT in moves
            case "submit":
                return ProblemAction.SUBMIT in moves
            case "close_problem":
                return ProblemAction.CLOSE in moves
            case "reject":
                return ProblemAction.REJECT in moves
            case "reopen":
                return ProblemAction.REOPEN in moves
            case "extend":
                # a closed problem has no deadline left to move (the service refuses it too)
                return (
                    bool(moves)
                    and page is not None
                    and page.problem.state is not ProblemState.CLOSED
                )
            case "attach":
                return page is not None and not self.db.readonly
            case "view_file":
                return page is not None and bool(page.attachments)
            case "open_inspection":
                return page is not None and page.problem.inspection_id is not None
        return super().check_action(action, parameters)

    # ------------------------------------------------------------------ loading

    def reload(self) -> None:
        self._load()

    @work(thread=True, exclusive=True, group="problem-load")
    def _load(self) -> None:
        try:
            page = self.db.call(tracking.problem_page, self.problem_id)
        except Exception as error:
            self.post_message(LoadFailed(error))
            return
        self.post_message(self.ProblemLoaded(page))

    @on(ProblemLoaded)
    def _loaded(self, message: ProblemLoaded) -> None:
        self.page = page = message.page
        detail = page.detail
        problem = detail.problem
        self.sub_title = t("pview.title", unit=detail.unit.name)
        self.query_one("#pv-description", Static).update(Text(problem.description, style="bold"))
        self.query_one("#pv-facts", Static).update(self._facts(page))
        self._show_rectifications(page)
        self._show_evidence(page)
        self._show_notices(page)
        self._show_history(page)
        self.refresh_bindings()
        self.query_one("#pv-actions", Static).update(self._actions_line())

    def _facts(self, page: tracking.ProblemPage) -> Text:
        detail = page.detail
        problem = detail.problem
        today = self.inspect_app.today()
        level = warning(problem.state, problem.deadline, problem.reopened, today)
        text = Text()
        text.append(t("pview.unit", unit=detail.unit.name, code=detail.unit.code))
        text.append("\n")
        text.append(
            t(
                "pview.found",
                date=date(problem.found_on),
                severity=label(problem.severity),
                state="",
            )
        )
        text.append(label(problem.state), style="bold")
        text.append("\n")
        deadline = Text(
            t("pview.deadline_now", deadline=date(problem.deadline)),
            style=warning_style(self.app, level),
        )
        if problem.state is not ProblemState.CLOSED:
            late = (today - problem.deadline).days
            when = (
                t("common.days_overdue", days=late)
                if late > 0
                else t("common.today")
                if late == 0
                else t("common.days_left", days=-late)
            )
            deadline.append(t("pview.when", when=when))
        text.append_text(deadline)
        if problem.original_deadline != problem.deadline:
            text.append(t("pview.original", original=date(problem.original_deadline)))
        if problem.closed_on:
            text.append(t("pview.closed_on", date=date(problem.closed_on)))
        if detail.indicator_code:
            text.append("\n")
            text.append(
                t("pview.indicator", code=detail.indicator_code, title=detail.indicator_title or "")
            )
        if detail.inspection_date:
            text.append("\n")
            text.append(t("pview.inspection", date=date(detail.inspection_date)))
        if problem.requirement:
            text.append("\n")
            text.append(t("pview.requirement", text=problem.requirement))
        if problem.responsible:
            text.append("\n")
            text.append(t("pview.responsible", name=problem.responsible))
        if problem.reopened:
            text.append("\n")
            text.append(
                t("pview.reopened", count=problem.reopened), style=warning_style(self.app, level)
            )
        return text

    def _actions_line(self) -> Text:
        """The keys this state allows, in the order of the procedure."""
        text = Text()
        for binding in self._bindings.key_to_bindings.values():
            for b in binding:
                if b.action in ("back", "refresh", "app.focus_next") or not b.show:
                    continue
                if self.check_action(b.action, ()) is not True:
                    continue
                if text:
                    text.append(" · ")
                text.append(self.app.get_key_display(b), style="bold")
                text.append(f" {b.description}")
        if not text and self.page is not None and not self.db.readonly:
            text.append(t("pview.no_actions"), style="dim")
        return text

    def _show_rectifications(self, page: tracking.ProblemPage) -> None:
        rows = page.rectifications
        self.query_one("#pv-rect-title", Label).update(t("pview.rectifications", count=len(rows)))
        files: dict[str, int] = {}
        for a in page.attachments:
            if a.owner_table == "rectifications":
                files[a.owner_id] = files.get(a.owner_id, 0) + 1
        table = self.query_one("#pv-rectifications", Table)
        table.set_data(
            [t("col.date"), t("col.what"), t("col.references"), t("col.files"), t("col.by")],
            [
                (
                    r.id,
                    [
                        date(r.done_on),
                        _text(r.description),
                        _text("; ".join(r.evidence)),
                        str(files.get(r.id, 0)),
                        _text(r.recorded_by),
                    ],
                )
                for r in rows
            ],
        )
        table.display = bool(rows)

    def _show_evidence(self, page: tracking.ProblemPage) -> None:
        items = page.attachments
        self.query_one("#pv-evidence-title", Label).update(
            t("pview.evidence", count=len(items)) if items else t("pview.no_evidence")
        )
        done_on = {r.id: r.done_on for r in page.rectifications}
        table = self.query_one("#pv-evidence", Table)
        table.set_data(
            [
                t("col.file"),
                t("col.size"),
                t("col.type"),
                t("col.attached_to"),
                t("col.by"),
                t("col.when"),
            ],
            [
                (
                    a.id,
                    [
                        _text(a.name),
                        human_size(a.size),
                        a.mime + (f" {a.width}×{a.height}" if a.width and a.height else ""),
                        t(
                            OWNER_KEYS.get(a.owner_table, a.owner_table),
                            date=date(done_on.get(a.owner_id)),
                        ),
                        _text(a.attached_by),
                        moment(a.created_at),
                    ],
                )
                for a in items
            ],
        )
        table.display = bool(items)
        self.query_one("#pv-preview", EvidencePreview).display = bool(items)
        self._preview(self._current_attachment())

    def _show_notices(self, page: tracking.ProblemPage) -> None:
        table = self.query_one("#pv-notices", Table)
        title = self.query_one("#pv-notices-title", Label)
        if page.notices is None:
            title.update(t("pview.notices_unknown"))
            table.display = False
            return
        title.update(t("pview.notices", count=len(page.notices)))
        table.set_data(
            [t("col.serial"), t("col.issued"), t("col.received")],
            [
                (n.id, [_text(serial), date(n.issued_on), date(n.received_on)])
                for n, serial in page.notices
            ],
        )
        table.display = bool(page.notices)

    def _show_history(self, page: tracking.ProblemPage) -> None:
        events = page.detail.events
        self.query_one("#pv-history-title", Label).update(
            t("pview.history_count", count=len(events))
        )
        self.query_one("#pv-history", Table).set_data(
            [t("col.when"), t("col.action"), t("col.state"), t("col.by"), t("col.note")],
            [
                (
                    event["id"],
                    [
                        moment(event["at"]),
                        _action(event["action"]),
                        label(event["to_state"]) if event.get("to_state") else "",
                        _text(event["by"]),
                        _text(event["note"]),
                    ],
                )
                for event in events
            ],
        )

    # ------------------------------------------------------------------ evidence

    def _current_attachment(self) -> Attachment | None:
        if self.page is None or not self.page.attachments:
            return None
        key = self.query_one("#pv-evidence", Table).current_key
        return next((a for a in self.page.attachments if a.id == key), self.page.attachments[0])

    @on(DataTable.RowHighlighted, "#pv-evidence")
    def _evidence_highlighted(self) -> None:
        self._preview(self._current_attachment())

    def _preview(self, attachment: Attachment | None) -> None:
        preview = self.query_one("#pv-preview", EvidencePreview)
        if EvidencePreview.wants_content(attachment):
            assert attachment is not None
            preview.show(attachment)
            self._load_preview(attachment)
        else:
            preview.show(attachment)

    @work(thread=True, exclusive=True, group="evidence-preview")
    def _load_preview(self, attachment: Attachment) -> None:
        try:
            data = self.db.call(tracking.evidence_bytes, attachment)
        except Exception as error:
            self.post_message(LoadFailed(error))
            return
        self.post_message(self.PreviewLoaded(attachment, data))

    @on(PreviewLoaded)
    def _preview_loaded(self, message: PreviewLoaded) -> None:
        if self._current_attachment() == message.attachment:
            self.query_one("#pv-preview", EvidencePreview).show(message.attachment, message.data)

    @on(DataTable.RowSelected, "#pv-evidence")
    def _evidence_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_view_file()

    def action_view_file(self) -> None:
        attachment = self._current_attachment()
        if attachment is not None:
            self._open_file(attachment)

    @work(thread=True, group="evidence-open")
    def _open_file(self, attachment: Attachment) -> None:
        try:
            path = self.db.call(tracking.evidence_copy, attachment.id)
            self.inspect_app.opener(path)
        except Exception as error:
            self.post_message(LoadFailed(error))
            return
        self.post_message(self.FileOpened(attachment, path))

    @on(FileOpened)
    def _file_opened(self, message: FileOpened) -> None:
        self.opened.append(message.path)
        self.notify(t("pview.opened", name=message.attachment.name), timeout=3)

    def on_load_failed(self, message: LoadFailed) -> None:
        self.notify(
            t("pview.failed", message=tracking.describe_error(message.error)),
            severity="error",
            timeout=8,
        )

    # ------------------------------------------------------------------ actions

    def _changed(self, note_key: str) -> Callable[[Any], None]:
        """What to do when a dialog closes: if it saved, say so and read the page again."""

        def done(result: object) -> None:
            if result is not None:
                self.notify(t(note_key), timeout=3)
                self.reload()

        return done

    def action_rectify(self) -> None:
        from .problem_actions import RectifyDialog

        if self.page is not None and self.check_action("rectify", ()):
            self.app.push_screen(RectifyDialog(self.page), self._changed("pview.rectified"))

    def action_attach(self) -> None:
        from .attach import AttachDialog, Target

        page = self.page
        if page is None or self.db.readonly:
            return
        targets = [Target("problem", page.problem.id, t("attach.to_problem"))] + [
            Target(
                "rectification",
                r.id,
                t("attach.to_rectification", date=date(r.done_on), what=r.description),
            )
            for r in page.rectifications
        ]
        # closing asks for evidence on the rectifications: the latest one is the default
        default = len(targets) - 1
        self.app.push_screen(AttachDialog(targets, default), self._changed("pview.attached"))

    def action_submit(self) -> None:
        from .problem_actions import SubmitDialog

        if self.page is not None and self.check_action("submit", ()):
            self.app.push_screen(SubmitDialog(self.page), self._changed("pview.submitted"))

    def action_close_problem(self) -> None:
        from .problem_actions import CloseDialog

        if self.page is not None and self.check_action("close_problem", ()):
            dialog = CloseDialog(
                self.page, evidence_required=self.inspect_app.settings.evidence_required
            )
            self.app.push_screen(dialog, self._changed("pview.closed"))

    def action_reject(self) -> None:
        from .problem_actions import RejectDialog

        if self.page is not None and self.check_action("reject", ()):
            self.app.push_screen(RejectDialog(self.page), self._changed("pview.rejected"))

    def action_extend(self) -> None:
        from .problem_actions import ExtendDialog

        if self.page is not None and self.check_action("extend", ()):
            self.app.push_screen(ExtendDialog(self.page), self._changed("pview.extended"))

    def action_reopen(self) -> None:
        from .problem_actions import ReopenDialog

        if self.page is not None and self.check_action("reopen", ()):
            self.app.push_screen(ReopenDialog(self.page), self._changed("pview.reopened_done"))

    def action_open_inspection(self) -> None:
        if self.page is not None and self.page.problem.inspection_id:
            self.inspect_app.open_inspection(self.page.problem.inspection_id)
