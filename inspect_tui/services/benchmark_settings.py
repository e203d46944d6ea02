"""The benchmarking settings file (``benchmark.yaml``): the lagging rule, how a month is
scored, the over-reporting margin, who may do which review step, and the consequences of
the ranking.

Read from ``benchmark.yaml`` in the platform's config folder (beside ``settings.yaml``),
or from a file given with ``--settings FILE``; without either, the defaults below apply
(which give nobody a review role: publishing needs the file). Its JSON Schema is
``schemas/benchmark.schema.json``.

Example::

    lagging: {k: 3, bottom_percent: 10}
    scoring: {method: mean, include_bonus: true, overdue_deduction: 0.5, overdue_deduction_cap: 5}
    over_reporting_margin: 5
    roles:
      周慧敏: [submit]
      孫建平: [review]
      馬麗華: [consolidate]
      高振宇: [approve]
    consequences:
      - {text: 連續兩個月排名末位：取消本年度評先評優資格, bottom_streak: 2}
      - {text: 月度得分低於60分：黨委書記約談支部書記, below_score: 60}
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from ..datafiles import load_model, read_text
from ..errors import DataFileError
from ..locations import config_dir
from .ranking import (
    DEFAULT_CONSEQUENCES,
    DEFAULT_RULE,
    DEFAULT_SCORING,
    Consequence,
    LaggingRule,
    MonthScoring,
)

FILE_NAME = "benchmark.yaml"


class Role(StrEnum):
    """The four levels of the review flow (四級審核), in order."""

    SUBMIT = "submit"  # 支部上報 / the office submits the month's results
    REVIEW = "review"  # 管理部門審查
    CONSOLIDATE = "consolidate"  # 專責匯總
    APPROVE = "approve"  # 領導審核發布


_UserName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]


class BenchmarkSettings(BaseModel):
    """Monthly benchmarking: lagging, scoring, self-report checks, review roles, consequences."""

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        json_schema_extra={"$id": "https://inspect-tui.example/schemas/benchmark.json"},
    )

    lagging: LaggingRule = Field(
        default=DEFAULT_RULE, description="Who is at the bottom, and for how long before lagging."
    )
    scoring: MonthScoring = Field(
        default=DEFAULT_SCORING, description="How a unit's month score is made."
    )
    over_reporting_margin: float = Field(
        default=5.0,
        ge=0,
        le=100,
        description="Flag a unit whose self-reported score exceeds the inspected score by "
        "more than this many points (of 100) as possibly over-reporting.",
    )
    roles: dict[_UserName, list[Role]] = Field(
        default_factory=dict,
        description="User name → the review steps they may do: submit, review, consolidate, "
        "approve. A user not listed may do none.",
    )
    separate_duties: bool = Field(
        default=True,
        description="One person may not do two steps of the same round of a month's review.",
    )
    consequences: list[Consequence] = Field(
        default_factory=lambda: list(DEFAULT_CONSEQUENCES),
        description="Consequences of the ranking, each a line of text and its conditions.",
    )

    @field_validator("roles")
    @classmethod
    def _no_duplicate_roles(cls, roles: dict[str, list[Role]]) -> dict[str, list[Role]]:
        return {user: sorted(set(steps), key=list(Role).index) for user, steps in roles.items()}

    def may(self, user: str, role: Role) -> bool:
        return role in self.roles.get(user.strip(), ())

    def holders(self, role: Role) -> list[str]:
        return sorted(user for user, steps in self.roles.items() if role in steps)


DEFAULTS = BenchmarkSettings()


def default_path() -> Path:
    return config_dir() / FILE_NAME


def load_benchmark_settings(path: Path | None = None) -> BenchmarkSettings:
    """The settings from ``path`` (which must exist), else from ``benchmark.yaml`` in the
    config folder when it is there, else the defaults. A bad file raises ``DataFileError``
    naming the file, the line and the field."""
    if path is None:
        path = default_path()
        if not path.exists():
            return DEFAULTS
    path = Path(path).expanduser()
    if not path.exists():
        raise DataFileError("file does not exist", where=str(path))
    if path.is_file() and path.suffix.lower() != ".json" and _only_comments(path):
        return DEFAULTS  # an empty file (or one of comments) means the defaults
    return load_model(path, BenchmarkSettings)


def _only_comments(path: Path) -> bool:
    text = read_text(path)
    return all(not line.strip() or line.lstrip().startswith("#") for line in text.splitlines())
