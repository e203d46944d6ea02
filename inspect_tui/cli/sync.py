"""Commands for several laptops: merge, conflicts, the audit log and backups."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import click

from ..errors import InvalidInput
from . import _options, common_options, console, handle_errors, main, open_db


@main.command()
@common_options
@click.argument("others", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--dry-run", is_flag=True, help="Show what would change; change nothing.")
@click.option(
    "--full",
    is_flag=True,
    help="Compare every row, not only those with changes the log shows "
    "(for files written with auditing off).",
)
@click.pass_context
@handle_errors
def merge(ctx: click.Context, others: tuple[Path, ...], dry_run: bool, full: bool) -> None:
    """Bring everything from OTHER.db files (other laptops) into the database.

    Nothing is lost: rows changed on both sides since they last met are kept both ways
    and listed by `inspect-tui conflicts`. Each file is merged in one transaction.
    """
    from ..services.merge import list_conflicts, merge_file

    with open_db(_options(ctx), create=False) as store:
        for other in others:
            summary = merge_file(store, other, dry_run=dry_run, full=full)
            console.print(summary.describe())
        pending = len(list_conflicts(store))
    if pending:
        console.print(f"{pending} unresolved conflict(s): see `inspect-tui conflicts`.")


@main.group(invoke_without_command=True)
@common_options
@click.option("--all", "include_resolved", is_flag=True, help="Include resolved conflicts.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
@handle_errors
def conflicts(ctx: click.Context, include_resolved: bool, as_json: bool) -> None:
    """List changes made apart that a merge could not reconcile silently."""
    if ctx.invoked_subcommand is not None:
        return
    from ..services.merge import list_conflicts

    with open_db(_options(ctx), readonly=True) as store:
        rows = list_conflicts(store, include_resolved=include_resolved)
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    if not rows:
        console.print("No unresolved conflicts.")
        return
    for row in rows:
        resolved = (
            f"  resolved by {row['resolved_by']}: {row['resolution']}" if row["resolved_at"] else ""
        )
        console.print(
            f"{row['id'][:12]}  {row['kind']:<17} {row['table_name']} {row['row_id'][:12]}  "
            f"detected {row['detected_at'][:16]}{resolved}",
            markup=False,
        )
    console.print("Resolve one with: inspect-tui conflicts resolve ID --note '...'")


@conflicts.command("resolve")
@common_options
@click.argument("conflict_id")
@click.option("--note", required=True, help="What you decided, and why.")
@click.pass_context
@handle_errors
def conflicts_resolve(ctx: click.Context, conflict_id: str, note: str) -> None:
    """Mark a conflict resolved (the kept version stays; edit the record to change it)."""
    from ..services.merge import resolve_conflict

    with open_db(_options(ctx)) as store:
        row = resolve_conflict(store, conflict_id, note=note)
    console.print(f"Resolved {row['id'][:12]}: {row['resolution']}")


@main.command("log")
@common_options
@click.option(
    "--unit", "unit_key", help="Only changes to this unit (id or code) and what belongs to it."
)
@click.option(
    "--since", type=click.DateTime(formats=["%Y-%m-%d"]), help="Only changes on or after this day."
)
@click.option("--limit", type=click.IntRange(1, 100_000), default=200, show_default=True)
@click.pass_context
@handle_errors
def log(ctx: click.Context, unit_key: str | None, since: dt.datetime | None, limit: int) -> None:
    """The audit trail: who changed what, when, old → new. Newest first."""
    from ..services.audit import audit_entries, changed_fields
    from ..services.units import get_unit

    with open_db(_options(ctx), readonly=True) as store:
        unit_id = get_unit(store, unit_key).id if unit_key else None
        rows = audit_entries(
            store, unit_id=unit_id, since=since.date() if since else None, limit=limit
        )
    for row in rows:
        fields = changed_fields(row)
        detail = "; ".join(f"{k}: {_short(o)} → {_short(n)}" for k, (o, n) in fields.items())
        who = row["user"] or "(outside the app)"
        console.print(
            f"{(row['at'] or '?')[:19]}  {who}  {row['action']} {row['table_name']} "
            f"{(row['row_id'] or '')[:8]}  {detail}",
            markup=False,
        )
    if not rows:
        console.print("No changes match.")


def _short(value: object, width: int = 40) -> str:
    text = "∅" if value is None else str(value)
    return text if len(text) <= width else text[: width - 1] + "…"


@main.command()
@common_options
@click.option(
    "--out",
    required=True,
    type=click.Path(path_type=Path, dir_okay=False),
    help="The copy to write.",
)
@click.pass_context
@handle_errors
def backup(ctx: click.Context, out: Path) -> None:
    """A consistent copy of the database, safe while the app is running."""
    from ..services.audit import backup as make_backup

    if out.exists():
        raise InvalidInput("already exists; a backup never overwrites", where=str(out))
    with open_db(_options(ctx)) as store:
        make_backup(store, out)
    console.print(f"Backed up to {out} ({out.stat().st_size:,} bytes).")
