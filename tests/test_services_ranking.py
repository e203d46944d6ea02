"""Monthly benchmarking: ranks, the bottom of a month, lagging streaks, and the service
that writes a month's results."""

from __future__ import annotations

import csv
import datetime as dt
import math
import random
from bisect import bisect_left
from collections.abc import Mapping
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from inspect_tui.clock import FixedClock
from inspect_tui.errors import IllegalTransition, InvalidInput, ReadOnlyRecord
from inspect_tui.models import InspectionKind, OrgTreeFile, Result
from inspect_tui.services import checklists, inspections, problems, ranking, units
from inspect_tui.services.ranking import (
    LaggingRule,
    MonthScoring,
    bottom_units,
    deduct,
    lagging_units,
    lags,
    monthly_score,
    rank,
    streaks,
)
from inspect_tui.store import Store, open_store

# ---------------------------------------------------------------------- rank


@pytest.mark.parametrize(
    ("scores", "expected"),
    [
        ({}, {}),
        ({"a": 80.0}, {"a": 1}),
        ({"a": 90.0, "b": 80.0, "c": 70.0}, {"a": 1, "b": 2, "c": 3}),
        # "1224": ties share a rank, the next rank skips
        ({"a": 90.0, "b": 80.0, "c": 80.0, "d": 70.0}, {"a": 1, "b": 2, "c": 2, "d": 4}),
        ({"a": 90.0, "b": 90.0, "c": 90.0}, {"a": 1, "b": 1, "c": 1}),
        ({"a": 90.0, "b": 90.0, "c": 50.0}, {"a": 1, "b": 1, "c": 3}),
        # not inspected: no rank, and no effect on the others
        ({"a": None, "b": 70.0, "c": 95.5}, {"a": None, "b": 2, "c": 1}),
        ({"a": None, "b": None}, {"a": None, "b": None}),
        # bonus points can take a score above 100
        ({"a": 103.5, "b": 100.0}, {"a": 1, "b": 2}),
    ],
)
def test_rank_is_competition_ranking(
    scores: dict[str, float | None], expected: dict[str, int | None]
) -> None:
    assert rank(scores) == expected


@given(
    st.dictionaries(
        st.text(min_size=1, max_size=4),
        st.one_of(st.none(), st.integers(0, 20).map(lambda n: n * 5.0)),
        max_size=30,
    )
)
def test_rank_property(scores: dict[str, float | None]) -> None:
    """Each unit's rank is one plus the number of units that scored strictly higher."""
    ranks = rank(scores)
    assert ranks.keys() == scores.keys()
    for unit, score in scores.items():
        if score is None:
            assert ranks[unit] is None
        else:
            higher = sum(1 for s in scores.values() if s is not None and s > score)
            assert ranks[unit] == higher + 1


@given(st.lists(st.integers(0, 10).map(float), min_size=1, max_size=12), st.randoms())
def test_rank_does_not_depend_on_order(values: list[float], rnd: random.Random) -> None:
    names = [f"u{i}" for i in range(len(values))]
    forward = rank(dict(zip(names, values, strict=True)))
    shuffled = list(zip(names, values, strict=True))
    rnd.shuffle(shuffled)
    assert rank(dict(shuffled)) == forward


# ---------------------------------------------------------------------- scores


@pytest.mark.parametrize(
    ("percents", "expected"),
    [
        ([], None),
        ([None], None),
        ([80.0], 80.0),
        ([80.0, 90.0], 85.0),
        ([80.0, None, 90.0], 85.0),
        ([100.0, 101.5, 99.0], 100.17),
    ],
)
def test_monthly_score_is_the_mean(percents: list[float | None], expected: float | None) -> None:
    assert monthly_score(percents) == expected


# ---------------------------------------------------------------------- bottom of a month

SIX = {"a": 90.0, "b": 80.0, "c": 70.0, "d": 70.0, "e": 70.0, "f": 60.0}


@pytest.mark.parametrize(
    ("scores", "rule", "expected"),
    [
        ({"a": 90.0, "b": 80.0, "c": 70.0, "d": 60.0, "e": 50.0}, LaggingRule(), {"c", "d", "e"}),
        ({"a": 90.0, "b": 80.0, "c": 70.0, "d": 60.0, "e": 50.0}, LaggingRule(bottom_n=1), {"e"}),
        # ties at the edge are all included
        (SIX, LaggingRule(), {"c", "d", "e", "f"}),
        (SIX, LaggingRule(bottom_n=1), {"f"}),
        # the benchmark is never at the bottom, even in a small or all-tied month
        ({"a": 90.0, "b": 80.0}, LaggingRule(), {"b"}),
        ({"a": 90.0}, LaggingRule(), set()),
        ({"a": 80.0, "b": 80.0, "c": 80.0}, LaggingRule(), set()),
        # not inspected: not at the bottom, and not counted
        (
            {"a": 90.0, "b": 80.0, "c": 70.0, "d": 60.0, "x": None},
            LaggingRule(bottom_n=2),
            {"c", "d"},
        ),
        # bottom percent: ceil(6 × 20 / 100) = 2 → d, e, f tie at 70 → c, d, e (one lower), f
        (SIX, LaggingRule(bottom_percent=20), {"c", "d", "e", "f"}),
        (SIX, LaggingRule(bottom_percent=10), {"f"}),
        # below a score
        (SIX, LaggingRule(below_score=75), {"c", "d", "e", "f"}),
        (SIX, LaggingRule(below_score=60), set()),
        # criteria combine with "or" when given together
        (SIX, LaggingRule(bottom_n=1, below_score=85), {"b", "c", "d", "e", "f"}),
    ],
)
def test_bottom_units(
    scores: dict[str, float | None], rule: LaggingRule, expected: set[str]
) -> None:
    assert bottom_units(scores, rule) == expected


def test_rule_defaults_and_switches() -> None:
    rule = LaggingRule()
    assert (rule.k, rule.bottom_n, rule.bottom_percent, rule.below_score) == (3, 3, None, None)
    assert LaggingRule(bottom_percent=10).bottom_n is None  # percent alone replaces bottom N
    assert LaggingRule(below_score=60).bottom_n is None
    assert LaggingRule(bottom_n=2, below_score=60).bottom_n == 2


@pytest.mark.parametrize(
    "kwargs",
    [
        {"k": 0},
        {"bottom_n": 0},
        {"bottom_percent": 0},
        {"bottom_percent": 101},
        {"bottom_n": None},
        {"k": 6, "lookback_months": 4},
        {"bogus": 1},
    ],
)
def test_rule_refuses_nonsense(kwargs: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        LaggingRule.model_validate(kwargs)


# ---------------------------------------------------------------------- lagging streaks

T, F, N = True, False, None


@pytest.mark.parametrize(
    ("flags", "k", "expected"),
    [
        ([], 3, False),
        ([T, T, T], 3, True),  # exactly K months
        ([T, T], 3, False),  # two months are not enough
        ([T, T, F], 3, False),  # a good month ends it
        ([T, T, F, T], 3, False),  # ... and resets the count
        ([T, T, F, T, T, T], 3, True),
        ([F, T, T, T, T], 3, True),  # more than K still lags
        ([T, N, T, T], 3, True),  # a month not inspected is skipped, not a reset
        ([T, T, N], 3, False),  # not ranked this month: not lagging this month
        ([N, N, T], 1, True),
        ([T], 1, True),
        ([F], 1, False),
    ],
)
def test_lags(flags: list[bool | None], k: int, expected: bool) -> None:
    assert lags(flags, k) is expected


def _history(*months: Mapping[str, float | None]) -> dict[str, list[float | None]]:
    units = sorted({u for m in months for u in m})
    return {u: [m.get(u) for m in months] for u in units}


GOOD: dict[str, float | None] = {"a": 95.0, "b": 90.0, "c": 85.0, "d": 80.0, "e": 75.0, "z": 50.0}
Z_FINE: dict[str, float | None] = {"a": 95.0, "b": 90.0, "c": 85.0, "d": 80.0, "e": 75.0, "z": 88.0}


def test_two_bottom_months_then_a_good_month_resets() -> None:
    rule = LaggingRule(bottom_n=1)
    assert lagging_units(_history(GOOD, GOOD), rule) == set()
    assert lagging_units(_history(GOOD, GOOD, Z_FINE), rule) == set()
    assert lagging_units(_history(GOOD, GOOD, Z_FINE, GOOD, GOOD), rule) == set()
    assert lagging_units(_history(GOOD, GOOD, Z_FINE, GOOD, GOOD, GOOD), rule) == {"z"}


def test_exactly_k_months_lag() -> None:
    assert lagging_units(_history(GOOD, GOOD, GOOD), LaggingRule(bottom_n=1)) == {"z"}
    assert lagging_units(_history(GOOD, GOOD), LaggingRule(bottom_n=1, k=2)) == {"z"}
    assert lagging_units(_history(GOOD, GOOD, GOOD), LaggingRule(bottom_n=1, k=4)) == set()


def test_month_not_inspected_neither_counts_nor_resets() -> None:
    missing = {**GOOD, "z": None}
    rule = LaggingRule(bottom_n=1)
    # bottom, not inspected, bottom: two ranked months only
    assert lagging_units(_history(GOOD, missing, GOOD), rule) == set()
    # bottom, not inspected, bottom, bottom: three ranked months in a row
    assert lagging_units(_history(GOOD, missing, GOOD, GOOD), rule) == {"z"}
    # not inspected in the month judged: no verdict for that month
    assert lagging_units(_history(GOOD, GOOD, GOOD, missing), rule) == set()


def test_streaks_do_not_reach_beyond_the_lookback() -> None:
    missing = {**GOOD, "z": None}
    months = [GOOD, missing, missing, missing, GOOD, GOOD]
    assert lagging_units(_history(*months), LaggingRule(bottom_n=1)) == {"z"}
    assert lagging_units(_history(*months), LaggingRule(bottom_n=1, lookback_months=5)) == set()


def test_history_must_be_aligned() -> None:
    with pytest.raises(ValueError, match="same months"):
        lagging_units({"a": [1.0, 2.0], "b": [1.0]})


# ---------------------------------------------------------------------- months


@pytest.mark.parametrize(
    ("month", "delta", "expected"),
    [
        ("2026-11", 0, "2026-11"),
        ("2026-11", 2, "2027-01"),
        ("2026-01", -1, "2025-12"),
        ("2026-03", -14, "2025-01"),
    ],
)
def test_shift_month(month: str, delta: int, expected: str) -> None:
    assert ranking.shift_month(month, delta) == expected


@pytest.mark.parametrize("month", ["2026-13", "2026-1", "26-11", "2026/11", "", "十一月"])
def test_bad_month_is_refused_with_a_message(month: str) -> None:
    with pytest.raises(InvalidInput, match="YYYY-MM"):
        ranking.parse_month(month)


# ---------------------------------------------------------------------- the service

TODAY = dt.date(2026, 11, 30)
ORG = OrgTreeFile.model_validate(
    {
        "units": [
            {"code": "ROOT", "name": "測試黨委", "kind": "committee"},
            {"code": "GB", "name": "測試黨總支", "kind": "general_branch", "parent": "ROOT"},
            {"code": "B1", "name": "第一黨支部", "kind": "branch", "parent": "GB"},
            {"code": "B2", "name": "第二黨支部", "kind": "branch", "parent": "GB"},
            {"code": "B3", "name": "第三黨支部", "kind": "branch", "parent": "ROOT"},
            {"code": "B4", "name": "第四黨支部", "kind": "branch", "parent": "ROOT"},
            {"code": "G1", "name": "第一黨小組", "kind": "group", "parent": "B1"},
        ]
    }
)


@pytest.fixture
def store(tmp_path: Path) -> Store:
    clock = FixedClock(dt.datetime(2026, 9, 1, 2, tzinfo=dt.UTC), dt.timedelta(seconds=1))
    s = open_store(tmp_path / "t.db", clock=clock, user="張明遠", device_id="test", seed=1)
    checklists.install_shipped(s)
    units.import_org_tree_data(s, ORG)
    return s


def _inspect(store: Store, code: str, day: dt.date, conforming: int, *, sign: bool = True) -> str:
    """An inspection of version 3 where the first ``conforming`` regular items conform."""
    checklist = checklists.newest_checklist(store, "branch-benchmark")
    ins = inspections.start_inspection(
        store, code, kind=InspectionKind.SPOT, date=day, checklist_id=checklist.id
    )
    regular = 0
    for ind in checklists.indicators_of(store, checklist.id):
        if ind.kind.value == "bonus":
            result = Result.DOES_NOT
        else:
            result = Result.CONFORMS if regular < conforming else Result.DOES_NOT
            regular += 1
        inspections.record_answer(store, ins.id, ind.id, result)
    if sign:
        inspections.sign_off(store, ins.id)
    return ins.id


def _codes(store: Store, results: list) -> list[tuple[str, int | None, bool, bool]]:
    code = {r["id"]: r["code"] for r in store.all("SELECT id, code FROM units")}
    return [(code[r.unit_id], r.rank, r.benchmark, r.lagging) for r in results]


def test_compute_month_ranks_branches_and_general_branches(store: Store) -> None:
    day = dt.date(2026, 9, 10)
    _inspect(store, "B1", day, 18)
    _inspect(store, "B2", day, 10)
    _inspect(store, "B2", dt.date(2026, 9, 20), 14)  # the month's mean
    _inspect(store, "GB", day, 18)
    _inspect(store, "B3", day, 5, sign=False)  # in progress: does not count
    _inspect(store, "B4", dt.date(2026, 10, 1), 18)  # next month

    results = ranking.compute_month(store, "2026-09")

    assert _codes(store, results) == [
        ("B1", 1, True, False),
        ("GB", 1, True, False),
        ("B2", 3, False, False),
        ("B3", None, False, False),
        ("B4", None, False, False),
    ]
    assert results[0].score == results[1].score == 100.0
    assert results[3].score is None
    assert ranking.month_results(store, "2026-09", limit=2) == results[:2]
    assert ranking.month_results(store, "2026-09", limit=2, offset=2) == results[2:4]


def test_pages_are_slices_of_the_whole_month(store: Store) -> None:
    _inspect(store, "B1", dt.date(2026, 9, 10), 12)
    _inspect(store, "B2", dt.date(2026, 9, 10), 12)
    _inspect(store, "B4", dt.date(2026, 9, 10), 16)
    whole = ranking.compute_month(store, "2026-09")
    assert [r.rank for r in whole] == [1, 2, 2, None, None]
    for limit in range(0, 7):
        for offset in range(0, 7):
            page = ranking.month_results(store, "2026-09", limit=limit, offset=offset)
            assert page == whole[offset : offset + limit], (limit, offset)
    assert ranking.month_results(store, "2026-09", offset=3) == whole[3:]


def test_month_score_matches_the_inspection_score(store: Store) -> None:
    first = _inspect(store, "B1", dt.date(2026, 9, 3), 12)
    second = _inspect(store, "B1", dt.date(2026, 9, 28), 16)
    expected = monthly_score(
        [inspections.score_of(store, first).percent, inspections.score_of(store, second).percent]
    )
    result = ranking.compute_month(store, "2026-09")
    assert next(r for r in result if r.rank == 1).score == expected


def test_lagging_after_three_bottom_months_and_recompute_is_stable(store: Store) -> None:
    rule = LaggingRule(bottom_n=1)
    for month, day in (("2026-08", 5), ("2026-09", 7), ("2026-10", 6)):
        start = ranking.month_bounds(month)[0].replace(day=day)
        _inspect(store, "B1", start, 18)
        _inspect(store, "B2", start, 15)
        _inspect(store, "B3", start, 6)
        results = ranking.compute_month(store, month, rule)
    assert [c for c, _, _, lagging in _codes(store, results) if lagging] == ["B3"]

    before = store.scalar("SELECT count(*) FROM audit_log")
    again = ranking.compute_month(store, "2026-10", rule)
    assert again == results
    assert store.scalar("SELECT count(*) FROM audit_log") == before  # nothing changed
    assert store.scalar("SELECT count(*) FROM monthly_results") == 3 * 5

    # B3 does better in November: the streak ends
    _inspect(store, "B1", dt.date(2026, 11, 4), 18)
    _inspect(store, "B2", dt.date(2026, 11, 4), 10)
    _inspect(store, "B3", dt.date(2026, 11, 4), 16)
    november = ranking.compute_month(store, "2026-11", rule)
    assert not any(r.lagging for r in november)
    assert ranking.computed_months(store) == ["2026-08", "2026-09", "2026-10", "2026-11"]


def test_recompute_after_a_late_sign_off_updates_in_place(store: Store) -> None:
    _inspect(store, "B1", dt.date(2026, 9, 3), 10)
    ranking.compute_month(store, "2026-09")
    late = _inspect(store, "B2", dt.date(2026, 9, 4), 18, sign=False)
    inspections.sign_off(store, late)
    results = ranking.compute_month(store, "2026-09")
    assert _codes(store, results)[:2] == [("B2", 1, True, False), ("B1", 2, False, False)]
    assert store.scalar("SELECT count(*) FROM monthly_results") == 5
    rows = store.all("SELECT updated_by, device_id FROM monthly_results")
    assert {(r["updated_by"], r["device_id"]) for r in rows} == {("張明遠", "test")}


def test_compute_month_refuses_a_bad_month(store: Store) -> None:
    with pytest.raises(InvalidInput, match="YYYY-MM"):
        ranking.compute_month(store, "2026-9")
    assert store.scalar("SELECT count(*) FROM monthly_results") == 0


# ====================================================================== monthly benchmarking
# (scoring rules, fast rules checked against their first form, streaks, views, export)


def _bottom_reference(scores: Mapping[str, float | None], rule: LaggingRule) -> set[str]:
    """The bottom of a month as first written: count the units strictly lower, unit by unit."""
    ranks = rank(scores)
    ranked = {u: s for u, s in scores.items() if s is not None}
    limits = []
    if rule.bottom_n is not None:
        limits.append(rule.bottom_n)
    if rule.bottom_percent is not None:
        limits.append(math.ceil(len(ranked) * rule.bottom_percent / 100))
    ascending = sorted(ranked.values())
    out = set()
    for unit, score in ranked.items():
        if ranks[unit] == 1:
            continue
        lower = bisect_left(ascending, score)
        if any(lower < limit for limit in limits) or (
            rule.below_score is not None and score < rule.below_score
        ):
            out.add(unit)
    return out


def _lagging_reference(history: Mapping[str, list[float | None]], rule: LaggingRule) -> set[str]:
    """Lagging as first written: a flag list per unit, judged by ``lags``."""
    months = len(next(iter(history.values()))) if history else 0
    start = max(0, months - rule.lookback_months)
    flags: dict[str, list[bool | None]] = {u: [] for u in history}
    for index in range(start, months):
        column = {u: s[index] for u, s in history.items()}
        bottom = _bottom_reference(column, rule)
        for unit, score in column.items():
            flags[unit].append(None if score is None else unit in bottom)
    return {u for u, f in flags.items() if lags(f, rule.k)}


RULES = st.builds(
    lambda n, pct, below, k, back: (
        LaggingRule(
            bottom_n=n,
            bottom_percent=pct,
            below_score=below,
            k=k,
            lookback_months=max(k, back),
        )
        if (n, pct, below) != (None, None, None)
        else LaggingRule(k=k, lookback_months=max(k, back))
    ),
    st.one_of(st.none(), st.integers(1, 5)),
    st.one_of(st.none(), st.integers(1, 60).map(float)),
    st.one_of(st.none(), st.integers(40, 90).map(float)),
    st.integers(1, 4),
    st.integers(1, 8),
)
SCORES = st.one_of(st.none(), st.integers(0, 12).map(lambda n: 50.0 + n * 4))


@given(st.dictionaries(st.sampled_from("abcdefghij"), SCORES, max_size=10), RULES)
def test_bottom_units_match_the_reference(
    scores: dict[str, float | None], rule: LaggingRule
) -> None:
    assert bottom_units(scores, rule) == _bottom_reference(scores, rule)


@given(
    st.integers(1, 10).flatmap(
        lambda months: st.dictionaries(
            st.sampled_from("abcdefg"), st.lists(SCORES, min_size=months, max_size=months)
        )
    ),
    RULES,
)
def test_lagging_units_match_the_reference(
    history: dict[str, list[float | None]], rule: LaggingRule
) -> None:
    assert lagging_units(history, rule) == _lagging_reference(history, rule)


def test_streaks_name_the_months_of_each_run() -> None:
    rule = LaggingRule(bottom_n=1, lookback_months=4, k=2)
    columns: list[dict[str, float | None]] = [
        {"a": 90.0, "z": 50.0},  # 0: z bottom
        {"a": 90.0, "z": None},  # 1: z not ranked: skipped
        {"a": 90.0, "z": 50.0},  # 2: z bottom (run 0, 2)
        {"a": 90.0, "z": 50.0},  # 3: z bottom (run 0, 2, 3)
        {"a": 90.0, "z": 50.0},  # 4: month 0 falls out of the 4-month look-back
        {"a": 90.0, "z": 95.0},  # 5: z is the benchmark: the run ends
        {"a": 90.0, "z": 50.0},  # 6: a new run
    ]
    result = streaks(columns, rule)
    assert [m.get("z") for m in result] == [
        (0,),
        None,
        (0, 2),
        (0, 2, 3),
        (2, 3, 4),
        None,
        (6,),
    ]
    assert [m.get("a") for m in result] == [None] * 5 + [(5,), None]  # a at the bottom once


@pytest.mark.parametrize(
    ("percents", "method", "expected"),
    [
        ([80.0, None, 90.0, 70.0], "mean", 80.0),
        ([80.0, None, 90.0, 70.0], "latest", 70.0),
        ([80.0, 90.0, None], "latest", 90.0),  # an inspection without a percentage is left out
        ([], "latest", None),
    ],
)
def test_monthly_score_methods(
    percents: list[float | None], method: str, expected: float | None
) -> None:
    assert monthly_score(percents, method) == expected  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("score", "overdue", "scoring", "expected"),
    [
        (80.0, 3, MonthScoring(overdue_deduction=2), 74.0),
        (80.0, 3, MonthScoring(overdue_deduction=2, overdue_deduction_cap=5), 75.0),
        (3.0, 5, MonthScoring(overdue_deduction=1), 0.0),  # never below 0
        (None, 5, MonthScoring(overdue_deduction=1), None),  # not inspected stays so
        (80.0, 0, MonthScoring(overdue_deduction=2), 80.0),
        (80.0, 4, MonthScoring(), 80.0),  # no deduction by default
    ],
)
def test_overdue_deduction(
    score: float | None, overdue: int, scoring: MonthScoring, expected: float | None
) -> None:
    assert deduct(score, overdue, scoring) == expected


def _inspect_with_bonus(
    store: Store, code: str, day: dt.date, conforming: int, bonus: float
) -> str:
    """Like ``_inspect``, with the first bonus item (G1, 1 point per occurrence) earned."""
    checklist = checklists.newest_checklist(store, "branch-benchmark")
    ins = inspections.start_inspection(store, code, date=day, checklist_id=checklist.id)
    regular = 0
    for ind in checklists.indicators_of(store, checklist.id):
        if ind.kind.value == "bonus":
            if ind.code == "G1" and bonus:
                inspections.record_answer(store, ins.id, ind.id, Result.CONFORMS, value=bonus)
            else:
                inspections.record_answer(store, ins.id, ind.id, Result.DOES_NOT)
            continue
        result = Result.CONFORMS if regular < conforming else Result.DOES_NOT
        regular += 1
        inspections.record_answer(store, ins.id, ind.id, result)
    inspections.sign_off(store, ins.id)
    return ins.id


def _overdue_problems(store: Store) -> None:
    """B3's problems: two overdue at the end of September, two not."""
    found = dt.date(2026, 9, 2)

    def add(deadline: dt.date) -> str:
        return problems.add_problem(
            store, unit="B3", description="記錄不全", deadline=deadline, found_on=found
        ).id

    def close(pid: str, on: dt.date) -> None:
        problems.record_rectification(store, pid, description="已補齊", done_on=on)
        problems.submit_for_verification(store, pid)
        problems.close_problem(store, pid, closed_on=on, without_evidence_reason="現場核對")

    add(dt.date(2026, 9, 20))  # open, deadline passed: overdue
    close(add(dt.date(2026, 9, 25)), dt.date(2026, 9, 28))  # closed in September: not
    add(dt.date(2026, 10, 5))  # deadline in October: not
    close(add(dt.date(2026, 9, 22)), dt.date(2026, 10, 3))  # closed in October: overdue then
    add(dt.date(2026, 10, 20))  # deadline after the month: not
    problems.add_problem(
        store,
        unit="B3",
        description="後發現",
        deadline=dt.date(2026, 10, 20),
        found_on=dt.date(2026, 10, 2),
    )


def test_scoring_rules_on_hand_computed_cases(store: Store) -> None:
    # v3 regular items in order: A1 6, A2 4, A3 4, B1 8, B2 5, B3 6, B4 5, C1 5, C2 4, C3 5,
    # C4 4, D1 4, D2 4, E1 7, ... (100 in all): the first 10 are 52 points, the first 14 71.
    _inspect(store, "B1", dt.date(2026, 9, 3), 10)  # 52
    _inspect(store, "B1", dt.date(2026, 9, 20), 14)  # 71
    _inspect_with_bonus(store, "B2", dt.date(2026, 9, 10), 18, bonus=2)  # 100 + 2
    _inspect(store, "B3", dt.date(2026, 9, 10), 16)  # 84
    store.clock.set(dt.datetime(2026, 10, 10, 2, tzinfo=dt.UTC))  # type: ignore[attr-defined]
    _overdue_problems(store)
    assert ranking.overdue_at_month_end(store, "2026-09") == {
        store.scalar("SELECT id FROM units WHERE code = 'B3'"): 2
    }

    def scores(scoring: MonthScoring) -> dict[str, float | None]:
        code = {r["id"]: r["code"] for r in store.all("SELECT id, code FROM units")}
        return {code[u]: s for u, s in ranking.month_scores(store, "2026-09", scoring).items()}

    assert scores(MonthScoring()) == {"B1": 61.5, "B2": 102.0, "B3": 84.0, "B4": None, "GB": None}
    assert scores(MonthScoring(method="latest"))["B1"] == 71.0
    assert scores(MonthScoring(include_bonus=False))["B2"] == 100.0
    assert scores(MonthScoring(overdue_deduction=1.5))["B3"] == 81.0
    assert scores(MonthScoring(overdue_deduction=1.5, overdue_deduction_cap=2))["B3"] == 82.0
    results = ranking.compute_month(
        store, "2026-09", scoring=MonthScoring(method="latest", include_bonus=False)
    )
    assert [(r.score, r.rank) for r in results] == [
        (100.0, 1),
        (84.0, 2),
        (71.0, 3),
        (None, None),
        (None, None),
    ]


def test_a_tie_at_the_top_makes_two_benchmarks_and_skips_a_rank(store: Store) -> None:
    day = dt.date(2026, 9, 10)
    _inspect(store, "B1", day, 14)
    _inspect(store, "B2", day, 14)
    _inspect(store, "B3", day, 10)
    results = ranking.compute_month(store, "2026-09")
    assert [(r.rank, r.benchmark) for r in results][:3] == [(1, True), (1, True), (3, False)]
    benchmarks = ranking.indicator_benchmarks(store, "2026-09")
    # on A1 (everyone full marks) the tie goes to the better overall rank, then the code
    a1 = next(b for b in benchmarks if b.indicator.code == "A1")
    code = {r["id"]: r["code"] for r in store.all("SELECT id, code FROM units")}
    assert (code[a1.unit_id], a1.tied, a1.assessed, a1.share) == ("B1", 3, 3, 1.0)
    # on C4 (item 11) only B1 and B2 conform
    c4 = next(b for b in benchmarks if b.indicator.code == "C4")
    assert (c4.unit_code, c4.tied) == ("B1", 2)


def _history_months(store: Store, rule: LaggingRule) -> None:
    """June to September: B1 100, B2 78, B3 33 (not inspected in July)."""
    for month, day in (("2026-06", 5), ("2026-07", 7), ("2026-08", 6), ("2026-09", 8)):
        start = ranking.month_bounds(month)[0].replace(day=day)
        _inspect(store, "B1", start, 18)
        _inspect(store, "B2", start, 15)
        if month != "2026-07":  # B3 is not inspected in July: skipped, not a reset
            _inspect(store, "B3", start, 6)
        ranking.compute_month(store, month, rule)


def test_bottom_streaks_record_the_months_that_made_a_unit_lag(store: Store) -> None:
    rule = LaggingRule(bottom_n=1)
    _history_months(store, rule)
    lines = ranking.lagging_list(store, "2026-09")
    assert [(x.unit_code, x.months, x.rank, x.ranked) for x in lines] == [
        ("B3", ("2026-06", "2026-08", "2026-09"), 3, 3)
    ]
    assert ranking.lagging_list(store, "2026-08") == []
    # the same from the saved scores, over the whole span at once
    detected = ranking.detect_lagging(store, "2026-06", "2026-09", rule)
    b3 = store.scalar("SELECT id FROM units WHERE code = 'B3'")
    assert detected == {
        "2026-06": {},
        "2026-07": {},
        "2026-08": {},
        "2026-09": {b3: ("2026-06", "2026-08", "2026-09")},
    }
    # B3 does better in a recomputed September: its streak row goes to 0, never deleted
    for day in (20, 21, 22):  # (33 + 3 × 100) / 4 = 83.25: above B2's 78
        _inspect(store, "B3", dt.date(2026, 9, day), 18)
    ranking.compute_month(store, "2026-09", rule)
    assert ranking.lagging_list(store, "2026-09") == []
    row = store.one(
        "SELECT streak, months, lagging FROM bottom_streaks WHERE month = '2026-09' AND unit_id = ?",
        (b3,),
    )
    assert row == {"streak": 0, "months": "", "lagging": 0}


def test_ranking_rows_show_change_and_warning_colours(store: Store) -> None:
    rule = LaggingRule(bottom_n=1)
    _history_months(store, rule)
    rows = {r.unit_code: r for r in ranking.ranking_rows(store, "2026-09")}
    assert list(rows) == ["B1", "B2", "B3", "B4", "GB"]
    b3 = rows["B3"]
    assert (b3.rank, b3.score, b3.previous_score, b3.change, b3.rank_change) == (
        3,
        33.0,
        33.0,
        0.0,
        0,
    )
    assert (b3.lagging, b3.bottom_streak, b3.warning) == (True, 3, "red")
    assert (rows["B1"].benchmark, rows["B1"].warning) == (True, None)
    assert (rows["B4"].score, rows["B4"].change, rows["B4"].rank_change) == (None, None, None)
    august = {r.unit_code: r for r in ranking.ranking_rows(store, "2026-08")}
    assert (august["B3"].bottom_streak, august["B3"].warning) == (2, "yellow")
    july = {r.unit_code: r for r in ranking.ranking_rows(store, "2026-07")}
    assert (july["B2"].bottom_streak, july["B2"].warning) == (1, "blue")
    assert july["B3"].previous_score == 33.0 and july["B3"].change is None
    assert ranking.ranking_rows(store, "2026-09", limit=2, offset=1)[0].unit_code == "B2"


def test_unit_trend_shows_gaps_not_zeros(store: Store) -> None:
    _history_months(store, LaggingRule(bottom_n=1))
    b3 = store.scalar("SELECT id FROM units WHERE code = 'B3'")
    trend = ranking.unit_trend(store, b3, 12)
    assert len(trend) == 12 and trend[0].month == "2025-10" and trend[-1].month == "2026-09"
    assert [p.score for p in trend[-4:]] == [33.0, None, 33.0, 33.0]
    assert [p.ranked for p in trend[-4:]] == [3, 2, 3, 3]
    assert trend[0] == ranking.TrendPoint("2025-10", None, None, 0, False, False)
    assert len(ranking.unit_trend(store, b3, 36, end="2026-09")) == 36


def test_points_lost_per_indicator_and_unit(store: Store) -> None:
    _inspect(store, "B1", dt.date(2026, 9, 3), 18)
    _inspect(store, "B2", dt.date(2026, 9, 3), 10)  # loses everything from C4 on
    _inspect(store, "B2", dt.date(2026, 9, 20), 14)  # loses everything from E2 on
    ranking.compute_month(store, "2026-09")
    view = ranking.points_lost(store, "2026-09")
    codes = [c.code for c in view.indicators]
    assert codes[:3] == ["A1", "A2", "A3"] and "G1" not in codes and len(codes) == 18
    assert [r.unit_code for r in view.rows] == ["B2", "B1"] and view.total == 2
    b2 = view.rows[0]
    by_code = {c.code: b2.lost[c.indicator_id] for c in view.indicators}
    # C4 lost in one inspection of two: (4 - mean(0, 4)) = 2; E2 lost in both: 7
    assert (by_code["A1"], by_code["C4"], by_code["E1"], by_code["E2"]) == (0.0, 2.0, 3.5, 7.0)
    assert b2.total_lost == round(100 - (52 + 71) / 2, 2) == 38.5
    assert view.rows[1].total_lost == 0.0
    losses = ranking.unit_losses(store, b2.unit_id, "2026-09")
    assert [x.indicator.code for x in losses[:3]] == ["Z1", "E2", "E3"]
    assert losses[0].lost == 10.0 and losses[0].benchmark and losses[0].benchmark.unit_code == "B1"
    assert ranking.points_lost(store, "2026-09", order="code", limit=1).rows[0].unit_code == "B1"


def test_consequences_are_lines_from_the_settings(store: Store) -> None:
    rule = LaggingRule(bottom_n=1)
    _history_months(store, rule)
    rules = [
        ranking.Consequence(text="取消評先評優資格", bottom_streak=2),
        ranking.Consequence(text="約談", below_score=60),
        ranking.Consequence(text="督導檢查", lagging=True),
        ranking.Consequence(text="兩次末位", bottom_count=2, within_months=3),
    ]
    lines = ranking.consequences_for(store, "2026-09", rules)
    assert [(x.unit_code, x.lines) for x in lines] == [
        ("B3", ("取消評先評優資格", "約談", "督導檢查", "兩次末位"))
    ]
    # July: B2 at the bottom once (B3 not inspected), with 78 points: nothing applies
    assert ranking.consequences_for(store, "2026-07", rules) == []
    with pytest.raises(ValidationError, match="needs a condition"):
        ranking.Consequence(text="nothing")


def test_compute_refuses_a_month_under_review_or_published(store: Store) -> None:
    _inspect(store, "B1", dt.date(2026, 9, 3), 12)
    ranking.compute_month(store, "2026-09")
    results = (
        "SELECT count(*) FROM audit_log WHERE table_name IN ('monthly_results', 'bottom_streaks')"
    )
    before = store.scalar(results)
    for state, error in (
        ("submitted", IllegalTransition),
        ("consolidated", IllegalTransition),
        ("published", ReadOnlyRecord),
    ):
        store.conn.execute(
            "INSERT OR REPLACE INTO month_reviews (id, month, state, created_at, updated_at, device_id) "
            "VALUES ('x', '2026-09', ?, '', '', '')",
            (state,),
        )
        with pytest.raises(error, match="2026-09"):
            ranking.compute_month(store, "2026-09")
    store.conn.execute("DELETE FROM month_reviews")
    assert store.scalar(results) == before
    for state in ("returned", "reopened"):
        store.conn.execute(
            "INSERT OR REPLACE INTO month_reviews (id, month, state, created_at, updated_at, device_id) "
            "VALUES ('x', '2026-09', ?, '', '', '')",
            (state,),
        )
        ranking.compute_month(store, "2026-09")


@pytest.mark.parametrize(
    ("month", "message"),
    [("2026-13", "YYYY-MM"), ("2026/11", "YYYY-MM"), ("2026-12", "future"), ("2027-01", "future")],
)
def test_check_month_refuses_bad_and_future_months(month: str, message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        ranking.check_month(month, dt.date(2026, 11, 30))
    assert ranking.check_month(" 2026-11", dt.date(2026, 11, 30)) == "2026-11"


def test_export_is_clean_for_bonus_allocation(store: Store, tmp_path: Path) -> None:
    import openpyxl

    _history_months(store, LaggingRule(bottom_n=1))
    out = tmp_path / "ranking.xlsx"
    assert ranking.export_ranking(store, "2026-09", out, "xlsx") == 5
    sheet = openpyxl.load_workbook(out).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == (
        "Month",
        "Rank",
        "Unit code",
        "Unit",
        "Score",
        "Previous month score",
        "Change",
        "Benchmark",
        "Lagging",
        "Months at the bottom running",
    )
    assert rows[1] == ("2026-09", 1, "B1", "第一黨支部", 100, 100, 0, 1, 0, 0)
    assert rows[3][:5] == ("2026-09", 3, "B3", "第三黨支部", 33) and rows[3][7:] == (0, 1, 3)
    assert rows[4] == ("2026-09", None, "B4", "第四黨支部", None, None, None, 0, 0, 0)
    assert all(isinstance(v, int | float) for v in rows[1][4:])
    out_csv = tmp_path / "ranking.csv"
    ranking.export_ranking(store, "2026-09", out_csv, "csv")
    with out_csv.open(encoding="utf-8-sig") as fh:
        lines = list(csv.reader(fh))
    assert lines[1] == ["2026-09", "1", "B1", "第一黨支部", "100.0", "100.0", "0.0", "1", "0", "0"]
    assert lines[4][1] == "" and lines[4][4] == ""
    with pytest.raises(InvalidInput, match="format"):
        ranking.export_ranking(store, "2026-09", tmp_path / "x.pdf", "pdf")
