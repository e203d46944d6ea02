"""A titled table on the home screen."""

from __future__ import annotations

from collections.abc import Sequence

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Label

from .table import Row, Table


class Section(Vertical):
    """A title, a table of rows (Enter opens one) and a line shown when it is empty."""

    def __init__(self, title: str, columns: list[str], *, id: str) -> None:
        super().__init__(id=id, classes="section")
        self._title = title
        self._columns = columns

    def compose(self) -> ComposeResult:
        yield Label(self._title, classes="section-title")
        table = Table(id=f"{self.id}-table")
        table.set_data(self._columns, [])
        yield table
        yield Label("", classes="section-empty")

    @property
    def table(self) -> Table:
        return self.query_one(Table)

    def set_title(self, title: str) -> None:
        self.query_one(".section-title", Label).update(title)

    def set_rows(self, rows: Sequence[Row], *, empty: str) -> None:
        self.table.set_data(self._columns, rows)
        label = self.query_one(".section-empty", Label)
        label.update(empty if not rows else "")
        self.set_class(not rows, "-empty")
