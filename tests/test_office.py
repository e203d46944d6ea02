"""The office view: reports shared by the CLI and Datasette, served read-only."""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import json
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from PIL import Image

from inspect_tui.cli import main
from inspect_tui.services import evidence, problems
from inspect_tui.services.office import REPORTS, run_report
from inspect_tui.store import Store

TODAY = "2026-11-30"


@pytest.fixture
def office_db(store: Store, db_path: Path, tmp_path: Path) -> Path:
    units = {r["code"]: r["id"] for r in store.all("SELECT id, code FROM units")}
    for month, order in (("2026-10", ["SDC", "KFZX", "JXC"]), ("2026-11", ["KFZX", "SDC", "JXC"])):
        for rank, code in enumerate(order, 1):
            store.insert(
                "monthly_results",
                {
                    "id": store.key_id("monthly", units[code], month),
                    "unit_id": units[code],
                    "month": month,
                    "score": 100 - rank * 5.5,
                    "rank": rank,
                    "benchmark": int(rank == 1),
                    "lagging": int(code == "JXC"),
                },
            )
    p = problems.add_problem(
        store,
        unit="SDC",
        description="逾期問題 <b>&",
        deadline=dt.date(2026, 11, 30),
        found_on=dt.date(2026, 11, 1),
    )
    problems.add_problem(store, unit="SDC", description="未到期", deadline=dt.date(2026, 12, 30))
    problems.add_problem(
        store,
        unit="JXC",
        description="另一個",
        deadline=dt.date(2026, 11, 30),
        found_on=dt.date(2026, 11, 2),
    )
    photo = tmp_path / "photo.png"
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (10, 120, 200)).save(buffer, "PNG")
    photo.write_bytes(buffer.getvalue())
    evidence.attach(store, "problem", p.id, photo)
    store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return db_path


def test_reports_answer_what_leaders_ask(office_db: Path, store: Store) -> None:
    ranking = run_report(store, "ranking", month="2026-10")
    assert [(r["rank"], r["unit_code"], r["benchmark"]) for r in ranking] == [
        (1, "SDC", 1),
        (2, "KFZX", 0),
        (3, "JXC", 0),
    ]
    assert [r["month"] for r in run_report(store, "ranking")] == [
        "2026-11"
    ] * 3  # latest by default
    assert [r["unit_code"] for r in run_report(store, "lagging")] == ["JXC"]
    overdue = run_report(store, "overdue_by_unit", today="2026-12-02")
    assert [(r["unit_code"], r["overdue"]) for r in overdue] == [("JXC", 1), ("SDC", 1)]
    assert run_report(store, "overdue_by_unit", today=TODAY) == []  # due today is not overdue
    history = run_report(store, "unit_history", unit="SDC")
    assert {r["kind"] for r in history} == {"problem", "month"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def fetch(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as err:
        return err.code, err.read()


@pytest.fixture
def served(office_db: Path) -> Iterator[str]:
    port = free_port()
    exe = Path(sys.executable).with_name("inspect-tui")
    proc = subprocess.Popen(
        [str(exe), "--db", str(office_db), "serve", "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:  # wait for the server to answer, not a fixed time
        with contextlib.suppress(OSError):
            if fetch(base + "/-/versions.json")[0] == 200:
                break
        if proc.poll() is not None:
            pytest.fail(proc.stderr.read().decode())
        time.sleep(0.1)
    yield base
    proc.terminate()
    proc.wait(timeout=10)


def test_serve_publishes_pages_and_every_report_equals_the_cli(
    served: str, office_db: Path
) -> None:
    status, home = fetch(served + "/")
    assert status == 200 and "inspect_tui" in home.decode()
    db = office_db.stem
    status, page = fetch(f"{served}/{db}/problems")
    assert (
        status == 200
        and "問題 Problems" in page.decode()
        and "逾期問題 &lt;b&gt;&amp;" in page.decode()
    )
    for report in REPORTS:
        params = {"month": "2026-10", "today": "2026-12-02", "unit": "SDC"}
        query = "&".join(f"{p}={params[p]}" for p in report.params)
        status, body = fetch(f"{served}/{db}/{report.name}.json?_shape=array&{query}")
        assert status == 200, body
        web = json.loads(body)
        args = ["--db", str(office_db), "office", report.name, "--json"]
        args += {
            "month": ["--month", "2026-10"],
            "today": ["--today", "2026-12-02"],
            "unit": ["--unit", "SDC"],
        }[report.params[0]]
        cli = json.loads(CliRunner().invoke(main, args).output)
        assert web == cli, report.name
    status, gallery = fetch(f"{served}/{db}/evidence_images?owner_id=")
    assert status == 200 and "data:image/png;base64" in gallery.decode()


def test_the_web_view_never_writes(served: str, office_db: Path) -> None:
    db = office_db.stem
    status, body = fetch(f"{served}/{db}.json?sql=DELETE+FROM+units")
    assert status >= 400
    request = urllib.request.Request(
        f"{served}/{db}/units/-/insert", data=b'{"row": {}}', method="POST"
    )
    with pytest.raises(urllib.error.HTTPError):
        urllib.request.urlopen(request, timeout=10)
    import sqlite3

    with sqlite3.connect(str(office_db)) as conn:
        assert conn.execute("SELECT count(*) FROM units").fetchone()[0] == 29


def test_serve_refusals(office_db: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    missing = runner.invoke(main, ["--db", str(tmp_path / "none.db"), "serve"])
    assert missing.exit_code == 2 and "does not exist" in missing.output
    wide = runner.invoke(
        main,
        ["--db", str(office_db), "serve", "--host", "0.0.0.0"],
        env={"INSPECT_TUI_SERVE_PASSWORD": ""},
    )
    assert wide.exit_code == 2 and "password" in wide.output
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        port = sock.getsockname()[1]
        busy = runner.invoke(main, ["--db", str(office_db), "serve", "--port", str(port)])
    assert busy.exit_code == 2 and "in use" in busy.output
