"""The rectification notice (整改通知書) as a reportlab platypus document.

Laid out after GB/T 9704-2012 (黨政機關公文格式) where practical: A4, top margin 37 mm,
binding (left) margin 28 mm, a 156 × 225 mm text block, body text 3號 (16 pt) on 22
lines a page, the issuing organ's mark in red 35 mm below the top of the text block, the
serial number (發文字號) centred above a red separator line, the title (2號) centred,
the date of issue in Arabic numerals four characters from the right with the signature
centred over it, the 版記 (抄送, 印發) at the foot of the last page, page numbers
"— 1 —" (4號) 7 mm below the text block. The receipt slip (回執) follows as the
attachment on its own page, framed by a cut line, carrying the same serial number.

Everything printed comes from ``NoticeContent`` (the service's data) and the template;
user text goes through ``FontSet.markup`` so markup characters print literally and each
character is set in a font that has it.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import io
import os
import threading
import time
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from reportlab import rl_config
from reportlab.lib import colors, textsplit
from reportlab.lib.enums import TA_CENTER, TA_LEFT, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfdoc, pdfmetrics
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    CondPageBreak,
    Flowable,
    Frame,
    KeepTogether,
    PageBreak,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)
from reportlab.platypus.flowables import HRFlowable, TopPadder

from .fonts import FontSet, FontSpec, load_fonts
from .template import NoticeTemplate

# GB/T 9704-2012 measures
PAGE_W, PAGE_H = A4
TOP = 37 * mm
LEFT = 28 * mm
BLOCK_W = 156 * mm
BLOCK_H = 225 * mm
BOTTOM = PAGE_H - TOP - BLOCK_H  # 35 mm
BODY_SIZE = 16.0  # 3號
LINE = BLOCK_H / 22  # 22 lines a page
TITLE_SIZE = 22.0  # 2號
FOOT_SIZE = 14.0  # 4號: page numbers, 版記
TABLE_SIZE = 10.5  # 五號
RED = colors.Color(0.86, 0.0, 0.0)

UNIT_ADDRESS = {
    "branch": "你支部",
    "general_branch": "你總支",
    "committee": "你黨委",
    "group": "你小組",
}


# ---------------------------------------------------------------------- data


@dataclass(frozen=True)
class NoticeProblem:
    """One row of the problem table."""

    description: str
    requirement: str
    responsible: str
    deadline: dt.date
    indicator: str = ""  # "B3 三會一課" or empty


@dataclass(frozen=True)
class InspectionRef:
    """An inspection the listed problems come from (the basis of the notice)."""

    date: dt.date
    kind: str  # InspectionKind value
    team: tuple[str, ...]


@dataclass(frozen=True)
class NoticeContent:
    """What one notice says, apart from the template's wording."""

    serial: str  # as printed, e.g. 渭供黨〔2026〕第12號
    unit_name: str
    unit_kind: str  # UnitKind value
    issued_on: dt.date
    checklists: tuple[str, ...]  # e.g. ("黨支部創一流對標指標體系（7個方面20項）（第3版）",)
    inspections: tuple[InspectionRef, ...]
    problems: tuple[NoticeProblem, ...]
    replaces: str | None = None  # serial of the notice this one re-issues
    extra: dict[str, str] = field(default_factory=dict)


def chinese_date(day: dt.date) -> str:
    """2026年11月30日 (Arabic numerals, as GB/T 9704-2012 asks for the date of issue)."""
    return f"{day.year}年{day.month}月{day.day}日"


_DIGITS = "零一二三四五六七八九"


def chinese_number(n: int) -> str:
    """1 → 一, 10 → 十, 21 → 二十一, 105 → 一百零五 (numbering 一、二、三…)."""
    if n <= 0:
        raise ValueError("numbering starts at 1")
    if n >= 10000:
        return str(n)
    out = ""
    units = ((1000, "千"), (100, "百"), (10, "十"), (1, ""))
    zero = False
    for value, name in units:
        digit = (n // value) % 10
        if digit == 0:
            zero = bool(out)
            continue
        if zero:
            out += "零"
            zero = False
        out += ("" if (value == 10 and digit == 1 and not out) else _DIGITS[digit]) + name
    return out


_parsed: dict[tuple[str, int], tuple[Any, list[Any]]] = {}
_broken: dict[tuple[str, int, float], tuple[Any, float, list[float]]] = {}
_CACHE_MAX = 20_000


class Para(Paragraph):
    """A paragraph that parses each distinct text once and breaks its lines once per width.

    Tables wrap every cell when measuring, again when splitting across a page and again
    when drawing, and a batch prints the same template sentences in every notice: parsing
    and CJK line breaking were most of a notice's layout time. Line breaks are shared
    between documents only for single-run paragraphs (reportlab's "kind 0" lines), which
    drawing and splitting only read.
    """

    _wrapped_at: float | None = None
    _key: tuple[str, int] | None = None

    def __init__(self, text: str | None, style: ParagraphStyle, **kw: Any) -> None:
        if text is None or kw:  # reportlab splitting a paragraph in two
            super().__init__(text, style, **kw)
            return
        key = (text, id(style))
        cached = _parsed.get(key)
        if cached is None:
            super().__init__(text, style)
            if len(_parsed) >= _CACHE_MAX:
                _parsed.clear()
            _parsed[key] = (self.style, self.frags)
        else:
            super().__init__(None, cached[0], frags=[f.clone() for f in cached[1]])
        self._key = key

    _size: tuple[float, float] = (0.0, 0.0)

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        if self._wrapped_at == availWidth and "blPara" in self.__dict__:
            return self._size
        key = (*self._key, availWidth) if self._key else None
        cached = _broken.get(key) if key else None
        if cached is not None:
            self.blPara, self.height, self._wrapWidths = cached
            self.width = availWidth
            size = (availWidth, float(cached[1]))
        else:
            width, height = super().wrap(availWidth, availHeight)
            size = (float(width), float(height))
            if availWidth < 1:  # reportlab's "cannot fit here": nothing to remember
                return size
            if key and getattr(self.blPara, "kind", None) == 0:
                if len(_broken) >= _CACHE_MAX:
                    _broken.clear()
                _broken[key] = (self.blPara, height, self._wrapWidths)
        self._wrapped_at = availWidth
        self._size = size
        return size


def FontTable(fonts: FontSet, data: list[list[Any]], **kw: Any) -> Table:  # noqa: N802
    """A table whose plain-string cells (even empty ones) use our embedded body face:
    reportlab's default for them is Helvetica, which would put an unembedded font in the
    file."""
    table = Table(data, **kw)
    table.setStyle(TableStyle([("FONT", (0, 0), (-1, -1), fonts.body, TABLE_SIZE)]))
    return table


# ---------------------------------------------------------------------- wording


class Wording:
    """The template's wording filled in for one notice (the strings the PDF prints)."""

    def __init__(self, content: NoticeContent, template: NoticeTemplate) -> None:
        self.content = content
        self.template = template
        you = UNIT_ADDRESS.get(content.unit_kind, "你單位")
        values: dict[str, Any] = {
            "unit": content.unit_name,
            "you": you,
            "checklist": "》《".join(content.checklists) or "黨支部創一流對標指標體系",
            "count": len(content.problems),
            "days": template.report_back_days,
            "office": template.contact.office,
            "person": template.contact.person,
            "phone": template.contact.phone,
            "serial": content.serial,
        }
        kinds = template.inspection_kinds.model_dump()
        phrases = []
        refs = content.inspections
        if len(refs) > template.max_listed_inspections:
            labels = list(dict.fromkeys(kinds.get(r.kind, r.kind) for r in refs))
            phrases.append(
                template.inspections_summary.format(
                    first=chinese_date(refs[0].date),
                    last=chinese_date(refs[-1].date),
                    times=len(refs),
                    kinds="、".join(labels[:-1]) + "和" + labels[-1]
                    if len(labels) > 1
                    else labels[0],
                    you=you,
                    unit=content.unit_name,
                )
            )
            refs = ()
        for ref in refs:
            team = (
                template.team_phrase.format(members="、".join(ref.team)) if ref.team else "檢查組"
            )
            phrases.append(
                template.inspection_phrase.format(
                    date=chinese_date(ref.date),
                    team=team,
                    kind=kinds.get(ref.kind, ref.kind),
                    you=you,
                    unit=content.unit_name,
                )
            )
        values["inspections"] = (
            "；".join(phrases) if phrases else template.no_inspection.format(**values)
        )
        self.values = values
        self.title = template.title.format(**values)
        self.addressee = template.addressee.format(**values)
        self.opening = template.opening.format(**values)
        self.problems_intro = template.problems_intro.format(**values)
        self.requirements = [r.format(**values) for r in template.requirements]
        self.report_back = template.report_back.format(**values)
        self.contact_line = template.contact_line.format(**values)
        self.attachment_line = template.attachment_line.format(**values)
        self.replaces = (
            template.replaces_note.format(replaced=content.replaces) if content.replaces else ""
        )
        self.receipt_note = template.receipt.note.format(**values)
        self.receipt_statement = template.receipt.statement.format(title=self.title, **values)
        self.date = chinese_date(content.issued_on)
        self.cc = "抄送：" + "，".join(template.cc) + "。" if template.cc else ""
        self.printed = f"{self.date}印發"

    def texts(self) -> Iterator[tuple[str, str]]:
        """Every string the PDF prints, with where it comes from (for the glyph check)."""
        t = self.template
        c = self.content
        yield "the unit name", c.unit_name
        yield "the serial number", c.serial
        yield (
            "the template",
            "\n".join(
                [
                    t.masthead,
                    self.title,
                    self.addressee,
                    self.opening,
                    self.problems_intro,
                    *self.requirements,
                    self.report_back,
                    self.contact_line,
                    self.attachment_line,
                    self.replaces,
                    self.receipt_note,
                    self.receipt_statement,
                    self.cc,
                    self.printed,
                    t.signature,
                    t.printer,
                    t.problems_heading,
                    t.requirements_heading,
                    t.report_heading,
                    t.receipt.title,
                    t.receipt.cut_line,
                    t.receipt.attachment_label,
                    t.overdue_mark,
                    t.receipt.serial_label,
                    t.receipt.unit_label,
                    *t.receipt.fields,
                    *t.table_headers.model_dump().values(),
                    "一二三四五六七八九十百千零、（）年月日— ",
                ]
            ),
        )
        for index, problem in enumerate(c.problems, start=1):
            yield f"problem {index} indicator", problem.indicator
            yield f"problem {index} description", problem.description
            yield f"problem {index} requirement", problem.requirement
            yield f"problem {index} responsible person", problem.responsible
        for ref in c.inspections:
            yield "the inspection team", "、".join(ref.team)
        for name in c.checklists:
            yield "the indicator system", name


# ---------------------------------------------------------------------- styles


class Styles:
    def __init__(self, fonts: FontSet) -> None:
        body, bold = fonts.body, fonts.heading

        def style(name: str, **kw: Any) -> ParagraphStyle:
            base: dict[str, Any] = {
                "fontName": body,
                "fontSize": BODY_SIZE,
                "leading": LINE,
                "wordWrap": "CJK",
            }
            base.update(kw)
            return ParagraphStyle(name, **base)

        self.masthead = style("masthead", fontName=bold, alignment=TA_CENTER, textColor=RED)
        self.serial = style("serial", alignment=TA_CENTER)
        self.serial_right = style("serial_right", alignment=TA_RIGHT)
        self.title = style(
            "title",
            fontName=bold,
            fontSize=TITLE_SIZE,
            leading=TITLE_SIZE * 1.6,
            alignment=TA_CENTER,
        )
        self.addressee = style("addressee")
        self.body = style("body", firstLineIndent=2 * BODY_SIZE)
        self.heading = style("heading", fontName=bold, firstLineIndent=2 * BODY_SIZE)
        self.intro = style("intro", firstLineIndent=2 * BODY_SIZE)
        self.sign = style("sign", alignment=TA_CENTER)
        self.cell = style("cell", fontSize=TABLE_SIZE, leading=TABLE_SIZE * 1.45, alignment=TA_LEFT)
        self.cell_center = style(
            "cell_center", fontSize=TABLE_SIZE, leading=TABLE_SIZE * 1.45, alignment=TA_CENTER
        )
        self.cell_head = style(
            "cell_head",
            fontName=bold,
            fontSize=TABLE_SIZE,
            leading=TABLE_SIZE * 1.45,
            alignment=TA_CENTER,
        )
        self.foot = style("foot", fontSize=FOOT_SIZE, leading=FOOT_SIZE * 1.5)
        self.foot_right = style(
            "foot_right", fontSize=FOOT_SIZE, leading=FOOT_SIZE * 1.5, alignment=TA_RIGHT
        )
        self.cut = style(
            "cut",
            fontSize=TABLE_SIZE,
            leading=TABLE_SIZE * 1.4,
            alignment=TA_CENTER,
            textColor=colors.Color(0.35, 0.35, 0.35),
        )
        self.form_label = style("form_label", fontSize=14, leading=20, alignment=TA_CENTER)
        self.form_value = style("form_value", fontSize=14, leading=20)
        self.receipt_title = style(
            "receipt_title",
            fontName=bold,
            fontSize=TITLE_SIZE,
            leading=TITLE_SIZE * 1.6,
            alignment=TA_CENTER,
        )
        self.small = style("small", fontSize=14, leading=24, firstLineIndent=28)


_styles: dict[int, Styles] = {}


def styles_for(fonts: FontSet) -> Styles:
    key = id(fonts)
    if key not in _styles:
        _styles[key] = Styles(fonts)
    return _styles[key]


# ---------------------------------------------------------------------- the document


class _FastZlib:
    """``zlib`` for reportlab's PDF streams at level 1: the embedded font subsets are most
    of each file, and compressing them at the default level was an eighth of a notice's
    time; level 1 costs a few per cent more bytes."""

    compress = staticmethod(functools.partial(zlib.compress, level=1))
    decompress = staticmethod(zlib.decompress)


def _char_widths(word: str, font_name: str, font_size: float) -> list[float]:
    """reportlab's ``textsplit.getCharWidths`` (one width per character, for CJK line
    breaking) without a function call per character; same numbers."""
    font = pdfmetrics.getFont(font_name)
    face = getattr(font, "face", None)
    widths = getattr(face, "charWidths", None)
    if widths is None or face is None:
        return _plain_char_widths(word, font_name, font_size)
    default = face.defaultWidth
    scale = 0.001 * font_size
    return [widths.get(ord(c), default) * scale for c in word]


_plain_char_widths = textsplit.getCharWidths


_quick_lock = threading.Lock()
_quick_users = 0
_quick_saved: tuple[Any, ...] = ()


@contextmanager
def _quick_reportlab() -> Iterator[None]:
    """Settings for building our documents, put back when the last build ends: binary
    streams (ASCII85 only makes files a quarter larger), level-1 compression, the faster
    width lookup. Counted, so builds in two threads cannot leave them half restored."""
    global _quick_users, _quick_saved
    with _quick_lock:
        if _quick_users == 0:
            _quick_saved = (rl_config.useA85, pdfdoc.zlib, textsplit.getCharWidths)
            rl_config.useA85 = 0
            pdfdoc.zlib = _FastZlib  # type: ignore[assignment]
            textsplit.getCharWidths = _char_widths
        _quick_users += 1
    try:
        yield
    finally:
        with _quick_lock:
            _quick_users -= 1
            if _quick_users == 0:
                rl_config.useA85, pdfdoc.zlib, textsplit.getCharWidths = _quick_saved  # type: ignore[assignment]


class _Doc(BaseDocTemplate):
    def __init__(
        self, target: Any, fonts: FontSet, *, title: str, author: str, subject: str
    ) -> None:
        super().__init__(
            target,
            pagesize=A4,
            leftMargin=LEFT,
            rightMargin=PAGE_W - LEFT - BLOCK_W,
            topMargin=TOP,
            bottomMargin=BOTTOM,
            title=title,
            author=author,
            subject=subject,
            creator="inspect-tui",
            initialFontName=fonts.body,  # else reportlab names Helvetica, unembedded
            initialFontSize=BODY_SIZE,
            initialLeading=LINE,
            invariant=1,  # same content, same bytes: the recorded SHA-256 can be re-checked
        )
        self.fonts = fonts
        frame = Frame(
            LEFT,
            BOTTOM,
            BLOCK_W,
            BLOCK_H,
            id="block",
            leftPadding=0,
            rightPadding=0,
            topPadding=0,
            bottomPadding=0,
        )
        self.addPageTemplates([PageTemplate(id="page", frames=[frame], onPage=self._page_number)])

    def build(self, flowables: list[Flowable], **kw: Any) -> None:  # type: ignore[override]
        with _quick_reportlab():
            super().build(flowables, **kw)

    def _page_number(self, canvas: Canvas, doc: BaseDocTemplate) -> None:
        """ "— 1 —" centred, 4號, its dashes 7 mm below the text block."""
        text = f"— {doc.page} —"
        canvas.saveState()
        canvas.setFont(self.fonts.body, FOOT_SIZE)
        canvas.drawCentredString(LEFT + BLOCK_W / 2, BOTTOM - 7 * mm - FOOT_SIZE * 0.8, text)
        canvas.restoreState()


def _signature_block(wording: Wording, st: Styles, fonts: FontSet) -> Flowable:
    """署名 centred over the date; the date four characters from the right edge."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    sign = wording.template.signature
    width = (
        max(
            stringWidth(wording.date, fonts.body, BODY_SIZE),
            stringWidth(sign, fonts.body, BODY_SIZE),
        )
        + BODY_SIZE
    )
    width = min(width, BLOCK_W - 4 * BODY_SIZE)
    table = FontTable(
        fonts,
        [
            [Para(fonts.markup(sign), st.sign), ""],
            [Para(fonts.markup(wording.date), st.sign), ""],
        ],
        colWidths=[width, 4 * BODY_SIZE],
        hAlign="RIGHT",
    )
    table.setStyle(
        TableStyle(
            [
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                ("TOPPADDING", (0, 0), (-1, -1), 0),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 0),
            ]
        )
    )
    return table


def _problem_table(
    content: NoticeContent, template: NoticeTemplate, st: Styles, fonts: FontSet
) -> Table:
    h = template.table_headers
    rows: list[list[Any]] = [
        [
            Para(fonts.markup(x, bold=True), st.cell_head)
            for x in (
                h.number,
                h.indicator,
                h.description,
                h.requirement,
                h.responsible,
                h.deadline,
            )
        ]
    ]
    for number, p in enumerate(content.problems, start=1):
        d = p.deadline
        rows.append(
            [
                chinese_number(number),
                Para(fonts.markup(p.indicator), st.cell),
                Para(fonts.markup(p.description), st.cell),
                Para(fonts.markup(p.requirement), st.cell),
                _short_cell(p.responsible, _WIDTHS[4] - 6, st.cell_center, fonts),
                f"{d.year}年\n{d.month}月{d.day}日"
                + (
                    f"\n{template.overdue_mark}"
                    if d < content.issued_on and template.overdue_mark
                    else ""
                ),
            ]
        )
    table = FontTable(
        fonts,
        rows,
        colWidths=_WIDTHS,
        repeatRows=1,
        splitInRow=int(_needs_split_rows(content.problems)),
        hAlign="CENTER",
    )
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.6, colors.black),
                ("BACKGROUND", (0, 0), (-1, 0), colors.Color(0.92, 0.92, 0.92)),
                ("FONT", (0, 1), (-1, -1), fonts.body, TABLE_SIZE, TABLE_SIZE * 1.45),
                ("ALIGN", (0, 1), (0, -1), "CENTER"),
                ("ALIGN", (4, 1), (5, -1), "CENTER"),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("LEFTPADDING", (0, 0), (-1, -1), 3),
                ("RIGHTPADDING", (0, 0), (-1, -1), 3),
                ("TOPPADDING", (0, 0), (-1, -1), 3),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
            ]
        )
    )
    return table


_WIDTHS = [w * mm for w in (14, 24, 43, 41, 16, 18)]


def _row_height(problem: NoticeProblem) -> float:
    """A rough height of a problem's row (CJK characters are one em wide)."""
    lines = 2.0
    for index, text in enumerate(
        (problem.indicator, problem.description, problem.requirement, problem.responsible), start=1
    ):
        per_line = max(1.0, (_WIDTHS[index] - 6) / TABLE_SIZE)
        lines = max(lines, sum(len(part) // per_line + 1 for part in text.split("\n")))
    return lines * TABLE_SIZE * 1.45 + 7


def _short_cell(text: str, width: float, style: ParagraphStyle, fonts: FontSet) -> Any:
    """A plain string when it fits on one line in the body face (cheap to lay out),
    otherwise a paragraph that wraps and falls back to other faces."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    first = fonts.regular[0]
    if (
        "\n" not in text
        and all(first.has(c) for c in text)
        and stringWidth(text, first.name, TABLE_SIZE) <= width
    ):
        return text
    return Para(fonts.markup(text), style)


def _needs_split_rows(problems: tuple[NoticeProblem, ...]) -> bool:
    """Whether a row may be taller than a page, so rows must split across pages.

    Splitting inside rows is only switched on then: otherwise reportlab would rather leave
    a header with a sliver of a row at the foot of a page than move the row over whole.
    """
    return any(_row_height(p) > BLOCK_H * 0.6 for p in problems)


def _balanced(
    text: str, fonts: FontSet, font: str, size: float, width: float, prefer: str = ""
) -> str:
    """Markup for a centred title broken into lines of about equal length (GB/T 9704 asks
    for a title set as a trapezoid or diamond, not a full line and a stub)."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    total = stringWidth(text, font, size)
    if total <= width or "\n" in text:
        return fonts.markup(text, bold=True)
    lines = int(total // width) + 1
    target = len(text) / lines
    pieces, start = [], 0
    after = text.find(prefer) + len(prefer) if prefer and prefer in text else -1
    for n in range(1, lines):
        cut = round(target * n)
        if lines == 2 and target * 0.6 <= after <= target * 1.4:
            cut = after  # break after the unit's name rather than inside a word
        while (
            0 < cut < len(text) - 1
            and text[cut - 1].isascii()
            and text[cut].isascii()
            and text[cut].isalnum()
        ):
            cut += 1  # never inside a Latin word or a number
        while cut < len(text) and text[cut] in "，：；！？》）〕」、。":
            cut += 1
        pieces.append(text[start:cut])
        start = cut
    pieces.append(text[start:])
    return "<br/>".join(fonts.markup(p, bold=True) for p in pieces if p)


def _record_block(wording: Wording, st: Styles, fonts: FontSet) -> Flowable:
    """版記: 抄送 and 印發 between rules as wide as the text block (thick, thin, thick)."""
    template = wording.template
    rows: list[list[Any]] = []
    if wording.cc:
        rows.append([Para(fonts.markup(wording.cc), st.foot), ""])
    rows.append(
        [
            Para(fonts.markup(template.printer), st.foot),
            Para(fonts.markup(wording.printed), st.foot_right),
        ]
    )
    table = FontTable(fonts, rows, colWidths=[BLOCK_W * 0.62, BLOCK_W * 0.38])
    style = [
        ("LEFTPADDING", (0, 0), (-1, -1), FOOT_SIZE),
        ("RIGHTPADDING", (0, 0), (-1, -1), FOOT_SIZE),
        ("TOPPADDING", (0, 0), (-1, -1), 5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 7),
        ("LINEABOVE", (0, 0), (-1, 0), 1.0, colors.black),
        ("LINEBELOW", (0, -1), (-1, -1), 1.0, colors.black),
    ]
    if wording.cc:
        style += [("SPAN", (0, 0), (1, 0)), ("LINEBELOW", (0, 0), (-1, 0), 0.7, colors.black)]
    table.setStyle(TableStyle(style))
    return table


class _CutLine(Flowable):
    """A dashed line across the text block with the scissors and "沿此線剪下" in the middle."""

    def __init__(self, text: str, fonts: FontSet) -> None:
        super().__init__()
        self.text = text
        self.fonts = fonts
        self.height = 14

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        self.width = available_width
        return available_width, self.height

    def draw(self) -> None:
        from reportlab.pdfbase.pdfmetrics import stringWidth

        c = self.canv
        size = TABLE_SIZE
        runs = self.fonts.plain(self.text)
        text_w = sum(stringWidth(piece, face, size) for face, piece in runs)
        gap = 26  # room for the scissors left of the text
        mid = self.width / 2
        y = self.height / 2
        grey = colors.Color(0.35, 0.35, 0.35)
        c.saveState()
        c.setStrokeColor(grey)
        c.setFillColor(grey)
        c.setLineWidth(0.6)
        c.setDash(4, 3)
        left = mid - (text_w + gap) / 2
        c.line(0, y, left - 6, y)
        c.line(left + gap + text_w + 6, y, self.width, y)
        c.setDash()
        _scissors(c, left + 2, y)
        x = left + gap
        for face, piece in runs:
            c.setFont(face, size)
            c.drawString(x, y - size * 0.35, piece)
            x += stringWidth(piece, face, size)
        c.restoreState()


def _scissors(c: Canvas, x: float, y: float) -> None:
    """A small pair of scissors, drawn (a font with the ✂ glyph costs a subset per file)."""
    c.circle(x + 2.2, y + 2.6, 2.0, stroke=1, fill=0)
    c.circle(x + 2.2, y - 2.6, 2.0, stroke=1, fill=0)
    c.line(x + 3.8, y + 1.6, x + 16, y - 3.2)
    c.line(x + 3.8, y - 1.6, x + 16, y + 3.2)


def _receipt(wording: Wording, st: Styles, fonts: FontSet) -> list[Flowable]:
    r = wording.template.receipt
    content = wording.content
    story: list[Flowable] = [
        Para(fonts.markup(r.attachment_label, bold=True), st.addressee),
        Spacer(1, LINE),
        _CutLine(r.cut_line, fonts),
        Spacer(1, LINE * 0.6),
        Para(fonts.markup(r.title, bold=True), st.receipt_title),
        Spacer(1, LINE * 0.4),
        Para(fonts.markup(wording.receipt_statement), st.body),
        Spacer(1, LINE * 0.4),
    ]
    rows: list[list[Any]] = [
        [
            Para(fonts.markup(r.serial_label), st.form_label),
            Para(fonts.markup(content.serial), st.form_value),
        ],
        [
            Para(fonts.markup(r.unit_label), st.form_label),
            Para(fonts.markup(content.unit_name), st.form_value),
        ],
    ]
    rows += [[Para(fonts.markup(label), st.form_label), ""] for label in r.fields]
    form = FontTable(
        fonts,
        rows,
        colWidths=[36 * mm, BLOCK_W - 36 * mm],
        rowHeights=[None, None] + [30] * len(r.fields),
    )
    form.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.6, colors.black),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("TOPPADDING", (0, 0), (-1, -1), 5),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 6),
            ]
        )
    )
    story += [
        form,
        Spacer(1, LINE * 0.8),
        Para(fonts.markup("（蓋章）"), st.foot_right),
        Para(fonts.markup("年　　月　　日"), st.foot_right),
        Spacer(1, LINE * 0.5),
        Para(fonts.markup(wording.receipt_note), st.small),
    ]
    return story


def story(content: NoticeContent, template: NoticeTemplate, fonts: FontSet) -> list[Flowable]:
    wording = Wording(content, template)
    st = styles_for(fonts)
    m = fonts.markup
    out: list[Flowable] = []
    if template.masthead:
        size = min(40.0, BLOCK_W * 0.92 / max(len(template.masthead), 1))
        masthead = ParagraphStyle("mh", parent=st.masthead, fontSize=size, leading=size * 1.25)
        out += [
            Spacer(1, 35 * mm - LINE),
            Para(m(template.masthead, bold=True), masthead),
            Spacer(1, LINE * 1.2),
            Para(m(content.serial), st.serial),
            Spacer(1, 4 * mm),
            HRFlowable(width="100%", thickness=1.6, color=RED, spaceBefore=0, spaceAfter=0),
            Spacer(1, LINE * 1.5),
        ]
    else:
        out += [Para(m(content.serial), st.serial_right), Spacer(1, LINE)]
    out += [
        Para(
            _balanced(
                wording.title,
                fonts,
                fonts.heading,
                TITLE_SIZE,
                BLOCK_W - TITLE_SIZE,
                content.unit_name,
            ),
            st.title,
        ),
        Spacer(1, LINE * 0.6),
        Para(m(wording.addressee + "："), st.addressee),
        Para(m(wording.opening), st.body),
    ]
    if wording.replaces:
        out.append(Para(m(wording.replaces), st.body))
    out += [
        # heading, intro, table header and the first row start on the same page
        CondPageBreak(LINE * 3 + min(_row_height(content.problems[0]), BLOCK_H / 3) + 30),
        Para(m("一、" + template.problems_heading, bold=True), st.heading),
        Para(m(wording.problems_intro), st.intro),
        _problem_table(content, template, st, fonts),
        Spacer(1, LINE * 0.4),
        CondPageBreak(LINE * 3),
        Para(m("二、" + template.requirements_heading, bold=True), st.heading),
    ]
    for index, text in enumerate(wording.requirements, start=1):
        out.append(Para(m(f"（{chinese_number(index)}）{text}"), st.body))
    out += [
        CondPageBreak(LINE * 3),
        Para(m("三、" + template.report_heading, bold=True), st.heading),
        Para(m(wording.report_back), st.body),
        Para(m(wording.contact_line), st.body),
        Spacer(1, LINE),
        Para(m(wording.attachment_line), st.body),
        KeepTogether([Spacer(1, LINE * 2), _signature_block(wording, st, fonts)]),
        TopPadder(_record_block(wording, st, fonts)),
        PageBreak(),
        *_receipt(wording, st, fonts),
    ]
    return out


def render_notice(
    content: NoticeContent,
    template: NoticeTemplate,
    fonts: FontSet,
    target: str | Path | BinaryIO,
    *,
    check: bool = True,
) -> int:
    """Write the notice to ``target`` (a path or a binary file); returns the page count.

    Text that no font can print raises ``MissingGlyphs`` before anything is written
    (``check=False`` when the caller has checked already; a missing glyph still raises).
    """
    wording = Wording(content, template)
    if check:
        fonts.check(wording.texts(), where=content.unit_name)
    doc = _Doc(
        str(target) if isinstance(target, Path) else target,
        fonts,
        title=wording.title,
        author=template.organ,
        subject=content.serial,
    )
    doc.build(story(content, template, fonts))
    return int(doc.page)


# ---------------------------------------------------------------------- batch workers
# What a worker process runs. Kept here, away from the services and the store, so that a
# spawned worker imports reportlab and this package only.


@dataclass(frozen=True)
class RenderJob:
    content: NoticeContent
    tmp: str  # the temporary file (already created) the PDF goes into
    fsync: bool = True  # False: the caller syncs the file (batches overlap that with rendering)


@dataclass(frozen=True)
class Rendered:
    tmp: str
    sha256: str
    pages: int
    cpu_s: float = 0.0  # processor time the rendering took (for benchmarks)


_worker: dict[str, Any] = {}


def init_worker(spec: FontSpec, template: NoticeTemplate) -> None:
    _worker["fonts"] = load_fonts(spec[0], bold_font=spec[1], fallbacks=spec[2])
    _worker["template"] = template


def warm_up() -> None:
    """Nothing: submitted once per worker so the workers start (and load fonts) early."""


def render_job(
    job: RenderJob, template: NoticeTemplate | None = None, fonts: FontSet | None = None
) -> Rendered:
    """Render one notice into its temporary file, hash it and (unless the job says the
    caller will) fsync it. The text was checked before."""
    template = template or _worker["template"]
    fonts = fonts or _worker["fonts"]
    started = time.process_time()
    buffer = io.BytesIO()
    pages = render_notice(job.content, template, fonts, buffer, check=False)
    data = buffer.getvalue()
    with open(job.tmp, "wb") as fh:
        fh.write(data)
        fh.flush()
        if job.fsync:
            os.fsync(fh.fileno())
    digest = hashlib.sha256(data).hexdigest()
    return Rendered(job.tmp, digest, pages, time.process_time() - started)


def fsync_file(path: str) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
