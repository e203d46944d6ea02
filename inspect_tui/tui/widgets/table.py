"""A row table whose Enter shows in the footer, filled all at once."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rich.cells import cell_len
from rich.text import Text
from textual.binding import Binding
from textual.widgets import DataTable

from ..keys import localize_bindings

Row = tuple[str | None, Sequence[object]]


def _width(cell: object) -> int:
    if isinstance(cell, Text):
        return max((cell_len(line) for line in cell.plain.splitlines()), default=0)
    return max((cell_len(line) for line in str(cell).splitlines()), default=0)


class Table(DataTable[Any]):
    """``DataTable`` with a row cursor and a visible, translated Enter (open) key.

    ``set_data`` replaces columns and rows together with widths measured here: with
    auto-sized columns, a frame drawn between adding rows and DataTable's idle re-measure
    can keep a header of the old widths (seen as a flaky snapshot)."""

    BINDINGS = [Binding("enter", "select_cursor", "key.open", id="table.open")]

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("cursor_type", "row")
        kwargs.setdefault("zebra_stripes", True)
        super().__init__(**kwargs)
        localize_bindings(self)

    @property
    def current_key(self) -> str | None:
        if not self.row_count:
            return None
        value = self.coordinate_to_cell_key(self.cursor_coordinate).row_key.value
        return str(value) if value is not None else None

    def set_data(
        self, columns: Sequence[str], rows: Sequence[Row], *, keep_cursor: bool = True
    ) -> None:
        """Show ``rows`` (key, cells) under ``columns``; the cursor stays on its row number
        (or goes back to the first row)."""
        widths = [_width(label) for label in columns]
        for _, cells in rows:
            for index, cell in enumerate(cells):
                widths[index] = max(widths[index], _width(cell))
        cursor = self.cursor_row if keep_cursor else 0
        self.clear(columns=True)
        for label, width in zip(columns, widths, strict=True):
            # a Text, as the cells: a str label would be parsed as Rich markup, whose emoji
            # table alone costs start-up ~8 ms
            self.add_column(Text(label), width=width)
        for key, cells in rows:
            # data is shown as written: a str cell is text, never Rich markup ("[/b]")
            self.add_row(*(Text(c) if isinstance(c, str) else c for c in cells), key=key)
        if self.row_count and cursor:
            self.move_cursor(row=min(cursor, self.row_count - 1), animate=False, scroll=False)
