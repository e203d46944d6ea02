"""Self-reports (支部上報): the template, importing a month all-or-nothing with every bad
row named, the self-report beside each indicator, and over-reporting flags."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import openpyxl
import pytest

from inspect_tui.errors import DataFileError, InvalidInput, ReadOnlyRecord
from inspect_tui.models import Result
from inspect_tui.services import checklists, inspections, ranking, selfreport
from inspect_tui.store import Store

MONTH = "2026-10"
V3 = (
    ("A1", 6),
    ("A2", 4),
    ("A3", 4),
    ("B1", 8),
    ("B2", 5),
    ("B3", 6),
    ("B4", 5),
    ("C1", 5),
    ("C2", 4),
    ("C3", 5),
    ("C4", 4),
    ("D1", 4),
    ("D2", 4),
    ("E1", 7),
    ("E2", 7),
    ("E3", 6),
    ("Z1", 10),
    ("Z2", 6),
)  # the regular and self-chosen items of version 3: 100 points in all


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


def write_csv(path: Path, rows: list[list[object]], header: list[str] | None = None) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(header or ["unit_code", "indicator_code", "score", "month", "remark"])
        writer.writerows(rows)
    return path


def unit_id(store: Store, code: str) -> str:
    return str(store.scalar("SELECT id FROM units WHERE code = ?", (code,)))


@pytest.fixture
def inspected(store: Store) -> Store:
    """October: SDC inspected (the first 14 items conform, 71 points), KFZX not."""
    inspect_unit(store, "SDC", dt.date(2026, 10, 12), 14)
    return store


# ---------------------------------------------------------------------- the template


def test_the_template_has_a_row_per_unit_and_indicator(inspected: Store, tmp_path: Path) -> None:
    out = tmp_path / "自報.xlsx"
    rows = selfreport.write_template(inspected, MONTH, out)
    branches = inspected.scalar(
        "SELECT count(*) FROM units WHERE kind IN ('branch', 'general_branch')"
    )
    assert rows == branches * 20  # version 3 has 20 indicators
    sheet = openpyxl.load_workbook(out).active
    values = list(sheet.iter_rows(values_only=True))
    assert values[0] == (
        "月份 month",
        "單位代碼 unit_code",
        "單位名稱 unit",
        "指標體系 system",
        "指標代碼 indicator_code",
        "指標名稱 indicator",
        "滿分 max_score",
        "自報得分 score",
        "說明 remark",
    )
    first = values[1]
    assert first[0] == MONTH and first[3] == "branch-benchmark:3" and first[4] == "A1"
    assert first[6] == 6 and first[7] is None
    assert sheet.data_validations.dataValidation  # 0 – maximum on the score cells
    # csv, for one unit only
    one = tmp_path / "one.csv"
    assert selfreport.write_template(inspected, MONTH, one, unit_ids=["SDC"]) == 20
    with one.open(encoding="utf-8-sig") as fh:
        lines = list(csv.reader(fh))
    assert lines[1][:5] == [MONTH, "SDC", "送電處黨支部", "branch-benchmark:3", "A1"]
    with pytest.raises(InvalidInput, match="future"):
        selfreport.write_template(inspected, "2026-12", tmp_path / "x.csv")
    with pytest.raises(InvalidInput, match="format"):
        selfreport.write_template(inspected, MONTH, tmp_path / "x.pdf")


def test_a_filled_template_imports_and_imports_again(inspected: Store, tmp_path: Path) -> None:
    out = tmp_path / "sdc.xlsx"
    selfreport.write_template(inspected, MONTH, out, unit_ids=["SDC", "KFZX"])
    book = openpyxl.load_workbook(out)
    sheet = book.active
    for row in sheet.iter_rows(min_row=2):
        code, maximum = row[4].value, row[6].value
        if row[1].value == "SDC" and code not in ("G1", "G2", "Z2"):
            row[7].value = maximum  # SDC reports full marks
        elif row[1].value == "SDC" and code == "Z2":
            row[7].value = "n/a"
        elif row[1].value == "KFZX" and code == "A1":
            row[7].value = 5.5
            row[8].value = "會議記錄已補齊"
    book.save(out)
    summary = selfreport.import_file(inspected, out, MONTH)
    # SDC: 18 items (Z2 not applicable), its bonus items blank; KFZX: A1 only
    assert (summary.created, summary.updated, summary.unchanged) == (19, 0, 0)
    assert (summary.not_reported, summary.units, summary.system) == (21, 2, "branch-benchmark:3")
    sdc = unit_id(inspected, "SDC")
    assert selfreport.self_report_for(inspected, sdc, MONTH, "B1").score == 8  # type: ignore[union-attr]
    assert selfreport.self_report_for(inspected, sdc, MONTH, "Z2").score is None  # type: ignore[union-attr]
    assert selfreport.self_report_for(inspected, sdc, MONTH, "G1") is None  # not reported
    kfzx = selfreport.self_report_for(inspected, unit_id(inspected, "KFZX"), MONTH, "A1")
    assert kfzx and (kfzx.score, kfzx.remark, kfzx.source) == (5.5, "會議記錄已補齊", "sdc.xlsx")
    # the same file again changes nothing; a corrected row updates
    again = selfreport.import_file(inspected, out, MONTH)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 19)
    fix = write_csv(tmp_path / "fix.csv", [["KFZX", "A1", "6", MONTH, ""]])
    assert selfreport.import_file(inspected, fix, MONTH).updated == 1
    assert inspected.scalar("SELECT count(*) FROM self_reports") == 19


def test_the_self_report_shows_beside_each_indicator_of_an_inspection(
    inspected: Store, tmp_path: Path
) -> None:
    selfreport.import_file(
        inspected, write_csv(tmp_path / "r.csv", [["SDC", "B1", 7, MONTH, ""]]), MONTH
    )
    ins = inspections.start_inspection(inspected, "SDC", date=dt.date(2026, 10, 28))
    beside = selfreport.self_reports_for_inspection(inspected, ins.id)
    b1 = checklists.find_indicator(inspected, ins.checklist_id, "B1")
    assert list(beside) == [b1.id] and beside[b1.id].score == 7
    november = inspections.start_inspection(inspected, "SDC", date=dt.date(2026, 11, 3))
    assert selfreport.self_reports_for_inspection(inspected, november.id) == {}


# ---------------------------------------------------------------------- bad files


def test_a_bad_file_is_refused_whole_with_every_bad_row_named(
    inspected: Store, tmp_path: Path
) -> None:
    path = write_csv(
        tmp_path / "bad.csv",
        [
            ["SDC", "A1", "6", MONTH, ""],  # 2: fine
            ["XYZ", "A1", "6", MONTH, ""],  # 3: unknown unit
            ["SDC", "Q9", "6", MONTH, ""],  # 4: unknown indicator
            ["SDC", "B1", "9", MONTH, ""],  # 5: above the maximum 8
            ["SDC", "B2", "abc", MONTH, ""],  # 6: not a number
            ["SDC", "B3", "-1", MONTH, ""],  # 7: negative
            ["SDC", "B4", "5", "2026-09", ""],  # 8: another month
            ["SDC", "C1", "5", "2026-13", ""],  # 9: not a month
            ["SDC", "A1", "5", MONTH, ""],  # 10: the same unit and indicator again
            ["WNGD", "A1", "6", MONTH, ""],  # 11: a committee does not report
            ["NOPE", "Q1", "99", "10月", ""],  # 12: several problems in one row
        ],
    )
    before = inspected.scalar("SELECT count(*) FROM audit_log")
    with pytest.raises(DataFileError) as caught:
        selfreport.import_file(inspected, path, MONTH)
    message = str(caught.value)
    assert message.startswith(f"{path}: 10 bad row(s); nothing was imported:")
    expected = [
        "row 3: unknown unit 'XYZ'",
        "row 4: unknown indicator 'Q9' in branch-benchmark version 3",
        "row 5: score 9 is above the maximum 8 of B1",
        "row 6: score 'abc' is not a number",
        "row 7: score -1 is negative",
        "row 8: month 2026-09 is not the month imported (2026-10)",
        "row 9: month '2026-13' is not a month (YYYY-MM)",
        "row 10: unit SDC and indicator A1 were already given in row 2",
        "row 11: unit WNGD is a committee; only branches and general branches report",
        "row 12: month '10月' is not a month (YYYY-MM); unknown unit 'NOPE'; unknown indicator 'Q1'",
    ]
    for line in expected:
        assert line in message
    assert "row 2:" not in message
    assert inspected.scalar("SELECT count(*) FROM self_reports") == 0
    assert inspected.scalar("SELECT count(*) FROM audit_log") == before


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("empty.csv", b"", "is empty"),
        ("noscore.csv", b"unit_code,indicator_code\nSDC,A1\n", "no 'score' column"),
        ("header.csv", b"unit_code,indicator_code,score\n", "no rows"),
        (
            "latin1.csv",
            "unit_code,indicator_code,score,remark\nSDC,A1,6,caf\xe9\n".encode("latin-1"),
            "not UTF-8",
        ),
        ("broken.xlsx", b"PK\x03\x04 not really a workbook", "cannot be read as an xlsx"),
        ("notes.txt", b"unit_code,indicator_code,score\n", "neither .csv nor .xlsx"),
    ],
)
def test_unreadable_files_are_refused(
    inspected: Store, tmp_path: Path, name: str, content: bytes, message: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(DataFileError, match=message):
        selfreport.import_file(inspected, path, MONTH)
    with pytest.raises(DataFileError, match="does not exist"):
        selfreport.import_file(inspected, tmp_path / "missing.csv", MONTH)


def test_a_mismatched_system_or_month_is_refused(inspected: Store, tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "v9.csv",
        [["SDC", "branch-benchmark:9", "A1", "6"]],
        header=["單位代碼", "指標體系 system", "指標代碼", "自報得分"],
    )
    with pytest.raises(DataFileError, match="row 2: unknown indicator system 'branch-benchmark:9'"):
        selfreport.import_file(inspected, path, MONTH)
    ok = write_csv(tmp_path / "ok.csv", [["SDC", "A1", "6", "", ""]])
    with pytest.raises(InvalidInput, match="future"):
        selfreport.import_file(inspected, ok, "2026-12")
    with pytest.raises(InvalidInput, match="YYYY-MM"):
        selfreport.import_file(inspected, ok, "2026/10")
    # version 2 codes are accepted when the row names version 2
    v2 = write_csv(
        tmp_path / "v2.csv",
        [["SDC", "branch-benchmark:2", "F2", "6"]],
        header=["unit_code", "system", "indicator_code", "score"],
    )
    assert selfreport.import_file(inspected, v2, MONTH).system == "branch-benchmark:2"


def test_a_published_month_refuses_self_reports(inspected: Store, tmp_path: Path) -> None:
    inspected.conn.execute(
        "INSERT INTO month_reviews (id, month, state, created_at, updated_at, device_id) "
        "VALUES ('x', ?, 'published', '', '', '')",
        (MONTH,),
    )
    with pytest.raises(ReadOnlyRecord, match="published"):
        selfreport.import_file(
            inspected, write_csv(tmp_path / "r.csv", [["SDC", "A1", "6", "", ""]]), MONTH
        )


# ---------------------------------------------------------------------- over-reporting


def test_over_reporting_compares_with_what_the_inspection_found(
    inspected: Store, tmp_path: Path
) -> None:
    store = inspected
    inspect_unit(store, "JG1", dt.date(2026, 10, 14), 18)  # 100 points
    inspect_unit(store, "JG2", dt.date(2026, 10, 14), 10)  # 52 points
    inspect_unit(store, "JG2", dt.date(2026, 10, 24), 14)  # 71 points: mean 61.5
    rows: list[list[object]] = []
    for code, maximum in V3:
        rows.append(["SDC", code, maximum, MONTH, ""])  # claims 100, found 71
        rows.append(["JG1", code, maximum, MONTH, ""])  # claims 100, found 100
        rows.append(["KFZX", code, maximum, MONTH, ""])  # not inspected: nothing to compare
    # JG2 honest but for E1 and E2 (7 + 7 points claimed, 3.5 and 0 found)
    found_jg2 = {c: m if i < 10 else (m / 2 if i < 14 else 0) for i, (c, m) in enumerate(V3)}
    for code, maximum in V3:
        claim = maximum if code in ("E1", "E2") else found_jg2[code]
        rows.append(["JG2", code, claim, MONTH, ""])
    rows.append(["SDC", "G1", 3, MONTH, ""])  # bonus items are left out
    selfreport.import_file(store, write_csv(tmp_path / "all.csv", rows), MONTH)

    compared = {r.unit_code: r for r in selfreport.compare(store, MONTH)}
    assert set(compared) == {"SDC", "JG1", "JG2"}
    sdc, jg2 = compared["SDC"], compared["JG2"]
    assert (sdc.reported_percent, sdc.inspected_percent, sdc.gap) == (100.0, 71.0, 29.0)
    assert [g.code for g in sdc.indicators][:2] == ["Z1", "E2"]  # 10 and 7 points apart
    assert (jg2.inspected_percent, jg2.gap) == (61.5, 10.5)
    assert [(g.code, g.reported, g.inspected) for g in jg2.indicators] == [
        ("E2", 7, 0.0),
        ("E1", 7, 3.5),
    ]
    assert compared["JG1"].gap == 0.0 and compared["JG1"].indicators == ()
    flagged = selfreport.over_reporting(store, MONTH, margin=10)
    assert [f.unit_code for f in flagged] == ["SDC", "JG2"]
    assert [f.unit_code for f in selfreport.over_reporting(store, MONTH, margin=10.5)] == ["SDC"]
    assert selfreport.over_reporting(store, "2026-09", margin=5) == []
    with pytest.raises(InvalidInput, match="negative"):
        selfreport.over_reporting(store, MONTH, margin=-1)


def test_the_month_system_follows_the_inspections(store: Store) -> None:
    v2 = next(c for c in checklists.list_checklists(store) if c.version == 2)
    ins = inspections.start_inspection(store, "SDC", date=dt.date(2026, 9, 8), checklist_id=v2.id)
    for ind in checklists.indicators_of(store, v2.id):
        inspections.record_answer(store, ins.id, ind.id, Result.CONFORMS)
    inspections.sign_off(store, ins.id)
    assert selfreport.month_checklist(store, "2026-09").version == 2
    assert selfreport.month_checklist(store, "2026-10").version == 2  # the latest one used
    assert selfreport.month_checklist(store, "2026-08").version == 3  # none yet: the newest
    assert ranking.month_of(dt.date(2026, 9, 8)) == "2026-09"
