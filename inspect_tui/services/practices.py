"""The practice library (對標實踐庫): good practices (亮點 / 典型經驗) inspectors mark on an
indicator during an inspection, listed by indicator and unit, so that a lagging unit's
notice or supervisory check can point to what the benchmark unit does where the lagging
unit loses points.

Indicators are matched across indicator-system versions by code *and* title (the same
indicator carried into a new version); a code alone can mean another thing in another
version.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ..errors import InvalidInput
from ..rules import clean_text
from ..store import Store
from .checklists import find_indicator
from .ranking import IndicatorLoss, parse_month, unit_losses

DESCRIPTION_LIMIT = 2000


@dataclass(frozen=True)
class Practice:
    id: str
    unit_id: str
    unit_code: str
    unit_name: str
    indicator_id: str
    indicator_code: str
    indicator_title: str
    inspection_id: str | None
    month: str
    description: str
    marked_by: str
    marked_on: dt.date


_SELECT = (
    "SELECT p.*, u.code AS unit_code, u.name AS unit_name, d.title AS indicator_title "
    "FROM practices AS p JOIN units AS u ON u.id = p.unit_id "
    "JOIN indicators AS d ON d.id = p.indicator_id "
)


def _practice(row: dict[str, Any]) -> Practice:
    return Practice(
        id=row["id"],
        unit_id=row["unit_id"],
        unit_code=row["unit_code"],
        unit_name=row["unit_name"],
        indicator_id=row["indicator_id"],
        indicator_code=row["indicator_code"],
        indicator_title=row["indicator_title"],
        inspection_id=row["inspection_id"],
        month=row["month"],
        description=row["description"],
        marked_by=row["marked_by"],
        marked_on=dt.date.fromisoformat(row["marked_on"]),
    )


def get_practice(store: Store, practice_id: str) -> Practice:
    store.get("practices", practice_id, "practice")
    row = store.one(_SELECT + "WHERE p.id = ?", (practice_id,))
    assert row is not None
    return _practice(row)


def mark_practice(store: Store, inspection_id: str, indicator: str, description: str) -> Practice:
    """Mark a good practice on ``indicator`` (id or code) of an inspection: the inspected
    unit's, in the inspection's month, by ``store.user``. Allowed during the inspection
    and after its sign-off (it does not change what was signed)."""
    inspection = store.get("inspections", inspection_id, "inspection")
    ind = find_indicator(store, inspection["checklist_id"], indicator)
    text = clean_text("description", description.strip(), limit=DESCRIPTION_LIMIT, required=True)
    row = store.insert(
        "practices",
        {
            "unit_id": inspection["unit_id"],
            "indicator_id": ind.id,
            "indicator_code": ind.code,
            "inspection_id": inspection["id"],
            "month": str(inspection["date"])[:7],
            "description": text,
            "marked_by": store.user,
            "marked_on": store.clock.today(),
        },
    )
    return get_practice(store, row["id"])


def edit_practice(store: Store, practice_id: str, description: str) -> Practice:
    get_practice(store, practice_id)
    text = clean_text("description", description.strip(), limit=DESCRIPTION_LIMIT, required=True)
    store.update("practices", practice_id, {"description": text})
    return get_practice(store, practice_id)


def withdraw_practice(store: Store, practice_id: str) -> None:
    """Take a practice out of the library (the deletion is logged and travels in a merge)."""
    get_practice(store, practice_id)
    store.delete("practices", practice_id)


def practices_of_inspection(store: Store, inspection_id: str) -> dict[str, list[Practice]]:
    """The practices marked during an inspection, by indicator id (the checklist screen)."""
    out: dict[str, list[Practice]] = {}
    for row in store.all(
        _SELECT + "WHERE p.inspection_id = ? ORDER BY p.created_at", (inspection_id,)
    ):
        out.setdefault(row["indicator_id"], []).append(_practice(row))
    return out


def library(
    store: Store,
    *,
    indicator_code: str | None = None,
    unit_id: str | None = None,
    since: str | None = None,
    limit: int | None = None,
    offset: int = 0,
) -> list[Practice]:
    """The library, by indicator (code, title) then unit code, newest first within each;
    optionally only one indicator code, one unit, or months from ``since`` on."""
    where, params = ["1"], []
    if indicator_code:
        where.append("p.indicator_code = ?")
        params.append(indicator_code)
    if unit_id:
        where.append("p.unit_id = ?")
        params.append(unit_id)
    if since:
        parse_month(since)
        where.append("p.month >= ?")
        params.append(since)
    rows = store.all(
        _SELECT
        + f"WHERE {' AND '.join(where)} "
        + "ORDER BY p.indicator_code, d.title, u.code, p.month DESC, p.created_at DESC "
        + "LIMIT ? OFFSET ?",
        (*params, -1 if limit is None else limit, max(0, offset)),
    )
    return [_practice(r) for r in rows]


def by_indicator(practices: Sequence[Practice]) -> dict[tuple[str, str], list[Practice]]:
    """Group a list from ``library`` by (indicator code, title), keeping the order."""
    out: dict[tuple[str, str], list[Practice]] = {}
    for practice in practices:
        out.setdefault((practice.indicator_code, practice.indicator_title), []).append(practice)
    return out


@dataclass(frozen=True)
class Suggestion:
    """For one indicator where a unit loses points: practices to learn from, the benchmark
    unit's on that indicator first."""

    loss: IndicatorLoss
    practices: tuple[Practice, ...]


def suggestions_for(
    store: Store,
    unit_id: str,
    month: str,
    *,
    indicators: int = 3,
    per_indicator: int = 3,
) -> list[Suggestion]:
    """For a (lagging) unit in ``month``: the ``indicators`` indicators it loses most
    points on, each with up to ``per_indicator`` practices from the library — the month's
    benchmark unit on that indicator first, then the month's overall benchmark unit(s),
    then any other unit, newest first; never the unit's own."""
    parse_month(month)
    if indicators < 1 or per_indicator < 1:
        raise InvalidInput("ask for at least one indicator and one practice")
    losses = unit_losses(store, unit_id, month)[:indicators]
    if not losses:
        return []
    leaders = {
        r["unit_id"]
        for r in store.all(
            "SELECT unit_id FROM monthly_results WHERE month = ? AND benchmark = 1", (month,)
        )
    }
    out = []
    for loss in losses:
        column = loss.indicator
        rows = store.all(
            _SELECT + "WHERE p.unit_id != ? AND p.month <= ? AND "
            "(p.indicator_id = ? OR (p.indicator_code = ? AND d.title = ?)) "
            "ORDER BY p.month DESC, p.created_at DESC",
            (unit_id, month, column.indicator_id, column.code, column.title),
        )
        best = loss.benchmark.unit_id if loss.benchmark else None

        def priority(row: dict[str, Any], best: str | None = best) -> int:
            if row["unit_id"] == best:
                return 0
            return 1 if row["unit_id"] in leaders else 2

        ordered = sorted(rows, key=priority)  # stable: newest first within each group
        out.append(
            Suggestion(loss=loss, practices=tuple(_practice(r) for r in ordered[:per_indicator]))
        )
    return out
