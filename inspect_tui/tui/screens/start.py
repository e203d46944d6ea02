"""Starting an inspection of a unit: kind, date (today by default), team, and the
indicator system version (the newest by default)."""

from __future__ import annotations

import re

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.message import Message
from textual.widgets import Footer, Input, Label, RadioButton, RadioSet, Select

from ...errors import InspectError
from ...i18n import t
from ...models import Checklist, InspectionKind
from ...rules import clean_text, parse_date
from ...services import inspections, overview
from ..format import label
from ..widgets import DialogButtons, Field
from .base import BaseDialog, LoadFailed, SaveFailed, error_text

_TEAM_SPLIT = re.compile(r"[,，、;；]")


def split_team(text: str) -> list[str]:
    """Team members as typed: separated by commas (also 、 and full-width commas)."""
    return [name.strip() for name in _TEAM_SPLIT.split(text) if name.strip()]


class StartDialog(BaseDialog[str | None]):
    """Returns the new inspection's id, or ``None`` when cancelled."""

    AUTO_FOCUS = "#kind"

    class ChecklistsLoaded(Message):
        def __init__(self, choices: list[Checklist]) -> None:
            super().__init__()
            self.choices = choices

    class InspectionStarted(Message):
        def __init__(self, inspection_id: str) -> None:
            super().__init__()
            self.inspection_id = inspection_id

    def __init__(self, unit: overview.UnitLine) -> None:
        super().__init__()
        self.unit = unit
        self._busy = False

    def compose(self) -> ComposeResult:
        today = self.inspect_app.today()
        default_kind = InspectionKind.SUPERVISORY if self.unit.lagging else InspectionKind.SPOT
        with Vertical(classes="dialog"):
            yield Label(t("start.title", unit=self.unit.name), classes="dialog-title")
            with VerticalScroll(classes="dialog-body"):
                yield Field(
                    t("start.kind"),
                    RadioSet(
                        *(
                            RadioButton(
                                label(kind), value=kind is default_kind, id=f"kind-{kind.value}"
                            )
                            for kind in InspectionKind
                        ),
                        id="kind",
                        compact=True,
                    ),
                    id="kind-field",
                )
                yield Field(
                    t("start.date"),
                    Input(value=today.isoformat(), id="date", compact=True),
                    id="date-field",
                    hint="",
                )
                yield Field(
                    t("start.team"),
                    Input(value=self.db.store.user, id="team", compact=True),
                    id="team-field",
                )
                yield Field(
                    t("start.checklist"),
                    Select[str](
                        [],
                        id="checklist",
                        allow_blank=True,
                        prompt=t("common.loading"),
                        compact=True,
                    ),
                    id="checklist-field",
                )
            yield DialogButtons(t("start.ok"))
        yield Footer()

    def on_mount(self) -> None:
        self._load_checklists()

    @work(thread=True, exclusive=True, group="start-checklists")
    def _load_checklists(self) -> None:
        try:
            choices = self.db.call(overview.checklist_choices)
        except Exception as error:
            self.post_message(LoadFailed(error))
            return
        self.post_message(self.ChecklistsLoaded(choices))

    @on(ChecklistsLoaded)
    def _show_checklists(self, message: ChecklistsLoaded) -> None:
        select = self.query_one("#checklist", Select)
        options = [
            (t("start.checklist_option", title=c.title, version=c.version), c.id)
            for c in message.choices
        ]
        select.set_options(options)
        if message.choices:
            select.value = message.choices[0].id
        else:
            self.query_one("#checklist-field", Field).show_error(t("start.no_checklist"))

    @on(Input.Changed, "#date")
    def _date_changed(self, event: Input.Changed) -> None:
        self._check_date(event.value)

    def _check_date(self, text: str) -> bool:
        field = self.query_one("#date-field", Field)
        try:
            when = parse_date(text, self.inspect_app.today())
        except InspectError as error:
            field.show_error(error.message)
            field.set_hint("")
            return False
        field.show_error(None)
        field.set_hint(f"→ {when.isoformat()}" if when.isoformat() != text.strip() else "")
        return True

    def action_save(self) -> None:
        if self._busy:
            return
        ok = self._check_date(self.query_one("#date", Input).value)
        team_field = self.query_one("#team-field", Field)
        try:
            team = [
                clean_text(t("field.team"), name, limit=100)
                for name in split_team(self.query_one("#team", Input).value)
            ]
            team_field.show_error(None)
        except InspectError as error:
            team_field.show_error(error.message)
            ok = False
        select = self.query_one("#checklist", Select)
        checklist_id = select.value if isinstance(select.value, str) else None
        if checklist_id is None:
            self.query_one("#checklist-field", Field).show_error(t("start.no_checklist"))
            ok = False
        if not ok:
            self.show_first_error()
            return
        pressed = self.query_one("#kind", RadioSet).pressed_button
        kind = (
            InspectionKind((pressed.id or "kind-spot").removeprefix("kind-"))
            if pressed
            else InspectionKind.SPOT
        )
        when = parse_date(self.query_one("#date", Input).value, self.inspect_app.today())
        self._busy = True
        unit_id = self.unit.id
        future = self.db.submit(
            lambda store: (
                inspections.start_inspection(
                    store, unit_id, kind=kind, date=when, team=team, checklist_id=checklist_id
                ).id
            )
        )
        self.await_write(future, self.InspectionStarted)

    @on(InspectionStarted)
    def _started(self, message: InspectionStarted) -> None:
        self.dismiss(message.inspection_id)

    def on_save_failed(self, message: SaveFailed) -> None:
        self._busy = False
        if message.where in ("date", "team"):
            self.query_one(f"#{message.where}-field", Field).show_error(error_text(message.error))
        else:
            self.notify(
                t("common.save_failed", message=error_text(message.error)), severity="error"
            )
