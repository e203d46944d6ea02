"""Opening the one SQLite file and writing to it safely.

The ``Store`` owns the connection. Every write goes through ``Store.write()``: one
``BEGIN IMMEDIATE`` transaction (so two app instances queue instead of failing), which
also tells the audit triggers who is writing. Reads use the same connection.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import random
import socket
import sqlite3
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

if TYPE_CHECKING:
    import sqlite_utils

from ..clock import Clock, SystemClock
from ..errors import DatabaseError, NeedsMigration, NewerSchemaError, NotFound
from ..i18n import t
from . import schema

SQLITE_HEADER = b"SQLite format 3\x00"
BUSY_TIMEOUT_S = 30.0
JSON_COLUMNS = frozenset({"team", "evidence", "rule", "data", "old", "new"})
# FTS5's trigram tokenizer (the problems search, schema 2) arrived in SQLite 3.34.
MIN_SQLITE = (3, 34, 0)


class Store:
    """An open inspect_tui database."""

    def __init__(
        self,
        conn: sqlite3.Connection,
        path: Path,
        *,
        clock: Clock,
        device_id: str,
        user: str,
        rng: random.Random,
        readonly: bool,
        readonly_reason: str = "",
    ) -> None:
        self.conn = conn
        self._db: sqlite_utils.Database | None = None
        self.path = path
        self.clock = clock
        self.device_id = device_id
        self.user = user
        self.rng = rng
        self.readonly = readonly
        self.readonly_reason = readonly_reason
        self._lock = threading.RLock()
        self._stop_verify = threading.Event()

    @property
    def db(self) -> sqlite_utils.Database:
        """sqlite-utils over the same connection, made on first use (40 ms of imports
        that start-up does not need)."""
        if self._db is None:
            import sqlite_utils

            self._db = sqlite_utils.Database(self.conn)
        return self._db

    # ------------------------------------------------------------------ lifecycle

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------ writing

    @contextmanager
    def write(self) -> Iterator[sqlite_utils.Database]:
        """One transaction for one user action; nested calls become savepoints."""
        if self.readonly:
            raise DatabaseError(self.readonly_reason or t("err.db_readonly"), where=str(self.path))
        with self._lock:
            if self.conn.in_transaction:
                with self.db.atomic():
                    yield self.db
                return
            try:
                self.conn.execute("BEGIN IMMEDIATE")
            except sqlite3.Error as exc:
                raise _translate(exc, self.path) from exc
            try:
                self.conn.execute(
                    "UPDATE _actor SET user = ?, device_id = ?, at = ? WHERE one = 1",
                    (self.user, self.device_id, self.now_iso()),
                )
                yield self.db
                self.conn.execute("UPDATE _actor SET user = NULL, device_id = NULL, at = NULL")
                self.conn.execute("COMMIT")
            except BaseException as exc:
                if self.conn.in_transaction:
                    self.conn.execute("ROLLBACK")
                if isinstance(exc, sqlite3.Error):
                    raise _translate(exc, self.path) from exc
                raise

    @contextmanager
    def audit_suspended(self) -> Iterator[None]:
        """Bulk loads (benchmark generator) skip the audit log; never used for user actions."""
        self.conn.execute("UPDATE _actor SET audit = 0")
        try:
            yield
        finally:
            self.conn.execute("UPDATE _actor SET audit = 1")

    def verify(self) -> str | None:
        """SQLite's quick_check, for callers that opened without it to start fast (the
        TUI runs it once the first screen is up). A damaged file turns the store
        read-only; the returned message says what to do."""
        conn = _connect(self.path, readonly=True)  # its own connection: never blocks writes
        # stop_verify() aborts the check within a few thousand SQLite steps
        conn.set_progress_handler(self._stop_verify.is_set, 10_000)
        try:
            _quick_check(conn, self.path)
        except _Interrupted:
            return None  # not checked: neither passed nor failed
        except DatabaseError as exc:
            self.readonly = True
            self.readonly_reason = exc.message
            return str(exc)
        finally:
            conn.close()
        return None

    def stop_verify(self) -> None:
        """Abandon a running (or any later) :meth:`verify`: the app is quitting, and a
        quick_check of a large file must not hold it up for seconds."""
        self._stop_verify.set()

    def new_id(self) -> str:
        return uuid.UUID(int=self.rng.getrandbits(128), version=4).hex

    @staticmethod
    def key_id(*parts: str) -> str:
        """The id of a row that has a natural key (a unit's code, an indicator's code in its
        system, an answer's inspection and indicator): two laptops that create the same
        thing apart give it the same id, so a merge sees one row, not two."""
        return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:32]

    def delete(self, table: str, row_id: str) -> None:
        """Delete a row; a trigger leaves a tombstone so the deletion travels in a merge."""
        with self.write() as db:
            db.table(table).delete(row_id)

    def register_device(self, name: str) -> None:
        """Name this device in the file (once; the user is kept current)."""
        if self.readonly:
            return
        now = self.now_iso()
        with self._lock:
            self.conn.execute(
                """INSERT INTO devices (id, name, user, first_seen, last_seen) VALUES (?, ?, ?, ?, ?)
                   ON CONFLICT (id) DO UPDATE SET user = excluded.user, last_seen = excluded.last_seen
                   WHERE devices.user != excluded.user""",
                (self.device_id, name, self.user, now, now),
            )

    def now_iso(self) -> str:
        return iso(self.clock.now())

    def stamp(self, row: dict[str, Any], *, new: bool = True) -> dict[str, Any]:
        """Fill the bookkeeping columns every row carries."""
        now = self.now_iso()
        if new:
            row.setdefault("id", self.new_id())
            row.setdefault("created_at", now)
        row["updated_at"] = now
        row["updated_by"] = self.user
        row["device_id"] = self.device_id
        return row

    def insert(self, table: str, row: dict[str, Any]) -> dict[str, Any]:
        # plain SQL: sqlite-utils' insert() introspects the table on every call, which is
        # most of the cost of an answer at the keyboard
        row = self.stamp(_encode(row))
        columns = ", ".join(f"[{c}]" for c in row)
        marks = ", ".join("?" * len(row))
        with self.write():
            self.conn.execute(
                f"INSERT INTO [{table}] ({columns}) VALUES ({marks})", tuple(row.values())
            )
        return row

    def update(self, table: str, row_id: str, changes: dict[str, Any]) -> None:
        changes = self.stamp(_encode(changes), new=False)
        with self.write():
            previous = self.scalar(f"SELECT updated_at FROM [{table}] WHERE id = ?", (row_id,))
            changes["updated_at"] = after(previous, changes["updated_at"])
            assignments = ", ".join(f"[{c}] = ?" for c in changes)
            self.conn.execute(
                f"UPDATE [{table}] SET {assignments} WHERE id = ?", (*changes.values(), row_id)
            )

    # ------------------------------------------------------------------ reading

    def get(self, table: str, row_id: str, what: str | None = None) -> dict[str, Any]:
        row = self.one(f"SELECT * FROM [{table}] WHERE id = ?", (row_id,))
        if row is None:
            from ..i18n import t

            raise NotFound(t("err.not_found", what=what or table, key=row_id))
        return row

    def one(self, sql: str, params: tuple[Any, ...] | dict[str, Any] = ()) -> dict[str, Any] | None:
        rows = self.all(sql, params)
        return rows[0] if rows else None

    def all(self, sql: str, params: tuple[Any, ...] | dict[str, Any] = ()) -> list[dict[str, Any]]:
        try:
            cursor = self.conn.execute(sql, params)
        except sqlite3.Error as exc:
            raise _translate(exc, self.path) from exc
        names = [d[0] for d in cursor.description]
        return [_decode(dict(zip(names, values, strict=True))) for values in cursor.fetchall()]

    def scalar(self, sql: str, params: tuple[Any, ...] | dict[str, Any] = ()) -> Any:
        row = self.conn.execute(sql, params).fetchone()
        return row[0] if row else None

    def meta(self, key: str) -> str | None:
        value = self.scalar("SELECT value FROM meta WHERE key = ?", (key,))
        return None if value is None else str(value)

    def set_meta(self, key: str, value: str) -> None:
        with self.write() as db:
            db.table("meta").upsert({"key": key, "value": value}, pk="key")

    @property
    def schema_version(self) -> int:
        return int(self.scalar("PRAGMA user_version"))


# ---------------------------------------------------------------------- opening


def open_store(
    path: Path | str,
    *,
    clock: Clock | None = None,
    user: str = "",
    device_id: str = "",
    seed: int | None = None,
    create: bool = True,
    readonly: bool = False,
    quick_check: bool = True,
) -> Store:
    """Open (or create) the database at ``path``.

    Refuses, with a ``DatabaseError`` naming the file, anything that is not a healthy
    inspect_tui database of this or an older schema version. Older files are backed up
    beside themselves and migrated forward.
    """
    path = Path(path).expanduser()
    _check_sqlite(str(path))
    clock = clock or SystemClock()
    rng = random.Random(seed) if seed is not None else random.SystemRandom()
    where = str(path)
    exists = path.exists()
    if exists:
        if path.is_dir():
            raise DatabaseError(t("err.db_is_dir"), where=where)
        _check_header(path)
    elif not create:
        raise DatabaseError(t("err.db_missing"), where=where)
    elif not path.parent.is_dir():
        raise DatabaseError(t("err.folder_missing", folder=path.parent), where=where)

    reason = ""
    if readonly:
        reason = t("err.opened_readonly")
    elif exists and not os.access(path, os.W_OK):
        readonly, reason = True, t("err.file_readonly")
    elif not os.access(path.parent, os.W_OK):
        if not exists:
            raise DatabaseError(t("err.db_cannot_create", folder=path.parent), where=where)
        readonly, reason = True, t("err.folder_readonly", folder=path.parent)

    conn = _connect(path, readonly)
    try:
        if quick_check and exists:
            _quick_check(conn, path)
        version = _prepare(conn, path, readonly=readonly, exists=exists and path.stat().st_size > 0)
        if version < schema.SCHEMA_VERSION:
            conn.close()
            _migrate(path, version)
            conn = _connect(path, readonly)
        if not readonly:
            conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("PRAGMA synchronous = NORMAL")
    except BaseException:
        conn.close()
        raise
    store = Store(
        conn,
        path,
        clock=clock,
        device_id=device_id or "unknown-device",
        user=user,
        rng=rng,
        readonly=readonly,
        readonly_reason=reason,
    )
    try:
        store.register_device(socket.gethostname())
    except sqlite3.Error as exc:
        store.close()
        raise _translate(exc, path) from exc
    return store


def _check_sqlite(where: str) -> None:
    """Refuse to start on an SQLite that cannot keep the problems search index: every write
    to a problem would fail halfway otherwise."""
    if sqlite3.sqlite_version_info < MIN_SQLITE:
        raise DatabaseError(
            f"needs SQLite {'.'.join(map(str, MIN_SQLITE))} or newer with FTS5; this Python "
            f"has SQLite {sqlite3.sqlite_version}. Install a newer Python",
            where=where,
        )


def _connect(path: Path, readonly: bool) -> sqlite3.Connection:
    try:
        if readonly:
            conn = sqlite3.connect(
                f"file:{quote(str(path))}?mode=ro",
                uri=True,
                isolation_level=None,
                check_same_thread=False,
                timeout=BUSY_TIMEOUT_S,
            )
        else:
            conn = sqlite3.connect(
                str(path), isolation_level=None, check_same_thread=False, timeout=BUSY_TIMEOUT_S
            )
    except sqlite3.Error as exc:
        raise _translate(exc, path) from exc
    return conn


def _check_header(path: Path) -> None:
    try:
        with path.open("rb") as fh:
            header = fh.read(len(SQLITE_HEADER))
    except OSError as exc:
        raise DatabaseError(t("err.cannot_read", reason=exc.strerror), where=str(path)) from exc
    if header and header != SQLITE_HEADER:
        raise DatabaseError(t("err.not_sqlite"), where=str(path))


class _Interrupted(Exception):
    """The check was stopped before it finished."""


def _quick_check(conn: sqlite3.Connection, path: Path) -> None:
    try:
        rows = [r[0] for r in conn.execute("PRAGMA quick_check").fetchall()]
    except sqlite3.DatabaseError as exc:
        if getattr(exc, "sqlite_errorcode", None) == sqlite3.SQLITE_INTERRUPT:
            raise _Interrupted from exc
        raise DatabaseError(t("err.damaged", reason=exc), where=str(path)) from exc
    if rows != ["ok"]:
        raise DatabaseError(t("err.damaged_no_write", reason=rows[0]), where=str(path))


def _prepare(conn: sqlite3.Connection, path: Path, *, readonly: bool, exists: bool) -> int:
    """Check the file is ours and not too new; create the schema in a new file."""
    where = str(path)
    try:
        app_id = conn.execute("PRAGMA application_id").fetchone()[0]
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        tables = conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
    except sqlite3.DatabaseError as exc:
        raise _translate(exc, path) from exc
    if app_id == 0 and version == 0 and tables == 0:
        if readonly:
            raise DatabaseError(t("err.db_empty_readonly"), where=where)
        _create(conn)
        return schema.SCHEMA_VERSION
    if app_id != schema.APPLICATION_ID:
        raise DatabaseError(t("err.not_ours"), where=where)
    if version > schema.SCHEMA_VERSION:
        raise NewerSchemaError(
            t("err.db_newer", version=version, supported=schema.SCHEMA_VERSION),
            where=where,
        )
    if version < schema.SCHEMA_VERSION and readonly:
        raise NeedsMigration(
            f"needs migrating from schema {version} to {schema.SCHEMA_VERSION}, but is read-only",
            where=where,
        )
    return int(version)


def _create(conn: sqlite3.Connection) -> None:
    conn.execute("BEGIN IMMEDIATE")
    try:
        for version in sorted(schema.MIGRATIONS):
            schema.MIGRATIONS[version](conn)
        schema.install_audit_triggers(conn)
        conn.execute(f"PRAGMA application_id = {schema.APPLICATION_ID}")
        conn.execute(f"PRAGMA user_version = {schema.SCHEMA_VERSION}")
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise


def backup_path(path: Path, version: int, moment: dt.datetime | None = None) -> Path:
    stamp = (moment or dt.datetime.now()).strftime("%Y%m%d-%H%M%S")
    return path.with_name(f"{path.name}.schema{version}-{stamp}.bak")


def _migrate(path: Path, version: int) -> None:
    """Back the file up beside itself, then run every step up to the current version in
    one transaction: a failure (or a kill) leaves the file as it was."""
    backup = backup_path(path, version)
    source = sqlite3.connect(str(path))
    try:
        target = sqlite3.connect(str(backup))
        with target:
            source.backup(target)
        target.close()
    finally:
        source.close()
    conn = sqlite3.connect(str(path), isolation_level=None)
    try:
        conn.execute("BEGIN IMMEDIATE")
        for step in range(version + 1, schema.SCHEMA_VERSION + 1):
            schema.MIGRATIONS[step](conn)
        schema.install_audit_triggers(conn)
        conn.execute(f"PRAGMA user_version = {schema.SCHEMA_VERSION}")
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    finally:
        conn.close()


def copy_database(source: Store, target: Path) -> None:
    """A consistent copy through SQLite's online backup (safe while others write)."""
    tmp = target.with_name(target.name + ".partial")
    try:
        dest = sqlite3.connect(str(tmp))
        try:
            source.conn.backup(dest)
        finally:
            dest.close()
        os.replace(tmp, target)  # the final name appears only when the copy is whole
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


# ---------------------------------------------------------------------- helpers


def after(previous: str | None, now: str) -> str:
    """``now``, or just after ``previous`` when the clock was set back: a change is never
    stamped earlier than the change before it (merges and histories order by time)."""
    if previous is None or now > previous:
        return now
    return iso(dt.datetime.fromisoformat(previous) + dt.timedelta(microseconds=1))


def iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat(timespec="microseconds")


def _encode(row: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in row.items():
        if key in JSON_COLUMNS and not isinstance(value, str) and value is not None:
            value = json.dumps(value, ensure_ascii=False, sort_keys=True)
        elif isinstance(value, dt.datetime):
            value = iso(value)
        elif isinstance(value, dt.date):
            value = value.isoformat()
        elif hasattr(value, "value") and isinstance(value.value, str):
            value = value.value  # enums
        out[key] = value
    return out


def _decode(row: dict[str, Any]) -> dict[str, Any]:
    for key in JSON_COLUMNS & row.keys():
        if isinstance(row[key], str):
            row[key] = json.loads(row[key])
    return row


def _translate(exc: sqlite3.Error, path: Path) -> DatabaseError:
    """Turn SQLite's errors into messages a person can act on."""
    text = str(exc)
    lowered = text.lower()
    if "readonly" in lowered or "read-only" in lowered:
        message = "cannot be written: the file or its folder is read-only; nothing was saved"
    elif "disk is full" in lowered or "disk i/o" in lowered:
        message = f"cannot be written ({text}); nothing was saved — free some space and try again"
    elif "locked" in lowered or "busy" in lowered:
        message = "is busy: another program held it too long; nothing was saved, try again"
    elif "not a database" in lowered or "malformed" in lowered:
        message = "is damaged or not an SQLite database; restore it from a backup"
    else:
        message = text
    return DatabaseError(message, where=str(path))
