"""Units and org-tree files: import, edit, search keys, and every way a file can be wrong."""

from __future__ import annotations

from pathlib import Path

import pytest

from inspect_tui.errors import DataFileError, InvalidInput
from inspect_tui.models import UnitKind, UnitSpec
from inspect_tui.services import units
from inspect_tui.store import Store


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_the_demo_tree_imports_with_parents(store: Store) -> None:
    assert units.get_unit(store, "JG1").parent_id == units.get_unit(store, "JGDZZ").id
    committee = store.one("SELECT * FROM units WHERE kind = 'committee'")
    assert committee is not None and committee["parent_id"] is None
    orphans = store.scalar(
        "SELECT count(*) FROM units WHERE kind != 'committee' AND parent_id IS NULL"
    )
    assert orphans == 0


def test_pinyin_search_key_finds_chinese_names(store: Store) -> None:
    unit = units.get_unit(store, "JGDZZ")
    assert unit.name == "機關黨總支"
    key = units.search_key(unit.name, unit.code)
    assert "jgdzz" in key and "jiguandangzongzhi" in key and "機關黨總支" in key


def test_reimporting_updates_by_code_instead_of_duplicating(store: Store, tmp_path: Path) -> None:
    path = write(
        tmp_path / "org.yaml",
        "units:\n  - {code: JGDZZ, name: 機關黨總支, kind: general_branch, parent: WNGD, secretary: 新書記}\n",
    )
    summary = units.import_org_tree(store, path)
    assert (summary.created, summary.updated) == (0, 1)
    assert units.get_unit(store, "JGDZZ").secretary == "新書記"
    assert store.scalar("SELECT count(*) FROM units") == 29


def test_a_parent_may_be_in_the_database_already(store: Store, tmp_path: Path) -> None:
    path = write(
        tmp_path / "more.yaml",
        "units:\n  - {code: NEW1, name: 新建黨支部, kind: branch, parent: JGDZZ}\n",
    )
    units.import_org_tree(store, path)
    assert units.get_unit(store, "NEW1").parent_id == units.get_unit(store, "JGDZZ").id


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("units:\n  - {code: A, name: 甲, kind: branch, parent: NOPE}\n", "parent 'NOPE'"),
        (
            "units:\n  - {code: A, name: 甲, kind: branch}\n  - {code: A, name: 乙, kind: branch}\n",
            "duplicate unit code 'A'",
        ),
        (
            "units:\n  - {code: A, name: 甲, kind: branch, parent: B}\n  - {code: B, name: 乙, kind: branch, parent: A}\n",
            "cycle",
        ),
        ("units:\n  - {code: A, name: 甲, kind: platoon}\n", "line 2, field units[0].kind"),
        ("units:\n  - {code: A, kind: branch}\n", "field units[0].name: Field required"),
        ("units:\n  - {code: A, name: 甲, kind: branch, members: -3}\n", "units[0].members"),
        ("units: [\n  {code: A\n", "line"),
        ("- just\n- a list\n", "mapping"),
    ],
)
def test_bad_org_files_are_refused_whole_with_a_named_place(
    store: Store, tmp_path: Path, text: str, message: str
) -> None:
    before = store.scalar("SELECT count(*) FROM units")
    path = write(tmp_path / "bad.yaml", text)
    with pytest.raises(DataFileError, match="bad.yaml") as err:
        units.import_org_tree(store, path)
    assert message in str(err.value)
    assert store.scalar("SELECT count(*) FROM units") == before


def test_a_file_that_is_not_utf8_is_named_with_its_line(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "gbk.yaml"
    path.write_bytes("units:\n  - {code: A, name: 機關, kind: branch}\n".encode("big5"))
    with pytest.raises(DataFileError, match=r"line 2: not UTF-8"):
        units.import_org_tree(store, path)


def test_json_files_work_too_and_name_the_line_of_a_syntax_error(
    store: Store, tmp_path: Path
) -> None:
    good = write(
        tmp_path / "org.json",
        '{"units": [{"code": "J1", "name": "甲支部", "kind": "branch", "parent": "WNGD"}]}',
    )
    assert units.import_org_tree(store, good).created == 1
    bad = write(tmp_path / "bad.json", '{"units": [\n{"code": "J2",}\n]}')
    with pytest.raises(DataFileError, match="line 2"):
        units.import_org_tree(store, bad)


def test_create_and_edit_a_unit(store: Store) -> None:
    unit = units.create_unit(
        store, UnitSpec(code="T1", name="測試黨支部", kind=UnitKind.BRANCH, parent="WNGD")
    )
    edited = units.update_unit(store, unit.id, name="測試第二黨支部", members=12)
    assert (edited.name, edited.members) == ("測試第二黨支部", 12)
    assert "csdedzb" in store.scalar("SELECT search FROM units WHERE id = ?", (unit.id,))
    with pytest.raises(InvalidInput, match="already exists"):
        units.create_unit(store, UnitSpec(code="T1", name="重複", kind=UnitKind.BRANCH))
    with pytest.raises(InvalidInput, match="under itself"):
        units.update_unit(store, units.get_unit(store, "WNGD").id, parent="T1")
