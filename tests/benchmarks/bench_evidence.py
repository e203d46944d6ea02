"""Speed with evidence inside the database (issue 10), on copies of the large benchmark file.

On a copy of the file, 2,000 attachments of 500 KB (distinct random bytes, seeded) are
attached to problems through ``evidence.attach`` — about 1 GB of blobs. Then, each a
median next to a baseline measured in the same run:

a. the hot queries the runner measures (open problems of a unit, overdue first page and
   count, a month's results first page) on the copy with attachments against a copy
   without (runs interleaved): the ratio should be 1.0 within noise (target ≤ 1.25×);
b. TUI start-up to the home screen ready (``bench_tui.bench_startup``) with against
   without attachments, without and with ``quick_check`` on open (target ≤ 1.25×);
c. attaching a 10 MB photo (a Pillow JPEG padded with random bytes, new content each run)
   against ``shutil.copyfile`` of the same file;
d. merging two copies that each attached 500 files of 500 KB since they split (A←B, each
   run on a fresh copy of A) against copying the same blobs and attachment rows with
   ``INSERT ... SELECT`` from the attached B into a scratch copy of A.

    python -m tests.benchmarks.bench_evidence /tmp/inspect_tui_bench/large.db
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import random
import shutil
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from inspect_tui.clock import FixedClock
from inspect_tui.services import evidence, problems, ranking
from inspect_tui.services.merge import merge_file
from inspect_tui.store import Store, open_store

from .bench_merge import copy_of, median_of
from .bench_tui import bench_startup
from .generate import TODAY

Row = tuple[str, float | None, float | None, float | None, str]

SMALL = 500 * 1024
PHOTO = 10 * 1024 * 1024
NOISE_RATIO = 1.25  # "the same within noise"

HOT = (
    "open problems of one unit",
    "overdue problems, first page of 100",
    "count of overdue problems",
    "one month's results, first page of 100",
)
FIGURES = (
    *(f"evidence: {name} (2,000 attachments vs none)" for name in HOT),
    "evidence: TUI start-up, the inspect-tui command (with vs without attachments)",
    "evidence: TUI start-up, the app alone (with vs without attachments)",
    "evidence: attach a 10 MB photo (vs shutil.copyfile)",
    "evidence: merge A←B, 500 × 500 KB attachments each side (vs INSERT…SELECT)",
)


def _store(path: Path, device: str, minutes: int = 0) -> Store:
    start = dt.datetime.combine(TODAY, dt.time(3, 0), tzinfo=dt.UTC) + dt.timedelta(minutes=minutes)
    clock = FixedClock(start, step=dt.timedelta(milliseconds=1))
    return open_store(
        path, clock=clock, user=f"inspector@{device}", device_id=device, seed=5, quick_check=False
    )


def _problem_ids(store: Store, count: int, rng: random.Random, first: list[str]) -> list[str]:
    everyone = [r[0] for r in store.conn.execute("SELECT id FROM problems ORDER BY id")]
    rng.shuffle(everyone)
    chosen = list(dict.fromkeys([*first, *everyone]))
    return chosen[:count]


def attach_many(
    store: Store, folder: Path, problem_ids: list[str], rng: random.Random, size: int = SMALL
) -> list[float]:
    """Attach one new file of ``size`` random bytes to each problem; the seconds of each."""
    folder.mkdir(parents=True, exist_ok=True)
    times = []
    for n, problem_id in enumerate(problem_ids):
        file = folder / f"evidence-{n:04d}.bin"
        file.write_bytes(rng.randbytes(size))
        start = time.perf_counter()
        evidence.attach(store, "problem", problem_id, file)
        times.append(time.perf_counter() - start)
        file.unlink()
    return times


def hot_unit(store: Store) -> str:
    row = store.conn.execute(
        "SELECT unit_id FROM problems WHERE state != 'closed' "
        "GROUP BY unit_id ORDER BY count(*) DESC, unit_id LIMIT 1"
    ).fetchone()
    return str(row[0])


def hot_queries(store: Store, unit_id: str) -> list[Callable[[], Any]]:
    month = ranking.shift_month(ranking.month_of(TODAY), -1)
    return [
        lambda: problems.open_problems_of_unit(store, unit_id),
        lambda: problems.overdue_problems(store, TODAY, limit=100),
        lambda: problems.count_overdue(store, TODAY),
        lambda: ranking.month_results(store, month, limit=100),
    ]


def interleaved(
    with_: Callable[[], Any], without: Callable[[], Any], runs: int
) -> tuple[float, float]:
    """Medians of two calls timed alternately (so drift hits both alike)."""
    with_(), without()
    a: list[float] = []
    b: list[float] = []
    for n in range(runs):
        pair = ((with_, a), (without, b)) if n % 2 == 0 else ((without, b), (with_, a))
        for call, times in pair:
            start = time.perf_counter()
            call()
            times.append(time.perf_counter() - start)
    return statistics.median(a), statistics.median(b)


def photo_bytes(seed: int, size: int = PHOTO) -> bytes:
    """A real JPEG (1600×1200 noise) padded after its end with random bytes to ``size``."""
    from PIL import Image

    image = Image.effect_noise((1600, 1200), 48).convert("RGB")
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=90)
    data = buffer.getvalue()
    return data + random.Random(seed).randbytes(max(0, size - len(data)))


def _remove(path: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def copy_blobs(scratch: Path, source: Path) -> Callable[[], int]:
    """The baseline of (d): ``INSERT ... SELECT`` the blobs and attachment rows the target
    lacks from the attached source, committed; undone (untimed) after each timed run."""
    conn = sqlite3.connect(str(scratch), isolation_level=None)
    conn.execute("ATTACH DATABASE ? AS src", (str(source),))
    shas = [
        r[0]
        for r in conn.execute(
            "SELECT sha256 FROM src.blobs WHERE sha256 NOT IN (SELECT sha256 FROM main.blobs)"
        )
    ]
    ids = [
        r[0]
        for r in conn.execute(
            "SELECT id FROM src.attachments WHERE id NOT IN (SELECT id FROM main.attachments)"
        )
    ]
    conn.execute("CREATE TEMP TABLE new_blobs (sha256 TEXT PRIMARY KEY)")
    conn.execute("CREATE TEMP TABLE new_attachments (id TEXT PRIMARY KEY)")
    conn.executemany("INSERT INTO new_blobs VALUES (?)", [(s,) for s in shas])
    conn.executemany("INSERT INTO new_attachments VALUES (?)", [(i,) for i in ids])
    timed: list[float] = []

    def run() -> int:
        start = time.perf_counter()
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("UPDATE main._actor SET audit = 0")
        copied = conn.execute(
            "INSERT INTO main.blobs SELECT * FROM src.blobs WHERE sha256 IN temp.new_blobs"
        ).rowcount
        copied += conn.execute(
            "INSERT INTO main.attachments SELECT * FROM src.attachments "
            "WHERE id IN temp.new_attachments"
        ).rowcount
        conn.execute("UPDATE main._actor SET audit = 1")
        conn.execute("COMMIT")
        timed.append(time.perf_counter() - start)
        conn.execute("BEGIN IMMEDIATE")  # undo, untimed, so every run copies the same
        conn.execute("UPDATE main._actor SET audit = 0")
        conn.execute("DELETE FROM main.attachments WHERE id IN temp.new_attachments")
        conn.execute("DELETE FROM main.blobs WHERE sha256 IN temp.new_blobs")
        conn.execute("UPDATE main._actor SET audit = 1")
        conn.execute("COMMIT")
        return copied

    run.close = conn.close  # type: ignore[attr-defined]
    run.timed = timed  # type: ignore[attr-defined]
    return run


def bench_evidence(
    path: Path,
    *,
    attachments: int = 2000,
    each_side: int = 500,
    runs: int = 30,
    startup_runs: int = 5,
    photo_runs: int = 9,
    merge_runs: int = 3,
    seed: int = 10,
) -> list[Row]:
    path = Path(path)
    rng = random.Random(seed)
    folder = Path(tempfile.mkdtemp(prefix="bench-evidence-", dir=path.parent))
    rows: list[Row] = []
    try:
        plain = copy_of(path, folder / "plain.db")
        loaded = copy_of(path, folder / "evidence.db")

        # ---------------------------------------------------------------- 2,000 attachments
        store = _store(loaded, "laptop-e")
        try:
            unit_id = hot_unit(store)
            mine = [
                r[0]
                for r in store.conn.execute(
                    "SELECT id FROM problems WHERE unit_id = ? AND state != 'closed'", (unit_id,)
                )
            ]
            targets = _problem_ids(store, attachments, rng, mine)
            times = attach_many(store, folder / "files", targets, rng)
        finally:
            store.close()
        sizes = f"{plain.stat().st_size / 1e6:,.0f} MB → {loaded.stat().st_size / 1e6:,.0f} MB"
        made = (
            f"{attachments:,} × 500 KB attached in {sum(times):.0f} s "
            f"(median {statistics.median(times) * 1000:.1f} ms); file {sizes}"
        )

        # ---------------------------------------------------------------- (a) hot queries
        with_store = _store(loaded, "bench")
        without_store = _store(plain, "bench")
        try:
            pairs = zip(
                hot_queries(with_store, unit_id), hot_queries(without_store, unit_id), strict=True
            )
            for name, (with_call, without_call) in zip(FIGURES[: len(HOT)], pairs, strict=True):
                w, wo = interleaved(with_call, without_call, runs)
                rows.append(
                    (
                        name,
                        w,
                        wo,
                        NOISE_RATIO * wo,
                        f"{runs} runs interleaved; target ≤ {NOISE_RATIO}× (same within noise); "
                        f"{len(mine)} attachments on this unit's open problems; {made}",
                    )
                )
        finally:
            with_store.close()
            without_store.close()

        # ---------------------------------------------------------------- (b) start-up
        started_with = bench_startup(loaded, runs=startup_runs)
        started_without = bench_startup(plain, runs=startup_runs)
        for name, (_, w, minimal, _), (_, wo, _, _) in zip(
            FIGURES[len(HOT) : len(HOT) + 2], started_with, started_without, strict=True
        ):
            rows.append(
                (
                    name,
                    w,
                    wo,
                    NOISE_RATIO * wo,
                    f"median of {startup_runs} processes; minimal Textual app "
                    f"{minimal:.2f} s; {sizes}",
                )
            )
        _remove(plain)

        # ---------------------------------------------------------------- (c) a 10 MB photo
        store = _store(loaded, "laptop-e")
        photos = folder / "photos"
        photos.mkdir()
        attach_times: list[float] = []
        copy_times: list[float] = []
        try:
            targets = _problem_ids(store, photo_runs + 1, rng, [])
            for n, problem_id in enumerate(targets):
                photo = photos / f"IMG_{n:04d}.jpg"
                photo.write_bytes(photo_bytes(seed + n))
                start = time.perf_counter()
                shown = evidence.attach(store, "problem", problem_id, photo)
                attached = time.perf_counter() - start
                start = time.perf_counter()
                shutil.copyfile(photo, photos / f"copy_{n:04d}.jpg")
                copied = time.perf_counter() - start
                if n:  # the first run warms up
                    attach_times.append(attached)
                    copy_times.append(copied)
                (photos / f"copy_{n:04d}.jpg").unlink()
                photo.unlink()
        finally:
            store.close()
        rows.append(
            (
                FIGURES[len(HOT) + 2],
                statistics.median(attach_times),
                statistics.median(copy_times),
                None,
                f"median of {photo_runs}; {shown.describe()}; no target set (ratio shown)",
            )
        )
        _remove(loaded)

        # ---------------------------------------------------------------- (d) merging
        a = copy_of(path, folder / "a.db")
        b = copy_of(path, folder / "b.db")
        for side, device, minutes in ((a, "laptop-a", 0), (b, "laptop-b", 7)):
            store = _store(side, device, minutes)
            try:
                attach_many(
                    store, folder / f"files-{device}", _problem_ids(store, each_side, rng, []), rng
                )
            finally:
                store.close()
        merges: list[float] = []
        noops: list[float] = []
        for run in range(merge_runs):
            target = copy_of(a, folder / f"run{run}.db")
            store = _store(target, "office", 60)
            try:
                start = time.perf_counter()
                summary = merge_file(store, b)
                merges.append(time.perf_counter() - start)
                start = time.perf_counter()
                merge_file(store, b)
                noops.append(time.perf_counter() - start)
            finally:
                store.close()
            _remove(target)
        scratch = copy_of(a, folder / "scratch.db")
        baseline_call = copy_blobs(scratch, b)
        try:
            copied = baseline_call()
            median_of(baseline_call, merge_runs)
            baseline = statistics.median(baseline_call.timed[1:])  # type: ignore[attr-defined]
        finally:
            baseline_call.close()  # type: ignore[attr-defined]
        rows.append(
            (
                FIGURES[len(HOT) + 3],
                statistics.median(merges),
                baseline,
                None,
                f"median of {merge_runs} merges ({', '.join(f'{t:.2f}' for t in merges)} s): "
                f"blobs {summary.inserted['blobs']}, attachments {summary.inserted['attachments']} "
                f"inserted; no-op merge {statistics.median(noops):.2f} s; baseline: INSERT…SELECT "
                f"of the same {copied} rows (blobs + attachments, "
                f"{each_side * SMALL / 1e6:.0f} MB); no target set (ratio shown)",
            )
        )
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.benchmarks.bench_evidence")
    parser.add_argument("db", type=Path, help="a database file (e.g. the large benchmark one)")
    parser.add_argument("--attachments", type=int, default=2000)
    parser.add_argument("--each-side", type=int, default=500)
    args = parser.parse_args(argv)
    for name, median, baseline, target, note in bench_evidence(
        args.db, attachments=args.attachments, each_side=args.each_side
    ):
        ratio = f"{median / baseline:.2f}×" if median and baseline else "–"
        met = (
            "" if target is None or median is None else (" met" if median <= target else " MISSED")
        )
        print(
            f"{name}: {(median or 0) * 1000:.2f} ms; baseline {(baseline or 0) * 1000:.2f} ms; "
            f"ratio {ratio}{met}\n  {note}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
