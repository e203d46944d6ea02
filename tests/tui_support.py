"""A small seeded database for the TUI and overview tests (and the kill driver).

Built through the services only, with a fixed clock and seed, so every run produces the
same ids, dates and scores — and so the same snapshots.
"""

from __future__ import annotations

import datetime as dt
import random
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from textual.pilot import Pilot

from inspect_tui.clock import FixedClock
from inspect_tui.models import InspectionKind, Result, Severity
from inspect_tui.paths import demo_org
from inspect_tui.services import checklists, inspections, problems, units
from inspect_tui.store import Store, open_store
from inspect_tui.tui.app import InspectApp

TODAY = dt.date(2026, 3, 16)
START = dt.datetime(2026, 3, 16, 1, 0, tzinfo=dt.UTC)
USER = "張三"
DEVICE = "test-laptop"
SEED = 20260316


def make_clock() -> FixedClock:
    return FixedClock(START, dt.timedelta(seconds=1))


def open_db(path: Path, *, clock: FixedClock | None = None, seed: int = SEED) -> Store:
    return open_store(path, clock=clock or make_clock(), user=USER, device_id=DEVICE, seed=seed)


def _answer_all(
    store: Store, inspection_id: str, rng: random.Random, *, upto: int | None = None
) -> None:
    inspection = inspections.get_inspection(store, inspection_id)
    items = checklists.indicators_of(store, inspection.checklist_id)
    for ind in items[:upto]:
        roll = rng.random()
        if ind.kind.value == "bonus":
            result = Result.CONFORMS if roll < 0.3 else Result.NOT_APPLICABLE
        elif roll < 0.7:
            result = Result.CONFORMS
        elif roll < 0.85 and ind.rule.type != "pass_fail":
            result = Result.PARTLY
        elif roll < 0.95:
            result = Result.DOES_NOT
        else:
            result = Result.NOT_APPLICABLE
        value = None
        if ind.rule.type == "scale" and result is Result.PARTLY:
            value = round(ind.max_score * 0.6, 1)
        elif ind.rule.type == "deduct" and result in (Result.PARTLY, Result.DOES_NOT):
            value = 2.0
        remark = "記錄不全" if result is Result.PARTLY else ""
        inspections.record_answer(store, inspection_id, ind.id, result, value=value, remark=remark)


def build_db(path: Path, *, monthly: bool = True) -> Store:
    """The demo organisation, both shipped indicator systems, and a little history:
    signed-off inspections, one inspection in progress (5 answers), problems overdue,
    due soon, later and closed, and two months of results with lagging units."""
    store = open_db(path)
    rng = random.Random(SEED)
    units.import_org_tree(store, demo_org())
    checklists.install_shipped(store)
    v2 = next(c for c in checklists.list_checklists(store) if c.version == 2)

    past = [
        ("KFZX", dt.date(2025, 11, 12), v2.id),
        ("JG2", dt.date(2025, 12, 15), None),
        ("JG1", dt.date(2026, 1, 8), None),
        ("SDC", dt.date(2026, 1, 20), None),
        ("KFZX", dt.date(2026, 2, 10), None),
        ("XXZX", dt.date(2026, 2, 26), None),
    ]
    signed: dict[str, str] = {}
    for code, date, checklist_id in past:
        insp = inspections.start_inspection(
            store,
            code,
            kind=InspectionKind.SPOT,
            date=date,
            team=[USER, "李四"],
            checklist_id=checklist_id,
        )
        _answer_all(store, insp.id, rng)
        inspections.sign_off(store, insp.id, by=USER)
        signed[f"{code}@{date}"] = insp.id

    # problems: overdue (one reopened), due within 7 days, later, closed
    jg1 = signed["JG1@2026-01-08"]
    sdc = signed["SDC@2026-01-20"]
    kf = signed["KFZX@2026-02-10"]
    p1 = problems.add_problem(
        store,
        inspection_id=jg1,
        indicator="B1",
        description="第四季度支委會記錄缺失兩次",
        severity=Severity.MAJOR,
        requirement="補齊記錄並說明原因",
        responsible="陳曉峰",
        deadline=dt.date(2026, 2, 28),
    )
    problems.add_problem(
        store,
        inspection_id=sdc,
        indicator="C1",
        description="一月份參學率僅為百分之七十八",
        severity=Severity.GENERAL,
        requirement="制定補學計劃",
        responsible="胡德明",
        deadline=dt.date(2026, 3, 10),
    )
    problems.add_problem(
        store,
        inspection_id=kf,
        indicator="B3",
        description="三名黨員承諾未公開",
        severity=Severity.GENERAL,
        requirement="在公示欄公開承諾",
        responsible="朱永紅",
        deadline=dt.date(2026, 3, 20),
    )
    problems.add_problem(
        store,
        inspection_id=kf,
        indicator="B2",
        description="發展對象公示期不足七天",
        severity=Severity.SERIOUS,
        requirement="重新公示",
        responsible="朱永紅",
        deadline=dt.date(2026, 3, 23),
    )
    problems.add_problem(
        store,
        inspection_id=kf,
        description="黨員活動室制度牌未更新",
        severity=Severity.GENERAL,
        responsible="朱永紅",
        deadline=dt.date(2026, 5, 31),
    )
    closed = problems.add_problem(
        store,
        inspection_id=sdc,
        indicator="A1",
        description="三重一大事項登記表未簽字",
        severity=Severity.GENERAL,
        responsible="胡德明",
        deadline=dt.date(2026, 2, 20),
    )
    problems.record_rectification(
        store, closed.id, description="已補簽", done_on=dt.date(2026, 2, 15), evidence=["掃描件"]
    )
    problems.submit_for_verification(store, closed.id)
    problems.close_problem(
        store, closed.id, closed_on=dt.date(2026, 2, 18), without_evidence_reason="現場核實原件"
    )
    problems.record_rectification(
        store, p1.id, description="已補錄一次", done_on=dt.date(2026, 2, 20)
    )

    # one inspection in progress, five items answered, the inspector moved on to the sixth
    current = inspections.start_inspection(
        store, "JG2", kind=InspectionKind.SUPERVISORY, date=dt.date(2026, 3, 16), team=[USER]
    )
    _answer_all(store, current.id, rng, upto=5)
    items = checklists.indicators_of(store, current.checklist_id)
    inspections.move_cursor(store, current.id, items[5].id)

    if monthly:
        add_monthly_results(store, rng)
    # backed up today: the backup reminder stays out of tests that are not about it
    store.set_meta("last_backup_at", store.now_iso())
    return store


def add_monthly_results(store: Store, rng: random.Random) -> None:
    """Two months of ranked results for every branch; the bottom three of the latest month
    lag. Written row by row through the store (the ranking service owns the real rule)."""
    branches = [u for u in units.list_units(store) if u.kind.value == "branch"]
    for month in ("2026-01", "2026-02"):
        scores = {u.id: round(70 + rng.random() * 28, 1) for u in branches}
        ordered = sorted(branches, key=lambda u: (-scores[u.id], u.code))
        with store.write():
            for rank, unit in enumerate(ordered, start=1):
                store.insert(
                    "monthly_results",
                    {
                        "unit_id": unit.id,
                        "month": month,
                        "score": scores[unit.id],
                        "rank": rank,
                        "benchmark": int(rank == 1),
                        "lagging": int(month == "2026-02" and rank > len(ordered) - 3),
                    },
                )


def build_demo_db(path: Path) -> None:
    """The shipped demo (a year of monthly results, reviews, self-reports, practices) with
    ``TODAY`` as its today; closed, for ``copy_db``. About 8 s: build once per module."""
    from inspect_tui.services.demo import build_demo

    with open_db(path) as store:
        build_demo(store, seed=7, today=TODAY)
        store.set_meta("last_backup_at", store.now_iso())  # no backup reminder on screen


def copy_db(template: Path, target: Path, *, seed: int = SEED + 1) -> Store:
    """A fresh copy of a closed template database, opened with a fixed clock. The seed
    differs from the one that built the template, so new ids never repeat old ones."""
    target.write_bytes(template.read_bytes())
    return open_db(target, seed=seed)


def in_progress_id(store: Store) -> str:
    return str(
        store.scalar("SELECT id FROM inspections WHERE state = 'in_progress' ORDER BY date LIMIT 1")
    )


# ---------------------------------------------------------------------- a second laptop

OTHER_USER = "李四"
OTHER_DEVICE = "laptop-b"
LATER = dt.datetime(2026, 3, 16, 9, 0, tzinfo=dt.UTC)


def later_clock() -> FixedClock:
    """The same day, after the template was built (from 01:00): changes stamped by it are
    the newest in the audit log, as changes made after a database was handed out are."""
    return FixedClock(LATER, dt.timedelta(seconds=1))


def other_laptop(template: Path, path: Path) -> Store:
    """A copy of the template opened as a second laptop: another device, another
    inspector, working later that day."""
    path.write_bytes(template.read_bytes())
    return open_store(
        path, clock=later_clock(), user=OTHER_USER, device_id=OTHER_DEVICE, seed=SEED + 2
    )


def work_apart(here: Store, there: Store) -> None:
    """Work done on two laptops since they split, later that day (``here`` gets a later
    clock): the same unit's secretary and the same problem's deadline changed differently
    on both (two conflicts); on the other laptop a rectification recorded and a new
    inspection begun (three answers)."""
    here.clock = later_clock()
    units.update_unit(here, "SDC", secretary="張三改")
    units.update_unit(there, "SDC", secretary="李四改")
    problem = str(
        here.scalar("SELECT id FROM problems WHERE description = ?", ("三名黨員承諾未公開",))
    )
    problems.extend_deadline(here, problem, deadline=dt.date(2026, 4, 10), reason="公示欄維修")
    problems.extend_deadline(there, problem, deadline=dt.date(2026, 4, 20), reason="等待換屆")
    problems.record_rectification(
        there, problem, description="已公開兩名黨員的承諾", done_on=dt.date(2026, 3, 16)
    )
    inspection = inspections.start_inspection(
        there, "XXZX", kind=InspectionKind.SPOT, date=TODAY, team=[OTHER_USER]
    )
    _answer_all(there, inspection.id, random.Random(SEED + 2), upto=3)


# ---------------------------------------------------------------------- rectification and evidence


def problem_id(store: Store, description: str) -> str:
    """The id of the seeded problem with this description."""
    return str(store.scalar("SELECT id FROM problems WHERE description = ?", (description,)))


def start_reinspection(store: Store, unit: str = "KFZX") -> str:
    """A re-inspection (復查) of ``unit`` begun today, one item answered."""
    inspection = inspections.start_inspection(
        store, unit, kind=InspectionKind.REINSPECTION, date=TODAY, team=[USER]
    )
    _answer_all(store, inspection.id, random.Random(SEED + 3), upto=1)
    return inspection.id


def make_jpeg(path: Path, size: tuple[int, int] = (64, 48)) -> Path:
    """A small real JPEG (red), made by Pillow."""
    from PIL import Image

    Image.new("RGB", size, (200, 30, 30)).save(path, "JPEG")
    return path


# ---------------------------------------------------------------------- driving the app


async def settle(pilot: Pilot[None]) -> None:
    """Wait until no worker runs and every message they posted is handled."""
    app = pilot.app
    await pilot.pause()
    for _ in range(60):
        if not len(app.workers):
            break
        await app.workers.wait_for_complete()
        await pilot.pause()


async def press(pilot: Pilot[None], *keys: str) -> None:
    await pilot.press(*keys)
    await settle(pilot)


def rows(path: Path, sql: str, params: tuple[object, ...] = ()) -> list[tuple[object, ...]]:
    """Read the file with a connection of its own, as any SQLite tool would."""
    conn = sqlite3.connect(path)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


# ---------------------------------------------------------------------- fixtures
#
# A test module defines a module-scoped ``template`` fixture (the database it starts from:
# ``build_db`` or ``build_demo_db``) and imports these, which copy it for each test.


@pytest.fixture()
def store(template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Store]:
    """A fresh copy of the module's template, as ``demo.db`` in the working folder."""
    monkeypatch.chdir(tmp_path)  # the home screen shows the file as "demo.db"
    store = copy_db(template, tmp_path / "demo.db")
    yield store
    store.close()


def apps_on_copies(
    template: Path,
    folder: Path,
    build: Callable[[Store, str], InspectApp] = lambda store, lang: InspectApp(store, lang),
) -> Iterator[Callable[[str], InspectApp]]:
    """Yields ``make(lang)``: an app from ``build`` on a fresh copy of ``template`` (as
    ``folder/demo.db``); every copy is closed afterwards. A module whose apps need more
    (a user, settings, attachments) makes its own ``make_app`` from this with its
    ``build``."""
    stores: list[Store] = []

    def make(lang: str) -> InspectApp:
        store = copy_db(template, folder / "demo.db")
        stores.append(store)
        return build(store, lang)

    yield make
    for store in stores:
        store.close()


@pytest.fixture()
def make_app(
    template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Callable[[str], InspectApp]]:
    """An app in a given language on a fresh copy of the module's template."""
    monkeypatch.chdir(tmp_path)  # the home screen shows the file as "demo.db"
    yield from apps_on_copies(template, tmp_path)


# ---------------------------------------------------------------------- snapshots

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((120, 40), id="120x40")]
LANGS = ["zh-Hant", "en"]


def steps(*keys: str) -> Callable[[Pilot[None]], object]:
    """What a snapshot does first: settle, press each key and settle, no toasts left."""

    async def run(pilot: Pilot[None]) -> None:
        await settle(pilot)
        for key in keys:
            await press(pilot, key)
        pilot.app.clear_notifications()
        await settle(pilot)

    return run
