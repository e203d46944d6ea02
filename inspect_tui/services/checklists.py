"""Indicator systems (對標指標體系): validate, import a version, list, read one."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from ..datafiles import load_model, read_text
from ..errors import DataFileError, NotFound
from ..i18n import t
from ..models import Aspect, Checklist, Indicator, IndicatorSystemFile
from ..paths import shipped_checklists
from ..store import Store


def validate_file(path: Path) -> IndicatorSystemFile:
    return load_model(path, IndicatorSystemFile)


@dataclass(frozen=True)
class ImportResult:
    checklist: Checklist
    created: bool  # False: the same version was already there, unchanged


def import_checklist(store: Store, path: Path) -> ImportResult:
    """Import one version. Re-importing identical content is a no-op; a different file with
    a code and version already in the database is refused (old inspections keep theirs)."""
    spec = validate_file(path)
    source = read_text(path)
    return import_checklist_spec(store, spec, source=source, where=str(path))


def import_checklist_spec(
    store: Store, spec: IndicatorSystemFile, *, source: str, where: str = ""
) -> ImportResult:
    digest = hashlib.sha256(spec.model_dump_json().encode()).hexdigest()
    existing = store.one(
        "SELECT * FROM checklists WHERE code = ? AND version = ?", (spec.code, spec.version)
    )
    if existing:
        if existing["sha256"] == digest:
            return ImportResult(Checklist.model_validate(existing), created=False)
        raise DataFileError(
            f"{spec.code} version {spec.version} is already in the database with different "
            "content; give the changed system a new version number",
            where=where or None,
        )
    with store.write():
        row = store.insert(
            "checklists",
            {
                "id": store.key_id("checklist", spec.code, str(spec.version)),
                "code": spec.code,
                "version": spec.version,
                "title": spec.title,
                "effective_from": spec.effective_from,
                "description": spec.description,
                "source": source,
                "sha256": digest,
            },
        )
        position = 0
        for a_pos, aspect in enumerate(spec.aspects):
            aspect_row = store.insert(
                "aspects",
                {
                    "id": store.key_id("aspect", row["id"], aspect.code),
                    "checklist_id": row["id"],
                    "code": aspect.code,
                    "title": aspect.title,
                    "position": a_pos,
                },
            )
            for ind in aspect.indicators:
                store.insert(
                    "indicators",
                    {
                        "id": store.key_id("indicator", row["id"], ind.code),
                        "checklist_id": row["id"],
                        "aspect_id": aspect_row["id"],
                        "code": ind.code,
                        "title": ind.title,
                        "standard": ind.standard,
                        "guidance": ind.guidance,
                        "max_score": ind.max_score,
                        "weight": ind.weight,
                        "kind": ind.kind.value,
                        "rule": ind.rule.model_dump(),
                        "position": position,
                    },
                )
                position += 1
    return ImportResult(get_checklist(store, row["id"]), created=True)


def install_shipped(store: Store) -> list[ImportResult]:
    """Import the indicator systems that ship in ``data/checklists`` (idempotent)."""
    return [import_checklist(store, path) for path in shipped_checklists()]


def get_checklist(store: Store, checklist_id: str) -> Checklist:
    return Checklist.model_validate(store.get("checklists", checklist_id, "indicator system"))


def list_checklists(store: Store) -> list[Checklist]:
    rows = store.all("SELECT * FROM checklists ORDER BY code, version")
    return [Checklist.model_validate(r) for r in rows]


def newest_checklist(store: Store, code: str | None = None) -> Checklist:
    """The default for a new inspection: the highest version (of ``code``, if given)."""
    if code:
        row = store.one(
            "SELECT * FROM checklists WHERE code = ? ORDER BY version DESC LIMIT 1", (code,)
        )
    else:
        row = store.one(
            "SELECT * FROM checklists ORDER BY effective_from DESC, version DESC LIMIT 1"
        )
    if row is None:
        raise NotFound(t("err.not_found", what="indicator system", key=code or "*"))
    return Checklist.model_validate(row)


def aspects_of(store: Store, checklist_id: str) -> list[Aspect]:
    rows = store.all(
        "SELECT * FROM aspects WHERE checklist_id = ? ORDER BY position", (checklist_id,)
    )
    return [Aspect.model_validate(r) for r in rows]


def indicators_of(store: Store, checklist_id: str) -> list[Indicator]:
    rows = store.all(
        "SELECT * FROM indicators WHERE checklist_id = ? ORDER BY position", (checklist_id,)
    )
    return [Indicator.model_validate(r) for r in rows]


def find_indicator(store: Store, checklist_id: str, key: str) -> Indicator:
    row = store.one(
        "SELECT * FROM indicators WHERE checklist_id = ? AND (id = ? OR code = ?)",
        (checklist_id, key, key),
    )
    if row is None:
        raise NotFound(t("err.not_found", what="indicator", key=key))
    return Indicator.model_validate(row)
