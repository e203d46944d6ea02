"""Fuzzing: any text, any file a person can write, through import, storage, the ledger and
notices. Nothing crashes; every text comes back exactly as it went in, or is refused with
a message (an InspectError) — never a traceback."""

from __future__ import annotations

import csv
import datetime as dt
import shutil
import string
from pathlib import Path

import openpyxl
import pytest
import yaml
from fuzz_support import HUGE, TEXT
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from inspect_tui.errors import InspectError
from inspect_tui.locations import settings_file
from inspect_tui.models import IndicatorSystemFile
from inspect_tui.paths import demo_org, shipped_checklists
from inspect_tui.services import checklists, ledger, problems, units
from inspect_tui.services.problem_list import ProblemFilter
from inspect_tui.settings import load_settings
from inspect_tui.store import Store, open_store

FUZZ = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# The text strategies (TEXT, HUGE) are in fuzz_support, shared with test_fuzz_tui.py.


@pytest.fixture(scope="module")
def base_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("fuzz") / "base.db"
    with open_store(path, user="fuzz", device_id="fuzz", seed=3) as store:
        checklists.install_shipped(store)
        units.import_org_tree(store, demo_org())
        store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return path


@pytest.fixture
def fuzz_store(base_db: Path, tmp_path_factory: pytest.TempPathFactory):
    path = tmp_path_factory.mktemp("case") / "f.db"
    shutil.copy(base_db, path)
    with open_store(path, user="fuzz", device_id="fuzz", seed=4) as store:
        yield store


def add(store: Store, text: str, requirement: str = "") -> str | None:
    """Add a problem with ``text``; None if refused (with a person's message)."""
    try:
        return problems.add_problem(
            store,
            unit="SDC",
            description=text,
            requirement=requirement,
            deadline=dt.date(2027, 1, 1),
        ).id
    except InspectError as err:
        assert err.message  # a message for a person, not empty
        return None


@FUZZ
@given(text=st.one_of(TEXT, HUGE))
def test_any_text_is_stored_exactly_or_refused(fuzz_store: Store, text: str) -> None:
    before = fuzz_store.scalar("SELECT count(*) FROM problems")
    problem_id = add(fuzz_store, text)
    if problem_id is None:
        assert fuzz_store.scalar("SELECT count(*) FROM problems") == before
    else:
        assert problems.get_problem(fuzz_store, problem_id).description == text


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(texts=st.lists(TEXT, min_size=1, max_size=5))
def test_the_ledger_gives_back_every_stored_text(
    fuzz_store: Store, tmp_path_factory, texts: list[str]
) -> None:
    stored = {
        pid: text for text in texts if (pid := add(fuzz_store, text, requirement=text)) is not None
    }
    assume(stored)
    folder = tmp_path_factory.mktemp("ledger")
    ledger.export(fuzz_store, ProblemFilter(), dt.date(2026, 11, 30), folder / "l.csv", "csv")
    with (folder / "l.csv").open(encoding="utf-8-sig", newline="") as fh:
        rows = {r["Problem id"]: r for r in csv.DictReader(fh)}
    ledger.export(fuzz_store, ProblemFilter(), dt.date(2026, 11, 30), folder / "l.xlsx", "xlsx")
    sheet = openpyxl.load_workbook(folder / "l.xlsx").active
    header = [c.value for c in sheet[1]]
    cells = {
        row[header.index("Problem id")]: row for row in sheet.iter_rows(min_row=2, values_only=True)
    }
    for pid, text in stored.items():
        assert rows[pid]["Problem"] == text
        assert rows[pid]["Requirement"] == text
        assert (cells[pid][header.index("Problem")] or "") == text


NAME = st.text(alphabet=st.characters(), min_size=0, max_size=40)
CODE = st.text(alphabet=string.ascii_letters + string.digits + "-_", min_size=1, max_size=12)


@FUZZ
@given(name=NAME, code=CODE, secretary=NAME, members=st.integers(min_value=-5, max_value=2_000_000))
def test_org_tree_files_import_exactly_or_are_refused_by_name(
    fuzz_store: Store, tmp_path_factory, name: str, code: str, secretary: str, members: int
) -> None:
    path = tmp_path_factory.mktemp("org") / "org.yaml"
    unit = {
        "code": code,
        "name": name,
        "kind": "branch",
        "parent": "WNGD",
        "secretary": secretary,
        "members": members,
    }
    path.write_text(
        yaml.safe_dump({"units": [unit]}, allow_unicode=True),
        encoding="utf-8",
        errors="surrogatepass",
    )
    try:
        units.import_org_tree(fuzz_store, path)
    except InspectError as err:
        assert str(path) in str(err) or err.where == "code"
        return
    stored = units.get_unit(fuzz_store, code)
    assert (stored.name, stored.secretary, stored.members) == (
        name.strip(),
        secretary.strip(),
        members,
    )


@FUZZ
@given(
    title=NAME,
    standard=NAME,
    max_score=st.floats(allow_nan=True, allow_infinity=True),
    version=st.integers(-3, 10**6),
)
def test_indicator_system_files_validate_or_are_refused_by_name(
    tmp_path_factory, title: str, standard: str, max_score: float, version: int
) -> None:
    data = yaml.safe_load(
        next(p for p in shipped_checklists() if "v3" in p.name).read_text(encoding="utf-8")
    )
    data["version"] = version
    data["aspects"][0]["indicators"][0].update(title=title, standard=standard, max_score=max_score)
    path = tmp_path_factory.mktemp("sys") / "s.yaml"
    path.write_text(
        yaml.safe_dump(data, allow_unicode=True), encoding="utf-8", errors="surrogatepass"
    )
    try:
        spec = checklists.validate_file(path)
    except InspectError as err:
        assert str(path) in str(err)
        return
    assert isinstance(spec, IndicatorSystemFile)
    assert spec.aspects[0].indicators[0].title == title.strip()


@FUZZ
@given(
    values=st.dictionaries(
        st.sampled_from(["db", "lang", "user", "max_attachment_mb", "evidence_required", "bogus"]),
        st.one_of(NAME, st.integers(), st.floats(), st.booleans(), st.none()),
    )
)
def test_settings_files_load_or_are_refused_by_name(values: dict) -> None:
    path = settings_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        yaml.safe_dump(values, allow_unicode=True), encoding="utf-8", errors="surrogatepass"
    )
    try:
        load_settings()
    except InspectError as err:
        assert str(path) in str(err)
    finally:
        path.unlink()


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(text=TEXT)
def test_notices_print_any_stored_text_or_name_what_they_cannot(
    fuzz_store: Store, tmp_path_factory, text: str
) -> None:
    from pypdf import PdfReader

    from inspect_tui.services import notices

    problem_id = add(fuzz_store, text)
    assume(problem_id is not None and text.strip())
    out = tmp_path_factory.mktemp("notice")
    try:
        result = notices.issue_batch(fuzz_store, ["SDC"], out_dir=out)
    except InspectError as err:
        assert err.message
        assert not list(out.iterdir())  # nothing half-written
        return
    [issued] = result.issued
    pdf_text = "".join(page.extract_text() or "" for page in PdfReader(issued.path).pages)
    squashed = "".join(pdf_text.split())
    assert "".join(text.split()) in squashed  # every character, as stored
