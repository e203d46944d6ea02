"""Merging databases from several laptops into one, losing nothing.

The mechanism is the audit log. Triggers copy every change of every row into
``audit_log`` (an append-only set of entries with random ids), so a file knows, for each
row, exactly which changes it has seen. Merging B into A:

1. Rows B has and A lacks are inserted (unless A deleted them — see tombstones).
2. For a row that differs, compare the sets of audit entries for that row: if B has no
   entry A lacks, A is ahead and keeps its row; if A has none B lacks, B is ahead and its
   row is taken. If both have entries the other lacks, the row was changed on both
   laptops since they last met. Then the row is merged column by column against the
   version both last saw (the newest audit entry the two logs share): a column changed
   on one side only takes that change. A column changed differently on both sides is a
   **conflict**: the value of the later row by ``(updated_at, device_id)`` is kept — the
   same answer whichever way the merge runs — and both versions are kept in
   ``conflicts`` for a person to resolve. Rows that differ only in bookkeeping (who last
   touched them) take the later bookkeeping, with no conflict.
3. Deletions travel as tombstones. A row deleted on one laptop and changed on the other
   since they met is a ``delete_vs_update`` conflict: the changed row stays.
4. The audit log, problem histories, seals, devices and conflicts are unions of sets.
5. Notices with the same serial (organ, year, number) issued apart both stay and are
   listed as a ``duplicate_serial`` conflict.

Rows with a natural key (units by code, indicator systems by code and version, answers
by inspection and indicator) get ids derived from that key, so laptops that created the
same thing apart produce one row. The whole merge is one transaction; the audit triggers
are off inside it (the merge copies rows and their log entries as they are), and a
killed merge leaves the target as it was.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import tempfile
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

from ..errors import DatabaseError, NeedsMigration
from ..i18n import t
from ..store import Store, open_store
from ..store.schema import MERGED

BOOKKEEPING = ("created_at", "updated_at", "updated_by", "device_id")
MERGED_TABLES = (*MERGED, "conflicts")

Progress = Callable[[str, int, int], None]


@dataclass
class MergeSummary:
    source: str
    inserted: Counter[str] = field(default_factory=Counter)
    updated: Counter[str] = field(default_factory=Counter)
    deleted: Counter[str] = field(default_factory=Counter)
    conflicts: int = 0
    audit_entries: int = 0
    dry_run: bool = False

    @property
    def changes(self) -> int:
        return sum(self.inserted.values()) + sum(self.updated.values()) + sum(self.deleted.values())

    def describe(self) -> str:
        def part(label: str, counts: Counter[str]) -> str:
            inner = ", ".join(f"{table} {n}" for table, n in sorted(counts.items()) if n)
            return f"{label} {sum(counts.values())}" + (f" ({inner})" if inner else "")

        verb = "would change" if self.dry_run else "changed"
        return (
            f"{self.source}: {verb} {self.changes} row(s) — {part('inserted', self.inserted)}; "
            f"{part('updated', self.updated)}; {part('deleted', self.deleted)}; "
            f"{self.conflicts} new conflict(s); {self.audit_entries} audit entr(y/ies) added"
        )


class _DryRun(Exception):
    pass


def merge_file(
    target: Store,
    source: Path,
    *,
    dry_run: bool = False,
    progress: Progress | None = None,
    full: bool = False,
) -> MergeSummary:
    """Bring everything from ``source`` into ``target`` in one transaction.

    Only rows with audit entries the target has not seen are compared, so the time follows
    the number of changes, not the size of the files. ``full`` compares every row instead
    (for files written with auditing off, such as the benchmark generator's).
    """
    source = Path(source)
    _refuse_bad_source(target, source)
    summary = MergeSummary(source=str(source), dry_run=dry_run)
    with (
        _readable_copy(source) as path,
        _HealthCheck(path, where=str(source)) as healthy,
        _attached(target, path),
    ):
        try:
            with target.write():
                target.conn.execute("UPDATE _actor SET audit = 0")
                target.conn.execute("PRAGMA defer_foreign_keys = ON")
                _merge_all(target, summary, progress, full=full)
                target.conn.execute("UPDATE _actor SET audit = 1")
                healthy.wait()  # a damaged source rolls the merge back
                if dry_run:
                    raise _DryRun
        except _DryRun:
            pass
        except DatabaseError:
            healthy.wait()  # a damaged source explains the failure better than its symptom
            raise
    return summary


class _HealthCheck:
    """SQLite's quick_check of the source, run on its own connection in a thread while
    the merge compares rows (SQLite releases the GIL, so on two cores the check costs
    next to nothing; on a 1.4 GB file it takes two seconds). The merge commits only
    after the check has passed."""

    def __init__(self, path: Path, *, where: str) -> None:
        self.path, self.where = path, where
        self.problem: str | None = None
        self.thread = threading.Thread(target=self._run, name="merge-source-check", daemon=True)

    def __enter__(self) -> _HealthCheck:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.thread.join()

    def _run(self) -> None:
        try:
            conn = sqlite3.connect(f"file:{quote(str(self.path))}?mode=ro", uri=True)
            try:
                rows = [r[0] for r in conn.execute("PRAGMA quick_check").fetchall()]
            finally:
                conn.close()
            if rows != ["ok"]:
                self.problem = rows[0]
        except sqlite3.DatabaseError as exc:
            self.problem = str(exc)

    def wait(self) -> None:
        self.thread.join()
        if self.problem:
            raise DatabaseError(
                t("err.merge_source_damaged", reason=self.problem),
                where=self.where,
            )


def _refuse_bad_source(target: Store, source: Path) -> None:
    where = str(source)
    if not source.exists():
        raise DatabaseError(t("err.db_missing"), where=where)
    if source.is_dir():
        raise DatabaseError(t("err.db_is_dir"), where=where)
    if not os.access(source, os.R_OK):
        raise DatabaseError(t("err.cannot_read", reason=t("err.no_permission")), where=where)
    if source.resolve() == target.path.resolve() or os.path.samefile(source, target.path):
        raise DatabaseError(t("err.merge_self"), where=where)


@contextmanager
def _readable_copy(source: Path) -> Iterator[Path]:
    """The source itself when it is healthy and current; an older one is migrated in a
    temporary copy (the original is never written)."""
    try:
        # the header and schema version; the whole file is checked during the merge
        open_store(source, readonly=True, quick_check=False).close()
        yield source
        return
    except NeedsMigration:
        pass
    folder = Path(tempfile.mkdtemp(prefix="inspect-tui-merge-"))
    try:
        copy = folder / source.name
        src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
        dst = sqlite3.connect(str(copy))
        try:
            src.backup(dst)
        finally:
            dst.close()
            src.close()
        open_store(copy).close()  # migrates the copy forward
        yield copy
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@contextmanager
def _attached(target: Store, path: Path) -> Iterator[None]:
    target.conn.execute("ATTACH DATABASE ? AS src", (str(path),))
    try:
        yield
    finally:
        target.conn.execute("DETACH DATABASE src")


def _columns(store: Store, table: str) -> list[str]:
    return [r[1] for r in store.conn.execute(f"PRAGMA main.table_info({table})")]


def _merge_all(
    target: Store, summary: MergeSummary, progress: Progress | None, *, full: bool = False
) -> None:
    steps = len(MERGED_TABLES) + 2
    new_conflicts: list[dict[str, Any]] = []
    # the changes the target has not seen: the source's audit entries it lacks
    target.conn.execute("DROP TABLE IF EXISTS temp.merge_new")
    target.conn.execute(
        """CREATE TEMP TABLE merge_new AS
           SELECT a.id, a.table_name, a.row_id FROM src.audit_log a
           WHERE NOT EXISTS (SELECT 1 FROM main.audit_log b WHERE b.id = a.id)"""
    )
    target.conn.execute("CREATE INDEX temp.merge_new_row ON merge_new(table_name, row_id)")
    # evidence bytes first (content-addressed: a blob present on both sides is one blob)
    blobs = (
        ""
        if full
        else (
            "AND s.sha256 IN (SELECT a.sha256 FROM src.attachments a WHERE a.id IN "
            "(SELECT row_id FROM temp.merge_new WHERE table_name = 'attachments'))"
        )
    )
    summary.inserted["blobs"] += max(
        target.conn.execute(
            f"""INSERT INTO main.blobs SELECT * FROM src.blobs s
               WHERE NOT EXISTS (SELECT 1 FROM main.blobs m WHERE m.sha256 = s.sha256) {blobs}"""
        ).rowcount,
        0,
    )
    for index, table in enumerate(MERGED_TABLES):
        if progress:
            progress(table, index, steps)
        if table == "notice_problems":
            cursor = target.conn.execute(
                "INSERT OR IGNORE INTO main.notice_problems SELECT * FROM src.notice_problems"
            )
            summary.inserted[table] += max(cursor.rowcount, 0)
            continue
        _merge_table(target, table, summary, new_conflicts, full=full)
    if progress:
        progress("tombstones", steps - 2, steps)
    _merge_tombstones(target, summary, new_conflicts)
    new_conflicts += _duplicate_serials(target)
    if progress:
        progress("audit log", steps - 1, steps)
    summary.audit_entries = target.conn.execute(
        "INSERT OR IGNORE INTO main.audit_log SELECT * FROM src.audit_log "
        "WHERE id IN (SELECT id FROM temp.merge_new) ORDER BY rowid"  # keep the source order
    ).rowcount
    target.conn.execute("INSERT OR IGNORE INTO main.seals SELECT * FROM src.seals")
    target.conn.execute(
        """INSERT INTO main.devices SELECT * FROM src.devices WHERE true
           ON CONFLICT (id) DO UPDATE SET last_seen = max(devices.last_seen, excluded.last_seen)"""
    )
    for conflict in new_conflicts:
        cursor = target.conn.execute(
            """INSERT OR IGNORE INTO conflicts (id, kind, table_name, row_id, kept, other, detected_at,
                   created_at, updated_at, updated_by, device_id)
               VALUES (:id, :kind, :table_name, :row_id, :kept, :other, :at, :at, :at, :by, :device)""",
            conflict | {"at": target.now_iso(), "by": target.user, "device": target.device_id},
        )
        summary.conflicts += cursor.rowcount
    target.conn.execute(
        "INSERT INTO merges (id, at, by, source, summary) VALUES (?, ?, ?, ?, ?)",
        (target.new_id(), target.now_iso(), target.user, summary.source, summary.describe()),
    )
    if progress:
        progress("done", steps, steps)


def _merge_table(
    target: Store,
    table: str,
    summary: MergeSummary,
    conflicts: list[dict[str, Any]],
    *,
    full: bool = False,
) -> None:
    columns = _columns(target, table)
    differs = " OR ".join(f"NOT (m.[{c}] IS s.[{c}])" for c in columns)
    select = ", ".join(f"s.[{c}]" for c in columns)
    mine = ", ".join(f"m.[{c}] AS [m_{c}]" for c in columns)
    changed = (
        ""
        if full
        else (f"s.id IN (SELECT row_id FROM temp.merge_new WHERE table_name = '{table}') AND ")
    )
    rows = target.conn.execute(
        f"""SELECT {select}, m.id IS NULL AS _missing, {mine}
            FROM src.[{table}] s LEFT JOIN main.[{table}] m ON m.id = s.id
            WHERE {changed}(m.id IS NULL OR {differs})"""
    ).fetchall()
    width = len(columns)
    content = [c for c in columns if c not in BOOKKEEPING]
    placeholders = ", ".join("?" * width)
    assignments = ", ".join(f"[{c}] = ?" for c in columns)
    for values in rows:
        theirs = dict(zip(columns, values[:width], strict=True))
        row_id = theirs["id"]
        if values[width]:  # the target has no such row
            if _tombstoned(target, table, row_id):
                unseen = _unseen(target, table, row_id, "src", "main")
                if not unseen:
                    continue  # deleted here after the last change there: stays deleted
                target.conn.execute(
                    "DELETE FROM main.tombstones WHERE table_name = ? AND row_id = ?",
                    (table, row_id),
                )
                conflicts.append(_conflict("delete_vs_update", table, row_id, theirs, None))
            target.conn.execute(
                f"INSERT INTO main.[{table}] ({', '.join(f'[{c}]' for c in columns)}) VALUES ({placeholders})",
                values[:width],
            )
            summary.inserted[table] += 1
            continue
        ours = dict(zip(columns, values[width + 1 :], strict=True))
        if all(ours[c] == theirs[c] for c in content):
            merged = dict(_later(ours, theirs))
        else:
            theirs_new = _unseen(target, table, row_id, "src", "main")
            ours_new = _unseen(target, table, row_id, "main", "src")
            if not theirs_new and ours_new:
                continue  # we are ahead
            if theirs_new and not ours_new:
                merged = theirs
            else:
                merged, clash = _three_way(_base(target, table, row_id), ours, theirs, content)
                if clash:
                    loser = ours if _later(ours, theirs) is theirs else theirs
                    conflicts.append(_conflict("concurrent_update", table, row_id, merged, loser))
        if merged != ours:
            target.conn.execute(
                f"UPDATE main.[{table}] SET {assignments} WHERE id = ?",
                (*(merged[c] for c in columns), row_id),
            )
            summary.updated[table] += 1


def _base(target: Store, table: str, row_id: str) -> dict[str, Any] | None:
    """The row as both sides last saw it: the newest audit entry the two logs share."""
    row = target.conn.execute(
        """SELECT a.new FROM main.audit_log a WHERE a.table_name = ? AND a.row_id = ?
           AND a.new IS NOT NULL AND EXISTS (SELECT 1 FROM src.audit_log b WHERE b.id = a.id)
           ORDER BY a.at DESC, a.id DESC LIMIT 1""",
        (table, row_id),
    ).fetchone()
    return json.loads(row[0]) if row else None


_MISSING = object()


def _three_way(
    base: dict[str, Any] | None, ours: dict[str, Any], theirs: dict[str, Any], content: list[str]
) -> tuple[dict[str, Any], bool]:
    """Column by column: a column changed on one side only takes that change; a column
    changed differently on both sides is a clash, decided by the later row."""
    later = _later(ours, theirs)
    merged = dict(later)  # bookkeeping columns of the later side
    clash = False
    for column in content:
        mine, yours = ours[column], theirs[column]
        if mine == yours:
            merged[column] = mine
            continue
        before = base.get(column, _MISSING) if base is not None else _MISSING
        if before is not _MISSING and mine == before:
            merged[column] = yours
        elif before is not _MISSING and yours == before:
            merged[column] = mine
        else:
            merged[column] = later[column]
            clash = True
    return merged, clash


def _merge_tombstones(
    target: Store, summary: MergeSummary, conflicts: list[dict[str, Any]]
) -> None:
    rows = target.conn.execute(
        """SELECT s.table_name, s.row_id FROM src.tombstones s
           WHERE NOT EXISTS (SELECT 1 FROM main.tombstones m
                             WHERE m.table_name = s.table_name AND m.row_id = s.row_id)"""
    ).fetchall()
    for table, row_id in rows:
        if table not in MERGED_TABLES:
            continue
        exists = target.conn.execute(
            f"SELECT * FROM main.[{table}] WHERE id = ?", (row_id,)
        ).fetchone()
        if exists is not None:
            if _unseen(target, table, row_id, "main", "src"):
                ours = dict(zip(_columns(target, table), exists, strict=True))
                conflicts.append(_conflict("delete_vs_update", table, row_id, ours, None))
                continue  # changed here since: the row stays, the conflict is listed
            target.conn.execute(f"DELETE FROM main.[{table}] WHERE id = ?", (row_id,))
            summary.deleted[table] += 1
        target.conn.execute(
            "INSERT OR IGNORE INTO main.tombstones SELECT * FROM src.tombstones WHERE table_name = ? AND row_id = ?",
            (table, row_id),
        )


def _duplicate_serials(target: Store) -> list[dict[str, Any]]:
    out = []
    for organ, year, serial, ids in target.conn.execute(
        """SELECT organ, year, serial, group_concat(id, ' ') FROM main.notices
           GROUP BY organ, year, serial HAVING count(*) > 1"""
    ).fetchall():
        members = sorted(ids.split())
        out.append(
            {
                "id": Store.key_id(
                    "conflict", "duplicate_serial", organ, str(year), str(serial), *members
                ),
                "kind": "duplicate_serial",
                "table_name": "notices",
                "row_id": members[-1],
                "kept": json.dumps(
                    {"organ": organ, "year": year, "serial": serial, "ids": members},
                    ensure_ascii=False,
                ),
                "other": None,
            }
        )
    return out


def _tombstoned(target: Store, table: str, row_id: str) -> bool:
    return (
        target.conn.execute(
            "SELECT 1 FROM main.tombstones WHERE table_name = ? AND row_id = ?", (table, row_id)
        ).fetchone()
        is not None
    )


def _unseen(target: Store, table: str, row_id: str, side: str, other: str) -> bool:
    """Whether ``side`` has a change to the row that ``other`` has not seen."""
    return (
        target.conn.execute(
            f"""SELECT 1 FROM {side}.audit_log a WHERE a.table_name = ? AND a.row_id = ?
                AND NOT EXISTS (SELECT 1 FROM {other}.audit_log b WHERE b.id = a.id) LIMIT 1""",
            (table, row_id),
        ).fetchone()
        is not None
    )


def _later(ours: dict[str, Any], theirs: dict[str, Any]) -> dict[str, Any]:
    """The deterministic rule: the later (updated_at, device_id, content) wins."""

    def key(row: dict[str, Any]) -> tuple[str, str, str]:
        return (
            row["updated_at"] or "",
            row["device_id"] or "",
            json.dumps(row, sort_keys=True, default=str),
        )

    return theirs if key(theirs) > key(ours) else ours


def _conflict(
    kind: str, table: str, row_id: str, kept: dict[str, Any], other: dict[str, Any] | None
) -> dict[str, Any]:
    def digest(row: dict[str, Any] | None) -> str:
        return (
            hashlib.sha256(json.dumps(row, sort_keys=True, default=str).encode()).hexdigest()
            if row
            else ""
        )

    versions = sorted([digest(kept), digest(other)])
    return {
        "id": Store.key_id("conflict", kind, table, row_id, *versions),
        "kind": kind,
        "table_name": table,
        "row_id": row_id,
        "kept": json.dumps(kept, ensure_ascii=False, sort_keys=True, default=str),
        "other": json.dumps(other, ensure_ascii=False, sort_keys=True, default=str)
        if other
        else None,
    }


# ---------------------------------------------------------------------- conflicts


def list_conflicts(store: Store, *, include_resolved: bool = False) -> list[dict[str, Any]]:
    where = "" if include_resolved else "WHERE resolved_at IS NULL"
    return store.all(f"SELECT * FROM conflicts {where} ORDER BY detected_at, id")


def resolve_conflict(store: Store, conflict_id: str, *, note: str) -> dict[str, Any]:
    """A person looked at it: mark it resolved with a note (the kept row stays as it is)."""
    from ..errors import InvalidInput, NotFound
    from ..rules import clean_text

    rows = store.all(
        "SELECT * FROM conflicts WHERE id = ? OR id LIKE ?", (conflict_id, conflict_id + "%")
    )
    if not rows:
        raise NotFound(f"no conflict {conflict_id!r}")
    if len(rows) > 1:
        raise InvalidInput(f"{conflict_id!r} matches {len(rows)} conflicts; give more of the id")
    row = rows[0]
    if row["resolved_at"]:
        raise InvalidInput(f"conflict {row['id'][:8]} was already resolved by {row['resolved_by']}")
    note = clean_text("note", note, limit=2000, required=True)
    store.update(
        "conflicts",
        row["id"],
        {"resolved_at": store.now_iso(), "resolved_by": store.user, "resolution": note},
    )
    return store.get("conflicts", row["id"])
