"""Faults: processes killed mid-write, a full disk, several writers at once, a clock set
back. Each leaves the data whole and says what happened."""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from inspect_tui.clock import FixedClock
from inspect_tui.errors import DatabaseError
from inspect_tui.models import InspectionState, Result
from inspect_tui.services import inspections, problems
from inspect_tui.store import SCHEMA_VERSION, Store, open_store


def run_child(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, timeout=180
    )


def answer_all_but_one(store: Store, inspection_id: str) -> None:
    for ind in inspections.unanswered(store, inspection_id)[:-1]:
        inspections.record_answer(store, inspection_id, ind.code, Result.CONFORMS)


def test_sigkill_during_sign_off_leaves_the_inspection_in_progress_and_whole(
    store: Store, db_path: Path
) -> None:
    inspection = inspections.start_inspection(store, "SDC")
    answer_all_but_one(store, inspection.id)
    last = inspections.unanswered(store, inspection.id)[0]
    inspections.record_answer(store, inspection.id, last.code, Result.PARTLY)
    answers = store.scalar("SELECT count(*) FROM answers")
    store.close()
    proc = run_child(
        f"""
        import os, signal
        from inspect_tui.services import inspections, seals
        from inspect_tui.store import open_store

        def die(*args, **kwargs):  # the state is written, the seal is next: die here
            os.kill(os.getpid(), signal.SIGKILL)

        seals.seal = die
        store = open_store({str(db_path)!r}, user="張三", device_id="test-device")
        inspections.sign_off(store, {inspection.id!r})
        """
    )
    assert proc.returncode == -9, proc.stderr
    with open_store(db_path, user="張三", device_id="test-device") as reopened:
        again = inspections.get_inspection(reopened, inspection.id)
        assert again.state is InspectionState.IN_PROGRESS and again.signed_by is None
        assert reopened.scalar("SELECT count(*) FROM answers") == answers
        assert reopened.scalar("SELECT count(*) FROM seals") == 0
        assert inspections.sign_off(reopened, inspection.id).state is InspectionState.SIGNED_OFF


def test_sigkill_during_a_migration_leaves_the_old_file(store: Store, db_path: Path) -> None:
    store.close()
    before = db_path.read_bytes()
    proc = run_child(
        f"""
        import os, signal
        from inspect_tui.store import open_store, schema

        def step(conn):
            conn.execute("ALTER TABLE units ADD COLUMN extra TEXT")
            os.kill(os.getpid(), signal.SIGKILL)

        schema.MIGRATIONS[schema.SCHEMA_VERSION + 1] = step
        schema.SCHEMA_VERSION += 1
        open_store({str(db_path)!r})
        """
    )
    assert proc.returncode == -9, proc.stderr
    with sqlite3.connect(str(db_path)) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert "extra" not in {r[1] for r in conn.execute("PRAGMA table_info(units)")}
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert len(before) > 0
    backups = list(db_path.parent.glob(f"inspect.db.schema{SCHEMA_VERSION}-*.bak"))
    assert len(backups) == 1  # the copy made before migrating is there to restore


def test_a_full_disk_refuses_the_write_and_keeps_what_was_there(store: Store) -> None:
    """SQLite's max_page_count makes the file as full as a full disk would."""
    before = store.scalar("SELECT count(*) FROM problems")
    pages = store.scalar("PRAGMA page_count")
    store.conn.execute(f"PRAGMA max_page_count = {pages}")
    with pytest.raises(DatabaseError, match="nothing was saved"):
        for n in range(200):
            problems.add_problem(
                store, unit="SDC", description="長描述" * 500 + str(n), deadline=dt.date(2027, 1, 1)
            )
    written = store.scalar("SELECT count(*) FROM problems")
    assert written >= before
    orphans = store.scalar(
        "SELECT count(*) FROM problems p WHERE NOT EXISTS (SELECT 1 FROM problem_events e WHERE e.problem_id = p.id)"
    )
    assert orphans == 0  # each problem was written whole with its history, or not at all
    store.conn.execute("PRAGMA max_page_count = 1073741823")
    problems.add_problem(store, unit="SDC", description="空間恢復後", deadline=dt.date(2027, 1, 1))


WRITER = """
import datetime as dt, sys
from inspect_tui.clock import SystemClock
from inspect_tui.services import problems
from inspect_tui.store import open_store

path, name, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
store = open_store(path, user=name, device_id=name)
for n in range(count):
    problems.add_problem(store, unit="SDC", description=f"{name}-{n}", deadline=dt.date(2027, 1, 1))
print("done", count)
"""


@pytest.mark.parametrize("writers", [2, 4])
def test_several_processes_writing_at_once_lose_nothing(
    store: Store, db_path: Path, writers: int, request
) -> None:
    seconds = 30 if request.config.getoption("--soak") else 0
    count = 40 if not seconds else 100_000
    store.close()
    procs = []
    for n in range(writers):
        args = [sys.executable, "-c", WRITER, str(db_path), f"w{n}", str(count)]
        procs.append(
            subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        )
    if seconds:  # the soak: let them run, then stop them all
        import time

        time.sleep(seconds)
        for proc in procs:
            proc.terminate()
    results = [proc.communicate(timeout=300) for proc in procs]
    with open_store(db_path) as reopened:
        for n, (_out, err) in enumerate(results):
            assert "Traceback" not in err, err  # no "database is locked", no crash
            written = reopened.scalar(
                "SELECT count(*) FROM problems WHERE description LIKE ?", (f"w{n}-%",)
            )
            if not seconds:
                assert written == count, err
            events = reopened.scalar(
                "SELECT count(*) FROM problem_events e JOIN problems p ON p.id = e.problem_id "
                "WHERE p.description LIKE ?",
                (f"w{n}-%",),
            )
            assert events == written  # every write whole: a problem and its history together
        assert reopened.scalar("PRAGMA integrity_check") == "ok"


def test_a_clock_set_back_keeps_histories_and_merges_in_order(
    store: Store, clock: FixedClock
) -> None:
    clock.set(dt.datetime(2026, 12, 10, 9, tzinfo=dt.UTC))
    problem = problems.add_problem(
        store,
        unit="SDC",
        description="時鐘測試",
        deadline=dt.date(2026, 12, 31),
        found_on=dt.date(2026, 10, 20),
    )
    clock.set(dt.datetime(2026, 11, 1, 9, tzinfo=dt.UTC))  # someone set the laptop's clock back
    problems.record_rectification(
        store, problem.id, description="整改", done_on=dt.date(2026, 11, 1)
    )
    problems.submit_for_verification(store, problem.id)
    events = problems.history(store, problem.id)
    assert [e.action for e in events] == ["created", "start", "submit"]
    assert [e.at for e in events] == sorted(e.at for e in events)
    row = store.one("SELECT created_at, updated_at FROM problems WHERE id = ?", (problem.id,))
    assert row is not None and row["updated_at"] > row["created_at"]  # never older than before
    # overdue is judged against the (set-back) today: nothing here is overdue yet
    assert problems.count_overdue(store, clock.today()) == 0


def test_writes_to_a_read_only_reopened_database_are_refused_with_a_message(
    store: Store, db_path: Path
) -> None:
    store.close()
    with open_store(db_path, readonly=True) as ro, pytest.raises(DatabaseError, match="read-only"):
        problems.add_problem(ro, unit="SDC", description="x", deadline=dt.date(2027, 1, 1))
    with open_store(db_path) as rw:
        assert rw.scalar("SELECT count(*) FROM problems") == 0


def test_the_app_refuses_a_damaged_file_and_says_to_restore(store: Store, db_path: Path) -> None:
    _damage(store, db_path)
    with pytest.raises(DatabaseError, match="restore it from a backup"):
        open_store(db_path)


def _damage(store: Store, db_path: Path) -> None:
    store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    store.close()
    with db_path.open("r+b") as fh:
        fh.seek(4096 * 3)
        fh.write(os.urandom(4096 * 3))


def test_the_check_after_start_up_finds_damage_and_stops_writes(
    store: Store, db_path: Path
) -> None:
    _damage(store, db_path)
    opened = open_store(db_path, quick_check=False)  # as the app opens: check later
    try:
        problem = opened.verify()
        assert problem is not None and "restore it from a backup" in problem
        assert opened.readonly
    finally:
        opened.close()


def test_a_check_stopped_on_quitting_neither_passes_nor_fails_the_file(
    store: Store, db_path: Path
) -> None:
    # damage that only a whole check finds: the last pages of a large table
    store.conn.execute("CREATE TABLE filler(x)")
    store.conn.executemany(
        "INSERT INTO filler VALUES (?)", ((os.urandom(200),) for _ in range(20_000))
    )
    store.conn.commit()
    store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    store.close()
    with db_path.open("r+b") as fh:
        fh.seek(-4096 * 3, os.SEEK_END)
        fh.write(b"\xff" * 4096 * 2)
    opened = open_store(db_path, quick_check=False)
    try:
        opened.stop_verify()  # the app quits: SQLite abandons the check at once
        assert opened.verify() is None
        assert not opened.readonly  # an unfinished check is not a damaged file
    finally:
        opened.close()
    opened = open_store(db_path, quick_check=False)
    try:
        assert "restore it from a backup" in (opened.verify() or "")  # checked in full
    finally:
        opened.close()


def test_sigkill_during_a_batch_of_notices_leaves_records_and_files_consistent(
    store: Store, db_path: Path, tmp_path: Path
) -> None:
    """Killed after the second notice of six: every recorded notice has its file with the
    recorded hash, every PDF with a final name is whole, serials recorded have no gaps."""
    import hashlib

    from pypdf import PdfReader

    codes = ["JG1", "JG2", "JG3", "SQPD", "SDC", "JXC"]
    for code in codes:
        problems.add_problem(
            store, unit=code, description=f"{code}的問題", deadline=dt.date(2027, 1, 1)
        )
    store.close()
    out = tmp_path / "out"
    out.mkdir()
    proc = run_child(
        f"""
        import os, signal
        from pathlib import Path
        from inspect_tui.services import notices
        from inspect_tui.store import open_store

        def progress(done, total, unit):
            if done == 2:
                os.kill(os.getpid(), signal.SIGKILL)

        store = open_store({str(db_path)!r}, user="張三", device_id="test-device")
        notices.issue_batch(store, {codes!r}, out_dir=Path({str(out)!r}), workers=1, progress=progress)
        """
    )
    assert proc.returncode == -9, proc.stderr
    with open_store(db_path) as reopened:
        recorded = reopened.all("SELECT serial, path, sha256 FROM notices ORDER BY serial")
        assert [r["serial"] for r in recorded] == list(range(1, len(recorded) + 1))
        for row in recorded:
            path = Path(row["path"])
            assert path.exists() and hashlib.sha256(path.read_bytes()).hexdigest() == row["sha256"]
        assert reopened.scalar("PRAGMA integrity_check") == "ok"
    for pdf in out.glob("*.pdf"):
        assert len(PdfReader(pdf).pages) >= 1  # no half-written file under a final name
