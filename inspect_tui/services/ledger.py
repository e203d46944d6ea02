"""The rectification ledger (整改台賬): one row per problem, to CSV or XLSX.

CSV is UTF-8 with a byte-order mark, so spreadsheets open Chinese text correctly. XLSX
has a header row, frozen panes, column widths measured in display cells (a CJK character
is two), real dates, and is streamed (constant memory) so 200,000 problems fit.
"""

from __future__ import annotations

import csv
import datetime as dt
import os
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from rich.cells import cell_len

from ..errors import InvalidInput
from ..i18n import t
from ..store import Store
from .problem_list import ProblemFilter, ProblemRow, iterate

FORMATS = ("csv", "xlsx")


@dataclass(frozen=True)
class Column:
    key: str
    title: tuple[str, str]  # (English, Traditional Chinese)
    value: Callable[[ProblemRow], object]
    is_date: bool = False
    max_width: int = 60


COLUMNS = (
    Column("unit_code", ("Unit code", "單位代碼"), lambda r: r.unit_code, max_width=14),
    Column("unit", ("Unit", "單位"), lambda r: r.unit_name, max_width=30),
    Column("indicator", ("Indicator", "指標"), lambda r: _indicator(r), max_width=30),
    Column("description", ("Problem", "問題描述"), lambda r: r.description),
    Column("requirement", ("Requirement", "整改要求"), lambda r: r.requirement),
    Column("responsible", ("Responsible", "責任人"), lambda r: r.responsible, max_width=16),
    Column(
        "severity",
        ("Severity", "嚴重程度"),
        lambda r: t(f"severity.{r.severity.value}"),
        max_width=10,
    ),
    Column("found_on", ("Found on", "發現日期"), lambda r: r.found_on, is_date=True),
    Column("deadline", ("Deadline", "整改期限"), lambda r: r.deadline, is_date=True),
    Column(
        "original_deadline",
        ("Original deadline", "原定期限"),
        lambda r: r.original_deadline,
        is_date=True,
    ),
    Column("state", ("State", "狀態"), lambda r: t(f"problem_state.{r.state.value}"), max_width=12),
    Column("closed_on", ("Closed on", "銷號日期"), lambda r: r.closed_on, is_date=True),
    Column("days_overdue", ("Days overdue", "逾期天數"), lambda r: r.days_overdue, max_width=10),
    Column("evidence", ("Evidence files", "佐證材料數"), lambda r: r.evidence_count, max_width=12),
    Column("id", ("Problem id", "問題編號"), lambda r: r.id, max_width=34),
)


def _indicator(row: ProblemRow) -> str:
    if not row.indicator_code:
        return ""
    return f"{row.indicator_code} {row.indicator_title or ''}".strip()


def headers() -> list[str]:
    from ..i18n import current_language

    lang = current_language()
    return [c.title[0] if lang == "en" else t_chinese(c.title[1]) for c in COLUMNS]


def t_chinese(text: str) -> str:
    from ..i18n import _to_simplified, current_language

    return _to_simplified(text) if current_language() == "zh-Hans" else text


def cells(row: ProblemRow) -> list[object]:
    return [c.value(row) for c in COLUMNS]


def write_ledger(
    store_rows: Iterable[ProblemRow],
    out: Path,
    fmt: str,
    *,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Write the ledger; the file appears under its name only when complete. Returns rows."""
    if fmt not in FORMATS:
        raise InvalidInput(f"unknown format {fmt!r}; use csv or xlsx", where="--format")
    if not out.parent.is_dir():
        raise InvalidInput(t("err.folder_missing", folder=out.parent), where=str(out))
    if not os.access(out.parent, os.W_OK):
        raise InvalidInput(t("err.folder_readonly", folder=out.parent), where=str(out))
    fd, tmp_name = tempfile.mkstemp(prefix=".ledger-", suffix=f".{fmt}", dir=out.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        writer = _write_csv if fmt == "csv" else _write_xlsx
        count = writer(_counted(store_rows, progress), tmp)
        os.replace(tmp, out)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return count


def _counted(
    rows: Iterable[ProblemRow], progress: Callable[[int], None] | None
) -> Iterator[ProblemRow]:
    for index, row in enumerate(rows, 1):
        if progress and index % 5000 == 0:
            progress(index)
        yield row


def _write_csv(rows: Iterable[ProblemRow], path: Path) -> int:
    count = 0
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(headers())
        for row in rows:
            writer.writerow(
                [
                    "" if v is None else v.isoformat() if isinstance(v, dt.date) else v
                    for v in cells(row)
                ]
            )
            count += 1
    return count


def _write_xlsx(rows: Iterable[ProblemRow], path: Path) -> int:
    import xlsxwriter

    book = xlsxwriter.Workbook(
        str(path), {"constant_memory": True, "strings_to_formulas": False, "strings_to_urls": False}
    )
    try:
        sheet = book.add_worksheet(t_chinese("整改台賬") if _lang() != "en" else "Ledger")
        bold = book.add_format(
            {"bold": True, "bg_color": "#D9E1F2", "border": 1, "text_wrap": True, "valign": "top"}
        )
        date_format = book.add_format({"num_format": "yyyy-mm-dd", "valign": "top"})
        text_format = book.add_format({"valign": "top"})
        titles = headers()
        widths = [cell_len(title) + 2 for title in titles]
        # widths must be set before rows in constant-memory mode: measure a sample first
        sample: list[ProblemRow] = []
        iterator = iter(rows)
        for row in iterator:
            sample.append(row)
            if len(sample) >= 500:
                break
        for row in sample:
            for index, value in enumerate(cells(row)):
                width = 11 if isinstance(value, dt.date) else cell_len(str(value or "")) + 2
                widths[index] = max(widths[index], min(width, COLUMNS[index].max_width))
        for index, width in enumerate(widths):
            sheet.set_column(index, index, width)
        sheet.freeze_panes(1, 2)  # header row and the unit stay in view
        for index, title in enumerate(titles):
            sheet.write_string(0, index, title, bold)
        count = 0
        for row in _chain(sample, iterator):
            count += 1
            for index, value in enumerate(cells(row)):
                if value is None or value == "":
                    continue
                if isinstance(value, dt.date):
                    sheet.write_datetime(
                        count, index, dt.datetime.combine(value, dt.time()), date_format
                    )
                elif isinstance(value, int | float):
                    sheet.write_number(count, index, value)
                else:
                    sheet.write_string(count, index, str(value), text_format)
        sheet.autofilter(0, 0, max(count, 1), len(titles) - 1)
    finally:
        book.close()
    return count


def _chain(first: list[ProblemRow], rest: Iterator[ProblemRow]) -> Iterator[ProblemRow]:
    yield from first
    yield from rest


def _lang() -> str:
    from ..i18n import current_language

    return current_language()


def export(
    store: Store,
    f: ProblemFilter,
    today: dt.date,
    out: Path,
    fmt: str,
    *,
    progress: Callable[[int], None] | None = None,
) -> int:
    """The ledger of the problems matching ``f`` (as the problems screen shows them)."""
    return write_ledger(iterate(store, f, today), out, fmt, progress=progress)
