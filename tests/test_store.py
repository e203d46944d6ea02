"""The store on real SQLite files: schema, transactions, audit log, bad files, migrations."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest

from inspect_tui.clock import FixedClock
from inspect_tui.errors import DatabaseError, NewerSchemaError
from inspect_tui.store import SCHEMA_VERSION, Store, open_store
from inspect_tui.store import schema as schema_module
from inspect_tui.store.schema import APPLICATION_ID, AUDITED


def raw(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(str(path))


def test_a_new_file_is_ready_with_wal_foreign_keys_and_version(
    empty_store: Store, db_path: Path
) -> None:
    assert empty_store.scalar("PRAGMA journal_mode") == "wal"
    assert empty_store.scalar("PRAGMA foreign_keys") == 1
    with raw(db_path) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert conn.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID


def test_every_row_carries_id_times_and_device(store: Store) -> None:
    for table in ("units", "checklists", "indicators"):
        row = store.one(f"SELECT * FROM {table} LIMIT 1")
        assert row is not None
        assert len(row["id"]) == 32 and int(row["id"], 16)  # random 128-bit, not a counter
        assert row["created_at"].startswith("2026-11-30T09:00")
        assert row["updated_at"] and row["device_id"] == "test-device"


def test_ids_do_not_repeat_across_stores(tmp_path: Path, clock: FixedClock) -> None:
    ids = set()
    for n in range(3):
        with open_store(tmp_path / f"{n}.db", clock=clock, device_id=f"d{n}") as s:
            ids |= {s.new_id() for _ in range(1000)}
    assert len(ids) == 3000


def test_every_change_lands_in_the_audit_log_with_who_and_old_and_new(store: Store) -> None:
    unit = store.one("SELECT * FROM units WHERE code = 'JGDZZ'")
    assert unit is not None
    store.update("units", unit["id"], {"secretary": "王五"})
    entry = store.one(
        "SELECT * FROM audit_log WHERE table_name = 'units' AND row_id = ? AND action = 'update'",
        (unit["id"],),
    )
    assert entry is not None
    assert entry["user"] == "張三" and entry["device_id"] == "test-device"
    assert entry["old"]["secretary"] == unit["secretary"]
    assert entry["new"]["secretary"] == "王五"


def test_audit_log_is_append_only(store: Store, db_path: Path) -> None:
    with raw(db_path) as conn:
        with pytest.raises(sqlite3.DatabaseError, match="append-only"):
            conn.execute("DELETE FROM audit_log")
        with pytest.raises(sqlite3.DatabaseError, match="append-only"):
            conn.execute("UPDATE audit_log SET user = 'x'")


def test_writes_by_another_tool_are_logged_too(store: Store, db_path: Path) -> None:
    before = store.scalar("SELECT count(*) FROM audit_log")
    with raw(db_path) as conn:
        conn.execute("UPDATE units SET members = 99 WHERE code = 'JGDZZ'")
    entry = store.one("SELECT * FROM audit_log ORDER BY rowid DESC LIMIT 1")
    assert store.scalar("SELECT count(*) FROM audit_log") == before + 1
    assert entry is not None and entry["user"] is None  # not written through the app: no name


def test_a_failed_action_leaves_nothing_behind(store: Store) -> None:
    before = (
        store.scalar("SELECT count(*) FROM units"),
        store.scalar("SELECT count(*) FROM audit_log"),
    )
    with pytest.raises(RuntimeError), store.write():
        store.insert("units", {"code": "TMP", "name": "臨時", "kind": "branch"})
        raise RuntimeError("power cut")
    after = (
        store.scalar("SELECT count(*) FROM units"),
        store.scalar("SELECT count(*) FROM audit_log"),
    )
    assert after == before


def test_readable_names_in_any_sqlite_tool(store: Store, db_path: Path) -> None:
    with raw(db_path) as conn:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert set(AUDITED) | {"audit_log", "meta"} <= tables


def test_indexes_serve_the_hot_queries(store: Store) -> None:
    plans = {
        "open problems of a unit": "SELECT * FROM problems WHERE unit_id = 'x' AND state != 'closed' ORDER BY deadline",
        "overdue problems": "SELECT * FROM problems WHERE state != 'closed' AND deadline < '2026-11-30' ORDER BY deadline",
        "a month's results": "SELECT * FROM monthly_results WHERE month = '2026-10' ORDER BY rank",
    }
    for name, sql in plans.items():
        plan = " ".join(r["detail"] for r in store.all("EXPLAIN QUERY PLAN " + sql))
        assert "USING INDEX" in plan or "USING COVERING INDEX" in plan, f"{name}: {plan}"


# ---------------------------------------------------------------------- bad files


def test_not_sqlite_is_refused_by_name(tmp_path: Path) -> None:
    path = tmp_path / "notes.db"
    path.write_text("just some text, not a database\n" * 10)
    with pytest.raises(DatabaseError, match="not an SQLite database") as err:
        open_store(path)
    assert str(path) in str(err.value)
    assert path.read_text().startswith("just some text")


def test_another_apps_sqlite_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "other.db"
    with raw(path) as conn:
        conn.execute("CREATE TABLE t (x)")
    with pytest.raises(DatabaseError, match="not an inspect_tui database"):
        open_store(path)


def test_a_corrupt_file_is_refused_with_what_to_do(store: Store, db_path: Path) -> None:
    store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    store.close()
    size = db_path.stat().st_size
    with db_path.open("r+b") as fh:  # scribble over pages after the header
        fh.seek(4096 * 2)
        fh.write(os.urandom(min(4096 * 4, size - 4096 * 2)))
    before = db_path.read_bytes()
    with pytest.raises(DatabaseError, match="damaged|restore"):
        open_store(db_path)
    assert db_path.read_bytes() == before


def test_a_newer_schema_is_refused_and_left_alone(empty_store: Store, db_path: Path) -> None:
    empty_store.conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    empty_store.close()
    before = db_path.read_bytes()
    with pytest.raises(NewerSchemaError, match="newer inspect_tui"):
        open_store(db_path)
    assert db_path.read_bytes() == before


def test_an_sqlite_without_trigram_search_is_named_before_anything_is_written(
    empty_store: Store, db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    empty_store.close()
    before = db_path.read_bytes()
    monkeypatch.setattr(sqlite3, "sqlite_version_info", (3, 31, 1))
    monkeypatch.setattr(sqlite3, "sqlite_version", "3.31.1")
    with pytest.raises(DatabaseError, match=r"needs SQLite 3\.34\.0 or newer.*has SQLite 3\.31\.1"):
        open_store(db_path)
    assert db_path.read_bytes() == before


def test_a_read_only_file_opens_for_reading_and_refuses_writes(store: Store, db_path: Path) -> None:
    store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    store.close()
    db_path.chmod(0o444)
    try:
        if os.access(db_path, os.W_OK):
            pytest.skip("running as a user who can write read-only files (root)")
        with open_store(db_path) as ro:
            assert ro.readonly
            assert ro.scalar("SELECT count(*) FROM units") == 29
            with pytest.raises(DatabaseError, match="read-only"):
                ro.insert("units", {"code": "X", "name": "X", "kind": "branch"})
    finally:
        db_path.chmod(0o644)


def test_read_only_mode_refuses_writes_even_as_root(store: Store, db_path: Path) -> None:
    store.close()
    with open_store(db_path, readonly=True) as ro, pytest.raises(DatabaseError, match="read-only"):
        ro.insert("units", {"code": "X", "name": "X", "kind": "branch"})
    with open_store(db_path) as rw:
        assert rw.scalar("SELECT count(*) FROM units WHERE code = 'X'") == 0


def test_sqlite_refusing_a_write_becomes_a_clear_message(store: Store, db_path: Path) -> None:
    """A disk that turns read-only under the app (simulated with query_only)."""
    store.conn.execute("PRAGMA query_only = 1")
    with pytest.raises(DatabaseError, match="nothing was saved"):
        store.insert("units", {"code": "X", "name": "X", "kind": "branch"})
    store.conn.execute("PRAGMA query_only = 0")
    assert store.scalar("SELECT count(*) FROM units WHERE code = 'X'") == 0


def test_a_directory_or_missing_folder_is_named(tmp_path: Path) -> None:
    with pytest.raises(DatabaseError, match="directory"):
        open_store(tmp_path)
    with pytest.raises(DatabaseError, match="does not exist"):
        open_store(tmp_path / "no" / "such" / "x.db")


# ---------------------------------------------------------------------- migrations

NEXT = SCHEMA_VERSION + 1  # a step after the current schema, for the migration machinery


def test_an_older_file_is_backed_up_then_migrated(
    store: Store, db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store.close()

    def to_next(conn: sqlite3.Connection) -> None:
        conn.execute("ALTER TABLE problems ADD COLUMN ongoing INTEGER NOT NULL DEFAULT 0")

    monkeypatch.setattr(schema_module, "SCHEMA_VERSION", NEXT)
    monkeypatch.setitem(schema_module.MIGRATIONS, NEXT, to_next)
    with open_store(db_path) as migrated:
        assert migrated.schema_version == NEXT
        assert "ongoing" in {r["name"] for r in migrated.all("PRAGMA table_info(problems)")}
        assert migrated.scalar("SELECT count(*) FROM units") == 29
        # the audit triggers follow the new column
        migrated.conn.execute("UPDATE problems SET ongoing = 1")
    backups = list(db_path.parent.glob(f"inspect.db.schema{SCHEMA_VERSION}-*.bak"))
    assert len(backups) == 1
    with raw(backups[0]) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert conn.execute("SELECT count(*) FROM units").fetchone()[0] == 29


def test_a_failing_migration_leaves_the_file_as_it_was(
    store: Store, db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store.close()

    def broken(conn: sqlite3.Connection) -> None:
        conn.execute("ALTER TABLE units ADD COLUMN extra TEXT")
        raise RuntimeError("bug in migration")

    monkeypatch.setattr(schema_module, "SCHEMA_VERSION", NEXT)
    monkeypatch.setitem(schema_module.MIGRATIONS, NEXT, broken)
    with pytest.raises(RuntimeError):
        open_store(db_path)
    with raw(db_path) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert "extra" not in {r[1] for r in conn.execute("PRAGMA table_info(units)")}
