"""``inspect-tui check``: SQLite's own integrity check plus the app's consistency rules."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..store import Store
from . import inspections, seals


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
    findings += _check_seals(store)
    findings += _check_audit_triggers(store)
    findings += _check_search(store)
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
    current = current_inspection_hashes(store)
    out += [
        Finding(
            "inspections",
            key,
            "signed-off content no longer matches its sign-off hash (edited outside the app?)",
        )
        for key, row_hash in _stored_hashes(store).items()
        if current.get(key) != row_hash
    ]
    return out


def _stored_hashes(store: Store) -> dict[str, str]:
    rows = store.all("SELECT id, content_hash FROM inspections WHERE state = 'signed_off'")
    return {r["id"]: r["content_hash"] for r in rows}


def current_inspection_hashes(store: Store) -> dict[str, str]:
    """Every signed-off inspection's hash recomputed in one pass (no query per inspection)."""
    signed = {r["id"]: r for r in store.all("SELECT * FROM inspections WHERE state = 'signed_off'")}
    columns = ", ".join(f"a.{c}" for c in inspections.HASHED_ANSWER_COLUMNS)
    grouped: dict[str, list[dict[str, Any]]] = {key: [] for key in signed}
    for row in store.all(
        f"SELECT a.inspection_id, {columns} FROM answers a JOIN inspections i ON i.id = a.inspection_id "
        "WHERE i.state = 'signed_off' ORDER BY a.inspection_id, a.indicator_id"
    ):
        grouped[row["inspection_id"]].append(row)
    return {key: inspections.hash_inspection(row, grouped[key]) for key, row in signed.items()}


# What each kind of seal covers: a function giving {id: hash of its content now}.
# Publishing months (monthly benchmarking) adds "month".
SEALED: dict[str, Callable[[Store], dict[str, str]]] = {"inspection": current_inspection_hashes}


def _check_seals(store: Store) -> list[Finding]:
    from . import review  # noqa: F401  (registers SEALED["month"] for published months)

    table = {"inspection": "inspections", "month": "monthly_results"}
    broken = seals.verify(
        store, {kind: functools.partial(fn, store) for kind, fn in SEALED.items()}
    )
    return [Finding(table.get(b.kind, b.kind), b.ref_id, b.message) for b in broken]


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


def _check_search(store: Store) -> list[Finding]:
    """Every problem is in the search index as it is now, and its triggers are there. The
    index is derived and kept by triggers; a write made with them dropped would hide a
    problem from searches."""
    from ..store.schema import SEARCH_TRIGGER_NAMES, SEARCH_VALUES

    fix = "run `inspect-tui check --rebuild-search`"
    indexed = (
        "s.description, s.requirement, s.responsible, s.unit_name, s.state, s.severity, "
        "s.problem_id, s.deadline"
    )
    rows = store.all(
        f"""SELECT p.id FROM problems p JOIN units u ON u.id = p.unit_id
            LEFT JOIN problem_search_rows r ON r.problem_id = p.id
            LEFT JOIN problem_search s ON s.rowid = r.n
            WHERE s.rowid IS NULL OR ({indexed}) IS NOT ({SEARCH_VALUES})"""
    )
    out = [
        Finding("problems", r["id"], f"is not in the search index as it is now: {fix}")
        for r in rows
    ]
    stray = store.scalar(
        """SELECT count(*) FROM problem_search_rows r
           WHERE NOT EXISTS (SELECT 1 FROM problems p WHERE p.id = r.problem_id)"""
    )
    if stray:
        out.append(
            Finding("problem_search", "-", f"{stray} deleted problem(s) still indexed: {fix}")
        )
    present = {
        r["name"] for r in store.all("SELECT name FROM sqlite_master WHERE type = 'trigger'")
    }
    out += [
        Finding("problem_search", name, f"trigger is missing: edits are not indexed; {fix}")
        for name in SEARCH_TRIGGER_NAMES
        if name not in present
    ]
    return out


def rebuild_search(store: Store) -> int:
    """Build the problems search index and its triggers again from every problem, in one
    transaction; returns how many problems it holds."""
    from ..store.schema import FILL_SEARCH, SEARCH_TRIGGER_NAMES, SEARCH_TRIGGERS, run_script

    with store.write():
        for name in SEARCH_TRIGGER_NAMES:
            store.conn.execute(f"DROP TRIGGER IF EXISTS {name}")
        store.conn.execute("DELETE FROM problem_search")
        store.conn.execute("DELETE FROM problem_search_rows")
        run_script(store.conn, FILL_SEARCH)
        run_script(store.conn, SEARCH_TRIGGERS)
    return int(store.scalar("SELECT count(*) FROM problem_search"))
