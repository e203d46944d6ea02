"""The benchmark generator on a tiny size, so it keeps up with the schema (no timing here)."""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

import pytest

from inspect_tui.services import ranking
from inspect_tui.store import open_store
from tests.benchmarks import __main__ as runner
from tests.benchmarks.generate import (
    SIZES,
    TODAY,
    BenchSize,
    current_fingerprint,
    generate,
    reusable,
)

SIZE = BenchSize(units=50, months=6, inspections=120, problems=240)


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("bench") / "tiny.db"
    generate(path, SIZE, seed=3)
    return path


def _count(path: Path, sql: str) -> int:
    conn = sqlite3.connect(path)
    try:
        return int(conn.execute(sql).fetchone()[0])
    finally:
        conn.close()


def test_counts(generated: Path) -> None:
    assert SIZES["tiny"] == SIZE
    assert _count(generated, "SELECT count(*) FROM units") == 50
    assert _count(generated, "SELECT count(*) FROM inspections") == 120
    assert _count(generated, "SELECT count(*) FROM problems") == 240
    ranked = _count(
        generated, "SELECT count(*) FROM units WHERE kind IN ('branch', 'general_branch')"
    )
    assert _count(generated, "SELECT count(*) FROM monthly_results") == ranked * 6
    assert _count(generated, "SELECT count(DISTINCT month) FROM monthly_results") == 6
    signed = _count(generated, "SELECT count(*) FROM inspections WHERE state = 'signed_off'")
    assert 0 < signed < 120
    unanswered = _count(
        generated,
        "SELECT count(*) FROM inspections AS i WHERE i.state = 'signed_off' AND "
        "(SELECT count(*) FROM answers AS a WHERE a.inspection_id = i.id) != "
        "(SELECT count(*) FROM indicators AS d WHERE d.checklist_id = i.checklist_id)",
    )
    assert unanswered == 0
    assert _count(generated, "SELECT count(DISTINCT state) FROM problems") == 4
    assert _count(generated, "SELECT count(*) FROM problem_events") > 240
    assert _count(generated, "SELECT count(*) FROM problem_events WHERE action = 'created'") == 240
    assert _count(generated, "SELECT count(*) FROM rectifications") > 0
    overdue = f"SELECT count(*) FROM problems WHERE state != 'closed' AND deadline < '{TODAY}'"
    assert _count(generated, overdue) > 0


def test_the_file_is_a_healthy_store(generated: Path) -> None:
    store = open_store(generated, user="t", device_id="t", quick_check=True)
    try:
        assert store.conn.execute("PRAGMA foreign_key_check").fetchall() == []
        assert store.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        bulk = store.scalar(
            "SELECT count(*) FROM audit_log WHERE table_name IN "
            "('units', 'inspections', 'answers', 'problems', 'problem_events', 'monthly_results')"
        )
        assert bulk == 0  # bulk loads stay out of the audit log
        integrity = pytest.importorskip("inspect_tui.services.integrity")
        assert [str(f) for f in integrity.run_checks(store)] == []
    finally:
        store.close()


def test_monthly_results_agree_with_the_ranking_service(generated: Path, tmp_path: Path) -> None:
    copy = tmp_path / "copy.db"
    source = sqlite3.connect(generated)
    target = sqlite3.connect(copy)
    source.backup(target)
    source.close()
    target.close()
    store = open_store(copy, user="t", device_id="t")
    try:
        for month in ranking.computed_months(store):
            stored = [
                (r.unit_id, r.score, r.rank, r.benchmark, r.lagging)
                for r in ranking.month_results(store, month)
            ]
            again = [
                (r.unit_id, r.score, r.rank, r.benchmark, r.lagging)
                for r in ranking.compute_month(store, month)
            ]
            assert again == stored, month
    finally:
        store.close()


def test_same_seed_same_content_and_reuse(generated: Path, tmp_path: Path) -> None:
    again = tmp_path / "again.db"
    generate(again, SIZE, seed=3)
    for table in (
        "units",
        "inspections",
        "answers",
        "problems",
        "problem_events",
        "monthly_results",
    ):
        sql = f"SELECT * FROM {table} ORDER BY id"
        a, b = sqlite3.connect(generated), sqlite3.connect(again)
        try:
            assert a.execute(sql).fetchall() == b.execute(sql).fetchall(), table
        finally:
            a.close()
            b.close()
    fingerprint = current_fingerprint(tmp_path / "probe.db")
    assert reusable(again, SIZE, 3, TODAY, fingerprint) is not None
    assert reusable(again, SIZE, 4, TODAY, fingerprint) is None
    assert reusable(again, SIZE, 3, TODAY + dt.timedelta(days=1), fingerprint) is None
    assert reusable(tmp_path / "missing.db", SIZE, 3, TODAY, fingerprint) is None


def test_runner_table_has_one_row_per_figure(generated: Path) -> None:
    rows = [
        runner.Row("a query", 0.004, 0.002, 0.02),
        runner.Row("generate", 12.5, None, None, "note"),
    ]
    text = runner.table(rows)
    lines = text.splitlines()
    header = [cell.strip() for cell in lines[0].split(" | ")]
    assert header[:6] == ["figure", "median", "baseline median", "ratio", "target", "met"]
    assert "2.00" in lines[2] and "yes" in lines[2]
    assert "12.50 s" in lines[3]
    assert {f.name for f in runner.FIGURES} >= {
        "open problems of one unit",
        "overdue problems, first page of 100",
        "count of overdue problems",
        "one month's results, first page of 100",
    }
