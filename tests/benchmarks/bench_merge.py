"""Speed of merging two laptops' files (issue 7), on copies of the large benchmark database.

Two copies of the file split; on each, about 10,000 rows are changed through the services,
as inspectors would: deadlines extended, rectifications recorded, unit secretaries edited
and new inspections answered. Most changes touch different rows on the two copies; a few
hundred touch the same rows (the same problems' deadlines, the same units' secretaries)
so that concurrent-update conflicts appear. Then ``merge_file(copy_a, copy_b)`` is timed
(each run on a fresh copy of A), and a second, no-op merge of the same file.

Baseline, in the same run: copying the same rows with plain SQL between attached
databases — on a scratch copy of A, ``ATTACH`` B and ``INSERT OR REPLACE`` each changed
row of each changed table by id, plus B's new audit entries, in one transaction (audit
triggers off, as in the merge). Target: the merge within 5× of that.

    python -m tests.benchmarks.bench_merge /tmp/inspect_tui_bench/large.db
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import shutil
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from inspect_tui.clock import FixedClock
from inspect_tui.models import Result
from inspect_tui.services import checklists, inspections, problems, units
from inspect_tui.services.merge import MergeSummary, merge_file
from inspect_tui.store import Store, copy_database, open_store

from .generate import TODAY

Row = tuple[str, float | None, float | None, float | None, str]

RATIO_TARGET = 5.0
DEVICES = ("laptop-a", "laptop-b")


@dataclass(frozen=True)
class Plan:
    """What one laptop does after the split (ids chosen up front, seeded)."""

    device: str
    minutes: int  # the laptop's clock, minutes after 02:00 UTC on TODAY
    units: list[str]
    secretary: str
    extend: list[str]
    extend_days: int
    rectify: list[str]
    inspect_units: list[str]


@dataclass
class Diverged:
    a: Path
    b: Path
    changed: dict[str, int] = field(default_factory=dict)  # device → distinct rows changed
    actions: dict[str, int] = field(default_factory=dict)  # device → service calls
    seconds: dict[str, float] = field(default_factory=dict)


def plans(
    source: Store,
    *,
    seed: int = 7,
    units_each: int = 900,
    extend_each: int = 1200,
    rectify_each: int = 1000,
    inspections_each: int = 140,
    shared_units: int = 100,
    shared_extend: int = 300,
) -> tuple[Plan, Plan]:
    """Two laptops' work: disjoint rows, except ``shared_*`` rows changed on both."""
    rng = random.Random(seed)
    unit_ids = [r[0] for r in source.conn.execute("SELECT id FROM units ORDER BY id")]
    rng.shuffle(unit_ids)
    open_ids = [
        r[0]
        for r in source.conn.execute("SELECT id FROM problems WHERE state = 'open' ORDER BY id")
    ]
    pending = [
        r[0]
        for r in source.conn.execute(
            "SELECT id FROM problems WHERE state IN ('rectifying', 'submitted') ORDER BY id"
        )
    ]
    rng.shuffle(open_ids)
    rng.shuffle(pending)
    rectify = open_ids[: 2 * rectify_each]
    extendable = open_ids[2 * rectify_each :] + pending
    rng.shuffle(extendable)

    def take(pool: list[str], each: int, shared: int) -> tuple[list[str], list[str]]:
        common = pool[:shared]
        a = pool[shared : shared + each]
        b = pool[shared + each : shared + 2 * each]
        return common + a, common + b

    ua, ub = take(unit_ids, units_each, shared_units)
    ea, eb = take(extendable, extend_each, shared_extend)
    inspect_pool = unit_ids[shared_units + 2 * units_each :]
    return (
        Plan(
            DEVICES[0], 0, ua, "王書記", ea, 14, rectify[:rectify_each],
            inspect_pool[:inspections_each],
        ),
        Plan(
            DEVICES[1], 7, ub, "李書記", eb, 30, rectify[rectify_each:],
            inspect_pool[inspections_each : 2 * inspections_each],
        ),
    )  # fmt: skip


def laptop(path: Path, device: str, minutes: int = 0, seed: int = 1) -> Store:
    start = dt.datetime.combine(TODAY, dt.time(2, 0), tzinfo=dt.UTC) + dt.timedelta(minutes=minutes)
    clock = FixedClock(start, step=dt.timedelta(milliseconds=1))
    return open_store(
        path, clock=clock, user=f"inspector@{device}", device_id=device, seed=seed,
        quick_check=False,
    )  # fmt: skip


def work(store: Store, plan: Plan) -> int:
    """Do the plan through the services; returns the number of service calls."""
    calls = 0
    today = store.clock.today()
    for n, unit_id in enumerate(plan.units):
        units.update_unit(store, unit_id, secretary=f"{plan.secretary}{n % 97}")
        calls += 1
    for problem_id in plan.extend:
        current = problems.get_problem(store, problem_id)
        deadline = max(current.deadline, today) + dt.timedelta(days=plan.extend_days)
        problems.extend_deadline(
            store, problem_id, deadline=deadline, reason=f"延期申請（{plan.device}）"
        )
        calls += 1
    for problem_id in plan.rectify:
        problems.record_rectification(
            store, problem_id, description=f"已整改：補齊會議記錄（{plan.device}）", done_on=today
        )
        calls += 1
    checklist = checklists.newest_checklist(store)
    indicators = checklists.indicators_of(store, checklist.id)
    for unit_id in plan.inspect_units:
        inspection = inspections.start_inspection(
            store, unit_id, date=today, team=[store.user], checklist_id=checklist.id
        )
        calls += 1
        for indicator in indicators:
            inspections.record_answer(store, inspection.id, indicator.id, Result.CONFORMS)
            calls += 1
    return calls


def changed_rows(store: Store, device: str) -> int:
    return int(
        store.scalar(
            "SELECT count(*) FROM (SELECT DISTINCT table_name, row_id FROM audit_log "
            "WHERE device_id = ?)",
            (device,),
        )
    )


def copy_of(path: Path, target: Path) -> Path:
    source = open_store(path, readonly=True, quick_check=False, user="bench", device_id="bench")
    try:
        copy_database(source, target)
    finally:
        source.close()
    return target


def diverge(path: Path, folder: Path, **sizes: Any) -> Diverged:
    """Two copies of ``path`` with each laptop's changes made on its own copy."""
    source = open_store(path, readonly=True, quick_check=False, user="bench", device_id="bench")
    try:
        plan_a, plan_b = plans(source, **sizes)
        out = Diverged(folder / "a.db", folder / "b.db")
        copy_database(source, out.a)
        copy_database(source, out.b)
    finally:
        source.close()
    for copy, plan, seed in ((out.a, plan_a, 11), (out.b, plan_b, 12)):
        store = laptop(copy, plan.device, plan.minutes, seed)
        try:
            start = time.perf_counter()
            out.actions[plan.device] = work(store, plan)
            out.seconds[plan.device] = time.perf_counter() - start
            out.changed[plan.device] = changed_rows(store, plan.device)
        finally:
            store.close()
    return out


def office(path: Path) -> Store:
    clock = FixedClock(dt.datetime.combine(TODAY, dt.time(9, 0), tzinfo=dt.UTC))
    return open_store(path, clock=clock, user="office", device_id="office", quick_check=False)


def timed_merges(
    a: Path, b: Path, folder: Path, runs: int
) -> tuple[list[float], list[float], MergeSummary, MergeSummary]:
    """``runs`` merges of b into fresh copies of a, each followed by a no-op merge."""
    merges: list[float] = []
    noops: list[float] = []
    first: MergeSummary | None = None
    again: MergeSummary | None = None
    for run in range(runs):
        target = copy_of(a, folder / f"run{run}.db")
        store = office(target)
        try:
            start = time.perf_counter()
            summary = merge_file(store, b)
            merges.append(time.perf_counter() - start)
            start = time.perf_counter()
            repeat = merge_file(store, b)
            noops.append(time.perf_counter() - start)
        finally:
            store.close()
        first = first or summary
        again = again or repeat
        for suffix in ("", "-wal", "-shm"):
            Path(f"{target}{suffix}").unlink(missing_ok=True)
    assert first is not None and again is not None
    return merges, noops, first, again


def copy_changed_rows(scratch: Path, source: Path, device: str) -> Callable[[], int]:
    """The baseline: plain ``INSERT OR REPLACE ... SELECT`` of the rows ``device`` changed
    (and its audit entries) from the attached ``source`` into ``scratch``."""
    conn = sqlite3.connect(str(scratch), isolation_level=None)
    conn.execute("ATTACH DATABASE ? AS src", (str(source),))
    tables = [
        r[0]
        for r in conn.execute(
            "SELECT DISTINCT table_name FROM src.audit_log WHERE device_id = ? ORDER BY 1",
            (device,),
        )
    ]

    def run() -> int:
        copied = 0
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("UPDATE main._actor SET audit = 0")
        for table in tables:
            copied += conn.execute(
                f"""INSERT OR REPLACE INTO main.[{table}] SELECT * FROM src.[{table}]
                    WHERE id IN (SELECT row_id FROM src.audit_log
                                 WHERE table_name = ? AND device_id = ?)""",
                (table, device),
            ).rowcount
        copied += conn.execute(
            "INSERT OR IGNORE INTO main.audit_log SELECT * FROM src.audit_log WHERE device_id = ?",
            (device,),
        ).rowcount
        conn.execute("UPDATE main._actor SET audit = 1")
        conn.execute("COMMIT")
        return copied

    run.close = conn.close  # type: ignore[attr-defined]
    return run


def median_of(call: Callable[[], Any], runs: int) -> float:
    call()  # warm-up (and, for the baseline, the same content as every later run)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def bench_merge(path: Path, runs: int = 3, baseline_runs: int = 5, **sizes: int) -> list[Row]:
    """Merge A←B after ~10,000 changed rows on each side; the no-op merge after it."""
    path = Path(path)
    folder = Path(tempfile.mkdtemp(prefix="bench-merge-", dir=path.parent))
    try:
        start = time.perf_counter()
        split = diverge(path, folder, **sizes)
        prepared = time.perf_counter() - start
        merges, noops, summary, repeat = timed_merges(split.a, split.b, folder, runs)
        scratch = copy_of(split.a, folder / "scratch.db")
        baseline_call = copy_changed_rows(scratch, split.b, DEVICES[1])
        try:
            copied = baseline_call()
            baseline = median_of(baseline_call, baseline_runs)
        finally:
            baseline_call.close()  # type: ignore[attr-defined]
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    merge = statistics.median(merges)
    noop = statistics.median(noops)
    a_rows, b_rows = (split.changed[d] for d in DEVICES)
    calls = "/".join(f"{split.actions[d]:,}" for d in DEVICES)
    note = (
        f"{a_rows:,} rows changed on A, {b_rows:,} on B ({calls} service calls; prepared in "
        f"{prepared:.0f} s); merge runs {', '.join(f'{t:.2f}' for t in merges)} s: "
        f"{summary.changes:,} rows changed in A, {summary.conflicts} conflicts, "
        f"{summary.audit_entries:,} audit entries; no-op merge {noop:.2f} s "
        f"({repeat.changes} changes); baseline: INSERT OR REPLACE of {copied:,} rows (B's changed rows "
        f"and its audit entries); target ≤ {RATIO_TARGET:.0f}× baseline"
    )
    return [
        (
            "merge A←B, ~10,000 changed rows each side",
            merge,
            baseline,
            RATIO_TARGET * baseline,
            note,
        ),
        ("merge A←B again (no-op)", noop, None, None, f"{repeat.describe()}"),
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.benchmarks.bench_merge")
    parser.add_argument("db", type=Path, help="a database file (e.g. the large benchmark one)")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)
    for name, median, baseline, target, note in bench_merge(args.db, runs=args.runs):
        ratio = f"{median / baseline:.2f}×" if median and baseline else "–"
        met = (
            "" if target is None or median is None else (" met" if median <= target else " MISSED")
        )
        print(
            f"{name}: {median:.3f} s; baseline {baseline or 0:.3f} s; ratio {ratio}{met}\n  {note}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
