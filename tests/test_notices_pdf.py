"""The notice as a PDF: read back, every problem's text exactly as stored, fonts embedded,
tables that continue with their header, characters no font has never printed as boxes."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
from pathlib import Path

import pypdf
import pytest
from test_notices_fixtures import fonts_in, make_font, page_count, pdf_text, squash

from inspect_tui.datafiles import load_model
from inspect_tui.errors import DataFileError
from inspect_tui.notices.fonts import (
    FontFileError,
    FontSet,
    MissingGlyphs,
    check_truetype,
    escape,
    load_fonts,
)
from inspect_tui.notices.notice import (
    InspectionRef,
    NoticeContent,
    NoticeProblem,
    chinese_date,
    chinese_number,
    render_notice,
)
from inspect_tui.notices.template import NoticeTemplate, load_template, shipped_template

TRICKY = (
    NoticeProblem(
        description="記錄寫成 <b>粗體</b> & \"引號\" '單引號' a<b>c &amp; &lt;x&gt; 👍🎉 ①",
        requirement="補齊 <br/> 記錄 & 簽字 > 按期 < 完成",
        responsible="王<小>明 & 李四",
        deadline=dt.date(2026, 12, 31),
        indicator="B3 「三會一課」<制度>",
    ),
    NoticeProblem(
        description="第二行\n換行保留　全角空格　和  兩個半角空格",
        requirement="簡體字：关于检查销号书面对标",
        responsible="張三",
        deadline=dt.date(2027, 1, 5),
    ),
)


def content(problems: tuple[NoticeProblem, ...] = TRICKY, **changes: object) -> NoticeContent:
    base = NoticeContent(
        serial="渭供黨〔2026〕第12號",
        unit_name="機關第一黨支部",
        unit_kind="branch",
        issued_on=dt.date(2026, 11, 30),
        checklists=("黨支部創一流對標指標體系（7個方面20項）",),
        inspections=(InspectionRef(dt.date(2026, 11, 12), "supervisory", ("張明遠", "李文靜")),),
        problems=problems,
    )
    return base.__class__(**{**base.__dict__, **changes})


def many(count: int) -> tuple[NoticeProblem, ...]:
    return tuple(
        NoticeProblem(
            description=f"「三會一課」記錄不全：{n}月支委會無記錄，黨小組會未記錄參會人數",
            requirement="補齊記錄，舉一反三自查全年會議記錄",
            responsible="胡德明",
            deadline=dt.date(2026, 12, 1) + dt.timedelta(days=n),
            indicator="B1 三會一課",
        )
        for n in range(1, count + 1)
    )


@pytest.fixture(scope="module")
def fonts() -> FontSet:
    return load_fonts()


@pytest.fixture(scope="module")
def template() -> NoticeTemplate:
    return load_template()


@pytest.fixture(scope="module")
def tricky_pdf(
    tmp_path_factory: pytest.TempPathFactory, fonts: FontSet, template: NoticeTemplate
) -> Path:
    path = tmp_path_factory.mktemp("pdf") / "tricky.pdf"
    render_notice(content(), template, fonts, path)
    return path


def test_every_problem_prints_exactly_as_stored(tricky_pdf: Path) -> None:
    text = squash(pdf_text(tricky_pdf))
    for problem in TRICKY:
        for field in (
            problem.description,
            problem.requirement,
            problem.responsible,
            problem.indicator,
        ):
            assert squash(field) in text, field
        assert squash(chinese_date(problem.deadline)) in text
    assert "渭供黨〔2026〕第12號" in text
    assert "機關第一黨支部" in text


def test_markup_characters_print_literally(tricky_pdf: Path) -> None:
    text = squash(pdf_text(tricky_pdf))  # narrow columns wrap anywhere
    for literal in (
        "<b>粗體</b>",
        "&amp;",
        "&lt;x&gt;",
        '"引號"',
        "'單引號'",
        "<br/>",
        "王<小>明&李四",
    ):
        assert literal in text


def test_emoji_and_symbols_come_from_a_fallback_font_and_can_be_copied(
    tricky_pdf: Path, tmp_path: Path, fonts: FontSet, template: NoticeTemplate
) -> None:
    text = pdf_text(tricky_pdf)
    assert "👍🎉" in text and "①" in text
    smiling = NoticeProblem(
        description="笑臉😀", requirement="", responsible="", deadline=dt.date(2026, 12, 31)
    )
    path = tmp_path / "emoji.pdf"
    render_notice(content((smiling,)), template, fonts, path)
    assert "笑臉😀" in squash(pdf_text(path))
    assert any("NotoEmoji" in name for name, _ in fonts_in(path))
    names = [name for name, _ in fonts_in(tricky_pdf)]
    assert any("KurintoSans-Rg" in n for n in names)  # the symbol face, only for these


def test_every_font_is_embedded(tricky_pdf: Path) -> None:
    found = fonts_in(tricky_pdf)
    assert found and all(embedded for _, embedded in found), found
    assert not any("Helvetica" in name or "Times" in name for name, _ in found)


def test_the_layout_follows_gbt_9704(tricky_pdf: Path) -> None:
    reader = pypdf.PdfReader(str(tricky_pdf))
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)  # A4
    pages = [page.extract_text() for page in reader.pages]
    for number, page in enumerate(pages, start=1):
        assert f"— {number} —" in page
    whole = squash("".join(pages))
    assert "2026年11月30日" in whole  # date of issue in Chinese form, Arabic numerals
    assert "抄送：局紀委" in whole
    assert "聯繫人：周慧敏" in whole and "0913-2101002" in whole
    assert "舉一反三" in whole
    # the receipt slip is the last page and carries the same serial number
    assert "回執" in squash(pages[-1]) and "渭供黨〔2026〕第12號" in squash(pages[-1])


def test_the_receipt_slip_and_body_name_the_same_serial(tricky_pdf: Path) -> None:
    text = squash(pdf_text(tricky_pdf))
    assert text.count("渭供黨〔2026〕第12號") >= 3  # head, receipt statement, receipt form


def test_page_count_grows_with_the_table_and_the_header_repeats(
    tmp_path: Path, fonts: FontSet, template: NoticeTemplate
) -> None:
    small, large = tmp_path / "3.pdf", tmp_path / "60.pdf"
    render_notice(content(many(3)), template, fonts, small)
    pages = render_notice(content(many(60)), template, fonts, large)
    assert page_count(large) == pages > page_count(small) + 3
    reader = pypdf.PdfReader(str(large))
    table_pages = [p.extract_text() for p in reader.pages if "胡德明" in (p.extract_text() or "")]
    assert len(table_pages) >= 4
    assert all("序號" in squash(p) and "整改期限" in squash(p) for p in table_pages)
    text = squash(pdf_text(large))
    for problem in many(60):
        assert squash(problem.description) in text
    assert "六十" in text  # problems numbered 一、二、三 … 六十


def test_a_very_long_problem_splits_across_pages(
    tmp_path: Path, fonts: FontSet, template: NoticeTemplate
) -> None:
    long = NoticeProblem(
        description="會議記錄缺失。" * 700,
        requirement="補齊。",
        responsible="甲",
        deadline=dt.date(2026, 12, 31),
    )
    path = tmp_path / "long.pdf"
    assert render_notice(content((long,)), template, fonts, path) > 4
    text = pdf_text(path)
    assert text.count("缺") == 700  # nothing lost where the row breaks across pages
    assert squash(text).count("會議記錄缺失。") >= 700 - page_count(path)


def test_a_character_no_font_has_is_refused_before_writing(
    tmp_path: Path, fonts: FontSet, template: NoticeTemplate
) -> None:
    rare = NoticeProblem(
        description="生僻字𠀀與😀", requirement="", responsible="", deadline=dt.date(2026, 12, 31)
    )
    path = tmp_path / "rare.pdf"
    with pytest.raises(MissingGlyphs) as caught:
        render_notice(content((rare,)), template, fonts, path)
    assert "U+20000" in str(caught.value)  # CJK Extension B: no shipped face has it
    assert "U+1F600" not in str(caught.value)  # emoji come from the shipped Noto Emoji
    assert "problem 1 description" in str(caught.value)
    assert not path.exists()


def test_a_fallback_font_prints_what_the_shipped_fonts_lack(
    tmp_path: Path, template: NoticeTemplate
) -> None:
    extra = make_font(tmp_path / "boxes.ttf", "𠀀")
    fonts = load_fonts(fallbacks=[extra])
    rare = NoticeProblem(
        description="生僻字𠀀在此",
        requirement="照常",
        responsible="甲",
        deadline=dt.date(2026, 12, 31),
    )
    path = tmp_path / "rare.pdf"
    render_notice(content((rare,)), template, fonts, path)
    assert "生僻字𠀀在此" in squash(pdf_text(path))
    assert all(embedded for _, embedded in fonts_in(path))
    assert any("Test-Boxes" in name for name, _ in fonts_in(path))


def test_font_files_that_reportlab_cannot_embed_are_refused(tmp_path: Path) -> None:
    cff = make_font(tmp_path / "cff.otf", "黨", cff=True)
    with pytest.raises(FontFileError, match="CFF"):
        check_truetype(cff)
    with pytest.raises(FontFileError, match="CFF"):
        load_fonts(cff)
    text = tmp_path / "notes.ttf"
    text.write_text("not a font", encoding="utf-8")
    with pytest.raises(FontFileError, match="not a TrueType font"):
        load_fonts(text)
    with pytest.raises(FontFileError, match="does not exist"):
        load_fonts(tmp_path / "missing.ttf")
    woff = tmp_path / "web.woff"
    woff.write_bytes(b"wOFF" + b"\0" * 40)
    with pytest.raises(FontFileError, match="web font"):
        check_truetype(woff)


def test_the_shipped_font_covers_traditional_and_simplified() -> None:
    fonts = load_fonts()
    body = fonts.regular[0]
    assert body.path.name == "KurintoSansSC-Rg.ttf"
    cjk = sum(1 for c in body.codepoints if 0x4E00 <= c <= 0x9FFF)
    assert cjk >= 20_976
    for char in "黨關檢銷書對關于检查销号书对〔〕—「」：；，。（）":
        assert body.has(char), char
    assert fonts.missing("𠀀") == {"𠀀"}


def test_escape() -> None:
    assert escape("<b>&amp;</b>") == "&lt;b&gt;&amp;amp;&lt;/b&gt;"
    assert escape("\"q\" 's'") == "\"q\" 's'"
    assert escape("a\nb") == "a<br/>b"
    assert escape("a   b") == "a &nbsp;&nbsp;b"
    assert escape("職\u3000務") == "職&#12288;務"


def test_ideographic_spaces_keep_their_width(tricky_pdf: Path) -> None:
    assert "換行保留\u3000全角空格\u3000和" in pdf_text(tricky_pdf)


@pytest.mark.parametrize(
    ("number", "words"),
    [
        (1, "一"),
        (10, "十"),
        (11, "十一"),
        (20, "二十"),
        (21, "二十一"),
        (60, "六十"),
        (100, "一百"),
        (105, "一百零五"),
        (110, "一百一十"),
    ],
)
def test_chinese_number(number: int, words: str) -> None:
    assert chinese_number(number) == words


def test_chinese_date() -> None:
    assert chinese_date(dt.date(2026, 11, 30)) == "2026年11月30日"
    assert chinese_date(dt.date(2027, 1, 5)) == "2027年1月5日"


def test_the_shipped_template_validates_and_names_a_missing_field(tmp_path: Path) -> None:
    template = load_template()
    assert template.serial_text(2026, 12) == "渭供黨〔2026〕第12號"
    broken = tmp_path / "notice.yaml"
    text = shipped_template().read_text(encoding="utf-8")
    broken.write_text(
        text.replace("organ_short: 渭供黨", "# organ_short removed"), encoding="utf-8"
    )
    with pytest.raises(DataFileError) as caught:
        load_template(broken)
    assert str(broken) in str(caught.value) and "organ_short" in str(caught.value)


def test_a_template_with_an_unknown_placeholder_is_refused(tmp_path: Path) -> None:
    text = shipped_template().read_text(encoding="utf-8")
    broken = tmp_path / "notice.yaml"
    broken.write_text(text.replace("title: 關於{unit}", "title: 關於{unti}"), encoding="utf-8")
    with pytest.raises(DataFileError, match=r"unknown placeholder \{unti\}"):
        load_model(broken, NoticeTemplate)


@pytest.mark.skipif(
    shutil.which("pdftoppm") is None, reason="pdftoppm (poppler-utils) not installed"
)
def test_page_one_renders_to_png(tricky_pdf: Path, tmp_path: Path) -> None:
    from PIL import Image

    subprocess.run(
        [
            "pdftoppm",
            "-r",
            "40",
            "-png",
            "-f",
            "1",
            "-l",
            "1",
            str(tricky_pdf),
            str(tmp_path / "p"),
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )
    image = Image.open(next(tmp_path.glob("p*.png"))).convert("RGB")
    pixels = image.get_flattened_data() if hasattr(image, "get_flattened_data") else image.getdata()
    reds = sum(1 for r, g, b in pixels if r > 180 and g < 80 and b < 80)
    assert reds > 50  # the red masthead and separator line are there


def test_many_inspections_are_summarised_and_overdue_deadlines_marked(
    tmp_path: Path, fonts: FontSet, template: NoticeTemplate
) -> None:
    refs = tuple(
        InspectionRef(dt.date(2026, month, 10), kind, ("張明遠",))
        for month, kind in ((3, "spot"), (5, "supervisory"), (7, "spot"), (9, "reinspection"))
    )
    late = NoticeProblem(
        description="逾期問題", requirement="", responsible="甲", deadline=dt.date(2026, 10, 1)
    )
    path = tmp_path / "summary.pdf"
    render_notice(content((late,), inspections=refs), template, fonts, path)
    text = squash(pdf_text(path))
    assert "2026年3月10日至2026年9月10日，檢查組先後4次對你支部開展了抽查、督導檢查和復查" in text
    assert "2026年10月1日（已逾期）" in text
