"""Conflicts a merge found: changes made apart that one rule decided. The list above,
the kept and the other version of the highlighted one side by side below, field by
field with the differences marked; ``r`` records that a person looked at it, with a
note (the kept version stays; edit the record itself to change it)."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import DataTable, Footer, Header, Input, Label, Static

from ...errors import InspectError
from ...i18n import t
from ...rules import clean_text
from ...services.merge import BOOKKEEPING, list_conflicts, resolve_conflict
from ..format import moment
from ..records import decode, row_label, table_name, value
from ..text import clip
from ..widgets import DialogButtons, Field, Table
from .base import BaseDialog, BaseScreen, LoadFailed, SaveFailed, error_text

DIFFERENT = "bold yellow"


def _kind(kind: str) -> str:
    return t(f"conflict.kind.{kind}")


class ConflictsScreen(BaseScreen[None]):
    AUTO_FOCUS = "#conflict-list"
    BINDINGS = [
        Binding("r", "resolve", "key.resolve", id="conflicts.resolve"),
        Binding("a", "toggle_resolved", "key.show_resolved", id="conflicts.show_resolved"),
    ]

    class ConflictsLoaded(Message):
        def __init__(self, rows: list[dict[str, Any]]) -> None:
            super().__init__()
            self.rows = rows

    def __init__(self) -> None:
        super().__init__()
        self.show_resolved = False
        self.rows: dict[str, dict[str, Any]] = {}

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False, icon="")
        with Vertical(id="conflicts"):
            yield Table(id="conflict-list")
            yield Label("", id="conflict-status")
            yield Label("", id="conflict-head", classes="section-title")
            yield Static("", id="conflict-note")
            yield Table(id="conflict-fields", cursor_type="none", zebra_stripes=False)
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = t("conflicts.title")
        self.reload()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "resolve":
            row = self.current
            return not self.db.readonly and row is not None and not row["resolved_at"]
        return super().check_action(action, parameters)

    @property
    def current(self) -> dict[str, Any] | None:
        key = self.query_one("#conflict-list", Table).current_key
        return self.rows.get(key) if key else None

    # ------------------------------------------------------------------ loading

    def reload(self) -> None:
        self._load(self.show_resolved)

    @work(thread=True, exclusive=True, group="conflicts-load")
    def _load(self, include_resolved: bool) -> None:
        try:
            rows = self.db.call(list_conflicts, include_resolved=include_resolved)
        except Exception as error:
            self.post_message(LoadFailed(error))
            return
        self.post_message(self.ConflictsLoaded(rows))

    @on(ConflictsLoaded)
    def _loaded(self, message: ConflictsLoaded) -> None:
        # newest first: the conflicts of the last merge on top
        rows = sorted(message.rows, key=lambda r: (r["detected_at"], r["id"]), reverse=True)
        self.rows = {r["id"]: r for r in rows}
        table = self.query_one("#conflict-list", Table)
        table.set_data(
            [t("col.kind"), t("col.table"), t("col.record"), t("col.detected"), t("col.state")],
            [(r["id"], self._cells(r)) for r in rows],
        )
        opened = sum(1 for r in rows if not r["resolved_at"])
        status = t("conflicts.count", open=opened)
        if self.show_resolved:
            status += t("conflicts.count_resolved", resolved=len(rows) - opened)
        self.query_one("#conflict-status", Label).update(status)
        self._show_current()
        self.refresh_bindings()

    def _cells(self, row: dict[str, Any]) -> list[object]:
        kept = decode(row["kept"])
        state = (
            Text(t("conflicts.resolved_by", by=row["resolved_by"] or ""), style="dim")
            if row["resolved_at"]
            else Text(t("conflicts.open"), style="bold")
        )
        return [
            _kind(row["kind"]),
            table_name(row["table_name"]),
            Text(row_label(kept, row["row_id"], cells=16 if self.size.width < 100 else 36)),
            moment(row["detected_at"]).removesuffix(" UTC"),
            state,
        ]

    # ------------------------------------------------------------------ the two versions

    @on(DataTable.RowHighlighted, "#conflict-list")
    def _highlighted(self) -> None:
        self._show_current()
        self.refresh_bindings()

    @on(DataTable.RowSelected, "#conflict-list")
    def _selected(self) -> None:
        """Enter: into the two versions, to scroll them field by field."""
        self.query_one("#conflict-fields", Table).focus()

    def on_resize(self) -> None:
        self._show_current()

    def _show_current(self) -> None:
        row = self.current
        head = self.query_one("#conflict-head", Label)
        note = self.query_one("#conflict-note", Static)
        fields = self.query_one("#conflict-fields", Table)
        if row is None:
            head.update(t("conflicts.none") if not self.rows else "")
            note.update("")
            fields.set_data([], [])
            fields.display = False
            return
        head.update(
            t(
                "conflicts.head",
                kind=_kind(row["kind"]),
                table=table_name(row["table_name"]),
                row=row["row_id"][:12],
            )
        )
        lines = [t(f"conflict.explain.{row['kind']}")]
        if not row["resolved_at"]:
            lines[0] += t("conflicts.to_resolve")
        else:
            lines.append(
                t(
                    "conflicts.resolution",
                    by=row["resolved_by"] or "",
                    at=moment(row["resolved_at"]),
                    note=row["resolution"],
                )
            )
        note.update(Text("\n".join(lines)))
        kept, other = decode(row["kept"]), decode(row["other"])
        fields.set_data(
            [t("col.field"), t("conflicts.kept"), t("conflicts.other")],
            self._side_by_side(kept, other, row["kind"]),
        )
        fields.display = True

    def _side_by_side(
        self, kept: dict[str, Any] | None, other: dict[str, Any] | None, kind: str
    ) -> list[tuple[str | None, list[object]]]:
        """Field by field, content before bookkeeping; a field whose versions differ is
        marked and bold."""
        kept = kept or {}
        missing = t("conflicts.deleted") if kind == "delete_vs_update" else "–"

        def versions(name: str) -> tuple[str, str]:
            mine = value(kept.get(name)) if name in kept else "–"
            theirs = (value(other.get(name)) if name in other else "–") if other else missing
            return mine, theirs

        def differs(name: str) -> bool:
            mine, theirs = versions(name)
            return other is not None and name not in BOOKKEEPING and mine != theirs

        # what differs first, then the rest of the content, then who/when last touched it
        names = list(dict.fromkeys([*kept, *(other or {})]))
        names.sort(key=lambda n: (not differs(n), n in BOOKKEEPING, n != "id", n))
        field_cells = max((len(n) for n in names), default=4) + 2
        room = max(10, (self.size.width - field_cells - 12) // 2)
        rows: list[tuple[str | None, list[object]]] = []
        for name in names:
            mine, theirs = versions(name)
            style = DIFFERENT if differs(name) else ("dim" if name in BOOKKEEPING else "")
            rows.append(
                (
                    name,
                    [
                        Text(("≠ " if differs(name) else "  ") + name, style=style),
                        Text(clip(mine, room), style=style),
                        Text(clip(theirs, room), style=style),
                    ],
                )
            )
        return rows

    # ------------------------------------------------------------------ actions

    def action_toggle_resolved(self) -> None:
        self.show_resolved = not self.show_resolved
        self.reload()

    def action_resolve(self) -> None:
        row = self.current
        if row is None or row["resolved_at"] or self.db.readonly:
            return

        def resolved(result: dict[str, Any] | None) -> None:
            if result is not None:
                self.notify(t("conflicts.resolved", id=result["id"][:8]), timeout=3)
                self.reload()

        self.app.push_screen(ResolveDialog(row), resolved)


class ResolveDialog(BaseDialog[dict[str, Any] | None]):
    """Asks what was decided; returns the resolved conflict, or ``None``."""

    AUTO_FOCUS = "#note"

    class ConflictResolved(Message):
        def __init__(self, row: dict[str, Any]) -> None:
            super().__init__()
            self.row = row

    def __init__(self, conflict: dict[str, Any]) -> None:
        super().__init__()
        self.conflict = conflict
        self._busy = False

    def compose(self) -> ComposeResult:
        row = self.conflict
        with Vertical(classes="dialog dialog-small"):
            yield Label(
                Text(
                    t(
                        "resolve.title",
                        kind=_kind(row["kind"]),
                        row=row_label(decode(row["kept"]), row["row_id"], cells=24),
                    )
                ),
                classes="dialog-title",
            )
            yield Label(t("resolve.hint"), classes="field-hint dialog-text")
            yield Field(t("resolve.note"), Input(id="note", compact=True), id="note-field")
            yield DialogButtons(t("key.resolve"))
        yield Footer()

    @on(Input.Submitted, "#note")
    def action_save(self) -> None:
        if self._busy:
            return
        field = self.query_one("#note-field", Field)
        try:
            note = clean_text(
                t("field.note"), self.query_one("#note", Input).value, limit=2000, required=True
            ).strip()
        except InspectError as error:
            field.show_error(error.message)
            return
        field.show_error(None)
        self._busy = True
        future = self.db.submit(resolve_conflict, self.conflict["id"], note=note)
        self.await_write(future, self.ConflictResolved)

    @on(ConflictResolved)
    def _resolved(self, message: ConflictResolved) -> None:
        self.dismiss(message.row)

    def on_save_failed(self, message: SaveFailed) -> None:
        self._busy = False
        self.query_one("#note-field", Field).show_error(error_text(message.error))
