"""Several laptops from the keyboard: merging another laptop's file, resolving a conflict,
the audit log, the first start's name prompt and backups. What the app saved is read
back from the files."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import sqlite3
from pathlib import Path

import pytest
import yaml
from rich.console import Console
from textual.widgets import Input, Label, ProgressBar, Static
from tui_support import (
    OTHER_USER,
    USER,
    build_db,
    later_clock,
    other_laptop,
    press,
    rows,
    settle,
    store,  # noqa: F401 (fixtures)
    work_apart,
)

from inspect_tui.cli import Options
from inspect_tui.locations import settings_file
from inspect_tui.services import audit, merge, units
from inspect_tui.settings import load_settings
from inspect_tui.store import Store
from inspect_tui.tui.app import InspectApp
from inspect_tui.tui.identity import save_user_setting
from inspect_tui.tui.screens.audit import AuditScreen, parse_since
from inspect_tui.tui.screens.backup import BackupDialog, default_backup_path
from inspect_tui.tui.screens.checklist import ChecklistScreen
from inspect_tui.tui.screens.conflicts import ConflictsScreen, ResolveDialog
from inspect_tui.tui.screens.home import HomeScreen
from inspect_tui.tui.screens.merge import MergeScreen
from inspect_tui.tui.screens.user import UserDialog
from inspect_tui.tui.widgets import Field, Table

SIZE = (80, 24)


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("sync") / "template.db"
    build_db(path).close()
    return path


@pytest.fixture()
def other(template: Path, tmp_path: Path, store: Store) -> Path:
    """``other.db``: the second laptop's file, after both worked apart (two conflicts)."""
    there = other_laptop(template, tmp_path / "other.db")
    work_apart(store, there)
    there.close()
    return tmp_path / "other.db"


def later_in_the_day(store: Store) -> None:
    """Changes made in the app come after the template's: the newest in the audit log."""
    store.clock = later_clock()


def content(path: Path) -> str:
    """A digest of every row of every table (the file's content, not its bytes)."""
    conn = sqlite3.connect(path)
    try:
        digest = hashlib.sha256()
        tables = [
            r[0]
            for r in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"
            )
        ]
        for table in tables:
            for row in conn.execute(f"SELECT * FROM [{table}] ORDER BY 1"):
                digest.update(repr((table, row)).encode())
        return digest.hexdigest()
    finally:
        conn.close()


def text_of(widget: Label | Static) -> str:
    return str(widget.render())


def rendered(widget: Static) -> str:
    """What a widget holding a Rich renderable (a table) shows, as plain text."""
    console = Console(width=120, record=True, file=io.StringIO())
    console.print(widget.content)
    return console.export_text()


def field_error(screen: object, field_id: str) -> str:
    field = screen.query_one(f"#{field_id}", Field)  # type: ignore[attr-defined]
    return str(field.error.render()) if field.error.has_class("-visible") else ""


# ---------------------------------------------------------------------- merge


async def test_merging_another_laptop_from_the_keyboard(store: Store, other: Path) -> None:
    app = InspectApp(store=store, lang="en")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await press(pilot, "m")
        screen = app.screen
        assert isinstance(screen, MergeScreen)
        await press(pilot, "o", "t", "h", "tab")  # Tab completes the file name
        assert screen.query_one("#path", Input).value == "other.db"
        await press(pilot, "enter")
        summary = screen.summary
        assert summary is not None and not summary.dry_run
        bar = screen.query_one("#merge-progress", ProgressBar)
        assert bar.total and bar.progress == bar.total
        assert text_of(screen.query_one("#merge-result", Label)) == (
            "Merged other.db: 9 row(s) changed, 10 audit entries added."
        )
        assert text_of(screen.query_one("#merge-describe", Static)) == summary.describe()
        lines = rendered(screen.query_one("#merge-counts", Static)).splitlines()[1:]
        shown = {name: counts for name, *counts in (line.rsplit(None, 3) for line in lines)}
        assert shown["Inspections"] == ["1", "0", "0"]
        assert shown["Answers"] == ["3", "0", "0"]
        assert shown["Problems"] == ["0", "1", "0"]
        assert shown["Units"] == ["0", "1", "0"]  # the later change of the two is kept
        assert text_of(screen.query_one("#merge-conflicts", Label)).startswith(
            "2 new conflict(s), 2 open in all"
        )
        await press(pilot, "c")  # the conflicts it found
        assert isinstance(app.screen, ConflictsScreen)
        assert app.screen.query_one("#conflict-list", Table).row_count == 2

    # the target file holds the other laptop's work, and both versions of each clash
    assert rows(
        store.path,
        "SELECT count(*) FROM inspections WHERE unit_id = (SELECT id FROM units WHERE code = 'XXZX')"
        " AND updated_by = ?",
        (OTHER_USER,),
    ) == [(1,)]
    assert rows(
        store.path, "SELECT description FROM rectifications WHERE updated_by = ?", (OTHER_USER,)
    ) == [("已公開兩名黨員的承諾",)]
    conflicts = rows(
        store.path, "SELECT kind, table_name, kept, other FROM conflicts ORDER BY table_name"
    )
    assert [(k, t) for k, t, _, _ in conflicts] == [
        ("concurrent_update", "problems"),
        ("concurrent_update", "units"),
    ]
    kept, other_version = next((c[2], c[3]) for c in conflicts if c[1] == "units")
    secretaries = {json.loads(str(kept))["secretary"], json.loads(str(other_version))["secretary"]}
    assert secretaries == {"張三改", "李四改"}  # both versions stay
    assert rows(store.path, "SELECT source FROM merges") == [("other.db",)]


async def test_a_dry_run_changes_nothing(store: Store, other: Path) -> None:
    store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    before = content(store.path)
    app = InspectApp(store=store, lang="en")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await press(pilot, "m")
        screen = app.screen
        assert isinstance(screen, MergeScreen)
        await press(pilot, "ctrl+d", *"other.db", "enter")
        assert screen.summary is not None and screen.summary.dry_run
        assert text_of(screen.query_one("#merge-result", Label)) == (
            "Dry run of other.db: 9 row(s) would change. Nothing was changed."
        )
    assert content(store.path) == before


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("notes.db", "notes.db: is not an SQLite database"),
        ("demo.db", "demo.db: is the target database itself; nothing to merge"),
        ("newer.db", "newer.db: was written by a newer inspect_tui"),
        ("missing.db", "missing.db: does not exist"),
    ],
)
async def test_a_file_that_cannot_be_merged_is_named_and_nothing_changes(
    store: Store, tmp_path: Path, template: Path, name: str, message: str
) -> None:
    (tmp_path / "notes.db").write_text("not a database")
    newer = tmp_path / "newer.db"
    newer.write_bytes(template.read_bytes())
    with sqlite3.connect(newer) as conn:
        conn.execute("PRAGMA user_version = 99")
    store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    before = content(store.path)
    app = InspectApp(store=store, lang="en")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await press(pilot, "m")
        screen = app.screen
        assert isinstance(screen, MergeScreen)
        screen.query_one("#path", Input).value = name
        await press(pilot, "enter")
        assert field_error(screen, "path-field").startswith(message)
        assert text_of(screen.query_one("#merge-result", Label)) == (
            "Not merged: nothing was changed."
        )
        assert screen.summary is None and not screen.running
        assert screen.query_one("#path", Input).has_focus  # to correct the path
    assert content(store.path) == before


async def test_the_keys_and_the_palette_reach_every_screen(store: Store) -> None:
    app = InspectApp(store=store, lang="en")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await press(pilot, "question_mark")
        keys = app.screen.query_one("#keys", Table)
        shown = {
            str(keys.get_row_at(i)[1]): str(keys.get_row_at(i)[0]) for i in range(keys.row_count)
        }
        assert {k: shown.get(k) for k in ("Merge", "Conflicts", "Audit log", "Back up")} == {
            "Merge": "m",
            "Conflicts": "c",
            "Audit log": "l",
            "Back up": "b",
        }
        await press(pilot, "escape", "u")  # from another screen, by name
        for name, screen in (
            ("audit log", AuditScreen),
            ("conflicts after", ConflictsScreen),
            ("merge a database", MergeScreen),
            ("back up the database", BackupDialog),
        ):
            await press(pilot, "ctrl+p")
            await pilot.press(*name)
            await settle(pilot)
            await press(pilot, "enter")
            assert isinstance(app.screen, screen), name


# ---------------------------------------------------------------------- conflicts


async def test_resolving_a_conflict_from_the_keyboard(store: Store, other: Path) -> None:
    merge.merge_file(store, other)
    app = InspectApp(store=store, lang="en")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await press(pilot, "c")
        screen = app.screen
        assert isinstance(screen, ConflictsScreen)
        assert screen.query_one("#conflict-list", Table).row_count == 2
        current = screen.current
        assert current is not None
        # the two versions side by side, the fields that differ marked
        fields = screen.query_one("#conflict-fields", Table)
        marked = [
            str(fields.get_row_at(i)[0]).strip()
            for i in range(fields.row_count)
            if str(fields.get_row_at(i)[0]).startswith("≠")
        ]
        assert "≠ deadline" in marked or "≠ secretary" in marked

        await press(pilot, "r")
        dialog = app.screen
        assert isinstance(dialog, ResolveDialog)
        await press(pilot, "enter")  # a note is required
        assert field_error(dialog, "note-field") == "note is required"
        dialog.query_one("#note", Input).value = "以辦公室核實的版本為準"
        await press(pilot, "enter")
        assert app.screen is screen
        assert screen.query_one("#conflict-list", Table).row_count == 1  # open ones only
        await press(pilot, "a")  # resolved ones too
        assert screen.query_one("#conflict-list", Table).row_count == 2

    assert rows(
        store.path,
        "SELECT id, resolved_by, resolution FROM conflicts WHERE resolved_at IS NOT NULL",
    ) == [(current["id"], USER, "以辦公室核實的版本為準")]


# ---------------------------------------------------------------------- audit log


async def test_the_audit_log_shows_a_change_made_in_the_app(store: Store) -> None:
    later_in_the_day(store)
    app = InspectApp(store=store, lang="en")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await press(pilot, "enter")  # the inspection in progress, at its sixth item
        assert isinstance(app.screen, ChecklistScreen)
        await press(pilot, "1", "k", "0")  # conforms, back, then not applicable
        await press(pilot, "escape", "l")
        screen = app.screen
        assert isinstance(screen, AuditScreen)
        table = screen.query_one("#audit", Table)
        index = next(
            i
            for i, e in enumerate(screen.entries)
            if e["table_name"] == "answers" and e["action"] == "update"
        )
        assert index < 3  # newest first
        entry = screen.entries[index]
        cells = [str(c) for c in table.get_row_at(index)]
        assert cells[1:5] == [USER, "test-laptop", "Changed", "Answers"]
        assert "result: conforms → not_applicable" in cells[5]
        table.move_cursor(row=index)
        await settle(pilot)
        detail = text_of(screen.query_one("#audit-detail", Static))
        assert "result: conforms → not_applicable" in detail
        assert f"{USER} · test-laptop · Changed Answers {entry['row_id'][:12]}" in detail

        # filtered by a unit (pinyin initials, as on the units screen) and a first day
        await press(pilot, "slash", *"jgdedzb")
        assert "Unit: 機關第二黨支部 (JG2)" in text_of(
            screen.query_one("#audit-filter-status", Label)
        )
        jg2 = units.get_unit(store, "JG2").id
        assert [e["id"] for e in screen.entries] == [
            e["id"] for e in audit.audit_entries(store, unit_id=jg2, limit=100)
        ]
        assert screen.entries[0]["id"] == entry["id"]  # the change made above is JG2's
        await press(pilot, "tab", *"2026-03-17")
        assert screen.entries == []


async def test_the_audit_log_reads_a_page_at_a_time(store: Store) -> None:
    app = InspectApp(store=store, lang="en")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await press(pilot, "l")
        screen = app.screen
        assert isinstance(screen, AuditScreen)
        assert len(screen.entries) == 100
        assert text_of(screen.query_one("#audit-status", Label)).startswith("first 100 changes")
        for _ in range(10):
            await press(pilot, "pagedown")  # at the last row shown, the next page is read
        assert len(screen.entries) == 200
        assert [e["id"] for e in screen.entries] == [
            e["id"] for e in audit.audit_entries(store, limit=200)
        ]


def test_the_first_day_is_typed_as_a_person_would() -> None:
    today = dt.date(2026, 3, 16)
    assert parse_since("", today) is None
    assert parse_since("2026-03-01", today) == dt.date(2026, 3, 1)
    assert parse_since("03-20", today) == dt.date(2025, 3, 20)  # the last such day
    assert parse_since("03-01", today) == dt.date(2026, 3, 1)
    assert parse_since("-7", today) == dt.date(2026, 3, 9)


# ---------------------------------------------------------------------- the first start


async def test_the_first_start_asks_the_name_and_every_change_carries_it(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("INSPECT_TUI_USER", raising=False)
    assert Options().settings_user(login_fallback=False) == ""  # nobody configured
    assert Options().settings_user()  # the CLI still falls back to the login name
    config = settings_file()
    config.parent.mkdir(parents=True)
    config.write_text("# set by the office\nlang: en\nmax_attachment_mb: 10\n", encoding="utf-8")

    later_in_the_day(store)
    app = InspectApp(store=store, lang="en", ask_user=True)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, UserDialog)
        await press(pilot, "enter")
        assert field_error(dialog, "name-field") == "name is required"
        dialog.query_one("#name", Input).value = "王小明"
        await press(pilot, "enter")
        assert isinstance(app.screen, HomeScreen)
        assert store.user == "王小明"
        await press(pilot, "enter", "1")  # an answer in the inspection in progress
        assert isinstance(app.screen, ChecklistScreen)

    text = config.read_text(encoding="utf-8")
    assert text.startswith("# set by the office\n")
    assert yaml.safe_load(text) == {"lang": "en", "max_attachment_mb": 10, "user": "王小明"}
    assert load_settings().user == "王小明"
    assert Options().settings_user(login_fallback=False) == "王小明"  # not asked again
    newest = rows(
        store.path, "SELECT user, table_name FROM audit_log ORDER BY at DESC, rowid DESC LIMIT 1"
    )
    assert newest == [("王小明", "answers")]
    assert rows(store.path, "SELECT updated_by FROM answers ORDER BY updated_at DESC LIMIT 1") == [
        ("王小明",)
    ]


def test_a_name_from_the_environment_is_configured(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INSPECT_TUI_USER", "趙六")
    assert Options().settings_user(login_fallback=False) == "趙六"
    assert Options(user="錢七").settings_user(login_fallback=False) == "錢七"


def test_saving_the_name_replaces_its_line_and_keeps_the_rest(tmp_path: Path) -> None:
    path = tmp_path / "new" / "settings.yaml"
    save_user_setting("張三", path)
    assert yaml.safe_load(path.read_text(encoding="utf-8")) == {"user": "張三"}
    path.write_text("lang: zh-Hant  # 繁體\nuser: 張三\nevidence_required: true", "utf-8")
    save_user_setting("李四: 組長", path)
    text = path.read_text(encoding="utf-8")
    assert text.startswith("lang: zh-Hant  # 繁體\n")
    assert yaml.safe_load(text) == {
        "lang": "zh-Hant",
        "user": "李四: 組長",
        "evidence_required": True,
    }


# ---------------------------------------------------------------------- backup


async def test_backup_from_the_keyboard_makes_a_consistent_copy(
    store: Store, tmp_path: Path
) -> None:
    store.set_meta("last_backup_at", "2026-03-01T01:00:00+00:00")  # 15 days ago
    app = InspectApp(store=store, lang="en")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)

        def reminders() -> int:
            return sum("Press b to back up" in str(n.message) for n in app._notifications)

        assert reminders() == 1
        assert any("15 days ago" in str(n.message) for n in app._notifications)
        await press(pilot, "u", "escape")  # home again: no second reminder
        assert isinstance(app.screen, HomeScreen) and reminders() == 1

        await press(pilot, "b")
        dialog = app.screen
        assert isinstance(dialog, BackupDialog)
        out = dialog.query_one("#out", Input)
        assert out.value == "demo-backup-2026-03-16.db"  # beside the database, dated
        changes_before = rows(store.path, "SELECT count(*) FROM audit_log")[0][0]
        await press(pilot, "enter")
        assert isinstance(app.screen, HomeScreen)
        assert reminders() == 0  # answered
        assert any(
            "Backed up to demo-backup-2026-03-16.db" in str(n.message) for n in app._notifications
        )

        await press(pilot, "b")  # a backup never overwrites
        dialog = app.screen
        assert isinstance(dialog, BackupDialog)
        assert dialog.query_one("#out", Input).value == "demo-backup-2026-03-16-2.db"
        dialog.query_one("#out", Input).value = "demo-backup-2026-03-16.db"
        await press(pilot, "enter")
        assert "already exists" in field_error(dialog, "out-field")
        await press(pilot, "escape")

    copy = tmp_path / "demo-backup-2026-03-16.db"
    assert rows(copy, "PRAGMA integrity_check") == [("ok",)]
    assert rows(copy, "SELECT count(*) FROM audit_log")[0][0] == changes_before
    for table in ("units", "inspections", "answers", "problems", "problem_events"):
        assert rows(copy, f"SELECT * FROM {table} ORDER BY id") == rows(
            store.path, f"SELECT * FROM {table} ORDER BY id"
        )
    assert not audit.backup_due(store)


def test_the_default_backup_name_never_overwrites(tmp_path: Path) -> None:
    database = tmp_path / "inspect.db"
    day = dt.date(2026, 3, 16)
    assert default_backup_path(database, day) == tmp_path / "inspect-backup-2026-03-16.db"
    (tmp_path / "inspect-backup-2026-03-16.db").touch()
    assert default_backup_path(database, day) == tmp_path / "inspect-backup-2026-03-16-2.db"
