"""The problems screen's free-text search through the trigram index (schema 2): it finds
exactly what a substring test finds, in the same order, with the same counts, whichever
way a page is found (sorted from the index, walked along the deadline ranges, or read
whole); and the index follows every write, a unit's rename, a merge and a migration."""

from __future__ import annotations

import datetime as dt
import random
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from fuzz_support import TEXT
from hypothesis import given, settings
from hypothesis import strategies as st

from inspect_tui.clock import FixedClock
from inspect_tui.models import ProblemState, Severity
from inspect_tui.paths import demo_org
from inspect_tui.services import checklists, merge, problem_list, problems, units
from inspect_tui.services.problem_list import PENDING, ProblemFilter
from inspect_tui.store import Store, open_store, schema

TODAY = dt.date(2026, 11, 30)
# fragments repeat across problems so that searches find many, few and none
FRAGMENTS = [
    "記錄",
    "支委會",
    "黨費",
    "三會一課",
    "a",
    "ab",
    "Ab",
    '"',
    "'",
    " ",
    "𠀀",
    "é",
    "*",
    "-",
]
PEOPLE = ["王五", "胡德明", "李", "Li Na", ""]


def _text(rng: random.Random, parts: int) -> str:
    return "".join(rng.choice(FRAGMENTS) for _ in range(rng.randint(0, parts)))


@pytest.fixture(scope="module")
def searched(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    """120 problems across the demo units, in every state, with overlapping texts."""
    path = tmp_path_factory.mktemp("search") / "inspect.db"
    clock = FixedClock(dt.datetime(2026, 11, 30, 9, 0, tzinfo=dt.UTC))
    with open_store(path, clock=clock, user="張三", device_id="test", seed=1) as store:
        checklists.install_shipped(store)
        units.import_org_tree(store, demo_org())
        codes = [r["code"] for r in store.all("SELECT code FROM units ORDER BY code")]
        rng = random.Random(7)
        for _ in range(120):
            found = TODAY - dt.timedelta(days=rng.randint(0, 90))
            problem = problems.add_problem(
                store,
                unit=rng.choice(codes),
                description=_text(rng, 4).strip() or "x",
                requirement=_text(rng, 3),
                responsible=rng.choice(PEOPLE),
                severity=rng.choice(list(Severity)),
                found_on=found,
                deadline=found + dt.timedelta(days=rng.randint(0, 120)),
            )
            state = rng.choice(list(ProblemState))
            if state is not ProblemState.OPEN:
                closed = {"closed_on": TODAY.isoformat()} if state is ProblemState.CLOSED else {}
                store.update("problems", problem.id, {"state": state.value} | closed)
        yield store


def expected(store: Store, f: ProblemFilter, *, descending: bool = False) -> list[str]:
    """What the filter must find, by reading every row in Python."""
    rows = store.all(
        """SELECT p.*, u.name AS unit_name FROM problems p JOIN units u ON u.id = p.unit_id"""
    )
    text = f.text.strip()
    states = f.states or tuple(ProblemState)
    found = [
        r
        for r in rows
        if ProblemState(r["state"]) in states
        and (not f.severity or r["severity"] == f.severity.value)
        and (not f.overdue or (r["state"] != "closed" and r["deadline"] < TODAY.isoformat()))
        and (
            f.due_within is None
            or (
                r["state"] != "closed"
                and TODAY.isoformat()
                <= r["deadline"]
                <= (TODAY + dt.timedelta(days=f.due_within)).isoformat()
            )
        )
        and (
            not text
            or any(text in r[c] for c in ("description", "requirement", "responsible", "unit_name"))
        )
    ]
    found.sort(key=lambda r: r["id"])
    found.sort(key=lambda r: r["deadline"], reverse=descending)
    return [r["id"] for r in found]


def every_page(store: Store, f: ProblemFilter, sort: str = "deadline") -> list[str]:
    ids: list[str] = []
    while True:
        page = problem_list.search(store, f, TODAY, sort=sort, limit=7, offset=len(ids))
        ids += [r.id for r in page.rows]
        if not page.has_more:
            return ids


def check(store: Store, f: ProblemFilter) -> None:
    want = expected(store, f)
    assert every_page(store, f) == want, f
    assert every_page(store, f, "-deadline") == expected(store, f, descending=True), f
    assert problem_list.count(store, f, TODAY) == len(want), f
    bar = problem_list.counts(store, f, TODAY)
    base = f.with_(states=(), overdue=False, due_within=None)
    assert bar["total"] == len(expected(store, base)), f
    for state in ProblemState:
        assert bar[state.value] == len(expected(store, base.with_(states=(state,)))), (f, state)
    assert bar["overdue"] == len(expected(store, base.with_(overdue=True))), f
    assert bar["due_7"] == len(expected(store, base.with_(due_within=7))), f


FILTERS = [
    ProblemFilter(),
    ProblemFilter(states=PENDING),
    ProblemFilter(states=(ProblemState.CLOSED,)),
    ProblemFilter(states=(ProblemState.OPEN, ProblemState.CLOSED)),
    ProblemFilter(overdue=True),
    ProblemFilter(due_within=30),
    ProblemFilter(severity=Severity.SERIOUS),
]
QUERIES = ["記錄", "記", "錄", "支委會", "委會", "三會一課記錄", "a", "ab", "A", '"', "'a", " ", "𠀀",
           "é", "*", "王五", "李", "Li N", "黨", "支部", "機關", "無此問題描述", "abab"]  # fmt: skip


@pytest.mark.parametrize(
    ("few", "walk"),
    [(0, 10_000), (0, 3), (5, 10), (10_000, 0)],
    ids=["walked", "walks-cut-short", "mixed", "sorted-by-index"],
)
def test_every_filter_finds_what_a_substring_test_finds(
    searched: Store, few: int, walk: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Sorted from the index (few matches), walked along the deadline ranges (many), a
    walk handing a state back to the index, or a mix: a search's pages, counts and
    figures are those of reading every row."""
    monkeypatch.setattr(problem_list, "FEW_MATCHES", few)
    monkeypatch.setattr(problem_list, "WALK_ROWS", walk)
    for query in QUERIES:
        for f in FILTERS:
            check(searched, f.with_(text=query))


def test_a_text_every_problem_holds_filters_nothing(store: Store) -> None:
    """Every branch's name holds 黨, so the first keystroke of 黨費 finds every problem:
    the search is answered as if it were empty, and still agrees with a substring test."""
    for n, code in enumerate(("SDC", "JXC", "GCGS")):
        problems.add_problem(
            store, unit=code, description=f"問題{n}", deadline=dt.date(2026, 12, 1 + n)
        )
    match = problem_list.text_match(store, "黨")
    assert match is not None and match.everywhere
    assert not problem_list.text_match(store, "問題1").everywhere  # type: ignore[union-attr]
    for f in FILTERS:
        check(store, f.with_(text="黨"))
        assert every_page(store, f.with_(text="黨")) == every_page(store, f)
    committee = store.scalar("SELECT code FROM units WHERE NOT instr(name, '黨')")
    problems.add_problem(store, unit=committee, description="委員會的問題", deadline=TODAY)
    assert not problem_list.text_match(store, "黨").everywhere  # type: ignore[union-attr]
    for f in FILTERS:
        check(store, f.with_(text="黨"))


def test_a_short_text_starting_too_many_trigrams_reads_every_row(
    searched: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(problem_list, "MAX_PREFIX_TERMS", 1)
    assert problem_list.text_match(searched, "a") is None
    for f in FILTERS:
        check(searched, f.with_(text="a"))


@settings(max_examples=60, deadline=None)
@given(query=st.one_of(TEXT, st.sampled_from(FRAGMENTS + PEOPLE)))
def test_any_text_finds_what_a_substring_test_finds(searched: Store, query: str) -> None:
    """All of Unicode, control characters and FTS5 syntax (quotes, `*`, `AND`, `NEAR`)
    included: the index never errs and never disagrees with ``instr()``."""
    for f in (ProblemFilter(), ProblemFilter(states=PENDING)):
        f = f.with_(text=query)
        want = expected(searched, f)
        assert every_page(searched, f) == want
        assert problem_list.counts(searched, f, TODAY)["total"] == len(
            expected(searched, f.with_(states=()))
        )


# ---------------------------------------------------------------------- keeping in step


def found(store: Store, text: str) -> list[str]:
    return [r.id for r in problem_list.search(store, ProblemFilter(text=text), TODAY).rows]


def test_the_index_follows_edits_state_changes_and_deletes(store: Store) -> None:
    problem = problems.add_problem(
        store, unit="SDC", description="會議記錄缺失", deadline=dt.date(2026, 12, 31)
    )
    assert found(store, "記錄缺") == [problem.id]
    store.update("problems", problem.id, {"description": "黨費收繳不及時"})
    assert found(store, "記錄缺") == []
    assert found(store, "黨費") == [problem.id]
    store.update("problems", problem.id, {"state": "closed", "closed_on": "2026-11-30"})
    closed = ProblemFilter(text="黨費", states=(ProblemState.CLOSED,))
    assert problem_list.count(store, closed, TODAY) == 1
    assert problem_list.count(store, closed.with_(states=(ProblemState.OPEN,)), TODAY) == 0
    with store.write():
        store.conn.execute("DELETE FROM problem_events WHERE problem_id = ?", (problem.id,))
        store.delete("problems", problem.id)
    assert found(store, "黨費") == []
    assert store.scalar("SELECT count(*) FROM problem_search") == 0
    assert store.scalar("SELECT count(*) FROM problem_search_rows") == 0


def test_a_renamed_unit_is_found_by_its_new_name(store: Store) -> None:
    problem = problems.add_problem(
        store, unit="SDC", description="x", deadline=dt.date(2026, 12, 31)
    )
    unit_id = problem.unit_id
    store.update("units", unit_id, {"name": "新名稱黨支部"})
    assert found(store, "新名稱") == [problem.id]


def test_a_write_from_the_sqlite_shell_is_indexed_too(store: Store, db_path: Path) -> None:
    problem = problems.add_problem(
        store, unit="SDC", description="原來的描述", deadline=dt.date(2026, 12, 31)
    )
    with sqlite3.connect(db_path) as other:
        other.execute(
            "UPDATE problems SET requirement = '另一工具寫的' WHERE id = ?", (problem.id,)
        )
    assert found(store, "另一工具") == [problem.id]


def test_a_merged_problem_is_found_on_the_target(store: Store, tmp_path: Path) -> None:
    other_path = tmp_path / "b.db"
    store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    (tmp_path / "b.db").write_bytes(store.path.read_bytes())
    with open_store(other_path, device_id="laptop-b", user="李四") as other:
        added = problems.add_problem(
            other, unit="SDC", description="另一台電腦發現的問題", deadline=dt.date(2026, 12, 31)
        )
    merge.merge_file(store, other_path)
    assert found(store, "另一台電腦") == [added.id]


def test_an_older_file_gets_the_index_when_migrated(
    db_path: Path, clock: FixedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    with monkeypatch.context() as m:  # a file as the previous release wrote it
        m.setattr(schema, "SCHEMA_VERSION", 1)
        m.setattr(schema, "MIGRATIONS", {1: schema.MIGRATIONS[1]})
        with open_store(db_path, clock=clock, device_id="old") as old:
            checklists.install_shipped(old)
            units.import_org_tree(old, demo_org())
            added = problems.add_problem(
                old, unit="SDC", description="遷移前的問題", deadline=dt.date(2026, 12, 31)
            )
            assert (
                old.scalar("SELECT count(*) FROM sqlite_master WHERE name LIKE 'problem_search%'")
                == 0
            )
    with open_store(db_path, clock=clock, device_id="new") as new:
        assert new.schema_version == schema.SCHEMA_VERSION
        assert found(new, "遷移前") == [added.id]
        assert found(new, "遷") == [added.id]


# ---------------------------------------------------------------------- query plans


def plan(store: Store, sql: str, params: dict[str, object]) -> str:
    return " | ".join(r["detail"] for r in store.all(f"EXPLAIN QUERY PLAN {sql}", params))


def test_the_figures_of_problems_not_closed_come_from_their_covering_index(store: Store) -> None:
    where, params = problem_list._where(ProblemFilter(text="記錄"), TODAY)
    sql = f"SELECT count(*) FROM problems p WHERE {problem_list._NOT_CLOSED} AND {where}"
    assert "COVERING INDEX problems_pending_cover" in plan(store, sql, params)


def test_a_severity_is_found_along_its_own_index(store: Store) -> None:
    f = ProblemFilter(severity=Severity.SERIOUS)
    sql, params = problem_list._page_ids(f, TODAY, "deadline", 101, 0)
    assert "problems_severity" in plan(store, sql, params)
