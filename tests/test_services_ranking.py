"""Monthly benchmarking: ranks, the bottom of a month, lagging streaks, and the service
that writes a month's results."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Mapping
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from inspect_tui.clock import FixedClock
from inspect_tui.errors import InvalidInput
from inspect_tui.models import InspectionKind, OrgTreeFile, Result
from inspect_tui.services import checklists, inspections, ranking, units
from inspect_tui.services.ranking import (
    LaggingRule,
    bottom_units,
    lagging_units,
    lags,
    monthly_score,
    rank,
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
