"""Evidence from the TUI: attaching files with path completion (to a problem, a
rectification, an answer), bad files refused inline with nothing stored, files listed on a
problem's page, images previewed, and opened with the system's viewer (an opener that
records, in tests). The database is read back with sqlite3."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import Label, Static
from tui_support import (
    TODAY,
    apps_on_copies,
    build_db,
    in_progress_id,
    make_jpeg,
    press,
    problem_id,
    settle,
    store,  # noqa: F401 (fixtures)
)

from inspect_tui.services import evidence, problems
from inspect_tui.settings import Settings
from inspect_tui.store import Store
from inspect_tui.tui.app import InspectApp
from inspect_tui.tui.screens.attach import AttachDialog
from inspect_tui.tui.screens.checklist import ChecklistScreen
from inspect_tui.tui.screens.problem_actions import RectifyDialog
from inspect_tui.tui.screens.problem_view import ProblemScreen
from inspect_tui.tui.widgets import Field, Table
from inspect_tui.tui.widgets.evidence import EvidencePreview, use_image_widget
from inspect_tui.tui.widgets.path_input import PathInput, complete

OPEN = "一月份參學率僅為百分之七十八"
RECTIFYING = "第四季度支委會記錄缺失兩次"


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("evidence") / "template.db"
    build_db(path).close()
    return path


@pytest.fixture()
def files(tmp_path: Path) -> Path:
    """A folder of evidence: a photo, a PDF, a binary with a misleading name, a big file,
    a sub-folder and a hidden file."""
    folder = tmp_path / "evidence"
    folder.mkdir()
    make_jpeg(folder / "photo.jpg")
    (folder / "minutes.pdf").write_bytes(b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")
    (folder / "scan.jpg").write_bytes(bytes(range(256)) * 4)  # not a JPEG at all
    (folder / "big.bin").write_bytes(b"\0" * 4096)
    (folder / "scans").mkdir()
    (folder / ".hidden").write_text("x")
    return folder


def count_attachments(path: Path) -> int:
    conn = sqlite3.connect(path)
    try:
        return int(conn.execute("SELECT count(*) FROM attachments").fetchone()[0])
    finally:
        conn.close()


def field_error(screen: object, field_id: str) -> str:
    field = screen.query_one(f"#{field_id}", Field)  # type: ignore[attr-defined]
    return str(field.error.render()) if field.error.has_class("-visible") else ""


# ---------------------------------------------------------------------- path completion


def test_completion_against_the_filesystem(files: Path) -> None:
    base = str(files) + "/"
    assert complete(base + "ph").candidates == [base + "photo.jpg"]
    assert complete(base + "sc").candidates == [base + "scan.jpg", base + "scans/"]
    assert complete(base + "sc").common == base + "scan"
    assert complete(base + "sc").names == ["scan.jpg", "scans/"]
    assert base + ".hidden" not in complete(base).candidates  # hidden only when asked
    assert complete(base + ".h").candidates == [base + ".hidden"]
    assert complete(str(files / "nothing" / "x")).candidates == []
    assert complete("evidence/mi", cwd=files.parent).candidates == ["evidence/minutes.pdf"]


async def test_tab_completes_and_lists_what_is_left(store: Store, files: Path) -> None:
    app = InspectApp(store=store, lang="en")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        app.open_problem(problem_id(store, OPEN))
        await settle(pilot)
        await press(pilot, "a")
        dialog = app.screen
        assert isinstance(dialog, AttachDialog)
        path_input = dialog.query_one("#path", PathInput)
        await press(pilot, *"evidence/s", "tab")  # two candidates: what they share
        assert path_input.value == "evidence/scan"
        hint = str(dialog.query_one("#path-field .field-hint", Label).render())
        assert "scan.jpg" in hint and "scans/" in hint
        await press(pilot, "tab")  # nothing more in common: the first one
        assert path_input.value == "evidence/scan.jpg"
        path_input.value = "evidence/ph"
        await press(pilot, "tab")
        assert path_input.value == "evidence/photo.jpg"


# ---------------------------------------------------------------------- attaching, bad input


async def test_bad_files_are_named_inline_and_nothing_is_stored(store: Store, files: Path) -> None:
    pid = problem_id(store, OPEN)
    app = InspectApp(store=store, lang="en", settings=Settings(max_attachment_mb=0.002))
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        app.open_problem(pid)
        await settle(pilot)
        await press(pilot, "a")
        dialog = app.screen
        assert isinstance(dialog, AttachDialog)
        path_input = dialog.query_one("#path", PathInput)
        for typed, said in (
            ("evidence/missing.jpg", "does not exist"),
            ("evidence/scans", "is a directory"),
            ("evidence/big.bin", "above the limit"),
        ):
            path_input.value = typed
            await press(pilot, "enter")
            error = field_error(dialog, "path-field")
            assert said in error and Path(typed).name in error, (typed, error)
            assert count_attachments(store.path) == 0
        path_input.value = ""
        await press(pilot, "enter")
        assert field_error(dialog, "path-field").startswith("File")  # required
        # a good one after the bad ones: stored, listed, the field cleared for the next
        path_input.value = "evidence/minutes.pdf"
        await press(pilot, "enter")
        assert field_error(dialog, "path-field") == ""
        assert path_input.value == ""
        assert "minutes.pdf" in str(dialog.query_one("#attached", Label).render())
        await press(pilot, "ctrl+s")
        page = app.screen
        assert isinstance(page, ProblemScreen)
    conn = sqlite3.connect(store.path)
    try:
        assert conn.execute(
            "SELECT owner_table, owner_id, name, mime FROM attachments"
        ).fetchall() == [("problems", pid, "minutes.pdf", "application/pdf")]
    finally:
        conn.close()


async def test_a_bad_file_in_the_rectification_dialog_stores_nothing(
    store: Store, files: Path
) -> None:
    pid = problem_id(store, OPEN)
    app = InspectApp(store=store, lang="en", settings=Settings(max_attachment_mb=0.002))
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        app.open_problem(pid)
        await settle(pilot)
        await press(pilot, "r")
        dialog = app.screen
        assert isinstance(dialog, RectifyDialog)
        await press(pilot, *"done")
        file_input = dialog.query_one("#file", PathInput)
        file_input.focus()
        file_input.value = "evidence/big.bin"
        await press(pilot, "enter")
        assert "big.bin" in field_error(dialog, "file-field")
        assert dialog.files == []
        # the file turns big after it was added: the save refuses it, and stores nothing
        file_input.value = "evidence/scan.jpg"
        await press(pilot, "enter")
        assert dialog.files == [files / "scan.jpg"]
        (files / "scan.jpg").write_bytes(b"\1" * 8192)
        await press(pilot, "ctrl+s")
        assert "scan.jpg" in field_error(dialog, "file-field")
        assert app.screen is dialog
    conn = sqlite3.connect(store.path)
    try:
        assert conn.execute(
            "SELECT count(*) FROM rectifications WHERE problem_id = ?", (pid,)
        ).fetchone() == (0,)
        assert conn.execute("SELECT count(*) FROM attachments").fetchone() == (0,)
    finally:
        conn.close()


async def test_the_checklist_attaches_to_the_current_answer(store: Store, files: Path) -> None:
    inspection = in_progress_id(store)
    app = InspectApp(store=store, lang="en")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        app.open_inspection(inspection)
        await settle(pilot)
        sheet = app.screen
        assert isinstance(sheet, ChecklistScreen)
        current = sheet.current
        assert current is not None and current.id not in sheet.answers
        await press(pilot, "f")  # not answered yet: told so, nothing opens
        assert app.screen is sheet
        await press(pilot, "k")
        answered = sheet.current
        assert answered is not None and answered.id in sheet.answers
        await press(pilot, "f")
        dialog = app.screen
        assert isinstance(dialog, AttachDialog)
        await press(pilot, *"evidence/ph", "tab", "enter")
        await press(pilot, "ctrl+s")
        assert app.screen is sheet
        body = str(sheet.query_one("#detail-body", Static).render())
        assert "Evidence: photo.jpg" in body
        answer_id = sheet.answers[answered.id].id
    conn = sqlite3.connect(store.path)
    try:
        assert conn.execute(
            "SELECT owner_table, owner_id, name, width, height FROM attachments"
        ).fetchall() == [("answers", answer_id, "photo.jpg", 64, 48)]
    finally:
        conn.close()


# ---------------------------------------------------------------------- seeing and opening


@pytest.fixture()
def with_evidence(store: Store, files: Path) -> str:
    """The rectifying problem, with a photo, a PDF and a misleadingly named binary on its
    rectification, and a note on the problem itself."""
    pid = problem_id(store, RECTIFYING)
    rectification = problems.rectifications_of(store, pid)[0]
    for name in ("photo.jpg", "minutes.pdf", "scan.jpg"):
        evidence.attach(store, "rectification", rectification.id, files / name)
    return pid


@pytest.fixture()
def images() -> Iterator[None]:
    """Previews drawn as half-cell images (what a terminal without graphics gets)."""
    from textual_image.widget import HalfcellImage

    use_image_widget(HalfcellImage)
    yield
    use_image_widget(None)


async def test_files_are_listed_previewed_and_opened(
    store: Store, files: Path, with_evidence: str, images: None
) -> None:
    opened: list[Path] = []
    app = InspectApp(store=store, lang="en", opener=opened.append)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        app.open_problem(with_evidence)
        await settle(pilot)
        page = app.screen
        assert isinstance(page, ProblemScreen)
        table = page.query_one("#pv-evidence", Table)
        shown = [[str(c) for c in table.get_row_at(r)[:4]] for r in range(table.row_count)]
        assert shown == [
            ["photo.jpg", "677 B", "image/jpeg 64×48", "rectification 2026-02-20"],
            ["minutes.pdf", "45 B", "application/pdf", "rectification 2026-02-20"],
            ["scan.jpg", "1.0 KB", "application/octet-stream", "rectification 2026-02-20"],
        ]
        preview = page.query_one("#pv-preview", EvidencePreview)
        table.focus()
        await settle(pilot)  # the photo, highlighted first: drawn
        assert "photo.jpg" in str(preview.query_one(".evidence-line", Label).render())
        assert preview.has_class("-image") and preview.query(".evidence-image")
        await press(pilot, "down", "down")  # not an image (whatever its name says): a line
        line = str(preview.query_one(".evidence-line", Label).render())
        assert line == "scan.jpg (1.0 KB, application/octet-stream)"
        assert not preview.query(".evidence-image")
        await press(pilot, "enter")  # Enter opens it too
        await press(pilot, "up", "up", "v")
        assert [p.name for p in opened] == ["scan.jpg", "photo.jpg"]
        assert opened[1].read_bytes() == (files / "photo.jpg").read_bytes()


async def test_without_image_support_every_file_is_a_described_line(
    store: Store, with_evidence: str
) -> None:
    use_image_widget(None)
    app = InspectApp(store=store, lang="zh-Hant")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.open_problem(with_evidence)
        await settle(pilot)
        page = app.screen
        assert isinstance(page, ProblemScreen)
        table = page.query_one("#pv-evidence", Table)
        table.focus()
        row = [str(c) for c in table.get_row_at(0)]
        assert row[0] == "photo.jpg" and row[2] == "image/jpeg 64×48"
        await settle(pilot)
        preview = page.query_one("#pv-preview", EvidencePreview)
        assert str(preview.query_one(".evidence-line", Label).render()) == (
            "photo.jpg (677 B, image/jpeg, 64×48)"
        )
        assert not preview.query(".evidence-image")
        title = str(page.query_one("#pv-evidence-title", Label).render())
        assert title.startswith("佐證材料（3）")


# ---------------------------------------------------------------------- snapshots


@pytest.fixture()
def make_app(
    template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Callable[[str], InspectApp]]:
    monkeypatch.chdir(tmp_path)
    use_image_widget(None)

    def build(store: Store, lang: str) -> InspectApp:
        folder = tmp_path / "files"
        folder.mkdir(exist_ok=True)
        make_jpeg(folder / "現場照片.jpg")
        (folder / "minutes.pdf").write_bytes(b"%PDF-1.4\n%%EOF\n")
        pid = problem_id(store, RECTIFYING)
        rectification = problems.rectifications_of(store, pid)[0]
        for name in ("現場照片.jpg", "minutes.pdf"):
            evidence.attach(store, "rectification", rectification.id, folder / name)
        app = InspectApp(store=store, lang=lang)
        app.call_later(app.open_problem, pid)
        return app

    yield from apps_on_copies(template, tmp_path, build)


def settled() -> Callable[[Pilot[None]], object]:
    async def run(pilot: Pilot[None]) -> None:
        await settle(pilot)
        page = pilot.app.screen
        page.query_one("#pv-evidence", Table).focus()
        page.query_one("#problem-view").scroll_to(y=12, animate=False)
        pilot.app.clear_notifications()
        await settle(pilot)

    return run


@pytest.mark.parametrize(
    ("lang", "size"),
    [
        pytest.param("zh-Hant", (80, 24), id="80x24-zh-Hant"),
        pytest.param("en", (120, 40), id="120x40-en"),
    ],
)
def test_problem_page_with_evidence_snapshot(
    snap_compare: Callable[..., bool],
    make_app: Callable[[str], InspectApp],
    lang: str,
    size: tuple[int, int],
) -> None:
    assert TODAY.isoformat() == "2026-03-16"
    assert snap_compare(make_app(lang), terminal_size=size, run_before=settled())
