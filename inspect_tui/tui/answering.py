"""The checklist's writes, each one service call plus the new running score, run on the
database thread (see ``database.Database``)."""

from __future__ import annotations

from dataclasses import dataclass

from ..models import Answer, InspectionScore, Result
from ..services import inspections
from ..store import Store


@dataclass(frozen=True)
class Recorded:
    """An answer as committed, and the inspection's score after it."""

    answer: Answer
    score: InspectionScore


def record(
    store: Store, inspection_id: str, indicator_id: str, result: Result, value: float | None
) -> Recorded:
    answer = inspections.record_answer(store, inspection_id, indicator_id, result, value=value)
    return Recorded(answer, inspections.score_of(store, inspection_id))


def remark(store: Store, inspection_id: str, indicator_id: str, text: str) -> Recorded:
    answer = inspections.set_remark(store, inspection_id, indicator_id, text)
    return Recorded(answer, inspections.score_of(store, inspection_id))


def amend(
    store: Store,
    inspection_id: str,
    indicator_id: str,
    result: Result,
    value: float | None,
    remark: str,
    reason: str,
) -> Recorded:
    answer = inspections.amend_answer(
        store, inspection_id, indicator_id, result, reason=reason, value=value, remark=remark
    )
    return Recorded(answer, inspections.score_of(store, inspection_id))
