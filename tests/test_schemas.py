"""The JSON Schemas in schemas/ are generated from the models; this fails when they drift."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from inspect_tui.schemas import SCHEMAS, render

SCHEMA_DIR = Path(__file__).resolve().parent.parent / "schemas"


@pytest.mark.parametrize("name", sorted(SCHEMAS))
def test_schema_file_matches_the_model(name: str) -> None:
    path = SCHEMA_DIR / name
    assert path.exists(), f"{name} missing: run python -m inspect_tui.schemas"
    assert path.read_text(encoding="utf-8") == render(SCHEMAS[name]), (
        f"{name} is out of date: run python -m inspect_tui.schemas"
    )


def test_schemas_describe_the_fields_users_write() -> None:
    system = json.loads((SCHEMA_DIR / "indicator-system.schema.json").read_text(encoding="utf-8"))
    indicator = system["$defs"]["IndicatorSpec"]
    assert {"code", "title", "standard", "guidance", "max_score", "rule"} <= set(
        indicator["properties"]
    )
    assert indicator["properties"]["max_score"]["exclusiveMinimum"] == 0
