"""Shared fixtures: a fixed clock, a fresh database file per test, the shipped data."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest

from inspect_tui.clock import FixedClock
from inspect_tui.i18n import set_language
from inspect_tui.paths import demo_org
from inspect_tui.services import checklists, units
from inspect_tui.store import Store, open_store

TODAY = dt.date(2026, 11, 30)


@pytest.fixture(autouse=True)
def _english_and_isolated(
    monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[None]:
    """Every test starts in English with its own config/data folders (never the user's)."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / "config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / "data"))
    monkeypatch.delenv("INSPECT_TUI_DB", raising=False)
    monkeypatch.delenv("INSPECT_TUI_LANG", raising=False)
    set_language("en")
    yield
    set_language("en")


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(dt.datetime(2026, 11, 30, 9, 0, tzinfo=dt.UTC))


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "inspect.db"


@pytest.fixture
def empty_store(db_path: Path, clock: FixedClock) -> Iterator[Store]:
    with open_store(db_path, clock=clock, user="張三", device_id="test-device", seed=1) as store:
        yield store


@pytest.fixture
def store(empty_store: Store) -> Store:
    """A fresh database with the shipped indicator systems and the demo organisation."""
    checklists.install_shipped(empty_store)
    units.import_org_tree(empty_store, demo_org())
    return empty_store


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--soak", action="store_true", help="Run the 30-second concurrency soak (slow)."
    )


# Property tests run the same examples every time: a red CI run is reproducible, and a
# green one is not luck. (Set HYPOTHESIS_PROFILE=explore for fresh random examples.)
from hypothesis import settings as _hypothesis_settings  # noqa: E402

_hypothesis_settings.register_profile("default", derandomize=True, deadline=None)
_hypothesis_settings.register_profile("explore", derandomize=False, deadline=None, max_examples=500)
_hypothesis_settings.load_profile(__import__("os").environ.get("HYPOTHESIS_PROFILE", "default"))
