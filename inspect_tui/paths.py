"""Where the shipped data lives (``data/`` at the top of the source tree)."""

from __future__ import annotations

from pathlib import Path

_ROOT = Path(__file__).resolve().parent.parent


def shipped_data() -> Path:
    return _ROOT / "data"


def shipped_checklists() -> list[Path]:
    return sorted((shipped_data() / "checklists").glob("*.yaml"))


def demo_org() -> Path:
    return shipped_data() / "demo" / "org.yaml"
