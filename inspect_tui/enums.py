"""The domain's enumerations, apart from the pydantic models that use them.

Plain ``StrEnum``s, cheap to import: the home screen's queries need them, and the app's
start-up should not wait for pydantic and the models (``models`` re-exports them, so
``from inspect_tui.models import Result`` still works).
"""

from __future__ import annotations

from enum import StrEnum


class UnitKind(StrEnum):
    COMMITTEE = "committee"  # 黨委
    GENERAL_BRANCH = "general_branch"  # 黨總支
    BRANCH = "branch"  # 黨支部
    GROUP = "group"  # 黨小組


class IndicatorKind(StrEnum):
    REGULAR = "regular"  # 分項指標
    BONUS = "bonus"  # 表彰加分
    SELF_CHOSEN = "self_chosen"  # 自選動作


class InspectionKind(StrEnum):
    SPOT = "spot"  # 抽查
    SUPERVISORY = "supervisory"  # 督導檢查
    REINSPECTION = "reinspection"  # 復查


class InspectionState(StrEnum):
    IN_PROGRESS = "in_progress"
    SIGNED_OFF = "signed_off"


class Result(StrEnum):
    CONFORMS = "conforms"
    PARTLY = "partly"
    DOES_NOT = "does_not"
    NOT_APPLICABLE = "not_applicable"


class Severity(StrEnum):
    GENERAL = "general"  # 一般
    MAJOR = "major"  # 較重
    SERIOUS = "serious"  # 嚴重


class ProblemState(StrEnum):
    OPEN = "open"  # 待整改
    RECTIFYING = "rectifying"  # 整改中
    SUBMITTED = "submitted"  # 待驗收
    CLOSED = "closed"  # 已銷號


__all__ = [
    "IndicatorKind",
    "InspectionKind",
    "InspectionState",
    "ProblemState",
    "Result",
    "Severity",
    "UnitKind",
]
