"""Monthly benchmarking from the command line: compute a month, the ranking and its export,
lagging units, the four-level review and publishing, self-reports and the practice library.

Months are typed YYYY-MM and may not lie in the future. The benchmark settings (lagging
rule, scoring, roles, margins, consequences) come from ``benchmark.yaml`` in the config
folder or ``--settings FILE``; a bad file is refused before the database is opened.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click
from rich.table import Table

from ..errors import InvalidInput
from ..services import review as _review  # noqa: F401  registers the published-month seal check
from . import _options, common_options, console, err_console, handle_errors, main, open_db

F = TypeVar("F", bound=Callable[..., Any])


def settings_option(func: F) -> F:
    return click.option(
        "--settings",
        "settings_path",
        type=click.Path(path_type=Path, dir_okay=False),
        help="Benchmark settings file (default: benchmark.yaml in the config folder).",
    )(func)


def _settings(path: Path | None) -> Any:
    from ..services.benchmark_settings import load_benchmark_settings

    return load_benchmark_settings(path)


def _month(store: Any, month: str | None, *, required: bool = True) -> str | None:
    """The month asked for (checked: YYYY-MM, not in the future), else the latest with
    results."""
    from ..services.ranking import check_month, latest_month

    if month is not None:
        return check_month(month, store.clock.today())
    latest = latest_month(store)
    if latest is None and required:
        raise InvalidInput("there are no monthly results yet: compute a month first", where="month")
    return latest


def _score(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}"


def _signed(value: float | int | None, digits: int = 2) -> str:
    if value is None:
        return ""
    return f"{value:+.{digits}f}" if digits else f"{value:+d}"


def _json(data: Any) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))


def _state_line(store: Any, month: str) -> str:
    from ..services.review import review_of

    review = review_of(store, month)
    if review.published and review.published_at:
        return f"{month}: published by {review.published_by} on {review.published_at:%Y-%m-%d}"
    return f"{month}: {review.state} (not published)"


# ---------------------------------------------------------------------- compute


@main.command("compute")
@common_options
@click.option("--month", required=True, help="The month to compute (YYYY-MM).")
@click.option(
    "--from",
    "first",
    help="Compute every month from this one up to --month, oldest first (lagging needs order).",
)
@settings_option
@click.pass_context
@handle_errors
def compute(ctx: click.Context, month: str, first: str | None, settings_path: Path | None) -> None:
    """Compute (or recompute) a month's scores, ranks, benchmark and lagging units."""
    from ..services.ranking import check_month, compute_month, month_range, refuse_locked

    settings = _settings(settings_path)
    with open_db(_options(ctx)) as store:
        today = store.clock.today()
        last = check_month(month, today)
        months = [last]
        if first is not None:
            months = month_range(check_month(first, today), last)
            if not months:
                raise InvalidInput(f"--from {first} is after --month {month}", where="--from")
        for each in months:
            refuse_locked(store, each)  # all or none: check every month before computing one
        for each in months:
            results = compute_month(store, each, settings.lagging, scoring=settings.scoring)
            codes = {r["id"]: r["code"] for r in store.all("SELECT id, code FROM units")}
            ranked = [r for r in results if r.rank is not None]
            benchmark = ", ".join(codes[r.unit_id] for r in results if r.benchmark) or "—"
            lagging = ", ".join(codes[r.unit_id] for r in results if r.lagging) or "none"
            console.print(
                f"{each}: {len(ranked)} ranked, {len(results) - len(ranked)} not inspected; "
                f"benchmark {benchmark}; lagging {lagging}",
                markup=False,
            )


# ---------------------------------------------------------------------- ranking


@main.command("ranking")
@common_options
@click.option("--month", help="YYYY-MM (default: the latest month with results).")
@click.option(
    "--json", "as_json", is_flag=True, help="Print JSON (the same rows as `office ranking`)."
)
@click.option("--format", "fmt", type=click.Choice(["csv", "xlsx"]), help="Export to a file.")
@click.option("--out", type=click.Path(path_type=Path, dir_okay=False), help="The file to write.")
@click.option("--force", is_flag=True, help="Replace --out if it exists.")
@click.pass_context
@handle_errors
def ranking_command(
    ctx: click.Context,
    month: str | None,
    as_json: bool,
    fmt: str | None,
    out: Path | None,
    force: bool,
) -> None:
    """A month's ranking: rank, unit, score, change, benchmark and lagging marks.

    The export (csv or xlsx) holds every branch and general branch — ranked first, then
    those not inspected (no rank, no score) — with numbers as numbers, for bonus
    allocation.
    """
    from ..services.office import run_report
    from ..services.ranking import export_ranking, ranking_rows

    if as_json and fmt:
        raise InvalidInput("choose --json or --format, not both")
    if (fmt is None) != (out is None):
        raise InvalidInput("--format and --out go together")
    if out is not None and out.exists() and not force:
        raise InvalidInput("already exists; add --force to replace it", where=str(out))
    with open_db(_options(ctx), readonly=True) as store:
        if as_json:
            if month is not None:
                _month(store, month)
            _json(run_report(store, "ranking", month=month))
            return
        chosen = _month(store, month)
        assert chosen is not None
        if fmt is not None and out is not None:
            count = export_ranking(store, chosen, out, fmt)
            console.print(f"Wrote {count:,} unit(s) of {chosen} to {out}", markup=False)
            note = _state_line(store, chosen)
            if "not published" in note:
                err_console.print(f"Note: {note}", markup=False)
            return
        rows = ranking_rows(store, chosen)
        console.print(_state_line(store, chosen), markup=False)
    table = Table("rank", "code", "unit", "score", "change", "mark")
    for row in rows:
        marks = []
        if row.benchmark:
            marks.append("標桿 benchmark")
        if row.lagging:
            marks.append("後進 lagging")
        elif row.bottom_streak:
            marks.append(f"bottom ×{row.bottom_streak}")
        if row.score is None:
            marks.append("not inspected")
        style = {"red": "red", "yellow": "yellow", "blue": "blue"}.get(row.warning or "", "")
        table.add_row(
            "" if row.rank is None else str(row.rank),
            row.unit_code,
            row.unit_name,
            _score(row.score),
            _signed(row.change),
            ", ".join(marks),
            style=style,
        )
    console.print(table)


# ---------------------------------------------------------------------- lagging


@main.command("lagging")
@common_options
@click.option("--month", help="YYYY-MM (default: the latest month with results).")
@click.option(
    "--json", "as_json", is_flag=True, help="Print JSON (the same rows as `office lagging`)."
)
@settings_option
@click.pass_context
@handle_errors
def lagging_command(
    ctx: click.Context, month: str | None, as_json: bool, settings_path: Path | None
) -> None:
    """Lagging units (後進支部) of a month, with the months that made each lag, and the
    consequences that apply (from the settings)."""
    from ..services.office import run_report
    from ..services.ranking import consequences_for, lagging_list

    settings = _settings(settings_path) if not as_json else None
    with open_db(_options(ctx), readonly=True) as store:
        if as_json:
            if month is not None:
                _month(store, month)
            _json(run_report(store, "lagging", month=month))
            return
        chosen = _month(store, month)
        assert chosen is not None
        lines = lagging_list(store, chosen)
        hits = consequences_for(store, chosen, settings.consequences if settings else ())
        console.print(_state_line(store, chosen), markup=False)
    if not lines:
        console.print(f"No unit lags in {chosen}.")
    else:
        table = Table("code", "unit", "rank", "score", "at the bottom in")
        for line in lines:
            rank = "" if line.rank is None else f"{line.rank}/{line.ranked}"
            table.add_row(
                line.unit_code, line.unit_name, rank, _score(line.score), ", ".join(line.months)
            )
        console.print(table)
    if hits:
        console.print("Consequences:")
        for hit in hits:
            for text in hit.lines:
                console.print(f"  {hit.unit_code} {hit.unit_name}: {text}", markup=False)


# ---------------------------------------------------------------------- publish


@main.command("publish")
@common_options
@click.option("--month", required=True, help="YYYY-MM.")
@click.option(
    "--step",
    type=click.Choice(["submit", "review", "consolidate", "approve"]),
    help="The step to take: submit → review → consolidate → approve (publishes).",
)
@click.option("--send-back", is_flag=True, help="Send a month under review back, with --reason.")
@click.option(
    "--reopen", is_flag=True, help="Reopen a published month for a correction, with --reason."
)
@click.option("--reason", help="Why (required with --send-back and --reopen).")
@settings_option
@click.pass_context
@handle_errors
def publish(
    ctx: click.Context,
    month: str,
    step: str | None,
    send_back: bool,
    reopen: bool,
    reason: str | None,
    settings_path: Path | None,
) -> None:
    """The four-level review of a month's results (支部上報 → 管理部門審查 → 專責匯總 →
    領導審核發布). Without --step, --send-back or --reopen, shows where the month is and
    its history. Who may do which step is set per user in the benchmark settings."""
    from ..services import review

    chosen = [
        flag
        for flag, on in (("--step", step), ("--send-back", send_back), ("--reopen", reopen))
        if on
    ]
    if len(chosen) > 1:
        raise InvalidInput(f"choose one of {', '.join(chosen)}")
    if (send_back or reopen) and not (reason and reason.strip()):
        raise InvalidInput(f"{chosen[0]} needs --reason")
    if reason is not None and not (send_back or reopen):
        raise InvalidInput("--reason goes with --send-back or --reopen")
    settings = _settings(settings_path)
    readonly = not chosen
    with open_db(_options(ctx), readonly=readonly) as store:
        checked = _month(store, month)
        assert checked is not None
        if step:
            result = review.advance(store, checked, step, settings)
        elif send_back:
            result = review.send_back(store, checked, reason or "", settings)
        elif reopen:
            result = review.reopen(store, checked, reason or "", settings)
        else:
            result = review.review_of(store, checked)
        events = review.history(store, checked)
        actions = review.available_actions(store, checked, settings)
    if chosen:
        sealed = " and sealed" if result.published else ""
        console.print(f"{checked}: {result.state}{sealed} (by {store.user})", markup=False)
        return
    console.print(f"{checked}: {result.state} (round {result.round})", markup=False)
    for event in events:
        why = f" — {event.reason}" if event.reason else ""
        console.print(
            f"  {event.at:%Y-%m-%d %H:%M} {event.by}: {event.action} "
            f"({event.from_state} → {event.to_state}){why}",
            markup=False,
        )
    console.print(
        f"You ({store.user}) may: {', '.join(actions) if actions else 'nothing now'}",
        markup=False,
    )


# ---------------------------------------------------------------------- self-reports


@main.group()
def selfreport() -> None:
    """Self-reports (支部上報): the template, importing a month, over-reporting flags."""


@selfreport.command("template")
@common_options
@click.option("--month", required=True, help="YYYY-MM.")
@click.option("--out", required=True, type=click.Path(path_type=Path, dir_okay=False))
@click.option(
    "--format", "fmt", type=click.Choice(["csv", "xlsx"]), help="Default: from --out's suffix."
)
@click.option("--unit", "units", multiple=True, help="Only this unit (code; repeat for several).")
@click.option("--force", is_flag=True, help="Replace --out if it exists.")
@click.pass_context
@handle_errors
def selfreport_template(
    ctx: click.Context,
    month: str,
    out: Path,
    fmt: str | None,
    units: tuple[str, ...],
    force: bool,
) -> None:
    """Write the file units fill in: one row per unit and indicator, score left blank."""
    from ..services.selfreport import write_template

    if out.exists() and not force:
        raise InvalidInput("already exists; add --force to replace it", where=str(out))
    with open_db(_options(ctx), readonly=True) as store:
        checked = _month(store, month)
        assert checked is not None
        count = write_template(store, checked, out, fmt=fmt, unit_ids=list(units) or None)
    console.print(f"Wrote {count:,} row(s) for {checked} to {out}", markup=False)


@selfreport.command("import")
@common_options
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--month", required=True, help="YYYY-MM: the month the file reports.")
@click.pass_context
@handle_errors
def selfreport_import(ctx: click.Context, file: Path, month: str) -> None:
    """Import a month's self-reports (csv or xlsx): every row, or none."""
    from ..services.selfreport import import_file

    with open_db(_options(ctx)) as store:
        checked = _month(store, month)
        assert checked is not None
        summary = import_file(store, file, checked)
    console.print(
        f"{file}: {summary.month} ({summary.system}): {summary.created} created, "
        f"{summary.updated} updated, {summary.unchanged} unchanged, "
        f"{summary.not_reported} not reported; {summary.units} unit(s)",
        markup=False,
    )


@selfreport.command("flags")
@common_options
@click.option("--month", help="YYYY-MM (default: the latest month with results).")
@click.option("--margin", type=float, help="Points of 100 (default: from the settings).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@settings_option
@click.pass_context
@handle_errors
def selfreport_flags(
    ctx: click.Context,
    month: str | None,
    margin: float | None,
    as_json: bool,
    settings_path: Path | None,
) -> None:
    """Units whose self-reported score exceeds the inspected score by more than the margin
    (possible over-reporting), for follow-up."""
    from ..services.selfreport import over_reporting

    settings = _settings(settings_path)
    margin = settings.over_reporting_margin if margin is None else margin
    with open_db(_options(ctx), readonly=True) as store:
        chosen = _month(store, month)
        assert chosen is not None
        flags = over_reporting(store, chosen, margin=margin)
    if as_json:
        _json([dataclasses.asdict(f) | {"gap": f.gap} for f in flags])
        return
    if not flags:
        console.print(f"{chosen}: no unit over-reports by more than {margin:g} points.")
        return
    table = Table("code", "unit", "reported", "inspected", "gap", "most over-reported")
    for flag in flags:
        worst = ", ".join(f"{g.code} {g.reported:g}/{g.inspected:g}" for g in flag.indicators[:3])
        table.add_row(
            flag.unit_code,
            flag.unit_name,
            _score(flag.reported_percent),
            _score(flag.inspected_percent),
            _signed(flag.gap),
            worst,
        )
    console.print(f"{chosen}: over-reporting by more than {margin:g} points (of 100)")
    console.print(table)


# ---------------------------------------------------------------------- practices


@main.command("practices")
@common_options
@click.option("--unit", "unit_key", help="Only this unit (code or id).")
@click.option("--indicator", "indicator_code", help="Only this indicator code.")
@click.option("--since", help="Only from this month (YYYY-MM) on.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
@handle_errors
def practices_command(
    ctx: click.Context,
    unit_key: str | None,
    indicator_code: str | None,
    since: str | None,
    as_json: bool,
) -> None:
    """The practice library (對標實踐庫): good practices by indicator and unit."""
    from ..services.practices import by_indicator, library
    from ..services.units import get_unit

    with open_db(_options(ctx), readonly=True) as store:
        unit_id = get_unit(store, unit_key).id if unit_key else None
        found = library(store, indicator_code=indicator_code, unit_id=unit_id, since=since)
    if as_json:
        _json([dataclasses.asdict(p) for p in found])
        return
    if not found:
        console.print("No practices yet.")
        return
    for (code, title), items in by_indicator(found).items():
        console.print(f"{code} {title}", markup=False)
        for p in items:
            console.print(
                f"  {p.month} {p.unit_code} {p.unit_name} ({p.marked_by}): {p.description}",
                markup=False,
            )
