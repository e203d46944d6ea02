"""``inspect-tui notices …`` (rectification notices) and ``inspect-tui report`` (the monthly
report): parse, call ``services.notices``, print."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click

from ..errors import InvalidInput
from . import _options, common_options, console, err_console, handle_errors, main, open_db

_FILE = click.Path(path_type=Path, dir_okay=False)
_DIR = click.Path(path_type=Path, file_okay=False)


def _font_options(func: Callable[..., Any]) -> Callable[..., Any]:
    func = click.option(
        "--fallback-font",
        "fallback_fonts",
        type=_FILE,
        multiple=True,
        help="Another TrueType font for characters the others lack (e.g. HanaMinB.ttf for "
        "CJK Extension B); repeat for several (default: settings notice_fallback_fonts).",
    )(func)
    func = click.option(
        "--title-font",
        type=_FILE,
        help="TrueType font for the title and headings (default: settings "
        "notice_title_font, else --font, else Kurinto Sans SC Bold).",
    )(func)
    func = click.option(
        "--font",
        type=_FILE,
        help="TrueType (.ttf/.ttc, TrueType outlines) font for the text, e.g. simfang.ttf "
        "(default: settings notice_font, else Kurinto Sans SC from weblate-fonts).",
    )(func)
    func = click.option(
        "--template",
        type=_FILE,
        help="Notice template YAML (default: the shipped data/templates/notice.yaml); "
        "copy it to change the issuing organ, wording, contact, 抄送 and signature.",
    )(func)
    return func


def _load(
    template: Path | None, font: Path | None, title_font: Path | None, fallbacks: tuple[Path, ...]
) -> tuple[Any, Any]:
    """Template and fonts, checked before the database is opened (bad files change nothing)."""
    from ..notices.fonts import fonts_from_settings
    from ..notices.template import load_template

    return load_template(template), fonts_from_settings(
        font, bold_font=title_font, fallbacks=fallbacks
    )


@contextmanager
def _progress(label: str) -> Iterator[Callable[[int, int, str], None]]:
    """A progress bar on stderr (only on a terminal), fed by the service's callback."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[unit]}"),
        console=err_console,
        transient=True,
        auto_refresh=False,  # no refresh thread: a single-threaded process forks its workers
        disable=not err_console.is_terminal,
    ) as bar:
        task = bar.add_task(label, total=None, unit="")

        def update(done: int, total: int, unit: str) -> None:
            bar.update(task, completed=done, total=total, unit=unit, refresh=True)

        yield update


def _print_issued(issued: list[Any]) -> None:
    for item in issued:
        console.print(
            f"{item.serial}  {item.unit.code} {item.unit.name}: {item.problems} problem(s), "
            f"{item.pages} page(s) → {item.path}"
        )


@main.group(invoke_without_command=True)
@common_options
@click.option(
    "--unit",
    "units",
    multiple=True,
    metavar="ID",
    help="Issue a notice to this unit (code or id); repeat for several.",
)
@click.option(
    "--lagging", is_flag=True, help="Issue a notice to every lagging unit (後進支部) of --month."
)
@click.option(
    "--month",
    metavar="YYYY-MM",
    help="The month whose lagging units get notices (default: the latest month with results).",
)
@click.option("--out", "out_dir", type=_DIR, help="Folder for the PDF files; it must exist.")
@_font_options
@click.option(
    "--workers",
    type=click.IntRange(1, 64),
    help="Worker processes that render a batch (default: the CPU count, at most 8).",
)
@click.pass_context
@handle_errors
def notices(
    ctx: click.Context,
    units: tuple[str, ...],
    lagging: bool,
    month: str | None,
    out_dir: Path | None,
    template: Path | None,
    font: Path | None,
    title_font: Path | None,
    fallback_fonts: tuple[Path, ...],
    workers: int | None,
) -> None:
    """Rectification notices (整改通知書): issue them as PDFs, list them, record receipt
    slips (回執), re-issue.

    \b
      inspect-tui notices --unit JG1 --out DIR
      inspect-tui notices --lagging [--month 2026-11] --out DIR
      inspect-tui notices list [--unit JG1 | --problem ID]
      inspect-tui notices received 渭供黨〔2026〕第12號 [--on 2026-12-03]
      inspect-tui notices reissue 渭供黨〔2026〕第12號 --out DIR
      inspect-tui notices fonts

    A notice lists the unit's problems not yet closed (銷號). Serial numbers count from 1
    each year for the template's organ_short and are never reused; a unit without open
    problems gets no notice and uses no number. A batch is all or nothing: if any notice
    fails, no file is left and no number is used.

    Files are named ORGAN-YEAR-NUMBER_UNIT.pdf (e.g. 渭供黨-2026-0012_機關第一黨支部.pdf),
    made safe for every filesystem; an existing file is never replaced — the new one is
    named …-2.pdf and the record keeps the real path.

    Characters no font can print (e.g. 𠀀, CJK Extension B) are reported before anything
    is written; add a font that has them with --fallback-font.
    """
    if ctx.invoked_subcommand is not None:
        if units or lagging or month or out_dir:
            raise click.UsageError(
                "--unit/--lagging/--month/--out issue notices; give them without a subcommand"
            )
        return
    if not units and not lagging:
        raise click.UsageError("say which notices: --unit ID (repeatable) or --lagging")
    if units and lagging:
        raise click.UsageError("give either --unit or --lagging, not both")
    if month and not lagging:
        raise click.UsageError("--month goes with --lagging")
    if out_dir is None:
        raise click.UsageError("--out DIR is required: the folder for the PDF files")
    from ..services import notices as service

    tpl, fonts = _load(template, font, title_font, fallback_fonts)
    with open_db(_options(ctx)) as store:
        if len(units) == 1:
            issued = [
                service.issue_notice(store, units[0], out_dir=out_dir, template=tpl, fonts=fonts)
            ]
            _print_issued(issued)
            return
        with _progress("notices") as progress:
            if lagging:
                chosen, result = service.issue_lagging(
                    store,
                    month,
                    out_dir=out_dir,
                    template=tpl,
                    fonts=fonts,
                    workers=workers,
                    progress=progress,
                )
                console.print(
                    f"Lagging units of {chosen}: {len(result.issued) + len(result.skipped)}"
                )
            else:
                result = service.issue_batch(
                    store,
                    units,
                    out_dir=out_dir,
                    template=tpl,
                    fonts=fonts,
                    workers=workers,
                    progress=progress,
                )
    _print_issued(result.issued)
    for skip in result.skipped:
        console.print(f"skipped {skip.unit.code} {skip.unit.name}: {skip.reason}")
    console.print(f"{len(result.issued)} notice(s) issued, {len(result.skipped)} unit(s) skipped.")


@notices.command("list")
@common_options
@click.option("--unit", metavar="ID", help="Only this unit's notices (code or id).")
@click.option("--problem", metavar="ID", help="Only the notices that listed this problem.")
@click.pass_context
@handle_errors
def notices_list(ctx: click.Context, unit: str | None, problem: str | None) -> None:
    """List issued notices: serial number, unit, dates, and whether the file is intact."""
    from ..services import notices as service

    with open_db(_options(ctx), readonly=True) as store:
        found = service.listing(store, unit=unit, problem_id=problem)
    lines = []
    for item in found:
        n = item.notice
        parts = [
            service.serial_text(n),
            f"{item.unit_code} {item.unit_name}",
            f"issued {n.issued_on}",
            f"received {n.received_on}" if n.received_on else "not received",
            f"{item.problems} problem(s)",
            "file ok" if item.file_ok else "file missing or changed",
        ]
        if item.replaces:
            parts.append("replaces " + service.serial_text(item.replaces))
        lines.append("  ".join(parts))
    for line in lines:
        console.print(line)
    if not lines:
        console.print("No notices.")


@notices.command("received")
@common_options
@click.argument("notice")
@click.option(
    "--on",
    "on",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="The day the receipt slip (回執) came back, YYYY-MM-DD (default: today).",
)
@click.pass_context
@handle_errors
def notices_received(ctx: click.Context, notice: str, on: dt.datetime | None) -> None:
    """Record that the receipt slip (回執) of NOTICE came back.

    NOTICE is the serial number as printed (渭供黨〔2026〕第12號; [ ] and 号 work too),
    YEAR-NUMBER (2026-12) when one issuing organ used that number, or the notice's id.
    """
    from ..services import notices as service

    with open_db(_options(ctx)) as store:
        day = on.date() if on else store.clock.today()
        result = service.mark_received(store, notice, on=day)
    console.print(f"{service.serial_text(result)}: receipt slip returned on {result.received_on}")


@notices.command("reissue")
@common_options
@click.argument("notice")
@click.option("--out", "out_dir", type=_DIR, required=True, help="Folder for the new PDF.")
@_font_options
@click.pass_context
@handle_errors
def notices_reissue(
    ctx: click.Context,
    notice: str,
    out_dir: Path,
    template: Path | None,
    font: Path | None,
    title_font: Path | None,
    fallback_fonts: tuple[Path, ...],
) -> None:
    """Re-issue NOTICE: a new serial number listing the unit's open problems as they are
    now, linked to the old notice (which the new one says it replaces)."""
    from ..services import notices as service

    tpl, fonts = _load(template, font, title_font, fallback_fonts)
    with open_db(_options(ctx)) as store:
        old = service.get_notice(store, notice)
        item = service.reissue_notice(store, old.id, out_dir=out_dir, template=tpl, fonts=fonts)
    console.print(f"{item.serial} replaces {service.serial_text(old, tpl)}")
    _print_issued([item])


@notices.command("fonts")
@common_options
@click.option("--font", type=_FILE, help="A TrueType font to check in front of the shipped ones.")
@click.option("--fallback-font", "fallback_fonts", type=_FILE, multiple=True)
@handle_errors
def notices_fonts(font: Path | None, fallback_fonts: tuple[Path, ...]) -> None:
    """Show the font chain and how many characters of each Unicode block it covers."""
    from ..notices.fonts import RANGES, coverage, fonts_from_settings

    fonts = fonts_from_settings(font, fallbacks=fallback_fonts)
    console.print("Characters are set in the first font of the chain that has them:")
    for name, counts in coverage(fonts):
        console.print(
            f"  {name}: "
            + "; ".join(f"{k} {counts[k]:,}/{b - a + 1:,}" for k, (a, b) in RANGES.items())
        )
    console.print(
        "Characters missing from every font are refused before a PDF is written, never "
        "printed as blank boxes."
    )


@main.command()
@common_options
@click.option(
    "--month",
    metavar="YYYY-MM",
    help="The month to report (default: the latest month with results).",
)
@click.option("--out", "out", type=_FILE, required=True, help="The PDF file to write.")
@click.option("--force", is_flag=True, help="Replace --out if it exists.")
@_font_options
@click.pass_context
@handle_errors
def report(
    ctx: click.Context,
    month: str | None,
    out: Path,
    force: bool,
    template: Path | None,
    font: Path | None,
    title_font: Path | None,
    fallback_fonts: tuple[Path, ...],
) -> None:
    """The monthly report for leadership (月度對標情況通報) as a PDF: the ranking, the
    benchmark unit (標桿支部), the lagging units (後進支部), problems found, closed and
    overdue with the rectification rate, and charts.

    The issuing organ comes from the notice template (--template).
    """
    from ..services import notices as service
    from ..services.ranking import latest_month

    tpl, fonts = _load(template, font, title_font, fallback_fonts)
    with open_db(_options(ctx), readonly=True) as store:
        if month is None:
            month = latest_month(store)
            if not month:
                raise InvalidInput("there are no monthly results yet: compute a month first")
        path, pages = service.write_report(
            store, month, out, template=tpl, fonts=fonts, overwrite=force
        )
    console.print(f"Monthly report {month}: {pages} page(s) → {path}")
