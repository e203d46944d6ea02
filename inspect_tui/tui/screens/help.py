"""All keys of the screen underneath, with what they do (also the hidden ones)."""

from __future__ import annotations

from dataclasses import dataclass

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.dom import DOMNode
from textual.screen import Screen
from textual.widgets import Footer, Label

from ...i18n import t
from ..keys import localize_bindings
from ..widgets import Table
from .base import BaseDialog


@dataclass
class KeyLine:
    keys: list[str]
    description: str
    node: DOMNode
    action: str

    @property
    def shown(self) -> str:
        return " / ".join(self.keys)


def _ours_binding(node: DOMNode, binding: Binding) -> bool:
    """Whether ``binding`` was declared by inspect_tui (not by a Textual widget)."""
    for cls in type(node).__mro__:
        if not cls.__module__.startswith("inspect_tui."):
            continue
        for declared in cls.__dict__.get("BINDINGS", []):
            if isinstance(declared, Binding) and declared.action == binding.action:
                return True
    return False


def key_lines(screen: Screen[object]) -> list[KeyLine]:
    """Every binding of the app active on ``screen`` (shown in the footer or not), one line
    per action: the screen's first, then the app's. Textual's own widget keys (arrows,
    page up …) are left to the tip under the list."""
    app = screen.app
    merged: dict[tuple[int, str], KeyLine] = {}
    active_bindings = sorted(screen.active_bindings.values(), key=lambda a: a.node is app)
    for active in active_bindings:
        binding = active.binding
        if not binding.description or binding.system or not _ours_binding(active.node, binding):
            continue
        line = merged.setdefault(
            (id(active.node), binding.action),
            KeyLine([], binding.description, active.node, binding.action),
        )
        shown = app.get_key_display(binding)
        if shown not in line.keys:
            line.keys.append(shown)
    return list(merged.values())


class HelpScreen(BaseDialog[None]):
    BINDINGS = [
        Binding("escape,q,question_mark,f1", "cancel", "key.close", id="help.close"),
    ]

    def __init__(self, screen: Screen[object]) -> None:
        super().__init__()
        localize_bindings(self)
        self.target = screen

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog dialog-help"):
            yield Label(
                t("help.title", screen=self.target.sub_title or self.app.title),
                classes="dialog-title",
            )
            yield Table(id="keys", cursor_type="none")
            yield Label(t("help.tip"), classes="field-hint")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one("#keys", Table)
        table.set_data(
            [t("col.key"), t("col.action")],
            [(None, [line.shown, line.description]) for line in key_lines(self.target)],
        )
        table.focus()
