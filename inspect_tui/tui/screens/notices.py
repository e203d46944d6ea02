"""Rectification notices (整改通知書) from the TUI: issuing a batch for lagging units (an
output folder, a printable check before anything is written, a progress bar, then what
was written), and the notices list — serial, unit, issued, received — where a receipt
slip (回執) is marked returned and a notice re-issued."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.message import Message
from textual.widgets import Footer, Header, Input, Label, ProgressBar, Static

from ...errors import InspectError
from ...i18n import t
from ...rules import parse_date
from ...services import notices, ranking_views
from ..format import date
from ..text import clip, shown_path
from ..widgets import DialogButtons, Field, Table
from ..widgets.path_input import PathInput
from .base import BaseDialog, BaseScreen, LoadFailed, SaveFailed, error_text


def notice_tools(app: Any) -> tuple[Any, Any]:
    """The template and fonts the settings name (the shipped ones by default)."""
    settings = app.settings
    return ranking_views.notice_fonts(
        settings.notice_font,
        settings.notice_title_font,
        settings.notice_fallback_fonts,
        getattr(settings, "notice_template", None),
    )


class IssueNoticesScreen(BaseScreen[None]):
    """One notice per chosen unit: check (nothing written), then issue with progress."""

    AUTO_FOCUS = "#out-dir"
    BINDINGS = [
        Binding("ctrl+s", "issue", "key.check_issue", id="notices.issue", priority=True),
    ]

    class NoticesChecked(Message):
        def __init__(self, plan: ranking_views.NoticePlan, folder: str) -> None:
            super().__init__()
            self.plan = plan
            self.folder = folder

    class NoticesProgressed(Message):
        def __init__(self, done: int, total: int, unit: str) -> None:
            super().__init__()
            self.done = done
            self.total = total
            self.unit = unit

    class NoticesIssued(Message):
        def __init__(self, result: notices.BatchResult) -> None:
            super().__init__()
            self.result = result

    class NoticesRefused(Message):
        def __init__(self, error: Exception) -> None:
            super().__init__()
            self.error = error

    def __init__(self, units: list[tuple[str, str]], month: str | None = None) -> None:
        super().__init__()
        self.units = units  # (unit id, name)
        self.month = month
        self.checked: str | None = None  # the folder the check passed for
        self.running = False
        self.result: notices.BatchResult | None = None

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False, icon="")
        with VerticalScroll(id="issue"):
            names = "、".join(name for _, name in self.units)
            yield Label(t("issue.for", count=len(self.units), units=clip(names, 300)))
            yield Field(
                t("issue.folder"),
                PathInput(value=str(Path.cwd()) + "/", id="out-dir", compact=True),
                id="out-dir-field",
                hint="",
            )
            yield Static(t("issue.how"), id="issue-check")
            yield ProgressBar(id="issue-progress", show_eta=False)
            yield Label("", id="issue-step")
            yield Table(id="issue-result", cursor_type="row")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = t("issue.title", month=self.month or "–")
        self.query_one("#issue-progress", ProgressBar).display = False
        self.query_one("#issue-result", Table).display = False
        if self.db.readonly:
            self.query_one("#issue-check", Static).update(
                Text(t("common.readonly_db", reason=self.db.store.readonly_reason), "bold red")
            )

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "issue":
            return not self.db.readonly and not self.running and self.result is None
        return super().check_action(action, parameters)

    @on(PathInput.Candidates, "#out-dir")
    def _candidates(self, message: PathInput.Candidates) -> None:
        hint = t("merge.candidates", names=clip("  ".join(message.names), 200))
        self.query_one("#out-dir-field", Field).set_hint(hint if message.names else "")

    @on(Input.Changed, "#out-dir")
    def _folder_changed(self) -> None:
        self.query_one("#out-dir-field", Field).show_error(None)
        if self.checked is not None:
            self.checked = None
            self.query_one("#issue-check", Static).update(t("issue.how"))

    @on(Input.Submitted, "#out-dir")
    def _submitted(self) -> None:
        self.action_issue()

    def _folder(self) -> str:
        return self.query_one("#out-dir", PathInput).value.strip()

    def action_issue(self) -> None:
        if self.running or self.result is not None:
            return
        folder = self._folder()
        if not folder:
            self.query_one("#out-dir-field", Field).show_error(t("issue.folder_needed"))
            return
        self.running = True
        self.refresh_bindings()
        if self.checked == folder:
            self._issue(folder)
        else:
            self.query_one("#issue-check", Static).update(t("issue.checking"))
            self._check(folder)

    @work(thread=True, exclusive=True, group="notices-check")
    def _check(self, folder: str) -> None:
        """Printable check and open problems: nothing written, no serial number used."""
        try:
            path = Path(folder).expanduser()
            if not path.is_dir():
                raise InspectError(t("issue.no_folder", path=folder), where="out_dir")
            template, fonts = notice_tools(self.inspect_app)
            plan = self.db.call(
                ranking_views.plan_notices, [u for u, _ in self.units], template, fonts
            )
        except Exception as error:
            self.post_message(self.NoticesRefused(error))
            return
        self.post_message(self.NoticesChecked(plan, folder))

    @on(NoticesChecked)
    def _checked(self, message: NoticesChecked) -> None:
        self.running = False
        self.checked = message.folder
        text = Text(t("issue.checked"), style="bold green")
        for _, name, count in message.plan.units:
            text.append("\n  ")
            if count:
                text.append(t("issue.plan_line", unit=name, count=count))
            else:
                text.append(t("issue.plan_skip", unit=name), style="dim")
        text.append("\n" + t("issue.confirm", path=message.folder), style="bold")
        self.query_one("#issue-check", Static).update(text)
        self.refresh_bindings()

    @work(thread=True, exclusive=True, group="notices-issue")
    def _issue(self, folder: str) -> None:
        def progress(done: int, total: int, unit: str) -> None:
            self.post_message(self.NoticesProgressed(done, total, unit))

        try:
            template, fonts = notice_tools(self.inspect_app)
            result = self.db.call(
                notices.issue_batch,
                [u for u, _ in self.units],
                out_dir=Path(folder).expanduser(),
                template=template,
                fonts=fonts,
                progress=progress,
            )
        except Exception as error:
            self.post_message(self.NoticesRefused(error))
            return
        self.post_message(self.NoticesIssued(result))

    @on(NoticesProgressed)
    def _progressed(self, message: NoticesProgressed) -> None:
        bar = self.query_one("#issue-progress", ProgressBar)
        bar.display = True
        bar.update(total=message.total, progress=message.done)
        self.query_one("#issue-step", Label).update(
            t("issue.progress", done=message.done, total=message.total, unit=message.unit)
        )

    @on(NoticesIssued)
    def _issued(self, message: NoticesIssued) -> None:
        self.running = False
        self.result = result = message.result
        bar = self.query_one("#issue-progress", ProgressBar)
        bar.display = bool(result.issued)
        if result.issued:
            bar.update(total=len(result.issued), progress=len(result.issued))
        self.query_one("#issue-step", Label).update("")
        text = Text(
            t("issue.done", count=len(result.issued), skipped=len(result.skipped)),
            style="bold green" if result.issued else "bold yellow",
        )
        for skipped in result.skipped:
            text.append("\n  " + t("issue.skipped", unit=skipped.unit.name, reason=skipped.reason))
        self.query_one("#issue-check", Static).update(text)
        table = self.query_one("#issue-result", Table)
        table.display = bool(result.issued)
        table.set_data(
            [t("col.serial"), t("col.unit"), t("col.problems"), t("col.pages"), t("col.file")],
            [
                (
                    issued.notice.id,
                    [
                        issued.serial,
                        issued.unit.name,
                        str(issued.problems),
                        str(issued.pages),
                        shown_path(issued.path),
                    ],
                )
                for issued in result.issued
            ],
        )
        if result.issued:
            table.focus()
        self.refresh_bindings()

    @on(NoticesRefused)
    def _refused(self, message: NoticesRefused) -> None:
        self.running = False
        self.checked = None
        text = Text(t("issue.refused", message=error_text(message.error)), style="bold red")
        self.query_one("#issue-check", Static).update(text)
        self.query_one("#issue-step", Label).update("")
        self.query_one("#issue-progress", ProgressBar).display = False
        if getattr(message.error, "where", None) == "out_dir":
            self.query_one("#out-dir-field", Field).show_error(error_text(message.error))
        self.refresh_bindings()


# ---------------------------------------------------------------------- the list


class ReceivedDialog(BaseDialog[dt.date | None]):
    """The day the receipt slip came back (today by default; 3-14, -2, yesterday …)."""

    AUTO_FOCUS = "#received"

    def __init__(self, serial: str) -> None:
        super().__init__()
        self.serial = serial

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog dialog-small"):
            yield Label(t("notices.received_title", serial=self.serial), classes="dialog-title")
            yield Field(
                t("notices.received_on"),
                Input(value=self.inspect_app.today().isoformat(), id="received", compact=True),
                id="received-field",
                hint="",
            )
            yield DialogButtons()
        yield Footer()

    def _parse(self) -> dt.date | None:
        field = self.query_one("#received-field", Field)
        text = self.query_one("#received", Input).value
        try:
            when = parse_date(text, self.inspect_app.today())
        except InspectError as error:
            field.show_error(error.message)
            field.set_hint("")
            return None
        field.show_error(None)
        field.set_hint(f"→ {when.isoformat()}" if when.isoformat() != text.strip() else "")
        return when

    @on(Input.Changed, "#received")
    def _changed(self) -> None:
        self._parse()

    @on(Input.Submitted, "#received")
    def action_save(self) -> None:
        when = self._parse()
        if when is not None:
            self.dismiss(when)


class FolderDialog(BaseDialog[Path | None]):
    """Where a re-issued notice is written."""

    AUTO_FOCUS = "#folder"

    def __init__(self, title: str) -> None:
        super().__init__()
        self._title = title

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog dialog-small"):
            yield Label(self._title, classes="dialog-title")
            yield Field(
                t("issue.folder"),
                PathInput(value=str(Path.cwd()) + "/", id="folder", compact=True),
                id="folder-field",
                hint="",
            )
            yield DialogButtons()
        yield Footer()

    @on(PathInput.Candidates, "#folder")
    def _candidates(self, message: PathInput.Candidates) -> None:
        hint = t("merge.candidates", names=clip("  ".join(message.names), 200))
        self.query_one("#folder-field", Field).set_hint(hint if message.names else "")

    @on(Input.Submitted, "#folder")
    def action_save(self) -> None:
        text = self.query_one("#folder", PathInput).value.strip()
        path = Path(text).expanduser()
        if not text or not path.is_dir():
            self.query_one("#folder-field", Field).show_error(t("issue.no_folder", path=text))
            return
        self.dismiss(path)


class NoticesScreen(BaseScreen[None]):
    """Every notice (or one unit's), newest first."""

    AUTO_FOCUS = "#notices"
    BINDINGS = [
        Binding("r", "received", "key.notice_received", id="notices.received"),
        Binding("i", "reissue", "key.notice_reissue", id="notices.reissue"),
        Binding("u", "by_unit", "key.notice_by_unit", id="notices.by_unit"),
    ]

    class NoticesLoaded(Message):
        def __init__(self, lines: list[ranking_views.NoticeLine]) -> None:
            super().__init__()
            self.lines = lines

    class NoticeChanged(Message):
        def __init__(self, note: str) -> None:
            super().__init__()
            self.note = note

    def __init__(self, unit_id: str | None = None) -> None:
        super().__init__()
        self.unit_id = unit_id
        self.lines: dict[str, ranking_views.NoticeLine] = {}

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False, icon="")
        with Vertical(id="notices-box"):
            yield Label("", id="notices-title", classes="section-title")
            yield Table(id="notices")
            yield Label("", id="notices-status")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = t("notices.title")
        self.reload()

    def reload(self) -> None:
        self._load(self.unit_id)

    @work(thread=True, exclusive=True, group="notices-load")
    def _load(self, unit_id: str | None) -> None:
        try:
            lines = self.db.call(ranking_views.notice_lines, unit_id)
        except Exception as error:
            self.post_message(LoadFailed(error))
            return
        self.post_message(self.NoticesLoaded(lines))

    @on(NoticesLoaded)
    def _loaded(self, message: NoticesLoaded) -> None:
        self.lines = {line.notice.id: line for line in message.lines}
        unit = message.lines[0].unit_name if self.unit_id and message.lines else None
        self.query_one("#notices-title", Label).update(
            t("notices.heading_unit", unit=unit, count=len(message.lines))
            if unit
            else t("notices.heading", count=len(message.lines))
        )
        rows = []
        for line in message.lines:
            notice = line.notice
            received = (
                Text(date(notice.received_on), style="green")
                if notice.received_on
                else Text(t("notices.not_received"), style="yellow")
            )
            serial = Text(line.serial)
            if line.replaced:
                serial.append(" " + t("notices.replaced"), style="dim")
            rows.append((notice.id, [serial, line.unit_name, date(notice.issued_on), received]))
        self.query_one("#notices", Table).set_data(
            [t("col.serial"), t("col.unit"), t("col.issued_on"), t("col.received_on")], rows
        )
        self.query_one("#notices-status", Label).update(
            t("common.none") if not rows else t("notices.legend")
        )

    @property
    def current(self) -> ranking_views.NoticeLine | None:
        key = self.query_one("#notices", Table).current_key
        return self.lines.get(key) if key else None

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("received", "reissue"):
            return not self.db.readonly
        return super().check_action(action, parameters)

    def action_by_unit(self) -> None:
        line = self.current
        self.unit_id = None if self.unit_id or line is None else line.notice.unit_id
        self.reload()

    def action_received(self) -> None:
        line = self.current
        if line is None:
            return
        notice_id, serial = line.notice.id, line.serial

        def given(on: dt.date | None) -> None:
            if on is not None:
                future = self.db.submit(notices.mark_received, notice_id, on=on)
                self.await_write(
                    future,
                    lambda _: self.NoticeChanged(t("notices.marked", serial=serial, date=date(on))),
                )

        self.app.push_screen(ReceivedDialog(serial), given)

    def action_reissue(self) -> None:
        line = self.current
        if line is None:
            return
        notice_id, serial = line.notice.id, line.serial

        def given(folder: Path | None) -> None:
            if folder is not None:
                self._reissue(notice_id, folder)

        self.app.push_screen(FolderDialog(t("notices.reissue_title", serial=serial)), given)

    @work(thread=True, exclusive=True, group="notices-reissue")
    def _reissue(self, notice_id: str, folder: Path) -> None:
        try:
            template, fonts = notice_tools(self.inspect_app)
            issued = self.db.call(
                notices.reissue_notice, notice_id, out_dir=folder, template=template, fonts=fonts
            )
        except Exception as error:
            self.post_message(SaveFailed(error))
            return
        note = t("notices.reissued", serial=issued.serial, path=shown_path(issued.path))
        self.post_message(self.NoticeChanged(note))

    @on(NoticeChanged)
    def _changed(self, message: NoticeChanged) -> None:
        self.notify(message.note, timeout=6)
        self.reload()
