"""The rectification ledger (整改台賬) from the command line."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from ..errors import InvalidInput
from ..models import ProblemState
from . import _options, common_options, console, handle_errors, main, open_db


@main.command()
@common_options
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["csv", "xlsx"]),
    required=True,
    help="csv (UTF-8 with BOM) or xlsx.",
)
@click.option(
    "--out",
    required=True,
    type=click.Path(path_type=Path, dir_okay=False),
    help="The file to write.",
)
@click.option("--unit", "unit_key", help="Only this unit (id or code).")
@click.option(
    "--state",
    "states",
    multiple=True,
    type=click.Choice([s.value for s in ProblemState] + ["overdue"]),
    help="Only problems in this state (repeat for several); 'overdue' for overdue ones.",
)
@click.option(
    "--from",
    "found_from",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="Found on or after this day.",
)
@click.option(
    "--to",
    "found_to",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="Found on or before this day.",
)
@click.option("--force", is_flag=True, help="Replace FILE if it exists.")
@click.pass_context
@handle_errors
def ledger(
    ctx: click.Context,
    fmt: str,
    out: Path,
    unit_key: str | None,
    states: tuple[str, ...],
    found_from: dt.datetime | None,
    found_to: dt.datetime | None,
    force: bool,
) -> None:
    """One row per problem: unit, indicator, description, requirement, responsible person,
    deadline, state, closed date, days overdue."""
    from ..services.ledger import export
    from ..services.problem_list import ProblemFilter
    from ..services.units import get_unit

    if out.exists() and not force:
        raise InvalidInput("already exists; add --force to replace it", where=str(out))
    if found_from and found_to and found_from > found_to:
        raise InvalidInput(f"--from {found_from:%Y-%m-%d} is after --to {found_to:%Y-%m-%d}")
    with open_db(_options(ctx), readonly=True) as store:
        f = ProblemFilter(
            states=tuple(ProblemState(s) for s in states if s != "overdue"),
            overdue="overdue" in states,
            unit_id=get_unit(store, unit_key).id if unit_key else None,
            found_from=found_from.date() if found_from else None,
            found_to=found_to.date() if found_to else None,
        )
        rows = export(store, f, store.clock.today(), out, fmt)
    console.print(f"Wrote {rows:,} problem(s) to {out}")
