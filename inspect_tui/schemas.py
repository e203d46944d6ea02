"""JSON Schemas of the files users write, generated from the pydantic models.

``python -m inspect_tui.schemas`` rewrites ``schemas/``; a test fails when they drift.
Editors (VS Code with the YAML extension, for one) use them to check files as you type.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from pydantic import BaseModel

from .models import IndicatorSystemFile, OrgTreeFile
from .notices.template import NoticeTemplate
from .services.benchmark_settings import BenchmarkSettings
from .settings import Settings

SCHEMAS: dict[str, type[BaseModel]] = {
    "indicator-system.schema.json": IndicatorSystemFile,
    "org-tree.schema.json": OrgTreeFile,
    "settings.schema.json": Settings,
    "notice-template.schema.json": NoticeTemplate,
    "benchmark.schema.json": BenchmarkSettings,
}


def render(model: type[BaseModel]) -> str:
    schema = model.model_json_schema(mode="validation")
    schema = {"$schema": "https://json-schema.org/draft/2020-12/schema", **schema}
    if model is Settings:
        schema["properties"]["db"].pop("default", None)  # machine-specific
    return json.dumps(schema, ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def write_all(folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, model in SCHEMAS.items():
        path = folder / name
        path.write_text(render(model), encoding="utf-8")
        written.append(path)
    return written


if __name__ == "__main__":
    target = (
        Path(sys.argv[1])
        if len(sys.argv) > 1
        else Path(__file__).resolve().parent.parent / "schemas"
    )
    for path in write_all(target):
        print(path)
