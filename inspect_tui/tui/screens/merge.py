"""Merging another laptop's database into this one: pick the file (Tab completes the
path), optionally as a dry run, watch the progress, read what changed and open the
conflicts it found.

The merge is ``services.merge.merge_file`` on the database thread, one transaction: a
file it refuses (not SQLite, the target itself, a newer schema, damaged) changes nothing,
and its message is shown under the path. Leaving the screen during a merge leaves the
merge running to its end; only its summary is no longer shown.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from rich.table import Table as RichTable
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.message import Message
from textual.widgets import Checkbox, Footer, Header, Input, Label, ProgressBar, Static

from ...errors import InspectError
from ...i18n import t
from ...services.merge import MergeSummary, Progress, list_conflicts, merge_file
from ...store import Store
from ..records import table_name
from ..text import clip, shown_path
from ..widgets import Field
from ..widgets.path_input import PathInput
from .base import BaseScreen


def _merge(store: Store, path: Path, dry_run: bool, progress: Progress) -> tuple[MergeSummary, int]:
    """The merge, then the number of conflicts still open (read on the same thread)."""
    summary = merge_file(store, path, dry_run=dry_run, progress=progress)
    return summary, len(list_conflicts(store))


class MergeScreen(BaseScreen[None]):
    AUTO_FOCUS = "#path"
    BINDINGS = [
        Binding("ctrl+s", "merge", "key.merge", id="merge.run"),
        Binding("ctrl+d", "toggle_dry_run", "key.dry_run", id="merge.dry_run", priority=True),
        Binding("c", "conflicts", "key.conflicts", id="merge.conflicts"),
        Binding("slash", "focus_path", "key.file", id="merge.file", key_display="/", show=False),
    ]

    class MergeProgressed(Message):
        def __init__(self, step: str, done: int, total: int) -> None:
            super().__init__()
            self.step = step
            self.done = done
            self.total = total

    class MergeFinished(Message):
        def __init__(self, summary: MergeSummary, open_conflicts: int) -> None:
            super().__init__()
            self.summary = summary
            self.open_conflicts = open_conflicts

    class MergeRefused(Message):
        def __init__(self, error: Exception) -> None:
            super().__init__()
            self.error = error

    def __init__(self) -> None:
        super().__init__()
        self.running = False
        self.summary: MergeSummary | None = None
        self._file = ""

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False, icon="")
        with VerticalScroll(id="merge"):
            yield Label(t("merge.into", path=shown_path(self.db.store.path)), id="merge-into")
            yield Field(
                t("merge.file"),
                PathInput(id="path", compact=True),
                id="path-field",
                hint="",
            )
            yield Checkbox(t("merge.dry_run"), id="dry-run", compact=True)
            yield ProgressBar(id="merge-progress", show_eta=False)
            yield Label("", id="merge-step")
            yield Label("", id="merge-result")
            yield Label("", id="merge-conflicts")
            yield Static("", id="merge-counts")
            yield Static("", id="merge-describe")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = t("merge.title")
        self.query_one("#merge-progress", ProgressBar).display = False
        self._step("")
        if self.db.readonly:
            result = self.query_one("#merge-result", Label)
            result.update(t("common.readonly_db", reason=self.db.store.readonly_reason))
            result.set_classes("warning")

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("merge", "toggle_dry_run"):
            return not self.db.readonly and not self.running
        return super().check_action(action, parameters)

    # ------------------------------------------------------------------ picking the file

    @on(PathInput.Candidates, "#path")
    def _candidates(self, message: PathInput.Candidates) -> None:
        names = "  ".join(message.names)
        hint = t("merge.candidates", names=clip(names, 200)) if message.names else ""
        self.query_one("#path-field", Field).set_hint(hint)

    @on(Input.Changed, "#path")
    def _path_changed(self) -> None:
        self.query_one("#path-field", Field).show_error(None)

    @on(Input.Submitted, "#path")
    def _path_submitted(self) -> None:
        self.action_merge()

    def action_focus_path(self) -> None:
        self.query_one("#path", PathInput).focus()

    def action_toggle_dry_run(self) -> None:
        self.query_one("#dry-run", Checkbox).toggle()

    # ------------------------------------------------------------------ merging

    def action_merge(self) -> None:
        if self.running or self.db.readonly:
            return
        field = self.query_one("#path-field", Field)
        text = self.query_one("#path", PathInput).value.strip()
        if not text:
            field.show_error(t("err.required", field=t("field.file")))
            self.action_focus_path()
            return
        field.show_error(None)
        field.set_hint("")
        self.running = True
        self._file = text
        dry_run = self.query_one("#dry-run", Checkbox).value
        bar = self.query_one("#merge-progress", ProgressBar)
        bar.update(total=None, progress=0)
        bar.display = True
        self._step(t("merge.starting", file=text))
        self._show_result(None)
        self.refresh_bindings()
        self._run(Path(text).expanduser(), dry_run)

    @work(thread=True, exclusive=True, group="merge")
    def _run(self, path: Path, dry_run: bool) -> None:
        def progress(step: str, done: int, total: int) -> None:
            self.post_message(self.MergeProgressed(step, done, total))

        future = self.db.submit(_merge, path, dry_run, progress)
        try:
            summary, still_open = future.result()
        except Exception as error:
            self.post_message(self.MergeRefused(error))
            return
        self.post_message(self.MergeFinished(summary, still_open))

    @on(MergeProgressed)
    def _progressed(self, message: MergeProgressed) -> None:
        bar = self.query_one("#merge-progress", ProgressBar)
        bar.update(total=message.total, progress=message.done)
        step = message.step.replace(" ", "_")
        if step != "done":
            self._step(t("merge.running", file=self._file, step=table_name(step)))

    @on(MergeFinished)
    def _finished(self, message: MergeFinished) -> None:
        self.running = False
        self.summary = message.summary
        bar = self.query_one("#merge-progress", ProgressBar)
        bar.update(total=bar.total or 1, progress=bar.total or 1)
        self._step("")
        self._show_result(message.summary, message.open_conflicts)
        self.refresh_bindings()
        self.query_one("#merge", VerticalScroll).focus()  # c, / and the arrows work from here

    @on(MergeRefused)
    def _refused(self, message: MergeRefused) -> None:
        self.running = False
        error = message.error
        text = str(error) if isinstance(error, InspectError) else f"{type(error).__name__}: {error}"
        self.query_one("#merge-progress", ProgressBar).display = False
        self._step("")
        self.query_one("#path-field", Field).show_error(text)
        result = self.query_one("#merge-result", Label)
        result.update(t("merge.refused"))
        result.set_classes("warning")
        self.refresh_bindings()
        self.action_focus_path()

    def _step(self, text: str) -> None:
        """The step under way, shown only while a merge runs."""
        label = self.query_one("#merge-step", Label)
        label.update(text)
        label.display = bool(text)

    def _show_result(self, summary: MergeSummary | None, open_conflicts: int = 0) -> None:
        result = self.query_one("#merge-result", Label)
        describe = self.query_one("#merge-describe", Static)
        counts = self.query_one("#merge-counts", Static)
        conflicts = self.query_one("#merge-conflicts", Label)
        result.set_classes("")
        if summary is None:
            for label in (result, conflicts):
                label.update("")
            describe.update("")
            counts.update("")
            return
        key = "merge.dry_done" if summary.dry_run else "merge.done"
        result.update(t(key, file=self._file, changes=summary.changes, audit=summary.audit_entries))
        result.set_classes("ok")
        describe.update(Text(summary.describe()))
        counts.update(_counts_table(summary))
        if summary.conflicts or open_conflicts:
            conflicts.update(t("merge.conflicts", new=summary.conflicts, open=open_conflicts))
            conflicts.set_classes("warning")
        else:
            conflicts.update(t("merge.no_conflicts"))
            conflicts.set_classes("")

    # ------------------------------------------------------------------ leaving

    def action_conflicts(self) -> None:
        self.inspect_app.open_conflicts()


def _counts_table(summary: MergeSummary) -> RichTable | str:
    """Rows added, updated and deleted per table, drawn at once (a still picture, not a
    list to move in)."""
    rows = _counts(summary)
    if not rows:
        return ""
    table = RichTable(box=None, pad_edge=False, header_style="bold", show_edge=False)
    for index, heading in enumerate(
        (t("col.table"), t("col.inserted"), t("col.updated"), t("col.deleted"))
    ):
        table.add_column(heading, justify="left" if index == 0 else "right")
    for name, cells in rows:
        table.add_row(table_name(name), *cells)
    return table


def _counts(summary: MergeSummary) -> list[tuple[str, list[str]]]:
    """Per table: rows added, updated, deleted (tables the merge did not touch left out)."""
    tables: Counter[str] = summary.inserted + summary.updated + summary.deleted
    return [
        (
            name,
            [
                str(summary.inserted[name]),
                str(summary.updated[name]),
                str(summary.deleted[name]),
            ],
        )
        for name in sorted(tables)
    ]
