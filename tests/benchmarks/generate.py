"""A large, realistic database for the benchmarks: the sizes DESIGN.md promises to be fast on.

The full size is 10,000 units in a tree, 36 months of monthly results, 50,000 inspections
(signed off, every one with its answers and sign-off hash) and 200,000 problems in every
state, each with its history and rectifications. The file is a freshly created store, so
the schema is the app's own; the indicator systems are imported through the service. The
bulk rows go in with ``executemany`` inside ``store.write()`` and ``store.audit_suspended()``
(a bulk load is not a user action and must not bloat the audit log), with foreign keys
checked once at the end rather than per row.

The content is derived from ``seed`` alone: the same seed and size give the same file.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import math
import operator
import random
import sqlite3
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from inspect_tui.clock import FixedClock
from inspect_tui.models import (
    BonusRule,
    DeductRule,
    GradedRule,
    Indicator,
    IndicatorKind,
    PassFailRule,
    Result,
    ScaleRule,
)
from inspect_tui.rules import score_answer
from inspect_tui.services import checklists, inspections, ranking
from inspect_tui.services.demo import COMMITTEE_NAMES, INSPECTORS, THEMES, theme_of
from inspect_tui.store import Store, open_store

GENERATOR_VERSION = 1
META_KEY = "benchmark_generator"
TODAY = dt.date(2026, 11, 30)
USER = "benchmark"
DEVICE = "benchmark"
CHUNK = 50_000  # rows per executemany call


@dataclass(frozen=True)
class BenchSize:
    units: int
    months: int
    inspections: int
    problems: int


SIZES = {
    "full": BenchSize(units=10_000, months=36, inspections=50_000, problems=200_000),
    "quick": BenchSize(units=500, months=36, inspections=2_500, problems=10_000),
    "tiny": BenchSize(units=50, months=6, inspections=120, problems=240),
}


@dataclass(frozen=True)
class Generated:
    path: Path
    size: BenchSize
    seed: int
    today: dt.date
    seconds: float
    counts: dict[str, int]


# ---------------------------------------------------------------------- helpers


class _Ids:
    """Random 128-bit hex ids from the seeded generator (what ``Store.new_id`` makes)."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def __call__(self) -> str:
        return f"{self.rng.getrandbits(128):032x}"


def _key(*parts: str) -> str:
    """Ids of rows with a natural key, as ``Store.key_id`` makes them."""
    maker = getattr(Store, "key_id", None)
    if maker is not None:
        return str(maker(*parts))
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:32]


@functools.lru_cache(maxsize=1 << 16)
def _day_iso(day: dt.date) -> str:
    return day.isoformat()


def _stamp(day: dt.date, minute: int = 0) -> str:
    """``minute`` minutes after 01:00 UTC (09:00 in Shanghai) on ``day``, as the store writes
    times (``iso()``); written out by hand because millions of them are made."""
    minute = max(0, min(minute, 22 * 60 + 59))
    return f"{_day_iso(day)}T{1 + minute // 60:02d}:{minute % 60:02d}:00.000000+00:00"


def _columns(conn: sqlite3.Connection, table: str) -> list[str]:
    return [r[1] for r in conn.execute(f"PRAGMA table_info({table})")]


def _bulk(conn: sqlite3.Connection, table: str, rows: Iterable[dict[str, Any]]) -> int:
    """Insert dict rows in chunks, only the columns the table has (the schema grows)."""
    present = set(_columns(conn, table))
    count = 0
    chunk: list[tuple[Any, ...]] = []
    pick: Callable[[dict[str, Any]], tuple[Any, ...]] | None = None
    sql = ""
    for row in rows:
        if pick is None:
            names = [k for k in row if k in present]
            getter = operator.itemgetter(*names)
            pick = getter if len(names) > 1 else (lambda r, g=getter: (g(r),))
            sql = f"INSERT INTO {table} ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})"
        chunk.append(pick(row))
        if len(chunk) >= CHUNK:
            conn.executemany(sql, chunk)
            count += len(chunk)
            chunk.clear()
    if chunk:
        conn.executemany(sql, chunk)
        count += len(chunk)
    return count


@contextmanager
def _indexes_dropped(conn: sqlite3.Connection, tables: Sequence[str]) -> Iterator[None]:
    """Drop the tables' secondary indexes for the load and create them again from their
    own SQL (the schema ends up exactly as it was; building an index once over all rows is
    much faster than keeping it up to date row by row)."""
    marks = ", ".join("?" * len(tables))
    indexes = conn.execute(
        f"SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
        f"AND tbl_name IN ({marks}) ORDER BY name",
        tuple(tables),
    ).fetchall()
    for name, _ in indexes:
        conn.execute(f"DROP INDEX {name}")
    yield
    for _, sql in indexes:
        conn.execute(sql)


def _book(day: dt.date, minute: int = 0) -> dict[str, str]:
    stamp = _stamp(day, minute)
    return {"created_at": stamp, "updated_at": stamp, "updated_by": USER, "device_id": DEVICE}


# ---------------------------------------------------------------------- the tree

_PLACES = (
    "渭南",
    "華縣",
    "蒲城",
    "大荔",
    "富平",
    "澄城",
    "白水",
    "合陽",
    "潼關",
    "韓城",
    "華陰",
    "臨渭",
)
_DEPARTMENTS = (
    "機關",
    "變電運行",
    "客戶服務",
    "送電",
    "配電",
    "檢修",
    "調度",
    "計量",
    "物資",
    "信息",
    "營銷",
    "工程",
    "安監",
    "財務",
    "運維",
)
_NUMERALS = "一二三四五六七八九十"


def _numeral(n: int) -> str:
    return _NUMERALS[n - 1] if n <= 10 else str(n)


@dataclass
class _UnitRow:
    id: str
    code: str
    name: str
    kind: str
    parent_id: str | None
    quality: float


def _tree(size: int, rng: random.Random) -> list[_UnitRow]:
    """A committee, sub-committees, general branches, branches and groups: ``size`` units."""
    committees = max(1, size // 200)
    general = max(1, size // 20)
    branches = max(1, int(size * 0.75))
    groups = max(0, size - 1 - committees - general - branches)
    out: list[_UnitRow] = []

    def add(code: str, name: str, kind: str, parent: _UnitRow | None) -> _UnitRow:
        quality = min(0.98, max(0.3, rng.gauss(0.8, 0.08)))
        unit = _UnitRow(
            _key("unit", code), code, name, kind, parent.id if parent else None, quality
        )
        out.append(unit)
        return unit

    root = add("ROOT", "中共供電公司委員會", "committee", None)
    level2 = [
        add(f"C{i:03d}", f"{_PLACES[i % len(_PLACES)]}第{i + 1}供電分公司黨委", "committee", root)
        for i in range(committees)
    ]
    level3 = [
        add(
            f"G{i:04d}",
            f"{level2[i % committees].name[:-2]}{_DEPARTMENTS[i % len(_DEPARTMENTS)]}黨總支",
            "general_branch",
            level2[i % committees],
        )
        for i in range(general)
    ]
    level4: list[_UnitRow] = []
    for i in range(branches):
        parent = level3[i % general] if i % 3 else level2[i % committees]
        dept = _DEPARTMENTS[(i // 3) % len(_DEPARTMENTS)]
        name = f"{parent.name[:-3] if parent.kind == 'general_branch' else parent.name[:-2]}"
        level4.append(
            add(f"B{i:05d}", f"{name}{dept}第{_numeral(i % 12 + 1)}黨支部", "branch", parent)
        )
    for i in range(groups):
        parent = level4[i % len(level4)]
        add(f"P{i:05d}", f"{parent.name}第{_numeral(i // len(level4) + 1)}黨小組", "group", parent)
    return out


# ---------------------------------------------------------------------- answers


@dataclass(frozen=True)
class _Outcome:
    result: str
    value: float | None
    score: float | None


@dataclass(frozen=True)
class _Item:
    indicator: Indicator
    conforms: _Outcome
    partly: _Outcome
    does_not: _Outcome
    bonus: bool


def _outcome(ind: Indicator, result: Result, value: float | None) -> _Outcome:
    score = score_answer(ind.rule, ind.max_score, result, value, code=ind.code)
    return _Outcome(result.value, value, None if score is None else float(score))


def _items(indicators: Sequence[Indicator]) -> list[_Item]:
    items = []
    for ind in sorted(indicators, key=lambda i: i.id):  # hashed in indicator-id order
        rule = ind.rule
        conforms = _outcome(ind, Result.CONFORMS, None)
        does_not = _outcome(ind, Result.DOES_NOT, None)
        if isinstance(rule, BonusRule):
            conforms = _outcome(ind, Result.CONFORMS, 1.0)
            partly = does_not
        elif isinstance(rule, PassFailRule):
            partly = does_not
        elif isinstance(rule, DeductRule):
            partly = _outcome(ind, Result.PARTLY, 1.0)
        elif isinstance(rule, ScaleRule):
            partly = _outcome(ind, Result.PARTLY, float(math.floor(ind.max_score / 2)))
        else:
            assert isinstance(rule, GradedRule)
            partly = _outcome(ind, Result.PARTLY, None)
        items.append(_Item(ind, conforms, partly, does_not, ind.kind is IndicatorKind.BONUS))
    return items


def _draw(item: _Item, quality: float, u: float) -> _Outcome:
    if item.bonus:
        return item.conforms if u < 0.1 else item.does_not
    if u < quality:
        return item.conforms
    return item.partly if u < quality + (1 - quality) * 0.6 else item.does_not


def _percent(items: Sequence[_Item], outcomes: Sequence[_Outcome]) -> float | None:
    earned = possible = bonus = 0.0
    for item, outcome in zip(items, outcomes, strict=True):
        if outcome.score is None:
            continue
        weight = item.indicator.weight
        if item.bonus:
            bonus += outcome.score * weight
        else:
            earned += outcome.score * weight
            possible += item.indicator.max_score * weight
    if possible <= 0:
        return None
    return round(round(earned, 4) / round(possible, 4) * 100 + round(bonus, 4), 2)


# ---------------------------------------------------------------------- generate


def generate(path: Path, size: BenchSize, *, seed: int = 1, today: dt.date = TODAY) -> Generated:
    """Create the database at ``path`` (replacing any file there) and fill it."""
    started = time.perf_counter()
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    store = open_store(
        path,
        clock=FixedClock(dt.datetime.combine(today, dt.time(1, 0), tzinfo=dt.UTC)),
        user=USER,
        device_id=DEVICE,
        seed=seed,
    )
    try:
        counts = _fill(store, size, rng, today)
        store.set_meta(
            META_KEY,
            json.dumps(
                {
                    "version": GENERATOR_VERSION,
                    "size": asdict(size),
                    "seed": seed,
                    "today": today.isoformat(),
                    "seconds": round(time.perf_counter() - started, 2),
                },
                sort_keys=True,
            ),
        )
        store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        store.close()
    return Generated(path, size, seed, today, time.perf_counter() - started, counts)


def _fill(store: Store, size: BenchSize, rng: random.Random, today: dt.date) -> dict[str, int]:
    checklists.install_shipped(store)
    systems = sorted(checklists.list_checklists(store), key=lambda c: c.version)
    items = {c.id: _items(checklists.indicators_of(store, c.id)) for c in systems}
    new_id = _Ids(rng)
    conn = store.conn
    counts: dict[str, int] = {}
    # A bulk load into a new file: nothing to protect until it is done, so no journal and no
    # syncs; the file goes back to the store's settings (WAL) afterwards.
    conn.execute("PRAGMA foreign_keys = OFF")
    conn.execute("PRAGMA journal_mode = MEMORY")
    conn.execute("PRAGMA synchronous = OFF")
    conn.execute("PRAGMA cache_size = -524288")
    try:
        bulk = (
            "units",
            "inspections",
            "answers",
            "monthly_results",
            "problems",
            "problem_events",
            "rectifications",
        )
        with store.audit_suspended(), store.write(), _indexes_dropped(conn, bulk):
            units = _tree(size.units, rng)
            counts["units"] = _bulk(conn, "units", _unit_rows(units, rng, today))
            ranked = [u for u in units if u.kind in ("branch", "general_branch")]
            months = [
                ranking.shift_month(ranking.month_of(today), -d)
                for d in range(size.months - 1, -1, -1)
            ]
            signed: list[tuple[str, str, str, dt.date]] = []  # inspection id, unit, checklist, date
            percents: dict[tuple[str, str], list[float]] = {}
            counts["answers"] = 0
            counts["inspections"] = _bulk(
                conn,
                "inspections",
                _inspection_rows(
                    size,
                    rng,
                    new_id,
                    today,
                    months,
                    ranked,
                    systems,
                    items,
                    signed,
                    percents,
                    counts,
                    conn,
                ),
            )
            counts["monthly_results"] = _bulk(
                conn, "monthly_results", _monthly_rows(months, ranked, percents, new_id, today)
            )
            problem_counts: dict[str, int] = {"rectifications": 0, "problem_events": 0}
            counts["problems"] = _bulk(
                conn,
                "problems",
                _problem_rows(size, rng, new_id, today, signed, items, problem_counts, conn),
            )
            counts.update(problem_counts)
    finally:
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")
        conn.execute("PRAGMA foreign_keys = ON")
    return counts


def _unit_rows(
    units: list[_UnitRow], rng: random.Random, today: dt.date
) -> Iterator[dict[str, Any]]:
    from inspect_tui.services.units import search_key

    day = today - dt.timedelta(days=365 * 3 + 30)
    for unit in units:
        yield {
            "id": unit.id,
            "code": unit.code,
            "name": unit.name,
            "kind": unit.kind,
            "parent_id": unit.parent_id,
            "secretary": rng.choice(COMMITTEE_NAMES),
            "members": rng.randint(5, 60) if unit.kind == "branch" else 0,
            "contact": f"0913-{rng.randint(2100000, 8999999)}",
            "search": search_key(unit.name, unit.code),
            **_book(day),
        }


def _month_days(month: str, today: dt.date) -> list[dt.date]:
    start, end = ranking.month_bounds(month)
    last = min(end - dt.timedelta(days=1), today)
    return [
        d
        for d in (start + dt.timedelta(days=n) for n in range((last - start).days + 1))
        if d.weekday() < 5
    ]


def _inspection_rows(
    size: BenchSize,
    rng: random.Random,
    new_id: _Ids,
    today: dt.date,
    months: list[str],
    ranked: list[_UnitRow],
    systems: list[Any],
    items: dict[str, list[_Item]],
    signed: list[tuple[str, str, str, dt.date]],
    percents: dict[tuple[str, str], list[float]],
    counts: dict[str, int],
    conn: sqlite3.Connection,
) -> Iterator[dict[str, Any]]:
    """Inspections spread evenly over the months; the newest few still in progress. Their
    answers are written alongside, chunk by chunk."""
    hasher = getattr(inspections, "hash_inspection", None)
    answers: list[dict[str, Any]] = []
    in_progress = max(1, size.inspections // 500)
    for index in range(size.inspections):
        month = months[min(len(months) - 1, index * len(months) // size.inspections)]
        system = systems[0] if months.index(month) < len(months) // 2 else systems[-1]
        unit = rng.choice(ranked)
        day = rng.choice(_month_days(month, today) or [today])
        kind = rng.choices(("spot", "supervisory", "reinspection"), (92, 5, 3))[0]
        team = rng.sample(INSPECTORS, 2)
        inspection_id = new_id()
        finished = index < size.inspections - in_progress
        minute = rng.randint(0, 300)
        row: dict[str, Any] = {
            "id": inspection_id,
            "unit_id": unit.id,
            "checklist_id": system.id,
            "kind": kind,
            "date": day.isoformat(),
            "team": team,
            "state": "signed_off" if finished else "in_progress",
            "signed_by": team[0] if finished else None,
            "signed_at": _stamp(day, minute + 120) if finished else None,
            "content_hash": None,
            **_book(day, minute),
        }
        system_items = items[system.id]
        answered = system_items if finished else system_items[: len(system_items) // 2]
        quality = min(0.99, max(0.2, unit.quality + rng.gauss(0, 0.05)))
        outcomes = [_draw(item, quality, rng.random()) for item in answered]
        rows: list[dict[str, Any]] = [
            {
                "id": _key("answer", inspection_id, item.indicator.id),
                "inspection_id": inspection_id,
                "indicator_id": item.indicator.id,
                "result": outcome.result,
                "value": outcome.value,
                "score": outcome.score,
                "remark": "" if outcome.result in ("conforms", "not_applicable") else "見問題清單",
                "evidence": [],
                "answered_by": team[0],
                **_book(day, minute + 5 + n),
            }
            for n, (item, outcome) in enumerate(zip(answered, outcomes, strict=False))
        ]
        if finished:
            if hasher is not None:
                row["content_hash"] = hasher(row, rows)
            signed.append((inspection_id, unit.id, system.id, day))
            percent = _percent(system_items, outcomes)
            if percent is not None:
                percents.setdefault((unit.id, month), []).append(percent)
        row["team"] = json.dumps(team, ensure_ascii=False, sort_keys=True)
        yield row
        for answer in rows:
            answer["evidence"] = "[]"
        answers.extend(rows)
        if len(answers) >= CHUNK:
            counts["answers"] += _bulk(conn, "answers", answers)
            answers.clear()
    if answers:
        counts["answers"] += _bulk(conn, "answers", answers)


def _monthly_rows(
    months: list[str],
    ranked: list[_UnitRow],
    percents: dict[tuple[str, str], list[float]],
    new_id: _Ids,
    today: dt.date,
) -> Iterator[dict[str, Any]]:
    """Each month as ``ranking.compute_month`` would have computed it, in order."""
    rule = ranking.DEFAULT_RULE
    flags: dict[str, list[bool | None]] = {u.id: [] for u in ranked}
    for month in months:
        scores = {u.id: ranking.monthly_score(percents.get((u.id, month), ())) for u in ranked}
        ranks = ranking.rank(scores)
        bottom = ranking.bottom_units(scores, rule)
        computed = min(_month_days(ranking.shift_month(month, 1), today) or [today])
        for unit in ranked:
            history = flags[unit.id]
            history.append(None if scores[unit.id] is None else unit.id in bottom)
            yield {
                "id": new_id(),
                "unit_id": unit.id,
                "month": month,
                "score": scores[unit.id],
                "rank": ranks[unit.id],
                "benchmark": int(ranks[unit.id] == 1),
                "lagging": int(ranking.lags(history[-rule.lookback_months :], rule.k)),
                **_book(computed, 450),
            }


_SEVERITIES = ("general", "major", "serious")
_SEVERITY_WEIGHTS = (70.0, 25.0, 5.0)
_NOTES = {
    "submit": "支部已報送整改報告和佐證材料",
    "close": "經現場核查，整改到位，予以銷號",
    "reject": "佐證材料不完整，請補充後重新提交",
    "extend": "經批准延期",
    "reopen": "復查「回頭看」發現問題反彈",
}


def _problem_rows(
    size: BenchSize,
    rng: random.Random,
    new_id: _Ids,
    today: dt.date,
    signed: list[tuple[str, str, str, dt.date]],
    items: dict[str, list[_Item]],
    counts: dict[str, int],
    conn: sqlite3.Connection,
) -> Iterator[dict[str, Any]]:
    """Problems found at the signed-off inspections, each with a history that leads to its
    state today: most old ones closed, recent ones spread over every state, some extended,
    a few reopened."""
    regular = {
        cid: [(i.indicator.id, theme_of(i.indicator.title)) for i in group if not i.bonus]
        for cid, group in items.items()
    }
    events: list[dict[str, Any]] = []
    rectifications: list[dict[str, Any]] = []
    for _ in range(size.problems):
        inspection_id, unit_id, checklist_id, found = rng.choice(signed)
        indicator_id, theme = rng.choice(regular[checklist_id])
        texts = THEMES[theme] if theme else THEMES["三會一課"]
        description = rng.choice(texts.descriptions).format(m=found.month, n=rng.randint(1, 4))
        deadline = found + dt.timedelta(days=rng.randint(15, 60))
        original = deadline
        if deadline < today - dt.timedelta(days=60):
            closed_share = 0.95
        elif deadline < today:
            closed_share = 0.75
        else:
            closed_share = 0.3
        if rng.random() < closed_share:
            target = "closed"
        else:
            target = rng.choices(("open", "rectifying", "submitted"), (35, 45, 20))[0]
        problem_id = new_id()
        by = rng.choice(INSPECTORS)
        minute = rng.randint(0, 400)
        life = _Life(found, today, rng)
        life.move("created", "open", data={"deadline": deadline.isoformat()})
        if rng.random() < 0.06 and deadline > found + dt.timedelta(days=5):
            life.step(1, max(1, (deadline - found).days - 3))
            new = deadline + dt.timedelta(days=rng.randint(15, 30))
            extension = {"from": deadline.isoformat(), "to": new.isoformat()}
            life.move("extend", None, _NOTES["extend"], extension)
            deadline = new
        closed_on: str | None = None
        reopened = 0
        if target != "open":
            life.step(2, 40)
            rectifications.append(
                _rectification(new_id, problem_id, texts.rectification, life.day, minute)
            )
            life.move("start", "rectifying", texts.rectification[:200])
            if target in ("submitted", "closed"):
                if rng.random() < 0.1:
                    life.step(1, 3)
                    life.move("submit", "submitted", _NOTES["submit"])
                    life.step(2, 5)
                    life.move("reject", "rectifying", _NOTES["reject"])
                    life.step(3, 10)
                    rectifications.append(
                        _rectification(new_id, problem_id, texts.rectification, life.day, minute)
                    )
                    life.move("rectification", None, texts.rectification[:200])
                life.step(1, 3)
                life.move("submit", "submitted", _NOTES["submit"])
            if target == "closed":
                life.step(2, 6)
                life.move("close", "closed", _NOTES["close"])
                closed_on = life.day.isoformat()
                if rng.random() < 0.005:
                    life.step(20, 60)
                    reopened = 1
                    closed_on = None
                    deadline = max(deadline, life.day) + dt.timedelta(days=30)
                    life.move("reopen", "open", _NOTES["reopen"])
        history, state, day = life.history, life.state, life.day
        for n, (at_day, action, from_state, to_state, note, data) in enumerate(history):
            events.append(
                {
                    "id": new_id(),
                    "problem_id": problem_id,
                    "at": _stamp(at_day, minute + n),
                    "by": by,
                    "action": action,
                    "from_state": from_state,
                    "to_state": to_state,
                    "note": note,
                    "data": json.dumps(data, ensure_ascii=False, sort_keys=True) if data else "{}",
                    **_book(at_day, minute + n),
                }
            )
        yield {
            "id": problem_id,
            "unit_id": unit_id,
            "inspection_id": inspection_id,
            "indicator_id": indicator_id,
            "description": description,
            "severity": rng.choices(_SEVERITIES, _SEVERITY_WEIGHTS)[0],
            "requirement": texts.requirement,
            "responsible": rng.choice(COMMITTEE_NAMES),
            "found_on": found.isoformat(),
            "deadline": deadline.isoformat(),
            "original_deadline": original.isoformat(),
            "state": state,
            "closed_on": closed_on,
            "reopened": reopened,
            **_book(found, minute),
        } | {"updated_at": _stamp(day, minute + len(history))}
        if len(events) >= CHUNK:
            counts["problem_events"] += _bulk(conn, "problem_events", events)
            counts["rectifications"] += _bulk(conn, "rectifications", rectifications)
            events.clear()
            rectifications.clear()
    counts["problem_events"] += _bulk(conn, "problem_events", events)
    counts["rectifications"] += _bulk(conn, "rectifications", rectifications)


class _Life:
    """A problem's history as it is generated: the day moves forward, never past today."""

    def __init__(self, found: dt.date, today: dt.date, rng: random.Random) -> None:
        self.day = found
        self.today = today
        self.rng = rng
        self.state: str | None = None
        self.history: list[tuple[dt.date, str, str | None, str | None, str, dict[str, Any]]] = []

    def step(self, low: int, high: int) -> None:
        self.day = min(self.today, self.day + dt.timedelta(days=self.rng.randint(low, high)))

    def move(
        self, action: str, to: str | None, note: str = "", data: dict[str, Any] | None = None
    ) -> None:
        self.history.append((self.day, action, self.state if to else None, to, note, data or {}))
        if to:
            self.state = to


def _rectification(
    new_id: _Ids, problem_id: str, text: str, day: dt.date, minute: int
) -> dict[str, Any]:
    return {
        "id": new_id(),
        "problem_id": problem_id,
        "description": text,
        "done_on": day.isoformat(),
        "evidence": "[]",
        "recorded_by": USER,
        **_book(day, minute),
    }


# ---------------------------------------------------------------------- reuse


def schema_fingerprint(conn: sqlite3.Connection) -> str:
    """A hash of the schema (tables, indexes, triggers) and its version."""
    rows = conn.execute(
        "SELECT type, name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY type, name"
    ).fetchall()
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    return hashlib.sha256(json.dumps([version, rows]).encode()).hexdigest()


def current_fingerprint(scratch: Path) -> str:
    """The fingerprint of a store created now (the app's current schema)."""
    for suffix in ("", "-wal", "-shm"):
        Path(f"{scratch}{suffix}").unlink(missing_ok=True)
    store = open_store(scratch, user=USER, device_id=DEVICE, seed=0)
    try:
        return schema_fingerprint(store.conn)
    finally:
        store.close()
        for suffix in ("", "-wal", "-shm"):
            Path(f"{scratch}{suffix}").unlink(missing_ok=True)


def cached_info(path: Path) -> dict[str, Any] | None:
    """What the generator recorded in an existing file, or None if there is no usable one."""
    if not path.exists():
        return None
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            row = conn.execute("SELECT value FROM meta WHERE key = ?", (META_KEY,)).fetchone()
            info: dict[str, Any] | None = json.loads(row[0]) if row else None
            if info is not None:
                info["fingerprint"] = schema_fingerprint(conn)
            return info
        finally:
            conn.close()
    except (sqlite3.Error, ValueError):
        return None


def reusable(
    path: Path, size: BenchSize, seed: int, today: dt.date, fingerprint: str
) -> dict[str, Any] | None:
    info = cached_info(path)
    if (
        info is not None
        and info.get("version") == GENERATOR_VERSION
        and info.get("size") == asdict(size)
        and info.get("seed") == seed
        and info.get("today") == today.isoformat()
        and info.get("fingerprint") == fingerprint
    ):
        return info
    return None
