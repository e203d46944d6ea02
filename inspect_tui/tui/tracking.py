"""The rectification screens' reads and writes: a few service calls bundled, run on the
database thread (see ``database.Database``), so a screen asks once and gets one answer.

No rule lives here: the services decide, these functions only put their calls together
(and a write of several calls into one transaction, so nothing is half stored).
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from ..errors import InspectError, InvalidInput, NotFound
from ..i18n import t
from ..models import Notice, Problem, Rectification, Unit
from ..services import evidence, ledger, overview, problem_list, problems
from ..services.evidence import Attachment
from ..services.problem_list import ProblemFilter, UnitFigures
from ..store import Store

# ---------------------------------------------------------------------- the problems list


def find(
    store: Store,
    f: ProblemFilter,
    today: dt.date,
    *,
    sort: str,
    limit: int,
    offset: int,
) -> problem_list.Page:
    return problem_list.search(store, f, today, sort=sort, limit=limit, offset=offset)


def tally(
    store: Store, f: ProblemFilter, today: dt.date, due_days: int
) -> tuple[dict[str, int], int]:
    """The quick filters' counts, and how many problems match ``f`` itself."""
    return problem_list.tally(store, f, today, due_days=due_days)


@dataclass(frozen=True)
class UnitChoice:
    unit: Unit
    inspections: list[problem_list.InspectionChoice]


def find_unit(store: Store, text: str) -> UnitChoice:
    """The unit typed in a filter (its code, id, or words of its name or pinyin), with the
    inspections of it that found problems. Several matches are refused with their names."""
    from ..services import units

    key = text.strip()
    try:
        unit = units.get_unit(store, key)
    except NotFound:
        page = overview.filter_units(store, key, limit=5)
        if not page.rows:
            raise InvalidInput(t("pfilter.no_unit", text=key), where="unit") from None
        if len(page.rows) > 1:
            names = "、".join(line.name for line in page.rows[:4])
            raise InvalidInput(
                t("pfilter.several_units", names=names + ("…" if page.more else "")),
                where="unit",
            ) from None
        unit = units.get_unit(store, page.rows[0].id)
    return UnitChoice(unit, problem_list.inspections_with_problems(store, unit.id))


@dataclass(frozen=True)
class UnitView:
    unit: Unit
    figures: UnitFigures


def unit_view(store: Store, unit_id: str, today: dt.date) -> UnitView:
    from ..services import units

    return UnitView(
        units.get_unit(store, unit_id), problem_list.unit_figures(store, unit_id, today)
    )


class ExportCancelled(Exception):
    """The person stopped a ledger export; its half-written file is removed."""


def export_ledger(
    store: Store,
    f: ProblemFilter,
    today: dt.date,
    out: Path,
    fmt: str,
    *,
    progress: Callable[[int], None],
    cancelled: threading.Event,
) -> int:
    """The ledger of the problems ``f`` matches, as the screen filters them."""

    def step(done: int) -> None:
        if cancelled.is_set():
            raise ExportCancelled
        progress(done)

    return ledger.export(store, f, today, out, fmt, progress=step)


# ---------------------------------------------------------------------- one problem


@dataclass(frozen=True)
class ProblemPage:
    """Everything a problem's page shows."""

    detail: overview.ProblemDetail
    rectifications: list[Rectification]
    attachments: list[Attachment]
    notices: list[tuple[Notice, str]] | None  # (notice, serial as printed); None: not known
    rectification_evidence: int  # files on the rectifications (what closing asks for)

    @property
    def problem(self) -> Problem:
        return self.detail.problem


def notices_listing(store: Store, problem_id: str) -> list[tuple[Notice, str]] | None:
    """The notices that listed the problem, or ``None`` while the notices service does
    not say (it is being finished elsewhere)."""
    from ..services import notices

    listing = getattr(notices, "notices_of_problem", None)
    if listing is None:
        return None
    serial = getattr(notices, "serial_text", None)
    found: list[Notice] = listing(store, problem_id)
    return [(n, serial(n) if serial else f"{n.organ} {n.year}-{n.serial}") for n in found]


def problem_page(store: Store, problem_id: str) -> ProblemPage:
    return ProblemPage(
        detail=overview.problem_detail(store, problem_id),
        rectifications=problems.rectifications_of(store, problem_id),
        attachments=evidence.attachments_of_problem(store, problem_id),
        notices=notices_listing(store, problem_id),
        rectification_evidence=evidence.rectification_evidence_count(store, problem_id),
    )


def check_files(paths: Sequence[Path], limit: int) -> None:
    """Every file readable and within the limit, or ``InvalidInput`` naming the first that
    is not (its ``where`` is the path)."""
    for path in paths:
        evidence.read_file(path, limit=limit)


def attach_files(
    store: Store, owner: str, owner_id: str, paths: Sequence[Path], limit: int
) -> list[Attachment]:
    """Attach files to one item: all of them, or none when one is bad."""
    check_files(paths, limit)
    with store.write():
        return [evidence.attach(store, owner, owner_id, path, limit=limit) for path in paths]


@dataclass(frozen=True)
class Rectified:
    rectification: Rectification
    attachments: list[Attachment]


def record_rectification(
    store: Store,
    problem_id: str,
    *,
    description: str,
    done_on: dt.date,
    references: Sequence[str],
    files: Sequence[Path],
    limit: int,
) -> Rectified:
    """What the unit did, and its files, in one transaction: a bad file stores nothing."""
    check_files(files, limit)
    with store.write():
        rectification = problems.record_rectification(
            store, problem_id, description=description, done_on=done_on, evidence=references
        )
        attached = [
            evidence.attach(store, "rectification", rectification.id, path, limit=limit)
            for path in files
        ]
    return Rectified(rectification, attached)


def evidence_copy(store: Store, attachment_id: str) -> Path:
    """A temporary copy of an attachment, for the system's viewer."""
    return evidence.open_copy(store, attachment_id)


def evidence_bytes(store: Store, attachment: Attachment) -> bytes:
    return evidence.content(store, attachment)


def describe_error(error: BaseException) -> str:
    """An attach error as a line: the file's name first when the service names it."""
    if isinstance(error, InspectError):
        if error.where:
            return f"{error.where}: {error.message}"
        return error.message
    return f"{type(error).__name__}: {error}"


# ---------------------------------------------------------------------- the checklist


@dataclass(frozen=True)
class SheetEvidence:
    """The files on an inspection's answers (by answer id) and, for a re-inspection, how
    many problems of the unit are still to verify."""

    by_answer: dict[str, list[Attachment]]
    to_verify: int | None


def sheet_evidence(
    store: Store, inspection_id: str, unit_id: str, today: dt.date, *, reinspection: bool
) -> SheetEvidence:
    by_answer: dict[str, list[Attachment]] = {}
    for item in evidence.attachments_of_inspection(store, inspection_id):
        if item.owner_table == "answers":
            by_answer.setdefault(item.owner_id, []).append(item)
    to_verify = None
    if reinspection:
        pending = ProblemFilter(unit_id=unit_id, states=problem_list.PENDING)
        to_verify = problem_list.count(store, pending, today)
    return SheetEvidence(by_answer, to_verify)
