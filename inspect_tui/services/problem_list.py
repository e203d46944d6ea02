"""Finding problems: the filters of the problems screen, counts per filter, per-unit
figures, and the warning colour of each problem. Everything is paged from SQLite
(``LIMIT n + 1``), never loaded whole.

Speed on 200,000 problems: a page is found as ids first (no joins, no per-row evidence
counts), and in deadline order as a merge of one index range per state (the
``(state, deadline)`` index), so the first page never sorts the whole table. Filters
without an index of their own (severity, indicator, free text) still scan the rows they
have to; see ``bench_problems`` for the figures."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any

from ..models import InspectionKind, ProblemState, Severity
from ..store import Store

PENDING = (ProblemState.OPEN, ProblemState.RECTIFYING, ProblemState.SUBMITTED)


@dataclass(frozen=True)
class ProblemFilter:
    """What the problems screen and the ledger filter on. Empty means everything."""

    states: tuple[ProblemState, ...] = ()
    overdue: bool = False
    due_within: int | None = None  # days from today, not yet overdue
    unit_id: str | None = None
    severity: Severity | None = None
    indicator_id: str | None = None
    indicator_code: str | None = None  # every version's indicator of that code (e.g. B1)
    inspection_id: str | None = None
    text: str = ""
    found_from: dt.date | None = None
    found_to: dt.date | None = None

    def with_(self, **changes: Any) -> ProblemFilter:
        return replace(self, **changes)


@dataclass(frozen=True)
class ProblemRow:
    id: str
    unit_id: str
    unit_code: str
    unit_name: str
    indicator_code: str | None
    indicator_title: str | None
    inspection_id: str | None
    description: str
    requirement: str
    responsible: str
    severity: Severity
    state: ProblemState
    found_on: dt.date
    deadline: dt.date
    original_deadline: dt.date
    closed_on: dt.date | None
    reopened: int
    days_overdue: int
    evidence_count: int


@dataclass(frozen=True)
class Page:
    rows: list[ProblemRow]
    has_more: bool
    offset: int
    limit: int = field(default=100)


SORTS = {
    "deadline": "p.deadline, p.id",
    "-deadline": "p.deadline DESC, p.id",
    "found": "p.found_on DESC, p.id",
    "unit": "u.code, p.deadline, p.id",
}
# sorts a page can be merged from per-state index ranges: the order over the merged rows
MERGED_SORTS = {"deadline": "deadline, id", "-deadline": "deadline DESC, id"}

# ---------------------------------------------------------------------- warning colours

DUE_SOON_DAYS = 7  # blue: due within this many days (紅黃藍預警; a setting later)
LONG_OVERDUE_DAYS = 30  # red: overdue by more than this many days


class WarningLevel(StrEnum):
    """The three warning colours (紅黃藍預警) of a problem not yet closed."""

    DUE_SOON = "blue"
    OVERDUE = "yellow"
    SERIOUS = "red"  # long overdue, or found again after closing (reopened)


def warning(
    state: ProblemState, deadline: dt.date, reopened: int, today: dt.date
) -> WarningLevel | None:
    """Blue when due within ``DUE_SOON_DAYS``, yellow when overdue, red when overdue by
    more than ``LONG_OVERDUE_DAYS`` or found again; closed problems have none."""
    if state is ProblemState.CLOSED:
        return None
    late = (today - deadline).days
    if reopened or late > LONG_OVERDUE_DAYS:
        return WarningLevel.SERIOUS
    if late > 0:
        return WarningLevel.OVERDUE
    if -late <= DUE_SOON_DAYS:
        return WarningLevel.DUE_SOON
    return None


def _where(f: ProblemFilter, today: dt.date) -> tuple[str, dict[str, Any]]:
    clauses: list[str] = []
    params: dict[str, Any] = {"today": today.isoformat()}
    if f.states:
        names = [f"s{i}" for i in range(len(f.states))]
        clauses.append(f"p.state IN ({', '.join(':' + n for n in names)})")
        params |= {n: s.value for n, s in zip(names, f.states, strict=True)}
    if f.overdue:
        clauses.append("p.state != 'closed' AND p.deadline < :today")
    if f.due_within is not None:
        clauses.append("p.state != 'closed' AND p.deadline >= :today AND p.deadline <= :due_by")
        params["due_by"] = (today + dt.timedelta(days=f.due_within)).isoformat()
    if f.indicator_code:
        clauses.append("p.indicator_id IN (SELECT id FROM indicators WHERE code = :indicator_code)")
        params["indicator_code"] = f.indicator_code
    for column, value in (
        ("unit_id", f.unit_id),
        ("indicator_id", f.indicator_id),
        ("inspection_id", f.inspection_id),
    ):
        if value:
            clauses.append(f"p.{column} = :{column}")
            params[column] = value
    if f.severity:
        clauses.append("p.severity = :severity")
        params["severity"] = f.severity.value
    if f.found_from:
        clauses.append("p.found_on >= :found_from")
        params["found_from"] = f.found_from.isoformat()
    if f.found_to:
        clauses.append("p.found_on <= :found_to")
        params["found_to"] = f.found_to.isoformat()
    if f.text.strip():
        # instr() is a plain substring test: no LIKE wildcards to escape, CJK-safe. Unit
        # names are matched once (10,000 units), not joined per problem.
        clauses.append(
            "(instr(p.description, :text) OR instr(p.requirement, :text) "
            "OR instr(p.responsible, :text) "
            "OR p.unit_id IN (SELECT id FROM units WHERE instr(name, :text)))"
        )
        params["text"] = f.text.strip()
    return (" AND ".join(clauses) or "1"), params


_SELECT = """
    SELECT p.id, p.unit_id, u.code AS unit_code, u.name AS unit_name,
           i.code AS indicator_code, i.title AS indicator_title, p.inspection_id,
           p.description, p.requirement, p.responsible, p.severity, p.state,
           p.found_on, p.deadline, p.original_deadline, p.closed_on, p.reopened,
           CASE WHEN p.state != 'closed' AND p.deadline < :today
                THEN CAST(julianday(:today) - julianday(p.deadline) AS INTEGER) ELSE 0 END
               AS days_overdue,
           (SELECT count(*) FROM attachments a
             WHERE (a.owner_table = 'problems' AND a.owner_id = p.id)
                OR (a.owner_table = 'rectifications' AND a.owner_id IN
                    (SELECT r.id FROM rectifications r WHERE r.problem_id = p.id))) AS evidence_count
    FROM problems p
    JOIN units u ON u.id = p.unit_id
    LEFT JOIN indicators i ON i.id = p.indicator_id
"""

# The ledger reads every row: the evidence is counted once per owner and joined, not
# looked up row by row (a third of the time of a 200,000-row ledger).
_EVIDENCE_PER_ROW = _SELECT[
    _SELECT.index("(SELECT count(*) FROM attachments a") : _SELECT.index(" AS evidence_count")
]
_SELECT_ALL = (
    _SELECT.replace(_EVIDENCE_PER_ROW, "coalesce(ep.n, 0) + coalesce(er.n, 0)")
    + """
    LEFT JOIN (SELECT owner_id, count(*) AS n FROM attachments
               WHERE owner_table = 'problems' GROUP BY owner_id) ep ON ep.owner_id = p.id
    LEFT JOIN (SELECT r.problem_id, count(*) AS n FROM attachments a
               JOIN rectifications r ON r.id = a.owner_id
               WHERE a.owner_table = 'rectifications' GROUP BY r.problem_id) er
           ON er.problem_id = p.id
"""
)


def _mergeable(f: ProblemFilter) -> bool:
    """Whether walking the per-state deadline ranges finds a page quickly: not when an
    inspection narrows the rows to a handful (its own index is better), nor when a filter
    without an index (indicator, free text) may match only far down the ranges, where a
    scan and a sort of the matches costs less than that walk."""
    return not (f.inspection_id or f.indicator_id or f.indicator_code or f.text.strip())


def _page_ids(
    f: ProblemFilter, today: dt.date, sort: str, limit: int, offset: int
) -> tuple[str, dict[str, Any]]:
    """The query of one page of ids (``limit`` rows from ``offset``), and its parameters."""
    where, params = _where(f, today)
    params |= {"limit": limit, "offset": offset}
    states = f.states or (PENDING if f.overdue or f.due_within is not None else tuple(ProblemState))
    if sort in MERGED_SORTS and len(states) > 1 and _mergeable(f):
        # each state's rows come in order from its index range, stopping at the page's end;
        # merged, then the page is cut: no sort of every matching row
        params["depth"] = offset + limit
        parts = []
        for n, state in enumerate(states):
            params[f"part{n}"] = state.value
            parts.append(
                "SELECT * FROM (SELECT p.id AS id, p.deadline AS deadline FROM problems p "
                f"WHERE p.state = :part{n} AND {where} ORDER BY {SORTS[sort]} LIMIT :depth)"
            )
        merged = " UNION ALL ".join(parts)
        return f"{merged} ORDER BY {MERGED_SORTS[sort]} LIMIT :limit OFFSET :offset", params
    join = "JOIN units u ON u.id = p.unit_id" if "u." in SORTS[sort] else ""
    return (
        f"SELECT p.id AS id FROM problems p {join} WHERE {where} "
        f"ORDER BY {SORTS[sort]} LIMIT :limit OFFSET :offset",
        params,
    )


def search(
    store: Store,
    f: ProblemFilter,
    today: dt.date,
    *,
    sort: str = "deadline",
    limit: int = 100,
    offset: int = 0,
) -> Page:
    """One page of problems matching ``f``, sorted; ``has_more`` from fetching one extra."""
    sort = sort if sort in SORTS else "deadline"
    ids, params = _page_ids(f, today, sort, limit + 1, offset)
    rows = store.all(
        f"WITH page AS ({ids}) {_SELECT} WHERE p.id IN (SELECT id FROM page) "
        f"ORDER BY {SORTS[sort]}",
        params,
    )
    return Page(
        rows=[_row(r) for r in rows[:limit]], has_more=len(rows) > limit, offset=offset, limit=limit
    )


def iterate(
    store: Store, f: ProblemFilter, today: dt.date, *, sort: str = "deadline"
) -> Iterator[ProblemRow]:
    """Every matching problem, streamed (the ledger of 200,000 rows never sits in memory)."""
    where, params = _where(f, today)
    cursor = store.conn.execute(f"{_SELECT_ALL} WHERE {where} ORDER BY {SORTS[sort]}", params)
    names = [d[0] for d in cursor.description]
    while batch := cursor.fetchmany(2000):
        for values in batch:
            yield _row(dict(zip(names, values, strict=True)))


def count(store: Store, f: ProblemFilter, today: dt.date) -> int:
    where, params = _where(f, today)
    return int(store.scalar(f"SELECT count(*) FROM problems p WHERE {where}", params))


def _scans(f: ProblemFilter) -> bool:
    """Whether ``f`` has a condition no index serves (severity, indicator, free text), so
    matching rows can only be found by reading every problem."""
    return bool(f.severity or f.indicator_id or f.indicator_code or f.text.strip())


def counts(
    store: Store, f: ProblemFilter, today: dt.date, *, due_days: int = DUE_SOON_DAYS
) -> dict[str, int]:
    """What each quick filter would show, given the rest of ``f`` (for the filter bar):
    ``due_7`` is due within a week, ``due`` within ``due_days``.

    Usually the states not yet closed are counted from the ``(state, deadline)`` index (a
    few percent of all problems) and closed ones as the total minus those; a filter that
    reads every problem anyway counts everything in that one pass."""
    base = f.with_(states=(), overdue=False, due_within=None)
    where, params = _where(base, today)
    params |= {
        "week": (today + dt.timedelta(days=7)).isoformat(),
        "due_by": (today + dt.timedelta(days=due_days)).isoformat(),
    }
    pending = "p.state != 'closed'"
    figures = f"""sum(p.state = 'open') AS open, sum(p.state = 'rectifying') AS rectifying,
                  sum(p.state = 'submitted') AS submitted,
                  sum({pending} AND p.deadline < :today) AS overdue,
                  sum({pending} AND p.deadline >= :today AND p.deadline <= :week) AS due_7,
                  sum({pending} AND p.deadline >= :today AND p.deadline <= :due_by) AS due"""
    if _scans(base):
        row = store.one(
            f"SELECT count(*) AS total, {figures} FROM problems p WHERE {where}", params
        )
        result = {k: int(v or 0) for k, v in (row or {}).items()}
    else:
        row = store.one(
            f"""SELECT {figures} FROM problems p
                WHERE p.state IN ('open', 'rectifying', 'submitted') AND {where}""",
            params,
        )
        result = {k: int(v or 0) for k, v in (row or {}).items()}
        result["total"] = int(
            store.scalar(f"SELECT count(*) FROM problems p WHERE {where}", params)
        )
    result["closed"] = result["total"] - result["open"] - result["rectifying"] - result["submitted"]
    return result


def tally(
    store: Store, f: ProblemFilter, today: dt.date, *, due_days: int = DUE_SOON_DAYS
) -> tuple[dict[str, int], int]:
    """The filter bar's ``counts`` and how many problems ``f`` itself matches — taken from
    the counts when the quick filters say it (a state, not closed, every state), so a
    filter without an index is scanned once, not twice."""
    found = counts(store, f, today, due_days=due_days)
    if f.overdue or f.due_within is not None:
        return found, count(store, f, today)
    if not f.states:
        return found, found["total"]
    return found, sum(found[s.value] for s in set(f.states))


def _row(r: dict[str, Any]) -> ProblemRow:
    return ProblemRow(
        id=r["id"],
        unit_id=r["unit_id"],
        unit_code=r["unit_code"],
        unit_name=r["unit_name"],
        indicator_code=r["indicator_code"],
        indicator_title=r["indicator_title"],
        inspection_id=r["inspection_id"],
        description=r["description"],
        requirement=r["requirement"],
        responsible=r["responsible"],
        severity=Severity(r["severity"]),
        state=ProblemState(r["state"]),
        found_on=dt.date.fromisoformat(r["found_on"]),
        deadline=dt.date.fromisoformat(r["deadline"]),
        original_deadline=dt.date.fromisoformat(r["original_deadline"]),
        closed_on=dt.date.fromisoformat(r["closed_on"]) if r["closed_on"] else None,
        reopened=r["reopened"],
        days_overdue=r["days_overdue"],
        evidence_count=r["evidence_count"],
    )


@dataclass(frozen=True)
class UnitFigures:
    open: int
    closed: int
    overdue: int
    due: int  # problems whose deadline has passed (closed or not): what the rate is over
    closed_on_time: int
    average_days_to_close: float | None

    @property
    def rectification_rate(self) -> float | None:
        """Closed on time / due (整改率); None when nothing was due yet."""
        return None if self.due == 0 else round(self.closed_on_time / self.due, 4)


def unit_figures(store: Store, unit_id: str, today: dt.date) -> UnitFigures:
    row = (
        store.one(
            """SELECT sum(state != 'closed') AS open, sum(state = 'closed') AS closed,
                  sum(state != 'closed' AND deadline < :today) AS overdue,
                  sum(deadline < :today OR state = 'closed') AS due,
                  sum(state = 'closed' AND closed_on <= deadline) AS on_time,
                  avg(CASE WHEN state = 'closed'
                      THEN julianday(closed_on) - julianday(found_on) END) AS days
           FROM problems WHERE unit_id = :unit""",
            {"unit": unit_id, "today": today.isoformat()},
        )
        or {}
    )
    days = row.get("days")
    return UnitFigures(
        open=int(row.get("open") or 0),
        closed=int(row.get("closed") or 0),
        overdue=int(row.get("overdue") or 0),
        due=int(row.get("due") or 0),
        closed_on_time=int(row.get("on_time") or 0),
        average_days_to_close=None if days is None else round(float(days), 1),
    )


@dataclass(frozen=True)
class InspectionChoice:
    """An inspection that found problems, as a filter offers it."""

    id: str
    date: dt.date
    kind: InspectionKind
    problems: int


def inspections_with_problems(store: Store, unit_id: str) -> list[InspectionChoice]:
    """A unit's inspections that found problems, newest first (the inspection filter)."""
    rows = store.all(
        """SELECT i.id, i.date, i.kind, count(*) AS problems
           FROM problems p JOIN inspections i ON i.id = p.inspection_id
           WHERE p.unit_id = ? GROUP BY i.id ORDER BY i.date DESC, i.id""",
        (unit_id,),
    )
    return [
        InspectionChoice(
            r["id"], dt.date.fromisoformat(r["date"]), InspectionKind(r["kind"]), r["problems"]
        )
        for r in rows
    ]
