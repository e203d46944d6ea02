"""Monthly benchmarking (月度對標): each unit's month score, its rank, the benchmark unit
(標桿支部) and who lags (連續排名落後).

The rules are pure functions tested on tables of cases; ``compute_month`` and
``month_results`` are the store-facing service.

How a month is judged:

- A unit's month score is the mean percentage of its signed-off inspections dated in the
  month (every kind counts: spot check, supervisory check, re-inspection). A unit without
  one has no score and no rank that month.
- Ranks are competition ranks ("1224"): equal scores share a rank and the next rank skips.
  Rank 1 is the benchmark unit; with a tie at the top, every unit at rank 1 is one.
- A unit is *at the bottom* of a month under a ``LaggingRule`` (see its docstring), and it
  *lags* in month M when it was at the bottom in K consecutive ranked months ending in M.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from bisect import bisect_left
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from statistics import fmean
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from ..errors import InvalidInput
from ..models import IndicatorKind, MonthlyResult, UnitKind
from ..rules import ScoredItem, total_score
from ..store import Store

RANKED_KINDS = (UnitKind.BRANCH, UnitKind.GENERAL_BRANCH)
_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


# ---------------------------------------------------------------------- the rule


class LaggingRule(BaseModel):
    """Who is at the bottom of a month, and for how long before a unit lags.

    A unit is at the bottom of a month when it is ranked and any configured criterion holds:

    - ``bottom_n``: fewer than N ranked units scored strictly lower than it. Ties at the edge
      are all included (equal scores, equal treatment), so more than N units can be at the
      bottom.
    - ``bottom_percent``: the same with N = ceil(ranked units × percent / 100).
    - ``below_score``: its score is below this value.

    The benchmark (rank 1) is never at the bottom, so a month where everyone ties, or a
    month with a single ranked unit, puts nobody there.

    Giving ``bottom_percent`` or ``below_score`` without ``bottom_n`` switches the default
    ``bottom_n`` off; give all of them to combine them.

    ``k`` consecutive months are counted over the months in which the unit was *ranked*:
    a month without a signed-off inspection neither counts as bottom nor breaks the streak
    (a unit must not escape the list by not being visited, nor be judged on a month no one
    looked at). Only the last ``lookback_months`` months (the month judged included) are
    looked at, so a streak cannot be built from bottoms long ago.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    k: int = Field(default=3, ge=1, le=120, description="Consecutive ranked months at the bottom.")
    bottom_n: int | None = Field(default=3, ge=1, description="Bottom N ranked units.")
    bottom_percent: float | None = Field(
        default=None, gt=0, le=100, description="Bottom percent of the ranked units."
    )
    below_score: float | None = Field(default=None, description="Any score below this value.")
    lookback_months: int = Field(
        default=12, ge=1, le=240, description="How many months back a streak may reach."
    )

    @model_validator(mode="before")
    @classmethod
    def _default_bottom_n_only_alone(cls, data: Any) -> Any:
        if (
            isinstance(data, dict)
            and "bottom_n" not in data
            and (data.get("bottom_percent") is not None or data.get("below_score") is not None)
        ):
            data = {**data, "bottom_n": None}
        return data

    @model_validator(mode="after")
    def _criteria(self) -> LaggingRule:
        if self.bottom_n is None and self.bottom_percent is None and self.below_score is None:
            raise ValueError("a lagging rule needs bottom_n, bottom_percent or below_score")
        if self.lookback_months < self.k:
            raise ValueError(
                f"lookback_months ({self.lookback_months}) must be at least k ({self.k})"
            )
        return self


DEFAULT_RULE = LaggingRule()


# ---------------------------------------------------------------------- pure functions


def rank(scores: Mapping[str, float | None]) -> dict[str, int | None]:
    """Competition ranking ("1224"): the highest score is 1, ties share a rank, the next
    rank skips; units without a score (not inspected) get ``None``."""
    ordered = sorted((s for s in scores.values() if s is not None), reverse=True)
    first: dict[float, int] = {}
    for position, score in enumerate(ordered, start=1):
        first.setdefault(score, position)
    return {unit: None if s is None else first[s] for unit, s in scores.items()}


def monthly_score(percents: Iterable[float | None]) -> float | None:
    """Mean percentage of a unit's signed-off inspections in a month; ``None`` if none.

    Inspections without a percentage (everything not applicable) are left out.
    """
    values = [p for p in percents if p is not None]
    return round(fmean(values), 2) if values else None


def bottom_units(scores: Mapping[str, float | None], rule: LaggingRule = DEFAULT_RULE) -> set[str]:
    """The units at the bottom of one month's ranking (see ``LaggingRule``)."""
    ranks = rank(scores)
    ranked = {u: s for u, s in scores.items() if s is not None}
    limits = []
    if rule.bottom_n is not None:
        limits.append(rule.bottom_n)
    if rule.bottom_percent is not None:
        limits.append(math.ceil(len(ranked) * rule.bottom_percent / 100))
    ascending = sorted(ranked.values())
    bottom: set[str] = set()
    for unit, score in ranked.items():
        if ranks[unit] == 1:
            continue
        lower = bisect_left(ascending, score)  # units that scored strictly lower
        if any(lower < limit for limit in limits) or (
            rule.below_score is not None and score < rule.below_score
        ):
            bottom.add(unit)
    return bottom


def lags(flags: Sequence[bool | None], k: int = DEFAULT_RULE.k) -> bool:
    """Whether the last month of ``flags`` completes a streak of ``k`` bottom months.

    ``flags`` are oldest first: True at the bottom, False ranked but not at the bottom,
    None not ranked (skipped). The last month itself must be a bottom month.
    """
    if not flags or flags[-1] is not True:
        return False
    streak = 0
    for flag in reversed(flags):
        if flag is None:
            continue
        if not flag:
            break
        streak += 1
        if streak >= k:
            return True
    return False


def lagging_units(
    history: Mapping[str, Sequence[float | None]], rule: LaggingRule = DEFAULT_RULE
) -> set[str]:
    """The units lagging in the last month of ``history``.

    ``history`` maps every unit of the ranking to its month scores, oldest first, all of
    the same length and for the same months (``None``: not inspected that month). Months
    beyond ``rule.lookback_months`` at the start are ignored.
    """
    lengths = {len(v) for v in history.values()}
    if len(lengths) > 1:
        raise ValueError("every unit's history must cover the same months")
    months = lengths.pop() if lengths else 0
    start = max(0, months - rule.lookback_months)
    flags: dict[str, list[bool | None]] = {unit: [] for unit in history}
    for index in range(start, months):
        column = {unit: scores[index] for unit, scores in history.items()}
        bottom = bottom_units(column, rule)
        for unit, score in column.items():
            flags[unit].append(None if score is None else unit in bottom)
    return {unit for unit, unit_flags in flags.items() if lags(unit_flags, rule.k)}


# ---------------------------------------------------------------------- months


def parse_month(month: str) -> tuple[int, int]:
    match = _MONTH.match(month.strip()) if isinstance(month, str) else None
    if not match:
        raise InvalidInput(f"{month!r} is not a month: use YYYY-MM, e.g. 2026-11", where="month")
    return int(match.group(1)), int(match.group(2))


def month_of(day: dt.date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def shift_month(month: str, delta: int) -> str:
    year, number = parse_month(month)
    index = year * 12 + (number - 1) + delta
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def month_bounds(month: str) -> tuple[dt.date, dt.date]:
    """First day of the month and first day of the next."""
    year, number = parse_month(month)
    start = dt.date(year, number, 1)
    end = dt.date(year + number // 12, number % 12 + 1, 1)
    return start, end


# ---------------------------------------------------------------------- service


def inspection_percents(store: Store, month: str) -> dict[str, list[float | None]]:
    """Percentages of the signed-off inspections dated in ``month``, by unit id.

    Scored in bulk (one query for the answers) rather than one inspection at a time, so a
    month of a large organisation stays quick.
    """
    start, end = month_bounds(month)
    inspections = store.all(
        "SELECT id, unit_id, checklist_id FROM inspections "
        "WHERE state = 'signed_off' AND date >= ? AND date < ? ORDER BY unit_id, date, id",
        (start.isoformat(), end.isoformat()),
    )
    if not inspections:
        return {}
    indicators: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in store.all(
        "SELECT id, checklist_id, kind, max_score, weight FROM indicators "
        "WHERE checklist_id IN (SELECT DISTINCT checklist_id FROM inspections "
        "WHERE state = 'signed_off' AND date >= ? AND date < ?) ORDER BY position",
        (start.isoformat(), end.isoformat()),
    ):
        indicators[row["checklist_id"]].append(row)
    answers: dict[str, dict[str, float | None]] = defaultdict(dict)
    for row in store.all(
        "SELECT a.inspection_id, a.indicator_id, a.score FROM answers AS a "
        "JOIN inspections AS i ON i.id = a.inspection_id "
        "WHERE i.state = 'signed_off' AND i.date >= ? AND i.date < ?",
        (start.isoformat(), end.isoformat()),
    ):
        answers[row["inspection_id"]][row["indicator_id"]] = row["score"]
    percents: dict[str, list[float | None]] = defaultdict(list)
    for inspection in inspections:
        given = answers.get(inspection["id"], {})
        total = total_score(
            ScoredItem(
                kind=IndicatorKind(ind["kind"]),
                max_score=ind["max_score"],
                weight=ind["weight"],
                score=given.get(ind["id"]),
                answered=ind["id"] in given,
            )
            for ind in indicators[inspection["checklist_id"]]
        )
        percents[inspection["unit_id"]].append(total.percent)
    return dict(percents)


def _ranked_unit_ids(store: Store) -> list[str]:
    marks = ",".join("?" * len(RANKED_KINDS))
    rows = store.all(
        f"SELECT id FROM units WHERE kind IN ({marks}) ORDER BY code",
        tuple(k.value for k in RANKED_KINDS),
    )
    return [r["id"] for r in rows]


def _stored_scores(store: Store, months: Sequence[str]) -> dict[str, dict[str, float | None]]:
    """Scores already computed for ``months``: month → unit id → score."""
    if not months:
        return {}
    marks = ",".join("?" * len(months))
    out: dict[str, dict[str, float | None]] = {m: {} for m in months}
    for row in store.all(
        f"SELECT unit_id, month, score FROM monthly_results WHERE month IN ({marks})",
        tuple(months),
    ):
        out[row["month"]][row["unit_id"]] = row["score"]
    return out


def compute_month(
    store: Store, month: str, rule: LaggingRule = DEFAULT_RULE
) -> list[MonthlyResult]:
    """Score, rank and judge every branch and general branch for ``month`` and save it.

    One row per unit and month (updated in place when the month is computed again; rows
    that did not change are not touched, so the audit log only shows real changes).
    Lagging uses the results already saved for earlier months: compute months in order.
    """
    parse_month(month)
    unit_ids = _ranked_unit_ids(store)
    percents = inspection_percents(store, month)
    scores = {u: monthly_score(percents.get(u, ())) for u in unit_ids}
    ranks = rank(scores)
    earlier = [shift_month(month, -d) for d in range(rule.lookback_months - 1, 0, -1)]
    stored = _stored_scores(store, earlier)
    history = {u: [stored[m].get(u) for m in earlier] + [scores[u]] for u in unit_ids}
    lagging = lagging_units(history, rule)
    existing = {
        r["unit_id"]: r
        for r in store.all("SELECT * FROM monthly_results WHERE month = ?", (month,))
    }
    with store.write():
        for unit_id in unit_ids:
            row = {
                "unit_id": unit_id,
                "month": month,
                "score": scores[unit_id],
                "rank": ranks[unit_id],
                "benchmark": int(ranks[unit_id] == 1),
                "lagging": int(unit_id in lagging),
            }
            current = existing.get(unit_id)
            if current is None:
                # one id per unit and month: laptops that compute the same month merge
                store.insert("monthly_results", {"id": store.key_id("monthly", unit_id, month)} | row)
            elif any(current[key] != value for key, value in row.items()):
                store.update("monthly_results", current["id"], row)
    return month_results(store, month)


def month_results(
    store: Store, month: str, *, limit: int | None = None, offset: int = 0
) -> list[MonthlyResult]:
    """A computed month, best first (then units not ranked), ties by unit code.

    ``limit``/``offset`` page through large organisations. Ranked and unranked units are
    read apart so that a page of the ranking walks the (month, rank) index instead of
    sorting every unit of the month.
    """
    parse_month(month)
    offset = max(0, offset)
    wanted = -1 if limit is None else max(0, limit)
    rows: list[dict[str, Any]] = []
    ranked = int(
        store.scalar(
            "SELECT count(*) FROM monthly_results WHERE month = ? AND rank IS NOT NULL", (month,)
        )
    )
    if offset < ranked and wanted != 0:
        rows = store.all(
            "SELECT m.* FROM monthly_results AS m JOIN units AS u ON u.id = m.unit_id "
            "WHERE m.month = ? AND m.rank IS NOT NULL ORDER BY m.rank, u.code LIMIT ? OFFSET ?",
            (month, wanted, offset),
        )
    if wanted < 0 or len(rows) < wanted:
        rest = -1 if wanted < 0 else wanted - len(rows)
        rows += store.all(
            "SELECT m.* FROM monthly_results AS m JOIN units AS u ON u.id = m.unit_id "
            "WHERE m.month = ? AND m.rank IS NULL ORDER BY u.code LIMIT ? OFFSET ?",
            (month, rest, max(0, offset - ranked)),
        )
    return [MonthlyResult.model_validate(r) for r in rows]


def computed_months(store: Store) -> list[str]:
    """The months that have results, oldest first."""
    rows = store.all("SELECT DISTINCT month FROM monthly_results ORDER BY month")
    return [r["month"] for r in rows]
