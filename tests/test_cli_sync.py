"""merge, conflicts, log and backup from the command line."""

from __future__ import annotations

import datetime as dt
import hashlib
import shutil
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from inspect_tui.cli import main
from inspect_tui.paths import demo_org
from inspect_tui.services import units
from inspect_tui.store import open_store


def run(*args: str):
    return CliRunner().invoke(main, list(args))


def digest(path: Path) -> str:
    with sqlite3.connect(str(path)) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def pair(tmp_path: Path) -> tuple[Path, Path]:
    a = tmp_path / "a.db"
    assert run("--db", str(a), "init").exit_code == 0
    assert run("--db", str(a), "units", "import", str(demo_org())).exit_code == 0
    digest(a)
    b = tmp_path / "b.db"
    shutil.copy(a, b)
    with open_store(a, user="甲", device_id="A") as store:
        units.update_unit(store, "SDC", secretary="甲改")
    with open_store(b, user="乙", device_id="B") as store:
        units.update_unit(store, "SDC", secretary="乙改")
        units.update_unit(store, "KFZX", members=99)
    return a, b


def test_merge_reports_what_changed_and_lists_the_conflict(pair: tuple[Path, Path]) -> None:
    a, b = pair
    dry = run("--db", str(a), "merge", str(b), "--dry-run")
    assert dry.exit_code == 0 and "would change" in dry.output
    result = run("--db", str(a), "merge", str(b))
    assert result.exit_code == 0, result.output
    assert "updated 2 (units 2)" in result.output and "1 new conflict" in result.output
    listed = run("--db", str(a), "conflicts")
    assert "concurrent_update" in listed.output and "units" in listed.output
    conflict_id = listed.output.split()[0]
    resolved = run("--db", str(a), "conflicts", "resolve", conflict_id, "--note", "以乙為準")
    assert resolved.exit_code == 0, resolved.output
    assert "No unresolved conflicts" in run("--db", str(a), "conflicts").output


@pytest.mark.parametrize("bad", ["missing", "self", "text"])
def test_merge_refuses_bad_files_with_exit_2(
    pair: tuple[Path, Path], tmp_path: Path, bad: str
) -> None:
    a, _ = pair
    source = {"missing": tmp_path / "nope.db", "self": a, "text": tmp_path / "t.db"}[bad]
    if bad == "text":
        source.write_text("hello")
    before = digest(a)
    result = run("--db", str(a), "merge", str(source))
    assert result.exit_code == 2 and str(source) in result.output
    assert digest(a) == before


def test_log_shows_who_changed_what_old_to_new(pair: tuple[Path, Path]) -> None:
    a, _ = pair
    result = run("--db", str(a), "log", "--unit", "SDC")
    assert result.exit_code == 0
    assert "甲" in result.output and "secretary: 胡德明 → 甲改" in result.output
    assert "KFZX" not in result.output
    future = run(
        "--db", str(a), "log", "--since", (dt.date.today() + dt.timedelta(days=2)).isoformat()
    )
    assert "No changes match" in future.output


def test_backup_is_a_consistent_copy_and_never_overwrites(
    pair: tuple[Path, Path], tmp_path: Path
) -> None:
    a, _ = pair
    out = tmp_path / "backup.db"
    assert run("--db", str(a), "backup", "--out", str(out)).exit_code == 0
    with sqlite3.connect(str(out)) as conn:
        assert (
            conn.execute("SELECT secretary FROM units WHERE code = 'SDC'").fetchone()[0] == "甲改"
        )
    again = run("--db", str(a), "backup", "--out", str(out))
    assert again.exit_code == 2 and "already exists" in again.output
