"""Pure rules: scoring, problem states, deadlines and what counts as valid text.

No I/O here, so each rule is tested on tables of cases.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass

from .errors import IllegalTransition, InvalidInput
from .i18n import t
from .models import (
    BonusRule,
    DeductRule,
    GradedRule,
    IndicatorKind,
    InspectionScore,
    PassFailRule,
    ProblemState,
    Result,
    ScaleRule,
    ScoringRule,
)
from .text import unstorable

# ---------------------------------------------------------------------- scoring


def score_answer(
    rule: ScoringRule,
    max_score: float,
    result: Result,
    value: float | None = None,
    *,
    code: str = "",
) -> float | None:
    """The score one answer earns under ``rule``; ``None`` when not applicable.

    ``value`` is the number of occurrences for deduct and bonus rules, or the score the
    inspector entered for a scale rule (needed only for "partly").
    """
    if result is Result.NOT_APPLICABLE:
        return None
    if result is Result.CONFORMS:
        if isinstance(rule, BonusRule):
            count = _occurrences(value, default=1)
            return min(max_score, rule.per_occurrence * count)
        return max_score
    if result is Result.DOES_NOT and not isinstance(rule, DeductRule):
        return 0.0
    match rule:
        case PassFailRule():
            raise InvalidInput(t("err.partly_pass_fail", code=code))
        case GradedRule(partly_ratio=ratio):
            return round(max_score * ratio, 4)
        case DeductRule(per_occurrence=per, floor=floor):
            count = _occurrences(value, default=1)
            if result is Result.DOES_NOT and value is None:
                return floor
            return max(floor, max_score - per * count)
        case ScaleRule():
            if value is None or not math.isfinite(value) or not 0 <= value <= max_score:
                raise InvalidInput(t("err.score_range", score=value, max=max_score, code=code))
            return float(value)
        case BonusRule():
            return 0.0
    raise AssertionError(rule)  # pragma: no cover


def _occurrences(value: float | None, *, default: int) -> int:
    if value is None:
        return default
    if not math.isfinite(value) or value != int(value) or value < 1:
        raise InvalidInput(t("err.occurrences", value=value))
    return int(value)


def needs_value(rule: ScoringRule, result: Result) -> bool:
    """Whether answering ``result`` under ``rule`` asks the inspector for a number."""
    if isinstance(rule, ScaleRule):
        return result is Result.PARTLY
    if isinstance(rule, DeductRule):
        return result in (Result.PARTLY, Result.DOES_NOT)
    return False


@dataclass(frozen=True)
class ScoredItem:
    kind: IndicatorKind
    max_score: float
    weight: float
    score: float | None  # None: not applicable
    answered: bool


def total_score(items: Iterable[ScoredItem]) -> InspectionScore:
    """Weighted earned / possible over answered, applicable items; bonus kept apart.

    Not-applicable items leave both the total and the maximum, so the percentage stays fair.
    Unanswered items do not count yet (the running score of an inspection in progress).
    """
    earned = possible = bonus = 0.0
    answered = total = 0
    for item in items:
        total += 1
        if not item.answered:
            continue
        answered += 1
        if item.score is None:
            continue
        if item.kind is IndicatorKind.BONUS:
            bonus += item.score * item.weight
        else:
            earned += item.score * item.weight
            possible += item.max_score * item.weight
    return InspectionScore(
        earned=round(earned, 4),
        possible=round(possible, 4),
        bonus=round(bonus, 4),
        answered=answered,
        total=total,
    )


# ---------------------------------------------------------------------- problem states


class ProblemAction:
    START = "start"  # record a rectification → rectifying
    SUBMIT = "submit"  # submit for verification
    CLOSE = "close"  # verify and close (銷號)
    REJECT = "reject"  # verification fails → rectifying
    REOPEN = "reopen"  # a follow-up finds it again (回頭看)


TRANSITIONS: dict[tuple[ProblemState, str], ProblemState] = {
    (ProblemState.OPEN, ProblemAction.START): ProblemState.RECTIFYING,
    (ProblemState.RECTIFYING, ProblemAction.SUBMIT): ProblemState.SUBMITTED,
    (ProblemState.SUBMITTED, ProblemAction.CLOSE): ProblemState.CLOSED,
    (ProblemState.SUBMITTED, ProblemAction.REJECT): ProblemState.RECTIFYING,
    (ProblemState.CLOSED, ProblemAction.REOPEN): ProblemState.OPEN,
}


def next_state(state: ProblemState, action: str) -> ProblemState:
    try:
        return TRANSITIONS[(state, action)]
    except KeyError:
        raise IllegalTransition(
            t("err.illegal_transition", state=t(f"problem_state.{state.value}"), action=action)
        ) from None


def allowed_actions(state: ProblemState) -> list[str]:
    return [action for (from_state, action) in TRANSITIONS if from_state is state]


def is_overdue(state: ProblemState, deadline: dt.date, today: dt.date) -> bool:
    return state is not ProblemState.CLOSED and deadline < today


def days_overdue(state: ProblemState, deadline: dt.date, today: dt.date) -> int:
    return (today - deadline).days if is_overdue(state, deadline, today) else 0


# ---------------------------------------------------------------------- input


_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_MONTH_DAY = re.compile(r"^(\d{1,2})-(\d{1,2})$")
_RELATIVE = re.compile(r"^\+(\d{1,4})\s*d?$")
QUOTE_LIMIT = 40  # characters of a wrong value quoted back in a message


def parse_date(text: str, today: dt.date) -> dt.date:
    """A date typed by a person: ``2026-12-31``, ``12-31`` (the next such day) or ``+30``."""
    value = text.strip()
    if m := _RELATIVE.match(value):
        return today + dt.timedelta(days=int(m.group(1)))
    if m := _DATE.match(value):
        year, month, day = (int(g) for g in m.groups())
    elif m := _MONTH_DAY.match(value):
        year, (month, day) = today.year, (int(g) for g in m.groups())
    else:
        # quoted short: the reason must stay in sight after a paste of a whole page
        shown = value if len(value) <= QUOTE_LIMIT else value[: QUOTE_LIMIT - 1] + "…"
        raise InvalidInput(t("err.date_format", value=shown))
    try:
        parsed = dt.date(year, month, day)
    except ValueError:
        raise InvalidInput(t("err.date_impossible", value=value)) from None
    if _MONTH_DAY.match(value) and parsed < today:
        try:
            parsed = parsed.replace(year=year + 1)
        except ValueError:  # 02-29 of a leap year, next year not leap
            raise InvalidInput(t("err.date_impossible", value=value)) from None
    return parsed


def clean_text(field: str, text: str, *, limit: int = 10_000, required: bool = False) -> str:
    """Free text as stored: exactly as typed, but refused when empty (if required), too long
    or holding control characters other than newline and tab."""
    if required and not text.strip():
        raise InvalidInput(t("err.required", field=field))
    if len(text) > limit:
        raise InvalidInput(t("err.text_too_long", field=field, length=len(text), limit=limit))
    bad = unstorable(text)
    if bad is not None:
        raise InvalidInput(t("err.control_chars", field=field, code=ord(bad)))
    return text
