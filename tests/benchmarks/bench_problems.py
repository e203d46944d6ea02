"""Speed of rectification tracking (issue 4) on the large database.

- Each filter of the problems screen, as the services behind it run it: the first page
  (``problem_list.search``, 100 rows, what the table shows at once) and the counts of the
  filter bar (``counts`` and ``count``, read by a second worker just after the page).
  Target: each under 50 ms median. Baseline: the same SQL through the ``sqlite3`` module on
  the same file, without building rows.
- The ledger (整改台賬) of all 200,000 problems, to CSV and to XLSX: rows per second, and
  the ratio to writing the same rows with the ``csv`` module alone (the rows already in
  memory: what any CSV writer has to pay at least).
- Free text goes through the ``problem_search`` trigram index (schema 2); its baseline is
  the plain ``instr()`` scan of every problem that the search used before (and still
  uses where the index cannot answer).
- Migrating a schema-1 file of this size to schema 2 (building that index): once.

Every function returns ``[(figure, median_s, baseline_s, target_s)]`` (one row), so the
runner registers each one (``python -m tests.benchmarks --only "problems screen"``). Run
alone: ``python -m tests.benchmarks.bench_problems /tmp/inspect_tui_bench/large.db``.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import Any

Figure = tuple[str, float, float | None, float | None]

FILTER_TARGET_S = 0.050
TODAY = dt.date(2026, 11, 30)  # the generator's today
PAGE_RUNS = 15
COUNT_RUNS = 7
COMMON_TEXT = "記錄"  # in a third of the problems: two characters
WORD_TEXT = "支委會"  # in a sixth: three characters, one trigram
RARE_TEXT = "無此問題描述"  # in none
ONE_CHARACTER = "黨"  # in every problem (every unit's name has it)


@contextmanager
def _store(path: Path) -> Iterator[Any]:
    from inspect_tui.store import open_store

    store = open_store(path, user="bench", device_id="bench-problems", quick_check=False)
    try:
        yield store
    finally:
        store.close()


def _median(call: Callable[[], object], runs: int) -> float:
    call()  # warm the page cache and the statement cache
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def _samples(raw: sqlite3.Connection) -> dict[str, str]:
    """A unit, an indicator code and an inspection with many problems (worst cases)."""
    unit = raw.execute(
        "SELECT unit_id FROM problems GROUP BY unit_id ORDER BY count(*) DESC, unit_id LIMIT 1"
    ).fetchone()[0]
    code = raw.execute(
        "SELECT i.code FROM problems p JOIN indicators i ON i.id = p.indicator_id "
        "GROUP BY i.code ORDER BY count(*) DESC, i.code LIMIT 1"
    ).fetchone()[0]
    inspection = raw.execute(
        "SELECT inspection_id FROM problems WHERE inspection_id IS NOT NULL "
        "GROUP BY inspection_id ORDER BY count(*) DESC, inspection_id LIMIT 1"
    ).fetchone()[0]
    return {"unit": unit, "code": code, "inspection": inspection}


def _filters(samples: dict[str, str]) -> dict[str, tuple[Any, str, int]]:
    """The screen's filters: name → (filter, sort, offset)."""
    from inspect_tui.models import ProblemState, Severity
    from inspect_tui.services.problem_list import PENDING, ProblemFilter

    f = ProblemFilter
    return {
        "not closed (the default)": (f(states=PENDING), "deadline", 0),
        "every state": (f(), "deadline", 0),
        "every state, latest deadline first": (f(), "-deadline", 0),
        "every state, page 11 (offset 1,000)": (f(), "deadline", 1000),
        "open": (f(states=(ProblemState.OPEN,)), "deadline", 0),
        "rectifying": (f(states=(ProblemState.RECTIFYING,)), "deadline", 0),
        "awaiting verification": (f(states=(ProblemState.SUBMITTED,)), "deadline", 0),
        "closed": (f(states=(ProblemState.CLOSED,)), "deadline", 0),
        "overdue": (f(overdue=True), "deadline", 0),
        "due within 7 days": (f(due_within=7), "deadline", 0),
        "one unit (the most problems)": (f(unit_id=samples["unit"]), "deadline", 0),
        "severity serious": (f(severity=Severity.SERIOUS), "deadline", 0),
        "severity serious, not closed": (
            f(severity=Severity.SERIOUS, states=PENDING),
            "deadline",
            0,
        ),
        "one indicator code (the most problems)": (
            f(indicator_code=samples["code"]),
            "deadline",
            0,
        ),
        "one inspection": (f(inspection_id=samples["inspection"]), "deadline", 0),
        f"free text {COMMON_TEXT!r} (common)": (f(text=COMMON_TEXT), "deadline", 0),
        f"free text {RARE_TEXT!r} (no match)": (f(text=RARE_TEXT), "deadline", 0),
        f"free text {WORD_TEXT!r}": (f(text=WORD_TEXT), "deadline", 0),
        f"free text {ONE_CHARACTER!r} (one character, in every problem)": (
            f(text=ONE_CHARACTER),
            "deadline",
            0,
        ),
        f"free text {COMMON_TEXT!r}, not closed (the default)": (
            f(text=COMMON_TEXT, states=PENDING),
            "deadline",
            0,
        ),
        f"free text {RARE_TEXT!r}, not closed (the default)": (
            f(text=RARE_TEXT, states=PENDING),
            "deadline",
            0,
        ),
    }


def _page_sql(flt: Any, sort: str, offset: int) -> tuple[str, dict[str, Any]]:
    """The SQL ``search`` runs for one page (so the baseline runs exactly the same)."""
    from inspect_tui.services import problem_list as pl

    ids, params = pl._page_ids(flt, TODAY, sort, 101, offset)
    return f"WITH page AS ({ids}) {pl._SELECT} WHERE p.id IN (SELECT id FROM page) " + (
        f"ORDER BY {pl.SORTS[sort]}"
    ), params


def bench_filter_page(path: Path, name: str) -> list[Figure]:
    """The first page of one filter: ``search`` against its SQL through ``sqlite3``."""
    from inspect_tui.services import problem_list

    raw = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        flt, sort, offset = _filters(_samples(raw))[name]
        sql, params = _page_sql(flt, sort, offset)
        with _store(path) as store:
            service = _median(
                lambda: problem_list.search(store, flt, TODAY, sort=sort, offset=offset),
                PAGE_RUNS,
            )
        baseline = _median(lambda: raw.execute(sql, params).fetchall(), PAGE_RUNS)
    finally:
        raw.close()
    return [(f"problems screen: {name}, first page", service, baseline, FILTER_TARGET_S)]


def bench_filter_counts(path: Path, name: str) -> list[Figure]:
    """The counts of the filter bar and the matching total for one filter (``tally``)."""
    from inspect_tui.services import problem_list

    raw = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        flt, _, _ = _filters(_samples(raw))[name]
    finally:
        raw.close()
    with _store(path) as store:
        service = _median(lambda: problem_list.tally(store, flt, TODAY), COUNT_RUNS)
    return [(f"problems screen: {name}, counts", service, None, FILTER_TARGET_S)]


# ---------------------------------------------------------------------- the ledger


def _csv_alone(store: Any, folder: Path) -> tuple[float, int]:
    """Writing the ledger's rows, already in memory, with the csv module alone."""
    from inspect_tui.services import ledger
    from inspect_tui.services.problem_list import ProblemFilter, iterate

    rows = [
        [
            "" if v is None else v.isoformat() if isinstance(v, dt.date) else v
            for v in ledger.cells(r)
        ]
        for r in iterate(store, ProblemFilter(), TODAY)
    ]
    header = ledger.headers()

    def write() -> None:
        with (folder / "alone.csv").open("w", encoding="utf-8-sig", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(header)
            writer.writerows(rows)

    return _median(write, 3), len(rows)


def bench_ledger(path: Path, fmt: str, runs: int = 1) -> list[Figure]:
    """The ledger of every problem to ``fmt``, against the csv module alone."""
    from inspect_tui.services import ledger
    from inspect_tui.services.problem_list import ProblemFilter

    with _store(path) as store, tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        baseline, count = _csv_alone(store, folder)
        times = []
        for _ in range(runs):
            start = time.perf_counter()
            written = ledger.export(store, ProblemFilter(), TODAY, folder / f"ledger.{fmt}", fmt)
            times.append(time.perf_counter() - start)
        median = statistics.median(times)
    assert written == count
    per_second = count / median
    return [
        (
            f"ledger of all {count:,} problems to {fmt} ({per_second:,.0f} rows/s; "
            f"baseline: csv module alone, {count / baseline:,.0f} rows/s)",
            median,
            baseline,
            None,
        )
    ]


# ---------------------------------------------------------------------- migration


def _as_schema_1(path: Path) -> None:
    """Turn a copy of the database back into what schema 1 held: no search index."""
    from inspect_tui.store import schema

    assert schema.SCHEMA_VERSION == 2, "bench_migration measures the step to schema 2"
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("BEGIN")
        for action in ("insert", "update", "delete", "unit_name"):
            conn.execute(f"DROP TRIGGER problem_search_{action}")
        for table in ("problem_search_terms", "problem_search", "problem_search_rows"):
            conn.execute(f"DROP TABLE {table}")
        conn.execute("DROP INDEX problems_severity")
        conn.execute("DROP INDEX problems_pending_cover")
        conn.execute("PRAGMA user_version = 1")
        conn.execute("COMMIT")
    finally:
        conn.close()


def bench_migration(path: Path) -> list[Figure]:
    """Opening a schema-1 file of this size: the backup, then building the search index
    and the two indexes of schema 2. Baseline: copying the file (what the backup costs)."""
    import shutil

    from inspect_tui.store import open_store

    with tempfile.TemporaryDirectory(dir=path.parent) as scratch:
        old = Path(scratch) / "old.db"
        start = time.perf_counter()
        shutil.copyfile(path, old)
        baseline = time.perf_counter() - start
        _as_schema_1(old)
        start = time.perf_counter()
        open_store(old, user="bench", device_id="bench-migration", quick_check=False).close()
        migrated = time.perf_counter() - start
    return [("migrate schema 1 → 2 (search index; once)", migrated, baseline, None)]


# ---------------------------------------------------------------------- registry


def figures() -> list[tuple[str, Callable[[Path], list[Figure]]]]:
    """(name, function) of every figure, for the runner."""
    names = list(_filters({"unit": "", "code": "", "inspection": ""}))
    found: list[tuple[str, Callable[[Path], list[Figure]]]] = []
    for name in names:
        found.append(
            (f"problems screen: {name}, first page", partial(bench_filter_page, name=name))
        )
    for name in names:
        found.append((f"problems screen: {name}, counts", partial(bench_filter_counts, name=name)))
    found.append(("ledger to csv", partial(bench_ledger, fmt="csv", runs=3)))
    found.append(("ledger to xlsx", partial(bench_ledger, fmt="xlsx", runs=1)))
    found.append(("migrate schema 1 → 2", bench_migration))
    return found


def run_all(path: Path) -> list[Figure]:
    rows: list[Figure] = []
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as raw:
        names = list(_filters(_samples(raw)))
    for name in names:
        rows.extend(bench_filter_page(path, name))
        rows.extend(bench_filter_counts(path, name))
    rows.extend(bench_ledger(path, "csv", runs=3))
    rows.extend(bench_ledger(path, "xlsx"))
    rows.extend(bench_migration(path))
    return rows


def _ms(value: float | None) -> str:
    return "–" if value is None else f"{value * 1000:10.1f} ms"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.benchmarks.bench_problems")
    parser.add_argument("db", type=Path, help="the large benchmark database")
    args = parser.parse_args(argv)
    print(f"{'figure':90} {'median':>13} {'baseline':>13} {'ratio':>7}  target")
    for name, median, baseline, target in run_all(args.db):
        ratio = f"{median / baseline:6.2f}×" if baseline else "      –"
        mark = "" if target is None else (" ok" if median <= target else " MISSED")
        print(f"{name:90} {_ms(median):>13} {_ms(baseline):>13} {ratio:>7}  {_ms(target)}{mark}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
