"""How stored rows read on screen: a table's name, a row's label, a column's value.

The merge summary, the conflicts and the audit log show rows of any table as the file
holds them; these helpers keep that reading the same on each screen.
"""

from __future__ import annotations

import json
from typing import Any

from ..i18n import MESSAGES, t
from .text import clip

# Columns that name a row for a person, best first.
_LABELS = ("code", "name", "title", "description", "serial", "month", "note", "action", "result")


def table_name(table: str) -> str:
    """A table in the UI language (unknown ones as stored)."""
    return t(f"table.{table}") if f"table.{table}" in MESSAGES else table


def action_name(action: str) -> str:
    """An audit action (insert, update, delete) in the UI language."""
    return t(f"audit.action.{action}") if f"audit.action.{action}" in MESSAGES else action


def value(item: Any) -> str:
    """A stored value on one line: ``∅`` for none, lists and objects as compact JSON."""
    if item is None:
        return "∅"
    if isinstance(item, (dict, list)):
        return json.dumps(item, ensure_ascii=False, separators=(",", ":"))
    if isinstance(item, float):
        return f"{item:g}"
    return " ".join(str(item).split()) if str(item).strip() else repr(str(item))


def row_label(
    row: dict[str, Any] | None, row_id: str | None = None, *, cells: int = 30, with_id: bool = True
) -> str:
    """What a person recognises a row by: its code, name, title or description (after a
    short id, unless ``with_id`` is false); the short id alone when it has none of them."""
    short = (row_id or "")[:8]
    if row:
        for column in _LABELS:
            text = row.get(column)
            if text not in (None, ""):
                return clip(f"{short if with_id else ''} {value(text)}".strip(), cells)
    return short


def change_line(field: str, old: Any, new: Any, *, cells: int | None = None) -> str:
    """``field: old → new``, each value cut to ``cells`` when given."""
    before, after = value(old), value(new)
    if cells is not None:
        before, after = clip(before, cells), clip(after, cells)
    return f"{field}: {before} → {after}"


def decode(text: str | None) -> dict[str, Any] | None:
    """A row kept as JSON text (a conflict's versions)."""
    if not text:
        return None
    loaded = json.loads(text)
    return loaded if isinstance(loaded, dict) else {"value": loaded}
