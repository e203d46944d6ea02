"""The practice library (對標實踐庫), suggestions for a lagging unit, and what the demo
database holds for monthly benchmarking."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest

from inspect_tui.clock import FixedClock
from inspect_tui.errors import InvalidInput, NotFound
from inspect_tui.models import Result
from inspect_tui.services import (
    checklists,
    demo,
    inspections,
    integrity,
    practices,
    ranking,
    review,
    selfreport,
)
from inspect_tui.services.benchmark_settings import DEFAULTS
from inspect_tui.services.demo import DemoSummary
from inspect_tui.store import Store, open_store

MONTH = "2026-10"


def inspect_unit(store: Store, code: str, day: dt.date, conforming: int, version: int = 3) -> str:
    checklist = next(c for c in checklists.list_checklists(store) if c.version == version)
    ins = inspections.start_inspection(store, code, date=day, checklist_id=checklist.id)
    regular = 0
    for ind in checklists.indicators_of(store, checklist.id):
        ok = ind.kind.value != "bonus" and regular < conforming
        regular += ind.kind.value != "bonus"
        inspections.record_answer(store, ins.id, ind.id, Result.CONFORMS if ok else Result.DOES_NOT)
    inspections.sign_off(store, ins.id)
    return ins.id


@pytest.fixture
def month(store: Store) -> dict[str, str]:
    """October: SDC full marks (the benchmark), JG1 all but the last two items, KFZX the
    first 14, JG2 the first 10 (it loses most on Z1, then E1, E2); inspection ids by code."""
    day = dt.date(2026, 10, 12)
    ids = {
        code: inspect_unit(store, code, day, conforming)
        for code, conforming in (("SDC", 18), ("JG1", 16), ("KFZX", 14), ("JG2", 10))
    }
    ranking.compute_month(store, MONTH)
    return ids


def test_marking_a_practice_during_an_inspection(store: Store, month: dict[str, str]) -> None:
    store.user = "張明遠"
    practice = practices.mark_practice(store, month["SDC"], "C3", "「三亮」工程：安全帽印黨員標識")
    assert (practice.unit_code, practice.indicator_code, practice.month) == ("SDC", "C3", MONTH)
    assert practice.indicator_title.startswith("「三亮」工程")
    assert (practice.marked_by, practice.marked_on) == ("張明遠", dt.date(2026, 11, 30))
    assert practice.inspection_id == month["SDC"]
    by_indicator = practices.practices_of_inspection(store, month["SDC"])
    assert list(by_indicator) == [practice.indicator_id]
    edited = practices.edit_practice(store, practice.id, "設立黨員示範崗")
    assert edited.description == "設立黨員示範崗"
    with pytest.raises(InvalidInput, match="description"):
        practices.mark_practice(store, month["SDC"], "C3", "   ")
    with pytest.raises(InvalidInput, match="control"):
        practices.mark_practice(store, month["SDC"], "C3", "bell\x07")
    with pytest.raises(NotFound):
        practices.mark_practice(store, month["SDC"], "Q9", "說明")
    with pytest.raises(NotFound):
        practices.mark_practice(store, "no-such-inspection", "C3", "說明")
    practices.withdraw_practice(store, practice.id)
    assert practices.library(store) == []
    assert store.scalar("SELECT count(*) FROM tombstones WHERE table_name = 'practices'") == 1


def test_the_library_by_indicator_and_unit(store: Store, month: dict[str, str]) -> None:
    practices.mark_practice(store, month["SDC"], "E2", "零違章競賽")
    practices.mark_practice(store, month["JG1"], "E2", "安全承諾書")
    practices.mark_practice(store, month["SDC"], "A1", "三重一大登記表")
    found = practices.library(store)
    assert [(p.indicator_code, p.unit_code) for p in found] == [
        ("A1", "SDC"),
        ("E2", "JG1"),
        ("E2", "SDC"),
    ]
    grouped = practices.by_indicator(found)
    assert [code for code, _ in grouped] == ["A1", "E2"] and len(grouped[next(iter(grouped))]) == 1
    sdc = store.scalar("SELECT id FROM units WHERE code = 'SDC'")
    assert [p.indicator_code for p in practices.library(store, unit_id=sdc)] == ["A1", "E2"]
    assert [p.unit_code for p in practices.library(store, indicator_code="E2")] == ["JG1", "SDC"]
    assert practices.library(store, since="2026-11") == []
    assert len(practices.library(store, limit=2, offset=2)) == 1


def test_suggestions_for_a_lagging_unit_put_the_benchmark_first(
    store: Store, month: dict[str, str]
) -> None:
    practices.mark_practice(store, month["KFZX"], "E1", "KFZX 的安全思想保證措施")
    practices.mark_practice(store, month["SDC"], "E1", "SDC 的安全思想保證措施")
    practices.mark_practice(store, month["JG1"], "Z1", "JG1 的特色活動")
    practices.mark_practice(store, month["JG2"], "Z1", "JG2 自己的")  # never suggested to itself
    # an older version's indicator with the same code and title counts; another title does not
    september = inspect_unit(store, "JG1", dt.date(2026, 9, 8), 24, version=2)
    practices.mark_practice(store, september, "A2", "版本2的每月一題")
    practices.mark_practice(store, september, "E1", "版本2的E1是工會工作")
    jg2 = store.scalar("SELECT id FROM units WHERE code = 'JG2'")
    found = practices.suggestions_for(store, jg2, MONTH, indicators=20)
    by_code = {s.loss.indicator.code: s for s in found}
    assert [s.loss.indicator.code for s in found[:3]] == ["Z1", "E1", "E2"]
    assert by_code["Z1"].loss.lost == 10 and by_code["Z1"].loss.benchmark.unit_code == "SDC"  # type: ignore[union-attr]
    assert [p.description for p in by_code["Z1"].practices] == ["JG1 的特色活動"]
    # the benchmark unit on E1 (SDC) first, then another unit
    assert [p.unit_code for p in by_code["E1"].practices] == ["SDC", "KFZX"]
    assert by_code["E2"].practices == ()
    one = practices.suggestions_for(store, jg2, MONTH, indicators=1, per_indicator=1)
    assert len(one) == 1 and len(one[0].practices) == 1
    sdc = store.scalar("SELECT id FROM units WHERE code = 'SDC'")
    assert practices.suggestions_for(store, sdc, MONTH) == []  # loses nothing
    with pytest.raises(InvalidInput):
        practices.suggestions_for(store, jg2, MONTH, indicators=0)


def test_an_indicator_carried_into_a_new_version_keeps_its_practices(store: Store) -> None:
    september = inspect_unit(store, "JG1", dt.date(2026, 9, 8), 24, version=2)
    practices.mark_practice(store, september, "A2", "每月一題心得按月交流")
    practices.mark_practice(store, september, "E1", "工會工作")  # v3's E1 is another thing
    day = dt.date(2026, 10, 12)
    inspect_unit(store, "SDC", day, 18)
    inspect_unit(store, "JG2", day, 1)  # loses A2 and E1 among others
    ranking.compute_month(store, MONTH)
    jg2 = store.scalar("SELECT id FROM units WHERE code = 'JG2'")
    found = {
        s.loss.indicator.code: s
        for s in practices.suggestions_for(store, jg2, MONTH, indicators=20)
    }
    assert [p.description for p in found["A2"].practices] == ["每月一題心得按月交流"]
    assert found["E1"].practices == ()  # E1's title differs between the versions


# ---------------------------------------------------------------------- the demo database

TODAY = dt.date(2026, 11, 30)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Store, DemoSummary]]:
    path: Path = tmp_path_factory.mktemp("demo") / "demo.db"
    clock = FixedClock(dt.datetime(2026, 11, 30, 10, tzinfo=dt.UTC))
    store = open_store(path, clock=clock, user="測試員", device_id="test", seed=7)
    summary = demo.build_demo(store, seed=7, today=TODAY)
    yield store, summary
    store.close()


def test_the_demo_has_lagging_benchmark_flags_and_practices_in_its_last_months(
    built: tuple[Store, DemoSummary],
) -> None:
    store, summary = built
    last3 = summary.months[-3:]
    for month in last3:
        results = ranking.month_results(store, month)
        assert [r for r in results if r.benchmark], month
        assert [r for r in results if r.lagging], month
        flags = selfreport.over_reporting(store, month, margin=DEFAULTS.over_reporting_margin)
        assert 1 <= len(flags) <= 4, month
        assert ranking.indicator_benchmarks(store, month)
    assert summary.practices == store.scalar("SELECT count(*) FROM practices") >= 5
    recent = practices.library(store, since=summary.months[-4])
    assert len(recent) == summary.practices
    assert len({p.unit_id for p in recent}) >= 2
    assert summary.self_reports == store.scalar("SELECT count(*) FROM self_reports") > 0


def test_the_demo_reviews_its_months(built: tuple[Store, DemoSummary]) -> None:
    store, summary = built
    states = {r.month: r.state for r in review.reviews(store)}
    assert states[summary.months[-1]] == "draft"
    assert states[summary.months[-2]] == "reviewed"
    assert {states[m] for m in summary.months[:-2]} == {"published"}
    assert summary.published == len(summary.months) - 2
    actions = {e.action for m in summary.months for e in review.history(store, m)}
    assert {"submit", "review", "consolidate", "approve", "send_back", "reopen"} <= actions
    assert [str(f) for f in integrity.run_checks(store)] == []


def test_lagging_detection_over_the_year_agrees_with_the_saved_months(
    built: tuple[Store, DemoSummary],
) -> None:
    store, summary = built
    detected = ranking.detect_lagging(store, summary.months[0], summary.months[-1])
    for month in summary.months:
        saved = {r.unit_id for r in ranking.month_results(store, month) if r.lagging}
        assert set(detected[month]) == saved, month
        lines = ranking.lagging_list(store, month)
        assert {x.unit_id: x.months for x in lines} == detected[month], month


def test_a_lagging_unit_of_the_demo_gets_suggestions(built: tuple[Store, DemoSummary]) -> None:
    store, summary = built
    month = summary.months[-1]
    lagging = [r.unit_id for r in ranking.month_results(store, month) if r.lagging]
    for unit_id in lagging:
        found = practices.suggestions_for(store, unit_id, month)
        assert len(found) == 3 and all(s.loss.lost > 0 for s in found)
        assert any(s.practices for s in found)
