"""Merging databases from several laptops: nothing lost, nothing duplicated, same result
whichever way round, and refusal of files that cannot be merged."""

from __future__ import annotations

import datetime as dt
import shutil
import sqlite3
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from inspect_tui.clock import FixedClock
from inspect_tui.errors import DatabaseError, NewerSchemaError
from inspect_tui.models import ProblemState, Result
from inspect_tui.paths import demo_org
from inspect_tui.services import checklists, inspections, merge, problems, units
from inspect_tui.store import Store, copy_database, open_store
from inspect_tui.store import schema as schema_module

CONTENT_TABLES = (
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
    "notices",
    "notice_problems",
    "monthly_results",
    "tombstones",
    "seals",
)


def dump(store: Store, tables: tuple[str, ...] = CONTENT_TABLES) -> dict[str, list[tuple]]:
    out = {}
    for table in tables:
        cols = [r[1] for r in store.conn.execute(f"PRAGMA table_info({table})")]
        order = "id" if "id" in cols else ", ".join(cols)
        out[table] = store.conn.execute(f"SELECT * FROM {table} ORDER BY {order}").fetchall()
    return out


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database as the office hands it out: indicator systems, the demo org, one
    inspection in progress with a problem."""
    path = tmp_path_factory.mktemp("template") / "base.db"
    clock = FixedClock(dt.datetime(2026, 11, 1, 9, tzinfo=dt.UTC), step=dt.timedelta(seconds=1))
    with open_store(path, clock=clock, user="辦公室", device_id="office", seed=99) as store:
        checklists.install_shipped(store)
        units.import_org_tree(store, demo_org())
        inspection = inspections.start_inspection(store, "SDC", date=dt.date(2026, 11, 1))
        problems.add_problem(
            store,
            inspection_id=inspection.id,
            description="三會一課記錄不全",
            deadline=dt.date(2026, 12, 31),
        )
        store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return path


class Laptops:
    """Copies of the template, each opened as another device with its own inspector."""

    def __init__(self, template: Path, folder: Path, names: str = "ab") -> None:
        self.folder = folder
        self.clock = FixedClock(
            dt.datetime(2026, 11, 30, 9, tzinfo=dt.UTC), step=dt.timedelta(seconds=1)
        )
        self.stores: dict[str, Store] = {}
        for index, name in enumerate(names):
            shutil.copy(template, folder / f"{name}.db")
            self.stores[name] = open_store(
                folder / f"{name}.db",
                clock=self.clock,
                user=f"檢查員{name}",
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
    group = Laptops(template, tmp_path, "abc")
    yield group
    group.close()


def the_problem(store: Store) -> str:
    return str(store.scalar("SELECT id FROM problems LIMIT 1"))


def test_merging_brings_new_work_across(laptops: Laptops) -> None:
    a, b = laptops["a"], laptops["b"]
    inspection = inspections.start_inspection(b, "KFZX")
    inspections.record_answer(b, inspection.id, "A1", Result.PARTLY, remark="記錄不全")
    summary = merge.merge_file(a, laptops.path("b"))
    assert summary.inserted["inspections"] == 1 and summary.inserted["answers"] == 1
    assert inspections.answers_of(a, inspection.id).popitem()[1].remark == "記錄不全"


def test_merging_the_same_file_twice_changes_nothing_the_second_time(laptops: Laptops) -> None:
    a, b = laptops["a"], laptops["b"]
    problems.record_rectification(
        b, the_problem(b), description="已補齊", done_on=dt.date(2026, 11, 30)
    )
    units.update_unit(a, "SDC", secretary="新書記")
    merge.merge_file(a, laptops.path("b"))
    before = dump(a, (*CONTENT_TABLES, "audit_log", "conflicts"))
    again = merge.merge_file(a, laptops.path("b"))
    assert again.changes == 0 and again.conflicts == 0 and again.audit_entries == 0
    assert dump(a, (*CONTENT_TABLES, "audit_log", "conflicts")) == before


def test_a_merge_gives_the_same_content_whichever_way_round(laptops: Laptops) -> None:
    a, b = laptops["a"], laptops["b"]
    pid = the_problem(a)
    problems.record_rectification(a, pid, description="甲：已整改", done_on=dt.date(2026, 11, 30))
    problems.extend_deadline(b, pid, deadline=dt.date(2027, 1, 31), reason="乙：延期")
    units.update_unit(a, "SDC", secretary="甲改的書記")
    units.update_unit(b, "SDC", secretary="乙改的書記")
    copy_database(a, laptops.folder / "a0.db")  # A as it was before merging
    merge.merge_file(a, laptops.path("b"))  # A ← B
    merge.merge_file(b, laptops.folder / "a0.db")  # B ← A (as A was)
    assert dump(a) == dump(b)
    # both changes to the problem survive: state from A, deadline from B, and both histories
    merged = problems.get_problem(a, pid)
    assert merged.state is ProblemState.RECTIFYING and merged.deadline == dt.date(2027, 1, 31)
    assert {e.note for e in problems.history(a, pid)} >= {"甲：已整改", "乙：延期"}
    # the same field changed on both sides is a listed conflict, the same on both
    for store in (a, b):
        [conflict] = merge.list_conflicts(store)
        assert (conflict["kind"], conflict["table_name"]) == ("concurrent_update", "units")
    assert merge.list_conflicts(a)[0]["id"] == merge.list_conflicts(b)[0]["id"]


def test_a_conflict_is_resolved_by_a_person_and_stays_resolved(laptops: Laptops) -> None:
    a, b = laptops["a"], laptops["b"]
    units.update_unit(a, "SDC", secretary="甲")
    units.update_unit(b, "SDC", secretary="乙")
    merge.merge_file(a, laptops.path("b"))
    [conflict] = merge.list_conflicts(a)
    resolved = merge.resolve_conflict(a, conflict["id"][:10], note="以組織部通知為準")
    assert resolved["resolved_by"] == "檢查員a"
    assert merge.list_conflicts(a) == []
    merge.merge_file(a, laptops.path("b"))  # merging again does not bring it back
    assert merge.list_conflicts(a) == []


def test_deletions_travel_as_tombstones(laptops: Laptops) -> None:
    a, b = laptops["a"], laptops["b"]
    pid = the_problem(a)
    rect = problems.record_rectification(
        a, pid, description="錯記的整改", done_on=dt.date(2026, 11, 30)
    )
    merge.merge_file(b, laptops.path("a"))
    a.delete("rectifications", rect.id)
    merge.merge_file(b, laptops.path("a"))
    assert b.scalar("SELECT count(*) FROM rectifications WHERE id = ?", (rect.id,)) == 0
    assert merge.merge_file(a, laptops.path("b")).inserted["rectifications"] == 0  # no resurrection


def test_deleted_here_and_edited_there_is_a_conflict_not_a_loss(laptops: Laptops) -> None:
    a, b = laptops["a"], laptops["b"]
    rect = problems.record_rectification(
        a, the_problem(a), description="初稿", done_on=dt.date(2026, 11, 30)
    )
    merge.merge_file(b, laptops.path("a"))
    a.delete("rectifications", rect.id)
    b.update("rectifications", rect.id, {"description": "補充了證據"})
    merge.merge_file(a, laptops.path("b"))
    assert (
        a.scalar("SELECT description FROM rectifications WHERE id = ?", (rect.id,)) == "補充了證據"
    )
    assert [c["kind"] for c in merge.list_conflicts(a)] == ["delete_vs_update"]


def test_systems_imported_on_two_laptops_do_not_duplicate(laptops: Laptops, tmp_path: Path) -> None:
    import yaml

    v3 = next(p for p in checklists.shipped_checklists() if "v3" in p.name)
    data = yaml.safe_load(v3.read_text(encoding="utf-8"))
    data["version"] = 9
    path = tmp_path / "v9.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    checklists.import_checklist(laptops["a"], path)
    checklists.import_checklist(laptops["b"], path)
    merge.merge_file(laptops["a"], laptops.path("b"))
    assert laptops["a"].scalar("SELECT count(*) FROM checklists WHERE version = 9") == 1
    assert laptops["a"].scalar("SELECT count(*) FROM indicators") == 28 + 20 + 20
    assert merge.list_conflicts(laptops["a"]) == []


def test_the_same_serial_issued_apart_is_a_listed_conflict(laptops: Laptops) -> None:
    a, b = laptops["a"], laptops["b"]
    unit_id = a.scalar("SELECT id FROM units WHERE code = 'SDC'")
    for store in (a, b):
        store.insert(
            "notices",
            {
                "unit_id": unit_id,
                "organ": "渭供黨",
                "year": 2026,
                "serial": 12,
                "issued_on": dt.date(2026, 11, 30),
            },
        )
    merge.merge_file(a, laptops.path("b"))
    assert a.scalar("SELECT count(*) FROM notices WHERE serial = 12") == 2  # both kept
    [conflict] = merge.list_conflicts(a)
    assert conflict["kind"] == "duplicate_serial"


def test_the_audit_log_merges_without_duplicates(laptops: Laptops) -> None:
    a, b = laptops["a"], laptops["b"]
    units.update_unit(b, "KFZX", members=30)
    ids_a = {r[0] for r in a.conn.execute("SELECT id FROM audit_log")}
    ids_b = {r[0] for r in b.conn.execute("SELECT id FROM audit_log")}
    merge.merge_file(a, laptops.path("b"))
    merge.merge_file(a, laptops.path("b"))
    merged = [r[0] for r in a.conn.execute("SELECT id FROM audit_log")]
    assert len(merged) == len(set(merged)) == len(ids_a | ids_b)


def test_dry_run_changes_nothing_but_reports(laptops: Laptops) -> None:
    a, b = laptops["a"], laptops["b"]
    units.update_unit(b, "KFZX", members=30)
    before = dump(a, (*CONTENT_TABLES, "audit_log", "merges"))
    summary = merge.merge_file(a, laptops.path("b"), dry_run=True)
    assert summary.updated["units"] == 1
    assert dump(a, (*CONTENT_TABLES, "audit_log", "merges")) == before


# ---------------------------------------------------------------------- refusals


@pytest.mark.parametrize(
    "kind", ["missing", "directory", "not-sqlite", "foreign", "corrupt", "itself", "newer"]
)
def test_files_that_cannot_be_merged_are_refused_and_the_target_is_unchanged(
    laptops: Laptops, tmp_path: Path, kind: str
) -> None:
    a = laptops["a"]
    source = tmp_path / f"{kind}.db"
    if kind == "directory":
        source = tmp_path
    elif kind == "not-sqlite":
        source.write_text("not a database")
    elif kind == "foreign":
        with sqlite3.connect(str(source)) as conn:
            conn.execute("CREATE TABLE x (y)")
    elif kind == "corrupt":
        data = bytearray(laptops.path("b").read_bytes())
        data[4096 * 2 : 4096 * 8] = b"\x5a" * (4096 * 6)
        source.write_bytes(bytes(data))
    elif kind == "itself":
        source = laptops.path("a")
    elif kind == "newer":
        shutil.copy(laptops.path("b"), source)
        with sqlite3.connect(str(source)) as conn:
            conn.execute("PRAGMA user_version = 99")
    before = dump(a, (*CONTENT_TABLES, "audit_log", "merges"))
    with pytest.raises(DatabaseError) as err:
        merge.merge_file(a, source)
    assert str(source) in str(err.value)
    if kind == "newer":
        assert isinstance(err.value, NewerSchemaError)
    assert dump(a, (*CONTENT_TABLES, "audit_log", "merges")) == before


def test_a_source_failing_its_check_rolls_the_merge_back(
    laptops: Laptops, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The source's quick_check runs while rows are compared; the merge commits only once
    it has passed, so damage the comparison never touched still stops the merge."""
    inspections.start_inspection(laptops["b"], "JXC")
    a = laptops["a"]
    before = dump(a, (*CONTENT_TABLES, "audit_log", "merges"))

    def damaged(check: merge._HealthCheck) -> None:
        check.problem = "*** in database main *** Page 42: btreeInitPage() returns error code 11"

    monkeypatch.setattr(merge._HealthCheck, "_run", damaged)
    with pytest.raises(DatabaseError, match="is damaged .*Page 42.*nothing was merged") as err:
        merge.merge_file(a, laptops.path("b"))
    assert str(laptops.path("b")) in str(err.value)
    assert dump(a, (*CONTENT_TABLES, "audit_log", "merges")) == before


def test_an_older_file_is_migrated_in_a_copy_before_merging(
    laptops: Laptops, monkeypatch: pytest.MonkeyPatch
) -> None:
    b_path = laptops.path("b")
    inspections.start_inspection(laptops["b"], "JXC")
    laptops["b"].close()
    original = b_path.read_bytes()

    def to_next(conn: sqlite3.Connection) -> None:
        conn.execute("ALTER TABLE units ADD COLUMN note TEXT NOT NULL DEFAULT ''")

    current = schema_module.SCHEMA_VERSION
    monkeypatch.setattr(schema_module, "SCHEMA_VERSION", current + 1)
    monkeypatch.setitem(schema_module.MIGRATIONS, current + 1, to_next)
    with open_store(laptops.path("c"), device_id="laptop-c") as c:  # the target moves on
        summary = merge.merge_file(c, b_path)
        assert summary.inserted["inspections"] == 1
    assert b_path.read_bytes() == original  # the other laptop's file is never written
    assert not list(b_path.parent.glob(f"b.db.schema{current}-*.bak"))


def test_a_merge_killed_halfway_leaves_the_target_exactly_as_before(
    laptops: Laptops, tmp_path: Path
) -> None:
    a, b = laptops["a"], laptops["b"]
    for code in ("KFZX", "JXC", "GCGS"):
        inspection = inspections.start_inspection(b, code)
        for ind in inspections.unanswered(b, inspection.id)[:5]:
            inspections.record_answer(b, inspection.id, ind.code, Result.CONFORMS)
    units.update_unit(b, "SDC", members=77)
    a.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    before = dump(a, (*CONTENT_TABLES, "audit_log", "merges", "conflicts"))
    script = textwrap.dedent(
        f"""
        import os, signal
        from pathlib import Path
        from inspect_tui.store import open_store
        from inspect_tui.services import merge

        def progress(step, done, total):
            if step == "problems":  # units, inspections and answers are already written
                os.kill(os.getpid(), signal.SIGKILL)

        store = open_store(Path({str(laptops.path("a"))!r}), device_id="laptop-a")
        merge.merge_file(store, Path({str(laptops.path("b"))!r}), progress=progress)
        """
    )
    proc = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == -9, proc.stderr
    with open_store(laptops.path("a"), device_id="laptop-a") as reopened:
        assert dump(reopened, (*CONTENT_TABLES, "audit_log", "merges", "conflicts")) == before
        assert reopened.scalar("SELECT audit FROM _actor") == 1


# ---------------------------------------------------------------------- properties


ACTIONS = st.lists(
    st.tuples(
        st.sampled_from("abc"),
        st.sampled_from(
            ["problem", "rectify", "submit", "close", "extend", "secretary", "answer", "delete"]
        ),
        st.integers(min_value=0, max_value=10_000),
    ),
    max_size=12,
)


def act(store: Store, action: str, n: int) -> None:
    """One user action, if it is legal in the store's current state (else nothing)."""
    codes = ["SDC", "KFZX", "JXC"]
    open_ids = [
        r[0]
        for r in store.conn.execute("SELECT id FROM problems WHERE state != 'closed' ORDER BY id")
    ]
    pid = open_ids[n % len(open_ids)] if open_ids else None
    state = store.scalar("SELECT state FROM problems WHERE id = ?", (pid,)) if pid else None
    if action == "problem":
        problems.add_problem(
            store, unit=codes[n % 3], description=f"問題{n}", deadline=dt.date(2027, 1, 1 + n % 28)
        )
    elif action == "rectify" and state in ("open", "rectifying"):
        problems.record_rectification(
            store, pid, description=f"整改{n}", done_on=dt.date(2026, 11, 30)
        )
    elif action == "submit" and state == "rectifying":
        problems.submit_for_verification(store, pid)
    elif action == "close" and state == "submitted":
        problems.close_problem(store, pid, note=f"銷號{n}", without_evidence_reason="現場核實")
    elif action == "extend" and pid:
        current = problems.get_problem(store, pid).deadline
        later = current + dt.timedelta(days=1 + n % 28)
        problems.extend_deadline(store, pid, deadline=later, reason=f"延期{n}")
    elif action == "secretary":
        units.update_unit(store, codes[n % 3], secretary=f"書記{n % 4}")
    elif action == "answer":
        inspection = store.scalar("SELECT id FROM inspections WHERE state = 'in_progress' LIMIT 1")
        results = list(Result)
        inspections.record_answer(store, inspection, ["A1", "A2", "B1"][n % 3], results[n % 4])
    elif action == "delete":
        rect = store.scalar("SELECT id FROM rectifications ORDER BY id LIMIT 1 OFFSET ?", (n % 3,))
        if rect:
            store.delete("rectifications", rect)


@settings(
    max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(actions=ACTIONS, order=st.permutations([("a", "b"), ("b", "c"), ("c", "a"), ("a", "c")]))
def test_any_actions_merged_in_any_order_converge_and_lose_nothing(
    template: Path, tmp_path_factory: pytest.TempPathFactory, actions, order
) -> None:
    group = Laptops(template, tmp_path_factory.mktemp("prop"), "abc")
    try:
        for name, action, n in actions:
            act(group[name], action, n)
        events = set().union(
            *({r[0] for r in group[n].conn.execute("SELECT id FROM problem_events")} for n in "abc")
        )
        for target, source in order:
            merge.merge_file(group[target], group.path(source))
        # a second round in which everyone hears from everyone: all three converge
        for target in "abc":
            for source in "abc":
                if source != target:
                    merge.merge_file(group[target], group.path(source))
        dumps = [dump(group[n]) for n in "abc"]
        assert dumps[0] == dumps[1] == dumps[2]
        merged_events = {r[0] for r in group["a"].conn.execute("SELECT id FROM problem_events")}
        assert merged_events == events  # every history entry made anywhere is kept, once
        again = merge.merge_file(group["a"], group.path("b"))
        assert again.changes == 0  # idempotent
    finally:
        group.close()
