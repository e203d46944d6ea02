"""Organisation units: create, edit, import a tree, find by name, code or pinyin."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..datafiles import load_model
from ..errors import DataFileError, InvalidInput, NotFound
from ..i18n import t
from ..models import OrgTreeFile, Unit, UnitKind, UnitSpec
from ..rules import clean_text
from ..store import Store


def search_key(name: str, code: str) -> str:
    """What the unit filter matches: name, code, full pinyin and pinyin initials, lowercased.

    Pinyin matters because typing Chinese in a terminal needs an input method:
    ``jgdzz`` and ``jiguandangzongzhi`` both find 機關黨總支.
    """
    from pypinyin import Style, lazy_pinyin  # 0.3 s to import: only when a name changes

    full = "".join(lazy_pinyin(name, errors="default"))
    initials = "".join(lazy_pinyin(name, style=Style.FIRST_LETTER, errors="default"))
    return " ".join((name, code, full, initials)).lower()


def _row(spec: UnitSpec, parent_id: str | None) -> dict[str, Any]:
    return {
        "code": spec.code,
        "name": clean_text("name", spec.name, limit=200, required=True),
        "kind": spec.kind.value,
        "parent_id": parent_id,
        "secretary": clean_text("secretary", spec.secretary, limit=200),
        "members": spec.members,
        "contact": clean_text("contact", spec.contact, limit=200),
        "search": search_key(spec.name, spec.code),
    }


def get_unit(store: Store, key: str) -> Unit:
    """A unit by id or code."""
    row = store.one("SELECT * FROM units WHERE id = ? OR code = ?", (key, key))
    if row is None:
        raise NotFound(t("err.not_found", what="unit", key=key))
    return Unit.model_validate(row)


def create_unit(store: Store, spec: UnitSpec) -> Unit:
    if store.scalar("SELECT 1 FROM units WHERE code = ?", (spec.code,)):
        raise InvalidInput(t("err.unit_code_exists", code=spec.code), where="code")
    parent_id = get_unit(store, spec.parent).id if spec.parent else None
    row = store.insert("units", {"id": store.key_id("unit", spec.code)} | _row(spec, parent_id))
    return get_unit(store, row["id"])


def update_unit(store: Store, unit_id: str, **changes: Any) -> Unit:
    current = get_unit(store, unit_id)
    data = current.model_dump() | changes
    parent = changes.get("parent")
    spec = UnitSpec(
        code=data["code"],
        name=data["name"],
        kind=data["kind"],
        parent=None,
        secretary=data["secretary"],
        members=data["members"],
        contact=data["contact"],
    )
    parent_id = current.parent_id
    if parent is not None:
        parent_id = get_unit(store, parent).id if parent else None
        if parent_id and _is_descendant(store, parent_id, current.id):
            raise InvalidInput(t("err.unit_cycle"), where="parent")
    store.update("units", current.id, _row(spec, parent_id))
    return get_unit(store, current.id)


def _is_descendant(store: Store, candidate: str, ancestor: str) -> bool:
    seen = set()
    node: str | None = candidate
    while node and node not in seen:
        if node == ancestor:
            return True
        seen.add(node)
        node = store.scalar("SELECT parent_id FROM units WHERE id = ?", (node,))
    return False


@dataclass(frozen=True)
class ImportSummary:
    created: int
    updated: int


def import_org_tree(store: Store, path: Path) -> ImportSummary:
    """Create or update (by code) every unit in the file, in one transaction.

    Parents may be in the file or already in the database; a missing parent or a cycle
    refuses the whole file.
    """
    tree = load_model(path, OrgTreeFile)
    return import_org_tree_data(store, tree, source=str(path))


def import_org_tree_data(store: Store, tree: OrgTreeFile, *, source: str = "") -> ImportSummary:
    in_file = {u.code: u for u in tree.units}
    existing = {r["code"]: r["id"] for r in store.all("SELECT id, code FROM units")}
    for index, unit in enumerate(tree.units):
        if unit.parent and unit.parent not in in_file and unit.parent not in existing:
            raise DataFileError(
                f"field units[{index}].parent: parent {unit.parent!r} of unit {unit.code!r} "
                "is neither in the file nor in the database",
                where=source or None,
            )
    for index, unit in enumerate(tree.units):  # every text checked before anything is written
        try:
            _row(unit, None)
        except InvalidInput as exc:
            field = exc.message.split(" ", 1)[0]
            raise DataFileError(
                f"field units[{index}].{field} (unit {unit.code!r}): {exc.message}",
                where=source or None,
            ) from exc
    order = _parents_first(tree.units, source)
    created = updated = 0
    with store.write():
        ids = dict(existing)
        for unit in order:
            parent_id = ids[unit.parent] if unit.parent else None
            row = _row(unit, parent_id)
            if unit.code in ids:
                store.update("units", ids[unit.code], row)
                updated += 1
            else:
                row["id"] = store.key_id("unit", unit.code)
                ids[unit.code] = store.insert("units", row)["id"]
                created += 1
    return ImportSummary(created=created, updated=updated)


def _parents_first(units: list[UnitSpec], source: str) -> list[UnitSpec]:
    by_code = {u.code: u for u in units}
    done: set[str] = set()
    order: list[UnitSpec] = []
    for unit in units:
        chain: list[UnitSpec] = []
        node: UnitSpec | None = unit
        while node is not None and node.code not in done:
            if node in chain:
                raise DataFileError(
                    f"units form a cycle through {node.code!r}", where=source or None
                )
            chain.append(node)
            node = by_code.get(node.parent) if node.parent else None
        for item in reversed(chain):
            done.add(item.code)
            order.append(item)
    return order


def list_units(store: Store, *, kinds: tuple[UnitKind, ...] = ()) -> list[Unit]:
    if kinds:
        marks = ",".join("?" * len(kinds))
        rows = store.all(
            f"SELECT * FROM units WHERE kind IN ({marks}) ORDER BY code",
            tuple(k.value for k in kinds),
        )
    else:
        rows = store.all("SELECT * FROM units ORDER BY code")
    return [Unit.model_validate(r) for r in rows]
