"""``inspect-tui notices`` and ``inspect-tui report``: each works, and each bad input exits 2
with a clear message, no file left behind and no serial number used."""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from test_notices_fixtures import (
    add_problems,
    make_font,
    mark_lagging,
    pdf_text,
    seeded_store,
    squash,
)

import inspect_tui.cli as cli
from inspect_tui.cli import main
from inspect_tui.clock import FixedClock
from inspect_tui.notices.template import shipped_template
from inspect_tui.store import Store


def run(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


@pytest.fixture
def store(db_path: Path, clock: FixedClock) -> Iterator[Store]:
    """conftest's ``store`` (shipped indicator systems, demo organisation), copied from a
    database built once: these tests each need a fresh one, and building it is slow."""
    with seeded_store(db_path, clock) as fresh:
        yield fresh


@pytest.fixture(autouse=True)
def _fixed_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(
        cli, "SystemClock", lambda: FixedClock(dt.datetime(2026, 11, 30, 9, tzinfo=dt.UTC))
    )


@pytest.fixture
def db(store: Store, db_path: Path) -> Path:
    add_problems(store, "JG1", 2)
    add_problems(store, "JG2", 1)
    mark_lagging(store, "2026-11", lagging=["JG1", "JG2", "JG3"], others=["SDC", "SQPD"])
    store.close()
    return db_path


@pytest.fixture
def out(tmp_path: Path) -> Path:
    folder = tmp_path / "out"
    folder.mkdir()
    return folder


def serials(db: Path) -> list[int]:
    conn = sqlite3.connect(db)
    try:
        return [r[0] for r in conn.execute("SELECT serial FROM notices ORDER BY serial")]
    finally:
        conn.close()


def listing(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def test_a_notice_for_one_unit(db: Path, out: Path) -> None:
    result = run("--db", str(db), "notices", "--unit", "JG1", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert "渭供黨〔2026〕第1號" in result.output and "2 problem(s)" in result.output
    assert listing(out) == ["渭供黨-2026-0001_機關第一黨支部.pdf"]
    assert "2026年11月30日" in squash(pdf_text(out / listing(out)[0]))


def test_notices_for_the_lagging_units_then_list_receive_and_reissue(db: Path, out: Path) -> None:
    result = run(
        "--db",
        str(db),
        "notices",
        "--lagging",
        "--month",
        "2026-11",
        "--out",
        str(out),
        "--workers",
        "1",
    )
    assert result.exit_code == 0, result.output
    assert "2 notice(s) issued, 1 unit(s) skipped" in result.output
    assert "skipped JG3" in result.output and "no open problems" in result.output
    assert serials(db) == [1, 2]

    listed = run("--db", str(db), "notices", "list")
    assert "渭供黨〔2026〕第1號" in listed.output and "ok" in listed.output

    received = run(
        "--db", str(db), "notices", "received", "渭供黨〔2026〕第1號", "--on", "2026-11-30"
    )
    assert received.exit_code == 0 and "returned on 2026-11-30" in received.output

    again = run("--db", str(db), "notices", "reissue", "2026-2", "--out", str(out))
    assert again.exit_code == 0, again.output
    assert "渭供黨〔2026〕第3號 replaces 渭供黨〔2026〕第2號" in again.output
    assert len(listing(out)) == 3

    first = out / listing(out)[0]
    first.write_bytes(first.read_bytes() + b"%changed")
    lines = run("--db", str(db), "notices", "list").output.splitlines()
    assert len(lines) == 3
    assert "received 2026-11-30" in lines[0] and "file missing or changed" in lines[0]
    assert "not received" in lines[2] and "replaces 渭供黨〔2026〕第2號" in lines[2]
    assert all("problem(s)" in line and " 0 problem(s)" not in line for line in lines)


def test_the_monthly_report(db: Path, tmp_path: Path) -> None:
    target = tmp_path / "report-2026-11.pdf"
    result = run("--db", str(db), "report", "--month", "2026-11", "--out", str(target))
    assert result.exit_code == 0, result.output
    assert "標桿支部" in squash(pdf_text(target))
    again = run("--db", str(db), "report", "--month", "2026-11", "--out", str(target))
    assert again.exit_code == 2 and "already exists" in again.output
    assert (
        run(
            "--db", str(db), "report", "--month", "2026-11", "--out", str(target), "--force"
        ).exit_code
        == 0
    )


def _refused(result, *words: str) -> None:  # noqa: ANN001
    assert result.exit_code == 2, result.output
    for word in words:
        assert word in result.output, result.output


def test_a_unit_without_open_problems(db: Path, out: Path) -> None:
    _refused(
        run("--db", str(db), "notices", "--unit", "JG3", "--out", str(out)), "no open problems"
    )
    assert listing(out) == [] and serials(db) == []


def test_an_output_folder_that_does_not_exist(db: Path, tmp_path: Path) -> None:
    _refused(
        run("--db", str(db), "notices", "--unit", "JG1", "--out", str(tmp_path / "missing")),
        "does not exist",
    )
    assert serials(db) == [] and not (tmp_path / "missing").exists()


def test_a_template_with_a_missing_field(db: Path, out: Path, tmp_path: Path) -> None:
    template = tmp_path / "mine.yaml"
    text = shipped_template().read_text(encoding="utf-8")
    template.write_text(text.replace("report_back_days: 5", ""), encoding="utf-8")
    result = run(
        "--db", str(db), "notices", "--unit", "JG1", "--out", str(out), "--template", str(template)
    )
    _refused(result, str(template), "report_back_days")
    assert listing(out) == [] and serials(db) == []


def test_a_font_that_is_not_truetype(db: Path, out: Path, tmp_path: Path) -> None:
    text = tmp_path / "font.ttf"
    text.write_text("not a font", encoding="utf-8")
    _refused(
        run("--db", str(db), "notices", "--unit", "JG1", "--out", str(out), "--font", str(text)),
        "not a TrueType font",
    )
    cff = make_font(tmp_path / "cff.otf", "黨", cff=True)
    _refused(
        run("--db", str(db), "notices", "--unit", "JG1", "--out", str(out), "--font", str(cff)),
        "CFF",
    )
    assert listing(out) == [] and serials(db) == []


def test_text_no_font_can_print(store: Store, db_path: Path, out: Path) -> None:
    add_problems(store, "SDC", 1, description="生僻字𠀀")
    store.close()
    _refused(run("--db", str(db_path), "notices", "--unit", "SDC", "--out", str(out)), "U+20000")
    assert listing(out) == [] and serials(db_path) == []


def test_usage_errors(db: Path, out: Path) -> None:
    assert run("--db", str(db), "notices").exit_code == 2
    assert run("--db", str(db), "notices", "--unit", "JG1").exit_code == 2
    assert (
        run("--db", str(db), "notices", "--unit", "JG1", "--lagging", "--out", str(out)).exit_code
        == 2
    )
    _refused(
        run("--db", str(db), "notices", "--lagging", "--month", "2026-10", "--out", str(out)),
        "no monthly results",
    )
    _refused(
        run("--db", str(db), "notices", "received", "2026-7", "--on", "2026-11-30"), "no notice"
    )
    assert serials(db) == [] and listing(out) == []


def test_help_documents_the_rules() -> None:
    text = " ".join(run("notices", "--help").output.split())
    for words in (
        "--lagging",
        "--unit",
        "received",
        "never replaced",
        "all or nothing",
        "--fallback-font",
    ):
        assert words in text
    assert "--month" in run("report", "--help").output


def test_fonts_shows_coverage() -> None:
    result = run("notices", "fonts")
    assert result.exit_code == 0
    assert "KurintoSansSC-Rg.ttf" in result.output and "20,976" in result.output
