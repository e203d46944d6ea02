"""``python -m inspect_tui``: the same as the ``inspect-tui`` command."""

from .launch import main

main()
