"""Self-reports (支部上報): each month units report their own indicator results, and spot
checks keep them honest.

- ``write_template`` makes the file a unit fills in (xlsx or csv): one row per unit and
  indicator of the month's indicator system, with the maximum beside each.
- ``import_file`` reads a filled file (csv or xlsx) for one month. The whole file is
  checked first; if any row is bad (unknown unit, unknown indicator, a score that is not a
  number, negative or above the indicator's maximum, another month, the same unit and
  indicator twice) nothing is imported and every bad row is named. A blank score means not
  reported (the row is skipped); ``n/a`` (or 不適用, ``-``) means not applicable.
  Importing again updates the rows it names; a published month is read-only.
- ``self_report_for`` / ``self_reports_for_inspection`` put a unit's self-report beside each
  indicator during an inspection.
- ``over_reporting`` lists the units whose self-reported score exceeds the inspected score
  by more than a margin (points of 100), for follow-up.
"""

from __future__ import annotations

import csv
import datetime as dt
import math
import os
import tempfile
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rich.cells import cell_len

from ..errors import DataFileError, InvalidInput, ReadOnlyRecord
from ..models import Checklist, IndicatorKind, UnitKind
from ..rules import clean_text
from ..store import Store
from .checklists import get_checklist, newest_checklist
from .ranking import RANKED_KINDS, check_month, month_bounds, month_of, parse_month

FORMATS = ("csv", "xlsx")
NOT_APPLICABLE = frozenset({"n/a", "na", "-", "不適用", "不适用", "not applicable"})

# (key, Traditional Chinese title): headers are written "單位代碼 unit_code" and read by
# either part (or the Simplified title)
COLUMNS: tuple[tuple[str, str], ...] = (
    ("month", "月份"),
    ("unit_code", "單位代碼"),
    ("unit", "單位名稱"),
    ("system", "指標體系"),
    ("indicator_code", "指標代碼"),
    ("indicator", "指標名稱"),
    ("max_score", "滿分"),
    ("score", "自報得分"),
    ("remark", "說明"),
)
REQUIRED = ("unit_code", "indicator_code", "score")
_SIMPLIFIED = {
    "單位代碼": "单位代码",
    "單位名稱": "单位名称",
    "指標體系": "指标体系",
    "指標代碼": "指标代码",
    "指標名稱": "指标名称",
    "滿分": "满分",
    "自報得分": "自报得分",
    "說明": "说明",
}


def _header_key(cell: object) -> str | None:
    text = str(cell or "").strip()
    if not text:
        return None
    keys = {k for k, _ in COLUMNS}
    lowered = text.lower()
    if lowered in keys:
        return lowered
    last = lowered.split()[-1]
    if last in keys:
        return last
    for key, title in COLUMNS:
        if text in (title, _SIMPLIFIED.get(title, title)) or text.split()[0] in (
            title,
            _SIMPLIFIED.get(title, title),
        ):
            return key
    return None


# ---------------------------------------------------------------------- the month's system


def month_checklist(store: Store, month: str) -> Checklist:
    """The indicator system units report against for ``month``: the one most used by the
    month's signed-off inspections; else the one the latest earlier inspection used; else
    the newest."""
    start, end = month_bounds(month)
    row = store.one(
        "SELECT checklist_id FROM inspections WHERE state = 'signed_off' AND date >= ? AND date < ? "
        "GROUP BY checklist_id ORDER BY count(*) DESC, checklist_id LIMIT 1",
        (start.isoformat(), end.isoformat()),
    ) or store.one(
        "SELECT checklist_id FROM inspections WHERE state = 'signed_off' AND date < ? "
        "ORDER BY date DESC, id LIMIT 1",
        (start.isoformat(),),
    )
    if row:
        return get_checklist(store, row["checklist_id"])
    return newest_checklist(store)


def _system_label(checklist: Checklist) -> str:
    return f"{checklist.code}:{checklist.version}"


def _indicators(store: Store, checklist_id: str) -> dict[str, dict[str, Any]]:
    rows = store.all(
        "SELECT id, code, title, max_score, weight, kind FROM indicators WHERE checklist_id = ? "
        "ORDER BY position",
        (checklist_id,),
    )
    return {r["code"]: r for r in rows}


def _ranked_units(store: Store, unit_ids: Sequence[str] | None = None) -> list[dict[str, Any]]:
    marks = ",".join("?" * len(RANKED_KINDS))
    rows = store.all(
        f"SELECT id, code, name, kind FROM units WHERE kind IN ({marks}) ORDER BY code",
        tuple(k.value for k in RANKED_KINDS),
    )
    if unit_ids is not None:
        wanted = set(unit_ids)
        rows = [r for r in rows if r["id"] in wanted or r["code"] in wanted]
    return rows


# ---------------------------------------------------------------------- the template


def write_template(
    store: Store,
    month: str,
    out: Path,
    *,
    fmt: str | None = None,
    unit_ids: Sequence[str] | None = None,
) -> int:
    """Write the self-report template of ``month`` (one row per unit and indicator, score
    blank) as csv or xlsx (default: from the file's suffix). Returns the rows written."""
    month = check_month(month, store.clock.today())
    fmt = (fmt or out.suffix.lstrip(".")).lower()
    if fmt not in FORMATS:
        raise InvalidInput(f"unknown format {fmt!r}; use csv or xlsx", where=str(out))
    checklist = month_checklist(store, month)
    indicators = list(_indicators(store, checklist.id).values())
    units = _ranked_units(store, unit_ids)
    if unit_ids is not None and not units:
        raise InvalidInput("none of the units given is a branch or general branch", where="unit")
    label = _system_label(checklist)
    rows = [
        {
            "month": month,
            "unit_code": u["code"],
            "unit": u["name"],
            "system": label,
            "indicator_code": i["code"],
            "indicator": i["title"],
            "max_score": i["max_score"],
            "score": None,
            "remark": "",
        }
        for u in units
        for i in indicators
    ]
    _write_atomically(out, fmt, rows)
    return len(rows)


def _headers() -> list[str]:
    return [f"{title} {key}" for key, title in COLUMNS]


def _write_atomically(out: Path, fmt: str, rows: list[dict[str, Any]]) -> None:
    if not out.parent.is_dir():
        raise InvalidInput(f"the folder {out.parent} does not exist", where=str(out))
    if not os.access(out.parent, os.W_OK):
        raise InvalidInput(f"the folder {out.parent} is read-only", where=str(out))
    fd, name = tempfile.mkstemp(prefix=".selfreport-", suffix=f".{fmt}", dir=out.parent)
    os.close(fd)
    tmp = Path(name)
    try:
        (_write_csv if fmt == "csv" else _write_xlsx)(tmp, rows)
        os.replace(tmp, out)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _write_csv(path: Path, rows: list[dict[str, Any]]) -> None:
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(_headers())
        for row in rows:
            writer.writerow(["" if row[k] is None else row[k] for k, _ in COLUMNS])


def _write_xlsx(path: Path, rows: list[dict[str, Any]]) -> None:
    import xlsxwriter

    book = xlsxwriter.Workbook(
        str(path),
        {
            "constant_memory": True,  # a large organisation's template is 20 rows per unit
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
        },
    )
    try:
        sheet = book.add_worksheet("自報 Self-report")
        bold = book.add_format({"bold": True, "bg_color": "#D9E1F2", "border": 1, "valign": "top"})
        entry = book.add_format({"bg_color": "#FFF2CC", "border": 1})
        headers = _headers()
        widths = [cell_len(h) + 2 for h in headers]
        for row in rows[:500]:
            for index, (key, _) in enumerate(COLUMNS):
                widths[index] = max(widths[index], min(40, cell_len(str(row[key] or "")) + 2))
        for index, width in enumerate(widths):
            sheet.set_column(index, index, width)
        sheet.freeze_panes(1, 3)
        for index, title in enumerate(headers):
            sheet.write_string(0, index, title, bold)
        score_col = [k for k, _ in COLUMNS].index("score")
        validate = len(rows) <= 20_000
        for number, row in enumerate(rows, start=1):
            for index, (key, _) in enumerate(COLUMNS):
                value = row[key]
                if key == "score":
                    sheet.write_blank(number, index, None, entry)
                elif isinstance(value, int | float):
                    sheet.write_number(number, index, value)
                elif value:
                    sheet.write_string(number, index, str(value))
            if validate:
                sheet.data_validation(
                    number,
                    score_col,
                    number,
                    score_col,
                    {
                        "validate": "decimal",
                        "criteria": "between",
                        "minimum": 0,
                        "maximum": row["max_score"],
                        "ignore_blank": True,
                        "error_message": f"0 – {row['max_score']:g}",
                    },
                )
        sheet.autofilter(0, 0, max(1, len(rows)), len(headers) - 1)
    finally:
        book.close()


# ---------------------------------------------------------------------- reading a file


def read_rows(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """(line or row number, {column key: value}) for each non-empty row of a csv or xlsx
    file; the header row names the columns."""
    suffix = path.suffix.lower()
    if not path.exists():
        raise DataFileError("file does not exist", where=str(path))
    if path.is_dir():
        raise DataFileError("is a directory, not a file", where=str(path))
    if suffix == ".csv":
        yield from _read_csv(path)
    elif suffix in (".xlsx", ".xlsm"):
        yield from _read_xlsx(path)
    else:
        raise DataFileError("is neither .csv nor .xlsx", where=str(path))


def _columns_of(header: Sequence[object], path: Path) -> list[str | None]:
    keys = [_header_key(cell) for cell in header]
    missing = [k for k in REQUIRED if k not in keys]
    if missing:
        raise DataFileError(
            "the header row has no " + ", ".join(f"'{k}'" for k in missing) + " column "
            "(write the template with `inspect-tui selfreport template` to see the columns)",
            where=str(path),
        )
    return keys


def _read_csv(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DataFileError(
            "not UTF-8: save the file as UTF-8 (CSV UTF-8)", where=str(path)
        ) from exc
    except OSError as exc:
        raise DataFileError(f"cannot be read: {exc.strerror}", where=str(path)) from exc
    reader = csv.reader(text.splitlines(keepends=True))
    try:
        header = next(reader)
    except StopIteration:
        raise DataFileError("is empty", where=str(path)) from None
    keys = _columns_of(header, path)
    for cells in reader:
        if not any(c.strip() for c in cells):
            continue
        yield reader.line_num, {k: v for k, v in zip(keys, cells, strict=False) if k}


def _read_xlsx(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    try:
        import openpyxl
    except ImportError as exc:  # pragma: no cover - openpyxl is a dependency
        raise DataFileError(
            "reading .xlsx needs openpyxl; save the file as CSV", where=str(path)
        ) from exc
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # zip or XML damage: openpyxl raises many kinds
        raise DataFileError(f"cannot be read as an xlsx workbook ({exc})", where=str(path)) from exc
    try:
        sheet = book.worksheets[0]
        rows = sheet.iter_rows(values_only=True)
        header = next(rows, None)
        if header is None:
            raise DataFileError("is empty", where=str(path))
        keys = _columns_of(header, path)
        for number, cells in enumerate(rows, start=2):
            if not any(c is not None and str(c).strip() for c in cells):
                continue
            yield number, {k: v for k, v in zip(keys, cells, strict=False) if k}
    finally:
        book.close()


# ---------------------------------------------------------------------- importing


@dataclass(frozen=True)
class ImportSummary:
    month: str
    system: str
    created: int
    updated: int
    unchanged: int
    not_reported: int  # rows with a blank score
    units: int


@dataclass
class _Checked:
    rows: list[dict[str, Any]] = field(default_factory=list)
    bad: list[str] = field(default_factory=list)
    blank: int = 0


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _month_cell(value: object) -> str:
    if isinstance(value, dt.datetime | dt.date):
        return month_of(value if isinstance(value, dt.date) else value.date())
    return _cell_text(value)


def _score(value: object) -> tuple[str, float | None]:
    """('blank' | 'na' | 'ok' | 'bad', the number)."""
    if isinstance(value, bool):
        return "bad", None
    if isinstance(value, int | float):
        number = float(value)
    else:
        text = _cell_text(value)
        if not text:
            return "blank", None
        if text.lower() in NOT_APPLICABLE:
            return "na", None
        try:
            number = float(text.replace(",", "."))
        except ValueError:
            return "bad", None
    if not math.isfinite(number):
        return "bad", None
    return "ok", number


def check_rows(
    store: Store, month: str, rows: Sequence[tuple[int, dict[str, Any]]]
) -> tuple[str, _Checked]:
    """Validate every row against the database; collect every problem, row by row."""
    default = month_checklist(store, month)
    systems = {
        _system_label(c): c
        for c in (get_checklist(store, r["id"]) for r in store.all("SELECT id FROM checklists"))
    }
    indicators: dict[str, dict[str, dict[str, Any]]] = {}
    units = {r["code"]: r for r in store.all("SELECT id, code, name, kind FROM units")}
    ranked = {k.value for k in RANKED_KINDS}
    checked = _Checked()
    seen: dict[tuple[str, str], int] = {}
    used_systems: set[str] = set()
    for number, row in rows:
        problems: list[str] = []
        row_month = _month_cell(row.get("month"))
        if row_month and row_month != month:
            try:
                parse_month(row_month)
                problems.append(f"month {row_month} is not the month imported ({month})")
            except InvalidInput:
                problems.append(f"month {row_month!r} is not a month (YYYY-MM)")
        label = _cell_text(row.get("system"))
        checklist: Checklist | None = default
        if label:
            checklist = systems.get(label)
            if checklist is None:
                problems.append(f"unknown indicator system {label!r} (use code:version)")
        code = _cell_text(row.get("unit_code"))
        unit = units.get(code)
        if not code:
            problems.append("no unit code")
        elif unit is None:
            problems.append(f"unknown unit {code!r}")
        elif unit["kind"] not in ranked:
            problems.append(
                f"unit {code} is a {UnitKind(unit['kind']).value.replace('_', ' ')}; only "
                "branches and general branches report"
            )
        indicator_code = _cell_text(row.get("indicator_code"))
        indicator = None
        if not indicator_code:
            problems.append("no indicator code")
        elif checklist is not None:
            if checklist.id not in indicators:
                indicators[checklist.id] = _indicators(store, checklist.id)
            indicator = indicators[checklist.id].get(indicator_code)
            if indicator is None:
                problems.append(
                    f"unknown indicator {indicator_code!r} in {checklist.code} version "
                    f"{checklist.version}"
                )
        kind, score = _score(row.get("score"))
        if kind == "bad":
            problems.append(f"score {_cell_text(row.get('score'))!r} is not a number")
        elif kind == "ok" and score is not None:
            if score < 0:
                problems.append(f"score {score:g} is negative")
            elif indicator is not None and score > indicator["max_score"]:
                problems.append(
                    f"score {score:g} is above the maximum {indicator['max_score']:g} of "
                    f"{indicator['code']}"
                )
        remark = _cell_text(row.get("remark"))
        try:
            remark = clean_text("remark", remark, limit=2000)
        except InvalidInput as exc:
            problems.append(exc.message)
        if unit is not None and indicator is not None:
            key = (unit["id"], indicator["id"])
            if key in seen:
                problems.append(
                    f"unit {code} and indicator {indicator_code} were already given in row {seen[key]}"
                )
            else:
                seen[key] = number
        if problems:
            checked.bad.append(f"row {number}: " + "; ".join(problems))
            continue
        if kind == "blank":
            checked.blank += 1
            continue
        assert unit is not None and indicator is not None and checklist is not None
        used_systems.add(_system_label(checklist))
        checked.rows.append(
            {
                "month": month,
                "unit_id": unit["id"],
                "indicator_id": indicator["id"],
                "indicator_code": indicator["code"],
                "score": score,
                "remark": remark,
            }
        )
    return ", ".join(sorted(used_systems)) or _system_label(default), checked


def import_file(store: Store, path: Path, month: str) -> ImportSummary:
    """Import a month's self-reports from a csv or xlsx file: all rows, or none."""
    path = Path(path)
    month = check_month(month, store.clock.today())
    _refuse_published(store, month)
    rows = list(read_rows(path))
    if not rows:
        raise DataFileError("has a header but no rows", where=str(path))
    return import_rows(store, month, rows, source=path.name, where=str(path))


def import_rows(
    store: Store,
    month: str,
    rows: Sequence[tuple[int, dict[str, Any]]],
    *,
    source: str = "",
    where: str | None = None,
) -> ImportSummary:
    """Import already-read rows (row number, {column: value}); see ``import_file``."""
    month = check_month(month, store.clock.today())
    _refuse_published(store, month)
    system, checked = check_rows(store, month, rows)
    if checked.bad:
        count = len(checked.bad)
        raise DataFileError(
            f"{count} bad row(s); nothing was imported:\n  " + "\n  ".join(checked.bad),
            where=where or source or "self-report",
        )
    existing = {
        (r["unit_id"], r["indicator_id"]): r
        for r in store.all("SELECT * FROM self_reports WHERE month = ?", (month,))
    }
    created = updated = unchanged = 0
    with store.write():
        _refuse_published(store, month)
        for row in checked.rows:
            values = row | {"source": source, "imported_by": store.user}
            current = existing.get((row["unit_id"], row["indicator_id"]))
            if current is None:
                key = store.key_id("self_report", month, row["unit_id"], row["indicator_id"])
                store.insert("self_reports", {"id": key} | values)
                created += 1
            elif current["score"] != row["score"] or current["remark"] != row["remark"]:
                store.update("self_reports", current["id"], values)
                updated += 1
            else:
                unchanged += 1
    return ImportSummary(
        month=month,
        system=system,
        created=created,
        updated=updated,
        unchanged=unchanged,
        not_reported=checked.blank,
        units=len({r["unit_id"] for r in checked.rows}),
    )


def _refuse_published(store: Store, month: str) -> None:
    if store.scalar("SELECT state FROM month_reviews WHERE month = ?", (month,)) == "published":
        raise ReadOnlyRecord(
            f"{month} is published and read-only; reopen it first to change its self-reports",
            where="month",
        )


# ---------------------------------------------------------------------- reading self-reports


@dataclass(frozen=True)
class SelfReport:
    month: str
    unit_id: str
    indicator_id: str
    indicator_code: str
    score: float | None  # None: reported as not applicable
    remark: str
    source: str
    imported_by: str


def _self_report(row: dict[str, Any]) -> SelfReport:
    return SelfReport(
        month=row["month"],
        unit_id=row["unit_id"],
        indicator_id=row["indicator_id"],
        indicator_code=row["indicator_code"],
        score=row["score"],
        remark=row["remark"],
        source=row["source"],
        imported_by=row["imported_by"],
    )


def self_report_for(
    store: Store, unit_id: str, month: str, indicator_code: str
) -> SelfReport | None:
    """What ``unit_id`` reported for ``indicator_code`` in ``month`` (None: nothing)."""
    row = store.one(
        "SELECT * FROM self_reports WHERE unit_id = ? AND month = ? AND indicator_code = ? "
        "ORDER BY updated_at DESC LIMIT 1",
        (unit_id, month, indicator_code),
    )
    return _self_report(row) if row else None


def self_reports_of(store: Store, unit_id: str, month: str) -> dict[str, SelfReport]:
    """A unit's self-reports of a month, by indicator id."""
    rows = store.all("SELECT * FROM self_reports WHERE unit_id = ? AND month = ?", (unit_id, month))
    return {r["indicator_id"]: _self_report(r) for r in rows}


def self_reports_for_inspection(store: Store, inspection_id: str) -> dict[str, SelfReport]:
    """The inspected unit's self-reports for the inspection's month, by the inspection's
    indicator ids (matched by id, else by code within the inspection's system) — what the
    checklist screen shows beside each indicator."""
    inspection = store.get("inspections", inspection_id, "inspection")
    month = str(inspection["date"])[:7]
    reports = self_reports_of(store, inspection["unit_id"], month)
    by_code = {r.indicator_code: r for r in reports.values()}
    out: dict[str, SelfReport] = {}
    for ind in store.all(
        "SELECT id, code FROM indicators WHERE checklist_id = ?", (inspection["checklist_id"],)
    ):
        report = reports.get(ind["id"]) or by_code.get(ind["code"])
        if report is not None:
            out[ind["id"]] = report
    return out


# ---------------------------------------------------------------------- over-reporting


@dataclass(frozen=True)
class IndicatorGap:
    indicator_id: str
    code: str
    title: str
    max_score: float
    reported: float
    inspected: float  # mean over the month's signed-off inspections

    @property
    def gap(self) -> float:
        return round(self.reported - self.inspected, 4)


@dataclass(frozen=True)
class OverReport:
    """A unit whose self-report exceeds what spot checks found (possible over-reporting)."""

    month: str
    unit_id: str
    unit_code: str
    unit_name: str
    reported_percent: float
    inspected_percent: float
    indicators: tuple[IndicatorGap, ...]  # where it reported more than was found, most first

    @property
    def gap(self) -> float:
        """Points (of 100) the self-report exceeds the inspected score by."""
        return round(self.reported_percent - self.inspected_percent, 2)


def compare(store: Store, month: str) -> list[OverReport]:
    """Every unit with both a self-report and a signed-off inspection in ``month``: the
    self-reported and inspected percentages over the indicators both cover (applicable in
    both; bonus items left out), highest gap first."""
    parse_month(month)
    start, end = month_bounds(month)
    inspected: dict[tuple[str, str], float] = {}
    for unit, indicator, mean in store.conn.execute(
        "SELECT i.unit_id, a.indicator_id, avg(a.score) FROM answers AS a "
        "JOIN inspections AS i ON i.id = a.inspection_id "
        "WHERE i.state = 'signed_off' AND i.date >= ? AND i.date < ? AND a.score IS NOT NULL "
        "AND i.unit_id IN (SELECT unit_id FROM self_reports WHERE month = ?) "
        "GROUP BY i.unit_id, a.indicator_id",
        (start.isoformat(), end.isoformat(), month),
    ):
        inspected[(unit, indicator)] = float(mean)
    if not inspected:
        return []
    reports = store.all(
        "SELECT s.unit_id, s.indicator_id, s.score, d.code, d.title, d.max_score, d.weight, d.kind, "
        "u.code AS unit_code, u.name AS unit_name "
        "FROM self_reports AS s JOIN indicators AS d ON d.id = s.indicator_id "
        "JOIN units AS u ON u.id = s.unit_id WHERE s.month = ? AND s.score IS NOT NULL",
        (month,),
    )
    grouped: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in reports:
        if (
            row["kind"] != IndicatorKind.BONUS.value
            and (row["unit_id"], row["indicator_id"]) in inspected
        ):
            grouped[row["unit_id"]].append(row)
    out = []
    for unit, rows in grouped.items():
        possible = sum(r["max_score"] * r["weight"] for r in rows)
        if possible <= 0:
            continue
        reported = sum(r["score"] * r["weight"] for r in rows)
        found = sum(inspected[(unit, r["indicator_id"])] * r["weight"] for r in rows)
        gaps = sorted(
            (
                IndicatorGap(
                    indicator_id=r["indicator_id"],
                    code=r["code"],
                    title=r["title"],
                    max_score=r["max_score"],
                    reported=r["score"],
                    inspected=round(inspected[(unit, r["indicator_id"])], 4),
                )
                for r in rows
                if r["score"] > inspected[(unit, r["indicator_id"])] + 1e-9
            ),
            key=lambda g: (-g.gap, g.code),
        )
        out.append(
            OverReport(
                month=month,
                unit_id=unit,
                unit_code=rows[0]["unit_code"],
                unit_name=rows[0]["unit_name"],
                reported_percent=round(reported / possible * 100, 2),
                inspected_percent=round(found / possible * 100, 2),
                indicators=tuple(gaps),
            )
        )
    out.sort(key=lambda r: (-r.gap, r.unit_code))
    return out


def over_reporting(store: Store, month: str, *, margin: float = 5.0) -> list[OverReport]:
    """The units of ``month`` whose self-reported score exceeds the inspected score by more
    than ``margin`` points (of 100): possible over-reporting, listed for follow-up."""
    if margin < 0:
        raise InvalidInput("the over-reporting margin cannot be negative", where="margin")
    return [r for r in compare(store, month) if r.gap > margin]
