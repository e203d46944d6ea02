"""Benchmark figures for monthly benchmarking, run by ``python -m tests.benchmarks``
(``--only ranking`` / ``--only lagging`` for just these).

The issue's figures: ranking one month and lagging detection over all units and months
(36 × 10,000 on the large database), each as a median and as a ratio to one SQL query
computing the same month's averages in the same run. Target: lagging detection under
300 ms. The views the ranking screens read (a page of the ranking, a unit's trend, the
indicator × unit view, the benchmark per indicator) are measured beside them.

This module only describes figures; the runner's ``figure`` decorator and ``Measure``
are handed to ``register`` (no import of the runner, which runs as ``__main__``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from inspect_tui.services import ranking

LAGGING_TARGET_S = 0.300
PAGE_TARGET_S = 0.020

# The baseline: one month's averages straight from the answers, in one statement — each
# signed-off inspection's percentage (regular items weighted, bonus on top), averaged per
# unit. What any ranking has to read at least once.
MONTH_AVERAGES_SQL = """
SELECT unit_id, round(avg(percent), 2) FROM (
  SELECT i.unit_id AS unit_id,
         100.0 * sum(CASE WHEN d.kind != 'bonus' THEN a.score * d.weight ELSE 0 END)
           / sum(CASE WHEN d.kind != 'bonus' AND a.score IS NOT NULL
                      THEN d.max_score * d.weight ELSE 0 END)
         + sum(CASE WHEN d.kind = 'bonus' THEN coalesce(a.score, 0) * d.weight ELSE 0 END)
           AS percent
  FROM inspections AS i
  JOIN answers AS a ON a.inspection_id = i.id
  JOIN indicators AS d ON d.id = a.indicator_id
  WHERE i.state = 'signed_off' AND i.date >= ? AND i.date < ?
  GROUP BY i.id
) GROUP BY unit_id
"""


def _baseline(bench: Any) -> Callable[[], Any]:
    start, end = ranking.month_bounds(bench.month)
    params = (start.isoformat(), end.isoformat())
    return lambda: bench.raw.execute(MONTH_AVERAGES_SQL, params).fetchall()


def register(figure: Callable[..., Any], measure: type) -> None:
    """Add this module's figures to the runner's registry."""

    @figure("ranking: one month (score, rank, lagging; no write)", target_s=None)
    def _rank_month(bench: Any) -> Any:
        found: list[int] = []

        def service() -> None:
            evaluation = ranking.evaluate_month(bench.store, bench.month)
            found[:] = [
                sum(s is not None for s in evaluation.scores.values()),
                len(evaluation.lagging),
            ]

        service()
        return measure(
            service,
            _baseline(bench),
            runs=max(3, bench.runs // 4),
            note=lambda: (
                f"{bench.month}: {found[0]:,} units ranked, {found[1]} lagging; "
                "baseline: the month's averages in one SQL query"
            ),
        )

    @figure("ranking: one month computed and saved (rolled back)", target_s=None)
    def _compute_month(bench: Any) -> Any:
        store = bench.store

        def service() -> None:
            store.conn.execute("BEGIN IMMEDIATE")
            try:
                ranking.compute_month(store, bench.month)
            finally:
                store.conn.execute("ROLLBACK")

        return measure(service, _baseline(bench), runs=max(3, bench.runs // 4))

    @figure("lagging detection: every unit, every month", target_s=LAGGING_TARGET_S)
    def _lagging(bench: Any) -> Any:
        months = ranking.computed_months(bench.store)
        first, last = months[0], months[-1]
        found: list[int] = []

        def service() -> None:
            detected = ranking.detect_lagging(bench.store, first, last)
            found[:] = [len(detected), sum(len(units) for units in detected.values())]

        service()
        units = bench.store.scalar(
            "SELECT count(*) FROM units WHERE kind IN ('branch', 'general_branch')"
        )
        return measure(
            service,
            _baseline(bench),
            note=lambda: (
                f"{found[0]} months × {units:,} units: {found[1]:,} lagging (unit, month); "
                "baseline: one month's averages in one SQL query"
            ),
        )

    @figure("lagging detection: every unit, every month, bottom 10%", target_s=LAGGING_TARGET_S)
    def _lagging_percent(bench: Any) -> Any:
        # the generated history gives the default rule (bottom 3) no streaks at all, since a
        # unit is inspected about twice a year; the bottom tenth makes streaks to follow
        rule = ranking.LaggingRule(bottom_percent=10, k=2)
        months = ranking.computed_months(bench.store)
        found: list[int] = []

        def service() -> None:
            detected = ranking.detect_lagging(bench.store, months[0], months[-1], rule)
            found[:] = [sum(len(units) for units in detected.values())]

        service()
        return measure(
            service,
            _baseline(bench),
            note=lambda: f"k 2, bottom 10%: {found[0]:,} lagging (unit, month)",
        )

    @figure("ranking screen: first page of 100 with change", target_s=PAGE_TARGET_S)
    def _page(bench: Any) -> Any:
        return measure(
            lambda: ranking.ranking_rows(bench.store, bench.month, limit=100), _baseline(bench)
        )

    @figure("unit trend: 36 months", target_s=PAGE_TARGET_S)
    def _trend(bench: Any) -> Any:
        unit = bench.store.scalar(
            "SELECT unit_id FROM monthly_results WHERE month = ? AND rank IS NOT NULL "
            "ORDER BY rank DESC LIMIT 1",
            (bench.month,),
        )
        return measure(
            lambda: ranking.unit_trend(bench.store, unit, 36, end=bench.month), _baseline(bench)
        )

    @figure("indicator × unit view: one month, first 100 units", target_s=None)
    def _points_lost(bench: Any) -> Any:
        return measure(
            lambda: ranking.points_lost(bench.store, bench.month, limit=100),
            _baseline(bench),
            runs=max(3, bench.runs // 4),
        )

    @figure("benchmark unit per indicator: one month", target_s=None)
    def _indicator_benchmarks(bench: Any) -> Any:
        return measure(
            lambda: ranking.indicator_benchmarks(bench.store, bench.month),
            _baseline(bench),
            runs=max(3, bench.runs // 4),
        )
