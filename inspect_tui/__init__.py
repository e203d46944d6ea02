"""inspect_tui — checklist inspections of Party branches, rectification tracking and notices."""

__version__ = "0.1.0"
