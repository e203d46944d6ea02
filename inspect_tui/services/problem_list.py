"""Finding problems: the filters of the problems screen, counts per filter, per-unit
figures. Everything is paged from SQLite (``LIMIT n + 1``), never loaded whole."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from typing import Any

from ..models import ProblemState, Severity
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
        # instr() is a plain substring test: no LIKE wildcards to escape, CJK-safe
        clauses.append(
            "(instr(p.description, :text) OR instr(p.requirement, :text) "
            "OR instr(p.responsible, :text) OR instr(u.name, :text))"
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
    where, params = _where(f, today)
    order = SORTS.get(sort, SORTS["deadline"])
    rows = store.all(
        f"{_SELECT} WHERE {where} ORDER BY {order} LIMIT :limit OFFSET :offset",
        params | {"limit": limit + 1, "offset": offset},
    )
    return Page(
        rows=[_row(r) for r in rows[:limit]], has_more=len(rows) > limit, offset=offset, limit=limit
    )


def iterate(
    store: Store, f: ProblemFilter, today: dt.date, *, sort: str = "deadline"
) -> Iterator[ProblemRow]:
    """Every matching problem, streamed (the ledger of 200,000 rows never sits in memory)."""
    where, params = _where(f, today)
    cursor = store.conn.execute(f"{_SELECT} WHERE {where} ORDER BY {SORTS[sort]}", params)
    names = [d[0] for d in cursor.description]
    while batch := cursor.fetchmany(2000):
        for values in batch:
            yield _row(dict(zip(names, values, strict=True)))


def count(store: Store, f: ProblemFilter, today: dt.date) -> int:
    where, params = _where(f, today)
    join = "JOIN units u ON u.id = p.unit_id" if f.text.strip() else ""
    return int(store.scalar(f"SELECT count(*) FROM problems p {join} WHERE {where}", params))


def counts(store: Store, f: ProblemFilter, today: dt.date) -> dict[str, int]:
    """What each quick filter would show, given the rest of ``f`` (for the filter bar)."""
    base = f.with_(states=(), overdue=False, due_within=None)
    where, params = _where(base, today)
    join = "JOIN units u ON u.id = p.unit_id" if base.text.strip() else ""
    row = store.one(
        f"""SELECT count(*) AS total,
               sum(p.state = 'open') AS open, sum(p.state = 'rectifying') AS rectifying,
               sum(p.state = 'submitted') AS submitted, sum(p.state = 'closed') AS closed,
               sum(p.state != 'closed' AND p.deadline < :today) AS overdue,
               sum(p.state != 'closed' AND p.deadline >= :today AND p.deadline <= :week) AS due_7
            FROM problems p {join} WHERE {where}""",
        params | {"week": (today + dt.timedelta(days=7)).isoformat()},
    )
    return {k: int(v or 0) for k, v in (row or {}).items()}


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
