"""The office view: reports for leaders, and the read-only web view (Datasette)."""

from __future__ import annotations

import contextlib
import datetime as dt
import ipaddress
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

import click

from ..errors import InvalidInput
from . import _options, common_options, console, handle_errors, main, open_db


@main.command()
@common_options
@click.argument(
    "report",
    type=click.Choice(
        ["ranking", "lagging", "overdue_by_unit", "rectification_rate", "unit_history"]
    ),
)
@click.option("--month", help="YYYY-MM (ranking, lagging; default: the latest month with results).")
@click.option(
    "--today",
    "today",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="Count overdue as of this day.",
)
@click.option("--unit", "unit_code", help="Unit code (unit_history).")
@click.option(
    "--json", "as_json", is_flag=True, help="Print JSON (what `serve` shows as the same query)."
)
@click.pass_context
@handle_errors
def office(
    ctx: click.Context,
    report: str,
    month: str | None,
    today: dt.datetime | None,
    unit_code: str | None,
    as_json: bool,
) -> None:
    """What leaders ask: the same queries the web view (`serve`) publishes."""
    from ..services.office import run_report

    if report == "unit_history" and not unit_code:
        raise InvalidInput("unit_history needs --unit CODE")
    with open_db(_options(ctx), readonly=True) as store:
        rows = run_report(
            store,
            report,
            month=month,
            today=(today.date() if today else store.clock.today()),
            unit=unit_code,
        )
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    if not rows:
        console.print("Nothing to show.")
        return
    keys = list(rows[0])
    console.print("\t".join(keys), markup=False)
    for row in rows:
        console.print("\t".join("" if row[k] is None else str(row[k]) for k in keys), markup=False)


LOOPBACK_NAMES = {"localhost"}


def _is_loopback(host: str) -> bool:
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _port_free(host: str, port: int) -> bool:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


@main.command()
@common_options
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", type=click.IntRange(1, 65535), default=8001, show_default=True)
@click.option(
    "--password",
    envvar="INSPECT_TUI_SERVE_PASSWORD",
    help="Required to listen beyond this computer; users log in as 'leader'. "
    "Also read from INSPECT_TUI_SERVE_PASSWORD.",
)
@click.pass_context
@handle_errors
def serve(ctx: click.Context, host: str, port: int, password: str | None) -> None:
    """Publish the database read-only in a browser (Datasette), for leaders.

    Listens on 127.0.0.1 by default. Listening on another address needs a password.
    The view never writes: the database is opened read-only, and works while the app
    writes to it.
    """
    opts = _options(ctx)
    path = opts.db_path()
    with open_db(opts, readonly=True):  # refuses a missing, damaged or foreign file
        pass
    if not _is_loopback(host) and not password:
        raise InvalidInput(
            f"listening on {host} exposes the database beyond this computer: give a password "
            "with --password or INSPECT_TUI_SERVE_PASSWORD"
        )
    if not _port_free(host, port):
        raise InvalidInput(f"port {port} on {host} is already in use; choose another with --port")
    from ..services.office import datasette_metadata

    password_hash = None
    if password:
        from datasette_auth_passwords.utils import hash_password

        password_hash = hash_password(password)
    metadata = datasette_metadata(path.stem, password_hash=password_hash)
    with tempfile.TemporaryDirectory(prefix="inspect-tui-serve-") as folder:
        meta_path = Path(folder) / "metadata.json"
        meta_path.write_text(json.dumps(metadata, ensure_ascii=False), encoding="utf-8")
        command = [
            sys.executable,
            "-m",
            "datasette",
            "serve",
            str(path),
            "--metadata",
            str(meta_path),
            "--host",
            host,
            "--port",
            str(port),
            "--setting",
            "allow_download",
            "off",
            "--setting",
            "sql_time_limit_ms",
            "5000",
            "--setting",
            "default_page_size",
            "50",
        ]
        note = "" if _is_loopback(host) else " (log in at /-/login as 'leader')"
        console.print(
            f"Serving {path} read-only at http://{host}:{port}/{note} — Ctrl+C stops.", markup=False
        )
        child = subprocess.Popen(command, env=dict(os.environ))
        # stopping this command stops Datasette too (Ctrl+C reaches both; SIGTERM is passed on)
        signal.signal(signal.SIGTERM, lambda *_: child.terminate())
        with contextlib.suppress(KeyboardInterrupt):
            child.wait()
        if child.poll() is None:
            child.terminate()
        sys.exit(child.wait())
