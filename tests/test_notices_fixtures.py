"""Shared helpers for the notice tests (data, reading PDFs back, tiny fonts), and checks
that the helpers themselves work."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path

import pypdf
import pytest

from inspect_tui.clock import FixedClock
from inspect_tui.models import InspectionKind, Problem
from inspect_tui.notices.fonts import FontSet, load_fonts
from inspect_tui.paths import demo_org
from inspect_tui.services import checklists, inspections, problems, units
from inspect_tui.store import Store, open_store

TODAY = dt.date(2026, 11, 30)
INSPECTED = dt.date(2026, 11, 12)
TEAM = ("張明遠", "李文靜")


_SEEDED: dict[str, Path] = {}


def seeded_store(path: Path, clock: FixedClock) -> Store:
    """A copy of a database with the shipped indicator systems and the demo organisation,
    built once per test session (as conftest's ``store`` builds it for every test)."""
    base = _SEEDED.get("db")
    if base is None:
        base = Path(tempfile.mkdtemp(prefix="notices-seed-")) / "seed.db"
        with open_store(base, clock=clock, user="張三", device_id="test-device", seed=1) as seed:
            checklists.install_shipped(seed)
            units.import_org_tree(seed, demo_org())
        _SEEDED["db"] = base
    shutil.copyfile(base, path)
    return open_store(path, clock=clock, user="張三", device_id="test-device", seed=2)


def add_problems(
    store: Store,
    unit: str,
    count: int,
    *,
    description: str = "支委會會議記錄缺少參會人員表決意見，決定事項無落實結果反饋（第{n}項）",
    requirement: str = "對照清單逐項補齊記錄；舉一反三，自查本支部同類問題。",
    responsible: str = "陳曉峰",
    first_deadline: dt.date = dt.date(2026, 12, 20),
) -> list[Problem]:
    """``count`` open problems for ``unit`` from one supervisory check on INSPECTED."""
    inspection = inspections.start_inspection(
        store, unit, kind=InspectionKind.SUPERVISORY, date=INSPECTED, team=TEAM
    )
    made = []
    for n in range(1, count + 1):
        made.append(
            problems.add_problem(
                store,
                inspection_id=inspection.id,
                indicator="A1",
                description=description.format(n=n),
                requirement=requirement,
                responsible=responsible,
                deadline=first_deadline + dt.timedelta(days=n),
            )
        )
    return made


def mark_lagging(
    store: Store, month: str, lagging: Sequence[str], others: Sequence[str] = ()
) -> None:
    """Monthly results for ``month``: ``others`` ranked first (the first is the benchmark),
    then ``lagging`` at the bottom, flagged as lagging."""
    codes = [*others, *lagging]
    total = len(codes)
    for index, code in enumerate(codes, start=1):
        unit_id = store.scalar("SELECT id FROM units WHERE code = ?", (code,))
        store.insert(
            "monthly_results",
            {
                "unit_id": unit_id,
                "month": month,
                "score": round(95 - index * 30 / total, 2),
                "rank": index,
                "benchmark": int(index == 1),
                "lagging": int(code in lagging),
            },
        )


def pdf_text(path: Path) -> str:
    return "\n".join(page.extract_text() or "" for page in pypdf.PdfReader(str(path)).pages)


def squash(text: str) -> str:
    """Text without any whitespace: lines wrap anywhere in CJK text."""
    return re.sub(r"\s+", "", text)


def page_count(path: Path) -> int:
    return len(pypdf.PdfReader(str(path)).pages)


def fonts_in(path: Path) -> list[tuple[str, bool]]:
    """(base font name, embedded?) for every font any page or form uses."""
    found: dict[str, bool] = {}

    def embedded(font: pypdf.generic.DictionaryObject) -> bool:
        if font.get("/Subtype") == "/Type0":
            return all(embedded(d.get_object()) for d in font["/DescendantFonts"])
        if font.get("/Subtype") == "/Type3":
            return True
        descriptor = font.get("/FontDescriptor")
        if descriptor is None:
            return False
        descriptor = descriptor.get_object()
        return any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3"))

    def walk(resources: pypdf.generic.DictionaryObject | None) -> None:
        if not resources:
            return
        resources = resources.get_object()
        for ref in (resources.get("/Font") or {}).values():
            font = ref.get_object()
            found[str(font.get("/BaseFont"))] = embedded(font)
        for ref in (resources.get("/XObject") or {}).values():
            xobject = ref.get_object()
            if xobject.get("/Subtype") == "/Form":
                walk(xobject.get("/Resources"))

    for page in pypdf.PdfReader(str(path)).pages:
        walk(page.get("/Resources"))
    return sorted(found.items())


def make_font(path: Path, chars: str, *, cff: bool = False) -> Path:
    """A tiny font with a box glyph for each of ``chars`` (TrueType, or CFF if asked)."""
    from fontTools.fontBuilder import FontBuilder
    from fontTools.pens.t2CharStringPen import T2CharStringPen
    from fontTools.pens.ttGlyphPen import TTGlyphPen

    names = [".notdef"] + [f"u{ord(c):05X}" for c in chars]
    builder = FontBuilder(1000, isTTF=not cff)
    builder.setupGlyphOrder(names)
    builder.setupCharacterMap({ord(c): f"u{ord(c):05X}" for c in chars})

    def box(pen):  # noqa: ANN001, ANN202
        pen.moveTo((100, 0))
        pen.lineTo((100, 800))
        pen.lineTo((900, 800))
        pen.lineTo((900, 0))
        pen.closePath()
        return pen

    if cff:
        charstrings = {}
        for name in names:
            pen = box(T2CharStringPen(1000, None))
            charstrings[name] = pen.getCharString()
        builder.setupCFF("TestCFF", {"FullName": "Test CFF"}, charstrings, {})
    else:
        glyphs = {name: box(TTGlyphPen(None)).glyph() for name in names}
        builder.setupGlyf(glyphs)
    builder.setupHorizontalMetrics({name: (1000, 100) for name in names})
    builder.setupHorizontalHeader(ascent=880, descent=-120)
    builder.setupNameTable({"familyName": "Test Boxes", "styleName": "Regular"})
    builder.setupOS2(sTypoAscender=880, usWinAscent=880, usWinDescent=120, fsType=0)
    builder.setupPost()
    builder.save(str(path))
    return path


@pytest.fixture
def fonts() -> FontSet:
    return load_fonts()


@pytest.fixture
def out_dir(tmp_path: Path) -> Iterator[Path]:
    folder = tmp_path / "out"
    folder.mkdir()
    yield folder


def test_helpers_make_fonts_of_both_outline_kinds(tmp_path: Path) -> None:
    from fontTools.ttLib import TTFont

    ttf = TTFont(str(make_font(tmp_path / "a.ttf", "𠀀")))
    otf = TTFont(str(make_font(tmp_path / "a.otf", "𠀀", cff=True)))
    assert "glyf" in ttf and 0x20000 in ttf.getBestCmap()
    assert "CFF " in otf and "glyf" not in otf
