"""Key bindings whose descriptions are message keys, shown in the UI language.

``BINDINGS`` are class attributes, evaluated before the language is known; each screen
replaces the descriptions with their translation when it is created.
"""

from __future__ import annotations

from dataclasses import replace

from textual.binding import Binding, BindingsMap
from textual.dom import DOMNode

from ..i18n import MESSAGES, t


def tr(text: str) -> str:
    """Translate ``text`` if it is a message key, else leave it (Textual's own strings)."""
    return t(text) if text in MESSAGES else text


def localize_bindings(node: DOMNode) -> None:
    """Show ``node``'s binding descriptions and tooltips in the current language."""
    keys: dict[str, list[Binding]] = {}
    for key, bindings in node._bindings.key_to_bindings.items():
        keys[key] = [
            replace(b, description=tr(b.description), tooltip=tr(b.tooltip) if b.tooltip else "")
            for b in bindings
        ]
    node._bindings = BindingsMap.from_keys(keys)
