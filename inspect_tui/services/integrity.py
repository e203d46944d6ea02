"""``inspect-tui check``: SQLite's own integrity check plus the app's consistency rules."""

from __future__ import annotations

from dataclasses import dataclass

from ..store import Store
from . import inspections


@dataclass(frozen=True)
class Finding:
    table: str
    row_id: str
    message: str

    def __str__(self) -> str:
        return f"{self.table} {self.row_id}: {self.message}"


def run_checks(store: Store) -> list[Finding]:
    findings: list[Finding] = []
    for (line,) in store.conn.execute("PRAGMA integrity_check").fetchall():
        if line != "ok":
            findings.append(Finding("(file)", "-", f"SQLite integrity: {line}"))
    if findings:
        return findings  # the app's own checks would read damaged pages
    for table, rowid, parent, _ in store.conn.execute("PRAGMA foreign_key_check").fetchall():
        findings.append(Finding(table, str(rowid), f"refers to a missing row in {parent}"))
    findings += _check_answers(store)
    findings += _check_inspections(store)
    findings += _check_problems(store)
    findings += _check_units(store)
    findings += _check_audit_triggers(store)
    return findings


def _check_answers(store: Store) -> list[Finding]:
    rows = store.all(
        """SELECT a.id FROM answers a
           JOIN inspections i ON i.id = a.inspection_id
           JOIN indicators d ON d.id = a.indicator_id
           WHERE d.checklist_id != i.checklist_id"""
    )
    return [
        Finding("answers", r["id"], "answers an indicator of another indicator system")
        for r in rows
    ]


def _check_inspections(store: Store) -> list[Finding]:
    out = []
    incomplete = store.all(
        """SELECT i.id, count(d.id) - count(a.id) AS missing FROM inspections i
           JOIN indicators d ON d.checklist_id = i.checklist_id
           LEFT JOIN answers a ON a.inspection_id = i.id AND a.indicator_id = d.id
           WHERE i.state = 'signed_off' GROUP BY i.id HAVING missing > 0"""
    )
    out += [
        Finding("inspections", r["id"], f"signed off with {r['missing']} unanswered indicator(s)")
        for r in incomplete
    ]
    out += [
        Finding(
            "inspections",
            inspection_id,
            "signed-off content no longer matches its sign-off hash (edited outside the app?)",
        )
        for inspection_id in _tampered_inspections(store)
    ]
    return out


def _tampered_inspections(store: Store) -> list[str]:
    """Recompute every sign-off hash in one pass over the answers (no query per inspection)."""
    signed = {r["id"]: r for r in store.all("SELECT * FROM inspections WHERE state = 'signed_off'")}
    columns = ", ".join(f"a.{c}" for c in inspections.HASHED_ANSWER_COLUMNS)
    grouped: dict[str, list[dict[str, object]]] = {key: [] for key in signed}
    for row in store.all(
        f"SELECT a.inspection_id, {columns} FROM answers a JOIN inspections i ON i.id = a.inspection_id "
        "WHERE i.state = 'signed_off' ORDER BY a.inspection_id, a.indicator_id"
    ):
        grouped[row["inspection_id"]].append(row)
    return [
        key
        for key, inspection in signed.items()
        if inspection["content_hash"] != inspections.hash_inspection(inspection, grouped[key])
    ]


def _check_problems(store: Store) -> list[Finding]:
    checks = {
        "deadline before the date it was found": "deadline < found_on",
        "closed without a closing date": "state = 'closed' AND closed_on IS NULL",
        "has a closing date but is not closed": "state != 'closed' AND closed_on IS NOT NULL",
        "has no history": "NOT EXISTS (SELECT 1 FROM problem_events e WHERE e.problem_id = problems.id)",
    }
    out = []
    for message, where in checks.items():
        for row in store.all(f"SELECT id FROM problems WHERE {where}"):
            out.append(Finding("problems", row["id"], message))
    return out


def _check_units(store: Store) -> list[Finding]:
    parents = {r["id"]: r["parent_id"] for r in store.all("SELECT id, parent_id FROM units")}
    out = []
    for unit_id in parents:
        seen: set[str] = set()
        node = parents.get(unit_id)
        while node and node not in seen:
            if node == unit_id:
                out.append(Finding("units", unit_id, "is its own ancestor (a cycle in the tree)"))
                break
            seen.add(node)
            node = parents.get(node)
    return out


def _check_audit_triggers(store: Store) -> list[Finding]:
    from ..store.schema import AUDITED

    present = {
        r["name"] for r in store.all("SELECT name FROM sqlite_master WHERE type = 'trigger'")
    }
    missing = [
        f"audit_{table}_{action}"
        for table in AUDITED
        for action in ("insert", "update", "delete")
        if f"audit_{table}_{action}" not in present
    ]
    return [
        Finding("audit_log", name, "audit trigger is missing: changes are not logged")
        for name in missing
    ]
