"""The pure rules, on tables of cases: how each scoring rule scores, deadlines, text."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from inspect_tui.errors import IllegalTransition, InvalidInput
from inspect_tui.models import (
    BonusRule,
    DeductRule,
    GradedRule,
    IndicatorKind,
    PassFailRule,
    ProblemState,
    Result,
    ScaleRule,
)
from inspect_tui.rules import (
    TRANSITIONS,
    ProblemAction,
    ScoredItem,
    allowed_actions,
    clean_text,
    days_overdue,
    is_overdue,
    needs_value,
    next_state,
    parse_date,
    score_answer,
    total_score,
)

C, P, D, NA = Result.CONFORMS, Result.PARTLY, Result.DOES_NOT, Result.NOT_APPLICABLE


@pytest.mark.parametrize(
    ("rule", "max_score", "result", "value", "expected"),
    [
        # pass/fail: all or nothing
        (PassFailRule(), 4, C, None, 4),
        (PassFailRule(), 4, D, None, 0),
        (PassFailRule(), 4, NA, None, None),
        # graded: partly earns the ratio of the maximum
        (GradedRule(), 6, C, None, 6),
        (GradedRule(), 6, P, None, 3),
        (GradedRule(partly_ratio=0.6), 5, P, None, 3),
        (GradedRule(), 6, D, None, 0),
        # deduct per occurrence, never below the floor
        (DeductRule(per_occurrence=1, floor=0), 5, C, None, 5),
        (DeductRule(per_occurrence=1, floor=0), 5, P, 2, 3),
        (DeductRule(per_occurrence=1, floor=0), 5, P, None, 4),
        (DeductRule(per_occurrence=2, floor=1), 5, P, 3, 1),
        (DeductRule(per_occurrence=2, floor=1), 5, D, None, 1),
        (DeductRule(per_occurrence=0.5, floor=0), 4, D, 3, 2.5),
        # bonus: points per commendation, capped at the maximum
        (BonusRule(per_occurrence=1), 3, C, None, 1),
        (BonusRule(per_occurrence=1), 3, C, 2, 2),
        (BonusRule(per_occurrence=2), 3, C, 5, 3),
        (BonusRule(per_occurrence=1), 3, D, None, 0),
        # scale: the inspector's score
        (ScaleRule(), 10, P, 7.5, 7.5),
        (ScaleRule(), 10, C, None, 10),
        (ScaleRule(), 10, D, None, 0),
    ],
)
def test_each_rule_scores(rule, max_score, result, value, expected) -> None:
    assert score_answer(rule, max_score, result, value) == expected


@pytest.mark.parametrize(
    ("rule", "result", "value"),
    [
        (PassFailRule(), P, None),  # pass/fail has no "partly"
        (ScaleRule(), P, 11),  # above the maximum
        (ScaleRule(), P, -1),
        (ScaleRule(), P, None),  # the rule needs a score
        (ScaleRule(), P, float("nan")),
        (DeductRule(per_occurrence=1), P, 0),  # occurrences start at 1
        (DeductRule(per_occurrence=1), P, 1.5),
    ],
)
def test_impossible_answers_are_refused(rule, result, value) -> None:
    with pytest.raises(InvalidInput):
        score_answer(rule, 10, result, value, code="X1")


def test_needs_value_asks_only_where_the_rule_needs_a_number() -> None:
    assert needs_value(ScaleRule(), P)
    assert not needs_value(ScaleRule(), C)
    assert needs_value(DeductRule(per_occurrence=1), D)
    assert not needs_value(GradedRule(), P)


def item(
    score, max_score=10.0, kind=IndicatorKind.REGULAR, weight=1.0, answered=True
) -> ScoredItem:
    return ScoredItem(kind=kind, max_score=max_score, weight=weight, score=score, answered=answered)


def test_not_applicable_leaves_total_and_maximum_alike() -> None:
    with_na = total_score([item(5), item(None), item(10)])
    assert (with_na.earned, with_na.possible, with_na.percent) == (15, 20, 75.0)


def test_bonus_is_added_on_top_of_the_normalised_score() -> None:
    score = total_score([item(8), item(2, max_score=3, kind=IndicatorKind.BONUS)])
    assert score.possible == 10
    assert score.percent == 82.0


def test_weights_multiply_score_and_maximum() -> None:
    score = total_score([item(10, weight=2), item(0, weight=1)])
    assert score.percent == pytest.approx(66.67)


def test_running_score_counts_only_answered_items() -> None:
    score = total_score([item(10), item(None, answered=False)])
    assert (score.answered, score.total, score.percent) == (1, 2, 100.0)


def test_nothing_applicable_has_no_percentage() -> None:
    assert total_score([item(None)]).percent is None


# ---------------------------------------------------------------------- problem states

LEGAL = [
    (ProblemState.OPEN, ProblemAction.START, ProblemState.RECTIFYING),
    (ProblemState.RECTIFYING, ProblemAction.SUBMIT, ProblemState.SUBMITTED),
    (ProblemState.SUBMITTED, ProblemAction.CLOSE, ProblemState.CLOSED),
    (ProblemState.SUBMITTED, ProblemAction.REJECT, ProblemState.RECTIFYING),
    (ProblemState.CLOSED, ProblemAction.REOPEN, ProblemState.OPEN),
]
ACTIONS = [
    ProblemAction.START,
    ProblemAction.SUBMIT,
    ProblemAction.CLOSE,
    ProblemAction.REJECT,
    ProblemAction.REOPEN,
]


@pytest.mark.parametrize(("state", "action", "target"), LEGAL)
def test_legal_transitions(state, action, target) -> None:
    assert next_state(state, action) is target


@pytest.mark.parametrize(
    ("state", "action"),
    [(s, a) for s in ProblemState for a in ACTIONS if (s, a) not in TRANSITIONS],
)
def test_every_other_transition_is_refused(state, action) -> None:
    with pytest.raises(IllegalTransition):
        next_state(state, action)


def test_allowed_actions_follow_the_table() -> None:
    assert allowed_actions(ProblemState.SUBMITTED) == [ProblemAction.CLOSE, ProblemAction.REJECT]
    assert allowed_actions(ProblemState.CLOSED) == [ProblemAction.REOPEN]


@pytest.mark.parametrize(
    ("state", "deadline", "overdue", "days"),
    [
        (ProblemState.OPEN, dt.date(2026, 11, 29), True, 1),
        (ProblemState.RECTIFYING, dt.date(2026, 11, 30), False, 0),  # due today is not overdue
        (ProblemState.SUBMITTED, dt.date(2026, 10, 31), True, 30),
        (ProblemState.CLOSED, dt.date(2026, 1, 1), False, 0),
    ],
)
def test_overdue_is_derived_from_deadline_and_today(state, deadline, overdue, days) -> None:
    today = dt.date(2026, 11, 30)
    assert is_overdue(state, deadline, today) is overdue
    assert days_overdue(state, deadline, today) == days


# ---------------------------------------------------------------------- dates and text

TODAY = dt.date(2026, 11, 30)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-12-31", dt.date(2026, 12, 31)),
        (" 2027-1-5 ", dt.date(2027, 1, 5)),
        ("12-31", dt.date(2026, 12, 31)),
        ("01-15", dt.date(2027, 1, 15)),  # month-day already past this year: next year
        ("11-30", dt.date(2026, 11, 30)),
        ("+30", dt.date(2026, 12, 30)),
        ("+0", TODAY),
    ],
)
def test_parse_date_accepts_what_inspectors_type(text, expected) -> None:
    assert parse_date(text, TODAY) == expected


@pytest.mark.parametrize(
    "text", ["2026-02-30", "2026-13-01", "02-30", "tomorrow", "", "31/12/2026", "+-3"]
)
def test_parse_date_refuses_impossible_dates(text) -> None:
    with pytest.raises(InvalidInput):
        parse_date(text, TODAY)


@pytest.mark.parametrize(
    "text", ["<b>bold</b>", "&amp;", "[red]markup[/red]", "第一行\n第二行\t制表", "𠀀 😀 \u200f"]
)
def test_clean_text_keeps_text_exactly_as_typed(text) -> None:
    assert clean_text("remark", text) == text


@pytest.mark.parametrize("text", ["a\x00b", "bell\x07", "esc\x1b[31m"])
def test_clean_text_refuses_control_characters(text) -> None:
    with pytest.raises(InvalidInput, match="control"):
        clean_text("remark", text)


def test_clean_text_limits_length_and_requires_content() -> None:
    with pytest.raises(InvalidInput, match="10001 characters"):
        clean_text("description", "字" * 10_001)
    with pytest.raises(InvalidInput, match="required"):
        clean_text("description", "   ", required=True)


@given(st.integers(min_value=0, max_value=9999))
def test_relative_dates_are_always_that_many_days_ahead(days: int) -> None:
    assert (parse_date(f"+{days}", TODAY) - TODAY).days == days
