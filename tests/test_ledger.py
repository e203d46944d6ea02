"""Problem filters, per-unit figures and the ledger, read back and compared with the database."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from inspect_tui.cli import main
from inspect_tui.clock import FixedClock
from inspect_tui.errors import InvalidInput
from inspect_tui.models import ProblemState, Severity
from inspect_tui.services import inspections, ledger, problems
from inspect_tui.services.problem_list import ProblemFilter, count, counts, search, unit_figures
from inspect_tui.store import Store

TODAY = dt.date(2026, 11, 30)


@pytest.fixture
def filled(store: Store, clock: FixedClock) -> Store:
    """Problems in every state at two units, some overdue, some due soon, awkward text."""
    clock.set(dt.datetime(2026, 10, 1, 9, tzinfo=dt.UTC))
    insp = inspections.start_inspection(store, "SDC", date=dt.date(2026, 10, 1))
    texts = [
        "三會一課記錄不全",
        "<b>發展黨員</b> & 公示缺失",
        '黨員承諾 "未上牆"',
        "𠀀 罕見字 😀",
        "字" * 300,
    ]
    made = []
    for n, text in enumerate(texts):
        made.append(
            problems.add_problem(
                store,
                inspection_id=insp.id,
                indicator="B1" if n % 2 else None,
                description=text,
                severity=list(Severity)[n % 3],
                requirement=f"要求{n}",
                responsible="胡德明",
                deadline=dt.date(2026, 11, 10) + dt.timedelta(days=7 * n),
            )
        )
    problems.add_problem(
        store, unit="KFZX", description="客服中心問題", deadline=dt.date(2026, 12, 3)
    )
    clock.set(dt.datetime(2026, 11, 20, 9, tzinfo=dt.UTC))
    problems.record_rectification(
        store, made[0].id, description="補齊", done_on=dt.date(2026, 11, 5)
    )
    problems.submit_for_verification(store, made[0].id)
    problems.close_problem(
        store,
        made[0].id,
        closed_on=dt.date(2026, 11, 8),
        without_evidence_reason="記錄簿已當場核對",
    )  # on time
    problems.record_rectification(
        store, made[1].id, description="公示", done_on=dt.date(2026, 11, 20)
    )
    problems.submit_for_verification(store, made[1].id)
    clock.set(dt.datetime(2026, 11, 30, 9, tzinfo=dt.UTC))
    return store


def test_filters_and_their_counts(filled: Store) -> None:
    everything = ProblemFilter()
    assert count(filled, everything, TODAY) == 6
    c = counts(filled, everything, TODAY)
    assert (c["open"], c["submitted"], c["closed"], c["total"]) == (4, 1, 1, 6)
    overdue = search(filled, ProblemFilter(overdue=True), TODAY)
    assert [r.deadline for r in overdue.rows] == [dt.date(2026, 11, 17), dt.date(2026, 11, 24)]
    assert overdue.rows[0].days_overdue == 13
    due = search(filled, ProblemFilter(due_within=7), TODAY)
    assert {r.deadline for r in due.rows} == {dt.date(2026, 12, 1), dt.date(2026, 12, 3)}
    assert count(filled, ProblemFilter(states=(ProblemState.CLOSED,)), TODAY) == 1
    assert count(filled, ProblemFilter(severity=Severity.MAJOR), TODAY) == 2
    assert count(filled, ProblemFilter(text="<b>發展黨員</b>"), TODAY) == 1
    assert count(filled, ProblemFilter(text="%"), TODAY) == 0  # no wildcard surprises
    assert count(filled, ProblemFilter(text="客服中心"), TODAY) == 1  # unit names too


def test_pages_come_from_sqlite_with_a_has_more_flag(filled: Store) -> None:
    first = search(filled, ProblemFilter(), TODAY, limit=4)
    second = search(filled, ProblemFilter(), TODAY, limit=4, offset=4)
    assert first.has_more and not second.has_more
    assert len(first.rows) + len(second.rows) == 6
    assert [r.deadline for r in first.rows] == sorted(r.deadline for r in first.rows)


def test_unit_figures(filled: Store) -> None:
    unit = filled.scalar("SELECT id FROM units WHERE code = 'SDC'")
    figures = unit_figures(filled, unit, TODAY)
    assert (figures.open, figures.closed, figures.overdue) == (4, 1, 2)
    assert figures.due == 3 and figures.closed_on_time == 1
    assert figures.rectification_rate == pytest.approx(1 / 3, abs=1e-4)
    assert figures.average_days_to_close == 38.0


def db_rows(store: Store) -> list[dict]:
    return store.all(
        "SELECT p.*, u.name AS unit_name FROM problems p JOIN units u ON u.id = p.unit_id ORDER BY p.deadline, p.id"
    )


def test_csv_ledger_has_a_bom_and_matches_the_database_row_by_row(
    filled: Store, tmp_path: Path
) -> None:
    out = tmp_path / "ledger.csv"
    assert ledger.export(filled, ProblemFilter(), TODAY, out, "csv") == 6
    assert out.read_bytes().startswith(b"\xef\xbb\xbf")
    with out.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    expected = db_rows(filled)
    assert len(rows) == len(expected)
    for got, want in zip(rows, expected, strict=True):
        assert got["Problem id"] == want["id"]
        assert got["Unit"] == want["unit_name"]
        assert got["Problem"] == want["description"]  # <, >, &, quotes, 𠀀 exactly as stored
        assert got["Requirement"] == want["requirement"]
        assert got["Deadline"] == want["deadline"]
        assert got["Closed on"] == (want["closed_on"] or "")
        overdue = (TODAY - dt.date.fromisoformat(want["deadline"])).days
        assert int(got["Days overdue"]) == (
            overdue if want["state"] != "closed" and overdue > 0 else 0
        )


def test_xlsx_ledger_opens_with_header_frozen_panes_dates_and_cjk_widths(
    filled: Store, tmp_path: Path
) -> None:
    from inspect_tui.i18n import set_language

    set_language("zh-Hant")
    out = tmp_path / "ledger.xlsx"
    ledger.export(filled, ProblemFilter(), TODAY, out, "xlsx")
    sheet = openpyxl.load_workbook(out).active
    header = [c.value for c in sheet[1]]
    assert header[:4] == ["單位代碼", "單位", "指標", "問題描述"]
    assert sheet.freeze_panes == "C2"
    expected = db_rows(filled)
    for row, want in zip(sheet.iter_rows(min_row=2, values_only=True), expected, strict=True):
        record = dict(zip(header, row, strict=True))
        assert record["問題描述"] == want["description"]
        assert isinstance(record["整改期限"], dt.datetime)  # a real date, not text
        assert record["整改期限"].date().isoformat() == want["deadline"]
    assert sheet.max_row == len(expected) + 1
    widths = {k: v.width for k, v in sheet.column_dimensions.items()}
    assert widths["B"] >= 12  # 送電處黨支部 is 12 cells wide


def test_a_bad_destination_leaves_nothing_behind(filled: Store, tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="does not exist"):
        ledger.export(filled, ProblemFilter(), TODAY, tmp_path / "no" / "x.csv", "csv")
    assert not list(tmp_path.glob(".ledger-*"))


def test_ledger_command(filled: Store, db_path: Path, tmp_path: Path) -> None:
    out = tmp_path / "open.csv"
    result = CliRunner().invoke(
        main,
        [
            "--db",
            str(db_path),
            "ledger",
            "--format",
            "csv",
            "--out",
            str(out),
            "--unit",
            "SDC",
            "--state",
            "open",
        ],
    )
    assert result.exit_code == 0, result.output
    with out.open(encoding="utf-8-sig") as fh:
        assert len(list(csv.DictReader(fh))) == 3
    again = CliRunner().invoke(
        main, ["--db", str(db_path), "ledger", "--format", "csv", "--out", str(out)]
    )
    assert again.exit_code == 2 and "--force" in again.output
