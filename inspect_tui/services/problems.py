"""Problems (問題) from finding to closure (銷號), every change kept in their history."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from ..errors import InvalidInput
from ..i18n import t
from ..models import Problem, ProblemEvent, ProblemState, Rectification, Severity
from ..rules import ProblemAction, clean_text, next_state
from ..store import Store
from ..store.db import after
from .checklists import find_indicator
from .inspections import get_inspection
from .units import get_unit

TEXT_LIMIT = 10_000


def get_problem(store: Store, problem_id: str) -> Problem:
    return Problem.model_validate(store.get("problems", problem_id, "problem"))


def _event(
    store: Store,
    problem_id: str,
    action: str,
    *,
    from_state: ProblemState | None = None,
    to_state: ProblemState | None = None,
    note: str = "",
    data: dict[str, Any] | None = None,
) -> None:
    last = store.scalar("SELECT max(at) FROM problem_events WHERE problem_id = ?", (problem_id,))
    store.insert(
        "problem_events",
        {
            "problem_id": problem_id,
            "at": after(last, store.now_iso()),
            "by": store.user,
            "action": action,
            "from_state": from_state.value if from_state else None,
            "to_state": to_state.value if to_state else None,
            "note": note,
            "data": data or {},
        },
    )


def add_problem(
    store: Store,
    *,
    unit: str | None = None,
    inspection_id: str | None = None,
    indicator: str | None = None,
    description: str,
    severity: Severity = Severity.GENERAL,
    requirement: str = "",
    responsible: str = "",
    deadline: dt.date,
    found_on: dt.date | None = None,
) -> Problem:
    """Record a finding. With an inspection, the unit and found date come from it and the
    deadline may not fall before the inspection date."""
    indicator_id = None
    if inspection_id:
        inspection = get_inspection(store, inspection_id)
        unit_id = inspection.unit_id
        found = found_on or inspection.date
        if indicator:
            indicator_id = find_indicator(store, inspection.checklist_id, indicator).id
        if deadline < inspection.date:
            raise InvalidInput(
                t("err.deadline_before_inspection", deadline=deadline, date=inspection.date),
                where="deadline",
            )
    elif unit:
        unit_id = get_unit(store, unit).id
        found = found_on or store.clock.today()
    else:
        raise InvalidInput(t("err.required", field="unit"))
    if deadline < found:
        raise InvalidInput(
            t("err.deadline_before_inspection", deadline=deadline, date=found), where="deadline"
        )
    row = {
        "unit_id": unit_id,
        "inspection_id": inspection_id,
        "indicator_id": indicator_id,
        "description": clean_text("description", description, limit=TEXT_LIMIT, required=True),
        "severity": Severity(severity).value,
        "requirement": clean_text("requirement", requirement, limit=TEXT_LIMIT),
        "responsible": clean_text("responsible", responsible, limit=200),
        "found_on": found,
        "deadline": deadline,
        "original_deadline": deadline,
        "state": ProblemState.OPEN.value,
    }
    with store.write():
        problem_id = store.insert("problems", row)["id"]
        _event(
            store,
            problem_id,
            "created",
            to_state=ProblemState.OPEN,
            data={"deadline": deadline.isoformat()},
        )
    return get_problem(store, problem_id)


def _move(
    store: Store, problem: Problem, action: str, note: str, changes: dict[str, Any] | None = None
) -> Problem:
    target = next_state(problem.state, action)
    with store.write():
        store.update("problems", problem.id, {"state": target.value} | (changes or {}))
        _event(store, problem.id, action, from_state=problem.state, to_state=target, note=note)
    return get_problem(store, problem.id)


def record_rectification(
    store: Store,
    problem_id: str,
    *,
    description: str,
    done_on: dt.date,
    evidence: Sequence[str] = (),
) -> Rectification:
    """What the unit did. The first one moves an open problem to rectifying."""
    problem = get_problem(store, problem_id)
    if problem.state in (ProblemState.SUBMITTED, ProblemState.CLOSED):
        raise InvalidInput(
            t(
                "err.illegal_transition",
                state=t(f"problem_state.{problem.state.value}"),
                action="rectify",
            )
        )
    if done_on < problem.found_on:
        raise InvalidInput(
            t("err.rectified_before_found", date=done_on, found=problem.found_on),
            where="done_on",
        )
    if done_on > store.clock.today():
        raise InvalidInput(t("err.rectified_in_future", date=done_on), where="done_on")
    text = clean_text("description", description, limit=TEXT_LIMIT, required=True)
    refs = [clean_text("evidence", e, limit=1000) for e in evidence if e.strip()]
    with store.write():
        row = store.insert(
            "rectifications",
            {
                "problem_id": problem.id,
                "description": text,
                "done_on": done_on,
                "evidence": refs,
                "recorded_by": store.user,
            },
        )
        if problem.state is ProblemState.OPEN:
            _move(store, problem, ProblemAction.START, note=text[:200])
        else:
            _event(store, problem.id, "rectification", note=text[:200])
    return Rectification.model_validate(store.get("rectifications", row["id"]))


def submit_for_verification(store: Store, problem_id: str, note: str = "") -> Problem:
    problem = get_problem(store, problem_id)
    if problem.state is ProblemState.RECTIFYING and not rectifications_of(store, problem_id):
        raise InvalidInput(t("err.submit_needs_rectification"))
    return _move(store, problem, ProblemAction.SUBMIT, clean_text("note", note, limit=TEXT_LIMIT))


def close_problem(
    store: Store,
    problem_id: str,
    *,
    note: str = "",
    closed_on: dt.date | None = None,
    without_evidence_reason: str = "",
    evidence_required: bool = False,
) -> Problem:
    """Verify and close (銷號), item by item against evidence (對賬銷號).

    Closing needs at least one file attached to the problem's rectifications, unless the
    closer gives a reason (which is kept in the history); with ``evidence_required`` (a
    setting) no reason replaces evidence. The closing date may not precede the last
    rectification."""
    from .evidence import rectification_evidence_count

    problem = get_problem(store, problem_id)
    closed = closed_on or store.clock.today()
    last = store.scalar(
        "SELECT max(done_on) FROM rectifications WHERE problem_id = ?", (problem_id,)
    )
    if last and closed < dt.date.fromisoformat(last):
        raise InvalidInput(
            t("err.closed_before_rectified", closed=closed, last=last),
            where="closed_on",
        )
    note = clean_text("note", note, limit=TEXT_LIMIT)
    if problem.state is ProblemState.SUBMITTED and not rectification_evidence_count(
        store, problem_id
    ):
        reason = clean_text("reason", without_evidence_reason, limit=TEXT_LIMIT).strip()
        if evidence_required:
            raise InvalidInput(t("err.evidence_required"))
        if not reason:
            raise InvalidInput(t("err.evidence_or_reason"))
        note = f"{note}\n[{t('label.closed_without_evidence')}] {reason}".strip()
    return _move(store, problem, ProblemAction.CLOSE, note, {"closed_on": closed})


def reject(store: Store, problem_id: str, *, reason: str) -> Problem:
    problem = get_problem(store, problem_id)
    reason = clean_text("reason", reason, limit=TEXT_LIMIT, required=True)
    return _move(store, problem, ProblemAction.REJECT, reason)


def reopen(
    store: Store, problem_id: str, *, reason: str, deadline: dt.date | None = None
) -> Problem:
    """A follow-up (回頭看) found it back: open again, counted as reopened."""
    problem = get_problem(store, problem_id)
    reason = clean_text("reason", reason, limit=TEXT_LIMIT, required=True)
    changes: dict[str, Any] = {"closed_on": None, "reopened": problem.reopened + 1}
    if deadline is not None:
        if deadline <= store.clock.today():
            raise InvalidInput(
                t("err.extension_past", deadline=deadline, today=store.clock.today()),
                where="deadline",
            )
        changes["deadline"] = deadline
    return _move(store, problem, ProblemAction.REOPEN, reason, changes)


def extend_deadline(store: Store, problem_id: str, *, deadline: dt.date, reason: str) -> Problem:
    """A later deadline with a reason; ``original_deadline`` keeps the first one."""
    problem = get_problem(store, problem_id)
    if problem.state is ProblemState.CLOSED:
        raise InvalidInput(
            t("err.illegal_transition", state=t("problem_state.closed"), action="extend")
        )
    reason = clean_text("reason", reason, limit=TEXT_LIMIT, required=True)
    today = store.clock.today()
    if deadline <= today or deadline <= problem.deadline:
        raise InvalidInput(
            t("err.extension_past", deadline=deadline, today=max(today, problem.deadline)),
            where="deadline",
        )
    with store.write():
        store.update("problems", problem.id, {"deadline": deadline})
        _event(
            store,
            problem.id,
            "extend",
            note=reason,
            data={"from": problem.deadline.isoformat(), "to": deadline.isoformat()},
        )
    return get_problem(store, problem.id)


def history(store: Store, problem_id: str) -> list[ProblemEvent]:
    rows = store.all(
        "SELECT * FROM problem_events WHERE problem_id = ? ORDER BY at, rowid", (problem_id,)
    )
    return [ProblemEvent.model_validate(r) for r in rows]


def rectifications_of(store: Store, problem_id: str) -> list[Rectification]:
    rows = store.all(
        "SELECT * FROM rectifications WHERE problem_id = ? ORDER BY done_on, created_at",
        (problem_id,),
    )
    return [Rectification.model_validate(r) for r in rows]


def open_problems_of_unit(store: Store, unit_id: str) -> list[Problem]:
    rows = store.all(
        "SELECT * FROM problems WHERE unit_id = ? AND state != 'closed' ORDER BY deadline",
        (unit_id,),
    )
    return [Problem.model_validate(r) for r in rows]


def overdue_problems(
    store: Store, today: dt.date, *, limit: int = 100, offset: int = 0
) -> list[Problem]:
    rows = store.all(
        "SELECT * FROM problems WHERE state != 'closed' AND deadline < ? ORDER BY deadline LIMIT ? OFFSET ?",
        (today.isoformat(), limit, offset),
    )
    return [Problem.model_validate(r) for r in rows]


def count_overdue(store: Store, today: dt.date) -> int:
    return int(
        store.scalar(
            "SELECT count(*) FROM problems WHERE state != 'closed' AND deadline < ?",
            (today.isoformat(),),
        )
    )
