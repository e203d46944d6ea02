"""Evidence files from the command line: attach, list, export."""

from __future__ import annotations

from pathlib import Path

import click

from ..errors import InvalidInput
from ..settings import load_settings
from . import _options, common_options, console, handle_errors, main, open_db


@main.command()
@common_options
@click.argument("owner", type=click.Choice(["problem", "answer", "rectification"]))
@click.argument("owner_id")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.pass_context
@handle_errors
def attach(ctx: click.Context, owner: str, owner_id: str, files: tuple[Path, ...]) -> None:
    """Attach evidence FILES (photos, scans, PDFs, documents) to a problem, an answer or a
    rectification. All files are checked first: one bad file attaches none."""
    from ..services import evidence

    limit = int(load_settings().max_attachment_mb * 1024 * 1024)
    for path in files:  # refuse the whole batch before storing anything
        evidence.read_file(path, limit=limit)
    with open_db(_options(ctx)) as store:
        for path in files:
            item = evidence.attach(store, owner, owner_id, path, limit=limit)
            console.print(f"Attached {item.id[:12]}: {item.describe()}", markup=False)


@main.group()
def evidence() -> None:
    """Evidence attached to problems, answers and rectifications."""


def _selected(store, problem: str | None, inspection: str | None):  # type: ignore[no-untyped-def]
    from ..services import evidence as service

    if bool(problem) == bool(inspection):
        raise InvalidInput("give exactly one of --problem ID or --inspection ID")
    if problem:
        return service.attachments_of_problem(store, problem)
    assert inspection  # exactly one was given
    return service.attachments_of_inspection(store, inspection)


@evidence.command("list")
@common_options
@click.option("--problem", help="A problem's evidence, its rectifications' included.")
@click.option("--inspection", help="An inspection's evidence (its answers and problems).")
@click.pass_context
@handle_errors
def evidence_list(ctx: click.Context, problem: str | None, inspection: str | None) -> None:
    """List attachments."""
    with open_db(_options(ctx), readonly=True) as store:
        items = _selected(store, problem, inspection)
    for item in items:
        console.print(
            f"{item.id[:12]}  {item.owner_table[:-1]:<13} {item.describe()}  "
            f"attached by {item.attached_by or '?'} {item.created_at[:16]}",
            markup=False,
        )
    if not items:
        console.print("No evidence attached.")


@evidence.command("export")
@common_options
@click.option("--problem", help="A problem's evidence, its rectifications' included.")
@click.option("--inspection", help="An inspection's evidence (its answers and problems).")
@click.option(
    "--out",
    required=True,
    type=click.Path(path_type=Path, file_okay=False),
    help="An existing folder.",
)
@click.pass_context
@handle_errors
def evidence_export(
    ctx: click.Context, problem: str | None, inspection: str | None, out: Path
) -> None:
    """Write the files out with safe, unique names (never overwriting)."""
    from ..services import evidence as service

    with open_db(_options(ctx), readonly=True) as store:
        written = service.export(store, _selected(store, problem, inspection), out)
    for path in written:
        console.print(str(path), markup=False)
    console.print(f"{len(written)} file(s) written to {out}")
