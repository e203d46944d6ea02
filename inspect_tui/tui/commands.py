"""The command palette (ctrl+p): every screen and every action of the current screen,
inspections to resume or review, and units to start an inspection of."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any

from textual.command import DiscoveryHit, Hit, Hits, Provider

from ..i18n import t
from ..services import overview
from ..store import Store
from .format import date
from .screens.help import key_lines

if TYPE_CHECKING:
    from .app import InspectApp


@dataclass(frozen=True)
class Command:
    title: str
    help: str
    run: Callable[[], Any]


def _inspections(
    store: Store,
) -> tuple[list[overview.InspectionLine], list[overview.InspectionLine]]:
    return (
        overview.inspections_in_progress(store, limit=30).rows,
        overview.last_signed_off(store, limit=15).rows,
    )


class InspectCommands(Provider):
    """Screens, actions and records the inspector may want, by name."""

    @property
    def inspect_app(self) -> InspectApp:
        return self.app  # type: ignore[return-value]

    async def startup(self) -> None:
        app = self.inspect_app
        try:
            in_progress, signed = await asyncio.wrap_future(app.db.submit(_inspections))
        except Exception:  # the palette still offers screens and actions
            in_progress, signed = [], []
        self._records = [
            Command(
                t("cmd.resume", unit=i.unit_name, date=date(i.date)),
                f"{i.unit_code} · {i.answered}/{i.total}",
                partial(app.open_inspection, i.id),
            )
            for i in in_progress
        ] + [
            Command(
                t("cmd.review", unit=i.unit_name, date=date(i.date)),
                f"{i.unit_code} · {i.signed_by or ''}",
                partial(app.open_inspection, i.id),
            )
            for i in signed
        ]

    def _commands(self) -> list[Command]:
        app = self.inspect_app
        screen = self.screen
        commands = [
            Command(t("cmd.home"), t("key.home"), app.go_home),
            Command(t("cmd.units"), t("key.units"), app.go_units),
            Command(t("cmd.problems"), "p", app.go_problems),
            Command(t("cmd.merge"), t("key.merge"), app.open_merge),
            Command(t("cmd.conflicts"), t("key.conflicts"), app.open_conflicts),
            Command(t("cmd.audit_log"), t("key.audit_log"), app.open_audit_log),
            Command(t("cmd.back_up"), t("key.back_up"), app.back_up),
            Command(t("cmd.ranking"), "r", app.action_ranking),
            Command(t("cmd.notices"), "n", app.action_notices),
            Command(t("cmd.practices"), t("key.practices"), app.action_practices),
            Command(t("cmd.help"), "? / f1", app.action_help),
            Command(t("cmd.theme"), "^t", app.action_toggle_theme),
            Command(t("cmd.quit"), "^q", app.exit),
        ]
        where = screen.sub_title or app.title
        for line in key_lines(screen):
            commands.append(
                Command(
                    line.description,
                    t("cmd.action_help", screen=where, key=line.shown),
                    partial(app.call_later, app.run_action, line.action, line.node),
                )
            )
        return commands + getattr(self, "_records", [])

    async def discover(self) -> Hits:
        for command in self._commands():
            yield DiscoveryHit(command.title, command.run, help=command.help)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for command in self._commands():
            score = max(matcher.match(command.title), matcher.match(command.help) * 0.5)
            if score > 0:
                yield Hit(score, matcher.highlight(command.title), command.run, help=command.help)
        if len(query.strip()) >= 2:
            app = self.inspect_app
            try:
                page = await asyncio.wrap_future(
                    app.db.submit(overview.filter_units, query, limit=8)
                )
            except Exception:
                return
            for unit in page.rows:
                title = t("cmd.start", unit=unit.name, code=unit.code)
                yield Hit(0.5, title, partial(app.go_units, unit.code), help=unit.code)
