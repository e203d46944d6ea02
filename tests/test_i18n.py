"""The message catalogue: every message the code asks for exists in both written
languages with the same fields, and the errors a person meets come in the UI language."""

from __future__ import annotations

import ast
import datetime as dt
import sqlite3
import string
from collections.abc import Iterator
from pathlib import Path

import pytest

import inspect_tui
import inspect_tui.tui  # merges the TUI's strings into MESSAGES
from inspect_tui.errors import InspectError
from inspect_tui.i18n import MESSAGES, set_language, t
from inspect_tui.services import audit, problems
from inspect_tui.store import Store, open_store

SOURCE = Path(inspect_tui.__file__).parent


def _fields(text: str) -> set[str]:
    return {name.split("!")[0] for _, name, _, _ in string.Formatter().parse(text) if name}


def _keys_asked_for() -> Iterator[tuple[str, str]]:
    """Every ``t("literal", ...)`` in the package, with where it is."""
    for path in sorted(SOURCE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id == "t"
                and node.args
                and isinstance(node.args[0], ast.Constant)
                and isinstance(node.args[0].value, str)
            ):
                yield node.args[0].value, f"{path.relative_to(SOURCE)}:{node.lineno}"


def test_every_message_asked_for_exists() -> None:
    missing = [f"{key} ({where})" for key, where in _keys_asked_for() if key not in MESSAGES]
    assert missing == []  # t() shows the bare key for a missing message


def test_both_languages_fill_in_the_same_fields() -> None:
    uneven = [
        key
        for key, (english, chinese) in MESSAGES.items()
        if not (english.strip() and chinese.strip()) or _fields(english) != _fields(chinese)
    ]
    assert uneven == []


@pytest.fixture
def chinese() -> Iterator[None]:
    set_language("zh-Hant")
    yield
    set_language("en")


def test_a_file_that_is_not_ours_is_named_in_chinese(chinese: None, tmp_path: Path) -> None:
    other = tmp_path / "other.db"
    sqlite3.connect(other).execute("CREATE TABLE t(x)").connection.close()
    with pytest.raises(InspectError) as err:
        open_store(other)
    assert str(other) in str(err.value) and "不是 inspect_tui 的資料庫" in str(err.value)


def test_a_rectification_dated_tomorrow_is_refused_in_chinese(chinese: None, store: Store) -> None:
    problem = problems.add_problem(
        store, unit="SDC", description="記錄不全", deadline=dt.date(2027, 1, 1)
    )
    tomorrow = store.clock.today() + dt.timedelta(days=1)
    with pytest.raises(InspectError, match="整改日期 .* 晚於今天"):
        problems.record_rectification(store, problem.id, description="補齊記錄", done_on=tomorrow)
    assert problems.rectifications_of(store, problem.id) == []


def test_a_backup_over_an_existing_file_is_refused_in_simplified_chinese(
    store: Store, tmp_path: Path
) -> None:
    taken = tmp_path / "backup.db"
    taken.write_bytes(b"x")
    set_language("zh-Hans")
    try:
        with pytest.raises(InspectError, match="已存在：请另取文件名"):
            audit.backup(store, taken)
    finally:
        set_language("en")
    assert taken.read_bytes() == b"x"
    assert t("err.backup_exists").startswith("already exists")
