"""How numbers, dates and enum values read on screen."""

from __future__ import annotations

import datetime as dt
from enum import Enum

from ..i18n import t


def num(value: float | None) -> str:
    """``19.0`` → ``19``, ``2.50`` → ``2.5``; ``None`` → ``–``."""
    if value is None:
        return "–"
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def date(value: dt.date | None) -> str:
    return value.isoformat() if value else "–"


def label(value: Enum) -> str:
    """The UI name of an enum value, e.g. ``result.conforms`` → 符合."""
    prefix = {
        "UnitKind": "unit_kind",
        "InspectionKind": "inspection_kind",
        "InspectionState": "inspection_state",
        "Result": "result",
        "Severity": "severity",
        "ProblemState": "problem_state",
        "IndicatorKind": "indicator_kind",
    }[type(value).__name__]
    return t(f"{prefix}.{value.value}")


def moment(value: str | dt.datetime | None) -> str:
    """A stored timestamp to the minute, in the time zone it was stored in (UTC)."""
    if not value:
        return "–"
    when = value if isinstance(value, dt.datetime) else dt.datetime.fromisoformat(value)
    return when.strftime("%Y-%m-%d %H:%M UTC") if when.tzinfo else when.strftime("%Y-%m-%d %H:%M")
