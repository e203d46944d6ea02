"""Problems: deadlines, every transition, and a history that misses nothing."""

from __future__ import annotations

import datetime as dt

import pytest

from inspect_tui.errors import IllegalTransition, InvalidInput
from inspect_tui.models import ProblemState, Severity
from inspect_tui.services import evidence, inspections, problems
from inspect_tui.store import Store

INSPECTED = dt.date(2026, 11, 20)


@pytest.fixture
def problem(store: Store):
    inspection = inspections.start_inspection(store, "SDC", date=INSPECTED)
    return problems.add_problem(
        store,
        inspection_id=inspection.id,
        indicator="B1",
        description="三會一課記錄不全：10月支委會無記錄",
        severity=Severity.MAJOR,
        requirement="補齊記錄，舉一反三自查全年會議記錄",
        responsible="胡德明",
        deadline=dt.date(2026, 12, 20),
    )


def test_a_problem_from_an_inspection_carries_its_unit_date_and_indicator(
    store: Store, problem
) -> None:
    assert problem.state is ProblemState.OPEN
    assert problem.found_on == INSPECTED
    assert problem.unit_id == store.scalar("SELECT id FROM units WHERE code = 'SDC'")
    assert store.scalar("SELECT code FROM indicators WHERE id = ?", (problem.indicator_id,)) == "B1"


def test_a_deadline_before_the_inspection_is_refused(store: Store) -> None:
    inspection = inspections.start_inspection(store, "SDC", date=INSPECTED)
    with pytest.raises(InvalidInput, match="before the inspection date"):
        problems.add_problem(
            store, inspection_id=inspection.id, description="x", deadline=dt.date(2026, 11, 19)
        )
    assert store.scalar("SELECT count(*) FROM problems") == 0


def test_the_whole_road_to_closure_is_in_the_history_once_and_in_order(
    store: Store, problem, clock, tmp_path
) -> None:
    problems.record_rectification(
        store,
        problem.id,
        description="補齊10月支委會記錄",
        done_on=dt.date(2026, 11, 28),
        evidence=["記錄簿第12頁"],
    )
    problems.submit_for_verification(store, problem.id)
    problems.reject(store, problem.id, reason="缺簽到表")
    second = problems.record_rectification(
        store, problem.id, description="補簽到表", done_on=dt.date(2026, 11, 29)
    )
    problems.submit_for_verification(store, problem.id)
    with pytest.raises(InvalidInput, match="evidence"):
        problems.close_problem(store, problem.id, note="核實無誤")
    scan = tmp_path / "簽到表.pdf"
    scan.write_bytes(b"%PDF-1.4\n% scanned sign-in sheet\n")
    evidence.attach(store, "rectification", second.id, scan)
    closed = problems.close_problem(store, problem.id, note="核實無誤，同意銷號")
    assert closed.state is ProblemState.CLOSED and closed.closed_on == clock.today()
    events = problems.history(store, problem.id)
    assert [e.action for e in events] == [
        "created",
        "start",
        "submit",
        "reject",
        "rectification",
        "submit",
        "close",
    ]
    assert [e.to_state for e in events if e.to_state] == [
        ProblemState.OPEN,
        ProblemState.RECTIFYING,
        ProblemState.SUBMITTED,
        ProblemState.RECTIFYING,
        ProblemState.SUBMITTED,
        ProblemState.CLOSED,
    ]
    assert all(e.by == "張三" for e in events)
    assert len({e.id for e in events}) == len(events)


@pytest.mark.parametrize(
    "action",
    [
        lambda s, p: problems.submit_for_verification(s, p.id),  # open → submitted skips the work
        lambda s, p: problems.close_problem(s, p.id),
        lambda s, p: problems.reject(s, p.id, reason="x"),
        lambda s, p: problems.reopen(s, p.id, reason="x"),
    ],
)
def test_illegal_steps_from_open_are_refused_and_change_nothing(
    store: Store, problem, action
) -> None:
    events = len(problems.history(store, problem.id))
    with pytest.raises(IllegalTransition):
        action(store, problem)
    assert problems.get_problem(store, problem.id).state is ProblemState.OPEN
    assert len(problems.history(store, problem.id)) == events


def test_a_closed_problem_can_be_reopened_and_counts_it(store: Store, problem, clock) -> None:
    problems.record_rectification(store, problem.id, description="已整改", done_on=clock.today())
    problems.submit_for_verification(store, problem.id)
    problems.close_problem(store, problem.id, without_evidence_reason="現場查看會議記錄原件")
    with pytest.raises(InvalidInput):
        problems.extend_deadline(store, problem.id, deadline=dt.date(2027, 1, 31), reason="x")
    reopened = problems.reopen(
        store, problem.id, reason="回頭看發現問題反彈", deadline=dt.date(2026, 12, 31)
    )
    assert reopened.state is ProblemState.OPEN and reopened.reopened == 1
    assert reopened.closed_on is None and reopened.deadline == dt.date(2026, 12, 31)


def test_extending_keeps_the_original_deadline_visible(store: Store, problem) -> None:
    extended = problems.extend_deadline(
        store, problem.id, deadline=dt.date(2027, 1, 31), reason="涉及年度換屆"
    )
    assert extended.deadline == dt.date(2027, 1, 31)
    assert extended.original_deadline == dt.date(2026, 12, 20)
    last = problems.history(store, problem.id)[-1]
    assert last.action == "extend" and last.note == "涉及年度換屆"
    with pytest.raises(InvalidInput, match="not after today"):
        problems.extend_deadline(store, problem.id, deadline=dt.date(2026, 11, 1), reason="x")


def test_rectification_dates_must_be_sane(store: Store, problem) -> None:
    with pytest.raises(InvalidInput, match="before the problem was found"):
        problems.record_rectification(
            store, problem.id, description="x", done_on=dt.date(2026, 1, 1)
        )
    with pytest.raises(InvalidInput, match="future"):
        problems.record_rectification(
            store, problem.id, description="x", done_on=dt.date(2027, 1, 1)
        )
    problems.record_rectification(store, problem.id, description="x", done_on=dt.date(2026, 11, 25))
    problems.submit_for_verification(store, problem.id)
    with pytest.raises(InvalidInput, match="before the rectification date"):
        problems.close_problem(store, problem.id, closed_on=dt.date(2026, 11, 24))


def test_overdue_follows_the_clock(store: Store, problem, clock) -> None:
    today = clock.today()
    assert problems.count_overdue(store, today) == 0
    later = dt.date(2026, 12, 21)
    assert problems.count_overdue(store, later) == 1
    assert [p.id for p in problems.overdue_problems(store, later)] == [problem.id]


@pytest.mark.parametrize(
    "text", ["<b>粗體</b>", "&amp; 實體", "[bold]rich[/bold]", "字" * 10_000, "𠀀 😀"]
)
def test_text_is_stored_exactly_as_typed(store: Store, text: str) -> None:
    p = problems.add_problem(store, unit="SDC", description=text, deadline=dt.date(2026, 12, 31))
    assert problems.get_problem(store, p.id).description == text


def test_closing_without_evidence_needs_a_reason_kept_in_the_history(
    store: Store, problem, clock
) -> None:
    problems.record_rectification(store, problem.id, description="已整改", done_on=clock.today())
    problems.submit_for_verification(store, problem.id)
    with pytest.raises(InvalidInput, match="evidence"):
        problems.close_problem(store, problem.id, without_evidence_reason="   ")
    with pytest.raises(InvalidInput, match="evidence_required"):
        problems.close_problem(
            store, problem.id, without_evidence_reason="x", evidence_required=True
        )
    assert problems.get_problem(store, problem.id).state is ProblemState.SUBMITTED
    problems.close_problem(store, problem.id, without_evidence_reason="原件已現場核對")
    assert "原件已現場核對" in problems.history(store, problem.id)[-1].note
