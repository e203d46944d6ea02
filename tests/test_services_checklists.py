"""Indicator systems: import, versions, and bad files refused with file, line and field."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from inspect_tui.errors import DataFileError
from inspect_tui.paths import shipped_checklists
from inspect_tui.services import checklists
from inspect_tui.store import Store

V3 = next(p for p in shipped_checklists() if p.name.endswith("v3.yaml"))


def test_shipped_versions_import_and_newest_is_default(store: Store) -> None:
    listed = checklists.list_checklists(store)
    assert [(c.code, c.version) for c in listed] == [
        ("branch-benchmark", 2),
        ("branch-benchmark", 3),
    ]
    newest = checklists.newest_checklist(store)
    assert newest.version == 3
    indicators = checklists.indicators_of(store, newest.id)
    assert len(indicators) == 20
    assert indicators[0].standard and indicators[0].guidance


def test_reimporting_the_same_version_changes_nothing(store: Store) -> None:
    before = store.scalar("SELECT count(*) FROM audit_log")
    result = checklists.import_checklist(store, V3)
    assert not result.created
    assert store.scalar("SELECT count(*) FROM audit_log") == before


def test_a_changed_file_with_an_existing_version_is_refused(store: Store, tmp_path: Path) -> None:
    data = yaml.safe_load(V3.read_text(encoding="utf-8"))
    data["aspects"][0]["indicators"][0]["max_score"] = 99
    path = tmp_path / "v3-edited.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(DataFileError, match="new version number"):
        checklists.import_checklist(store, path)
    data["version"] = 4
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    assert checklists.import_checklist(store, path).created
    assert checklists.newest_checklist(store).version == 4


def mutate(tmp_path: Path, change) -> Path:
    data = yaml.safe_load(V3.read_text(encoding="utf-8"))
    change(data)
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def _dup(d):
    d["aspects"][1]["indicators"][0]["code"] = d["aspects"][0]["indicators"][0]["code"]


def _neg(d):
    d["aspects"][0]["indicators"][1]["max_score"] = -5


def _missing(d):
    del d["aspects"][2]["indicators"][0]["standard"]


def _bad_rule(d):
    d["aspects"][0]["indicators"][0]["rule"] = {"type": "magic"}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (_dup, "duplicate indicator code"),
        (_neg, "field aspects[0].indicators[1].max_score: Input should be greater than 0"),
        (_missing, "field aspects[2].indicators[0].standard: Field required"),
        (_bad_rule, "aspects[0].indicators[0].rule"),
    ],
)
def test_bad_indicator_systems_name_the_field_and_line(
    store: Store, tmp_path: Path, change, message
) -> None:
    before = store.scalar("SELECT count(*) FROM indicators")
    path = mutate(tmp_path, change)
    with pytest.raises(DataFileError) as err:
        checklists.import_checklist(store, path)
    text = str(err.value)
    assert str(path) in text and message in text
    assert "line " in text
    assert store.scalar("SELECT count(*) FROM indicators") == before


def test_the_line_named_is_the_line_of_the_bad_value(tmp_path: Path) -> None:
    path = mutate(tmp_path, _neg)
    lines = path.read_text(encoding="utf-8").splitlines()
    with pytest.raises(DataFileError) as err:
        checklists.validate_file(path)
    line = int(str(err.value).split("line ")[1].split(",")[0])
    assert "max_score: -5" in lines[line - 1]


def test_malformed_yaml_names_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text("code: x\nversion: 1\naspects: [\n  - code: A\n", encoding="utf-8")
    with pytest.raises(DataFileError, match=r"broken.yaml: line \d+, column \d+"):
        checklists.validate_file(path)


def test_a_database_without_indicator_systems_gets_the_shipped_ones_once(
    empty_store: Store,
) -> None:
    from inspect_tui.services.setup import ensure_shipped_checklists

    assert ensure_shipped_checklists(empty_store) is True
    installed = empty_store.scalar("SELECT count(*) FROM checklists")
    assert installed == len(shipped_checklists())
    assert ensure_shipped_checklists(empty_store) is False
    assert empty_store.scalar("SELECT count(*) FROM checklists") == installed
