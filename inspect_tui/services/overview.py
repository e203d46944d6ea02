"""Read-only queries behind the screens: the home screen's lists, the units list, earlier
results of an indicator, and the bundles the checklist and sign-off screens open with.

Each list is one SQL query, paged with ``LIMIT n + 1`` so the caller knows whether more
rows follow without counting them all. Nothing here writes.

The other services are imported inside the functions that bundle them, and the pydantic
models inside the functions that build them: the home screen needs neither (its lines
are dataclasses of plain enums), and importing them pulls in pypinyin and pydantic
(together half a second), which the app's start-up should not wait for.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from ..enums import InspectionKind, InspectionState, ProblemState, Result, Severity, UnitKind
from ..store import Store

if TYPE_CHECKING:  # imported where rows become models (start-up time, see above)
    from ..models import (
        Answer,
        Aspect,
        Checklist,
        Indicator,
        Inspection,
        InspectionScore,
        Problem,
        Unit,
    )

DUE_SOON_DAYS = 7

T = TypeVar("T")


@dataclass(frozen=True)
class Page(Generic[T]):
    """Rows of one page, and whether more rows follow it."""

    rows: list[T]
    more: bool
    offset: int = 0


def _page(rows: list[Any], limit: int, offset: int) -> tuple[list[Any], bool]:
    return rows[:limit], len(rows) > limit


# ---------------------------------------------------------------------- home screen


@dataclass(frozen=True)
class InspectionLine:
    id: str
    unit_id: str
    unit_code: str
    unit_name: str
    kind: InspectionKind
    date: dt.date
    state: InspectionState
    answered: int
    total: int
    signed_by: str | None
    signed_at: str | None


@dataclass(frozen=True)
class ProblemLine:
    id: str
    unit_id: str
    unit_code: str
    unit_name: str
    inspection_id: str | None
    indicator_code: str | None
    description: str
    severity: Severity
    state: ProblemState
    deadline: dt.date
    days: int  # days overdue (positive) or days left (zero or positive for due soon)
    reopened: int


@dataclass(frozen=True)
class LaggingLine:
    unit_id: str
    unit_code: str
    unit_name: str
    month: str
    score: float | None
    rank: int | None
    ranked: int  # units ranked that month


_INSPECTION_LINE = """
    SELECT i.id, i.unit_id, u.code AS unit_code, u.name AS unit_name, i.kind, i.date, i.state,
           i.signed_by, i.signed_at,
           (SELECT count(*) FROM answers a WHERE a.inspection_id = i.id) AS answered,
           (SELECT count(*) FROM indicators d WHERE d.checklist_id = i.checklist_id) AS total
    FROM inspections i JOIN units u ON u.id = i.unit_id
"""


def _inspection_line(row: dict[str, Any]) -> InspectionLine:
    return InspectionLine(
        id=row["id"],
        unit_id=row["unit_id"],
        unit_code=row["unit_code"],
        unit_name=row["unit_name"],
        kind=InspectionKind(row["kind"]),
        date=dt.date.fromisoformat(row["date"]),
        state=InspectionState(row["state"]),
        answered=row["answered"],
        total=row["total"],
        signed_by=row["signed_by"],
        signed_at=row["signed_at"],
    )


def inspections_in_progress(
    store: Store, *, limit: int = 50, offset: int = 0
) -> Page[InspectionLine]:
    """Open inspections, most recent first."""
    rows = store.all(
        _INSPECTION_LINE
        + " WHERE i.state = 'in_progress' ORDER BY i.date DESC, i.created_at DESC LIMIT ? OFFSET ?",
        (limit + 1, offset),
    )
    page, more = _page(rows, limit, offset)
    return Page([_inspection_line(r) for r in page], more, offset)


def last_signed_off(store: Store, *, limit: int = 10, offset: int = 0) -> Page[InspectionLine]:
    """The most recently signed-off inspections (by inspection date, then signing time)."""
    rows = store.all(
        _INSPECTION_LINE
        + " WHERE i.state = 'signed_off' ORDER BY i.date DESC, i.signed_at DESC LIMIT ? OFFSET ?",
        (limit + 1, offset),
    )
    page, more = _page(rows, limit, offset)
    return Page([_inspection_line(r) for r in page], more, offset)


_PROBLEM_LINE = """
    SELECT p.id, p.unit_id, u.code AS unit_code, u.name AS unit_name, p.inspection_id,
           d.code AS indicator_code, p.description, p.severity, p.state, p.deadline, p.reopened
    FROM problems p
    JOIN units u ON u.id = p.unit_id
    LEFT JOIN indicators d ON d.id = p.indicator_id
"""


def _problem_line(row: dict[str, Any], today: dt.date) -> ProblemLine:
    deadline = dt.date.fromisoformat(row["deadline"])
    return ProblemLine(
        id=row["id"],
        unit_id=row["unit_id"],
        unit_code=row["unit_code"],
        unit_name=row["unit_name"],
        inspection_id=row["inspection_id"],
        indicator_code=row["indicator_code"],
        description=row["description"],
        severity=Severity(row["severity"]),
        state=ProblemState(row["state"]),
        deadline=deadline,
        days=abs((today - deadline).days),
        reopened=row["reopened"],
    )


def problems_overdue(
    store: Store, today: dt.date, *, limit: int = 50, offset: int = 0
) -> Page[ProblemLine]:
    """Problems not closed whose deadline has passed, the longest overdue first."""
    rows = store.all(
        _PROBLEM_LINE + " WHERE p.state != 'closed' AND p.deadline < ?"
        " ORDER BY p.deadline, p.id LIMIT ? OFFSET ?",
        (today.isoformat(), limit + 1, offset),
    )
    page, more = _page(rows, limit, offset)
    return Page([_problem_line(r, today) for r in page], more, offset)


def problems_due_soon(
    store: Store, today: dt.date, *, days: int = DUE_SOON_DAYS, limit: int = 50, offset: int = 0
) -> Page[ProblemLine]:
    """Problems not closed that fall due today or within ``days`` days, the soonest first."""
    rows = store.all(
        _PROBLEM_LINE + " WHERE p.state != 'closed' AND p.deadline >= ? AND p.deadline <= ?"
        " ORDER BY p.deadline, p.id LIMIT ? OFFSET ?",
        (today.isoformat(), (today + dt.timedelta(days=days)).isoformat(), limit + 1, offset),
    )
    page, more = _page(rows, limit, offset)
    return Page([_problem_line(r, today) for r in page], more, offset)


def latest_result_month(store: Store) -> str | None:
    """The most recent month with monthly results (YYYY-MM), if any."""
    value = store.scalar("SELECT max(month) FROM monthly_results")
    return str(value) if value else None


def lagging_units(store: Store, *, limit: int = 50, offset: int = 0) -> Page[LaggingLine]:
    """Units marked lagging in the latest month of monthly results, the lowest ranked first."""
    rows = store.all(
        """
        WITH latest AS (SELECT max(month) AS month FROM monthly_results)
        SELECT m.unit_id, u.code AS unit_code, u.name AS unit_name, m.month, m.score, m.rank,
               (SELECT count(*) FROM monthly_results r
                 WHERE r.month = m.month AND r.rank IS NOT NULL) AS ranked
        FROM monthly_results m
        JOIN latest ON m.month = latest.month
        JOIN units u ON u.id = m.unit_id
        WHERE m.lagging = 1
        ORDER BY m.rank IS NULL, m.rank DESC, u.code
        LIMIT ? OFFSET ?
        """,
        (limit + 1, offset),
    )
    page, more = _page(rows, limit, offset)
    return Page(
        [
            LaggingLine(
                unit_id=r["unit_id"],
                unit_code=r["unit_code"],
                unit_name=r["unit_name"],
                month=r["month"],
                score=r["score"],
                rank=r["rank"],
                ranked=r["ranked"],
            )
            for r in page
        ],
        more,
        offset,
    )


@dataclass(frozen=True)
class HomeData:
    in_progress: Page[InspectionLine]
    overdue: Page[ProblemLine]
    due_soon: Page[ProblemLine]
    lagging: Page[LaggingLine]
    signed_off: Page[InspectionLine]
    month: str | None


def home(store: Store, today: dt.date, *, limit: int = 50) -> HomeData:
    """Everything the home screen shows, read in one go."""
    return HomeData(
        in_progress=inspections_in_progress(store, limit=limit),
        overdue=problems_overdue(store, today, limit=limit),
        due_soon=problems_due_soon(store, today, limit=limit),
        lagging=lagging_units(store, limit=limit),
        signed_off=last_signed_off(store, limit=10),
        month=latest_result_month(store),
    )


# ---------------------------------------------------------------------- units list


@dataclass(frozen=True)
class UnitLine:
    id: str
    code: str
    name: str
    kind: UnitKind
    secretary: str
    members: int
    last_inspection: dt.date | None
    in_progress: int  # inspections of this unit not yet signed off
    open_problems: int
    rank: int | None
    ranked: int
    lagging: bool


def _date(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


MANY_WORDS = 100  # more words than this are matched through json_each (see filter_units)


def filter_units(
    store: Store, text: str = "", *, limit: int = 100, offset: int = 0, month: str | None = None
) -> Page[UnitLine]:
    """Units whose name, code or pinyin (full or initials) contain every word of ``text``,
    case-insensitive, by code; with the last inspection, open problems and the rank in
    ``month`` (default: the latest month with results)."""
    # The search key is lowercased like the words, so instr() finds them as LIKE would,
    # with no escaping and no limit on a word's length (LIKE refuses patterns of more than
    # 50,000 bytes: a pasted text without spaces was a database error).
    words = list(dict.fromkeys(text.lower().split()))  # each word once
    if len(words) <= MANY_WORDS:
        where = " AND ".join("instr(u.search, ?)" for _ in words) or "1"
    else:
        # a pasted paragraph: one term per word would pass SQLite's limit of 1,000 terms
        # in an expression (an error, not an empty list); the words go in as one array
        where = "NOT EXISTS (SELECT 1 FROM json_each(?) w WHERE NOT instr(u.search, w.value))"
        words = [json.dumps(words)]
    rows = store.all(
        f"""
        WITH m AS (SELECT coalesce(?, (SELECT max(month) FROM monthly_results)) AS month)
        SELECT u.id, u.code, u.name, u.kind, u.secretary, u.members,
               (SELECT max(i.date) FROM inspections i WHERE i.unit_id = u.id) AS last_inspection,
               (SELECT count(*) FROM inspections i
                 WHERE i.unit_id = u.id AND i.state = 'in_progress') AS in_progress,
               (SELECT count(*) FROM problems p
                 WHERE p.unit_id = u.id AND p.state != 'closed') AS open_problems,
               r.rank, coalesce(r.lagging, 0) AS lagging,
               (SELECT count(*) FROM monthly_results x
                 WHERE x.month = m.month AND x.rank IS NOT NULL) AS ranked
        FROM units u
        JOIN m
        LEFT JOIN monthly_results r ON r.unit_id = u.id AND r.month = m.month
        WHERE {where}
        ORDER BY u.code
        LIMIT ? OFFSET ?
        """,
        (month, *words, limit + 1, offset),
    )
    page, more = _page(rows, limit, offset)
    return Page(
        [
            UnitLine(
                id=r["id"],
                code=r["code"],
                name=r["name"],
                kind=UnitKind(r["kind"]),
                secretary=r["secretary"],
                members=r["members"],
                last_inspection=_date(r["last_inspection"]),
                in_progress=r["in_progress"],
                open_problems=r["open_problems"],
                rank=r["rank"],
                ranked=r["ranked"],
                lagging=bool(r["lagging"]),
            )
            for r in page
        ],
        more,
        offset,
    )


# ---------------------------------------------------------------------- checklist side panel


@dataclass(frozen=True)
class EarlierResult:
    inspection_id: str
    date: dt.date
    kind: InspectionKind
    checklist_version: int
    result: Result
    score: float | None
    value: float | None
    max_score: float
    remark: str


def earlier_results(
    store: Store, unit_id: str, indicator_code: str, *, before: str | None = None, limit: int = 5
) -> list[EarlierResult]:
    """Results of ``unit_id`` on indicators coded ``indicator_code`` in other inspections,
    the most recent first. ``before`` is the inspection being worked on: it and any later
    inspection are left out."""
    params: tuple[Any, ...]
    if before:
        cond = "AND i.id != ? AND i.date <= (SELECT date FROM inspections WHERE id = ?)"
        params = (unit_id, indicator_code, before, before, limit)
    else:
        cond, params = "", (unit_id, indicator_code, limit)
    rows = store.all(
        f"""
        SELECT i.id AS inspection_id, i.date, i.kind, c.version, a.result, a.score, a.value,
               d.max_score, a.remark
        FROM inspections i
        JOIN answers a ON a.inspection_id = i.id
        JOIN indicators d ON d.id = a.indicator_id
        JOIN checklists c ON c.id = i.checklist_id
        WHERE i.unit_id = ? AND d.code = ? {cond}
        ORDER BY i.date DESC, i.created_at DESC
        LIMIT ?
        """,
        params,
    )
    return [_earlier(r) for r in rows]


def _earlier(r: dict[str, Any]) -> EarlierResult:
    return EarlierResult(
        inspection_id=r["inspection_id"],
        date=dt.date.fromisoformat(r["date"]),
        kind=InspectionKind(r["kind"]),
        checklist_version=r["version"],
        result=Result(r["result"]),
        score=r["score"],
        value=r["value"],
        max_score=r["max_score"],
        remark=r["remark"],
    )


def earlier_results_by_code(
    store: Store, unit_id: str, *, before: str | None = None, per_code: int = 5
) -> dict[str, list[EarlierResult]]:
    """``earlier_results`` for every indicator code at once (the checklist screen reads
    them when it opens, so moving between items needs no query)."""
    params: tuple[Any, ...]
    if before:
        cond = "AND i.id != ? AND i.date <= (SELECT date FROM inspections WHERE id = ?)"
        params = (unit_id, before, before, per_code)
    else:
        cond, params = "", (unit_id, per_code)
    rows = store.all(
        f"""
        SELECT * FROM (
            SELECT d.code, i.id AS inspection_id, i.date, i.kind, c.version, a.result, a.score,
                   a.value, d.max_score, a.remark,
                   row_number() OVER (
                       PARTITION BY d.code ORDER BY i.date DESC, i.created_at DESC
                   ) AS n
            FROM inspections i
            JOIN answers a ON a.inspection_id = i.id
            JOIN indicators d ON d.id = a.indicator_id
            JOIN checklists c ON c.id = i.checklist_id
            WHERE i.unit_id = ? {cond}
        ) WHERE n <= ? ORDER BY code, n
        """,
        params,
    )
    found: dict[str, list[EarlierResult]] = {}
    for r in rows:
        found.setdefault(r["code"], []).append(_earlier(r))
    return found


def problems_of_inspection(store: Store, inspection_id: str) -> list[Problem]:
    from ..models import Problem

    rows = store.all(
        "SELECT * FROM problems WHERE inspection_id = ? ORDER BY created_at, id", (inspection_id,)
    )
    return [Problem.model_validate(r) for r in rows]


# ---------------------------------------------------------------------- screen bundles


@dataclass(frozen=True)
class Sheet:
    """What the checklist screen opens with."""

    inspection: Inspection
    unit: Unit
    checklist: Checklist
    aspects: list[Aspect]
    indicators: list[Indicator]
    answers: dict[str, Answer]
    problems: list[Problem]
    score: InspectionScore
    earlier: dict[str, list[EarlierResult]] = field(default_factory=dict)


def sheet(store: Store, inspection_id: str, *, earlier: bool = True) -> Sheet:
    """The inspection, its system, answers, problems and score; with ``earlier``, also
    this unit's earlier results on every indicator code."""
    from .checklists import aspects_of, get_checklist, indicators_of
    from .inspections import answers_of, get_inspection, score_of
    from .units import get_unit

    inspection = get_inspection(store, inspection_id)
    return Sheet(
        inspection=inspection,
        unit=get_unit(store, inspection.unit_id),
        checklist=get_checklist(store, inspection.checklist_id),
        aspects=aspects_of(store, inspection.checklist_id),
        indicators=indicators_of(store, inspection.checklist_id),
        answers=answers_of(store, inspection_id),
        problems=problems_of_inspection(store, inspection_id),
        score=score_of(store, inspection_id),
        earlier=(
            earlier_results_by_code(store, inspection.unit_id, before=inspection_id)
            if earlier
            else {}
        ),
    )


@dataclass(frozen=True)
class Review:
    """What the sign-off review screen shows."""

    sheet: Sheet
    unanswered: list[Indicator]
    amendments: list[dict[str, Any]] = field(default_factory=list)


def review(store: Store, inspection_id: str) -> Review:
    from .inspections import amendments_of

    data = sheet(store, inspection_id, earlier=False)
    missing = [i for i in data.indicators if i.id not in data.answers]
    return Review(sheet=data, unanswered=missing, amendments=amendments_of(store, inspection_id))


@dataclass(frozen=True)
class ProblemDetail:
    problem: Problem
    unit: Unit
    indicator_code: str | None
    indicator_title: str | None
    inspection_date: dt.date | None
    events: list[dict[str, Any]]


def problem_detail(store: Store, problem_id: str) -> ProblemDetail:
    from .problems import get_problem, history
    from .units import get_unit

    problem = get_problem(store, problem_id)
    indicator = (
        store.one("SELECT code, title FROM indicators WHERE id = ?", (problem.indicator_id,))
        if problem.indicator_id
        else None
    )
    date = (
        store.scalar("SELECT date FROM inspections WHERE id = ?", (problem.inspection_id,))
        if problem.inspection_id
        else None
    )
    return ProblemDetail(
        problem=problem,
        unit=get_unit(store, problem.unit_id),
        indicator_code=indicator["code"] if indicator else None,
        indicator_title=indicator["title"] if indicator else None,
        inspection_date=dt.date.fromisoformat(date) if date else None,
        events=[e.model_dump() for e in history(store, problem_id)],
    )


def checklist_choices(store: Store) -> list[Checklist]:
    """Indicator system versions for the start dialog, the default (newest) first."""
    from ..models import Checklist

    rows = store.all("SELECT * FROM checklists ORDER BY effective_from DESC, version DESC")
    return [Checklist.model_validate(r) for r in rows]
