"""The demo installation: a year of realistic use, made through the services."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from inspect_tui.clock import FixedClock
from inspect_tui.errors import InvalidInput
from inspect_tui.services import demo, problems, ranking
from inspect_tui.services.demo import DemoSummary
from inspect_tui.store import Store, open_store

TODAY = dt.date(2026, 11, 30)
SEED = 7
OPENED_AT = dt.datetime(2026, 11, 30, 10, 0, tzinfo=dt.UTC)
COMPARED = (
    "units",
    "checklists",
    "aspects",
    "indicators",
    "inspections",
    "answers",
    "amendments",
    "problems",
    "problem_events",
    "rectifications",
    "monthly_results",
)


def _open(path: Path) -> Store:
    return open_store(path, clock=FixedClock(OPENED_AT), user="測試員", device_id="test", seed=SEED)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Store, DemoSummary]]:
    store = _open(tmp_path_factory.mktemp("demo") / "demo.db")
    summary = demo.build_demo(store, seed=SEED, today=TODAY)
    yield store, summary
    store.close()


@pytest.fixture(scope="module")
def store(built: tuple[Store, DemoSummary]) -> Store:
    return built[0]


@pytest.fixture(scope="module")
def summary(built: tuple[Store, DemoSummary]) -> DemoSummary:
    return built[1]


def _count(store: Store, sql: str, params: tuple[Any, ...] = ()) -> int:
    return int(store.scalar(sql, params))


def test_installs_the_shipped_systems_and_the_demo_org(store: Store, summary: DemoSummary) -> None:
    assert summary.units == 29
    assert summary.checklists == 2
    names = {r["name"] for r in store.all("SELECT name FROM units")}
    assert {"機關黨總支", "客戶服務中心黨支部", "檢修處黨支部"} <= names


def test_about_a_year_of_signed_off_spot_checks(store: Store, summary: DemoSummary) -> None:
    assert summary.months == tuple(ranking.shift_month("2026-11", -d) for d in range(11, -1, -1))
    per_branch_month = store.all(
        "SELECT u.code, substr(i.date, 1, 7) AS month, count(*) AS n FROM inspections AS i "
        "JOIN units AS u ON u.id = i.unit_id "
        "WHERE u.kind = 'branch' AND i.kind = 'spot' AND i.state = 'signed_off' "
        "GROUP BY u.code, month"
    )
    branches = _count(store, "SELECT count(*) FROM units WHERE kind = 'branch'")
    assert len(per_branch_month) == branches * 12  # every branch, every month
    assert {r["n"] for r in per_branch_month} <= {1, 2}
    first = store.scalar("SELECT min(date) FROM inspections")
    last = store.scalar("SELECT max(date) FROM inspections")
    assert first >= "2025-12-01" and last <= TODAY.isoformat()


def test_both_checklist_versions_are_in_use(store: Store) -> None:
    rows = store.all(
        "SELECT c.version, min(i.date) AS first, max(i.date) AS last FROM inspections AS i "
        "JOIN checklists AS c ON c.id = i.checklist_id GROUP BY c.version ORDER BY c.version"
    )
    assert [r["version"] for r in rows] == [2, 3]
    assert rows[0]["last"] < "2026-06-01" <= rows[1]["first"]


def test_problems_in_every_state(summary: DemoSummary, store: Store) -> None:
    states = {r["state"] for r in store.all("SELECT DISTINCT state FROM problems")}
    assert states == {"open", "rectifying", "submitted", "closed"}
    assert min(summary.open, summary.rectifying, summary.submitted, summary.closed) >= 1
    assert (
        summary.problems == summary.open + summary.rectifying + summary.submitted + summary.closed
    )


def test_overdue_due_soon_extended_and_reopened(store: Store, summary: DemoSummary) -> None:
    assert problems.count_overdue(store, TODAY) == summary.overdue >= 3
    overdue = problems.overdue_problems(store, TODAY)
    assert all(p.deadline < TODAY and p.state.value != "closed" for p in overdue)
    assert summary.due_within_7_days >= 1
    assert summary.extended >= 2
    extended = store.all(
        "SELECT p.deadline, p.original_deadline FROM problems AS p WHERE p.id IN "
        "(SELECT problem_id FROM problem_events WHERE action = 'extend')"
    )
    assert all(r["deadline"] > r["original_deadline"] for r in extended)
    reopened = store.all("SELECT * FROM problems WHERE reopened > 0")
    assert len(reopened) == summary.reopened == 1
    assert reopened[0]["state"] == "open" and reopened[0]["deadline"] > TODAY.isoformat()


def test_deadlines_are_15_to_60_days_after_the_inspection(store: Store) -> None:
    rows = store.all(
        "SELECT julianday(p.original_deadline) - julianday(i.date) AS days FROM problems AS p "
        "JOIN inspections AS i ON i.id = p.inspection_id"
    )
    assert rows and all(15 <= r["days"] <= 60 for r in rows)


def test_problem_texts_come_from_the_source(store: Store) -> None:
    descriptions = " ".join(r["description"] for r in store.all("SELECT description FROM problems"))
    for phrase in ("三會一課", "承諾", "公示"):
        assert phrase in descriptions
    assert (
        _count(store, "SELECT count(*) FROM problems WHERE requirement = '' OR responsible = ''")
        == 0
    )


def test_problem_histories_are_consistent(store: Store) -> None:
    events: dict[str, list[dict[str, Any]]] = {}
    for row in store.all("SELECT * FROM problem_events ORDER BY at, rowid"):
        events.setdefault(row["problem_id"], []).append(row)
    states = {r["id"]: r["state"] for r in store.all("SELECT id, state FROM problems")}
    assert events.keys() == states.keys()
    for problem_id, history in events.items():
        assert history[0]["action"] == "created"
        state = None
        for event in history:
            if event["to_state"] is not None:
                assert event["from_state"] == state
                state = event["to_state"]
        assert state == states[problem_id]
    actions = {r["action"] for r in store.all("SELECT DISTINCT action FROM problem_events")}
    assert {"created", "start", "submit", "close", "reject", "extend", "reopen"} <= actions


def test_one_benchmark_every_month_and_a_consistent_top(store: Store, summary: DemoSummary) -> None:
    tops = []
    for month in summary.months:
        results = ranking.month_results(store, month)
        benchmarks = [r for r in results if r.benchmark]
        assert len(benchmarks) == 1, month
        assert benchmarks[0].rank == 1
        tops.append(benchmarks[0].unit_id)
    assert max(tops.count(u) for u in set(tops)) >= 9  # one unit leads most months


def test_units_lag_three_months_running_at_the_end(store: Store, summary: DemoSummary) -> None:
    assert 1 <= len(summary.lagging_last_month) <= 3
    last = summary.months[-1]
    lagging = [r for r in ranking.month_results(store, last) if r.lagging]
    assert len(lagging) == len(summary.lagging_last_month)
    for result in lagging:
        for month in summary.months[-3:]:
            scores = {r.unit_id: r.score for r in ranking.month_results(store, month)}
            assert result.unit_id in ranking.bottom_units(scores)


def test_supervisory_check_of_a_lagging_unit_and_a_reinspection(store: Store) -> None:
    supervisory = store.all("SELECT unit_id, date FROM inspections WHERE kind = 'supervisory'")
    assert supervisory
    for row in supervisory:
        day = dt.date.fromisoformat(row["date"])
        before = ranking.shift_month(ranking.month_of(day), -1)
        lagged = store.scalar(
            "SELECT lagging FROM monthly_results WHERE unit_id = ? AND month = ?",
            (row["unit_id"], before),
        )
        assert lagged == 1
    assert _count(store, "SELECT count(*) FROM inspections WHERE kind = 'reinspection'") >= 1


def test_inspections_in_progress_in_the_last_week(store: Store, summary: DemoSummary) -> None:
    rows = store.all(
        "SELECT i.date, (SELECT count(*) FROM answers AS a WHERE a.inspection_id = i.id) AS done, "
        "(SELECT count(*) FROM indicators AS d WHERE d.checklist_id = i.checklist_id) AS total "
        "FROM inspections AS i WHERE i.state = 'in_progress'"
    )
    assert 2 <= len(rows) == summary.in_progress <= 3
    for row in rows:
        assert (TODAY - dt.date.fromisoformat(row["date"])).days <= 7
        assert 0 < row["done"] < row["total"]


def test_amendments_and_audit_log_show_real_people(store: Store) -> None:
    assert _count(store, "SELECT count(*) FROM amendments") >= 1
    users = {r["user"] for r in store.all("SELECT DISTINCT user FROM audit_log")}
    assert {"周慧敏", "張明遠", "李文靜"} <= users
    assert "測試員" not in users
    latest = store.scalar("SELECT max(at) FROM audit_log")
    assert latest[:10] <= TODAY.isoformat()


def test_clock_and_user_are_restored(store: Store) -> None:
    assert store.user == "測試員"
    assert isinstance(store.clock, FixedClock) and store.clock.now() == OPENED_AT


def test_refuses_a_database_with_data(store: Store) -> None:
    before = _count(store, "SELECT count(*) FROM audit_log")
    with pytest.raises(InvalidInput, match="empty database"):
        demo.build_demo(store, today=TODAY)
    assert _count(store, "SELECT count(*) FROM audit_log") == before


def _dump(store: Store) -> dict[str, list[tuple[Any, ...]]]:
    out = {
        t: [tuple(r) for r in store.conn.execute(f"SELECT * FROM {t} ORDER BY rowid")]
        for t in COMPARED
    }
    columns = [r[1] for r in store.conn.execute("PRAGMA table_info(audit_log)") if r[1] != "id"]
    out["audit_log"] = [
        tuple(r)
        for r in store.conn.execute(f"SELECT {', '.join(columns)} FROM audit_log ORDER BY rowid")
    ]
    return out


def test_same_seed_same_database(store: Store, tmp_path: Path) -> None:
    again = _open(tmp_path / "again.db")
    try:
        demo.build_demo(again, seed=SEED, today=TODAY)
        first, second = _dump(store), _dump(again)
        for table in first:
            assert first[table] == second[table], table
    finally:
        again.close()
