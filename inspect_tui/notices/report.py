"""The monthly report for leadership (月度對標情況通報): ranking, benchmark unit, lagging
units and the rectification of problems, with charts drawn by reportlab.graphics.

Same page as the notice (A4, GB/T 9704 margins and page numbers); every string goes
through ``FontSet.markup`` or the chart's own font settings, so nothing falls back to an
unembedded standard font.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from reportlab.graphics.charts.barcharts import HorizontalBarChart, VerticalBarChart
from reportlab.graphics.charts.legends import Legend
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import CondPageBreak, Flowable, Spacer, Table, TableStyle

from .fonts import FontSet
from .notice import (
    BLOCK_W,
    LINE,
    RED,
    TABLE_SIZE,
    FontTable,
    Para,
    _Doc,
    chinese_date,
    chinese_number,
)

BLUE = colors.Color(0.20, 0.36, 0.62)
GREEN = colors.Color(0.16, 0.55, 0.30)
GREY = colors.Color(0.55, 0.55, 0.55)
AMBER = colors.Color(0.90, 0.60, 0.10)
TABLE_LIMIT = 60  # more ranked units than this: the table shows the top and bottom 20


@dataclass(frozen=True)
class RankLine:
    rank: int | None
    unit_code: str
    unit_name: str
    score: float | None
    benchmark: bool
    lagging: bool
    open_problems: int = 0
    overdue_problems: int = 0
    notices: int = 0  # notices issued to the unit in the month


@dataclass(frozen=True)
class ProblemStats:
    """Problem figures of a month; ``as_of`` is the month's last day (or today, if sooner).

    ``rate`` (到期問題整改率) = problems due by ``as_of`` and closed by then ÷ problems due by
    ``as_of``; ``None`` when nothing was due.
    """

    found: int
    closed: int
    open_at_end: int
    overdue: int
    due: int
    due_closed: int
    as_of: dt.date

    @property
    def rate(self) -> float | None:
        return self.due_closed / self.due if self.due else None


@dataclass(frozen=True)
class MonthFigures:
    month: str  # YYYY-MM
    found: int
    closed: int


@dataclass(frozen=True)
class ReportData:
    month: str
    organ: str
    issued_on: dt.date
    ranking: list[RankLine]
    unranked: list[RankLine]
    stats: ProblemStats
    trend: list[MonthFigures] = field(default_factory=list)
    notices_issued: int = 0
    notices_received: int = 0

    @property
    def benchmark(self) -> list[RankLine]:
        return [r for r in self.ranking if r.benchmark]

    @property
    def lagging(self) -> list[RankLine]:
        return [r for r in self.ranking + self.unranked if r.lagging]


def _month_words(month: str) -> str:
    year, number = month.split("-")
    return f"{int(year)}年{int(number)}月"


def _score(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}"


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


class _Styles:
    def __init__(self, fonts: FontSet) -> None:
        body, bold = fonts.body, fonts.heading
        self.title = ParagraphStyle(
            "r_title", fontName=bold, fontSize=22, leading=34, alignment=TA_CENTER, wordWrap="CJK"
        )
        self.sub = ParagraphStyle(
            "r_sub", fontName=body, fontSize=14, leading=24, alignment=TA_CENTER, wordWrap="CJK"
        )
        self.heading = ParagraphStyle(
            "r_heading",
            fontName=bold,
            fontSize=16,
            leading=LINE,
            firstLineIndent=32,
            wordWrap="CJK",
        )
        self.body = ParagraphStyle(
            "r_body", fontName=body, fontSize=16, leading=LINE, firstLineIndent=32, wordWrap="CJK"
        )
        self.note = ParagraphStyle(
            "r_note", fontName=body, fontSize=10.5, leading=16, wordWrap="CJK", textColor=GREY
        )
        self.cell = ParagraphStyle(
            "r_cell", fontName=body, fontSize=TABLE_SIZE, leading=TABLE_SIZE * 1.4, wordWrap="CJK"
        )
        self.cell_c = ParagraphStyle("r_cell_c", parent=self.cell, alignment=TA_CENTER)
        self.cell_r = ParagraphStyle("r_cell_r", parent=self.cell, alignment=TA_RIGHT)
        self.head = ParagraphStyle("r_head", parent=self.cell, fontName=bold, alignment=TA_CENTER)
        self.sign = ParagraphStyle(
            "r_sign", fontName=body, fontSize=16, leading=LINE, alignment=TA_RIGHT, wordWrap="CJK"
        )


def _table(
    fonts: FontSet, rows: list[list[Any]], widths: list[float], *, header_rows: int = 1
) -> Table:
    table = FontTable(fonts, rows, colWidths=widths, repeatRows=header_rows, hAlign="CENTER")
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
                ("BACKGROUND", (0, 0), (-1, header_rows - 1), colors.Color(0.92, 0.92, 0.92)),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("TOPPADDING", (0, 0), (-1, -1), 2),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
            ]
        )
    )
    return table


def _ranking_table(data: ReportData, st: _Styles, fonts: FontSet) -> list[Flowable]:
    m = fonts.markup
    header = [
        Para(m(x, bold=True), st.head)
        for x in ("排名", "支部", "得分", "標記", "未銷號問題", "其中逾期", "本月通知書")
    ]
    lines = data.ranking
    note = ""
    if len(lines) > TABLE_LIMIT:
        lines = lines[:20] + lines[-20:]
        note = f"（共{len(data.ranking)}個支部參加排名，表中列出前20名和後20名。）"
    rows: list[list[Any]] = [header]
    for r in lines:
        mark = "標桿支部" if r.benchmark else ("後進支部" if r.lagging else "")
        rows.append(
            [
                Para(str(r.rank) if r.rank else "—", st.cell_c),
                Para(m(r.unit_name), st.cell),
                Para(_score(r.score), st.cell_r),
                Para(m(mark), st.cell_c),
                Para(str(r.open_problems), st.cell_r),
                Para(str(r.overdue_problems), st.cell_r),
                Para(str(r.notices) if r.notices else "", st.cell_r),
            ]
        )
    table = _table(fonts, rows, [w * mm for w in (13, 53, 18, 20, 20, 16, 16)])
    style = []
    for index, r in enumerate(lines, start=1):
        if r.benchmark:
            style.append(("BACKGROUND", (0, index), (-1, index), colors.Color(0.88, 0.95, 0.88)))
        elif r.lagging:
            style.append(("BACKGROUND", (0, index), (-1, index), colors.Color(0.99, 0.88, 0.86)))
    table.setStyle(TableStyle(style))
    out: list[Flowable] = [table]
    if note:
        out.append(Para(m(note), st.note))
    return out


def _drawing(height: float, fonts: FontSet) -> Drawing:
    """A drawing whose initial font is ours: reportlab's graphics start every drawing in
    Helvetica, which would put an unembedded font in the file."""
    drawing = Drawing(BLOCK_W, height)
    drawing.initialFontName = fonts.body
    drawing.initialFontSize = 10
    return drawing


def _label(line: RankLine, fonts: FontSet) -> str:
    """A chart label is drawn in one face (no fallback): the unit's name when that face has
    all of it, else its code, else its rank — never a blank box."""
    first = fonts.regular[0]
    for text in (line.unit_name, line.unit_code):
        if all(first.has(c) for c in text):
            return text
    return f"#{line.rank}"


def _score_chart(data: ReportData, fonts: FontSet) -> Drawing:
    """Horizontal bars: each ranked unit's score, benchmark green, lagging red."""
    lines = [r for r in data.ranking if r.score is not None]
    if len(lines) > 30:
        lines = lines[:15] + lines[-15:]
    lines = list(reversed(lines))  # best at the top
    bar_h = 11
    height = max(80, len(lines) * bar_h + 50)
    drawing = _drawing(height, fonts)
    chart = HorizontalBarChart()
    chart.x = 120
    chart.y = 30
    chart.width = BLOCK_W - 150
    chart.height = height - 45
    chart.data = [[r.score or 0 for r in lines]]
    chart.categoryAxis.categoryNames = [_label(r, fonts) for r in lines]
    chart.categoryAxis.labels.fontName = fonts.body
    chart.categoryAxis.labels.fontSize = 7.5
    chart.categoryAxis.labels.boxAnchor = "e"
    chart.valueAxis.labels.fontName = fonts.body
    chart.valueAxis.labels.fontSize = 8
    chart.valueAxis.valueMin = 0
    chart.valueAxis.valueMax = max(100, max((r.score or 0 for r in lines), default=100))
    chart.valueAxis.valueStep = 20
    chart.bars.strokeWidth = 0
    chart.bars[0].fillColor = BLUE
    for index, r in enumerate(lines):
        if r.benchmark:
            chart.bars[(0, index)].fillColor = GREEN
        elif r.lagging:
            chart.bars[(0, index)].fillColor = RED
    chart.barLabelFormat = "%.1f"
    chart.barLabels.fontName = fonts.body
    chart.barLabels.fontSize = 6.5
    chart.barLabels.boxAnchor = "w"
    chart.barLabels.dx = 2
    drawing.add(chart)
    _legend(
        drawing,
        fonts,
        [(GREEN, "標桿支部"), (RED, "後進支部"), (BLUE, "其他支部")],
        x=chart.x,
        y=10,
    )
    return drawing


def _trend_chart(data: ReportData, fonts: FontSet) -> Drawing:
    """Grouped bars: problems found and closed in each of the last months."""
    height = 170
    drawing = _drawing(height, fonts)
    chart = VerticalBarChart()
    chart.x = 40
    chart.y = 40
    chart.width = BLOCK_W - 70
    chart.height = height - 60
    chart.data = [[m.found for m in data.trend], [m.closed for m in data.trend]]
    chart.categoryAxis.categoryNames = [_month_words(m.month) for m in data.trend]
    chart.categoryAxis.labels.fontName = fonts.body
    chart.categoryAxis.labels.fontSize = 8
    chart.valueAxis.labels.fontName = fonts.body
    chart.valueAxis.labels.fontSize = 8
    chart.valueAxis.valueMin = 0
    chart.bars[0].fillColor = AMBER
    chart.bars[1].fillColor = GREEN
    chart.bars.strokeWidth = 0
    chart.barLabelFormat = "%d"
    chart.barLabels.fontName = fonts.body
    chart.barLabels.fontSize = 7
    chart.barLabels.nudge = 6
    drawing.add(chart)
    _legend(drawing, fonts, [(AMBER, "發現問題"), (GREEN, "銷號問題")], x=chart.x, y=10)
    return drawing


def _legend(
    drawing: Drawing, fonts: FontSet, items: list[tuple[colors.Color, str]], *, x: float, y: float
) -> None:
    legend = Legend()
    legend.x = x
    legend.y = y
    legend.fontName = fonts.body
    legend.fontSize = 8
    legend.alignment = "right"
    legend.columnMaximum = 1
    legend.deltax = 70
    legend.dx = 8
    legend.dy = 8
    legend.colorNamePairs = items
    drawing.add(legend)


def _empty_chart(text: str, fonts: FontSet) -> Drawing:
    drawing = _drawing(40, fonts)
    drawing.add(
        String(BLOCK_W / 2, 15, text, fontName=fonts.body, fontSize=10.5, textAnchor="middle")
    )
    return drawing


def check_texts(data: ReportData) -> list[tuple[str, str]]:
    """Every data string the report prints (for the glyph check before writing)."""
    texts = [("the issuing organ", data.organ)]
    for r in data.ranking + data.unranked:
        texts.append((f"unit {r.unit_code}", r.unit_name))
    return texts


def story(data: ReportData, fonts: FontSet) -> list[Flowable]:
    st = _Styles(fonts)
    m = fonts.markup
    month = _month_words(data.month)
    stats = data.stats
    ranked = len(data.ranking)
    out: list[Flowable] = [
        Para(m(f"{month}黨支部創一流對標情況通報", bold=True), st.title),
        Para(m(f"{data.organ}　　{chinese_date(data.issued_on)}"), st.sub),
        Spacer(1, LINE * 0.5),
    ]
    benchmark = "、".join(r.unit_name for r in data.benchmark) or "（無）"
    lagging = "、".join(r.unit_name for r in data.lagging) or "（無）"
    rate = _percent(stats.rate)
    summary = (
        f"{month}共有{ranked}個支部參加對標排名，"
        + (f"{len(data.unranked)}個支部本月未檢查、不參加排名。" if data.unranked else "")
        + f"標桿支部：{benchmark}。後進支部：{lagging}。"
        f"本月發現問題{stats.found}項，銷號{stats.closed}項；截至{chinese_date(stats.as_of)}，"
        f"未銷號問題{stats.open_at_end}項，其中逾期{stats.overdue}項，到期問題整改率{rate}。"
        f"本月發出整改通知書{data.notices_issued}份，已收回執{data.notices_received}份。"
    )
    out += [Para(m("一、總體情況", bold=True), st.heading), Para(m(summary), st.body)]

    out += [
        CondPageBreak(LINE * 4),
        Para(m("二、月度排名", bold=True), st.heading),
        *_ranking_table(data, st, fonts),
        Spacer(1, LINE * 0.5),
        _score_chart(data, fonts) if data.ranking else _empty_chart("本月無排名", fonts),
        Para(m("圖1　各支部本月對標得分（綠：標桿支部；紅：後進支部）"), st.note),
    ]

    out += [CondPageBreak(LINE * 4), Para(m("三、標桿支部", bold=True), st.heading)]
    if data.benchmark:
        for r in data.benchmark:
            out.append(
                Para(m(f"{r.unit_name}以{_score(r.score)}分排名第一，為本月標桿支部。"), st.body)
            )
    else:
        out.append(Para(m("本月無排名，未產生標桿支部。"), st.body))

    out += [CondPageBreak(LINE * 4), Para(m("四、後進支部", bold=True), st.heading)]
    if data.lagging:
        rows: list[list[Any]] = [
            [
                Para(m(x, bold=True), st.head)
                for x in ("序號", "支部", "排名", "得分", "未銷號問題", "其中逾期", "本月通知書")
            ]
        ]
        for index, r in enumerate(data.lagging, start=1):
            rows.append(
                [
                    Para(chinese_number(index), st.cell_c),
                    Para(m(r.unit_name), st.cell),
                    Para(f"{r.rank}/{ranked}" if r.rank else "—", st.cell_c),
                    Para(_score(r.score), st.cell_r),
                    Para(str(r.open_problems), st.cell_r),
                    Para(str(r.overdue_problems), st.cell_r),
                    Para(str(r.notices), st.cell_r),
                ]
            )
        out += [
            Para(
                m("以下支部連續排名落後，按規定開展督導檢查並下發整改通知書，限期整改："),
                st.body,
            ),
            _table(fonts, rows, [w * mm for w in (13, 53, 18, 18, 20, 16, 18)]),
            Spacer(1, LINE * 0.5),
        ]
    else:
        out.append(Para(m("本月無後進支部。"), st.body))

    out += [CondPageBreak(LINE * 6), Para(m("五、問題整改情況", bold=True), st.heading)]
    figures = [
        ("本月發現問題", str(stats.found)),
        ("本月銷號問題", str(stats.closed)),
        ("未銷號問題（月末）", str(stats.open_at_end)),
        ("其中逾期未整改", str(stats.overdue)),
        ("到期問題", str(stats.due)),
        ("到期問題已銷號", str(stats.due_closed)),
        ("到期問題整改率", rate),
    ]
    stat_rows: list[list[Any]] = [
        [Para(m("項目", bold=True), st.head), Para(m("數量", bold=True), st.head)]
    ]
    stat_rows += [[Para(m(k), st.cell), Para(m(v), st.cell_r)] for k, v in figures]
    out += [
        _table(fonts, stat_rows, [70 * mm, 40 * mm]),
        Para(
            m(
                f"注：統計截至{chinese_date(stats.as_of)}。到期問題整改率＝整改期限已到且已銷號的問題數÷"
                "整改期限已到的問題數；逾期＝整改期限已過仍未銷號。"
            ),
            st.note,
        ),
        Spacer(1, LINE * 0.5),
    ]
    if data.trend:
        out += [
            _trend_chart(data, fonts),
            Para(m("圖2　近期各月發現與銷號問題數"), st.note),
        ]
    out += [
        Spacer(1, LINE * 1.5),
        Para(m(data.organ), st.sign),
        Para(m(chinese_date(data.issued_on)), st.sign),
    ]
    return out


def render_report(data: ReportData, fonts: FontSet, target: str | Path | BinaryIO) -> int:
    """Write the monthly report to ``target``; returns the page count. Text no font can
    print raises ``MissingGlyphs`` before anything is written."""
    fonts.check(check_texts(data), where=f"report {data.month}")
    doc = _Doc(
        str(target) if isinstance(target, Path) else target,
        fonts,
        title=f"{_month_words(data.month)}黨支部創一流對標情況通報",
        author=data.organ,
        subject=data.month,
    )
    doc.build(story(data, fonts))
    return int(doc.page)
