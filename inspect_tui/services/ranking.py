"""Monthly benchmarking (月度對標): each unit's month score, its rank, the benchmark unit
(標桿支部) and who lags (連續排名落後), plus the read-only views the ranking screens show.

The rules are pure functions tested on tables of cases; ``compute_month`` and
``month_results`` are the store-facing service.

How a month is judged:

- A unit's month score comes from its signed-off inspections dated in the month (every
  kind counts: spot check, supervisory check, re-inspection), each as a percentage of
  what applied to it (so units checked with different indicator-system versions compare).
  ``MonthScoring`` sets the parts: the mean of the month's inspections (default) or the
  latest one; bonus points (表彰加分) on top (default) or not; and points deducted per
  problem overdue at month end (default none). A unit without a signed-off inspection in
  the month has no score and no rank that month — it is shown as not inspected, never as
  zero.
- Ranks are competition ranks ("1224"): equal scores share a rank and the next rank skips.
  Rank 1 is the benchmark unit; with a tie at the top, every unit at rank 1 is one.
- A unit is *at the bottom* of a month under a ``LaggingRule`` (see its docstring), and it
  *lags* in month M when it was at the bottom in K consecutive ranked months ending in M.
  Each computation also records, for every unit at the bottom, how many ranked months
  running it has been there and which months those were (``bottom_streaks``): the months
  that made a lagging unit lag.
- A month under review or published is not recomputed (see ``services.review``).
"""

from __future__ import annotations

import csv
import datetime as dt
import math
import os
import re
import tempfile
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from statistics import fmean
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from ..errors import IllegalTransition, InvalidInput, ReadOnlyRecord
from ..i18n import t
from ..models import IndicatorKind, MonthlyResult, UnitKind
from ..rules import ScoredItem, total_score
from ..store import Store

RANKED_KINDS = (UnitKind.BRANCH, UnitKind.GENERAL_BRANCH)
_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


# ---------------------------------------------------------------------- the rules


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


class MonthScoring(BaseModel):
    """How a unit's month score is made from its inspections of the month.

    ``method``: ``mean`` of the month's inspection percentages, or the ``latest`` one (by
    date). ``include_bonus``: bonus points (表彰加分) are added on top of the percentage
    (so a score can pass 100); off, only the percentage counts. ``overdue_deduction``:
    points taken off for each of the unit's problems that was overdue at the end of the
    month (deadline passed, not closed by then — as the deadlines stand now), at most
    ``overdue_deduction_cap`` in total; a score never goes below 0.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    method: Literal["mean", "latest"] = Field(
        default="mean", description="mean of the month's inspections, or the latest one"
    )
    include_bonus: bool = Field(default=True, description="Add bonus points (表彰加分) on top.")
    overdue_deduction: float = Field(
        default=0, ge=0, le=100, description="Points off per problem overdue at month end."
    )
    overdue_deduction_cap: float | None = Field(
        default=None, ge=0, le=100, description="At most this many points off for overdue problems."
    )


DEFAULT_SCORING = MonthScoring()


# ---------------------------------------------------------------------- pure functions


def rank(scores: Mapping[str, float | None]) -> dict[str, int | None]:
    """Competition ranking ("1224"): the highest score is 1, ties share a rank, the next
    rank skips; units without a score (not inspected) get ``None``."""
    ordered = sorted((s for s in scores.values() if s is not None), reverse=True)
    first: dict[float, int] = {}
    for position, score in enumerate(ordered, start=1):
        first.setdefault(score, position)
    return {unit: None if s is None else first[s] for unit, s in scores.items()}


def monthly_score(
    percents: Iterable[float | None], method: Literal["mean", "latest"] = "mean"
) -> float | None:
    """A unit's month score from its inspection percentages (oldest first); ``None`` if none.

    Inspections without a percentage (everything not applicable) are left out.
    """
    values = [p for p in percents if p is not None]
    if not values:
        return None
    return round(values[-1] if method == "latest" else fmean(values), 2)


def deduct(
    score: float | None, overdue: int, scoring: MonthScoring = DEFAULT_SCORING
) -> float | None:
    """``score`` less the deduction for ``overdue`` problems overdue at month end."""
    if score is None or not overdue or not scoring.overdue_deduction:
        return score
    points = scoring.overdue_deduction * overdue
    if scoring.overdue_deduction_cap is not None:
        points = min(points, scoring.overdue_deduction_cap)
    return round(max(0.0, score - points), 2)


def bottom_units(scores: Mapping[str, float | None], rule: LaggingRule = DEFAULT_RULE) -> set[str]:
    """The units at the bottom of one month's ranking (see ``LaggingRule``).

    "Fewer than N units scored strictly lower" is the same as "at most the N-th lowest
    score", so one sort gives a threshold and one pass applies it.
    """
    ranked = [(u, s) for u, s in scores.items() if s is not None]
    if not ranked:
        return set()
    ascending = sorted(s for _, s in ranked)
    count = len(ascending)
    top = ascending[-1]
    limits = []
    if rule.bottom_n is not None:
        limits.append(rule.bottom_n)
    if rule.bottom_percent is not None:
        limits.append(math.ceil(count * rule.bottom_percent / 100))
    threshold = max(
        (ascending[min(limit, count) - 1] for limit in limits if limit > 0), default=None
    )
    below = rule.below_score
    return {
        unit
        for unit, score in ranked
        if score != top
        and (
            (threshold is not None and score <= threshold) or (below is not None and score < below)
        )
    }


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


def streaks(
    columns: Sequence[Mapping[str, float | None]], rule: LaggingRule = DEFAULT_RULE
) -> list[dict[str, tuple[int, ...]]]:
    """For each month of ``columns`` (oldest first; each maps units to their score that
    month, ``None`` or absent: not ranked), the units at the bottom that month, each with
    the indices of the months of its running streak: consecutive ranked months at the
    bottom, months not ranked skipped, none older than ``rule.lookback_months``.

    A unit lags in a month when its streak there is at least ``rule.k`` long. One pass
    over the months; the work per month is one sort of its scores.
    """
    running: dict[str, list[int]] = {}
    out: list[dict[str, tuple[int, ...]]] = []
    for index, column in enumerate(columns):
        bottom = bottom_units(column, rule)
        for unit in [u for u in running if u not in bottom and column.get(u) is not None]:
            del running[unit]  # ranked and not at the bottom: the streak ends
        oldest = index - rule.lookback_months + 1
        month: dict[str, tuple[int, ...]] = {}
        for unit in bottom:
            run = running.setdefault(unit, [])
            run.append(index)
            while run[0] < oldest:
                run.pop(0)
            month[unit] = tuple(run)
        out.append(month)
    return out


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
    if not months:
        return set()
    start = max(0, months - rule.lookback_months)
    columns = [{u: scores[i] for u, scores in history.items()} for i in range(start, months)]
    last = streaks(columns, rule)[-1]
    return {unit for unit, run in last.items() if len(run) >= rule.k}


def warning_colour(lagging: bool, bottom_streak: int) -> str | None:
    """The ranking's three warning colours (紅黃藍預警): red lagging, yellow at the bottom
    two or more ranked months running (not yet lagging), blue at the bottom this month."""
    if lagging:
        return "red"
    if bottom_streak >= 2:
        return "yellow"
    if bottom_streak == 1:
        return "blue"
    return None


# ---------------------------------------------------------------------- months


def parse_month(month: str) -> tuple[int, int]:
    match = _MONTH.match(month.strip()) if isinstance(month, str) else None
    if not match:
        raise InvalidInput(t("err.month_format", value=month), where="month")
    return int(match.group(1)), int(match.group(2))


def check_month(month: str, today: dt.date) -> str:
    """A month typed by a person: YYYY-MM, and not after the month of ``today``."""
    parse_month(month)
    month = month.strip()
    if month > month_of(today):
        raise InvalidInput(
            t("err.month_future", month=month, today=today.isoformat()), where="month"
        )
    return month


def month_of(day: dt.date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def shift_month(month: str, delta: int) -> str:
    year, number = parse_month(month)
    index = year * 12 + (number - 1) + delta
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def month_range(first: str, last: str) -> list[str]:
    """Every month from ``first`` to ``last``, both included (empty if ``first`` is later)."""
    y1, m1 = parse_month(first)
    y2, m2 = parse_month(last)
    count = (y2 * 12 + m2) - (y1 * 12 + m1) + 1
    return [shift_month(first, d) for d in range(max(0, count))]


def month_bounds(month: str) -> tuple[dt.date, dt.date]:
    """First day of the month and first day of the next."""
    year, number = parse_month(month)
    start = dt.date(year, number, 1)
    end = dt.date(year + number // 12, number % 12 + 1, 1)
    return start, end


# ---------------------------------------------------------------------- scoring a month


def inspection_percents(
    store: Store, month: str, *, include_bonus: bool = True
) -> dict[str, list[float | None]]:
    """Percentages of the signed-off inspections dated in ``month``, by unit id, each
    unit's oldest first.

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
        if include_bonus or total.possible <= 0:
            percent = total.percent
        else:
            percent = round(total.earned / total.possible * 100, 2)
        percents[inspection["unit_id"]].append(percent)
    return dict(percents)


def overdue_at_month_end(store: Store, month: str) -> dict[str, int]:
    """Problems per unit that were overdue at the end of ``month``: found by then, the
    deadline passed, and not closed by then."""
    _, end = month_bounds(month)
    rows = store.all(
        "SELECT unit_id, count(*) AS n FROM problems WHERE found_on < :end AND deadline < :end "
        "AND (closed_on IS NULL OR closed_on >= :end) GROUP BY unit_id",
        {"end": end.isoformat()},
    )
    return {r["unit_id"]: int(r["n"]) for r in rows}


def month_scores(
    store: Store, month: str, scoring: MonthScoring = DEFAULT_SCORING
) -> dict[str, float | None]:
    """Every branch's and general branch's score for ``month`` (``None``: not inspected)."""
    percents = inspection_percents(store, month, include_bonus=scoring.include_bonus)
    overdue = overdue_at_month_end(store, month) if scoring.overdue_deduction else {}
    return {
        unit: deduct(
            monthly_score(percents.get(unit, ()), scoring.method), overdue.get(unit, 0), scoring
        )
        for unit in _ranked_unit_ids(store)
    }


def _ranked_unit_ids(store: Store) -> list[str]:
    marks = ",".join("?" * len(RANKED_KINDS))
    rows = store.all(
        f"SELECT id FROM units WHERE kind IN ({marks}) ORDER BY code",
        tuple(k.value for k in RANKED_KINDS),
    )
    return [r["id"] for r in rows]


def _stored_scores(store: Store, months: Sequence[str]) -> dict[str, dict[str, float | None]]:
    """Scores already computed for ``months``: month → unit id → score (ranked units only;
    a unit absent from a month was not inspected then)."""
    if not months:
        return {}
    out: dict[str, dict[str, float | None]] = {m: {} for m in months}
    for row in store.conn.execute(
        # rank is null exactly when score is: the partial index monthly_results_ranked
        # holds just these rows and columns, so the table itself is not read
        "SELECT month, unit_id, score FROM monthly_results "
        "WHERE month >= ? AND month <= ? AND rank IS NOT NULL",
        (min(months), max(months)),
    ):
        if row[0] in out:
            out[row[0]][row[1]] = row[2]
    return out


# ---------------------------------------------------------------------- computing a month


@dataclass(frozen=True)
class MonthEvaluation:
    """A month as computed, before it is saved."""

    month: str
    scores: dict[str, float | None]  # unit id → score (None: not inspected)
    ranks: dict[str, int | None]
    bottom: dict[str, tuple[str, ...]]  # unit id → months of its running bottom streak
    lagging: frozenset[str]


def evaluate_month(
    store: Store,
    month: str,
    rule: LaggingRule = DEFAULT_RULE,
    *,
    scoring: MonthScoring = DEFAULT_SCORING,
) -> MonthEvaluation:
    """Score, rank and judge ``month`` from the inspections (and earlier months' saved
    scores) without saving anything."""
    parse_month(month)
    scores = month_scores(store, month, scoring)
    earlier = [shift_month(month, -d) for d in range(rule.lookback_months - 1, 0, -1)]
    stored = _stored_scores(store, earlier)
    columns: list[Mapping[str, float | None]] = [*(stored[m] for m in earlier), scores]
    months = [*earlier, month]
    last = streaks(columns, rule)[-1]
    bottom = {unit: tuple(months[i] for i in run) for unit, run in last.items()}
    return MonthEvaluation(
        month=month,
        scores=scores,
        ranks=rank(scores),
        bottom=bottom,
        lagging=frozenset(u for u, run in bottom.items() if len(run) >= rule.k),
    )


def refuse_locked(store: Store, month: str) -> None:
    """A month under review or published is not changed (see ``services.review``)."""
    state = store.scalar("SELECT state FROM month_reviews WHERE month = ?", (month,))
    if state == "published":
        raise ReadOnlyRecord(
            f"{month} is published and read-only; a correction reopens it first, with a reason "
            f"(inspect-tui publish --month {month} --reopen --reason ...)",
            where="month",
        )
    if state in ("submitted", "reviewed", "consolidated"):
        raise IllegalTransition(
            f"{month} is under review ({state}); send it back before computing it again",
            where="month",
        )


def compute_month(
    store: Store,
    month: str,
    rule: LaggingRule = DEFAULT_RULE,
    *,
    scoring: MonthScoring = DEFAULT_SCORING,
) -> list[MonthlyResult]:
    """Score, rank and judge every branch and general branch for ``month`` and save it.

    One row per unit and month (updated in place when the month is computed again; rows
    that did not change are not touched, so the audit log only shows real changes).
    Lagging uses the results already saved for earlier months: compute months in order.
    Refuses a month under review or published.
    """
    parse_month(month)
    refuse_locked(store, month)
    evaluation = evaluate_month(store, month, rule, scoring=scoring)
    save_month(store, evaluation)
    return month_results(store, month)


def save_month(store: Store, evaluation: MonthEvaluation) -> None:
    month = evaluation.month
    existing = {
        r["unit_id"]: r
        for r in store.all("SELECT * FROM monthly_results WHERE month = ?", (month,))
    }
    streak_rows = {
        r["unit_id"]: r for r in store.all("SELECT * FROM bottom_streaks WHERE month = ?", (month,))
    }
    with store.write():
        refuse_locked(store, month)  # again, inside the transaction
        for unit_id, score in evaluation.scores.items():
            position = evaluation.ranks[unit_id]
            row = {
                "unit_id": unit_id,
                "month": month,
                "score": score,
                "rank": position,
                "benchmark": int(position == 1),
                "lagging": int(unit_id in evaluation.lagging),
            }
            current = existing.get(unit_id)
            if current is None:
                # one id per unit and month: laptops that compute the same month merge
                store.insert(
                    "monthly_results", {"id": store.key_id("monthly", unit_id, month)} | row
                )
            elif any(current[key] != value for key, value in row.items()):
                store.update("monthly_results", current["id"], row)
        for unit_id in evaluation.bottom.keys() | streak_rows.keys():
            run = evaluation.bottom.get(unit_id, ())
            row = {
                "unit_id": unit_id,
                "month": month,
                "streak": len(run),
                "months": ",".join(run),
                "lagging": int(unit_id in evaluation.lagging),
            }
            current = streak_rows.get(unit_id)
            if current is None:
                store.insert("bottom_streaks", {"id": store.key_id("bottom", unit_id, month)} | row)
            elif any(current[key] != value for key, value in row.items()):
                store.update("bottom_streaks", current["id"], row)


def month_results(
    store: Store, month: str, *, limit: int | None = None, offset: int = 0
) -> list[MonthlyResult]:
    """A computed month, best first (then units not ranked), ties by unit code.

    ``limit``/``offset`` page through large organisations. Ranked and unranked units are
    read apart so that a page of the ranking walks the (month, rank) index instead of
    sorting every unit of the month.
    """
    rows = _month_rows(store, month, "m.*", "", limit=limit, offset=offset)
    return [MonthlyResult.model_validate(r) for r in rows]


def _month_rows(
    store: Store,
    month: str,
    columns: str,
    joins: str,
    *,
    limit: int | None,
    offset: int,
    params: tuple[Any, ...] = (),
) -> list[dict[str, Any]]:
    parse_month(month)
    offset = max(0, offset)
    wanted = -1 if limit is None else max(0, limit)
    rows: list[dict[str, Any]] = []
    ranked = count_ranked(store, month)
    base = (
        f"SELECT {columns} FROM monthly_results AS m JOIN units AS u ON u.id = m.unit_id {joins} "
        "WHERE m.month = ? "
    )
    if offset < ranked and wanted != 0:
        rows = store.all(
            base + "AND m.rank IS NOT NULL ORDER BY m.rank, u.code LIMIT ? OFFSET ?",
            (*params, month, wanted, offset),
        )
    if wanted < 0 or len(rows) < wanted:
        rest = -1 if wanted < 0 else wanted - len(rows)
        rows += store.all(
            base + "AND m.rank IS NULL ORDER BY u.code LIMIT ? OFFSET ?",
            (*params, month, rest, max(0, offset - ranked)),
        )
    return rows


def count_ranked(store: Store, month: str) -> int:
    """How many units were ranked (inspected) in ``month``."""
    return int(
        store.scalar(
            "SELECT count(*) FROM monthly_results WHERE month = ? AND rank IS NOT NULL", (month,)
        )
    )


def computed_months(store: Store) -> list[str]:
    """The months that have results, oldest first."""
    rows = store.all("SELECT DISTINCT month FROM monthly_results ORDER BY month")
    return [r["month"] for r in rows]


def latest_month(store: Store) -> str | None:
    """The most recent month with results."""
    value = store.scalar("SELECT max(month) FROM monthly_results")
    return str(value) if value else None


# ---------------------------------------------------------------------- lagging


@dataclass(frozen=True)
class LaggingLine:
    """A lagging unit in a month, with the months that made it lag (oldest first)."""

    month: str
    unit_id: str
    unit_code: str
    unit_name: str
    rank: int | None
    score: float | None
    ranked: int
    months: tuple[str, ...]


def lagging_list(store: Store, month: str | None = None) -> list[LaggingLine]:
    """The units lagging in ``month`` (default: the latest with results), lowest first,
    each with the months of its streak as recorded when the month was computed."""
    month = month or latest_month(store)
    if month is None:
        return []
    parse_month(month)
    ranked = count_ranked(store, month)
    rows = store.all(
        "SELECT m.month, m.unit_id, u.code, u.name, m.rank, m.score, b.months "
        "FROM monthly_results AS m JOIN units AS u ON u.id = m.unit_id "
        "LEFT JOIN bottom_streaks AS b ON b.unit_id = m.unit_id AND b.month = m.month "
        "WHERE m.month = ? AND m.lagging = 1 ORDER BY m.rank DESC, u.code",
        (month,),
    )
    return [
        LaggingLine(
            month=r["month"],
            unit_id=r["unit_id"],
            unit_code=r["code"],
            unit_name=r["name"],
            rank=r["rank"],
            score=r["score"],
            ranked=ranked,
            months=tuple(m for m in (r["months"] or "").split(",") if m),
        )
        for r in rows
    ]


def detect_lagging(
    store: Store, first: str, last: str, rule: LaggingRule = DEFAULT_RULE
) -> dict[str, dict[str, tuple[str, ...]]]:
    """Lagging detection over a span of months from the saved scores: for every month from
    ``first`` to ``last``, the units lagging then, each with the months of its streak.

    One query reads every ranked score of the span (and of the months before it the rule
    looks back on); the rule runs over them in one pass. This is how a changed rule is
    tried on history without recomputing (or changing) any month.
    """
    months = month_range(shift_month(first, -(rule.lookback_months - 1)), last)
    if not months:
        return {}
    index = {m: i for i, m in enumerate(months)}
    columns: list[dict[str, float | None]] = [{} for _ in months]
    for month, unit_id, score in store.conn.execute(
        "SELECT month, unit_id, score FROM monthly_results "
        "WHERE month >= ? AND month <= ? AND rank IS NOT NULL",
        (months[0], last),
    ):
        columns[index[month]][unit_id] = score
    out: dict[str, dict[str, tuple[str, ...]]] = {}
    skip = rule.lookback_months - 1
    for position, month in enumerate(streaks(columns, rule)):
        if position < skip:
            continue
        out[months[position]] = {
            unit: tuple(months[i] for i in run) for unit, run in month.items() if len(run) >= rule.k
        }
    return out


# ---------------------------------------------------------------------- the ranking screen


@dataclass(frozen=True)
class RankingRow:
    """One line of the ranking screen: the month's result with last month's beside it."""

    month: str
    unit_id: str
    unit_code: str
    unit_name: str
    score: float | None  # None: not inspected this month
    rank: int | None
    previous_score: float | None
    previous_rank: int | None
    benchmark: bool
    lagging: bool
    bottom_streak: int  # ranked months running at the bottom (0: not at the bottom)

    @property
    def change(self) -> float | None:
        """Month-on-month change of the score (None when either month has none)."""
        if self.score is None or self.previous_score is None:
            return None
        return round(self.score - self.previous_score, 2)

    @property
    def rank_change(self) -> int | None:
        """Places moved up since last month (negative: down)."""
        if self.rank is None or self.previous_rank is None:
            return None
        return self.previous_rank - self.rank

    @property
    def warning(self) -> str | None:
        return warning_colour(self.lagging, self.bottom_streak)


def ranking_rows(
    store: Store, month: str, *, limit: int | None = None, offset: int = 0
) -> list[RankingRow]:
    """The ranking screen's rows for ``month`` in ranking order (then units not inspected,
    by code), paged like ``month_results``."""
    previous = shift_month(month, -1)
    rows = _month_rows(
        store,
        month,
        "m.unit_id, u.code, u.name, m.score, m.rank, m.benchmark, m.lagging, "
        "p.score AS previous_score, p.rank AS previous_rank, coalesce(b.streak, 0) AS streak",
        "LEFT JOIN monthly_results AS p ON p.unit_id = m.unit_id AND p.month = ? "
        "LEFT JOIN bottom_streaks AS b ON b.unit_id = m.unit_id AND b.month = m.month",
        limit=limit,
        offset=offset,
        params=(previous,),
    )
    return [
        RankingRow(
            month=month,
            unit_id=r["unit_id"],
            unit_code=r["code"],
            unit_name=r["name"],
            score=r["score"],
            rank=r["rank"],
            previous_score=r["previous_score"],
            previous_rank=r["previous_rank"],
            benchmark=bool(r["benchmark"]),
            lagging=bool(r["lagging"]),
            bottom_streak=int(r["streak"]),
        )
        for r in rows
    ]


@dataclass(frozen=True)
class TrendPoint:
    month: str
    score: float | None  # None: not inspected, or the month not computed
    rank: int | None
    ranked: int  # units ranked that month (0: month not computed)
    benchmark: bool
    lagging: bool


def unit_trend(
    store: Store, unit_id: str, months: int = 12, *, end: str | None = None
) -> list[TrendPoint]:
    """A unit's last ``months`` months (12 or 36 on the trend screen), oldest first, ending
    with ``end`` (default: the latest month with results). Every month is there, with
    ``score`` None when the unit was not inspected (a gap in the sparkline, not a zero)."""
    end = end or latest_month(store) or month_of(store.clock.today())
    first = shift_month(end, -(max(1, months) - 1))
    span = month_range(first, end)
    mine = {
        r["month"]: r
        for r in store.all(
            "SELECT month, score, rank, benchmark, lagging FROM monthly_results "
            "WHERE unit_id = ? AND month >= ? AND month <= ?",
            (unit_id, first, end),
        )
    }
    # months listed one by one: each is then a range of the (month, rank) index
    counts = {
        r["month"]: r["n"]
        for r in store.all(
            f"SELECT month, count(*) AS n FROM monthly_results "
            f"WHERE month IN ({','.join('?' * len(span))}) AND rank IS NOT NULL GROUP BY month",
            tuple(span),
        )
    }
    points = []
    for month in span:
        row = mine.get(month)
        points.append(
            TrendPoint(
                month=month,
                score=row["score"] if row else None,
                rank=row["rank"] if row else None,
                ranked=int(counts.get(month, 0)),
                benchmark=bool(row and row["benchmark"]),
                lagging=bool(row and row["lagging"]),
            )
        )
    return points


# ---------------------------------------------------------------------- indicators


@dataclass(frozen=True)
class IndicatorColumn:
    """An indicator of a system used in the month (columns of the indicator × unit view)."""

    indicator_id: str
    checklist_id: str
    code: str
    title: str
    max_score: float
    weight: float
    kind: IndicatorKind


def _month_indicators(store: Store, month: str) -> list[IndicatorColumn]:
    start, end = month_bounds(month)
    rows = store.all(
        "SELECT d.id, d.checklist_id, d.code, d.title, d.max_score, d.weight, d.kind "
        "FROM indicators AS d JOIN checklists AS c ON c.id = d.checklist_id "
        "WHERE d.checklist_id IN (SELECT DISTINCT checklist_id FROM inspections "
        "WHERE state = 'signed_off' AND date >= ? AND date < ?) "
        "ORDER BY c.code, c.version, d.position",
        (start.isoformat(), end.isoformat()),
    )
    return [
        IndicatorColumn(
            indicator_id=r["id"],
            checklist_id=r["checklist_id"],
            code=r["code"],
            title=r["title"],
            max_score=r["max_score"],
            weight=r["weight"],
            kind=IndicatorKind(r["kind"]),
        )
        for r in rows
    ]


def indicator_means(
    store: Store, month: str, unit_ids: Sequence[str] | None = None
) -> dict[tuple[str, str], float]:
    """(unit id, indicator id) → the mean score of the unit's signed-off inspections of
    ``month`` on the indicator, over the answers where it applied."""
    start, end = month_bounds(month)
    params: list[Any] = [start.isoformat(), end.isoformat()]
    only = ""
    if unit_ids is not None:
        if not unit_ids:
            return {}
        only = f"AND i.unit_id IN ({','.join('?' * len(unit_ids))})"
        params += list(unit_ids)
    rows = store.conn.execute(
        "SELECT i.unit_id, a.indicator_id, avg(a.score) FROM answers AS a "
        "JOIN inspections AS i ON i.id = a.inspection_id "
        f"WHERE i.state = 'signed_off' AND i.date >= ? AND i.date < ? AND a.score IS NOT NULL {only} "
        "GROUP BY i.unit_id, a.indicator_id",
        params,
    )
    return {(unit, indicator): float(mean) for unit, indicator, mean in rows}


@dataclass(frozen=True)
class IndicatorBenchmark:
    """The benchmark unit of one indicator in a month: the best mean share of the maximum."""

    indicator: IndicatorColumn
    unit_id: str
    unit_code: str
    unit_name: str
    score: float  # the benchmark unit's mean score on the indicator
    tied: int  # units sharing the best share (the benchmark included)
    assessed: int  # units with an applicable answer on the indicator

    @property
    def share(self) -> float:
        return self.score / self.indicator.max_score


def indicator_benchmarks(store: Store, month: str) -> list[IndicatorBenchmark]:
    """The best unit on each indicator used in ``month`` (indicators nobody was assessed
    on are left out).

    Full marks are common, so ties are broken by the month's overall rank (the benchmark
    unit first), then by unit code; ``tied`` says how many units shared the best.
    """
    means = indicator_means(store, month)
    columns = {c.indicator_id: c for c in _month_indicators(store, month)}
    units = _unit_info(store, month, {u for u, _ in means})
    by_indicator: dict[str, list[tuple[str, float]]] = defaultdict(list)
    for (unit, indicator), mean in means.items():
        if unit in units:
            by_indicator[indicator].append((unit, mean))
    out = []
    for indicator_id, column in columns.items():
        scored = by_indicator.get(indicator_id)
        if not scored:
            continue
        best = max(mean for _, mean in scored)
        leaders = [u for u, mean in scored if mean == best]
        winner = min(
            leaders,
            key=lambda u: (units[u]["rank"] is None, units[u]["rank"] or 0, units[u]["code"]),
        )
        out.append(
            IndicatorBenchmark(
                indicator=column,
                unit_id=winner,
                unit_code=units[winner]["code"],
                unit_name=units[winner]["name"],
                score=round(best, 4),
                tied=len(leaders),
                assessed=len(scored),
            )
        )
    return out


def _unit_info(store: Store, month: str, unit_ids: Iterable[str]) -> dict[str, dict[str, Any]]:
    """Code, name and the month's rank of the ranked-kind units among ``unit_ids`` (units
    with a signed-off inspection in ``month``: only those are read)."""
    wanted = set(unit_ids)
    if not wanted:
        return {}
    start, end = month_bounds(month)
    ranked = {k.value for k in RANKED_KINDS}
    rows = store.all(
        "SELECT u.id, u.code, u.name, u.kind, m.rank, m.score FROM units AS u "
        "LEFT JOIN monthly_results AS m ON m.unit_id = u.id AND m.month = ? "
        "WHERE u.id IN (SELECT unit_id FROM inspections "
        "WHERE state = 'signed_off' AND date >= ? AND date < ?)",
        (month, start.isoformat(), end.isoformat()),
    )
    return {r["id"]: r for r in rows if r["id"] in wanted and r["kind"] in ranked}


@dataclass(frozen=True)
class UnitLosses:
    """One row of the indicator × unit view: where a unit lost points in a month."""

    unit_id: str
    unit_code: str
    unit_name: str
    rank: int | None
    score: float | None
    lost: dict[str, float | None]  # indicator id → weighted points lost (None: did not apply)

    @property
    def total_lost(self) -> float:
        return round(sum(v for v in self.lost.values() if v is not None), 2)


@dataclass(frozen=True)
class PointsLostView:
    month: str
    indicators: list[IndicatorColumn]  # regular and self-chosen items (bonus items lose nothing)
    rows: list[UnitLosses]
    total: int  # units with an inspection in the month (for paging)


def points_lost(
    store: Store,
    month: str,
    *,
    unit_ids: Sequence[str] | None = None,
    order: Literal["lost", "rank", "code"] = "lost",
    limit: int | None = None,
    offset: int = 0,
) -> PointsLostView:
    """The indicator × unit view of ``month``: for each unit inspected in the month (or
    each of ``unit_ids``), the points it lost on each indicator — (maximum − mean score)
    × weight over its signed-off inspections; ``None`` where the indicator did not apply
    or is of another system. Rows ordered by total lost (most first), rank or code."""
    indicators = [c for c in _month_indicators(store, month) if c.kind is not IndicatorKind.BONUS]
    means = indicator_means(store, month, unit_ids)
    assessed_units = {u for u, _ in means}
    # the indicators each unit was assessed on (answered, applicable or not)
    start, end = month_bounds(month)
    systems: dict[str, set[str]] = defaultdict(set)
    for unit, checklist in store.conn.execute(
        "SELECT DISTINCT unit_id, checklist_id FROM inspections "
        "WHERE state = 'signed_off' AND date >= ? AND date < ?",
        (start.isoformat(), end.isoformat()),
    ):
        if unit_ids is None or unit in unit_ids:
            systems[unit].add(checklist)
            assessed_units.add(unit)
    info = _unit_info(store, month, assessed_units)
    rows = []
    for unit in info:
        lost: dict[str, float | None] = {}
        for column in indicators:
            mean = means.get((unit, column.indicator_id))
            if mean is None or column.checklist_id not in systems[unit]:
                lost[column.indicator_id] = None
            else:
                lost[column.indicator_id] = round((column.max_score - mean) * column.weight, 2)
        rows.append(
            UnitLosses(
                unit_id=unit,
                unit_code=info[unit]["code"],
                unit_name=info[unit]["name"],
                rank=info[unit]["rank"],
                score=info[unit]["score"],
                lost=lost,
            )
        )
    if order == "lost":
        rows.sort(key=lambda r: (-r.total_lost, r.unit_code))
    elif order == "rank":
        rows.sort(key=lambda r: (r.rank is None, r.rank or 0, r.unit_code))
    else:
        rows.sort(key=lambda r: r.unit_code)
    total = len(rows)
    page = (
        rows[max(0, offset) :] if limit is None else rows[max(0, offset) : max(0, offset) + limit]
    )
    return PointsLostView(month=month, indicators=indicators, rows=page, total=total)


@dataclass(frozen=True)
class IndicatorLoss:
    """Where one unit lost points on one indicator, beside the best unit on it."""

    indicator: IndicatorColumn
    score: float  # the unit's mean score
    lost: float  # weighted points lost
    benchmark: IndicatorBenchmark | None


def unit_losses(store: Store, unit_id: str, month: str) -> list[IndicatorLoss]:
    """The indicators a unit lost points on in ``month``, most lost first (ties in the
    system's order), each with the benchmark unit on that indicator."""
    view = points_lost(store, month, unit_ids=[unit_id])
    if not view.rows:
        return []
    means = indicator_means(store, month, [unit_id])
    benchmarks = {b.indicator.indicator_id: b for b in indicator_benchmarks(store, month)}
    order = {c.indicator_id: i for i, c in enumerate(view.indicators)}
    losses = [
        IndicatorLoss(
            indicator=column,
            score=round(means[(unit_id, column.indicator_id)], 4),
            lost=lost,
            benchmark=benchmarks.get(column.indicator_id),
        )
        for column in view.indicators
        if (lost := view.rows[0].lost[column.indicator_id]) is not None and lost > 0
    ]
    losses.sort(key=lambda x: (-x.lost, order[x.indicator.indicator_id]))
    return losses


# ---------------------------------------------------------------------- consequences


class Consequence(BaseModel):
    """A consequence of the ranking (e.g. 評先評優 eligibility lost, 約談 with the secretary),
    as a line of text and the conditions under which it applies to a unit in a month. Every
    condition given must hold; at least one is needed."""

    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)

    text: str = Field(min_length=1, max_length=500, description="What follows, as shown.")
    lagging: bool | None = Field(
        default=None, description="The unit lags this month (true) or not."
    )
    bottom_streak: int | None = Field(
        default=None,
        ge=1,
        le=120,
        description="At the bottom at least this many ranked months running.",
    )
    bottom_count: int | None = Field(
        default=None, ge=1, le=120, description="At the bottom in at least this many months ..."
    )
    within_months: int = Field(
        default=12,
        ge=1,
        le=120,
        description="... of the last this many months (this one included).",
    )
    below_score: float | None = Field(default=None, description="This month's score is below this.")

    @model_validator(mode="after")
    def _has_a_condition(self) -> Consequence:
        if (
            self.lagging is None
            and self.bottom_streak is None
            and self.bottom_count is None
            and self.below_score is None
        ):
            raise ValueError(
                "a consequence needs a condition: lagging, bottom_streak, bottom_count or below_score"
            )
        if self.bottom_count is not None and self.bottom_count > self.within_months:
            raise ValueError("bottom_count cannot be more than within_months")
        return self


DEFAULT_CONSEQUENCES = (
    Consequence(text="連續兩個月排名末位：取消本年度評先評優資格", bottom_streak=2),
    Consequence(text="月度得分低於60分：黨委書記約談支部書記", below_score=60),
    Consequence(text="後進支部：開展督導檢查並下發整改通知書", lagging=True),
)


@dataclass(frozen=True)
class ConsequenceLine:
    """The consequences that apply to one unit in a month."""

    unit_id: str
    unit_code: str
    unit_name: str
    rank: int | None
    score: float | None
    lines: tuple[str, ...]


def consequences_for(
    store: Store, month: str, consequences: Sequence[Consequence] = DEFAULT_CONSEQUENCES
) -> list[ConsequenceLine]:
    """Units of ``month`` that at least one consequence applies to, lowest ranked first."""
    parse_month(month)
    if not consequences:
        return []
    rows = store.all(
        "SELECT m.unit_id, u.code, u.name, m.rank, m.score, m.lagging, coalesce(b.streak, 0) AS streak "
        "FROM monthly_results AS m JOIN units AS u ON u.id = m.unit_id "
        "LEFT JOIN bottom_streaks AS b ON b.unit_id = m.unit_id AND b.month = m.month "
        "WHERE m.month = ? AND m.score IS NOT NULL ORDER BY m.rank DESC, u.code",
        (month,),
    )
    counts: dict[int, dict[str, int]] = {}
    for within in {c.within_months for c in consequences if c.bottom_count is not None}:
        counts[within] = {
            r["unit_id"]: r["n"]
            for r in store.all(
                "SELECT unit_id, count(*) AS n FROM bottom_streaks "
                "WHERE streak > 0 AND month > ? AND month <= ? GROUP BY unit_id",
                (shift_month(month, -within), month),
            )
        }
    out = []
    for row in rows:
        lines = tuple(
            c.text
            for c in consequences
            if (c.lagging is None or bool(row["lagging"]) == c.lagging)
            and (c.bottom_streak is None or row["streak"] >= c.bottom_streak)
            and (c.below_score is None or row["score"] < c.below_score)
            and (
                c.bottom_count is None
                or counts[c.within_months].get(row["unit_id"], 0) >= c.bottom_count
            )
        )
        if lines:
            out.append(
                ConsequenceLine(
                    unit_id=row["unit_id"],
                    unit_code=row["code"],
                    unit_name=row["name"],
                    rank=row["rank"],
                    score=row["score"],
                    lines=lines,
                )
            )
    return out


# ---------------------------------------------------------------------- export


EXPORT_FORMATS = ("csv", "xlsx")
# (key, English title, Traditional Chinese title)
EXPORT_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("month", "Month", "月份"),
    ("rank", "Rank", "排名"),
    ("unit_code", "Unit code", "單位代碼"),
    ("unit", "Unit", "單位"),
    ("score", "Score", "得分"),
    ("previous_score", "Previous month score", "上月得分"),
    ("change", "Change", "環比變化"),
    ("benchmark", "Benchmark", "標桿支部"),
    ("lagging", "Lagging", "後進支部"),
    ("bottom_streak", "Months at the bottom running", "連續末位月數"),
)


def export_headers() -> list[str]:
    from ..i18n import _to_simplified, current_language

    lang = current_language()
    if lang == "en":
        return [en for _, en, _ in EXPORT_COLUMNS]
    return [_to_simplified(zh) if lang == "zh-Hans" else zh for _, _, zh in EXPORT_COLUMNS]


def export_values(row: RankingRow) -> list[object]:
    """One exported line: numbers as numbers, blanks where there is nothing (a unit not
    inspected has no rank or score), benchmark and lagging as 1 / 0 (they sum)."""
    return [
        row.month,
        row.rank,
        row.unit_code,
        row.unit_name,
        row.score,
        row.previous_score,
        row.change,
        int(row.benchmark),
        int(row.lagging),
        row.bottom_streak,
    ]


def export_ranking(store: Store, month: str, out: Path, fmt: str) -> int:
    """Write ``month``'s ranking (every branch and general branch, ranked first) to ``out``
    as csv (UTF-8 with BOM) or xlsx; the file appears under its name only when complete.
    Returns the rows written."""
    if fmt not in EXPORT_FORMATS:
        raise InvalidInput(f"unknown format {fmt!r}; use csv or xlsx", where="--format")
    if not out.parent.is_dir():
        raise InvalidInput(t("err.folder_missing", folder=out.parent), where=str(out))
    if not os.access(out.parent, os.W_OK):
        raise InvalidInput(t("err.folder_readonly", folder=out.parent), where=str(out))
    rows = [export_values(r) for r in ranking_rows(store, month)]
    fd, name = tempfile.mkstemp(prefix=".ranking-", suffix=f".{fmt}", dir=out.parent)
    os.close(fd)
    tmp = Path(name)
    try:
        (_export_csv if fmt == "csv" else _export_xlsx)(tmp, rows, month)
        os.replace(tmp, out)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return len(rows)


def _export_csv(path: Path, rows: list[list[object]], month: str) -> None:
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(export_headers())
        for row in rows:
            writer.writerow(["" if v is None else v for v in row])


def _export_xlsx(path: Path, rows: list[list[object]], month: str) -> None:
    import xlsxwriter
    from rich.cells import cell_len

    book = xlsxwriter.Workbook(
        str(path), {"constant_memory": True, "strings_to_formulas": False, "strings_to_urls": False}
    )
    try:
        sheet = book.add_worksheet(month)
        bold = book.add_format(
            {"bold": True, "bg_color": "#D9E1F2", "border": 1, "text_wrap": True, "valign": "top"}
        )
        score = book.add_format({"num_format": "0.00"})
        headers = export_headers()
        widths = [cell_len(h) + 2 for h in headers]
        for row in rows[:500]:
            for index, value in enumerate(row):
                widths[index] = max(widths[index], min(40, cell_len(str(value or "")) + 2))
        for index, width in enumerate(widths):
            sheet.set_column(index, index, width)
        sheet.freeze_panes(1, 4)
        for index, title in enumerate(headers):
            sheet.write_string(0, index, title, bold)
        decimals = {4, 5, 6}  # score, previous score, change
        for number, row in enumerate(rows, start=1):
            for index, value in enumerate(row):
                if value is None or value == "":
                    continue
                if isinstance(value, int | float):
                    sheet.write_number(number, index, value, score if index in decimals else None)
                else:
                    sheet.write_string(number, index, str(value))
        sheet.autofilter(0, 0, max(1, len(rows)), len(headers) - 1)
    finally:
        book.close()
