"""Evidence on real files: a JPEG made by Pillow, a PDF, a binary with a misleading name."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from PIL import Image

from inspect_tui.cli import main
from inspect_tui.errors import InvalidInput, NotFound
from inspect_tui.services import evidence, inspections, merge, problems
from inspect_tui.services.evidence import safe_filename
from inspect_tui.store import Store, copy_database, open_store


@pytest.fixture
def problem(store: Store):
    inspection = inspections.start_inspection(store, "SDC", date=dt.date(2026, 11, 20))
    return problems.add_problem(
        store,
        inspection_id=inspection.id,
        description="黨員承諾未公示",
        deadline=dt.date(2026, 12, 20),
    )


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    folder = tmp_path / "files"
    folder.mkdir()
    jpeg = folder / "公示欄.jpg"
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 30, 30)).save(buffer, "JPEG")
    jpeg.write_bytes(buffer.getvalue())
    pdf = folder / "整改報告.pdf"
    pdf.write_bytes(b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n")
    fake = folder / "photo.jpg"  # says jpg, is not
    fake.write_bytes(bytes(range(256)) * 8)
    return {"jpeg": jpeg, "pdf": pdf, "fake": fake}


def test_type_comes_from_the_content_not_the_name(store: Store, problem, files) -> None:
    jpeg = evidence.attach(store, "problem", problem.id, files["jpeg"])
    pdf = evidence.attach(store, "problem", problem.id, files["pdf"])
    fake = evidence.attach(store, "problem", problem.id, files["fake"])
    assert (jpeg.mime, jpeg.width, jpeg.height) == ("image/jpeg", 64, 48)
    assert pdf.mime == "application/pdf"
    assert fake.mime == "application/octet-stream"
    assert jpeg.name == "公示欄.jpg" and jpeg.attached_by == "張三"
    assert "64×48" in jpeg.describe()


def test_the_same_bytes_are_stored_once(store: Store, problem, files, tmp_path: Path) -> None:
    copy = tmp_path / "again.jpg"
    shutil.copy(files["jpeg"], copy)
    first = evidence.attach(store, "problem", problem.id, files["jpeg"])
    again = evidence.attach(store, "problem", problem.id, files["jpeg"])
    rect = problems.record_rectification(
        store, problem.id, description="已公示", done_on=dt.date(2026, 11, 30)
    )
    other = evidence.attach(store, "rectification", rect.id, copy)
    assert first.id == again.id and other.id != first.id
    assert store.scalar("SELECT count(*) FROM blobs") == 1
    assert store.scalar("SELECT count(*) FROM attachments") == 2
    assert len(evidence.attachments_of_problem(store, problem.id)) == 2


def test_content_comes_back_byte_for_byte(store: Store, problem, files) -> None:
    item = evidence.attach(store, "problem", problem.id, files["pdf"])
    copy = evidence.open_copy(store, item.id)
    assert copy.read_bytes() == files["pdf"].read_bytes()
    assert copy.name == "整改報告.pdf"


@pytest.mark.parametrize("case", ["missing", "directory", "too-big"])
def test_bad_files_are_refused_by_name_and_nothing_is_stored(
    store: Store, problem, tmp_path: Path, case: str
) -> None:
    path = {
        "missing": tmp_path / "nope.jpg",
        "directory": tmp_path,
        "too-big": tmp_path / "big.bin",
    }[case]
    if case == "too-big":
        path.write_bytes(b"\0" * 2048)
    with pytest.raises(InvalidInput) as err:
        evidence.attach(store, "problem", problem.id, path, limit=1024)
    assert str(path) in str(err.value)
    assert store.scalar("SELECT count(*) FROM attachments") == 0
    assert store.scalar("SELECT count(*) FROM blobs") == 0


def test_attaching_to_something_that_does_not_exist(store: Store, files) -> None:
    with pytest.raises(NotFound):
        evidence.attach(store, "problem", "nope", files["pdf"])


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("../../etc/passwd", "_.._etc_passwd"),
        ("a/b:c", "a_b_c"),
        ("CON.txt", "file_CON.txt"),
        ("報告\x07.pdf", "報告_.pdf"),
        ("  .hidden  ", "hidden"),
        ("", "file"),
    ],
)
def test_safe_filenames(name: str, expected: str) -> None:
    assert safe_filename(name) == expected


def test_long_names_are_cut_keeping_the_extension() -> None:
    name = safe_filename("整" * 300 + ".jpeg")
    assert name.endswith(".jpeg") and len(name.encode()) <= 200


def test_export_writes_safe_unique_names_inside_the_folder(
    store: Store, problem, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    for n, name in enumerate(
        ["../evil.txt", "same.txt", "same.txt", "\x1bbad.txt", "長" * 300 + ".txt"]
    ):
        path = tmp_path / f"src{n}"
        path.write_bytes(f"content {n}".encode())
        item = evidence.attach(store, "problem", problem.id, path)
        store.update("attachments", item.id, {"name": name})  # as if attached under that name
    written = evidence.export(store, evidence.attachments_of_problem(store, problem.id), out)
    assert len(written) == 5 and len({p.name for p in written}) == 5
    assert all(p.parent == out for p in written)
    assert not (tmp_path / "evil.txt").exists()


def test_closing_counts_evidence_on_the_rectification(store: Store, problem, files) -> None:
    rect = problems.record_rectification(
        store, problem.id, description="已公示", done_on=dt.date(2026, 11, 30)
    )
    problems.submit_for_verification(store, problem.id)
    evidence.attach(store, "rectification", rect.id, files["jpeg"])
    closed = problems.close_problem(store, problem.id, note="公示照片已核")
    assert closed.state.value == "closed"


def test_attachments_merge_once_and_removals_travel(
    store: Store, problem, files, tmp_path: Path
) -> None:
    other_path = tmp_path / "other.db"
    copy_database(store, other_path)
    with open_store(other_path, clock=store.clock, user="李四", device_id="other") as other:
        item = evidence.attach(other, "problem", problem.id, files["jpeg"])
    evidence.attach(store, "problem", problem.id, files["jpeg"])  # the same photo, here too
    merge.merge_file(store, other_path)
    merge.merge_file(store, other_path)
    assert store.scalar("SELECT count(*) FROM attachments") == 1
    assert store.scalar("SELECT count(*) FROM blobs") == 1
    merged_path = tmp_path / "merged.db"
    copy_database(store, merged_path)
    with open_store(other_path, clock=store.clock, user="李四", device_id="other") as other:
        merge.merge_file(other, merged_path)  # the laptops meet, then the photo is removed
        evidence.remove(other, item.id)
    merge.merge_file(store, other_path)
    assert store.scalar("SELECT count(*) FROM attachments") == 0
    assert store.scalar("SELECT count(*) FROM tombstones WHERE table_name = 'attachments'") == 1


def test_cli_attach_list_export(
    store: Store, problem, files, db_path: Path, tmp_path: Path
) -> None:
    runner = CliRunner()
    result = runner.invoke(
        main,
        [
            "--db",
            str(db_path),
            "attach",
            "problem",
            problem.id,
            str(files["jpeg"]),
            str(files["pdf"]),
        ],
    )
    assert result.exit_code == 0, result.output
    listed = runner.invoke(
        main, ["--db", str(db_path), "evidence", "list", "--problem", problem.id]
    )
    assert "公示欄.jpg" in listed.output and "64×48" in listed.output
    out = tmp_path / "export"
    out.mkdir()
    exported = runner.invoke(
        main,
        ["--db", str(db_path), "evidence", "export", "--problem", problem.id, "--out", str(out)],
    )
    assert exported.exit_code == 0
    assert sorted(p.name for p in out.iterdir()) == ["公示欄.jpg", "整改報告.pdf"]
    assert (
        hashlib.sha256((out / "公示欄.jpg").read_bytes()).digest()
        == hashlib.sha256(files["jpeg"].read_bytes()).digest()
    )


def test_cli_attach_refuses_the_whole_batch_on_one_bad_file(
    store: Store, problem, files, db_path: Path, tmp_path: Path
) -> None:
    result = CliRunner().invoke(
        main,
        [
            "--db",
            str(db_path),
            "attach",
            "problem",
            problem.id,
            str(files["jpeg"]),
            str(tmp_path / "missing.png"),
        ],
    )
    assert result.exit_code == 2 and "missing.png" in result.output
    assert store.scalar("SELECT count(*) FROM attachments") == 0
