"""Inspections: start one, answer indicators (each answer committed at once), sign off,
and amend after sign-off with a reason."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Sequence
from typing import Any

from ..errors import InvalidInput, NotFound, ReadOnlyRecord
from ..i18n import t
from ..models import (
    Answer,
    Indicator,
    Inspection,
    InspectionKind,
    InspectionScore,
    InspectionState,
    Result,
)
from ..rules import ScoredItem, clean_text, score_answer, total_score
from ..store import Store
from . import seals
from .checklists import find_indicator, get_checklist, indicators_of, newest_checklist
from .units import get_unit


def get_inspection(store: Store, inspection_id: str) -> Inspection:
    row = store.get("inspections", inspection_id, "inspection")
    row["cursor_indicator_id"] = store.scalar(
        "SELECT indicator_id FROM cursors WHERE inspection_id = ? AND device_id = ?",
        (inspection_id, store.device_id),
    )
    return Inspection.model_validate(row)


def start_inspection(
    store: Store,
    unit: str,
    *,
    kind: InspectionKind = InspectionKind.SPOT,
    date: dt.date | None = None,
    team: Sequence[str] = (),
    checklist_id: str | None = None,
) -> Inspection:
    """Open an inspection of ``unit`` (id or code) with the given (default newest) system."""
    unit_row = get_unit(store, unit)
    checklist = get_checklist(store, checklist_id) if checklist_id else newest_checklist(store)
    members = [clean_text("team", m.strip(), limit=100) for m in team if m.strip()]
    first = store.scalar(
        "SELECT id FROM indicators WHERE checklist_id = ? ORDER BY position LIMIT 1",
        (checklist.id,),
    )
    with store.write():
        row = store.insert(
            "inspections",
            {
                "unit_id": unit_row.id,
                "checklist_id": checklist.id,
                "kind": kind.value,
                "date": date or store.clock.today(),
                "team": members,
                "state": InspectionState.IN_PROGRESS.value,
            },
        )
        if first:
            _set_cursor(store, row["id"], first)
    return get_inspection(store, row["id"])


def _set_cursor(store: Store, inspection_id: str, indicator_id: str) -> None:
    with store.write():
        store.conn.execute(
            """INSERT INTO cursors (inspection_id, device_id, indicator_id, at) VALUES (?, ?, ?, ?)
               ON CONFLICT (inspection_id, device_id)
               DO UPDATE SET indicator_id = excluded.indicator_id, at = excluded.at""",
            (inspection_id, store.device_id, indicator_id, store.now_iso()),
        )


def answers_of(store: Store, inspection_id: str) -> dict[str, Answer]:
    """Answers of an inspection by indicator id."""
    rows = store.all("SELECT * FROM answers WHERE inspection_id = ?", (inspection_id,))
    return {r["indicator_id"]: Answer.model_validate(r) for r in rows}


def _answer_row(
    store: Store,
    inspection: Inspection,
    indicator: Indicator,
    result: Result,
    value: float | None,
    remark: str | None,
    evidence: Sequence[str] | None,
    current: Answer | None,
) -> dict[str, Any]:
    score = score_answer(indicator.rule, indicator.max_score, result, value, code=indicator.code)
    return {
        "inspection_id": inspection.id,
        "indicator_id": indicator.id,
        "result": result.value,
        "value": value,
        "score": score,
        "remark": clean_text(
            "remark", remark if remark is not None else (current.remark if current else "")
        ),
        "evidence": list(evidence)
        if evidence is not None
        else (current.evidence if current else []),
        "answered_by": store.user,
    }


def record_answer(
    store: Store,
    inspection_id: str,
    indicator: str,
    result: Result,
    *,
    value: float | None = None,
    remark: str | None = None,
    evidence: Sequence[str] | None = None,
) -> Answer:
    """Answer (or re-answer) one indicator; committed before this returns."""
    inspection = get_inspection(store, inspection_id)
    if inspection.state is InspectionState.SIGNED_OFF:
        raise ReadOnlyRecord(t("err.signed_off", id=inspection.id[:8]))
    ind = find_indicator(store, inspection.checklist_id, indicator)
    current = answers_of_one(store, inspection.id, ind.id)
    row = _answer_row(store, inspection, ind, result, value, remark, evidence, current)
    with store.write():
        if current:
            store.update("answers", current.id, row)
            answer_id = current.id
        else:
            row["id"] = store.key_id("answer", inspection.id, ind.id)
            answer_id = store.insert("answers", row)["id"]
        _set_cursor(store, inspection.id, ind.id)
    return Answer.model_validate(store.get("answers", answer_id))


def set_remark(store: Store, inspection_id: str, indicator: str, remark: str) -> Answer:
    """Change only the remark of an answered indicator."""
    inspection = get_inspection(store, inspection_id)
    ind = find_indicator(store, inspection.checklist_id, indicator)
    current = answers_of_one(store, inspection.id, ind.id)
    if current is None:
        raise InvalidInput(t("err.remark_before_answer", code=ind.code))
    return record_answer(
        store, inspection_id, ind.id, current.result, value=current.value, remark=remark
    )


def answers_of_one(store: Store, inspection_id: str, indicator_id: str) -> Answer | None:
    row = store.one(
        "SELECT * FROM answers WHERE inspection_id = ? AND indicator_id = ?",
        (inspection_id, indicator_id),
    )
    return Answer.model_validate(row) if row else None


def move_cursor(store: Store, inspection_id: str, indicator_id: str) -> None:
    """Remember where the inspector is, so leaving and coming back resumes there."""
    inspection = get_inspection(store, inspection_id)
    if (
        inspection.state is InspectionState.IN_PROGRESS
        and inspection.cursor_indicator_id != indicator_id
    ):
        _set_cursor(store, inspection_id, indicator_id)


def score_of(store: Store, inspection_id: str) -> InspectionScore:
    inspection = get_inspection(store, inspection_id)
    answers = answers_of(store, inspection_id)
    return total_score(
        ScoredItem(
            kind=ind.kind,
            max_score=ind.max_score,
            weight=ind.weight,
            score=answers[ind.id].score if ind.id in answers else None,
            answered=ind.id in answers,
        )
        for ind in indicators_of(store, inspection.checklist_id)
    )


def unanswered(store: Store, inspection_id: str) -> list[Indicator]:
    inspection = get_inspection(store, inspection_id)
    answered = answers_of(store, inspection_id)
    return [i for i in indicators_of(store, inspection.checklist_id) if i.id not in answered]


HASHED_ANSWER_COLUMNS = ("indicator_id", "result", "value", "score", "remark", "evidence")


def content_hash(store: Store, inspection_id: str) -> str:
    """SHA-256 over what a sign-off vouches for: the inspection and its answers."""
    inspection = store.get("inspections", inspection_id)
    answers = store.all(
        f"SELECT {', '.join(HASHED_ANSWER_COLUMNS)} FROM answers "
        "WHERE inspection_id = ? ORDER BY indicator_id",
        (inspection_id,),
    )
    return hash_inspection(inspection, answers)


def hash_inspection(inspection: dict[str, Any], answers: list[dict[str, Any]]) -> str:
    """The canonical hash of an inspection row and its answers (sorted by indicator id)."""
    payload = {
        key: inspection[key]
        for key in (
            "id",
            "unit_id",
            "checklist_id",
            "kind",
            "date",
            "team",
            "signed_by",
            "signed_at",
        )
    }
    payload["answers"] = [{k: a[k] for k in HASHED_ANSWER_COLUMNS} for a in answers]
    return hashlib.sha256(
        json.dumps(payload, sort_keys=True, ensure_ascii=False).encode()
    ).hexdigest()


def sign_off(store: Store, inspection_id: str, *, by: str | None = None) -> Inspection:
    """Requires every indicator answered (or marked not applicable); then read-only."""
    inspection = get_inspection(store, inspection_id)
    if inspection.state is InspectionState.SIGNED_OFF:
        raise ReadOnlyRecord(t("err.signed_off", id=inspection.id[:8]))
    missing = unanswered(store, inspection_id)
    if missing:
        codes = ", ".join(i.code for i in missing[:10]) + (" …" if len(missing) > 10 else "")
        raise InvalidInput(t("err.unanswered", count=len(missing), codes=codes))
    signer = clean_text("signed by", (by or store.user).strip(), limit=100, required=True)
    with store.write():
        store.update(
            "inspections",
            inspection_id,
            {
                "state": InspectionState.SIGNED_OFF.value,
                "signed_by": signer,
                "signed_at": store.now_iso(),
            },
        )
        digest = content_hash(store, inspection_id)
        store.update("inspections", inspection_id, {"content_hash": digest})
        seals.seal(store, "inspection", inspection_id, digest)
    return get_inspection(store, inspection_id)


def amend_answer(
    store: Store,
    inspection_id: str,
    indicator: str,
    result: Result,
    *,
    reason: str,
    value: float | None = None,
    remark: str | None = None,
) -> Answer:
    """A correction after sign-off: the answer changes, the old and new values and the
    reason are kept in ``amendments``, and the sign-off hash is renewed."""
    inspection = get_inspection(store, inspection_id)
    if inspection.state is not InspectionState.SIGNED_OFF:
        raise InvalidInput("only a signed-off inspection is amended; change the answer directly")
    reason = clean_text("reason", reason, limit=2000, required=True)
    ind = find_indicator(store, inspection.checklist_id, indicator)
    current = answers_of_one(store, inspection.id, ind.id)
    if current is None:
        raise NotFound(t("err.not_found", what="answer", key=ind.code))
    row = _answer_row(store, inspection, ind, result, value, remark, None, current)
    old = {k: current.model_dump(mode="json")[k] for k in ("result", "value", "score", "remark")}
    new = {k: row[k] for k in ("result", "value", "score", "remark")}
    with store.write():
        store.update("answers", current.id, row)
        store.insert(
            "amendments",
            {
                "inspection_id": inspection.id,
                "answer_id": current.id,
                "reason": reason,
                "old": old,
                "new": new,
            },
        )
        digest = content_hash(store, inspection.id)
        store.update("inspections", inspection.id, {"content_hash": digest})
        seals.seal(store, "inspection", inspection.id, digest)
    return Answer.model_validate(store.get("answers", current.id))


def amendments_of(store: Store, inspection_id: str) -> list[dict[str, Any]]:
    return store.all(
        "SELECT * FROM amendments WHERE inspection_id = ? ORDER BY created_at", (inspection_id,)
    )
