"""Reading the audit trail, and backups."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import DatabaseError
from ..i18n import t
from ..store import Store, copy_database

BACKUP_REMINDER_DAYS = 7


def audit_entries(
    store: Store,
    *,
    unit_id: str | None = None,
    since: dt.date | None = None,
    limit: int = 500,
    offset: int = 0,
) -> list[dict[str, Any]]:
    """Newest first. ``unit_id`` keeps changes to the unit and to everything that belongs
    to it (its inspections and their answers, its problems and their histories)."""
    clauses: list[str] = []
    if since:
        clauses.append("at >= :since")
    if unit_id:
        clauses.append(
            """(
            (table_name = 'units' AND row_id = :unit)
            OR json_extract(coalesce(new, old), '$.unit_id') = :unit
            OR json_extract(coalesce(new, old), '$.inspection_id')
                IN (SELECT id FROM inspections WHERE unit_id = :unit)
            OR json_extract(coalesce(new, old), '$.problem_id')
                IN (SELECT id FROM problems WHERE unit_id = :unit)
            )"""
        )
    where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
    sql = (
        f"SELECT * FROM audit_log {where} ORDER BY at DESC, rowid DESC LIMIT :limit OFFSET :offset"
    )
    named: dict[str, Any] = {"unit": unit_id, "limit": limit, "offset": offset}
    if since:
        named["since"] = since.isoformat()
    return store.all(sql, named)


def changed_fields(entry: dict[str, Any]) -> dict[str, tuple[Any, Any]]:
    """old → new of the columns an entry changed (bookkeeping left out)."""
    old, new = entry.get("old") or {}, entry.get("new") or {}
    skip = {"updated_at", "updated_by", "device_id", "created_at"}
    keys = (set(old) | set(new)) - skip
    return {k: (old.get(k), new.get(k)) for k in sorted(keys) if old.get(k) != new.get(k)}


def backup(store: Store, out: Path) -> Path:
    """A consistent copy while the app may be writing (SQLite's online backup)."""
    if out.exists():
        raise DatabaseError(t("err.backup_exists"), where=str(out))
    if not out.parent.is_dir():
        raise DatabaseError(t("err.folder_missing", folder=out.parent), where=str(out))
    try:
        copy_database(store, out)
    except OSError as exc:
        raise DatabaseError(t("err.cannot_write", reason=exc.strerror), where=str(out)) from exc
    if not store.readonly:
        store.set_meta("last_backup_at", store.now_iso())
    return out


def backup_due(store: Store) -> bool:
    """True when the last backup of this file is older than a week (or there is none)."""
    last = store.meta("last_backup_at")
    if last is None:
        return True
    age = store.clock.now() - dt.datetime.fromisoformat(last)
    return age > dt.timedelta(days=BACKUP_REMINDER_DAYS)


@dataclass(frozen=True)
class BackupState:
    due: bool
    last: dt.datetime | None


def backup_state(store: Store) -> BackupState:
    """Whether a reminder is due, and when the file was last backed up (if ever)."""
    last = store.meta("last_backup_at")
    return BackupState(backup_due(store), dt.datetime.fromisoformat(last) if last else None)
