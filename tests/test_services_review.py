"""The four-level review of a month's results: legal and illegal steps, roles from the
settings, send-backs and reopenings with reasons, sealing published months, the
benchmark settings file, and merging laptops that computed and published months."""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from inspect_tui.clock import FixedClock
from inspect_tui.errors import DataFileError, IllegalTransition, InvalidInput, ReadOnlyRecord
from inspect_tui.models import Result
from inspect_tui.paths import demo_org
from inspect_tui.services import checklists, inspections, integrity, merge, ranking, review, units
from inspect_tui.services.benchmark_settings import (
    DEFAULTS,
    BenchmarkSettings,
    Role,
    load_benchmark_settings,
)
from inspect_tui.services.review import NotPermitted
from inspect_tui.store import Store, open_store

OFFICE, REVIEWER, SPECIALIST, LEADER, EVERYONE = "周慧敏", "孫建平", "馬麗華", "高振宇", "全能"
SETTINGS = BenchmarkSettings(
    roles={
        OFFICE: [Role.SUBMIT],
        REVIEWER: [Role.REVIEW],
        SPECIALIST: [Role.CONSOLIDATE],
        LEADER: [Role.APPROVE],
        EVERYONE: list(Role),
    }
)
MONTH = "2026-10"
FLOW = ((OFFICE, Role.SUBMIT), (REVIEWER, Role.REVIEW), (SPECIALIST, Role.CONSOLIDATE))


def inspect_unit(store: Store, code: str, day: dt.date, conforming: int) -> str:
    """A signed-off inspection (newest system) where the first ``conforming`` regular items
    conform and the rest do not."""
    checklist = checklists.newest_checklist(store, "branch-benchmark")
    ins = inspections.start_inspection(store, code, date=day, checklist_id=checklist.id)
    regular = 0
    for ind in checklists.indicators_of(store, checklist.id):
        ok = ind.kind.value != "bonus" and regular < conforming
        regular += ind.kind.value != "bonus"
        inspections.record_answer(store, ins.id, ind.id, Result.CONFORMS if ok else Result.DOES_NOT)
    inspections.sign_off(store, ins.id)
    return ins.id


def results_for(store: Store, month: str = MONTH) -> None:
    day = ranking.month_bounds(month)[0] + dt.timedelta(days=9)
    for code, conforming in (("SDC", 18), ("KFZX", 14), ("JG1", 10), ("JG2", 6)):
        inspect_unit(store, code, day, conforming)
    ranking.compute_month(store, month)


def step(store: Store, user: str, role: Role | str, month: str = MONTH) -> review.MonthReview:
    store.user = user
    return review.advance(store, month, role, SETTINGS)


def publish(store: Store, month: str = MONTH) -> review.MonthReview:
    for user, role in FLOW:
        step(store, user, role, month)
    return step(store, LEADER, Role.APPROVE, month)


def audit_count(store: Store) -> int:
    return int(store.scalar("SELECT count(*) FROM audit_log"))


@pytest.fixture
def month_store(store: Store) -> Store:
    store.clock = FixedClock(store.clock.now(), step=dt.timedelta(seconds=1))
    results_for(store)
    return store


# ---------------------------------------------------------------------- the flow


def test_the_four_levels_record_who_and_when_and_publishing_seals(month_store: Store) -> None:
    store = month_store
    assert review.review_of(store, MONTH).state == "draft"
    states = [step(store, user, role).state for user, role in FLOW]
    assert states == ["submitted", "reviewed", "consolidated"]
    published = step(store, LEADER, Role.APPROVE)
    assert published.state == "published" and published.published and not published.editable
    assert (
        published.submitted_by,
        published.reviewed_by,
        published.consolidated_by,
        published.published_by,
    ) == (OFFICE, REVIEWER, SPECIALIST, LEADER)
    assert published.submitted_at and published.published_at
    assert published.submitted_at < published.reviewed_at < published.published_at  # type: ignore[operator]
    assert published.published_at.date() == dt.date(2026, 11, 30)
    assert published.content_hash == review.month_hash(store, MONTH)
    events = review.history(store, MONTH)
    assert [(e.action, e.from_state, e.to_state, e.by) for e in events] == [
        ("submit", "draft", "submitted", OFFICE),
        ("review", "submitted", "reviewed", REVIEWER),
        ("consolidate", "reviewed", "consolidated", SPECIALIST),
        ("approve", "consolidated", "published", LEADER),
    ]
    seal = store.one("SELECT * FROM seals WHERE kind = 'month'")
    assert seal and seal["ref_id"] == MONTH and seal["content_hash"] == published.content_hash
    assert integrity.SEALED["month"] is review.sealed_month_hashes
    assert [str(f) for f in integrity.run_checks(store)] == []
    assert [(r.month, r.state) for r in review.reviews(store)] == [(MONTH, "published")]


@pytest.mark.parametrize(
    ("done", "user", "role", "message"),
    [
        (0, REVIEWER, Role.REVIEW, "next step is 'submit'"),
        (0, LEADER, Role.APPROVE, "next step is 'submit'"),
        (1, OFFICE, Role.SUBMIT, "next step is 'review'"),
        (1, SPECIALIST, Role.CONSOLIDATE, "next step is 'review'"),
        (1, LEADER, Role.APPROVE, "next step is 'review'"),
        (2, LEADER, Role.APPROVE, "next step is 'consolidate'"),
        (4, OFFICE, Role.SUBMIT, "already published"),
        (4, LEADER, Role.APPROVE, "already published"),
    ],
)
def test_steps_out_of_order_are_refused_and_change_nothing(
    month_store: Store, done: int, user: str, role: Role, message: str
) -> None:
    store = month_store
    for index, (who, what) in enumerate((*FLOW, (LEADER, Role.APPROVE))):
        if index < done:
            step(store, who, what)
    before = audit_count(store)
    with pytest.raises(IllegalTransition, match=message):
        step(store, user, role)
    assert audit_count(store) == before


def test_a_month_without_results_is_not_submitted(store: Store) -> None:
    with pytest.raises(InvalidInput, match="no results"):
        step(store, OFFICE, Role.SUBMIT, "2026-09")
    with pytest.raises(InvalidInput, match="unknown step"):
        step(store, OFFICE, "publish")
    with pytest.raises(InvalidInput, match="YYYY-MM"):
        step(store, OFFICE, Role.SUBMIT, "2026-9")
    assert store.scalar("SELECT count(*) FROM month_reviews") == 0


@pytest.mark.parametrize(
    ("user", "role", "message"),
    [
        ("張三", Role.SUBMIT, "張三 may not submit 2026-10: that needs the 'submit' role"),
        (OFFICE, Role.REVIEW, "held by 全能, 孫建平"),
        (REVIEWER, Role.APPROVE, "'approve' role"),
        ("  ", Role.SUBMIT, "who is doing this"),
    ],
)
def test_a_step_needs_its_role(month_store: Store, user: str, role: Role, message: str) -> None:
    before = audit_count(month_store)
    with pytest.raises(NotPermitted, match=message):
        step(month_store, user, role)
    assert audit_count(month_store) == before


def test_without_a_settings_file_nobody_holds_a_role(month_store: Store) -> None:
    month_store.user = OFFICE
    with pytest.raises(NotPermitted, match="nobody yet.*benchmark.yaml"):
        review.advance(month_store, MONTH, Role.SUBMIT, DEFAULTS)


def test_one_person_does_not_take_two_steps_of_a_round(month_store: Store) -> None:
    store = month_store
    step(store, EVERYONE, Role.SUBMIT)
    with pytest.raises(NotPermitted, match="already did the 'submit' step"):
        step(store, EVERYONE, Role.REVIEW)
    store.user = EVERYONE
    relaxed = SETTINGS.model_copy(update={"separate_duties": False})
    for role in (Role.REVIEW, Role.CONSOLIDATE, Role.APPROVE):
        review.advance(store, MONTH, role, relaxed)
    assert review.review_of(store, MONTH).published


def test_send_back_needs_the_due_role_and_a_reason_then_a_new_round(month_store: Store) -> None:
    store = month_store
    step(store, OFFICE, Role.SUBMIT)
    store.user = OFFICE
    with pytest.raises(NotPermitted, match="'review' role"):
        review.send_back(store, MONTH, "數據有誤", SETTINGS)
    store.user = REVIEWER
    with pytest.raises(InvalidInput, match="reason"):
        review.send_back(store, MONTH, "   ", SETTINGS)
    step(store, REVIEWER, Role.REVIEW)
    store.user = REVIEWER  # the month is now due for consolidation: not the reviewer's call
    with pytest.raises(NotPermitted, match="'consolidate' role"):
        review.send_back(store, MONTH, "數據有誤", SETTINGS)
    store.user = SPECIALIST
    returned = review.send_back(store, MONTH, "JG2 的上報數據與佐證資料不一致", SETTINGS)
    assert (returned.state, returned.note, returned.editable) == (
        "returned",
        "JG2 的上報數據與佐證資料不一致",
        True,
    )
    with pytest.raises(IllegalTransition, match="only a month under review"):
        review.send_back(store, MONTH, "again", SETTINGS)
    # corrected and computed again, then a new round from the start
    inspect_unit(store, "JG2", dt.date(2026, 10, 20), 14)
    ranking.compute_month(store, MONTH)
    again = step(store, OFFICE, Role.SUBMIT)
    assert (again.round, again.reviewed_by, again.consolidated_by) == (2, None, None)
    assert again.content_hash == review.month_hash(store, MONTH)
    step(store, REVIEWER, Role.REVIEW)  # the same people may act again in the new round
    events = review.history(store, MONTH)
    back = [e for e in events if e.action == "send_back"]
    assert [(e.by, e.from_state, e.reason) for e in back] == [
        (SPECIALIST, "reviewed", "JG2 的上報數據與佐證資料不一致")
    ]


def test_a_published_month_is_read_only_until_reopened_with_a_reason(month_store: Store) -> None:
    store = month_store
    publish(store)
    before = audit_count(store)
    with pytest.raises(ReadOnlyRecord, match="published and read-only"):
        ranking.compute_month(store, MONTH)
    store.user = REVIEWER
    with pytest.raises(NotPermitted, match="'approve' role"):
        review.reopen(store, MONTH, "更正", SETTINGS)
    store.user = LEADER
    with pytest.raises(InvalidInput, match="reason"):
        review.reopen(store, MONTH, "", SETTINGS)
    assert audit_count(store) == before
    reopened = review.reopen(store, MONTH, "支部補充提交會議記錄原件，更正得分", SETTINGS)
    assert (reopened.state, reopened.note) == ("reopened", "支部補充提交會議記錄原件，更正得分")
    with pytest.raises(IllegalTransition, match="nothing to reopen"):
        review.reopen(store, MONTH, "again", SETTINGS)
    # the correction changes the results; the reopened month is not under seal
    inspect_unit(store, "JG2", dt.date(2026, 10, 25), 18)
    ranking.compute_month(store, MONTH)
    assert [str(f) for f in integrity.run_checks(store)] == []
    republished = publish(store)
    assert republished.round == 2 and republished.content_hash == review.month_hash(store, MONTH)
    assert store.scalar("SELECT count(*) FROM seals WHERE kind = 'month'") == 2
    assert [str(f) for f in integrity.run_checks(store)] == []
    actions = [e.action for e in review.history(store, MONTH)]
    assert actions == ["submit", "review", "consolidate", "approve", "reopen"] + actions[:4]


def test_a_published_month_edited_outside_the_app_is_found(month_store: Store) -> None:
    publish(month_store)
    month_store.conn.execute(
        "UPDATE monthly_results SET score = 99.5 WHERE month = ? AND rank = 4", (MONTH,)
    )
    findings = [str(f) for f in integrity.run_checks(month_store)]
    assert findings == [
        f"monthly_results {MONTH}: content no longer matches its seal (edited outside the app?)"
    ]


def test_results_changed_after_submitting_stop_the_flow(month_store: Store) -> None:
    step(month_store, OFFICE, Role.SUBMIT)
    month_store.conn.execute("UPDATE monthly_results SET lagging = 1 WHERE month = ?", (MONTH,))
    with pytest.raises(IllegalTransition, match="changed after they were submitted"):
        step(month_store, REVIEWER, Role.REVIEW)


def test_available_actions_for_the_keys_a_screen_offers(month_store: Store) -> None:
    store = month_store

    def actions(user: str) -> list[str]:
        return review.available_actions(store, MONTH, SETTINGS, user)

    assert actions(OFFICE) == ["submit"] and actions(REVIEWER) == []
    assert review.available_actions(store, "2026-09", SETTINGS, OFFICE) == []  # no results
    step(store, OFFICE, Role.SUBMIT)
    assert actions(REVIEWER) == ["review", "send_back"] and actions(OFFICE) == []
    assert actions(EVERYONE) == ["review", "send_back"]
    step(store, EVERYONE, Role.REVIEW)
    assert actions(EVERYONE) == ["send_back"]  # separate duties: may not consolidate
    step(store, SPECIALIST, Role.CONSOLIDATE)
    step(store, LEADER, Role.APPROVE)
    assert actions(LEADER) == ["reopen"] and actions(OFFICE) == []


# ---------------------------------------------------------------------- the settings file


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "lagging: {k: 0}\n",
            "line 1, field lagging.k: Input should be greater than or equal to 1",
        ),
        (
            "lagging:\n  bottom_n: -2\n",
            "line 2, field lagging.bottom_n: Input should be greater than or equal to 1",
        ),
        (
            "roles:\n  張三: [submit, publish]\n",
            "line 2, field roles.張三[1]: Input should be 'submit', 'review', 'consolidate' or 'approve'",
        ),
        ("over_reporting_margin: -1\n", "field over_reporting_margin"),
        ("lagging: {k: 3, lookback_months: 2}\n", "lookback_months (2) must be at least k (3)"),
        ("consequences:\n  - {text: 約談}\n", "needs a condition"),
        ("colour: red\n", "field colour: Extra inputs are not permitted"),
    ],
)
def test_bad_settings_name_the_file_and_the_field(tmp_path: Path, text: str, expected: str) -> None:
    path = write(tmp_path / "benchmark.yaml", text)
    with pytest.raises(DataFileError) as caught:
        load_benchmark_settings(path)
    assert str(caught.value).startswith(f"{path}: ")
    assert expected in str(caught.value)


def test_settings_file_and_defaults(tmp_path: Path) -> None:
    path = write(
        tmp_path / "b.yaml",
        "# the office's settings\n"
        "lagging: {k: 2, bottom_percent: 10}\n"
        "scoring: {method: latest, overdue_deduction: 0.5, overdue_deduction_cap: 5}\n"
        "over_reporting_margin: 8\n"
        "roles:\n  周慧敏: [submit, submit]\n  高振宇: [approve]\n"
        "consequences:\n  - {text: 約談書記, below_score: 60}\n",
    )
    settings = load_benchmark_settings(path)
    assert settings.lagging == ranking.LaggingRule(k=2, bottom_percent=10)
    assert settings.scoring.method == "latest" and settings.scoring.overdue_deduction_cap == 5
    assert settings.over_reporting_margin == 8
    assert settings.roles == {"周慧敏": [Role.SUBMIT], "高振宇": [Role.APPROVE]}
    assert settings.may("周慧敏", Role.SUBMIT) and not settings.may("周慧敏", Role.APPROVE)
    assert [c.text for c in settings.consequences] == ["約談書記"]
    assert load_benchmark_settings(write(tmp_path / "empty.yaml", "# nothing yet\n")) == DEFAULTS
    assert load_benchmark_settings() == DEFAULTS  # no benchmark.yaml in the config folder
    assert DEFAULTS.roles == {} and DEFAULTS.lagging == ranking.DEFAULT_RULE
    assert len(DEFAULTS.consequences) == 3
    with pytest.raises(DataFileError, match="does not exist"):
        load_benchmark_settings(tmp_path / "missing.yaml")


def test_the_config_folder_file_is_read(tmp_path: Path) -> None:
    from inspect_tui.services.benchmark_settings import default_path

    default_path().parent.mkdir(parents=True, exist_ok=True)
    write(default_path(), "lagging: {k: 4}\n")
    assert load_benchmark_settings().lagging.k == 4


# ---------------------------------------------------------------------- merging laptops


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The office's file: the demo organisation with September and October inspected."""
    path = tmp_path_factory.mktemp("template") / "base.db"
    clock = FixedClock(dt.datetime(2026, 11, 1, 9, tzinfo=dt.UTC), step=dt.timedelta(seconds=1))
    with open_store(path, clock=clock, user=OFFICE, device_id="office", seed=99) as store:
        checklists.install_shipped(store)
        units.import_org_tree(store, demo_org())
        for month in ("2026-09", "2026-10"):
            day = ranking.month_bounds(month)[0] + dt.timedelta(days=9)
            for code, conforming in (("SDC", 18), ("KFZX", 14), ("JG1", 10), ("JG2", 6)):
                inspect_unit(store, code, day, conforming)
        store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return path


class Laptops:
    """Copies of the template, each opened as another device (tests/test_merge.py's way)."""

    def __init__(self, template: Path, folder: Path) -> None:
        self.folder = folder
        self.clock = FixedClock(
            dt.datetime(2026, 11, 30, 9, tzinfo=dt.UTC), step=dt.timedelta(seconds=1)
        )
        self.stores: dict[str, Store] = {}
        for index, name in enumerate("ab"):
            shutil.copy(template, folder / f"{name}.db")
            self.stores[name] = open_store(
                folder / f"{name}.db",
                clock=self.clock,
                user=OFFICE,
                device_id=f"laptop-{name}",
                seed=index,
            )

    def __getitem__(self, name: str) -> Store:
        return self.stores[name]

    def path(self, name: str) -> Path:
        return self.folder / f"{name}.db"

    def close(self) -> None:
        for store in self.stores.values():
            store.close()


@pytest.fixture
def laptops(template: Path, tmp_path: Path) -> Iterator[Laptops]:
    group = Laptops(template, tmp_path)
    yield group
    group.close()


def compute_and_publish(store: Store, month: str) -> None:
    store.user = OFFICE
    ranking.compute_month(store, month)
    publish(store, month)


def content(store: Store, table: str) -> list[tuple[object, ...]]:
    columns = {
        "monthly_results": "id, unit_id, month, score, rank, benchmark, lagging",
        "bottom_streaks": "id, unit_id, month, streak, months, lagging",
        "month_reviews": "id, month, state, round, submitted_by, reviewed_by, consolidated_by, "
        "published_by, content_hash",
        "month_review_events": "id, month, action, from_state, to_state, by, reason",
    }[table]
    return [tuple(r) for r in store.conn.execute(f"SELECT {columns} FROM {table} ORDER BY id")]


def test_two_laptops_that_published_the_same_month_merge_into_one(laptops: Laptops) -> None:
    a, b = laptops["a"], laptops["b"]
    for store in (a, b):
        ranking.compute_month(store, "2026-09")
        compute_and_publish(store, MONTH)
    merge.merge_file(a, laptops.path("b"))
    # the results agree; who published when differs, and that is listed for a person
    conflicts = merge.list_conflicts(a)
    assert [(c["table_name"], c["row_id"]) for c in conflicts] == [
        ("month_reviews", Store.key_id("month_review", MONTH))
    ]
    assert a.scalar("SELECT count(*) FROM month_reviews") == 1
    assert review.review_of(a, MONTH).state == "published"
    assert a.scalar("SELECT count(*) FROM monthly_results WHERE month = ?", (MONTH,)) == 28
    assert a.scalar("SELECT count(*) FROM month_review_events") == 8  # both laptops' steps
    assert a.scalar("SELECT count(*) FROM seals WHERE kind = 'month'") == 2
    assert [str(f) for f in integrity.run_checks(a)] == []
    merge.merge_file(b, laptops.path("a"))
    for table in ("monthly_results", "bottom_streaks", "month_reviews", "month_review_events"):
        assert content(a, table) == content(b, table), table


def test_months_published_on_different_laptops_both_arrive(laptops: Laptops) -> None:
    a, b = laptops["a"], laptops["b"]
    compute_and_publish(a, "2026-09")
    ranking.compute_month(b, "2026-09")
    compute_and_publish(b, MONTH)
    merge.merge_file(a, laptops.path("b"))
    assert [(r.month, r.state) for r in review.reviews(a)] == [
        (MONTH, "published"),
        ("2026-09", "published"),
    ]
    assert [str(f) for f in integrity.run_checks(a)] == []
    with pytest.raises(ReadOnlyRecord):
        ranking.compute_month(a, MONTH)


def test_laptops_that_published_different_results_show_a_conflict(laptops: Laptops) -> None:
    a, b = laptops["a"], laptops["b"]
    inspect_unit(b, "JG2", dt.date(2026, 10, 20), 18)  # only b saw this inspection
    for store in (a, b):
        compute_and_publish(store, MONTH)
    merge.merge_file(a, laptops.path("b"))
    conflicts = {(c["table_name"], c["kind"]) for c in merge.list_conflicts(a)}
    assert ("monthly_results", "concurrent_update") in conflicts
    assert ("month_reviews", "concurrent_update") in conflicts
    # both publications stay on record; the check tells the office to look at the month
    assert a.scalar("SELECT count(*) FROM seals WHERE kind = 'month'") == 2
    assert a.scalar("SELECT count(*) FROM month_review_events WHERE action = 'approve'") == 2
    assert review.review_of(a, MONTH).state == "published"
