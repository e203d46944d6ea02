"""Monthly benchmarking from the command line: compute, ranking (and its export), lagging,
publish, self-reports and practices; bad months and bad settings exit 2 changing nothing."""

from __future__ import annotations

import csv
import datetime as dt
import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

import inspect_tui.cli as cli
from inspect_tui.cli import main
from inspect_tui.clock import FixedClock
from inspect_tui.models import Result
from inspect_tui.services import checklists, inspections, practices, ranking
from inspect_tui.store import Store

OFFICE, REVIEWER, SPECIALIST, LEADER = "周慧敏", "孫建平", "馬麗華", "高振宇"
SETTINGS = f"""
lagging: {{k: 2, bottom_n: 1}}
over_reporting_margin: 5
roles:
  {OFFICE}: [submit]
  {REVIEWER}: [review]
  {SPECIALIST}: [consolidate]
  {LEADER}: [approve]
consequences:
  - {{text: 連續兩個月排名末位：取消評先評優資格, bottom_streak: 2}}
  - {{text: 得分低於60分：約談支部書記, below_score: 60}}
"""


def run(*args: str) -> object:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def inspect_unit(store: Store, code: str, day: dt.date, conforming: int) -> str:
    checklist = checklists.newest_checklist(store, "branch-benchmark")
    ins = inspections.start_inspection(store, code, date=day, checklist_id=checklist.id)
    regular = 0
    for ind in checklists.indicators_of(store, checklist.id):
        ok = ind.kind.value != "bonus" and regular < conforming
        regular += ind.kind.value != "bonus"
        inspections.record_answer(store, ins.id, ind.id, Result.CONFORMS if ok else Result.DOES_NOT)
    inspections.sign_off(store, ins.id)
    return ins.id


@pytest.fixture(autouse=True)
def _fixed_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(
        cli, "SystemClock", lambda: FixedClock(dt.datetime(2026, 11, 30, 9, tzinfo=dt.UTC))
    )


@pytest.fixture
def settings(tmp_path: Path) -> Path:
    path = tmp_path / "benchmark.yaml"
    path.write_text(SETTINGS, encoding="utf-8")
    return path


@pytest.fixture
def db(store: Store, db_path: Path) -> Iterator[Path]:
    """September and October inspected (JG2 at the bottom both months), not yet computed;
    a good practice of SDC's on E2."""
    for month in ("2026-09", "2026-10"):
        day = ranking.month_bounds(month)[0] + dt.timedelta(days=9)
        ids = {
            code: inspect_unit(store, code, day, conforming)
            for code, conforming in (("SDC", 18), ("KFZX", 14), ("JG1", 12), ("JG2", 6))
        }
    practices.mark_practice(store, ids["SDC"], "E2", "零違章競賽，全體黨員簽訂安全承諾書")
    store.close()
    yield db_path


def state(db: Path) -> tuple[object, ...]:
    """What a refused command must leave as it was."""
    conn = sqlite3.connect(db)
    try:
        return tuple(
            conn.execute(sql).fetchone()
            for sql in (
                "SELECT count(*), max(at) FROM audit_log",
                "SELECT count(*), total(score) FROM monthly_results",
                "SELECT count(*) FROM month_reviews",
                "SELECT count(*) FROM self_reports",
                "SELECT count(*) FROM seals",
            )
        )
    finally:
        conn.close()


def computed(db: Path, settings: Path) -> Path:
    for month in ("2026-09", "2026-10"):
        result = run("--db", str(db), "compute", "--month", month, "--settings", str(settings))
        assert result.exit_code == 0, result.output
    return db


# ---------------------------------------------------------------------- compute, ranking


def test_compute_months_in_order(db: Path, settings: Path) -> None:
    result = run(
        "--db",
        str(db),
        "compute",
        "--from",
        "2026-09",
        "--month",
        "2026-10",
        "--settings",
        str(settings),
    )
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "2026-09: 4 ranked, 24 not inspected; benchmark SDC; lagging none"
    assert lines[1] == "2026-10: 4 ranked, 24 not inspected; benchmark SDC; lagging JG2"


def test_ranking_json_is_the_office_report(db: Path, settings: Path) -> None:
    computed(db, settings)
    for extra in ((), ("--month", "2026-09")):
        mine = run("--db", str(db), "ranking", "--json", *extra)
        office = run("--db", str(db), "office", "ranking", "--json", *extra)
        assert mine.exit_code == office.exit_code == 0
        assert json.loads(mine.output) == json.loads(office.output)
        assert mine.output == office.output
    rows = json.loads(run("--db", str(db), "ranking", "--json").output)
    assert [(r["month"], r["rank"], r["unit_code"], r["benchmark"]) for r in rows][:2] == [
        ("2026-10", 1, "SDC", 1),
        ("2026-10", 2, "KFZX", 0),
    ]


def test_lagging_json_is_the_office_report_and_the_text_names_the_months(
    db: Path, settings: Path
) -> None:
    computed(db, settings)
    for extra in ((), ("--month", "2026-10"), ("--month", "2026-09")):
        mine = run("--db", str(db), "lagging", "--json", *extra)
        office = run("--db", str(db), "office", "lagging", "--json", *extra)
        assert mine.exit_code == 0 and mine.output == office.output
    assert [
        r["unit_code"] for r in json.loads(run("--db", str(db), "lagging", "--json").output)
    ] == ["JG2"]
    text = run("--db", str(db), "lagging", "--settings", str(settings)).output
    assert "JG2" in text and "2026-09, 2026-10" in text and "4/4" in text
    assert "JG2 機關第二黨支部: 連續兩個月排名末位：取消評先評優資格" in text
    assert "JG2 機關第二黨支部: 得分低於60分：約談支部書記" in text
    assert (
        "No unit lags in 2026-09." in run("--db", str(db), "lagging", "--month", "2026-09").output
    )


def test_ranking_text_shows_marks_and_change(db: Path, settings: Path) -> None:
    computed(db, settings)
    text = run("--db", str(db), "ranking", "--month", "2026-10").output
    assert "2026-10: draft (not published)" in text
    assert "標桿 benchmark" in text and "後進 lagging" in text and "not inspected" in text
    assert "+0.00" in text


def test_ranking_exports_for_bonus_allocation(db: Path, settings: Path, tmp_path: Path) -> None:
    computed(db, settings)
    out = tmp_path / "ranking.xlsx"
    result = run(
        "--db", str(db), "ranking", "--month", "2026-10", "--format", "xlsx", "--out", str(out)
    )
    assert result.exit_code == 0, result.output
    assert "Wrote 28 unit(s) of 2026-10" in result.output
    rows = list(openpyxl.load_workbook(out).active.iter_rows(values_only=True))
    assert rows[0][:5] == ("Month", "Rank", "Unit code", "Unit", "Score")
    assert rows[1][:5] == ("2026-10", 1, "SDC", "送電處黨支部", 100)
    assert rows[4][1:3] == (4, "JG2") and rows[4][7:9] == (0, 1)
    again = run("--db", str(db), "ranking", "--format", "xlsx", "--out", str(out))
    assert again.exit_code == 2 and "already exists" in again.output
    csv_out = tmp_path / "ranking.csv"
    assert run("--db", str(db), "ranking", "--format", "csv", "--out", str(csv_out)).exit_code == 0
    with csv_out.open(encoding="utf-8-sig") as fh:
        assert next(csv.reader(fh))[0] == "Month"
    for args in (("--json", "--format", "csv", "--out", "x.csv"), ("--format", "csv")):
        assert run("--db", str(db), "ranking", *args).exit_code == 2


# ---------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("ranking", "--month", "2026-13"), "YYYY-MM"),
        (("ranking", "--month", "2026-12", "--json"), "future"),
        (("lagging", "--month", "2026/10", "--json"), "YYYY-MM"),
        (("compute", "--month", "2027-01"), "future"),
        (("compute", "--month", "2026-10", "--from", "2026-11"), "after --month"),
        (("publish", "--month", "26-10", "--step", "submit"), "YYYY-MM"),
        (("publish", "--month", "2026-12", "--step", "submit"), "future"),
        (("publish", "--month", "2026-10", "--send-back"), "needs --reason"),
        (
            ("publish", "--month", "2026-10", "--step", "submit", "--reopen", "--reason", "x"),
            "choose one",
        ),
        (("publish", "--month", "2026-10", "--reason", "x"), "--reason goes with"),
        (("selfreport", "template", "--month", "2026-12", "--out", "t.xlsx"), "future"),
        (("selfreport", "flags", "--month", "10/2026"), "YYYY-MM"),
    ],
)
def test_bad_months_and_options_exit_2_and_change_nothing(
    db: Path, settings: Path, args: tuple[str, ...], message: str
) -> None:
    computed(db, settings)
    before = state(db)
    result = run(
        "--db",
        str(db),
        "--user",
        OFFICE,
        *args,
        *(("--settings", str(settings)) if args[0] in ("compute", "publish") else ()),
    )
    assert result.exit_code == 2, result.output
    assert message in result.output and "Traceback" not in result.output
    assert state(db) == before


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ("lagging: {k: 0}\n", "field lagging.k: Input should be greater than or equal to 1"),
        (
            "lagging: {bottom_n: -1}\n",
            "field lagging.bottom_n: Input should be greater than or equal to 1",
        ),
        ("roles:\n  周慧敏: [submit, boss]\n", "field roles.周慧敏[1]: Input should be 'submit'"),
    ],
)
@pytest.mark.parametrize(
    "command",
    [
        ("compute", "--month", "2026-10"),
        ("publish", "--month", "2026-10", "--step", "submit"),
        ("lagging",),
        ("selfreport", "flags"),
    ],
)
def test_bad_settings_exit_2_naming_the_file_and_field(
    db: Path, settings: Path, tmp_path: Path, text: str, field: str, command: tuple[str, ...]
) -> None:
    computed(db, settings)
    bad = tmp_path / "bad.yaml"
    bad.write_text(text, encoding="utf-8")
    before = state(db)
    result = run("--db", str(db), "--user", OFFICE, *command, "--settings", str(bad))
    assert result.exit_code == 2
    assert f"inspect-tui: error: {bad}: line " in result.output and field in result.output
    assert state(db) == before


# ---------------------------------------------------------------------- publish


def test_the_review_flow_from_the_command_line(db: Path, settings: Path) -> None:
    computed(db, settings)
    s = ("--settings", str(settings))

    def publish(user: str, *args: str) -> object:
        return run("--db", str(db), "--user", user, "publish", "--month", "2026-10", *args, *s)

    refused = publish(REVIEWER, "--step", "submit")
    assert refused.exit_code == 2 and "孫建平 may not submit 2026-10" in refused.output
    assert publish(OFFICE, "--step", "submit").output.strip() == "2026-10: submitted (by 周慧敏)"
    out_of_order = publish(LEADER, "--step", "approve")
    assert out_of_order.exit_code == 2 and "next step is 'review'" in out_of_order.output
    sent = publish(REVIEWER, "--send-back", "--reason", "JG2 數據待核")
    assert sent.exit_code == 0 and "returned" in sent.output
    assert publish(OFFICE, "--step", "submit").exit_code == 0
    for user, step in ((REVIEWER, "review"), (SPECIALIST, "consolidate")):
        assert publish(user, "--step", step).exit_code == 0
    done = publish(LEADER, "--step", "approve")
    assert done.output.strip() == "2026-10: published and sealed (by 高振宇)"
    status = publish(LEADER)
    assert status.exit_code == 0
    assert "2026-10: published (round 2)" in status.output
    assert "孫建平: send_back (submitted → returned) — JG2 數據待核" in status.output
    assert "You (高振宇) may: reopen" in status.output
    # published: read-only, until reopened with a reason
    again = run("--db", str(db), "compute", "--month", "2026-10", *s)
    assert again.exit_code == 2 and "published and read-only" in again.output
    assert "published by 高振宇" in run("--db", str(db), "ranking", "--month", "2026-10").output
    # a published month edited with another SQLite tool is found by `check`
    conn = sqlite3.connect(db)
    conn.execute("UPDATE monthly_results SET score = 99 WHERE month = '2026-10' AND rank = 4")
    conn.commit()
    tampered = run("--db", str(db), "check")
    assert tampered.exit_code == 1
    assert "monthly_results 2026-10: content no longer matches its seal" in tampered.output
    conn.execute("UPDATE monthly_results SET score = 33 WHERE month = '2026-10' AND rank = 4")
    conn.commit()
    conn.close()
    assert run("--db", str(db), "check").exit_code == 0
    assert publish(LEADER, "--reopen", "--reason", "更正 JG2 得分").exit_code == 0
    assert run("--db", str(db), "compute", "--month", "2026-10", *s).exit_code == 0
    check = run("--db", str(db), "check")
    assert check.exit_code == 0, check.output


# ---------------------------------------------------------------------- self-reports, practices


def test_self_reports_from_the_command_line(db: Path, settings: Path, tmp_path: Path) -> None:
    computed(db, settings)
    template = tmp_path / "template.xlsx"
    made = run(
        "--db",
        str(db),
        "selfreport",
        "template",
        "--month",
        "2026-10",
        "--out",
        str(template),
        "--unit",
        "JG2",
        "--unit",
        "SDC",
    )
    assert made.exit_code == 0 and "Wrote 40 row(s) for 2026-10" in made.output
    book = openpyxl.load_workbook(template)
    for row in book.active.iter_rows(min_row=2):
        if row[4].value not in ("G1", "G2"):
            row[7].value = row[6].value  # both claim full marks
    book.save(template)
    imported = run("--db", str(db), "selfreport", "import", str(template), "--month", "2026-10")
    assert imported.exit_code == 0, imported.output
    assert "36 created, 0 updated, 0 unchanged, 4 not reported; 2 unit(s)" in imported.output
    flags = run(
        "--db",
        str(db),
        "selfreport",
        "flags",
        "--month",
        "2026-10",
        "--json",
        "--settings",
        str(settings),
    )
    flagged = json.loads(flags.output)
    assert [
        (f["unit_code"], f["reported_percent"], f["inspected_percent"], f["gap"]) for f in flagged
    ] == [("JG2", 100.0, 33.0, 67.0)]
    assert "JG2" in run("--db", str(db), "selfreport", "flags", "--month", "2026-10").output
    # a bad file: refused whole, every bad row named, nothing changed
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "unit_code,indicator_code,score\nSDC,A1,6\nXYZ,A1,6\nSDC,B1,9\nSDC,Q9,1\n", encoding="utf-8"
    )
    before = state(db)
    refused = run("--db", str(db), "selfreport", "import", str(bad), "--month", "2026-10")
    assert refused.exit_code == 2
    for line in (
        "3 bad row(s)",
        "row 3: unknown unit 'XYZ'",
        "row 4: score 9 is above the maximum 8 of B1",
        "row 5: unknown indicator 'Q9'",
    ):
        assert line in refused.output
    assert state(db) == before
    future = run("--db", str(db), "selfreport", "import", str(template), "--month", "2026-12")
    assert future.exit_code == 2 and "future" in future.output


def test_the_practice_library_from_the_command_line(db: Path) -> None:
    text = run("--db", str(db), "practices").output
    assert "E2 零違章競賽與安全承諾書" in text and "SDC 送電處黨支部" in text
    data = json.loads(run("--db", str(db), "practices", "--unit", "SDC", "--json").output)
    assert [p["indicator_code"] for p in data] == ["E2"]
    assert "No practices yet." in run("--db", str(db), "practices", "--indicator", "A1").output
