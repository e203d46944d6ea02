"""What the TUI's benchmarking screens read in one call each: a month's ranking with its
review state, a unit's benchmarking page, the notices list, and the notice checks the
issuing screen runs before anything is written.

Thin compositions of ``ranking``, ``review``, ``selfreport``, ``practices`` and
``notices``: no rule lives here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import InvalidInput
from ..models import Notice
from ..store import Store
from . import notices, overview, practices, ranking, review, selfreport
from .benchmark_settings import BenchmarkSettings


@dataclass(frozen=True)
class RankingView:
    """A month of the ranking screen (``month`` None: no month has results yet)."""

    month: str | None
    months: list[str]  # months with results, oldest first
    rows: list[ranking.RankingRow]
    ranked: int
    review: review.MonthReview | None
    actions: list[str]  # what the current user may do to the month now
    user: str


def ranking_view(
    store: Store,
    month: str | None,
    settings: BenchmarkSettings,
    *,
    limit: int | None = None,
    offset: int = 0,
) -> RankingView:
    """``month`` (default: the latest with results) ranked, with its review state."""
    months = ranking.computed_months(store)
    month = month or (months[-1] if months else None)
    if month is None:
        return RankingView(None, months, [], 0, None, [], store.user)
    return RankingView(
        month=month,
        months=months,
        rows=ranking.ranking_rows(store, month, limit=limit, offset=offset),
        ranked=ranking.count_ranked(store, month),
        review=review.review_of(store, month),
        actions=review.available_actions(store, month, settings),
        user=store.user,
    )


def review_step(
    store: Store, month: str, action: str, settings: BenchmarkSettings, reason: str = ""
) -> review.MonthReview:
    """One review-flow action by the store's user: a step, a send-back or a reopening."""
    if action == review.SEND_BACK:
        return review.send_back(store, month, reason, settings)
    if action == review.REOPEN:
        return review.reopen(store, month, reason, settings)
    return review.advance(store, month, action, settings)


@dataclass(frozen=True)
class UnitBenchmark:
    """A unit's benchmarking page: its trend, and where it loses points in ``month`` with
    the benchmark unit's practices on those indicators."""

    unit_id: str
    unit_code: str
    unit_name: str
    month: str
    trend: list[ranking.TrendPoint]
    losses: list[ranking.IndicatorLoss]
    suggestions: list[practices.Suggestion]


def unit_benchmark(store: Store, unit_id: str, month: str, months: int = 12) -> UnitBenchmark:
    unit = store.get("units", unit_id, "unit")
    return UnitBenchmark(
        unit_id=unit_id,
        unit_code=unit["code"],
        unit_name=unit["name"],
        month=month,
        trend=ranking.unit_trend(store, unit_id, months, end=month),
        losses=ranking.unit_losses(store, unit_id, month),
        suggestions=practices.suggestions_for(store, unit_id, month, indicators=5),
    )


@dataclass(frozen=True)
class IndicatorMatrix:
    view: ranking.PointsLostView
    benchmarks: dict[str, ranking.IndicatorBenchmark]  # indicator id → best unit


def indicator_matrix(store: Store, month: str) -> IndicatorMatrix:
    """The indicator × unit view of ``month`` with the benchmark unit of each indicator."""
    return IndicatorMatrix(
        view=ranking.points_lost(store, month, order="lost"),
        benchmarks={
            b.indicator.indicator_id: b for b in ranking.indicator_benchmarks(store, month)
        },
    )


def unit_line(store: Store, unit_id: str) -> overview.UnitLine:
    """The units list's line of one unit (what the start-inspection dialog takes)."""
    code = store.get("units", unit_id, "unit")["code"]
    for line in overview.filter_units(store, code, limit=50).rows:
        if line.id == unit_id:
            return line
    raise InvalidInput(f"unit {code} is not in the units list")


def over_reports(
    store: Store, month: str, settings: BenchmarkSettings
) -> list[selfreport.OverReport]:
    """The month's over-reporting flags, by the margin in the benchmark settings."""
    return selfreport.over_reporting(store, month, margin=settings.over_reporting_margin)


# ---------------------------------------------------------------------- notices


@dataclass(frozen=True)
class NoticeLine:
    notice: Notice
    serial: str  # as printed
    unit_code: str
    unit_name: str
    replaced: bool  # re-issued since (a newer notice replaces it)


def notice_lines(store: Store, unit_id: str | None = None, *, limit: int = 500) -> list[NoticeLine]:
    """Notices, newest first (one unit's, or all), with their units."""
    where = "WHERE n.unit_id = ? " if unit_id else ""
    params: tuple[str, ...] = (unit_id,) if unit_id else ()
    rows = store.all(
        "SELECT n.*, u.code AS unit_code, u.name AS unit_name, "
        "EXISTS (SELECT 1 FROM notices AS r WHERE r.replaces_id = n.id) AS replaced "
        f"FROM notices AS n JOIN units AS u ON u.id = n.unit_id {where}"
        "ORDER BY n.issued_on DESC, n.year DESC, n.serial DESC LIMIT ?",
        (*params, limit),
    )
    return [
        NoticeLine(
            notice=(notice := Notice.model_validate(r)),
            serial=notices.serial_text(notice),
            unit_code=r["unit_code"],
            unit_name=r["unit_name"],
            replaced=bool(r["replaced"]),
        )
        for r in rows
    ]


@dataclass(frozen=True)
class NoticePlan:
    """Who a batch would go to, checked before anything is written."""

    units: list[tuple[str, str, int]]  # (unit id, name, open problems)


def plan_notices(store: Store, unit_ids: Sequence[str], template: Any, fonts: Any) -> NoticePlan:
    """The units' open-problem counts, after ``printable_check`` (which raises
    ``MissingGlyphs`` naming every character no font has)."""
    notices.printable_check(store, list(unit_ids), template=template, fonts=fonts)
    out = []
    for unit_id in unit_ids:
        unit = store.get("units", unit_id, "unit")
        out.append((unit_id, unit["name"], len(notices.open_problem_rows(store, unit_id))))
    return NoticePlan(out)


def notice_fonts(
    font: Path | None, title_font: Path | None, fallbacks: Sequence[Path], template: Path | None
) -> tuple[Any, Any]:
    """The notice template and fonts from the app's settings (loaded once per batch)."""
    from ..notices.fonts import load_fonts
    from ..notices.template import load_template

    return load_template(template), load_fonts(
        font, bold_font=title_font, fallbacks=list(fallbacks)
    )
