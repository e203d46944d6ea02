"""The command line: parses, calls services, prints. No rule lives here.

The root group, the shared options and the foundation commands live here; each later
area registers its commands from a module of its own in this package (see the imports at
the end).
"""

from __future__ import annotations

import datetime as dt
import functools
import getpass
import sys
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, TypeVar

import click
from rich.console import Console
from rich.table import Table

from .. import __version__
from ..clock import SystemClock
from ..errors import InspectError
from ..i18n import LANGUAGES, detect_language, set_language
from ..launch import resume_collection
from ..locations import data_dir, default_db_path, device_id
from ..startup_settings import StartupSettings, read_startup_settings

F = TypeVar("F", bound=Callable[..., Any])
EXIT_BAD_INPUT = 2
EXIT_FINDINGS = 1


@dataclass
class Options:
    db: Path | None = None
    lang: str | None = None
    user: str | None = None
    _settings: StartupSettings | None = field(default=None, repr=False, compare=False)

    def settings(self) -> StartupSettings:
        """The database, language and user from the settings file and ``INSPECT_TUI_*``:
        read without pydantic when they are all there is (start-up), else loaded in full,
        which names whatever is wrong. Read once."""
        if self._settings is None:
            found = read_startup_settings()
            if found is None:
                from ..settings import load_settings

                full = load_settings()
                chosen = "db" in full.model_fields_set  # not the default
                found = StartupSettings(
                    db=full.db if chosen else None, lang=full.lang, user=full.user
                )
            self._settings = found
        return self._settings

    def db_path(self) -> Path:
        """``--db`` over ``INSPECT_TUI_DB`` / settings.yaml over the platform's data folder."""
        chosen = self.db if self.db is not None else self.settings().db
        return (chosen if chosen is not None else default_db_path()).expanduser()

    def db_chosen(self) -> bool:
        """A file was named: ``--db``, ``INSPECT_TUI_DB`` or settings.yaml."""
        return self.db is not None or self.settings().db is not None

    def settings_user(self, *, login_fallback: bool = True) -> str:
        """--user, else INSPECT_TUI_USER / settings.yaml, else the login name; with
        ``login_fallback=False`` empty instead (the app then asks for the name)."""
        return self.user or self.settings().user or (_login_name() if login_fallback else "")


def _login_name() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no login name (containers): not worth failing for
        return "unknown"


def demo_db_path() -> Path:
    return data_dir() / "demo.db"


def _options(ctx: click.Context) -> Options:
    root = ctx.find_root()
    if not isinstance(root.obj, Options):
        root.obj = Options()
    return root.obj


def _set_db(ctx: click.Context, _param: click.Parameter, value: Path | None) -> Path | None:
    if value is not None:
        _options(ctx).db = value
    return value


def _set_lang(ctx: click.Context, _param: click.Parameter, value: str | None) -> str | None:
    if value is not None:
        _options(ctx).lang = value
    set_language(_options(ctx).lang or detect_language())
    return value


def _set_user(ctx: click.Context, _param: click.Parameter, value: str | None) -> str | None:
    if value is not None:
        _options(ctx).user = value
    return value


def common_options(func: F) -> F:
    """--db, --lang and --user, accepted before or after the subcommand."""
    func = click.option(
        "--db",
        type=click.Path(path_type=Path, dir_okay=False),
        callback=_set_db,
        expose_value=False,
        is_eager=True,
        help="SQLite database file (default: $INSPECT_TUI_DB or the platform data folder).",
    )(func)
    func = click.option(
        "--lang",
        type=click.Choice(LANGUAGES),
        callback=_set_lang,
        expose_value=False,
        help="UI language (default: from the locale).",
    )(func)
    func = click.option(
        "--user",
        callback=_set_user,
        expose_value=False,
        help="Your name, recorded with every change (default: settings, then login name).",
    )(func)
    return func


def handle_errors(func: F) -> F:
    """Errors a person caused become one line on stderr and exit status 2."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except InspectError as exc:
            click.echo(f"inspect-tui: error: {exc}", err=True)
            sys.exit(EXIT_BAD_INPUT)

    return wrapper  # type: ignore[return-value]


def open_db(
    opts: Options, *, create: bool = False, readonly: bool = False, quick_check: bool = True
) -> Any:
    from ..store import open_store

    path = opts.db_path()
    if create and not path.exists() and opts.db is None:
        path.parent.mkdir(parents=True, exist_ok=True)
    return open_store(
        path,
        clock=SystemClock(),
        user=opts.settings_user(),
        device_id=device_id(),
        create=create,
        readonly=readonly,
        quick_check=quick_check,
    )


class MainGroup(click.Group):
    """Shows the database in use at the foot of ``--help``. The commands of each area
    (``cli/*.py``) are registered when a command is looked up or listed, not on import:
    starting the app (no command) imports none of them."""

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        command = super().get_command(ctx, cmd_name)
        if command is None:
            _register_areas()
            command = super().get_command(ctx, cmd_name)
        return command

    def list_commands(self, ctx: click.Context) -> list[str]:
        _register_areas()
        return super().list_commands(ctx)

    def format_epilog(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        opts = _options(ctx)
        path = opts.db_path()
        note = "" if path.exists() else " (does not exist yet)"
        with formatter.section("Database"):
            formatter.write(f"  In use: {path}{note}\n")  # a path is never wrapped
            if not opts.db_chosen() and not path.exists():
                formatter.write_text(
                    f"Started without a database, the app opens a demo database at {demo_db_path()}."
                )


console = Console(highlight=False, soft_wrap=True)
err_console = Console(stderr=True, highlight=False, soft_wrap=True)


@click.group(
    cls=MainGroup,
    invoke_without_command=True,
    context_settings={"help_option_names": ["-h", "--help"]},
)
@common_options
@click.version_option(__version__, prog_name="inspect-tui")
@click.pass_context
@handle_errors
def main(ctx: click.Context) -> None:
    """Checklist inspections of Party branches, problem tracking and rectification notices.

    Without a command, starts the terminal app.
    """
    if ctx.invoked_subcommand is None:
        run_tui(_options(ctx))  # collection resumes once the first screen is shown
    else:
        resume_collection()


def run_tui(opts: Options) -> None:
    from ..tui.app import InspectApp

    path = opts.db_path()
    demo = not opts.db_chosen() and not path.exists()
    if demo:
        path = demo_db_path()
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            err_console.print(f"No database yet: creating a demo database at {path} …")
            _build_demo(path, seed=7, today=dt.date.today(), user=opts.settings_user())
        opts = replace(opts, db=path)
    lang = opts.lang or opts.settings().lang or detect_language()
    set_language(lang)  # before opening: a read-only file's reason is shown in this language
    store = open_db(opts, create=True, quick_check=False)  # the app checks after start-up
    from ..services.setup import ensure_shipped_checklists

    ensure_shipped_checklists(store)
    InspectApp(store=store, lang=lang, ask_user=not opts.settings_user(login_fallback=False)).run()


# ---------------------------------------------------------------------- init / demo


@main.command()
@common_options
@click.pass_context
@handle_errors
def init(ctx: click.Context) -> None:
    """Create an empty database with the shipped indicator systems."""
    from ..services import checklists

    opts = _options(ctx)
    path = opts.db_path()
    if path.exists() and path.stat().st_size > 0:
        raise InspectError("already exists; nothing changed", where=str(path))
    with open_db(opts, create=True) as store:
        results = checklists.install_shipped(store)
    console.print(f"Created {path} with {len(results)} indicator system version(s).")


@main.command()
@common_options
@click.option("--seed", type=int, default=7, show_default=True, help="Same seed, same demo.")
@click.option(
    "--today",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="The demo's 'today' (default: today).",
)
@click.pass_context
@handle_errors
def demo(ctx: click.Context, seed: int, today: dt.datetime | None) -> None:
    """Create a demo database: the demo organisation and a year of inspections and problems."""
    opts = _options(ctx)
    path = opts.db_path() if opts.db is not None else demo_db_path()
    if path.exists() and path.stat().st_size > 0:
        raise InspectError(
            "already exists; choose another --db or delete it first", where=str(path)
        )
    path.parent.mkdir(parents=True, exist_ok=True) if opts.db is None else None
    summary = _build_demo(
        path,
        seed=seed,
        today=(today.date() if today else dt.date.today()),
        user=opts.settings_user(),
    )
    console.print(f"Created demo database {path}: {summary}")


def _build_demo(path: Path, *, seed: int, today: dt.date, user: str) -> object:
    from ..services.demo import build_demo
    from ..store import open_store

    partial = path.with_name(path.name + ".building")
    partial.unlink(missing_ok=True)
    with open_store(
        partial, clock=SystemClock(), user=user, device_id=device_id(), seed=seed
    ) as store:
        summary = build_demo(store, seed=seed, today=today)
        store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    for suffix in ("-wal", "-shm"):
        Path(str(partial) + suffix).unlink(missing_ok=True)
    partial.replace(path)  # a half-built demo never carries the final name
    return summary


# ---------------------------------------------------------------------- checklist


@main.group()
def checklist() -> None:
    """Indicator systems (對標指標體系): validate, import, list."""


@checklist.command("validate")
@common_options
@click.argument("file", type=click.Path(path_type=Path))
@handle_errors
def checklist_validate(file: Path) -> None:
    """Check an indicator system file without importing it."""
    from ..services.checklists import validate_file

    spec = validate_file(file)
    indicators = spec.indicators()
    console.print(
        f"OK: {file}: {spec.code} version {spec.version}, {len(spec.aspects)} aspects, "
        f"{len(indicators)} indicators"
    )


@checklist.command("import")
@common_options
@click.argument("file", type=click.Path(path_type=Path))
@click.pass_context
@handle_errors
def checklist_import(ctx: click.Context, file: Path) -> None:
    """Import an indicator system version into the database."""
    from ..services.checklists import import_checklist, validate_file

    validate_file(file)  # a bad file is refused before the database is even opened
    with open_db(_options(ctx), create=True) as store:
        result = import_checklist(store, file)
    c = result.checklist
    verb = "Imported" if result.created else "Already imported (unchanged)"
    console.print(f"{verb}: {c.code} version {c.version} — {c.title}")


@checklist.command("list")
@common_options
@click.pass_context
@handle_errors
def checklist_list(ctx: click.Context) -> None:
    """List the indicator system versions in the database."""
    from ..services.checklists import indicators_of, list_checklists

    with open_db(_options(ctx), readonly=True) as store:
        table = Table("code", "version", "effective from", "indicators", "title")
        for c in list_checklists(store):
            table.add_row(
                c.code,
                str(c.version),
                c.effective_from.isoformat(),
                str(len(indicators_of(store, c.id))),
                c.title,
            )
    console.print(table)


# ---------------------------------------------------------------------- units


@main.group()
def units() -> None:
    """Organisation units: import a tree, list."""


@units.command("import")
@common_options
@click.argument("file", type=click.Path(path_type=Path))
@click.pass_context
@handle_errors
def units_import(ctx: click.Context, file: Path) -> None:
    """Create or update (by code) the units of an org-tree file, all or nothing."""
    from ..datafiles import load_model
    from ..models import OrgTreeFile
    from ..services.units import import_org_tree_data

    tree = load_model(file, OrgTreeFile)
    with open_db(_options(ctx), create=True) as store:
        summary = import_org_tree_data(store, tree, source=str(file))
    console.print(f"{file}: {summary.created} unit(s) created, {summary.updated} updated")


@units.command("list")
@common_options
@click.pass_context
@handle_errors
def units_list(ctx: click.Context) -> None:
    """List the units with their codes and kinds."""
    from ..i18n import t
    from ..services.units import list_units

    with open_db(_options(ctx), readonly=True) as store:
        table = Table("code", "name", "kind", "secretary", "members")
        for u in list_units(store):
            table.add_row(
                u.code, u.name, t(f"unit_kind.{u.kind.value}"), u.secretary, str(u.members)
            )
    console.print(table)


# ---------------------------------------------------------------------- check


@main.command()
@common_options
@click.option(
    "--rebuild-search",
    is_flag=True,
    help="First build the problems search index again from every problem.",
)
@click.pass_context
@handle_errors
def check(ctx: click.Context, rebuild_search: bool) -> None:
    """Check the database: SQLite integrity plus the app's consistency rules."""
    from ..services.integrity import rebuild_search as rebuild
    from ..services.integrity import run_checks
    from ..store.schema import AUDITED

    opts = _options(ctx)
    path = opts.db_path()
    console.print(f"Database: {path}")
    if rebuild_search:
        with open_db(opts) as store:
            console.print(f"Search index rebuilt: {rebuild(store):,} problems.")
    with open_db(opts, readonly=True) as store:
        console.print(
            f"Schema version: {store.schema_version}; size: {path.stat().st_size:,} bytes"
        )
        counts = ", ".join(
            f"{table} {store.scalar(f'SELECT count(*) FROM {table}'):,}"
            for table in AUDITED
            if table not in ("aspects", "notice_problems", "amendments")
        )
        console.print(f"Rows: {counts}")
        findings = run_checks(store)
    if not findings:
        console.print("OK: no problems found.")
        return
    for finding in findings:
        err_console.print(f"FOUND: {finding}")
    err_console.print(f"{len(findings)} finding(s).")
    sys.exit(EXIT_FINDINGS)


def _register_areas() -> None:
    """Each area's commands live in their own module and attach themselves to ``main``
    when it is imported (once; ``MainGroup`` calls this on demand)."""
    import importlib
    import pkgutil

    for module in pkgutil.iter_modules(__path__):
        if not module.name.startswith("_"):
            importlib.import_module(f"{__name__}.{module.name}")
