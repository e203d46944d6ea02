"""How the main screens look, at 80×24 and 120×40, in Traditional Chinese and
English. The database is seeded and the clock fixed, so each run draws the same picture.

Update after a deliberate change with ``pytest tests/test_tui_snapshots.py --snapshot-update``
and look at the report before committing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from tui_support import (
    LANGS,
    SIZES,
    build_db,
    copy_db,
    make_app,  # noqa: F401 (fixtures)
    other_laptop,
    steps,
    work_apart,
)

from inspect_tui.services.merge import merge_file
from inspect_tui.store import Store
from inspect_tui.tui.app import InspectApp


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("snap") / "template.db"
    build_db(path).close()
    return path


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("size", SIZES)
def test_home(
    snap_compare: Callable[..., bool],
    make_app: Callable[[str], InspectApp],
    lang: str,
    size: tuple[int, int],
) -> None:
    assert snap_compare(make_app(lang), terminal_size=size, run_before=steps())


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("size", SIZES)
def test_units(
    snap_compare: Callable[..., bool],
    make_app: Callable[[str], InspectApp],
    lang: str,
    size: tuple[int, int],
) -> None:
    # filtered by pinyin initials, the table focused (no blinking cursor in the picture)
    assert snap_compare(make_app(lang), terminal_size=size, run_before=steps("u", "j", "g", "down"))


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("size", SIZES)
def test_checklist(
    snap_compare: Callable[..., bool],
    make_app: Callable[[str], InspectApp],
    lang: str,
    size: tuple[int, int],
) -> None:
    # the inspection in progress, resumed at its sixth item; one more answer given
    assert snap_compare(make_app(lang), terminal_size=size, run_before=steps("enter", "2"))


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("size", SIZES)
def test_sign_off(
    snap_compare: Callable[..., bool],
    make_app: Callable[[str], InspectApp],
    lang: str,
    size: tuple[int, int],
) -> None:
    # sign-off asked for while items are unanswered: refused, with the list of them
    assert snap_compare(
        make_app(lang), terminal_size=size, run_before=steps("enter", "s", "ctrl+s")
    )


# ---------------------------------------------------------------------- several laptops


@pytest.fixture()
def make_synced_app(
    template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Callable[[str, bool], InspectApp]]:
    """The app on a laptop that worked apart from ``other.db`` (two conflicts), merged
    already or not yet."""
    monkeypatch.chdir(tmp_path)
    stores: list[Store] = []

    def make(lang: str, merged: bool) -> InspectApp:
        store = copy_db(template, tmp_path / "demo.db")
        stores.append(store)
        there = other_laptop(template, tmp_path / "other.db")
        work_apart(store, there)
        there.close()
        if merged:
            merge_file(store, Path("other.db"))
        return InspectApp(store=store, lang=lang)

    yield make
    for store in stores:
        store.close()


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("size", SIZES)
def test_merge_summary(
    snap_compare: Callable[..., bool],
    make_synced_app: Callable[[str, bool], InspectApp],
    lang: str,
    size: tuple[int, int],
) -> None:
    # the other laptop's file typed and merged: what changed, and the conflicts found
    app = make_synced_app(lang, False)
    assert snap_compare(app, terminal_size=size, run_before=steps("m", *"other.db", "enter"))


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("size", SIZES)
def test_conflicts(
    snap_compare: Callable[..., bool],
    make_synced_app: Callable[[str, bool], InspectApp],
    lang: str,
    size: tuple[int, int],
) -> None:
    # the newest conflict's two versions side by side, the differing fields marked
    assert snap_compare(make_synced_app(lang, True), terminal_size=size, run_before=steps("c"))


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("size", SIZES)
def test_audit_log(
    snap_compare: Callable[..., bool],
    make_synced_app: Callable[[str, bool], InspectApp],
    lang: str,
    size: tuple[int, int],
) -> None:
    # filtered by a unit's code: both laptops' changes, newest first, the first in full
    app = make_synced_app(lang, True)
    assert snap_compare(app, terminal_size=size, run_before=steps("l", "slash", *"kfzx", "enter"))
