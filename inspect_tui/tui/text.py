"""Text that fits terminal cells: CJK characters take two cells each."""

from __future__ import annotations

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
