"""Issuing notices: serial numbers, records, files, all-or-nothing batches, bad input."""

from __future__ import annotations

import datetime as dt
import hashlib
import multiprocessing
import os
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from test_notices_fixtures import (
    TODAY,
    add_problems,
    fonts_in,
    mark_lagging,
    page_count,
    pdf_text,
    seeded_store,
    squash,
)

from inspect_tui.clock import FixedClock
from inspect_tui.errors import DatabaseError, InvalidInput, NotFound
from inspect_tui.models import UnitKind, UnitSpec
from inspect_tui.notices.fonts import FontFileError, MissingGlyphs, load_fonts
from inspect_tui.notices.template import load_template
from inspect_tui.services import notices, problems, units
from inspect_tui.store import Store, open_store


@pytest.fixture
def store(db_path: Path, clock: FixedClock) -> Iterator[Store]:
    """conftest's ``store`` (shipped indicator systems, demo organisation), copied from a
    database built once: these tests each need a fresh one, and building it is slow."""
    with seeded_store(db_path, clock) as fresh:
        yield fresh


@pytest.fixture
def out(tmp_path: Path) -> Path:
    folder = tmp_path / "out"
    folder.mkdir()
    return folder


def serials(store: Store) -> list[int]:
    return [r["serial"] for r in store.all("SELECT serial FROM notices ORDER BY serial")]


def files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def test_a_notice_is_recorded_with_its_file_hash_and_problems(store: Store, out: Path) -> None:
    listed = add_problems(store, "JG1", 3)
    issued = notices.issue_notice(store, "JG1", out_dir=out)
    n = issued.notice
    assert (n.organ, n.year, n.serial, n.issued_on) == ("渭供黨", 2026, 1, TODAY)
    assert issued.serial == "渭供黨〔2026〕第1號"
    assert issued.path == out / "渭供黨-2026-0001_機關第一黨支部.pdf"
    assert Path(n.path or "") == issued.path and issued.path.exists()
    assert n.sha256 == hashlib.sha256(issued.path.read_bytes()).hexdigest()
    assert notices.verify_file(n)
    assert [p.id for p in notices.problems_of_notice(store, n.id)] == [p.id for p in listed]
    assert notices.notices_of_problem(store, listed[0].id) == [n]
    assert notices.notices_of_unit(store, "JG1") == [n]
    text = squash(pdf_text(issued.path))
    assert "渭供黨〔2026〕第1號" in text and "機關第一黨支部" in text
    for p in listed:
        assert squash(p.description) in text and squash(p.requirement) in text
        assert f"{p.deadline.year}年{p.deadline.month}月{p.deadline.day}日" in text
    assert "檢查組（張明遠、李文靜）" in text and "督導檢查" in text
    assert files(out) == [issued.path.name]  # no temporary file left


def test_closed_problems_are_not_listed(store: Store, out: Path) -> None:
    first, second = add_problems(store, "JG1", 2)
    store.update("problems", first.id, {"state": "closed", "closed_on": TODAY})
    issued = notices.issue_notice(store, "JG1", out_dir=out)
    assert [p.id for p in notices.problems_of_notice(store, issued.notice.id)] == [second.id]


def test_a_unit_without_open_problems_gets_no_notice_and_uses_no_serial(
    store: Store, out: Path
) -> None:
    with pytest.raises(InvalidInput, match="no open problems"):
        notices.issue_notice(store, "JG1", out_dir=out)
    assert files(out) == [] and serials(store) == []
    add_problems(store, "JG2", 1)
    assert notices.issue_notice(store, "JG2", out_dir=out).notice.serial == 1


def test_a_missing_output_folder_is_refused(store: Store, tmp_path: Path) -> None:
    add_problems(store, "JG1", 1)
    with pytest.raises(InvalidInput, match="does not exist"):
        notices.issue_notice(store, "JG1", out_dir=tmp_path / "nope")
    file = tmp_path / "file.txt"
    file.write_text("x")
    with pytest.raises(InvalidInput, match="not a folder"):
        notices.issue_notice(store, "JG1", out_dir=file)
    assert serials(store) == []


def test_a_read_only_output_folder_is_refused(
    store: Store, out: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    add_problems(store, "JG1", 1)
    if os.geteuid() == 0:  # root writes anywhere: make the folder refuse as it would

        def refuse(*args: object, **kwargs: object) -> None:
            raise PermissionError(13, "Permission denied")

        monkeypatch.setattr(notices.tempfile, "mkstemp", refuse)
    else:
        out.chmod(0o555)
    try:
        with pytest.raises(InvalidInput, match="cannot write in the output folder"):
            notices.issue_notice(store, "JG1", out_dir=out)
    finally:
        out.chmod(0o755)
    assert files(out) == [] and serials(store) == []


def test_unprintable_text_is_reported_before_anything_is_written(store: Store, out: Path) -> None:
    add_problems(store, "JG1", 1, description="生僻字𠀀")
    with pytest.raises(MissingGlyphs) as caught:
        notices.issue_notice(store, "JG1", out_dir=out)
    message = str(caught.value)
    assert "U+20000" in message and "JG1" in message and "problem 1 description" in message
    assert files(out) == [] and serials(store) == []


def test_a_failure_part_way_leaves_nothing_and_uses_no_serial(
    store: Store, out: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for code in ("JG1", "JG2", "JG3"):
        add_problems(store, code, 2)
    real = notices.render_job
    calls = []

    def flaky(job, template=None, fonts=None):  # noqa: ANN001, ANN202
        calls.append(job)
        if len(calls) == 3:
            raise OSError(28, "No space left on device")
        return real(job, template, fonts)

    monkeypatch.setattr(notices, "render_job", flaky)
    with pytest.raises(OSError, match="No space"):
        notices.issue_batch(store, ["JG1", "JG2", "JG3"], out_dir=out, workers=1)
    assert files(out) == [] and serials(store) == []
    assert store.scalar("SELECT count(*) FROM notice_problems") == 0
    monkeypatch.setattr(notices, "render_job", real)
    result = notices.issue_batch(store, ["JG1", "JG2", "JG3"], out_dir=out, workers=1)
    assert [i.notice.serial for i in result.issued] == [1, 2, 3]


def test_a_failing_commit_removes_the_files(
    store: Store, out: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    add_problems(store, "JG1", 1)
    real = store.insert

    def broken(table: str, row: dict):  # noqa: ANN202
        if table == "notices":
            raise InvalidInput("disk full")
        return real(table, row)

    monkeypatch.setattr(store, "insert", broken)
    with pytest.raises(InvalidInput, match="disk full"):
        notices.issue_notice(store, "JG1", out_dir=out)
    assert files(out) == [] and serials(store) == []


def test_an_existing_file_is_never_replaced(store: Store, out: Path) -> None:
    add_problems(store, "JG1", 1)
    taken = out / "渭供黨-2026-0001_機關第一黨支部.pdf"
    taken.write_bytes(b"someone's annotated copy")
    issued = notices.issue_notice(store, "JG1", out_dir=out)
    assert issued.path == out / "渭供黨-2026-0001_機關第一黨支部-2.pdf"
    assert taken.read_bytes() == b"someone's annotated copy"
    assert issued.notice.path == str(issued.path)


def test_a_unit_name_with_path_characters_stays_in_the_folder(store: Store, out: Path) -> None:
    units.create_unit(
        store, UnitSpec(code="EVIL", name='a/b:c\\..*?<>|"', kind=UnitKind.BRANCH, parent="WNGD")
    )
    add_problems(store, "EVIL", 1)
    issued = notices.issue_notice(store, "EVIL", out_dir=out)
    assert issued.path.parent == out.resolve()
    assert issued.path.name == "渭供黨-2026-0001_a_b_c_..______.pdf"
    assert files(out) == [issued.path.name]


@pytest.mark.parametrize(
    ("name", "safe"),
    [
        ("a/b:c", "a_b_c"),
        ("..", "_"),
        ("  .hidden. ", "hidden"),
        ("CON", "_CON"),
        ("com1.txt", "_com1.txt"),
        ("nul ", "_nul"),
        ("tab\there\x00", "tab_here_"),
        ("機關第一黨支部", "機關第一黨支部"),
        ("e\u0301", "é"),
    ],
)
def test_safe_file_name(name: str, safe: str) -> None:
    assert notices.safe_file_name(name) == safe


def test_long_names_are_cut_at_a_character_boundary() -> None:
    name = notices.notice_file_name("渭供黨", 2026, 12, "黨" * 300)
    assert len(name.encode("utf-8")) <= 255 - len("-999")
    assert name.startswith("渭供黨-2026-0012_黨") and name.endswith("黨.pdf")


def test_serials_count_per_organ_and_year(store: Store, out: Path, clock: FixedClock) -> None:
    for code in ("JG1", "JG2"):
        add_problems(store, code, 1)
    assert notices.issue_notice(store, "JG1", out_dir=out).notice.serial == 1
    other = load_template().model_copy(update={"organ_short": "渭供紀"})
    assert (
        notices.issue_notice(store, "JG2", out_dir=out, template=other).serial
        == "渭供紀〔2026〕第1號"
    )
    clock.set(dt.datetime(2027, 1, 4, 9))
    again = notices.issue_notice(store, "JG1", out_dir=out)
    assert (again.notice.year, again.notice.serial) == (2027, 1)


def test_mark_received(store: Store, out: Path, clock: FixedClock) -> None:
    add_problems(store, "JG1", 1)
    issued = notices.issue_notice(store, "JG1", out_dir=out)
    clock.set(dt.datetime(2026, 12, 4, 9))
    with pytest.raises(InvalidInput, match="before"):
        notices.mark_received(store, "2026-1", on=dt.date(2026, 11, 29))
    with pytest.raises(InvalidInput, match="future"):
        notices.mark_received(store, "2026-1", on=dt.date(2026, 12, 5))
    done = notices.mark_received(store, "渭供黨〔2026〕第1號", on=dt.date(2026, 12, 3))
    assert done.received_on == dt.date(2026, 12, 3)
    assert notices.mark_received(store, issued.notice.id, on=dt.date(2026, 12, 3)) == done
    with pytest.raises(InvalidInput, match="already"):
        notices.mark_received(store, "渭供黨[2026]第1号", on=dt.date(2026, 12, 4))
    with pytest.raises(NotFound):
        notices.mark_received(store, "2026-9", on=dt.date(2026, 12, 3))


def test_reissue_gets_a_new_serial_and_names_the_old_one(store: Store, out: Path) -> None:
    add_problems(store, "JG1", 2)
    old = notices.issue_notice(store, "JG1", out_dir=out)
    new = notices.reissue_notice(store, old.serial, out_dir=out)
    assert new.notice.serial == 2 and new.notice.replaces_id == old.notice.id
    assert "本通知書替代渭供黨〔2026〕第1號" in squash(pdf_text(new.path))
    with pytest.raises(InvalidInput, match="already re-issued"):
        notices.reissue_notice(store, old.serial, out_dir=out)
    assert notices.replaced_by(store, old.notice.id) == new.notice


def test_a_batch_for_the_lagging_units_skips_those_without_open_problems(
    store: Store, out: Path
) -> None:
    add_problems(store, "JG2", 2)
    add_problems(store, "SQPD", 1)
    mark_lagging(store, "2026-11", lagging=["JG2", "SQPD", "JG3"], others=["JG1"])
    seen = []
    month, result = notices.issue_lagging(
        store, out_dir=out, workers=1, progress=lambda done, total, unit: seen.append((done, total))
    )
    assert month == "2026-11"
    assert sorted(i.unit.code for i in result.issued) == ["JG2", "SQPD"]
    assert [s.unit.code for s in result.skipped] == ["JG3"]
    assert seen == [(1, 2), (2, 2)]
    assert serials(store) == [1, 2]
    with pytest.raises(InvalidInput, match="no monthly results for 2026-10"):
        notices.issue_lagging(store, "2026-10", out_dir=out)
    with pytest.raises(InvalidInput, match="not a month"):
        notices.issue_lagging(store, "2026-13", out_dir=out)


def test_a_batch_renders_in_worker_processes(
    store: Store, out: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(notices, "POOL_THRESHOLD", 2)
    codes = ["JG1", "JG2", "JG3"]
    for code in codes:
        add_problems(store, code, 2)
    result = notices.issue_batch(store, codes, out_dir=out, workers=2)
    assert [i.notice.serial for i in result.issued] == [1, 2, 3]
    for item in result.issued:
        assert item.notice.sha256 == hashlib.sha256(item.path.read_bytes()).hexdigest()
        assert item.pages == page_count(item.path)
        assert all(embedded for _, embedded in fonts_in(item.path))
    assert len(files(out)) == 3


def _issue_in_process(db: str, codes: list[str], out: str, barrier) -> None:  # noqa: ANN001
    clock = FixedClock(dt.datetime(2026, 11, 30, 9, tzinfo=dt.UTC))
    with open_store(db, clock=clock, user="p", device_id=f"p{os.getpid()}") as store:
        barrier.wait()
        for code in codes:
            notices.issue_notice(store, code, out_dir=Path(out))


def test_concurrent_issuers_never_repeat_a_serial(store: Store, db_path: Path, out: Path) -> None:
    codes = ["JG1", "JG2", "JG3", "SQPD", "SDC", "JXC"]
    for code in codes:
        add_problems(store, code, 1)
    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
    context = multiprocessing.get_context(method)
    barrier = context.Barrier(3)
    procs = [
        context.Process(
            target=_issue_in_process, args=(str(db_path), codes[i::3], str(out), barrier)
        )
        for i in range(3)
    ]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
        assert p.exitcode == 0
    assert serials(store) == [1, 2, 3, 4, 5, 6]
    assert len(files(out)) == 6


def test_concurrent_threads_with_their_own_connections(
    store: Store, db_path: Path, out: Path
) -> None:
    codes = ["JG1", "JG2", "JG3", "SQPD"]
    for code in codes:
        add_problems(store, code, 1)
    errors: list[BaseException] = []
    barrier = threading.Barrier(len(codes))

    def issue(code: str) -> None:
        try:
            with open_store(
                db_path, clock=FixedClock(dt.datetime(2026, 11, 30, 9)), user=code, device_id=code
            ) as own:
                barrier.wait()
                notices.issue_notice(own, code, out_dir=out)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=issue, args=(c,)) for c in codes]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    assert serials(store) == [1, 2, 3, 4]


def test_a_problem_shows_its_notices_after_reissue(store: Store, out: Path) -> None:
    problem = add_problems(store, "JG1", 1)[0]
    first = notices.issue_notice(store, "JG1", out_dir=out)
    second = notices.reissue_notice(store, first.notice.id, out_dir=out)
    assert [n.serial for n in notices.notices_of_problem(store, problem.id)] == [1, 2]
    problems.extend_deadline(store, problem.id, deadline=dt.date(2027, 3, 1), reason="設備到貨延後")
    assert notices.notices_of_problem(store, problem.id)[-1] == second.notice


def test_a_user_font_must_be_truetype(tmp_path: Path) -> None:
    bad = tmp_path / "font.ttf"
    bad.write_text("hello", encoding="utf-8")
    with pytest.raises(FontFileError, match="not a TrueType font"):
        load_fonts(bad)


def test_the_monthly_report(store: Store, out: Path) -> None:
    add_problems(store, "JG2", 2)
    add_problems(store, "SQPD", 1)
    mark_lagging(store, "2026-11", lagging=["JG2", "SQPD"], others=["JG1", "JG3"])
    notices.issue_lagging(store, out_dir=out, workers=1)
    data = notices.report_data(store, "2026-11", organ="中共渭南供電局委員會")
    assert [r.unit_code for r in data.benchmark] == ["JG1"]
    assert sorted(r.unit_code for r in data.lagging) == ["JG2", "SQPD"]
    assert (data.stats.found, data.stats.closed, data.stats.open_at_end) == (3, 0, 3)
    assert data.notices_issued == 2
    path, pages = notices.write_report(store, "2026-11", out / "report.pdf")
    assert pages == page_count(path) >= 2
    text = squash(pdf_text(path))
    for word in (
        "2026年11月黨支部創一流對標情況通報",
        "標桿支部",
        "後進支部",
        "到期問題整改率",
        "機關第一黨支部",
    ):
        assert word in text
    assert all(embedded for _, embedded in fonts_in(path)), fonts_in(path)
    with pytest.raises(InvalidInput, match="already exists"):
        notices.write_report(store, "2026-11", out / "report.pdf")
    with pytest.raises(InvalidInput, match="no monthly results"):
        notices.write_report(store, "2026-10", out / "other.pdf")
    assert "report.pdf" in files(out) and not (out / "other.pdf").exists()


def test_a_read_only_database_is_refused_before_anything_is_written(
    store: Store, db_path: Path, out: Path, clock: FixedClock
) -> None:
    add_problems(store, "JG1", 1)
    with (
        open_store(db_path, clock=clock, readonly=True) as readonly,
        pytest.raises(DatabaseError, match="read-only"),
    ):
        notices.issue_notice(readonly, "JG1", out_dir=out)
    assert files(out) == [] and serials(store) == []
