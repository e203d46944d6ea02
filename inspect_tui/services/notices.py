"""Rectification notices (整改通知書): issue them, record them, follow their receipt slips.

How a notice is issued (one unit, or a batch):

1. Everything that can be refused is refused first, before a serial number exists: the
   output folder (missing, not a folder, read-only), a unit without open problems, text
   that no font can print.
2. One write transaction (``BEGIN IMMEDIATE``, so concurrent issuers queue) allocates the
   next serial numbers of (issuing organ, year), renders each PDF to a temporary file in
   the output folder (fsync'd, SHA-256 taken), moves it to its final name, records the
   notice and the problems it lists, and commits. If anything fails, the temporary and
   final files of the transaction are removed and the transaction rolls back: no serial
   number is used without a record, no record exists without its file.

A batch is all or nothing. Rendering runs in worker processes (see ``start_method``;
started while the parent still reads the database) when the batch is large enough; the parent
allocates the serial numbers inside the transaction, so they never repeat and never
leave gaps, and syncs the files in two threads while the workers go on rendering. The
write lock is held for the whole batch (about 10 s for 1,000 notices on 2 cores): other
writers wait for it (SQLite's busy timeout is 30 s).

File names: ``渭供黨-2026-0012_機關第一黨支部.pdf`` — the organ's short name, the year,
the serial number zero-padded to four digits (so names sort in issuing order) and the
unit's name, made safe on every filesystem (``safe_file_name``). An existing file is
never replaced: the new notice takes the next free name (``…-2.pdf``), and the record
stores the real path.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import multiprocessing
import os
import re
import sys
import tempfile
import threading
import unicodedata
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from ..errors import InvalidInput, NotFound
from ..i18n import t
from ..models import Notice, Problem, Unit
from ..notices.fonts import FontSet, load_fonts
from ..notices.notice import (
    InspectionRef,
    NoticeContent,
    NoticeProblem,
    Rendered,
    RenderJob,
    Wording,
    fsync_file,
    init_worker,
    render_job,
    warm_up,
)
from ..notices.report import MonthFigures, ProblemStats, RankLine, ReportData, render_report
from ..notices.template import NoticeTemplate, load_template
from ..store import Store
from .units import get_unit

Progress = Callable[[int, int, str], None]
"""Called after each notice is rendered: (done, total, unit name)."""

POOL_THRESHOLD = 8  # smaller batches render in this process: starting workers costs more
NAME_BYTES = 180  # a file name's UTF-8 length limit, below the common 255 with room to spare
_WINDOWS_RESERVED = re.compile(r"^(CON|PRN|AUX|NUL|COM[0-9¹²³]|LPT[0-9¹²³])$", re.IGNORECASE)
_UNSAFE = re.compile(r'[\x00-\x1f\x7f<>:"/\\|?*]')
_SERIAL_TEXT = re.compile(
    r"^\s*(?P<short>.*?)\s*[〔\[［(（]\s*(?P<year>\d{4})\s*[〕\]］)）]\s*第?\s*(?P<n>\d+)\s*[號号]?\s*$"
)
_YEAR_N = re.compile(r"^\s*(?P<year>\d{4})\s*[-/]\s*(?P<n>\d+)\s*$")


@dataclass(frozen=True)
class IssuedNotice:
    notice: Notice
    serial: str  # as printed
    unit: Unit
    path: Path
    pages: int
    problems: int
    render_cpu_s: float = 0.0


@dataclass(frozen=True)
class Skipped:
    unit: Unit
    reason: str


@dataclass(frozen=True)
class BatchResult:
    issued: list[IssuedNotice]
    skipped: list[Skipped]
    render_cpu_s: float = 0.0  # processor time spent rendering, summed over workers


# ---------------------------------------------------------------------- file names


def safe_file_name(name: str, *, limit: int = NAME_BYTES) -> str:
    """``name`` made safe as one file name on Linux, macOS and Windows.

    NFC-normalised; path separators, Windows-reserved characters (``<>:"/\\|?*``) and
    control characters become ``_``; leading dots and spaces and trailing dots and spaces
    (which Windows drops) are removed; a Windows device name (CON, NUL, COM1 …) gets a
    leading ``_``; the result is cut to ``limit`` bytes of UTF-8 at a character boundary.
    Never empty, never ``.`` or ``..``.
    """
    text = unicodedata.normalize("NFC", name)
    text = _UNSAFE.sub("_", text)
    text = "".join("_" if unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp") else c for c in text)
    text = text.strip(" .")
    if _WINDOWS_RESERVED.match(text.split(".")[0].strip()):
        text = "_" + text
    encoded = text.encode("utf-8")
    if len(encoded) > limit:
        text = encoded[:limit].decode("utf-8", errors="ignore").rstrip(" .")
    return text or "_"


def notice_file_name(organ_short: str, year: int, serial: int, unit_name: str) -> str:
    """``渭供黨-2026-0012_機關第一黨支部.pdf``: sorts by organ, year and serial number."""
    head = safe_file_name(f"{organ_short}-{year}-{serial:04d}", limit=60)
    rest = NAME_BYTES - len(head.encode()) - len(".pdf") - 1
    return f"{head}_{safe_file_name(unit_name, limit=rest)}.pdf"


def _check_out_dir(out_dir: Path) -> Path:
    """The output folder must exist and take new files; tried for real (root ignores modes)."""
    where = str(out_dir)
    if not out_dir.exists():
        raise InvalidInput(t("err.out_folder_missing"), where=where)
    if not out_dir.is_dir():
        raise InvalidInput(t("err.not_a_folder"), where=where)
    try:
        fd, probe = tempfile.mkstemp(prefix=".inspect-tui-probe-", dir=out_dir)
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        raise InvalidInput(
            t("err.notice_folder_unwritable", reason=exc.strerror or exc),
            where=where,
        ) from exc
    return out_dir.resolve()


def _place(tmp: Path, wanted: Path) -> Path:
    """Give ``tmp`` the name ``wanted``, or ``wanted-2``, ``-3`` … if taken; never replace.

    A hard link fails when the name exists, atomically, so two issuers cannot both take
    one name; where links are not supported (FAT, some network shares) the check and the
    rename are separate steps.
    """
    for n in range(1, 1000):
        candidate = wanted if n == 1 else wanted.with_name(f"{wanted.stem}-{n}{wanted.suffix}")
        try:
            os.link(tmp, candidate)
        except FileExistsError:
            continue
        except OSError:
            if os.path.lexists(candidate):
                continue
            os.rename(tmp, candidate)
            return candidate
        os.unlink(tmp)
        return candidate
    raise InvalidInput(f"too many files named like {wanted.name}", where=str(wanted.parent))


def _fsync_dir(folder: Path) -> None:
    if os.name != "posix":
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


# ---------------------------------------------------------------------- reading


def serial_text(notice: Notice, template: NoticeTemplate | None = None) -> str:
    """The serial number as printed (渭供黨〔2026〕第12號)."""
    fmt = template.serial_format if template else "{short}〔{year}〕第{number}號"
    return fmt.format(short=notice.organ, year=notice.year, number=notice.serial)


def get_notice(store: Store, key: str) -> Notice:
    """A notice by id, by its printed serial number (渭供黨〔2026〕第12號, also with [ ] or
    号) or by YEAR-NUMBER (2026-12) when only one issuing organ used that number."""
    row = store.one("SELECT * FROM notices WHERE id = ?", (key,))
    if row is None:
        rows: list[dict[str, Any]] = []
        match = _SERIAL_TEXT.match(key)
        if match:
            rows = store.all(
                "SELECT * FROM notices WHERE organ = ? AND year = ? AND serial = ?",
                (match["short"], int(match["year"]), int(match["n"])),
            )
        elif match := _YEAR_N.match(key):
            rows = store.all(
                "SELECT * FROM notices WHERE year = ? AND serial = ? ORDER BY organ",
                (int(match["year"]), int(match["n"])),
            )
            if len(rows) > 1:
                options = ", ".join(serial_text(Notice.model_validate(r)) for r in rows)
                raise InvalidInput(
                    f"{key!r} matches several notices ({options}); give the full serial number"
                )
        if not rows:
            raise NotFound(
                f"no notice {key!r} (give its id, its serial number as printed, "
                "e.g. 渭供黨〔2026〕第12號, or YEAR-NUMBER, e.g. 2026-12)"
            )
        row = rows[0]
    return Notice.model_validate(row)


def notices_of_unit(store: Store, unit: str) -> list[Notice]:
    """A unit's notices, oldest first."""
    unit_id = get_unit(store, unit).id
    rows = store.all(
        "SELECT * FROM notices WHERE unit_id = ? ORDER BY issued_on, year, serial", (unit_id,)
    )
    return [Notice.model_validate(r) for r in rows]


def notices_of_problem(store: Store, problem_id: str) -> list[Notice]:
    """The notices that listed a problem, oldest first (a problem's page shows them)."""
    rows = store.all(
        "SELECT n.* FROM notices AS n JOIN notice_problems AS p ON p.notice_id = n.id "
        "WHERE p.problem_id = ? ORDER BY n.issued_on, n.year, n.serial",
        (problem_id,),
    )
    return [Notice.model_validate(r) for r in rows]


@dataclass(frozen=True)
class NoticeListing:
    """A notice as ``notices list`` shows it: its unit, how many problems it listed,
    the notice it replaced, and whether its file is still as recorded."""

    notice: Notice
    unit_code: str
    unit_name: str
    problems: int
    replaces: Notice | None
    file_ok: bool


def listing(
    store: Store, *, unit: str | None = None, problem_id: str | None = None
) -> list[NoticeListing]:
    """Every notice (or a unit's, or those that listed a problem), oldest first."""
    if unit:
        chosen = notices_of_unit(store, unit)
    elif problem_id:
        chosen = notices_of_problem(store, problem_id)
    else:
        rows = store.all("SELECT * FROM notices ORDER BY issued_on, year, serial")
        chosen = [Notice.model_validate(r) for r in rows]
    by_id = {n.id: n for n in chosen}
    facts = {
        r["id"]: r
        for r in store.all(
            """SELECT n.id, u.code, u.name, n.replaces_id,
                      (SELECT count(*) FROM notice_problems p WHERE p.notice_id = n.id) AS problems
               FROM notices n JOIN units u ON u.id = n.unit_id
               WHERE n.id IN (SELECT value FROM json_each(?))""",
            (json.dumps(list(by_id)),),
        )
    }
    replaced = {
        r["id"]: Notice.model_validate(r)
        for r in store.all(
            "SELECT * FROM notices WHERE id IN (SELECT value FROM json_each(?))",
            (json.dumps([f["replaces_id"] for f in facts.values() if f["replaces_id"]]),),
        )
    }
    return [
        NoticeListing(
            notice=n,
            unit_code=facts[n.id]["code"],
            unit_name=facts[n.id]["name"],
            problems=facts[n.id]["problems"],
            replaces=replaced.get(facts[n.id]["replaces_id"] or ""),
            file_ok=verify_file(n),
        )
        for n in chosen
    ]


def problems_of_notice(store: Store, notice_id: str) -> list[Problem]:
    """The problems a notice listed, in its order (as they are now, not as printed)."""
    rows = store.all(
        "SELECT p.* FROM problems AS p JOIN notice_problems AS np ON np.problem_id = p.id "
        "WHERE np.notice_id = ? ORDER BY np.position",
        (notice_id,),
    )
    return [Problem.model_validate(r) for r in rows]


def replaced_by(store: Store, notice_id: str) -> Notice | None:
    row = store.one("SELECT * FROM notices WHERE replaces_id = ?", (notice_id,))
    return Notice.model_validate(row) if row else None


def verify_file(notice: Notice) -> bool:
    """Whether the notice's file is still there with the content recorded."""
    if not notice.path or not notice.sha256:
        return False
    try:
        data = Path(notice.path).read_bytes()
    except OSError:
        return False
    return hashlib.sha256(data).hexdigest() == notice.sha256


def open_problem_rows(store: Store, unit_id: str) -> list[dict[str, Any]]:
    """What a notice lists: the unit's problems not yet closed, earliest deadline first."""
    return store.all(
        "SELECT p.*, i.code AS indicator_code, i.title AS indicator_title "
        "FROM problems AS p LEFT JOIN indicators AS i ON i.id = p.indicator_id "
        "WHERE p.unit_id = ? AND p.state != 'closed' "
        "ORDER BY p.deadline, p.found_on, p.created_at, p.id",
        (unit_id,),
    )


def lagging_units(store: Store, month: str | None = None) -> tuple[str, list[Unit]]:
    """The month (default: the latest with results) and its lagging units, lowest rank first."""
    from .ranking import parse_month

    if month is None:
        month = store.scalar("SELECT max(month) FROM monthly_results")
        if not month:
            raise InvalidInput(t("err.no_results_yet"), where="month")
    parse_month(month)
    if not store.scalar("SELECT 1 FROM monthly_results WHERE month = ? LIMIT 1", (month,)):
        raise InvalidInput(
            t("err.no_results_for", month=month),
            where="month",
        )
    rows = store.all(
        "SELECT u.* FROM monthly_results AS m JOIN units AS u ON u.id = m.unit_id "
        "WHERE m.month = ? AND m.lagging = 1 ORDER BY m.rank IS NULL, m.rank DESC, u.code",
        (month,),
    )
    return month, [Unit.model_validate(r) for r in rows]


# ---------------------------------------------------------------------- content


@dataclass(frozen=True)
class _Plan:
    unit: Unit
    problem_ids: tuple[str, ...]
    content: NoticeContent
    replaces_id: str | None


def _content(
    store: Store, unit: Unit, rows: list[dict[str, Any]], *, today: dt.date, replaces: str | None
) -> NoticeContent:
    inspection_ids = sorted({r["inspection_id"] for r in rows if r["inspection_id"]})
    inspections: list[dict[str, Any]] = []
    if inspection_ids:
        marks = ",".join("?" * len(inspection_ids))
        inspections = store.all(
            "SELECT i.date, i.kind, i.team, c.title, c.version FROM inspections AS i "
            f"JOIN checklists AS c ON c.id = i.checklist_id WHERE i.id IN ({marks}) "
            "ORDER BY i.date, i.id",
            tuple(inspection_ids),
        )
    checklists = tuple(dict.fromkeys(r["title"] for r in inspections))
    return NoticeContent(
        serial="",
        unit_name=unit.name,
        unit_kind=unit.kind.value,
        issued_on=today,
        checklists=checklists,
        inspections=tuple(
            InspectionRef(
                date=dt.date.fromisoformat(r["date"]), kind=r["kind"], team=tuple(r["team"] or ())
            )
            for r in inspections
        ),
        problems=tuple(
            NoticeProblem(
                description=r["description"],
                requirement=r["requirement"],
                responsible=r["responsible"],
                deadline=dt.date.fromisoformat(r["deadline"]),
                indicator=(
                    f"{r['indicator_code']} {r['indicator_title']}" if r["indicator_code"] else ""
                ),
            )
            for r in rows
        ),
        replaces=replaces,
    )


def _plan(
    store: Store,
    unit: Unit,
    *,
    template: NoticeTemplate,
    fonts: FontSet,
    today: dt.date,
    replaces: Notice | None = None,
) -> _Plan | None:
    rows = open_problem_rows(store, unit.id)
    if not rows:
        return None
    content = _content(
        store,
        unit,
        rows,
        today=today,
        replaces=serial_text(replaces, template) if replaces else None,
    )
    # the real serial is only known inside the transaction; its digits are checked here
    probe = replace(content, serial=template.serial_text(today.year, 1234567890))
    fonts.check(Wording(probe, template).texts(), where=f"unit {unit.code} ({unit.name})")
    return _Plan(unit, tuple(r["id"] for r in rows), content, replaces.id if replaces else None)


# ---------------------------------------------------------------------- rendering


class _Renderer:
    """Renders notices in this process, or in worker processes started ahead of time (so
    they import and load fonts while the parent reads the database and checks the text).
    """

    def __init__(
        self, template: NoticeTemplate, fonts: FontSet, *, workers: int, expected: int
    ) -> None:
        self.template = template
        self.fonts = fonts
        self.pool: ProcessPoolExecutor | None = None
        if workers > 1 and expected >= POOL_THRESHOLD:
            self.pool = ProcessPoolExecutor(
                max_workers=workers,
                mp_context=multiprocessing.get_context(start_method()),
                initializer=init_worker,
                initargs=(fonts.spec, template),
            )
            self.workers = workers
            for _ in range(workers):
                self.pool.submit(warm_up)

    def run(self, jobs: list[RenderJob], progress: Progress | None) -> Iterator[Rendered]:
        total = len(jobs)
        if self.pool is None:
            results: Iterable[Rendered] = (
                render_job(job, self.template, self.fonts) for job in jobs
            )
        else:
            chunk = max(1, min(16, total // (self.workers * 8)))
            unsynced = [replace(job, fsync=False) for job in jobs]
            results = _synced(self.pool.map(render_job, unsynced, chunksize=chunk))
        for done, (job, result) in enumerate(zip(jobs, results, strict=True), start=1):
            if progress:
                progress(done, total, job.content.unit_name)
            yield result

    def close(self, *, failed: bool) -> None:
        if self.pool is not None:
            # after success the workers only have to exit; nobody needs to wait for that
            self.pool.shutdown(wait=failed, cancel_futures=True)
            self.pool = None


def _synced(results: Iterable[Rendered], depth: int = 16) -> Iterator[Rendered]:
    """``results`` in order, each only once its file is on disk: the fsyncs run in two
    threads of this process while the workers go on rendering (fsync waits on the disk,
    not the processor)."""
    with ThreadPoolExecutor(max_workers=2, thread_name_prefix="notice-fsync") as syncing:
        pending: deque[tuple[Rendered, Future[None]]] = deque()
        for result in results:
            pending.append((result, syncing.submit(fsync_file, result.tmp)))
            while pending and (pending[0][1].done() or len(pending) > depth):
                done, future = pending.popleft()
                future.result()
                yield done
        while pending:
            done, future = pending.popleft()
            future.result()
            yield done


def start_method() -> str:
    """How worker processes start: ``fork`` from a single-threaded process on Linux (the
    workers begin at once, fonts loaded; they never touch the parent's SQLite connection
    and leave with ``os._exit``), else ``spawn`` — forking a process with threads (the
    TUI) or on macOS can deadlock."""
    if (
        sys.platform.startswith("linux")
        and "fork" in multiprocessing.get_all_start_methods()
        and threading.active_count() == 1
    ):
        return "fork"
    return "spawn"


def default_workers() -> int:
    count = os.process_cpu_count() if hasattr(os, "process_cpu_count") else os.cpu_count()
    return max(1, min(count or 1, 8))


# ---------------------------------------------------------------------- issuing


def _issue(
    store: Store,
    plans: list[_Plan],
    *,
    out_dir: Path,
    template: NoticeTemplate,
    renderer: _Renderer,
    progress: Progress | None,
) -> list[IssuedNotice]:
    today = store.clock.today()
    organ = template.organ_short
    made: list[Path] = []  # every file this call created, removed again on failure
    issued: list[IssuedNotice] = []
    try:
        with store.write():
            last = store.scalar(
                "SELECT coalesce(max(serial), 0) FROM notices WHERE organ = ? AND year = ?",
                (organ, today.year),
            )
            jobs: list[RenderJob] = []
            for offset, plan in enumerate(plans, start=1):
                fd, tmp = tempfile.mkstemp(prefix=".notice-", suffix=".pdf.partial", dir=out_dir)
                os.close(fd)
                made.append(Path(tmp))
                content = replace(
                    plan.content,
                    serial=template.serial_text(today.year, last + offset),
                    issued_on=today,
                )
                jobs.append(RenderJob(content, tmp))
            rendered = renderer.run(jobs, progress)
            for offset, (plan, job, result) in enumerate(
                zip(plans, jobs, rendered, strict=True), start=1
            ):
                number = last + offset
                wanted = out_dir / notice_file_name(organ, today.year, number, plan.unit.name)
                final = _place(Path(result.tmp), wanted)
                made.append(final)
                row = store.insert(
                    "notices",
                    {
                        "unit_id": plan.unit.id,
                        "organ": organ,
                        "year": today.year,
                        "serial": number,
                        "issued_on": today,
                        "sha256": result.sha256,
                        "path": str(final),
                        "received_on": None,
                        "replaces_id": plan.replaces_id,
                    },
                )
                store.db.table("notice_problems").insert_all(
                    {"notice_id": row["id"], "problem_id": pid, "position": position}
                    for position, pid in enumerate(plan.problem_ids, start=1)
                )
                issued.append(
                    IssuedNotice(
                        notice=Notice.model_validate(store.get("notices", row["id"])),
                        serial=job.content.serial,
                        unit=plan.unit,
                        path=final,
                        pages=result.pages,
                        problems=len(plan.problem_ids),
                        render_cpu_s=result.cpu_s,
                    )
                )
            _fsync_dir(out_dir)
    except BaseException:
        for path in made:
            try:
                path.unlink()
            except FileNotFoundError:
                pass
            except OSError:
                pass  # best effort: the original error is the one to report
        raise
    return issued


def _writable(store: Store) -> None:
    """A read-only database is refused before workers start or files are made."""
    if store.readonly:
        with store.write():  # raises the store's own message
            pass


def _resolve(
    template: NoticeTemplate | Path | None, fonts: FontSet | None
) -> tuple[NoticeTemplate, FontSet]:
    if not isinstance(template, NoticeTemplate):
        template = load_template(template)
    return template, fonts or load_fonts()


def issue_notice(
    store: Store,
    unit: str,
    *,
    out_dir: Path,
    template: NoticeTemplate | Path | None = None,
    fonts: FontSet | None = None,
) -> IssuedNotice:
    """Issue a notice to one unit (id or code) listing its problems not yet closed.

    Refuses (consuming no serial number, writing nothing) a unit without open problems,
    a missing or read-only ``out_dir`` and text that no font can print.
    """
    tpl, fset = _resolve(template, fonts)
    _writable(store)
    target = _check_out_dir(Path(out_dir))
    unit_row = get_unit(store, unit)
    plan = _plan(store, unit_row, template=tpl, fonts=fset, today=store.clock.today())
    if plan is None:
        raise InvalidInput(t("err.notice_nothing_open", unit=unit_row.name, code=unit_row.code))
    renderer = _Renderer(tpl, fset, workers=1, expected=1)
    return _issue(store, [plan], out_dir=target, template=tpl, renderer=renderer, progress=None)[0]


def issue_batch(
    store: Store,
    units: Iterable[str | Unit],
    *,
    out_dir: Path,
    template: NoticeTemplate | Path | None = None,
    fonts: FontSet | None = None,
    workers: int | None = None,
    progress: Progress | None = None,
) -> BatchResult:
    """One notice for each unit that has open problems; the others are reported as skipped.

    All or nothing: every unit's text is checked before anything is written, and a
    failure part-way removes what was written and uses no serial number. ``progress`` is
    called after each rendered notice (for the TUI's progress bar).
    """
    tpl, fset = _resolve(template, fonts)
    _writable(store)
    target = _check_out_dir(Path(out_dir))
    today = store.clock.today()
    rows = [item if isinstance(item, Unit) else get_unit(store, item) for item in units]
    renderer = _Renderer(
        tpl, fset, workers=default_workers() if workers is None else workers, expected=len(rows)
    )
    failed = True
    try:
        plans: list[_Plan] = []
        skipped: list[Skipped] = []
        seen: set[str] = set()
        for unit_row in rows:
            if unit_row.id in seen:
                continue
            seen.add(unit_row.id)
            plan = _plan(store, unit_row, template=tpl, fonts=fset, today=today)
            if plan is None:
                skipped.append(Skipped(unit_row, "no open problems"))
            else:
                plans.append(plan)
        issued = (
            _issue(store, plans, out_dir=target, template=tpl, renderer=renderer, progress=progress)
            if plans
            else []
        )
        failed = False
    finally:
        renderer.close(failed=failed)
    return BatchResult(issued, skipped, sum(i.render_cpu_s for i in issued))


def issue_lagging(
    store: Store,
    month: str | None = None,
    *,
    out_dir: Path,
    template: NoticeTemplate | Path | None = None,
    fonts: FontSet | None = None,
    workers: int | None = None,
    progress: Progress | None = None,
) -> tuple[str, BatchResult]:
    """A notice for every lagging unit of ``month`` (default: the latest month with results)."""
    month, units = lagging_units(store, month)
    _check_out_dir(Path(out_dir))
    result = issue_batch(
        store,
        units,
        out_dir=out_dir,
        template=template,
        fonts=fonts,
        workers=workers,
        progress=progress,
    )
    return month, result


def reissue_notice(
    store: Store,
    key: str,
    *,
    out_dir: Path,
    template: NoticeTemplate | Path | None = None,
    fonts: FontSet | None = None,
) -> IssuedNotice:
    """A new notice (new serial number) for the same unit, listing its problems as they are
    now, linked to the one it replaces (``replaces_id``) and saying so in its text."""
    tpl, fset = _resolve(template, fonts)
    old = get_notice(store, key)
    newer = replaced_by(store, old.id)
    if newer is not None:
        raise InvalidInput(
            t("err.notice_reissued", old=serial_text(old, tpl), newer=serial_text(newer, tpl))
        )
    _writable(store)
    target = _check_out_dir(Path(out_dir))
    unit_row = get_unit(store, old.unit_id)
    plan = _plan(store, unit_row, template=tpl, fonts=fset, today=store.clock.today(), replaces=old)
    if plan is None:
        raise InvalidInput(
            t("err.notice_nothing_to_reissue", unit=unit_row.name, code=unit_row.code)
        )
    renderer = _Renderer(tpl, fset, workers=1, expected=1)
    return _issue(store, [plan], out_dir=target, template=tpl, renderer=renderer, progress=None)[0]


def mark_received(store: Store, key: str, *, on: dt.date) -> Notice:
    """Record that the unit returned the receipt slip (回執) on ``on``."""
    notice = get_notice(store, key)
    shown = serial_text(notice)
    if on > store.clock.today():
        raise InvalidInput(t("err.receipt_in_future", date=on), where="on")
    if on < notice.issued_on:
        raise InvalidInput(
            t("err.receipt_before_issue", date=on, notice=shown, issued=notice.issued_on),
            where="on",
        )
    if notice.received_on is not None:
        if notice.received_on == on:
            return notice
        raise InvalidInput(
            t("err.receipt_already", notice=shown, date=notice.received_on), where="on"
        )
    store.update("notices", notice.id, {"received_on": on})
    return get_notice(store, notice.id)


def printable_check(
    store: Store, units: Sequence[str], *, template: NoticeTemplate, fonts: FontSet
) -> None:
    """Raise ``MissingGlyphs`` if any of the units' notices could not be printed (for the
    TUI, to say so before asking to confirm a batch)."""
    today = store.clock.today()
    for unit in units:
        _plan(store, get_unit(store, unit), template=template, fonts=fonts, today=today)


# ---------------------------------------------------------------------- monthly report


def report_data(store: Store, month: str, *, organ: str, trend_months: int = 6) -> ReportData:
    """What the monthly report shows for ``month`` (its results must have been computed).

    Problem figures use the problems as recorded now (a problem reopened later counts as
    open); ``as_of`` is the month's last day, or today while the month is running.
    """
    from .ranking import month_bounds, parse_month, shift_month

    parse_month(month)
    results = store.all(
        "SELECT m.rank, m.score, m.benchmark, m.lagging, u.id AS unit_id, u.code, u.name "
        "FROM monthly_results AS m JOIN units AS u ON u.id = m.unit_id WHERE m.month = ? "
        "ORDER BY m.rank IS NULL, m.rank, u.code",
        (month,),
    )
    if not results:
        raise InvalidInput(
            t("err.no_results_for", month=month),
            where="month",
        )
    start, end = month_bounds(month)
    today = store.clock.today()
    as_of = min(end - dt.timedelta(days=1), today)
    cut = (as_of + dt.timedelta(days=1)).isoformat()  # the first day not counted
    per_unit = {
        r["unit_id"]: r
        for r in store.all(
            "SELECT unit_id, "
            "sum(found_on < :cut AND (closed_on IS NULL OR closed_on >= :cut)) AS open, "
            "sum(found_on < :cut AND (closed_on IS NULL OR closed_on >= :cut) AND deadline < :asof) AS overdue "
            "FROM problems GROUP BY unit_id",
            {"cut": cut, "asof": as_of.isoformat()},
        )
    }
    notices_in_month = {
        r["unit_id"]: r["n"]
        for r in store.all(
            "SELECT unit_id, count(*) AS n FROM notices WHERE issued_on >= ? AND issued_on < ? "
            "GROUP BY unit_id",
            (start.isoformat(), end.isoformat()),
        )
    }
    lines = [
        RankLine(
            rank=r["rank"],
            unit_code=r["code"],
            unit_name=r["name"],
            score=r["score"],
            benchmark=bool(r["benchmark"]),
            lagging=bool(r["lagging"]),
            open_problems=int((per_unit.get(r["unit_id"]) or {}).get("open") or 0),
            overdue_problems=int((per_unit.get(r["unit_id"]) or {}).get("overdue") or 0),
            notices=int(notices_in_month.get(r["unit_id"], 0)),
        )
        for r in results
    ]

    def count(sql: str, params: dict[str, Any]) -> int:
        return int(store.scalar(sql, params) or 0)

    p = {"start": start.isoformat(), "end": end.isoformat(), "cut": cut, "asof": as_of.isoformat()}
    stats = ProblemStats(
        found=count(
            "SELECT count(*) FROM problems WHERE found_on >= :start AND found_on < :end", p
        ),
        closed=count(
            "SELECT count(*) FROM problems WHERE closed_on >= :start AND closed_on < :end", p
        ),
        open_at_end=count(
            "SELECT count(*) FROM problems WHERE found_on < :cut "
            "AND (closed_on IS NULL OR closed_on >= :cut)",
            p,
        ),
        overdue=count(
            "SELECT count(*) FROM problems WHERE found_on < :cut "
            "AND (closed_on IS NULL OR closed_on >= :cut) AND deadline < :asof",
            p,
        ),
        due=count("SELECT count(*) FROM problems WHERE found_on < :cut AND deadline <= :asof", p),
        due_closed=count(
            "SELECT count(*) FROM problems WHERE found_on < :cut AND deadline <= :asof "
            "AND closed_on IS NOT NULL AND closed_on < :cut",
            p,
        ),
        as_of=as_of,
    )
    trend = []
    for back in range(trend_months - 1, -1, -1):
        m = shift_month(month, -back)
        m_start, m_end = month_bounds(m)
        q = {"start": m_start.isoformat(), "end": m_end.isoformat()}
        trend.append(
            MonthFigures(
                m,
                found=count(
                    "SELECT count(*) FROM problems WHERE found_on >= :start AND found_on < :end", q
                ),
                closed=count(
                    "SELECT count(*) FROM problems WHERE closed_on >= :start AND closed_on < :end",
                    q,
                ),
            )
        )
    issued = count("SELECT count(*) FROM notices WHERE issued_on >= :start AND issued_on < :end", p)
    received = count(
        "SELECT count(*) FROM notices WHERE issued_on >= :start AND issued_on < :end "
        "AND received_on IS NOT NULL",
        p,
    )
    return ReportData(
        month=month,
        organ=organ,
        issued_on=today,
        ranking=[line for line in lines if line.rank is not None],
        unranked=[line for line in lines if line.rank is None],
        stats=stats,
        trend=trend,
        notices_issued=issued,
        notices_received=received,
    )


def write_report(
    store: Store,
    month: str,
    out: Path,
    *,
    template: NoticeTemplate | Path | None = None,
    fonts: FontSet | None = None,
    overwrite: bool = False,
) -> tuple[Path, int]:
    """Write the monthly report to ``out`` (a temporary file beside it, then renamed).

    An existing ``out`` is refused unless ``overwrite``: a report is not a record, but a
    file a person may have annotated is not replaced silently.
    """
    tpl, fset = _resolve(template, fonts)
    out = Path(out)
    folder = _check_out_dir(out.parent if str(out.parent) else Path("."))
    if out.is_dir():
        raise InvalidInput("is a folder; give a file name, e.g. report-2026-11.pdf", where=str(out))
    if out.exists() and not overwrite:
        raise InvalidInput("already exists; choose another name or pass --force", where=str(out))
    data = report_data(store, month, organ=tpl.organ)
    fd, tmp = tempfile.mkstemp(prefix=".report-", suffix=".pdf.partial", dir=folder)
    try:
        with os.fdopen(fd, "wb") as fh:
            pages = render_report(data, fset, fh)
            fh.flush()
            os.fsync(fh.fileno())
        if overwrite:
            os.replace(tmp, folder / out.name)
            final = folder / out.name
        else:
            final = _place(Path(tmp), folder / out.name)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return final, pages
