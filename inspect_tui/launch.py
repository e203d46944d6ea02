"""The ``inspect-tui`` command as installed: :mod:`inspect_tui.cli`, started with the
garbage collector paused.

Start-up makes a few hundred thousand objects that live as long as the process (modules,
classes, Textual's styles and widgets). Collecting while they are made finds nothing to
free and costs the app about a seventh of its start-up. So collection waits until the
first screen is shown, or until a command other than the app starts, and those objects
are then frozen out of later collections (``gc.freeze``), which also keeps the app's
later pauses short.
"""

from __future__ import annotations

import gc


def main() -> None:
    gc.disable()
    from .cli import main as command

    command()


def resume_collection() -> None:
    """Start-up is over: collect from now on, leaving what start-up made alone."""
    if not gc.isenabled():
        gc.freeze()
        gc.enable()
