"""A file-path field that completes against the filesystem, as a shell does: the first
match shows greyed after the cursor, Tab completes (to the one match, or to what all
matches share), and the names still possible are posted as ``Candidates`` so the screen
can list them under the field.

Used by the merge and backup screens and by the evidence dialogs.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from textual.binding import Binding
from textual.message import Message
from textual.suggester import Suggester
from textual.widgets import Input

from ..keys import localize_bindings

LISTED = 200  # names kept from one folder: a huge folder must not stall a key
SCANNED = 20_000  # entries looked at in one folder at most


@dataclass(frozen=True)
class Completions:
    """What ``typed`` may become: whole paths as typed (folders end with the separator)."""

    typed: str
    candidates: list[str]

    @property
    def common(self) -> str:
        """What every candidate starts with (at least ``typed``)."""
        if not self.candidates:
            return self.typed
        return os.path.commonprefix(self.candidates)

    @property
    def names(self) -> list[str]:
        """The candidates' last parts (``photo.jpg``, ``scans/``), for a hint."""
        return [
            Path(c.rstrip(os.sep)).name + (os.sep if c.endswith(os.sep) else "")
            for c in self.candidates
        ]


def complete(typed: str, *, cwd: Path | None = None) -> Completions:
    """Entries of the folder ``typed`` points into whose names start with its last part.
    ``~`` is understood; a relative path is relative to ``cwd`` (default: the working
    folder). Hidden entries are offered only when the part typed starts with a dot."""
    if not typed:
        return Completions(typed, [])
    head, sep, prefix = typed.rpartition(os.sep)
    folder_text = head + sep
    folder = Path(os.path.expanduser(folder_text or "."))
    if not folder.is_absolute():
        folder = (cwd or Path.cwd()) / folder
    found: list[str] = []
    try:
        with os.scandir(folder) as entries:
            for count, entry in enumerate(entries):
                if count >= SCANNED:
                    break
                name = entry.name
                if not name.startswith(prefix):
                    continue
                if name.startswith(".") and not prefix.startswith("."):
                    continue
                try:
                    is_dir = entry.is_dir()
                except OSError:
                    is_dir = False
                found.append(folder_text + name + (os.sep if is_dir else ""))
    except OSError:
        return Completions(typed, [])
    found.sort(key=lambda text: (text.casefold(), text))
    return Completions(typed, found[:LISTED])


class PathSuggester(Suggester):
    """The first completion of what is typed, shown greyed after the cursor."""

    def __init__(self) -> None:
        super().__init__(use_cache=False, case_sensitive=True)

    async def get_suggestion(self, value: str) -> str | None:
        found = complete(value)
        return found.candidates[0] if found.candidates else None


class PathInput(Input):
    """An ``Input`` for a file path. Tab completes; when there is nothing to complete it
    moves to the next field, as Tab does elsewhere."""

    BINDINGS = [
        Binding("tab", "complete", "key.complete", id="path.complete", show=False),
    ]

    class Candidates(Message):
        """Tab was pressed: ``names`` are the entries still possible (empty: none)."""

        def __init__(self, path_input: PathInput, names: list[str]) -> None:
            super().__init__()
            self.path_input = path_input
            self.names = names

        @property
        def control(self) -> PathInput:
            return self.path_input

    def __init__(self, value: str = "", **kwargs: Any) -> None:
        kwargs.setdefault("suggester", PathSuggester())
        super().__init__(value, **kwargs)
        localize_bindings(self)

    def action_complete(self) -> None:
        found = complete(self.value)
        if not found.candidates or found.candidates == [self.value]:
            self.post_message(self.Candidates(self, []))
            self.screen.focus_next()
            return
        common = found.common
        # several matches sharing nothing more than what is typed: take the first one
        self.value = found.candidates[0] if common == self.value else common
        self.cursor_position = len(self.value)
        rest = complete(self.value)
        names = rest.names if len(rest.candidates) > 1 else []
        self.post_message(self.Candidates(self, names))
