"""Inspections through the services: answer, score, sign off, amend."""

from __future__ import annotations

import datetime as dt

import pytest

from inspect_tui.errors import InvalidInput, ReadOnlyRecord
from inspect_tui.models import InspectionKind, InspectionState, Result
from inspect_tui.services import checklists, inspections
from inspect_tui.store import Store


@pytest.fixture
def inspection(store: Store):
    return inspections.start_inspection(
        store,
        "KFZX",
        kind=InspectionKind.SPOT,
        team=["張三", " 李四 ", ""],
        date=dt.date(2026, 11, 20),
    )


def answer_all(store: Store, inspection_id: str, result: Result = Result.CONFORMS) -> None:
    for ind in inspections.unanswered(store, inspection_id):
        inspections.record_answer(store, inspection_id, ind.code, result)


def test_a_new_inspection_uses_the_newest_system_and_starts_at_the_first_item(
    store: Store, inspection
) -> None:
    newest = checklists.newest_checklist(store)
    assert inspection.checklist_id == newest.id
    assert inspection.team == ["張三", "李四"]
    assert inspection.state is InspectionState.IN_PROGRESS
    assert inspection.cursor_indicator_id == checklists.indicators_of(store, newest.id)[0].id


def test_each_answer_is_in_the_file_when_the_call_returns(
    store: Store, inspection, db_path
) -> None:
    import sqlite3

    inspections.record_answer(
        store, inspection.id, "A1", Result.PARTLY, remark="<b>記錄</b> & 不全"
    )
    with sqlite3.connect(str(db_path)) as other:  # another connection sees it: committed
        row = other.execute(
            "SELECT result, remark FROM answers WHERE inspection_id = ?", (inspection.id,)
        ).fetchone()
    assert row == ("partly", "<b>記錄</b> & 不全")


def test_answering_again_replaces_and_moves_the_cursor(store: Store, inspection) -> None:
    inspections.record_answer(store, inspection.id, "B1", Result.DOES_NOT)
    answer = inspections.record_answer(store, inspection.id, "B1", Result.CONFORMS)
    assert (
        store.scalar("SELECT count(*) FROM answers WHERE inspection_id = ?", (inspection.id,)) == 1
    )
    assert answer.result is Result.CONFORMS
    assert (
        inspections.get_inspection(store, inspection.id).cursor_indicator_id == answer.indicator_id
    )


def test_running_score_ignores_not_applicable(store: Store, inspection) -> None:
    inds = checklists.indicators_of(store, inspection.checklist_id)
    regular = [i for i in inds if i.kind.value != "bonus"]
    inspections.record_answer(store, inspection.id, regular[0].code, Result.CONFORMS)
    inspections.record_answer(store, inspection.id, regular[1].code, Result.NOT_APPLICABLE)
    score = inspections.score_of(store, inspection.id)
    assert score.possible == regular[0].max_score
    assert score.percent == 100.0
    assert (score.answered, score.total) == (2, len(inds))


def test_sign_off_needs_every_item_then_is_read_only(store: Store, inspection) -> None:
    inspections.record_answer(store, inspection.id, "A1", Result.CONFORMS)
    with pytest.raises(InvalidInput, match="not answered"):
        inspections.sign_off(store, inspection.id)
    answer_all(store, inspection.id)
    signed = inspections.sign_off(store, inspection.id, by="張三")
    assert signed.state is InspectionState.SIGNED_OFF and signed.signed_by == "張三"
    assert signed.signed_at is not None
    with pytest.raises(ReadOnlyRecord):
        inspections.record_answer(store, inspection.id, "A1", Result.DOES_NOT)
    with pytest.raises(ReadOnlyRecord):
        inspections.sign_off(store, inspection.id)


def test_a_correction_after_sign_off_is_an_amendment_with_a_reason(
    store: Store, inspection
) -> None:
    answer_all(store, inspection.id)
    inspections.sign_off(store, inspection.id)
    old_hash = store.scalar("SELECT content_hash FROM inspections WHERE id = ?", (inspection.id,))
    with pytest.raises(InvalidInput, match="required"):
        inspections.amend_answer(store, inspection.id, "A1", Result.PARTLY, reason=" ")
    inspections.amend_answer(store, inspection.id, "A1", Result.PARTLY, reason="複核發現記錄缺頁")
    [amendment] = inspections.amendments_of(store, inspection.id)
    assert amendment["old"]["result"] == "conforms" and amendment["new"]["result"] == "partly"
    assert amendment["reason"] == "複核發現記錄缺頁" and amendment["updated_by"] == "張三"
    assert (
        store.scalar("SELECT content_hash FROM inspections WHERE id = ?", (inspection.id,))
        != old_hash
    )


def test_impossible_answers_change_nothing(store: Store, inspection) -> None:
    scale = next(
        i
        for i in checklists.indicators_of(store, inspection.checklist_id)
        if i.rule.type == "scale"
    )
    with pytest.raises(InvalidInput, match="outside"):
        inspections.record_answer(
            store, inspection.id, scale.code, Result.PARTLY, value=scale.max_score + 1
        )
    with pytest.raises(InvalidInput, match="control"):
        inspections.record_answer(store, inspection.id, "A1", Result.CONFORMS, remark="bad\x00")
    assert store.scalar("SELECT count(*) FROM answers") == 0
