"""Text that fits terminal cells: CJK characters take two cells each."""

from __future__ import annotations

import re
from pathlib import Path

from rich.cells import cell_len, set_cell_size


def clip(text: str, cells: int) -> str:
    """``text`` on one line, cut to ``cells`` terminal cells with an ellipsis."""
    flat = " ".join(text.split())
    if cell_len(flat) <= cells:
        return flat
    return set_cell_size(flat, cells - 1).rstrip() + "…"


def shown_path(path: Path) -> str:
    """A path as short as it reads unambiguously: relative to the working folder when
    inside it, else with the home folder as ``~``."""
    path = Path(path).expanduser().resolve()
    try:
        return str(path.relative_to(Path.cwd().resolve()))
    except ValueError:
        pass
    try:
        return "~/" + str(path.relative_to(Path.home().resolve()))
    except ValueError:
        return str(path)


# ECMA-48 control sequences (colours, cursor moves: ESC [ … final byte), OSC strings
# (titles, links: ESC ] … BEL or ESC \\) and the other two-byte escapes
_ESCAPE_SEQUENCE = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[@-Z\\-_]"
)
# control characters a terminal would act on; tab and the line breaks are kept
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1b\x1f\x7f\x80-\x84\x86-\x9f]")


def pasted(text: str, *, one_line: bool) -> str:
    """What a paste puts into a field: terminal escape sequences (copied colours) and
    other control characters dropped, as they would be drawn raw and garble the screen;
    for a one-line field, the lines joined by spaces (Textual's ``Input`` keeps only the
    first line of a paste)."""
    text = _CONTROL.sub("", _ESCAPE_SEQUENCE.sub("", text))
    if one_line:
        text = " ".join(line for line in text.splitlines() if line)
    return text
