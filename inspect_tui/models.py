"""Domain models: the words of DESIGN.md as pydantic types.

Two families live here. *File models* (``OrgTreeFile``, ``IndicatorSystemFile``) describe
what users write in YAML/JSON; their JSON Schemas are generated into ``schemas/``.
*Record models* (``Unit``, ``Inspection``, ``Problem`` ...) are rows as the services hand
them out; the store maps them to tables.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator, model_validator

# the enums live in a light module of their own (the app's start-up needs them, not
# pydantic); they are re-exported here, where the rest of the domain's words are
from .enums import (
    IndicatorKind,
    InspectionKind,
    InspectionState,
    ProblemState,
    Result,
    Severity,
    UnitKind,
)
from .text import check_storable

# --------------------------------------------------------------------------- scoring rules


class _Rule(BaseModel):
    model_config = ConfigDict(extra="forbid")


class PassFailRule(_Rule):
    """Full marks when it conforms, nothing otherwise; "partly" is not an answer."""

    type: Literal["pass_fail"] = "pass_fail"


class GradedRule(_Rule):
    """Conforms / partly / does not; partly earns ``partly_ratio`` of the maximum."""

    type: Literal["graded"] = "graded"
    partly_ratio: float = Field(0.5, gt=0, lt=1, description="Share of the maximum for 'partly'.")


class DeductRule(_Rule):
    """Start from the maximum, deduct per occurrence found, never below ``floor``."""

    type: Literal["deduct"] = "deduct"
    per_occurrence: float = Field(gt=0, description="Points deducted for each occurrence.")
    floor: float = Field(0, ge=0, description="The score never falls below this.")


class BonusRule(_Rule):
    """Points per occurrence up to the maximum; added on top of the normalised score."""

    type: Literal["bonus"] = "bonus"
    per_occurrence: float = Field(gt=0, description="Points for each commendation.")


class ScaleRule(_Rule):
    """The inspector enters a score between 0 and the maximum."""

    type: Literal["scale"] = "scale"


ScoringRule = Annotated[
    PassFailRule | GradedRule | DeductRule | BonusRule | ScaleRule, Field(discriminator="type")
]

# --------------------------------------------------------------------------- data files

_Code = Annotated[
    str, Field(min_length=1, max_length=64, pattern=r"^[^\s]+$"), AfterValidator(check_storable)
]
_Text = Annotated[str, Field(min_length=1, max_length=2000), AfterValidator(check_storable)]
_Optional = Annotated[str, AfterValidator(check_storable)]


class _FileModel(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, defer_build=True)


class IndicatorSpec(_FileModel):
    code: _Code = Field(description="Unique within the system, e.g. 'B3'.")
    title: _Text = Field(description="分項指標 — short name of the indicator.")
    standard: _Text = Field(description="考核標準 — what conforming means.")
    guidance: _Text = Field(description="查看資料 / 作業指導 — what the inspector looks at.")
    max_score: float = Field(gt=0, le=1000, description="Maximum score of the indicator.")
    weight: float = Field(1.0, gt=0, le=100, description="Multiplies score and maximum.")
    kind: IndicatorKind = IndicatorKind.REGULAR
    rule: ScoringRule = Field(default_factory=lambda: GradedRule(partly_ratio=0.5))

    @model_validator(mode="after")
    def _rule_fits_kind(self) -> IndicatorSpec:
        if (self.kind is IndicatorKind.BONUS) != isinstance(self.rule, BonusRule):
            raise ValueError("bonus indicators, and only they, use the 'bonus' rule")
        if isinstance(self.rule, DeductRule) and self.rule.floor >= self.max_score:
            raise ValueError("deduct rule floor must be below max_score")
        return self


class AspectSpec(_FileModel):
    code: _Code
    title: _Text = Field(description="方面 — e.g. 組織建設.")
    indicators: list[IndicatorSpec] = Field(min_length=1)


class IndicatorSystemFile(_FileModel):
    """An indicator system version (對標指標體系), as users write it."""

    model_config = ConfigDict(
        extra="forbid",
        str_strip_whitespace=True,
        json_schema_extra={"$id": "https://inspect-tui.example/schemas/indicator-system.json"},
    )

    code: _Code = Field(description="The system this is a version of, e.g. 'branch-benchmark'.")
    version: int = Field(ge=1, description="Versions of one system count up.")
    title: _Text
    effective_from: dt.date = Field(description="First day this version is used.")
    description: _Optional = ""
    aspects: list[AspectSpec] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique_codes(self) -> IndicatorSystemFile:
        seen: set[str] = set()
        for a_index, aspect in enumerate(self.aspects):
            for i_index, ind in enumerate(aspect.indicators):
                if ind.code in seen:
                    raise ValueError(
                        f"duplicate indicator code {ind.code!r} "
                        f"(aspects[{a_index}].indicators[{i_index}])"
                    )
                seen.add(ind.code)
        aspect_codes = [a.code for a in self.aspects]
        dupes = {c for c in aspect_codes if aspect_codes.count(c) > 1}
        if dupes:
            raise ValueError(f"duplicate aspect code {sorted(dupes)[0]!r}")
        return self

    def indicators(self) -> list[IndicatorSpec]:
        return [i for a in self.aspects for i in a.indicators]


class UnitSpec(_FileModel):
    code: _Code = Field(description="Unique code of the unit.")
    name: _Text = Field(description="e.g. 機關黨總支.")
    kind: UnitKind
    parent: str | None = Field(
        None, description="Code of the parent unit (in this file or the database)."
    )
    secretary: _Optional = Field("", max_length=200, description="書記.")
    members: int = Field(0, ge=0, le=1_000_000, description="Number of Party members.")
    contact: _Optional = Field("", max_length=200)


class OrgTreeFile(_FileModel):
    """An organisation tree as users write it: a flat list, each unit naming its parent."""

    model_config = ConfigDict(
        extra="forbid",
        str_strip_whitespace=True,
        json_schema_extra={"$id": "https://inspect-tui.example/schemas/org-tree.json"},
    )

    units: list[UnitSpec] = Field(min_length=1)

    @field_validator("units")
    @classmethod
    def _unique_codes(cls, units: list[UnitSpec]) -> list[UnitSpec]:
        seen: set[str] = set()
        for index, unit in enumerate(units):
            if unit.code in seen:
                raise ValueError(f"duplicate unit code {unit.code!r} (units[{index}])")
            seen.add(unit.code)
        return units


# --------------------------------------------------------------------------- records


class Record(BaseModel):
    model_config = ConfigDict(frozen=True, defer_build=True)

    id: str
    created_at: dt.datetime
    updated_at: dt.datetime
    device_id: str


class Unit(Record):
    code: str
    name: str
    kind: UnitKind
    parent_id: str | None
    secretary: str
    members: int
    contact: str


class Checklist(Record):
    code: str
    version: int
    title: str
    effective_from: dt.date
    description: str


class Aspect(BaseModel):
    model_config = ConfigDict(frozen=True, defer_build=True)
    id: str
    checklist_id: str
    code: str
    title: str
    position: int


class Indicator(BaseModel):
    model_config = ConfigDict(frozen=True, defer_build=True)
    id: str
    checklist_id: str
    aspect_id: str
    code: str
    title: str
    standard: str
    guidance: str
    max_score: float
    weight: float
    kind: IndicatorKind
    rule: ScoringRule
    position: int


class Inspection(Record):
    unit_id: str
    checklist_id: str
    kind: InspectionKind
    date: dt.date
    team: list[str]
    state: InspectionState
    signed_by: str | None
    signed_at: dt.datetime | None
    cursor_indicator_id: str | None


class Answer(Record):
    inspection_id: str
    indicator_id: str
    result: Result
    value: float | None  # occurrences (deduct, bonus) or entered score (scale)
    score: float | None  # None when not applicable
    remark: str
    evidence: list[str]
    answered_by: str


class Problem(Record):
    unit_id: str
    inspection_id: str | None
    indicator_id: str | None
    description: str
    severity: Severity
    requirement: str
    responsible: str
    deadline: dt.date
    original_deadline: dt.date
    state: ProblemState
    closed_on: dt.date | None
    found_on: dt.date
    reopened: int


class ProblemEvent(BaseModel):
    model_config = ConfigDict(frozen=True, defer_build=True)
    id: str
    problem_id: str
    at: dt.datetime
    by: str
    action: str
    from_state: ProblemState | None
    to_state: ProblemState | None
    note: str
    device_id: str


class Rectification(Record):
    problem_id: str
    description: str
    done_on: dt.date
    evidence: list[str]
    recorded_by: str


class Notice(Record):
    unit_id: str
    organ: str
    year: int
    serial: int
    issued_on: dt.date
    sha256: str | None
    path: str | None
    received_on: dt.date | None
    replaces_id: str | None


class MonthlyResult(Record):
    unit_id: str
    month: str  # YYYY-MM
    score: float | None  # None: not inspected that month
    rank: int | None
    benchmark: bool
    lagging: bool


class InspectionScore(BaseModel):
    """The total of an inspection: weighted earned / possible, normalised to 100, plus bonus."""

    model_config = ConfigDict(frozen=True, defer_build=True)
    earned: float
    possible: float
    bonus: float
    answered: int
    total: int

    @property
    def percent(self) -> float | None:
        if self.possible <= 0:
            return None
        return round(self.earned / self.possible * 100 + self.bonus, 2)
