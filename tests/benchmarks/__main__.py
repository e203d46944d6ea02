"""``python -m tests.benchmarks [--quick]``: time the store on a large database.

The database is generated once into a cache folder and reused while the schema, the
generator and the size stay the same. Each figure is the median of several runs of the
service call, next to a baseline: the same query written directly in SQL through the
``sqlite3`` module on the same file in the same run. The ratio shows what the service
layer (models, decoding) costs on top of SQLite.

Figures live in a registry: add a function decorated with ``@figure(...)`` that returns
the service call and, if there is one, the baseline call.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib
import sqlite3
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from inspect_tui.clock import FixedClock
from inspect_tui.services import problems, ranking
from inspect_tui.store import Store, open_store

from .generate import SIZES, TODAY, current_fingerprint, generate, reusable

CACHE = Path("/tmp/inspect_tui_bench")
HOT_TARGET_S = 0.020

# ---------------------------------------------------------------------- registry


@dataclass
class Bench:
    """What every figure may use: the file, an open store, a raw connection and samples."""

    path: Path
    store: Store
    raw: sqlite3.Connection
    today: dt.date
    runs: int
    generated_s: float
    generated_note: str
    unit_id: str = ""
    month: str = ""


@dataclass(frozen=True)
class Measure:
    """A service call and its baseline; ``runs`` overrides the default count."""

    service: Callable[[], Any]
    baseline: Callable[[], Any] | None = None
    runs: int | None = None
    note: str | Callable[[], str] = ""


@dataclass(frozen=True)
class Row:
    figure: str
    median_s: float | None
    baseline_s: float | None
    target_s: float | None
    note: str = ""

    @property
    def ratio(self) -> float | None:
        if self.median_s is None or not self.baseline_s:
            return None
        return self.median_s / self.baseline_s

    @property
    def met(self) -> bool | None:
        if self.target_s is None or self.median_s is None:
            return None
        return self.median_s <= self.target_s


Made = Measure | Row | list[Row]  # a measurement, or figures already measured


@dataclass(frozen=True)
class Figure:
    name: str
    target_s: float | None
    make: Callable[[Bench], Made]


FIGURES: list[Figure] = []


def figure(
    name: str, *, target_s: float | None = HOT_TARGET_S
) -> Callable[[Callable[[Bench], Made]], Callable[[Bench], Made]]:
    def register(make: Callable[[Bench], Made]) -> Callable[[Bench], Made]:
        FIGURES.append(Figure(name, target_s, make))
        return make

    return register


def median_time(call: Callable[[], Any], runs: int) -> float:
    call()  # warm the page cache and the statement cache
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def run_figure(spec: Figure, bench: Bench) -> list[Row]:
    try:
        made = spec.make(bench)
    except _Skip as skip:
        return [Row(spec.name, None, None, spec.target_s, f"skipped: {skip}")]
    if isinstance(made, Row):
        return [made]
    if isinstance(made, list):
        return made
    runs = made.runs or bench.runs
    service = median_time(made.service, runs)
    baseline = median_time(made.baseline, runs) if made.baseline else None
    extra = made.note() if callable(made.note) else made.note
    note = f"{runs} runs" + (f"; {extra}" if extra else "")
    return [Row(spec.name, service, baseline, spec.target_s, note)]


class _Skip(Exception):
    pass


# ---------------------------------------------------------------------- figures


@figure("generate the database", target_s=None)
def _generate(bench: Bench) -> Row:
    return Row("generate the database", bench.generated_s, None, None, bench.generated_note)


@figure("open the store (quick_check)", target_s=None)
def _open(bench: Bench) -> Measure:
    def service() -> None:
        open_store(bench.path, user="bench", device_id="bench", quick_check=True).close()

    def baseline() -> None:
        conn = sqlite3.connect(str(bench.path))
        conn.execute("PRAGMA quick_check").fetchall()
        conn.close()

    return Measure(service, baseline, runs=5)


@figure("integrity checks (run_checks)", target_s=None)
def _integrity(bench: Bench) -> Measure:
    try:
        integrity = importlib.import_module("inspect_tui.services.integrity")
        run_checks = integrity.run_checks
    except (ImportError, AttributeError) as exc:
        raise _Skip(f"inspect_tui.services.integrity.run_checks is not there yet ({exc})") from exc
    findings: list[int] = []

    def service() -> None:
        findings[:] = [len(run_checks(bench.store))]

    def baseline() -> None:
        bench.raw.execute("PRAGMA integrity_check").fetchall()
        bench.raw.execute("PRAGMA foreign_key_check").fetchall()

    return Measure(
        service,
        baseline,
        runs=3,
        note=lambda: f"{findings[0]} findings; baseline: integrity_check + foreign_key_check",
    )


PROBLEM_SQL = "SELECT * FROM problems WHERE unit_id = ? AND state != 'closed' ORDER BY deadline"


@figure("open problems of one unit")
def _unit_problems(bench: Bench) -> Measure:
    found = len(problems.open_problems_of_unit(bench.store, bench.unit_id))
    return Measure(
        lambda: problems.open_problems_of_unit(bench.store, bench.unit_id),
        lambda: bench.raw.execute(PROBLEM_SQL, (bench.unit_id,)).fetchall(),
        note=f"{found} problems (the unit with the most)",
    )


@figure("overdue problems, first page of 100")
def _overdue_page(bench: Bench) -> Measure:
    sql = (
        "SELECT * FROM problems WHERE state != 'closed' AND deadline < ? "
        "ORDER BY deadline LIMIT 100 OFFSET 0"
    )
    today = bench.today.isoformat()
    return Measure(
        lambda: problems.overdue_problems(bench.store, bench.today, limit=100),
        lambda: bench.raw.execute(sql, (today,)).fetchall(),
    )


@figure("count of overdue problems")
def _overdue_count(bench: Bench) -> Measure:
    sql = "SELECT count(*) FROM problems WHERE state != 'closed' AND deadline < ?"
    today = bench.today.isoformat()
    count = problems.count_overdue(bench.store, bench.today)
    return Measure(
        lambda: problems.count_overdue(bench.store, bench.today),
        lambda: bench.raw.execute(sql, (today,)).fetchone(),
        note=f"{count} overdue",
    )


MONTH_COUNT_SQL = "SELECT count(*) FROM monthly_results WHERE month = ? AND rank IS NOT NULL"
MONTH_RANKED_SQL = (
    "SELECT m.* FROM monthly_results AS m JOIN units AS u ON u.id = m.unit_id "
    "WHERE m.month = ? AND m.rank IS NOT NULL ORDER BY m.rank, u.code LIMIT ? OFFSET 0"
)
MONTH_UNRANKED_SQL = (
    "SELECT m.* FROM monthly_results AS m JOIN units AS u ON u.id = m.unit_id "
    "WHERE m.month = ? AND m.rank IS NULL ORDER BY u.code LIMIT -1 OFFSET 0"
)


@figure("one month's results, first page of 100")
def _month_page(bench: Bench) -> Measure:
    def baseline() -> None:
        bench.raw.execute(MONTH_COUNT_SQL, (bench.month,)).fetchone()
        bench.raw.execute(MONTH_RANKED_SQL, (bench.month, 100)).fetchall()

    ranked = bench.raw.execute(MONTH_COUNT_SQL, (bench.month,)).fetchone()[0]
    return Measure(
        lambda: ranking.month_results(bench.store, bench.month, limit=100),
        baseline,
        note=f"{bench.month}: {ranked} units ranked",
    )


@figure("one month's results, every unit", target_s=None)
def _month_all(bench: Bench) -> Measure:
    def baseline() -> None:
        bench.raw.execute(MONTH_COUNT_SQL, (bench.month,)).fetchone()
        bench.raw.execute(MONTH_RANKED_SQL, (bench.month, -1)).fetchall()
        bench.raw.execute(MONTH_UNRANKED_SQL, (bench.month,)).fetchall()

    rows = len(ranking.month_results(bench.store, bench.month))
    return Measure(
        lambda: ranking.month_results(bench.store, bench.month),
        baseline,
        note=f"{rows} rows: export size, no target (screens page)",
    )


# ---------------------------------------------------------------------- other areas
# Modules beside this one expose plain functions ``fn(path) -> [(figure, median_s,
# baseline_s, target_s)]``; each is wrapped into a figure here.


def _external(
    name: str, fn: Callable[[Path], list[tuple[str, float, float | None, float | None]]]
) -> None:
    @figure(name, target_s=None)
    def _run(bench: Bench) -> list[Row]:
        return [Row(*measured) for measured in fn(bench.path)]


def _register_tui() -> None:
    from .bench_tui import bench_answer_commit, bench_startup, bench_units_filter

    for fn in (bench_startup, bench_answer_commit, bench_units_filter):
        _external(fn.__name__, fn)


_register_tui()


@figure("notices: 1,000 × 10 problems, batch on 2 workers", target_s=15.0)
def _notice_batch(bench: Bench) -> Row:
    from .bench_notices import bench_notice_batch

    rows = bench_notice_batch(units=1000)
    name, median, baseline, note = rows[0]
    return Row(name, median, baseline, 15.0, f"{note}; {rows[2][3]}")


def _register_ranking() -> None:
    """Monthly benchmarking: ranking a month, lagging detection, the ranking screens."""
    from .bench_ranking import register

    register(figure, Measure)


_register_ranking()


def _register_problems() -> None:
    """Rectification tracking: each filter of the problems screen, the ledger (issue 4)."""
    from .bench_problems import figures

    for name, fn in figures():
        _external(name, fn)


_register_problems()


@figure("merge A←B, ~10,000 changed rows each side", target_s=None)
def _merge(bench: Bench) -> Row:
    """Several laptops (issue 7): merge time against INSERT OR REPLACE of the same rows."""
    from .bench_merge import bench_merge

    name, median, baseline, target, note = bench_merge(bench.path)[0]
    return Row(name, median, baseline, target, note)


def _register_evidence() -> None:
    """Evidence in the database (issue 10): one run of ``bench_evidence``, one row each."""
    from .bench_evidence import FIGURES as EVIDENCE

    done: dict[Path, list[tuple[str, float | None, float | None, float | None, str]]] = {}

    for index, name in enumerate(EVIDENCE):

        @figure(name, target_s=None)
        def _run(bench: Bench, index: int = index) -> Row:
            from .bench_evidence import bench_evidence

            if bench.path not in done:
                done[bench.path] = bench_evidence(bench.path)
            return Row(*done[bench.path][index])


_register_evidence()


@figure("peak memory (TUI on the large database; 1,000 notices)", target_s=None)
def _memory(bench: Bench) -> Row:
    """Peak resident memory in MB; the table's time columns hold MB for this row."""
    from .bench_memory import bench_memory

    rows = bench_memory(bench.path)
    note = "; ".join(
        f"{name}: {peak:.0f} MB ({extra}), target < {target:.0f} MB"
        for name, peak, _, target, extra in rows
    )
    return Row("peak memory, MB (see note)", None, None, None, note)


# ---------------------------------------------------------------------- running


@dataclass
class Options:
    quick: bool = False
    rebuild: bool = False
    runs: int = 20
    seed: int = 1
    cache: Path = CACHE
    only: list[str] = field(default_factory=list)


def prepare(options: Options) -> tuple[Path, float, str]:
    """The database to measure: reused from the cache when it is current, else generated."""
    size_name = "quick" if options.quick else "full"
    size = SIZES[size_name]
    options.cache.mkdir(parents=True, exist_ok=True)
    path = options.cache / f"{'quick' if options.quick else 'large'}.db"
    fingerprint = current_fingerprint(options.cache / "schema-probe.db")
    info = None if options.rebuild else reusable(path, size, options.seed, TODAY, fingerprint)
    if info is not None:
        return path, float(info["seconds"]), "cached file; time measured when it was generated"
    print(f"generating {size_name} database into {path} …", file=sys.stderr, flush=True)
    made = generate(path, size, seed=options.seed, today=TODAY)
    counts = ", ".join(f"{k} {v:,}" for k, v in made.counts.items())
    print(f"generated in {made.seconds:.1f} s: {counts}", file=sys.stderr, flush=True)
    return path, made.seconds, f"generated now ({path.stat().st_size / 1e6:,.0f} MB)"


def _samples(bench: Bench) -> None:
    unit = bench.raw.execute(
        "SELECT unit_id FROM problems WHERE state != 'closed' "
        "GROUP BY unit_id ORDER BY count(*) DESC, unit_id LIMIT 1"
    ).fetchone()
    bench.unit_id = unit[0] if unit else ""
    bench.month = ranking.shift_month(ranking.month_of(bench.today), -1)


def measure(options: Options) -> list[Row]:
    path, seconds, note = prepare(options)
    clock = FixedClock(dt.datetime.combine(TODAY, dt.time(1, 0), tzinfo=dt.UTC))
    store = open_store(path, clock=clock, user="bench", device_id="bench", quick_check=False)
    raw = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    bench = Bench(path, store, raw, TODAY, options.runs, seconds, note)
    try:
        _samples(bench)
        chosen = [f for f in FIGURES if not options.only or any(o in f.name for o in options.only)]
        return [row for spec in chosen for row in run_figure(spec, bench)]
    finally:
        raw.close()
        store.close()


def _time(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    if seconds >= 1:
        return f"{seconds:.2f} s"
    return f"{seconds * 1000:.2f} ms"


def table(rows: list[Row]) -> str:
    header = ("figure", "median", "baseline median", "ratio", "target", "met", "note")
    lines = [
        (
            row.figure,
            _time(row.median_s),
            _time(row.baseline_s),
            "—" if row.ratio is None else f"{row.ratio:.2f}",
            "—" if row.target_s is None else f"< {_time(row.target_s)}",
            "—" if row.met is None else ("yes" if row.met else "NO"),
            row.note,
        )
        for row in rows
    ]
    widths = [max(len(h), *(len(line[i]) for line in lines)) for i, h in enumerate(header)]

    def fmt(cells: tuple[str, ...]) -> str:
        left = {0, 6}
        return " | ".join(
            c.ljust(w) if i in left else c.rjust(w)
            for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        ).rstrip()

    rule = "-+-".join("-" * w for w in widths)
    return "\n".join([fmt(header), rule, *(fmt(line) for line in lines)])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tests.benchmarks", description=__doc__.splitlines()[0]
    )
    parser.add_argument(
        "--quick", action="store_true", help="a small database (500 units) for a smoke run"
    )
    parser.add_argument(
        "--rebuild", action="store_true", help="generate the database even if cached"
    )
    parser.add_argument("--runs", type=int, default=20, help="runs per hot query (default 20)")
    parser.add_argument("--seed", type=int, default=1, help="generator seed (default 1)")
    parser.add_argument("--cache", type=Path, default=CACHE, help=f"cache folder (default {CACHE})")
    parser.add_argument(
        "--only", action="append", default=[], help="only figures whose name contains this"
    )
    args = parser.parse_args(argv)
    options = Options(args.quick, args.rebuild, max(1, args.runs), args.seed, args.cache, args.only)
    print(table(measure(options)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
