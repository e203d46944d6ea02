"""The quick read of the settings at start-up (no pydantic) gives what the settings model
gives, or gives way to it: it must never start the app on a different file, language or
name than ``load_settings()`` would, nor hide a settings error."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from inspect_tui.errors import InspectError
from inspect_tui.locations import default_db_path, settings_file
from inspect_tui.settings import Settings, load_settings
from inspect_tui.startup_settings import ENV_PREFIX, NAMES, StartupSettings, read_startup_settings


@contextmanager
def environment(values: dict[str, str]) -> Iterator[None]:
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                del os.environ[name]
            else:
                os.environ[name] = value


def write_settings(content: object) -> Path:
    path = settings_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    if content is None:
        path.unlink(missing_ok=True)
    elif isinstance(content, str):
        path.write_text(content, encoding="utf-8", errors="surrogatepass")
    else:
        path.write_text(yaml.safe_dump(content, allow_unicode=True), encoding="utf-8")
    return path


def full() -> StartupSettings | None:
    try:
        loaded = load_settings()
    except InspectError:
        return None
    db = loaded.db if "db" in loaded.model_fields_set else None  # None: the default
    assert db is not None or loaded.db == default_db_path()
    return StartupSettings(db=db, lang=loaded.lang, user=loaded.user)


def test_the_names_read_quickly_are_settings() -> None:
    assert set(NAMES) <= set(Settings.model_fields)
    assert Settings.model_config["env_prefix"] == ENV_PREFIX


def test_no_settings_file_gives_the_defaults() -> None:
    write_settings(None)
    assert read_startup_settings() == StartupSettings(db=None, lang=None, user="")
    assert full() == read_startup_settings()


def test_a_used_settings_file_is_read_without_the_model(tmp_path: Path) -> None:
    write_settings({"db": str(tmp_path / "a.db"), "user": "張三", "lang": "zh-Hant"})
    with environment({"INSPECT_TUI_USER": "李四"}):  # the environment wins, as in the model
        quick = read_startup_settings()
        assert quick == StartupSettings(db=tmp_path / "a.db", lang="zh-Hant", user="李四")
        assert quick == full()


@pytest.mark.parametrize(
    "content",
    [
        {"user": 123},  # not text: the model names the field
        {"notice_font": "/fonts/song.ttf"},  # another setting: only the model checks it
        {"bogus": 1},
        {"db": None},
        "user: [unclosed",  # does not parse
        "- a\n- list\n",
        "\udcff",  # not UTF-8
    ],
)
def test_anything_else_gives_way_to_the_model(content: object) -> None:
    write_settings(content)
    assert read_startup_settings() is None


def test_a_variable_in_another_case_gives_way_to_the_model() -> None:
    write_settings(None)
    with environment({"inspect_tui_user": "王五"}):
        assert read_startup_settings() is None
        assert full() == StartupSettings(db=None, lang=None, user="王五")


VALUES = st.one_of(
    st.text(max_size=20), st.integers(), st.booleans(), st.none(), st.lists(st.integers())
)
KEYS = st.sampled_from([*NAMES, "DB", "max_attachment_mb", "evidence_required", "bogus"])
ENV_TEXT = st.text(st.characters(exclude_characters="\x00", exclude_categories=["Cs"]))


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    content=st.one_of(st.none(), st.dictionaries(KEYS, VALUES, max_size=4), st.text(max_size=30)),
    env=st.dictionaries(
        st.sampled_from(["INSPECT_TUI_DB", "INSPECT_TUI_LANG", "INSPECT_TUI_USER"]),
        ENV_TEXT,
        max_size=3,
    ),
)
def test_the_quick_read_agrees_with_the_model_or_gives_way(content: object, env: dict) -> None:
    write_settings(content)
    with environment(env):
        quick = read_startup_settings()
        model = full()
    if quick is not None:
        assert model == quick
    plain = content is None or (
        isinstance(content, dict)
        and set(content) <= set(NAMES)
        and all(isinstance(v, str) for v in content.values())
    )
    if plain:  # the usual case: the model is not needed to start
        assert quick is not None
