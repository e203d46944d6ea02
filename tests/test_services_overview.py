"""The read queries behind the screens (services/overview.py)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from tui_support import TODAY, build_db, copy_db, in_progress_id

from inspect_tui.models import InspectionState, ProblemState, Result, UnitKind
from inspect_tui.services import inspections, overview, units
from inspect_tui.store import Store


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("overview") / "template.db"
    build_db(path).close()
    return path


@pytest.fixture()
def store(template: Path, tmp_path: Path) -> Store:
    store = copy_db(template, tmp_path / "demo.db")
    yield store
    store.close()


# ---------------------------------------------------------------------- home


def test_in_progress_lists_open_inspections_with_progress(store: Store) -> None:
    page = overview.inspections_in_progress(store)
    assert [(i.unit_code, i.answered, i.total, i.state) for i in page.rows] == [
        ("JG2", 5, 20, InspectionState.IN_PROGRESS)
    ]
    assert page.more is False


def test_last_signed_off_newest_first_and_paged(store: Store) -> None:
    page = overview.last_signed_off(store, limit=3)
    assert [i.date for i in page.rows] == sorted((i.date for i in page.rows), reverse=True)
    assert len(page.rows) == 3 and page.more is True
    rest = overview.last_signed_off(store, limit=10, offset=3)
    assert rest.more is False
    assert {i.id for i in page.rows}.isdisjoint(i.id for i in rest.rows)
    assert all(i.signed_by == "張三" for i in page.rows + rest.rows)


def test_overdue_and_due_soon_split_by_today(store: Store) -> None:
    overdue = overview.problems_overdue(store, TODAY)
    assert [(p.deadline, p.days) for p in overdue.rows] == [
        (dt.date(2026, 2, 28), 16),
        (dt.date(2026, 3, 10), 6),
    ]
    assert overdue.rows[0].indicator_code == "B1"
    due = overview.problems_due_soon(store, TODAY)
    assert [(p.deadline, p.days) for p in due.rows] == [
        (dt.date(2026, 3, 20), 4),
        (dt.date(2026, 3, 23), 7),
    ]
    # the closed one (deadline 2026-02-20) is in neither; the one due 2026-05-31 is not soon
    later = overview.problems_due_soon(store, TODAY, days=90)
    assert dt.date(2026, 5, 31) in [p.deadline for p in later.rows]
    assert all(p.state is not ProblemState.CLOSED for p in overdue.rows + later.rows)


def test_due_today_counts_as_due_soon_not_overdue(store: Store) -> None:
    day = dt.date(2026, 3, 20)
    assert day in [p.deadline for p in overview.problems_due_soon(store, day).rows]
    assert day not in [p.deadline for p in overview.problems_overdue(store, day).rows]


def test_lagging_units_of_the_latest_month(store: Store) -> None:
    page = overview.lagging_units(store)
    assert overview.latest_result_month(store) == "2026-02"
    assert [u.rank for u in page.rows] == [25, 24, 23]
    assert all(u.month == "2026-02" and u.ranked == 25 for u in page.rows)


def test_home_without_monthly_results(tmp_path: Path) -> None:
    store = build_db(tmp_path / "bare.db", monthly=False)
    data = overview.home(store, TODAY)
    assert data.month is None and data.lagging.rows == []
    assert len(data.in_progress.rows) == 1
    store.close()


# ---------------------------------------------------------------------- units


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("jgdzz", ["JGDZZ"]),  # pinyin initials of 機關黨總支 (and its code)
        ("jiguandangzongzhi", ["JGDZZ"]),  # full pinyin
        ("JiGuanDang", ["JGDZZ"]),  # case-insensitive
        ("機關黨總支", ["JGDZZ"]),
        ("kfzx", ["KFZX"]),
        ("客戶 中心", ["KFZX"]),  # every word must match
        ("sdc", ["SDC"]),
        ("100%", []),  # LIKE wildcards are literal
        ("_", []),
    ],
)
def test_filter_units(store: Store, text: str, expected: list[str]) -> None:
    assert [u.code for u in overview.filter_units(store, text).rows] == expected


def test_filter_units_columns(store: Store) -> None:
    rows = {u.code: u for u in overview.filter_units(store, "", limit=100).rows}
    assert len(rows) == 29
    jg1 = rows["JG1"]
    assert jg1.last_inspection == dt.date(2026, 1, 8)
    assert jg1.open_problems == 1 and jg1.in_progress == 0
    assert jg1.rank is not None and jg1.ranked == 25
    jg2 = rows["JG2"]
    assert jg2.in_progress == 1 and jg2.lagging is True
    assert rows["JGDZZ"].kind is UnitKind.GENERAL_BRANCH and rows["JGDZZ"].rank is None
    assert rows["KFZX"].open_problems == 3
    # another month's rank on request
    jan = {u.code: u for u in overview.filter_units(store, "jg1", month="2026-01").rows}
    assert jan["JG1"].rank is not None and jan["JG1"].lagging is False


def test_filter_units_pages(store: Store) -> None:
    first = overview.filter_units(store, "", limit=10)
    second = overview.filter_units(store, "", limit=10, offset=10)
    third = overview.filter_units(store, "", limit=10, offset=20)
    assert first.more and second.more and not third.more
    codes = [u.code for u in first.rows + second.rows + third.rows]
    assert codes == sorted(codes) and len(set(codes)) == 29


def test_filter_sees_new_units(store: Store) -> None:
    from inspect_tui.models import UnitSpec

    units.create_unit(
        store, UnitSpec(code="XJ1", name="新建黨支部", kind=UnitKind.BRANCH, parent="WNGD")
    )
    assert [u.code for u in overview.filter_units(store, "xjdzb").rows] == ["XJ1"]


# ---------------------------------------------------------------------- checklist side panel


def test_earlier_results_of_a_unit(store: Store) -> None:
    kfzx = units.get_unit(store, "KFZX")
    results = overview.earlier_results(store, kfzx.id, "B3")
    assert [r.date for r in results] == [dt.date(2026, 2, 10), dt.date(2025, 11, 12)]
    assert [r.checklist_version for r in results] == [3, 2]
    assert results[0].result is Result.PARTLY and results[0].remark == "記錄不全"
    assert results[0].max_score == 6 and results[1].max_score == 5


def test_earlier_results_leave_out_the_current_and_later(store: Store) -> None:
    current = in_progress_id(store)
    jg2 = units.get_unit(store, "JG2")
    answered = inspections.answers_of(store, current)
    code = next(iter(answered.values())).indicator_id
    ind_code = store.scalar("SELECT code FROM indicators WHERE id = ?", (code,))
    everything = overview.earlier_results(store, jg2.id, ind_code)
    before = overview.earlier_results(store, jg2.id, ind_code, before=current)
    assert current in [r.inspection_id for r in everything]
    assert current not in [r.inspection_id for r in before]
    assert [r.date for r in before] == [dt.date(2025, 12, 15)]


def test_sheet_and_review_bundles(store: Store) -> None:
    current = in_progress_id(store)
    sheet = overview.sheet(store, current)
    assert sheet.unit.code == "JG2" and len(sheet.indicators) == 20
    assert len(sheet.answers) == 5 and sheet.score.answered == 5
    assert sheet.inspection.cursor_indicator_id == sheet.indicators[5].id
    review = overview.review(store, current)
    assert [i.code for i in review.unanswered] == [i.code for i in sheet.indicators[5:]]
    assert review.amendments == []


def test_problems_of_inspection_and_detail(store: Store) -> None:
    kf = store.scalar(
        "SELECT id FROM inspections WHERE date = '2026-02-10' AND state = 'signed_off'"
    )
    found = overview.problems_of_inspection(store, kf)
    assert [p.description for p in found] == [
        "三名黨員承諾未公開",
        "發展對象公示期不足七天",
        "黨員活動室制度牌未更新",
    ]
    detail = overview.problem_detail(store, found[0].id)
    assert detail.indicator_code == "B3" and detail.inspection_date == dt.date(2026, 2, 10)
    assert [e["action"] for e in detail.events] == ["created"]


def test_checklist_choices_newest_first(store: Store) -> None:
    assert [c.version for c in overview.checklist_choices(store)] == [3, 2]


def test_earlier_results_by_code_match_the_one_code_query(store: Store) -> None:
    kfzx = units.get_unit(store, "KFZX")
    current = in_progress_id(store)
    by_code = overview.earlier_results_by_code(store, kfzx.id, per_code=5)
    assert set(by_code) >= {"A1", "B3"}
    for code, results in by_code.items():
        assert results == overview.earlier_results(store, kfzx.id, code)
    jg2 = units.get_unit(store, "JG2")
    before = overview.earlier_results_by_code(store, jg2.id, before=current, per_code=1)
    assert all(len(r) == 1 and r[0].date == dt.date(2025, 12, 15) for r in before.values())
    assert overview.sheet(store, current).earlier == overview.earlier_results_by_code(
        store, jg2.id, before=current
    )
