"""Finding problems: the filters of the problems screen, counts per filter, per-unit
figures, and the warning colour of each problem. Everything is paged from SQLite
(``LIMIT n + 1``), never loaded whole.

Speed on 200,000 problems: a page is found as ids first (no joins, no per-row evidence
counts), and in deadline order as a merge of one index range per state (the
``(state, deadline)`` and ``(severity, state, deadline)`` indexes), so the first page
never sorts the whole table. The problems not yet closed (about a tenth) are read from
one covering index with their texts. Free text goes through the ``problem_search``
trigram index (schema 2): it counts the matches, and when they are few it sorts them
itself; when they are many, walking the deadline ranges finds a page sooner. Only a
filter on found dates, or a text the index cannot take (control characters, or a one-
or two-character text starting more than ``MAX_PREFIX_TERMS`` trigrams), still reads
every problem. See ``bench_problems`` for the figures."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any

from ..models import InspectionKind, ProblemState, Severity
from ..store import Store

PENDING = (ProblemState.OPEN, ProblemState.RECTIFYING, ProblemState.SUBMITTED)
# A search that can find at most this many problems is sorted from the search index;
# one that may find more walks the deadline ranges instead (it reaches a page sooner).
FEW_MATCHES = 3000
# A walk along a state's deadline range reads at most this many rows for a page of a
# free-text search before the search index sorts that state's matches instead.
WALK_ROWS = 4000
# A one- or two-character text starting more indexed trigrams than this reads every row.
MAX_PREFIX_TERMS = 400


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


# ---------------------------------------------------------------------- free text

_TEXT_COLUMNS = "{description requirement responsible unit_name}"
_STATE_COLUMN = "state"
NOTHING = ""  # a search expression no problem can match


def _phrase(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def _indexed_text(f: ProblemFilter) -> bool:
    """Whether ``f``'s free text is best found through the search index: there is text,
    and nothing narrower (a unit, an inspection, an indicator) whose own index leaves
    only a few rows to test, nor found dates, which the index does not hold."""
    return bool(f.text.strip()) and not (
        f.unit_id
        or f.inspection_id
        or f.indicator_id
        or f.indicator_code
        or f.found_from
        or f.found_to
    )


@dataclass(frozen=True)
class TextMatch:
    """A free text as the search index takes it: the FTS5 expression (``NOTHING`` when no
    problem can contain the text) and at most how many problems it can find."""

    expr: str
    most: int
    exact: bool = False  # ``most`` is the number found, not a bound
    everywhere: bool = False  # every problem has it: search as if there were no text


def text_match(store: Store, text: str) -> TextMatch | None:
    """How to find ``text`` as a substring of a problem's description, requirement,
    responsible person or unit name, exactly as ``instr()`` would, through the index; None
    when the index cannot answer (the caller reads every row instead).

    Three characters or more are one trigram phrase, counted. One or two are the indexed
    trigrams that start with them (every text ends with two U+001F, so every character
    starts one), looked up in ``problem_search_terms``, whose document counts summed
    bound the matches."""
    text = text.strip()
    if not _storable(text):
        return TextMatch(NOTHING, 0, exact=True)
    if not text or any(ord(c) < 32 for c in text):
        return None
    if _in_every_unit_name(store, text):
        return TextMatch(NOTHING, 0, everywhere=True)
    if len(text) >= 3:
        expr = f"{_TEXT_COLUMNS} : {_phrase(text)}"
        return TextMatch(expr, _search_count(store, expr), exact=True)
    terms = store.conn.execute(
        "SELECT term, doc FROM problem_search_terms WHERE term >= ? AND term < ? LIMIT ?",
        (text, text + "\U0010ffff", MAX_PREFIX_TERMS + 1),
    ).fetchall()
    if len(terms) > MAX_PREFIX_TERMS:
        return None
    if not terms:
        return TextMatch(NOTHING, 0, exact=True)
    expr = f"{_TEXT_COLUMNS} : ({' OR '.join(_phrase(term) for term, _ in terms)})"
    return TextMatch(expr, sum(doc for _, doc in terms))


def _in_every_unit_name(store: Store, text: str) -> bool:
    """Whether the name of every unit with problems holds ``text``: then every problem
    matches, the text filters nothing, and the search is answered as if it were empty.
    The first keystroke of 黨費 is such a text: every branch is a 黨-something."""
    return not store.scalar(
        """SELECT NOT EXISTS (SELECT 1 FROM problems) OR EXISTS (
               SELECT 1 FROM units u WHERE NOT instr(u.name, ?)
               AND EXISTS (SELECT 1 FROM problems p WHERE p.unit_id = u.id))""",
        (text,),
    )


def _storable(text: str) -> bool:
    """Whether ``text`` could be in the database at all: a lone surrogate (from a broken
    paste) cannot, so a search for it finds nothing rather than failing."""
    try:
        text.encode()
    except UnicodeEncodeError:
        return False
    return True


def _search_expr(text: str, f: ProblemFilter, states: tuple[ProblemState, ...] = ()) -> str:
    """``text`` (from ``text_match``) narrowed to ``f``'s severity and to ``states``."""
    parts = [f"({text})"]
    if f.severity:
        parts.append(f"severity : {_phrase(f.severity.value)}")
    if states:
        parts.append(f"{_STATE_COLUMN} : ({' OR '.join(_phrase(s.value) for s in states)})")
    return " AND ".join(parts)


def _search_count(store: Store, expr: str) -> int:
    return int(
        store.scalar("SELECT count(*) FROM problem_search WHERE problem_search MATCH ?", (expr,))
    )


# ---------------------------------------------------------------------- filters

# Written exactly as the partial indexes' WHERE, so SQLite may use them (the covering
# index of the problems not yet closed, with their texts).
_NOT_CLOSED = "p.state != 'closed'"


def _where(
    f: ProblemFilter, today: dt.date, *, few_rows: bool = False
) -> tuple[str, dict[str, Any]]:
    """The SQL condition of ``f`` and its parameters. ``few_rows``: the caller reads only
    a few hundred rows (a walk), so a unit's name is tested row by row rather than by
    reading every unit first."""
    clauses: list[str] = []
    params: dict[str, Any] = {"today": today.isoformat()}
    if f.states:
        names = [f"s{i}" for i in range(len(f.states))]
        clauses.append(f"p.state IN ({', '.join(':' + n for n in names)})")
        params |= {n: s.value for n, s in zip(names, f.states, strict=True)}
        if ProblemState.CLOSED not in f.states:
            clauses.append(_NOT_CLOSED)
    if f.overdue:
        clauses.append(f"{_NOT_CLOSED} AND p.deadline < :today")
    if f.due_within is not None:
        clauses.append(f"{_NOT_CLOSED} AND p.deadline >= :today AND p.deadline <= :due_by")
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
    if f.text.strip() and not _storable(f.text):
        clauses.append("0")
    elif f.text.strip():
        # instr() is a plain substring test: no LIKE wildcards to escape, CJK-safe. Unit
        # names are matched once (10,000 units), not joined per problem, unless only a
        # few rows are read.
        units = (
            "EXISTS (SELECT 1 FROM units u WHERE u.id = p.unit_id AND instr(u.name, :text))"
            if few_rows
            else "p.unit_id IN (SELECT id FROM units WHERE instr(name, :text))"
        )
        clauses.append(
            "(instr(p.description, :text) OR instr(p.requirement, :text) "
            f"OR instr(p.responsible, :text) OR {units})"
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
    without an index (indicator) may match only far down the ranges, where a scan and a
    sort of the matches costs less than that walk. Free text has its own walk
    (``_text_page``)."""
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
    match = text_match(store, f.text) if _indexed_text(f) and sort in MERGED_SORTS else None
    if match is not None and match.everywhere:
        return search(store, f.with_(text=""), today, sort=sort, limit=limit, offset=offset)
    if match is None:
        ids, params = _page_ids(f, today, sort, limit + 1, offset)
    else:
        found = _text_page(store, f, today, match, sort, offset + limit + 1)[offset:]
        ids, params = (
            "SELECT value AS id FROM json_each(:ids)",
            {
                "ids": json.dumps(found),
                "today": today.isoformat(),
            },
        )
    rows = store.all(
        f"WITH page AS ({ids}) {_SELECT} WHERE p.id IN (SELECT id FROM page) "
        f"ORDER BY {SORTS[sort]}",
        params,
    )
    return Page(
        rows=[_row(r) for r in rows[:limit]], has_more=len(rows) > limit, offset=offset, limit=limit
    )


def _text_page(
    store: Store, f: ProblemFilter, today: dt.date, match: TextMatch, sort: str, depth: int
) -> list[str]:
    """The first ``depth`` ids, in ``sort`` order, of a search whose free text the index
    takes.

    When the index can find at most ``FEW_MATCHES`` problems, it sorts them itself. When
    it may find more, each state's deadline range is walked, testing each row's texts,
    until ``depth`` match — a few hundred rows for a common text; a walk that reads
    ``WALK_ROWS`` rows without filling the page hands that state back to the index."""
    if not match.expr:
        return []
    states = f.states or (PENDING if f.overdue or f.due_within is not None else tuple(ProblemState))
    if match.most <= FEW_MATCHES:
        return _in_order(_sorted_by_index(store, f, today, match, states, sort, depth), sort)
    where, params = _where(f.with_(states=()), today, few_rows=True)
    params |= {"depth": depth, "walk": max(WALK_ROWS, depth)}
    found: list[tuple[str, str]] = []
    for state in states:
        hint = "" if state is ProblemState.CLOSED else f"{_NOT_CLOSED} AND"
        walked = store.conn.execute(
            f"""SELECT deadline, id, matched FROM (
                    SELECT p.deadline, p.id, ({where}) AS matched FROM problems p
                    WHERE p.state = :walked AND {hint} 1
                    ORDER BY {SORTS[sort]} LIMIT :walk)
                WHERE matched LIMIT :depth""",
            params | {"walked": state.value},
        ).fetchall()
        if len(walked) < depth and _walk_stopped(store, state, params["walk"]):
            found += _sorted_by_index(store, f, today, match, (state,), sort, depth)
        else:
            found += [(deadline, problem_id) for deadline, problem_id, _ in walked]
    return _in_order(found, sort)[:depth]


def _walk_stopped(store: Store, state: ProblemState, walk: int) -> bool:
    """Whether a walk of ``walk`` rows stopped before the end of ``state``'s rows."""
    return bool(
        store.scalar(
            "SELECT count(*) FROM (SELECT 1 FROM problems WHERE state = ? LIMIT ?)",
            (state.value, walk + 1),
        )
        > walk
    )


def _sorted_by_index(
    store: Store,
    f: ProblemFilter,
    today: dt.date,
    match: TextMatch,
    states: tuple[ProblemState, ...],
    sort: str,
    depth: int,
) -> list[tuple[str, str]]:
    """The first ``depth`` (deadline, id) of the search in ``states``, sorted from the
    index's own copy of each problem's deadline."""
    deadline = ""
    params: dict[str, Any] = {
        "expr": _search_expr(match.expr, f, states),
        "depth": depth,
        "today": today.isoformat(),
    }
    if f.overdue:
        deadline += " AND deadline < :today"
    if f.due_within is not None:
        deadline += " AND deadline >= :today AND deadline <= :due_by"
        params["due_by"] = (today + dt.timedelta(days=f.due_within)).isoformat()
    descending = "DESC" if sort == "-deadline" else ""
    return store.conn.execute(
        f"""SELECT deadline, problem_id FROM problem_search
            WHERE problem_search MATCH :expr {deadline}
            ORDER BY deadline {descending}, problem_id LIMIT :depth""",
        params,
    ).fetchall()


def _in_order(found: list[tuple[str, str]], sort: str) -> list[str]:
    found.sort(key=lambda r: r[1])
    found.sort(key=lambda r: r[0], reverse=sort == "-deadline")  # stable: ties by id
    return [problem_id for _, problem_id in found]


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
    """How many problems ``f`` matches; free text through the search index where it can
    answer alone (closed problems included, no deadline condition)."""
    closed_too = not f.states or ProblemState.CLOSED in f.states
    if _indexed_text(f) and closed_too and not (f.overdue or f.due_within is not None):
        match = text_match(store, f.text)
        if match is not None and match.everywhere:
            return count(store, f.with_(text=""), today)
        if match is not None:
            return _search_count(store, _search_expr(match.expr, f, f.states)) if match.expr else 0
    where, params = _where(f, today)
    return int(store.scalar(f"SELECT count(*) FROM problems p WHERE {where}", params))


def _scans(f: ProblemFilter) -> bool:
    """Whether ``f`` has a condition no index serves (found dates, free text), so that
    without the search index matching rows can only be found by reading every problem."""
    return bool(f.found_from or f.found_to or f.text.strip())


def counts(
    store: Store, f: ProblemFilter, today: dt.date, *, due_days: int = DUE_SOON_DAYS
) -> dict[str, int]:
    """What each quick filter would show, given the rest of ``f`` (for the filter bar):
    ``due_7`` is due within a week, ``due`` within ``due_days``.

    Usually the states not yet closed are counted from their covering index (a tenth of
    all problems), the total from an index or the search index, and closed ones as the
    total minus the rest; a filter that has to read every problem anyway counts
    everything in that one pass."""
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
    match = text_match(store, base.text) if _indexed_text(base) else None
    if match is not None and match.everywhere:
        return counts(store, f.with_(text=""), today, due_days=due_days)
    if match is not None and not match.expr:
        result = dict.fromkeys(("total", "open", "rectifying", "submitted"), 0)
        result |= dict.fromkeys(("overdue", "due_7", "due"), 0)
    elif _scans(base) and match is None:
        row = store.one(
            f"SELECT count(*) AS total, {figures} FROM problems p WHERE {where}", params
        )
        result = {k: int(v or 0) for k, v in (row or {}).items()}
    else:
        row = store.one(f"SELECT {figures} FROM problems p WHERE {_NOT_CLOSED} AND {where}", params)
        result = {k: int(v or 0) for k, v in (row or {}).items()}
        result["total"] = (
            (
                match.most
                if match.exact and not base.severity
                else _search_count(store, _search_expr(match.expr, base))
            )
            if match
            else int(store.scalar(f"SELECT count(*) FROM problems p WHERE {where}", params))
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
