"""The command line: every command, and bad input refused with exit 2 and nothing changed."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from inspect_tui.cli import main
from inspect_tui.paths import demo_org, shipped_checklists


def run(*args: str, env: dict[str, str] | None = None):
    return CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.exists() else "absent"


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "cli.db"
    assert run("--db", str(path), "init").exit_code == 0
    assert run("--db", str(path), "units", "import", str(demo_org())).exit_code == 0
    return path


def test_help_lists_every_command_and_the_database_in_use(tmp_path: Path) -> None:
    result = run("--help", env={"INSPECT_TUI_DB": str(tmp_path / "x.db")})
    assert result.exit_code == 0
    for command in ("init", "demo", "checklist", "units", "check"):
        assert command in result.output
    assert f"In use: {tmp_path / 'x.db'}" in result.output


def test_db_option_works_before_or_after_the_command(db: Path) -> None:
    assert "branch-benchmark" in run("checklist", "list", "--db", str(db)).output
    assert "branch-benchmark" in run("--db", str(db), "checklist", "list").output


def test_checklist_validate_import_and_list(tmp_path: Path) -> None:
    path = tmp_path / "new.db"
    v3 = str(next(p for p in shipped_checklists() if "v3" in p.name))
    result = run("checklist", "validate", v3)
    assert result.exit_code == 0 and "7 aspects, 20 indicators" in result.output
    assert "Imported" in run("--db", str(path), "checklist", "import", v3).output
    assert "Already imported" in run("--db", str(path), "checklist", "import", v3).output
    listed = run("--db", str(path), "checklist", "list").output
    assert "20" in listed and "2007-07-01" in listed


def test_units_import_reports_counts(db: Path) -> None:
    assert (
        "0 unit(s) created, 29 updated"
        in run("--db", str(db), "units", "import", str(demo_org())).output
    )
    assert "機關黨總支" in run("--db", str(db), "units", "list").output


def test_check_prints_the_path_and_passes_a_healthy_database(db: Path) -> None:
    result = run("--db", str(db), "check")
    assert result.exit_code == 0
    assert f"Database: {db}" in result.output and "OK: no problems found" in result.output


def test_check_names_a_signed_off_answer_edited_with_another_tool(db: Path) -> None:
    from inspect_tui.models import Result
    from inspect_tui.services import inspections
    from inspect_tui.store import open_store

    with open_store(db, user="張三") as store:
        insp = inspections.start_inspection(store, "SDC")
        for ind in inspections.unanswered(store, insp.id):
            inspections.record_answer(store, insp.id, ind.code, Result.CONFORMS)
        inspections.sign_off(store, insp.id)
    with sqlite3.connect(str(db)) as conn:
        conn.execute(
            "UPDATE answers SET result = 'does_not', score = 0 WHERE rowid = (SELECT min(rowid) FROM answers)"
        )
    result = run("--db", str(db), "check")
    assert result.exit_code == 1
    assert insp.id in result.output and "no longer matches" in result.output


def test_check_names_a_problem_written_past_the_search_index_and_rebuilds_it(db: Path) -> None:
    from inspect_tui.services import problems
    from inspect_tui.store import open_store

    with open_store(db, user="張三") as store:
        added = problems.add_problem(
            store, unit="SDC", description="會議記錄缺失", deadline=dt.date(2026, 12, 31)
        )
    with sqlite3.connect(str(db)) as conn:  # another tool, the triggers dropped first
        conn.execute("DROP TRIGGER problem_search_update")
        conn.execute("UPDATE problems SET description = '黨費收繳不及時' WHERE id = ?", (added.id,))
    result = run("--db", str(db), "check")
    assert result.exit_code == 1
    assert added.id in result.output and "check --rebuild-search" in result.output
    assert "problem_search_update: trigger is missing" in result.output
    result = run("--db", str(db), "check", "--rebuild-search")
    assert "Search index rebuilt: 1 problems." in result.output
    assert result.exit_code == 0 and "OK: no problems found" in result.output
    with sqlite3.connect(str(db)) as conn:  # edits are indexed again
        conn.execute("UPDATE problems SET description = '另一工具寫的' WHERE id = ?", (added.id,))
    assert run("--db", str(db), "check").exit_code == 0


BAD_SYSTEM = "code: x\nversion: 1\ntitle: t\neffective_from: 2026-01-01\naspects:\n  - code: A\n    title: a\n    indicators:\n      - {code: A1, title: t, standard: s, guidance: g, max_score: -1}\n"


@pytest.mark.parametrize(
    ("argv", "content", "message"),
    [
        (["checklist", "import"], BAD_SYSTEM, "line 9, field aspects[0].indicators[0].max_score"),
        (["checklist", "import"], "code: [unclosed\n", "line 2"),
        (["checklist", "validate"], BAD_SYSTEM, "max_score"),
        (
            ["units", "import"],
            "units:\n  - {code: A, name: 甲, kind: branch, parent: GHOST}\n",
            "parent 'GHOST'",
        ),
        (
            ["units", "import"],
            b"units:\n  - {code: A, name: \xb8\xea, kind: branch}\n",
            "not UTF-8",
        ),
    ],
)
def test_bad_files_exit_2_with_the_file_named_and_the_database_unchanged(
    db: Path, tmp_path: Path, argv: list[str], content: str | bytes, message: str
) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_bytes(content if isinstance(content, bytes) else content.encode())
    before = digest(db)
    result = CliRunner().invoke(main, ["--db", str(db), *argv, str(bad)])
    assert result.exit_code == 2
    assert str(bad) in result.output and message in result.output
    assert "Traceback" not in result.output
    assert digest(db) == before


@pytest.mark.parametrize("kind", ["not-sqlite", "corrupt", "newer", "missing-folder", "directory"])
def test_bad_databases_exit_2_with_a_clear_message(tmp_path: Path, db: Path, kind: str) -> None:
    target = tmp_path / "target.db"
    if kind == "not-sqlite":
        target.write_text("hello")
    elif kind == "corrupt":
        data = bytearray(db.read_bytes())
        data[4096 * 2 : 4096 * 6] = os.urandom(4096 * 4)
        target.write_bytes(bytes(data))
    elif kind == "newer":
        target.write_bytes(db.read_bytes())
        with sqlite3.connect(str(target)) as conn:
            conn.execute("PRAGMA user_version = 999")
    elif kind == "missing-folder":
        target = tmp_path / "nope" / "x.db"
    else:
        target = tmp_path
    before = digest(target) if target.is_file() else None
    result = CliRunner().invoke(main, ["--db", str(target), "check"])
    assert result.exit_code == 2, result.output
    assert str(target) in result.output
    assert "Traceback" not in result.output
    if before:
        assert digest(target) == before


def test_init_refuses_an_existing_database(db: Path) -> None:
    before = digest(db)
    result = CliRunner().invoke(main, ["--db", str(db), "init"])
    assert result.exit_code == 2 and "already exists" in result.output
    assert digest(db) == before


def test_the_console_script_runs_and_exits_2_on_bad_input(tmp_path: Path) -> None:
    exe = Path(sys.executable).with_name("inspect-tui")
    bad = tmp_path / "bad.yaml"
    bad.write_text(BAD_SYSTEM)
    proc = subprocess.run(
        [str(exe), "checklist", "validate", str(bad)], capture_output=True, text=True
    )
    assert proc.returncode == 2
    assert "max_score" in proc.stderr and "Traceback" not in proc.stderr


@pytest.mark.parametrize("named_in", ["settings.yaml", "INSPECT_TUI_DB", "nowhere"])
def test_the_app_opens_the_file_named_anywhere_and_the_demo_only_when_none_is(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, named_in: str
) -> None:
    """Bug: a database named in settings.yaml that did not exist yet was passed over for
    the demo database (only --db and INSPECT_TUI_DB counted)."""
    from inspect_tui.locations import data_dir, settings_file
    from inspect_tui.tui.app import InspectApp

    opened: list[Path] = []
    monkeypatch.setattr(InspectApp, "run", lambda app: opened.append(app.store.path))
    chosen = tmp_path / "office" / "inspect.db"
    chosen.parent.mkdir()
    settings_file().parent.mkdir(parents=True, exist_ok=True)
    settings_file().write_text(
        "user: 張三\n" + (f"db: {chosen}\n" if named_in == "settings.yaml" else ""),
        encoding="utf-8",
    )
    env = {"INSPECT_TUI_DB": str(chosen)} if named_in == "INSPECT_TUI_DB" else None
    result = run(env=env)
    assert result.exit_code == 0, result.output
    expected = data_dir() / "demo.db" if named_in == "nowhere" else chosen
    assert opened == [expected] and expected.exists()
    assert (data_dir() / "demo.db").exists() == (named_in == "nowhere")
